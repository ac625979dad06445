"""What falls outside the Markdown subset of text fields (errors), or is probably not meant (warnings), line by line."""

from __future__ import annotations

import dataclasses
import functools
import re

from publisher.i18n import languages
from publisher.source.markdown import ALLOWED_LINK, LANG_MARK, MAX_NESTING, parse, walk

# Anything that looks like a try at a language mark, for messages: '{' after ']', or '{lang' anywhere.
_LANG_ATTEMPT = re.compile(r"(\]?)\{([^{}\n]*)(\}?)")
# A line that is all pipe-separated cells, and the line under a table's header.
_PIPE_ROW = re.compile(r"^ {0,3}\|.*\|[ \t]*\Z")
_DELIMITER_ROW = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*\Z")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_LINE_END = re.compile(r"\r\n?|\n")
_ITEM_START = re.compile(r"^( *)([-*+]|[0-9]{1,9}[.)])( +|\Z)")
_LIST_LINE = re.compile(r"^ *([-*+]|[0-9]{1,9}[.)])( |\Z)")


@dataclasses.dataclass(frozen=True)
class Finding:
    """Something wrong in a text field; `line` counts from 0 within the text, None for the whole field."""

    message: str
    line: int | None = None
    level: str = "error"  # or "warning"
    column: int | None = None  # from 0 within the line, where the finding is one place in it


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


def problems(text: str, headings: bool = False) -> list[str]:
    """What in `text` is wrong (errors only), as messages; `headings` allows ### sub-headings."""
    return [f.message for f in findings(text, headings) if f.level == "error"]


def findings(text: str, headings: bool = False) -> list[Finding]:
    """Everything in `text` that falls outside the subset (errors) or is probably not meant (warnings)."""
    tokens = parse(text)
    deep = _too_deep(tokens)
    if deep is not None:
        return [Finding(f"bold, links and lists are nested more than {MAX_NESTING} deep (a list inside a list "
                        f"counts 2) - a leaflet needs far fewer levels", deep)]
    # The lines as markdown-it numbers them: it ends a line at CR, LF or CRLF.
    lines = _LINE_END.split(text)
    found: list[Finding] = []
    for token in walk(tokens):
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
            mark = LANG_MARK.fullmatch(attempt.group()[len(bracket):])
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
