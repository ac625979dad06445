"""YAML syntax errors explained: what the author did, and the line where they did it."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml

from publisher.core.errors import Problem

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # yamlsource's parser: the same events and marks

# The parser says what it expected; an author needs to know what they did. Each of the
# commonest mistakes gets its own words and the line where it was made, which is not
# always the line where the parser noticed (an unclosed quote is found lines later).


def explain(path: str, text: str, exc: yaml.MarkedYAMLError, field: str) -> Problem:
    """A YAML syntax error in plain English, at the line where the author went wrong (`field`: path_at_error's)."""
    failure = _Failure(exc.problem or "", exc.context or "", exc.problem_mark or exc.context_mark, exc.context_mark,
                       text.split("\n"), _last_scalar(text, exc.problem_mark or exc.context_mark))
    if failure.at is None:
        return Problem(path, 1, 1, field, f"invalid YAML: {failure.problem or failure.context or 'not valid YAML'} - "
                                          "check the indentation and quoting")
    what = f"{failure.context}, {failure.problem}" if failure.context else failure.problem or "not valid YAML"
    unexplained = (failure.at, f"invalid YAML: {what} - check the indentation and quoting on this line or the one above")
    mark, message = next((r for reading in _READINGS if (r := reading(failure)) is not None), unexplained)
    return Problem(path, mark.line + 1, mark.column + 1, field, message)


@dataclasses.dataclass
class _Failure:
    """What the parser said, and where, for the readings below."""

    problem: str
    context: str
    at: Any  # where it failed (a yaml Mark), or None
    start: Any  # where what it was reading began, or None
    lines: list[str]
    scalar: Any  # the last scalar token read before `at`, or None

    def line_of(self, mark) -> str:
        return self.lines[mark.line] if mark and mark.line < len(self.lines) else ""

    @property
    def quoted(self):
        return self.scalar if self.scalar and self.scalar.style in ("'", '"') else None


# Each reading of a failure gives (mark, message), or None when it does not apply; the first that applies wins.
def _quotes(f: _Failure):
    quoted = f.quoted
    if "did not find expected key" in f.problem and quoted and quoted.start_mark.line < quoted.end_mark.line:
        return quoted.start_mark, (f"the quoted text that starts here runs on to line {quoted.end_mark.line + 1} - "
                                   "close the quote on this line, or, if the text itself holds that quote mark, "
                                   "quote the whole value with the other kind ('...' or \"...\")")
    if "did not find expected key" in f.problem and quoted and f.at.line == quoted.end_mark.line:
        return f.at, "text follows the closing quote - put the whole value in quotes, or remove the quotes"
    if "quoted scalar" in f.context and "end of stream" in f.problem and f.start:
        return f.start, "the quoted text that starts here is never closed - close the quote on this line"
    return None


def _lists(f: _Failure):
    if "block sequence entries are not allowed" in f.problem:
        return f.at, ("a list cannot start on the same line as its field - put the text in quotes, or start the "
                      "list on the next line, one '- item' a line")
    if "did not find expected '-' indicator" in f.problem and f.start:
        return f.at, (f"this line is indented differently from the list that starts on line {f.start.line + 1} - "
                      f"start each list item's '-' in column {f.start.column + 1}, and line up the fields inside an "
                      "item with the first field after its '-'")
    return None


def _indentation(f: _Failure):
    if not ("did not find expected key" in f.problem and f.context.endswith("block mapping")):
        return None
    if f.line_of(f.at).lstrip().startswith("- "):
        column = _column_above(f.lines, f.at.line, lambda line: line.lstrip().startswith("- "))
        return f.at, ("this list item is indented differently from the items above it - start its '-' in the same "
                      f"column as theirs (column {column})")
    column = _column_above(f.lines, f.at.line, lambda line: True)
    return f.at, ("this line is indented differently from the fields above it - start it in the same column as the "
                  f"field it belongs with (the line above starts in column {column})")


def _colon_in_value(f: _Failure):
    if "mapping values are not allowed" not in f.problem:
        return None
    # A plain value that ran on from an earlier line: either that line lacks its ':', or
    # this line's field is indented so far that it reads as more of the value above.
    before = f.line_of(f.at)[:f.at.column]
    scalar = f.scalar
    if scalar and not scalar.style and scalar.start_mark.line < f.at.line:
        begun = f.line_of(scalar.start_mark)[:scalar.start_mark.column]
        if _INDENT.fullmatch(begun):
            return scalar.start_mark, "this line has no ':' after its field name - add ': ' after the name"
        if _KEY_BEFORE_COLON.fullmatch(before):
            name = before.strip().lstrip("- ")
            return f.at, (f"'{name}' is indented more than the field above it - line it up with the field above, "
                          "or, if it is part of the text above, put that text in quotes")
    return f.at, ("a colon followed by a space inside a value reads as a new field - put the whole value in quotes, "
                  "e.g. \"Remember: rest\"")


def _unclosed(f: _Failure):
    if "cannot start any token" in f.problem:
        char = f.line_of(f.at)[f.at.column:f.at.column + 1]
        shown = "a tab" if char == "\t" else f"'{char}'"
        return f.at, f"a value cannot start with {shown} - put the whole value in quotes"
    if "could not find expected ':'" in f.problem and f.start:
        return f.start, ("this line has no ':' after a field name - add ': ' after the name, or, if the line "
                         "continues the text above, indent it further than that text's field name")
    if "did not find expected ',' or ']'" in f.problem and f.start:
        return f.start, ("the list started with '[' here is not closed - add ']' at its end, or put the value in "
                         "quotes if the '[' is part of the text")
    return None


_READINGS = (_quotes, _lists, _indentation, _colon_in_value, _unclosed)


def _column_above(lines: list, index: int, wanted) -> int:
    """The 1-based column where the nearest line above `index` that has content and is `wanted` starts."""
    for line in reversed(lines[:index]):
        if line.strip() and not line.lstrip().startswith("#") and wanted(line):
            return len(line) - len(line.lstrip(" ")) + 1
    return 1


_KEY_BEFORE_COLON = re.compile(r" *(- )?[A-Za-z_][A-Za-z0-9_-]*")
_INDENT = re.compile(r" *(- )*")


def path_at_error(text: str) -> tuple:
    """The field the parser was reading when it failed, from the events it gave before failing."""
    stack: list = []  # [mapping key or None, expecting a key] or [list index]
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            _follow(stack, event)
    except yaml.YAMLError:
        pass
    path = []
    for i, entry in enumerate(stack):
        last = i == len(stack) - 1
        if len(entry) == 2 and entry[0] is not None and not (last and entry[1]):
            path.append(entry[0])
        elif len(entry) == 1 and entry[0] >= 0 and not last:
            path.append(entry[0])
    return tuple(path)


def _follow(stack: list, event) -> None:
    """Move `stack` (see path_at_error) on by one parser event."""
    starts = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
    if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
        stack.pop()
        _value_done(stack)
        return
    if not starts and not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
        return
    top: list = stack[-1] if stack else []
    key = len(top) == 2 and top[1]  # a mapping waiting for its next key: this is it
    if key:
        top[0], top[1] = getattr(event, "value", "?"), False
    elif len(top) == 1:  # the next item of a list
        top[0] += 1
    if starts:
        stack.append([None, True] if isinstance(event, yaml.MappingStartEvent) else [-1])
    elif not key:
        _value_done(stack)


def _value_done(stack: list) -> None:
    """A mapping's value is complete: it waits for its next key."""
    if stack and len(stack[-1]) == 2:
        stack[-1][1] = True


def _last_scalar(text: str, mark):
    """The last scalar token the scanner read before `mark`, unless a new key or item began after it."""
    found = None
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            if mark and (token.start_mark.line, token.start_mark.column) >= (mark.line, mark.column):
                break
            if isinstance(token, yaml.ScalarToken):
                found = token
            elif isinstance(token, (yaml.KeyToken, yaml.BlockEntryToken)):
                found = None
    except yaml.YAMLError:
        pass
    return found
