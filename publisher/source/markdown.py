"""The Markdown subset allowed in text fields: paragraphs, bold, links, lists, pipe tables, ### sub-headings and
words in another language, marked [Gofalu am eich traed]{lang=cy}."""

from __future__ import annotations

import dataclasses
import functools
import html
import re
from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup

from publisher.i18n import languages

# Raw HTML is off: anything that looks like a tag prints as text.
_md = MarkdownIt("zero", {"html": False, "typographer": False}).enable(
    ["list", "emphasis", "link", "escape", "newline", "table", "heading"]
)
# We check every link against our own allow-list below, so let markdown-it
# tokenise them all instead of silently printing refused ones as text.
_md.validateLink = lambda url: True  # type: ignore[method-assign]
_renderer = cast(RendererHTML, _md.renderer)  # the HTML renderer, typed as a protocol by markdown-it

# Words in another language: [words]{lang=TAG}, the attribute syntax of Pandoc and markdown-it-attrs, limited to lang.
_LANG_MARK = re.compile(r"\{lang=([^{}\s]*)\}")
# Anything that looks like a try at one, for messages: '{' after ']', or '{lang' anywhere.
_LANG_ATTEMPT = re.compile(r"(\]?)\{([^{}\n]*)(\}?)")


def _lang_span(state, silent: bool) -> bool:
    """Inline rule: '[words]{lang=cy}' becomes a span of words in that language (their Markdown still applies)."""
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0:
        return False
    match = _LANG_MARK.match(state.src, label_end + 1)
    if not match:
        return False
    if not silent:
        end = state.posMax
        state.pos, state.posMax = state.pos + 1, label_end
        state.push("lang_open", "span", 1).attrs = {"lang": match.group(1)}
        state.md.inline.tokenize(state)
        state.push("lang_close", "span", -1)
        state.posMax = end
    state.pos = match.end()
    return True


_md.inline.ruler.before("link", "lang_span", _lang_span)

ALLOWED_LINK = re.compile(r"(https?://\S+|mailto:[^\s@]+@\S+|tel:[0-9+() -]+)\Z")

# Atkinson Hyperlegible has no non-breaking hyphen (U+2011): print a plain
# hyphen that the line-breaker may not split, instead of a fallback font glyph.
_NB_HYPHEN = "\u2011"
_NB_HYPHEN_HTML = '<span class="nobreak">-</span>'

# A line that is all pipe-separated cells, and the line under a table's header.
_PIPE_ROW = re.compile(r"^ {0,3}\|.*\|[ \t]*\Z")
_DELIMITER_ROW = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*\Z")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_LINE_END = re.compile(r"\r\n?|\n")
_ITEM_START = re.compile(r"^( *)([-*+]|[0-9]{1,9}[.)])( +|\Z)")
_LIST_LINE = re.compile(r"^ *([-*+]|[0-9]{1,9}[.)])( |\Z)")


# Lists and emphasis inside one another; far past any real leaflet, and far below the depth
# at which WeasyPrint's layout recurses out of stack (20,000 nested '**' did).
MAX_NESTING = 32
# markdown-it stops parsing a block nested past its maxNesting and drops the rest of the text (its "zero" preset
# stops at 20, so a list 10 deep lost what followed it). One past our own limit: whatever we allow is parsed whole,
# and deeper text reaches MAX_NESTING + 1 in the tokens, so it is refused before anything can be lost.
_md.options["maxNesting"] = MAX_NESTING + 1


def _too_deep(tokens) -> int | None:
    """The line (from 0) where the blocks and inline markup of a parsed text first nest past MAX_NESTING, or None."""
    depth, line = 0, 0
    for token in tokens:
        depth += token.nesting
        line = token.map[0] if token.map else line
        inner = depth
        for child in token.children or ():
            inner += child.nesting
            if inner > MAX_NESTING:
                return line
        if depth > MAX_NESTING:
            return line
    return None


