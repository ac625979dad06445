"""The Markdown subset allowed in text fields: paragraphs, bold, links, lists, pipe tables, ### sub-headings and
words in another language, marked [Gofalu am eich traed]{lang=cy}; parsed and printed here, checked in
publisher/source/markdown_checks.py."""

from __future__ import annotations

import dataclasses
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
LANG_MARK = re.compile(r"\{lang=([^{}\s]*)\}")


def _lang_span(state, silent: bool) -> bool:
    """Inline rule: '[words]{lang=cy}' becomes a span of words in that language (their Markdown still applies)."""
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0:
        return False
    match = LANG_MARK.match(state.src, label_end + 1)
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

# Lists and emphasis inside one another; far past any real leaflet, and far below the depth
# at which WeasyPrint's layout recurses out of stack (20,000 nested '**' did).
MAX_NESTING = 32
# markdown-it stops parsing a block nested past its maxNesting and drops the rest of the text (its "zero" preset
# stops at 20, so a list 10 deep lost what followed it). One past our own limit: whatever we allow is parsed whole,
# and deeper text reaches MAX_NESTING + 1 in the tokens, so it is refused before anything can be lost.
_md.options["maxNesting"] = MAX_NESTING + 1


@dataclasses.dataclass(frozen=True)
class Layout:
    """How wide the text block is and how big the text, so a table too wide for it can be stacked."""

    width_pt: float
    size_pt: float


def walk(tokens):
    """Every token of a parsed text, the inline ones inside their blocks, in order."""
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def parse(text: str) -> list:
    """The markdown-it tokens of a text field, parsed with the subset's rules (for reading it aloud or in braille)."""
    return _md.parse(text)


def links(text: str) -> list[str]:
    """Every link target in `text`, in order, without repeats."""
    return list(dict.fromkeys(t.attrGet("href") for t in walk(parse(text)) if t.type == "link_open"))


def to_html(text: str, layout: Layout | None = None, direction: str = "ltr") -> Markup:
    """Render a validated text field to HTML; tables too wide for `layout` are stacked, one block a row.

    `direction` is the document's: in right-to-left text each left-to-right run (a number, a phone number,
    a web address, a Latin name) is isolated in a <bdi>, so it prints in its own order.
    """
    tokens = parse(text)
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.children:
            token.children = _isolated(token.children, _block_direction(tokens, index, direction))
    _set_attributes(tokens, direction)
    return Markup(_render(tokens, layout).replace(_NB_HYPHEN, _NB_HYPHEN_HTML))


def _set_attributes(tokens, direction: str) -> None:
    """Languages' tags and directions, tables' header scope and class; a link validation refused has no target."""
    for token in walk(tokens):
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


def _render(tokens, layout: Layout | None) -> str:
    """The tokens as HTML, each table too wide for `layout` stacked."""
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
    return "".join(parts)


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
    for token in walk(parse(text)):
        if token.type == "text":
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "heading_close", "th_close", "td_close"):
            out.append(" ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def blocks(text: str) -> list[str]:
    """Plain text of each paragraph, list item, sub-heading and table cell, without Markdown syntax, for readability checks."""
    found = []
    for token in parse(text):
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