@dataclasses.dataclass(frozen=True)
class Finding:
    """Something wrong in a text field; `line` counts from 0 within the text, None for the whole field."""

    message: str
    line: int | None = None
    level: str = "error"  # or "warning"
    column: int | None = None  # from 0 within the line, where the finding is one place in it


@dataclasses.dataclass(frozen=True)
class Layout:
    """How wide the text block is and how big the text, so a table too wide for it can be stacked."""

    width_pt: float
    size_pt: float


def problems(text: str, headings: bool = False) -> list[str]:
    """What in `text` is wrong (errors only), as messages; `headings` allows ### sub-headings."""
    return [f.message for f in findings(text, headings) if f.level == "error"]


def findings(text: str, headings: bool = False) -> list[Finding]:
    """Everything in `text` that falls outside the subset (errors) or is probably not meant (warnings)."""
    tokens = _md.parse(text)
    deep = _too_deep(tokens)
    if deep is not None:
        return [Finding(f"bold, links and lists are nested more than {MAX_NESTING} deep (a list inside a list "
                        f"counts 2) - a leaflet needs far fewer levels", deep)]
    # The lines as markdown-it numbers them: it ends a line at CR, LF or CRLF.
    lines = _LINE_END.split(text)
    found: list[Finding] = []
    for token in _walk(tokens):
        if token.type == "em_open" and token.markup in ("*", "_"):
            found.append(Finding(f"italics ('{token.markup}text{token.markup}') are hard to read in print - "
                                 "use **bold** for emphasis"))
        elif token.type == "link_open":
            href = token.attrGet("href") or ""
            if not ALLOWED_LINK.match(href):
                found.append(Finding(f"link target '{href}' is not allowed - use a full https:// address, "
                                     "mailto: or tel:"))
        elif token.type == "heading_open" and (finding := _heading_finding(token, headings)):
            found.append(finding)
    found += _table_findings(tokens, lines)
    found += _lazy_line_findings(tokens, lines)
    found += _lang_findings(lines)
    return list(dict.fromkeys(found))


def _lang_findings(lines: list[str]) -> list[Finding]:
    """Language marks that are malformed, name no language, or mark no words; each at its own line and column."""
    found: list[Finding] = []
    closing: set[tuple[int, int]] | None = None
    for number, line in enumerate(lines):
        for attempt in _LANG_ATTEMPT.finditer(line):
            bracket, inside, closed = attempt.groups()
            if not bracket and not inside.lstrip().startswith("lang"):
                continue  # braces in ordinary text
            column = attempt.start(2) - 1
            mark = _LANG_MARK.fullmatch(attempt.group()[len(bracket):])
            if not closed:
                message = "this language mark has no closing '}' - write it as [words]{lang=cy}"
            elif mark is None:
                message = (f"'{{{inside}}}' is not a language mark - write [words]{{lang=cy}} "
                           "(only lang= is allowed, with no spaces)")
            elif not bracket:
                message = (f"'{{{inside}}}' must follow the words it marks in square brackets - "
                           f"write [words]{{{inside}}}")
            elif (number, attempt.start()) not in (closing := _opened(lines) if closing is None else closing):
                message = (f"'{{{inside}}}' marks no words: the '[' before them is missing - "
                           f"write [words]{{{inside}}}")
            elif not languages.known(mark.group(1)):
                message = (f"'{mark.group(1)}' is not a language tag - use a BCP 47 tag such as cy, ar, ur, bn "
                           "or zh-Hans")
            else:
                continue
            found.append(Finding(message, number, column=column))
    return found


def line_of(text: str, line: int) -> str:
    """One line of a text field, numbered as Finding.line numbers them."""
    lines = _split_lines(text)
    return lines[line] if 0 <= line < len(lines) else ""


@functools.lru_cache(maxsize=8)
def _split_lines(text: str) -> list[str]:
    """A field's lines, split once for all its findings (splitting for each was quadratic)."""
    return _LINE_END.split(text)


def _opened(lines: list[str]) -> set[tuple[int, int]]:
    """Where (line, column) a ']' closes a '[' before it in the same paragraph: one pass over the text, so a
    field of thousands of marks is checked in linear time (a scan back from each one was quadratic)."""
    closing, open_ = set(), 0
    for number, line in enumerate(lines):
        if not line.strip():
            open_ = 0  # a blank line ends the paragraph
        for column, char in enumerate(line):
            if char == "[":
                open_ += 1
            elif char == "]" and open_:
                open_ -= 1
                closing.add((number, column))
    return closing


def _heading_finding(token, headings: bool) -> Finding | None:
    line = token.map[0] if token.map else None
    level = len(token.markup)
    if not headings:
        return Finding(f"'{token.markup} ' starts a heading, which only a section's body may have - "
                       "remove the '#' signs, or move the text into a section", line)
    if level < 3:
        return Finding(f"'{token.markup} ' makes a level-{level} heading - write '### ' for a sub-heading, "
                       "or start a new section for a main heading", line)
    if level > 3:
        return Finding(f"'{token.markup} ' makes a level-{level} heading, deeper than a leaflet should go - "
                       "use '### ' for a sub-heading", line)
    return None


def _cells(line: str) -> int:
    """How many cells a pipe-table row has."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return len(_CELL_SPLIT.split(inner))


def _table_findings(tokens, lines: list[str]) -> list[Finding]:
    """Rows with the wrong number of cells, and pipe rows that never became a table."""
    found = []
    for token in tokens:
        if token.type == "table_open" and token.map:
            start, end = token.map
            width = _cells(lines[start])
            for number in range(start + 2, end):
                count = _cells(lines[number])
                if "|" not in lines[number]:
                    # Pipe tables run on to the next blank line: a sentence pasted straight under one joins it.
                    found.append(Finding("this line has no '|', so it joins the table above as a row - leave a "
                                         "blank line before it to start a new paragraph", number))
                elif count != width:
                    found.append(Finding(f"this table row has {count} cell{'s' if count != 1 else ''} but the "
                                         f"header has {width} - give every row {width} cells (an empty cell "
                                         "is '| |')", number))
        elif token.type == "paragraph_open" and token.map:
            start, end = token.map
            rows = [n for n in range(start, end) if _PIPE_ROW.match(lines[n])]
            if not rows:
                continue
            first = rows[0]
            below = lines[first + 1] if first + 1 < end else ""
            if _DELIMITER_ROW.match(below) and "-" in below:
                found.append(Finding(f"the line under this table's header has {_cells(below)} columns but the "
                                     f"header has {_cells(lines[first])} - give them the same number of columns",
                                     first + 1))
            else:
                found.append(Finding("this looks like a table but has no header row - write the header row "
                                     "first, then a line such as '| --- | --- |' under it (one '---' a column)",
                                     first))
    return found


def _lazy_line_findings(tokens, lines: list[str]) -> list[Finding]:
    """A line written straight after a list item, not indented: Markdown joins it to the item."""
    found = []
    item_indent = None
    for token in tokens:
        if token.type == "list_item_open" and token.map:
            match = _ITEM_START.match(lines[token.map[0]])
            item_indent = len(match.group(0)) if match else None
        elif token.type == "paragraph_open" and token.map and item_indent is not None and token.level > 0:
            start, end = token.map
            for number in range(start + 1, end):
                line = lines[number]
                indent = len(line) - len(line.lstrip(" "))
                if line.strip() and indent < item_indent and not _LIST_LINE.match(line):
                    found.append(Finding("this line runs on from the list item above, so it prints as part of "
                                         "that item - leave a blank line before it to start a new paragraph, or "
                                         "indent it to line up with the item's text", number, "warning"))
                    break
        elif token.type in ("bullet_list_close", "ordered_list_close") and token.level == 0:
            item_indent = None
    return found


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def parse(text: str) -> list:
    """The markdown-it tokens of a text field, parsed with the subset's rules (for reading it aloud or in braille)."""
    return _md.parse(text)


def links(text: str) -> list[str]:
    """Every link target in `text`, in order, without repeats."""
    return list(dict.fromkeys(t.attrGet("href") for t in _walk(_md.parse(text)) if t.type == "link_open"))


def to_html(text: str, layout: Layout | None = None, direction: str = "ltr") -> Markup:
    """Render a validated text field to HTML; tables too wide for `layout` are stacked, one block a row.

    `direction` is the document's: in right-to-left text each left-to-right run (a number, a phone number,
    a web address, a Latin name) is isolated in a <bdi>, so it prints in its own order.
    """
    tokens = _md.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.children:
            token.children = _isolated(token.children, _block_direction(tokens, index, direction))
    for token in _walk(tokens):
        if token.type == "lang_open":
            tag = token.attrGet("lang") or ""
            if not languages.known(tag):
                token.attrs = {}  # validation refuses these; never print a wrong tag if it is skipped
            elif languages.direction(tag) == "rtl" or direction == "rtl":
                token.attrSet("dir", languages.direction(tag))
        elif token.type == "link_open" and not ALLOWED_LINK.match(token.attrGet("href") or ""):
            # Validation refuses these; never let one through if it is skipped.
            token.attrSet("href", "")
        elif token.type == "th_open":
            token.attrSet("scope", "col")
        elif token.type == "table_open":
            token.attrSet("class", "table")
    parts, start = [], 0
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            end = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close") + 1
            parts.append(_md.renderer.render(tokens[start:index], _md.options, {}))
            table = tokens[index:end]
            if layout is not None and not _fits(table, layout):
                parts.append(_stacked(table))
            else:
                parts.append(_md.renderer.render(table, _md.options, {}))
            start = end
    parts.append(_md.renderer.render(tokens[start:], _md.options, {}))
    return Markup("".join(parts).replace(_NB_HYPHEN, _NB_HYPHEN_HTML))


def _block_direction(tokens, index: int, direction: str) -> str:
    """The direction of the block an inline token is in, from its first letter (HTML's dir=auto); set on the block."""
    # Words marked as another language do not decide the direction of the text around them.
    outside, depth = [], 0
    for child in tokens[index].children:
        depth += 1 if child.type == "lang_open" else -1 if child.type == "lang_close" else 0
        if child.type == "text" and depth == 0:
            outside.append(child.content)
    own = languages.text_direction("".join(outside)) or languages.text_direction(
        "".join(c.content for c in tokens[index].children if c.type == "text"))
    if own is None or own == direction:
        return direction
    # A tight list's paragraphs are not printed: its item carries the direction.
    block = next((t for t in reversed(tokens[:index]) if t.nesting == 1 and not t.hidden), None)
    if block is not None and block.type in ("paragraph_open", "heading_open", "th_open", "td_open", "list_item_open"):
        block.attrSet("dir", own)
        return own
    return direction


def _isolated(children: list, direction: str) -> list:
    """Inline tokens with each left-to-right run of right-to-left text (the document's, or a marked span's) in a <bdi>."""
    out: list = []
    within = [direction]
    in_link = False
    for index, token in enumerate(children):
        if token.type == "lang_open":
            tag = token.attrGet("lang") or ""
            within.append(languages.direction(tag) if languages.known(tag) else within[-1])
        elif token.type == "lang_close":
            within.pop()
        elif token.type == "link_open":
            # WeasyPrint tags a link whose text holds an element (a <bdi>) without its annotation (not PDF/UA):
            # a link is isolated as a whole, by its own dir, its text left as it is.
            in_link = True
            end = next((i for i in range(index, len(children)) if children[i].type == "link_close"), len(children))
            own = languages.text_direction("".join(c.content for c in children[index:end] if c.type == "text"))
            if own and own != within[-1]:
                token.attrSet("dir", own)
        elif token.type == "link_close":
            in_link = False
        if token.type != "text" or within[-1] != "rtl" or in_link:
            out.append(token)
            continue
        for piece, ltr in languages.ltr_runs(token.content):
            if ltr:
                opening = Token("bdi_open", "bdi", 1)
                opening.attrs = {"dir": "ltr", "class": "nobreak"} if languages.unbreakable(piece) else {"dir": "ltr"}
                out += [opening, Token("text", "", 0, content=piece), Token("bdi_close", "bdi", -1)]
            else:
                out.append(Token("text", "", 0, content=piece))
    return out


def _rows(table) -> list[list]:
    """The inline token of each cell, row by row, the header row first."""
    rows: list[list] = []
    for token in table:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(token)
    return rows


# Cells have 2.5 mm of padding each side (base.css); a column narrower than
# about four letters' width at the edition's size leaves words one a line.
_CELL_PADDING_PT = 2 * 2.5 * 72 / 25.4
_MIN_COLUMN_EM = 4.0
_EM_PER_CHARACTER = 0.58  # an average bold letter is about 0.55 em wide: slightly generous


def _fits(table, layout: Layout) -> bool:
    """Whether every column gets room for its longest word at the edition's size on this paper."""
    rows = _rows(table)
    columns = max(len(row) for row in rows)
    need = 0.0
    for column in range(columns):
        words = [word for row in rows if column < len(row) for word in _plain(row[column]).split()]
        longest = max((len(word) for word in words), default=0) * _EM_PER_CHARACTER
        need += max(longest, _MIN_COLUMN_EM) * layout.size_pt + _CELL_PADDING_PT
    return need <= layout.width_pt


def _plain(inline) -> str:
    return "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))


def _stacked(table) -> str:
    """A table as one block a row of 'header: value' lines, for a page too narrow for its columns."""
    rows = _rows(table)
    header, body = rows[0], rows[1:]
    out = ['<ul class="table-stacked">\n']
    for row in body:
        out.append("<li>")
        for column, cell in enumerate(row):
            name = _renderer.renderInline(header[column].children, _md.options, {}) if column < len(header) else ""
            value = _renderer.renderInline(cell.children, _md.options, {})
            if not value.strip():
                continue  # an empty cell says nothing: a bare "Notes:" line would only puzzle
            out.append(f'<p><strong class="table-label">{name}:</strong> {value}</p>' if name
                       else f"<p>{value}</p>")
        out.append("</li>\n")
    out.append("</ul>\n")
    return "".join(out)


def inline_html(text: str, direction: str = "ltr") -> Markup:
    """Escape plain text (titles, headings) with the same character handling, isolating left-to-right runs in
    right-to-left text."""
    if direction == "rtl" and languages.text_direction(text) == "ltr":  # all of it in its own order, as one
        escaped = f'<bdi dir="ltr">{html.escape(text, quote=False)}</bdi>'
    elif direction == "rtl":
        escaped = "".join(f'<bdi dir="ltr">{html.escape(piece, quote=False)}</bdi>' if ltr
                          else html.escape(piece, quote=False) for piece, ltr in languages.ltr_runs(text))
    else:
        escaped = html.escape(text, quote=False)
    return Markup(escaped.replace(_NB_HYPHEN, _NB_HYPHEN_HTML))


def plain(text: str) -> str:
    """Text without Markdown syntax, for PDF metadata."""
    out = []
    for token in _walk(_md.parse(text)):
        if token.type == "text":
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "heading_close", "th_close", "td_close"):
            out.append(" ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def blocks(text: str) -> list[str]:
    """Plain text of each paragraph, list item, sub-heading and table cell, without Markdown syntax, for readability checks."""
    found = []
    for token in _md.parse(text):
        if token.type == "inline":
            words, in_link = [], False
            for child in token.children or []:
                in_link = child.type == "link_open" or (in_link and child.type != "link_close")
                # A web address printed as a link's text is not a word to read aloud or count.
                if child.type == "text" and not (in_link and _ADDRESS.fullmatch(child.content.strip())):
                    # A web address typed out in the text is read as one thing, not as its parts' words.
                    words.append(_WEB_ADDRESS.sub("address", child.content))
            found.append(" ".join(words).strip())
    return [block for block in found if block]


_ADDRESS = re.compile(r"\S*[./@]\S*")
_WEB_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S*[^\s.,;:!?)]")  # the sentence's full stop is not the address's
