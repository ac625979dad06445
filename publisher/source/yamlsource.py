"""Read YAML into plain Python values and remember where each value came from.

PyYAML resolves plain scalars by YAML 1.1 rules, so `no` becomes False, `1.10`
becomes 1.1 and `2025-01-01` a date object. Content written by clinicians must
not change meaning like that, so we compose the node tree ourselves and resolve
scalars by the YAML 1.2 core schema: only true/false are booleans and dates stay
text. Every value keeps its source mark, so errors can name file:line:column.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml

from publisher.core.errors import Problem

MAX_NODES = 100_000  # far above any real leaflet; stops alias expansion bombs
MAX_BYTES = 1_000_000
MAX_DEPTH = 32  # a leaflet nests about 5 deep
MAX_TEXT = 2_000_000  # characters of text after aliases are expanded

# C0 and C1 control characters other than tab, line feed and carriage return,
# and the non-characters U+FFFE/U+FFFF: invisible in an editor, wrong in print.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
# Bidirectional embedding, override and isolate controls: text that prints in another
# order than it reads (U+202E turns "7 mg" into "gm 7"), and Trojan-source comments.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Python refuses to turn longer digit strings into numbers (CVE-2020-10735).
MAX_DIGITS = 4300

_LIST_LINE = re.compile(r"^[ \t]*(?:[-*+]|[0-9]{1,2}[.)])[ \t]+\S", re.MULTILINE)
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_STANDARD_TAG = "tag:yaml.org,2002:"
# Tags the safe loader gives ordinary content; we resolve scalars ourselves, so any other
# tag was written by hand (!!python/object, !!binary, !custom) and is refused.
_ORDINARY_TAGS = {_STANDARD_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge", "value")}

Path = tuple  # of str and int: ("sections", 0, "heading")

# libyaml's parser is about 20x faster than the pure-Python one and gives the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclasses.dataclass(frozen=True)
class Mark:
    """A 1-based line and column."""

    line: int
    column: int


@dataclasses.dataclass
class Source:
    """A parsed YAML file: its data and the mark of every key and value in it."""

    path: str
    data: Any  # what the YAML holds: usually a dict, but a file may hold anything
    keys: dict  # Path -> Mark of the key that introduced the value
    values: dict  # Path -> Mark of the value itself
    raw: dict  # Path -> source text of plain scalars resolved to numbers
    text: str = ""
    digest: str = ""  # SHA-256 of the file's bytes, for the build manifest

    def mark(self, path: Path, at_key: bool = False) -> Mark:
        """Where the value at `path` is, or the nearest enclosing value that exists."""
        path = tuple(path)
        while path:
            table = self.keys if at_key else self.values
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Mark(1, 1))

    def problem(self, path: Path, message: str, at_key: bool = False) -> Problem:
        """A Problem located at `path` in this file."""
        mark = self.mark(path, at_key)
        return Problem(self.path, mark.line, mark.column, format_path(path), message)


def format_path(path: Path) -> str:
    """('credits', 'reviewers', 0) -> 'credits.reviewers[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class YAMLProblems(Exception):
    """The file could not be read as YAML; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def _mark(m) -> Mark:
    return Mark(m.line + 1, m.column + 1)


def _line_column(m) -> tuple[int, int]:
    return m.line + 1, m.column + 1


def _character_problems(path: str, text: str) -> list[Problem]:
    """Tabs in indentation and control characters, each with its line and column."""
    problems = []
    for match in _TAB_INDENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.end() - match.start()
        problems.append(Problem(path, line, column, "", "a tab is used for indentation - indent with spaces only"))
    for match in _CONTROL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(Problem(path, line, column, "", f"invisible control character U+{ord(match.group()):04X} - delete it"))
    for match in _BIDI.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(Problem(path, line, column, "", f"bidirectional control character U+{ord(match.group()):04X} "
                                                        "makes text print in another order than it reads - delete it"))
    return problems


def _check_depth(path: str, text: str) -> None:
    """Refuse deep nesting from the event stream, which does not recurse: composing
    thousands of nested brackets would overflow the C parser's stack."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = _mark(event.start_mark)
                raise YAMLProblems([Problem(path, mark.line, mark.column, "",
                                            f"values are nested more than {MAX_DEPTH} deep - "
                                            "a leaflet needs far fewer levels")])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load(path: str, text: str) -> Source:
    """Parse `text` (the contents of `path`) into a Source, or raise YAMLProblems."""
    problems = _character_problems(path, text)
    if problems:
        raise YAMLProblems(problems)
    try:
        _check_depth(path, text)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        raise YAMLProblems([explain(path, text, exc)])
    except yaml.YAMLError as exc:  # e.g. a reader error for bad characters
        raise YAMLProblems([Problem(path, 1, 1, "", f"invalid YAML: {exc}")])
    source = Source(path, None, {}, {}, {})
    problems = []
    if node is None:
        source.data = None
        return source
    counter = [0, 0]  # values, characters of text
    source.text = text
    source.data = _convert(node, (), source, problems, counter)
    if problems:
        raise YAMLProblems(problems)
    return source


# -- explaining syntax errors ----------------------------------------------
# The parser says what it expected; an author needs to know what they did. Each of the
# commonest mistakes gets its own words and the line where it was made, which is not
# always the line where the parser noticed (an unclosed quote is found lines later).


def explain(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """A YAML syntax error in plain English, at the line where the author went wrong."""
    failure = _Failure(exc.problem or "", exc.context or "", exc.problem_mark or exc.context_mark, exc.context_mark,
                       text.split("\n"), _last_scalar(text, exc.problem_mark or exc.context_mark))
    field = format_path(_path_at_error(text))
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


def _path_at_error(text: str) -> tuple:
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
    """Move `stack` (see _path_at_error) on by one parser event."""
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


def _convert(node, path, source: Source, problems: list, counter: list):
    counter[0] += 1
    if isinstance(node, yaml.ScalarNode):
        counter[1] += len(node.value)
    if counter[0] > MAX_NODES or counter[1] > MAX_TEXT or len(path) > MAX_DEPTH:
        # Named by the top-level field: the full path would be thousands of [i] long.
        mark = _mark(node.start_mark)
        what = (f"the file expands to more than {MAX_NODES} values or {MAX_TEXT} characters (through anchors "
                "and aliases?) - write the content out plainly" if len(path) <= MAX_DEPTH else
                f"values are nested more than {MAX_DEPTH} deep - a leaflet needs far fewer levels")
        raise YAMLProblems([Problem(source.path, mark.line, mark.column, format_path(path[:1]), what)])
    source.values[path] = _mark(node.start_mark)
    if node.tag not in _ORDINARY_TAGS:
        problems.append(source.problem(path, f"YAML tag '{node.tag}' is not allowed - remove it"))
        return None
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(source.path, *_line_column(key_node.start_mark), format_path(path),
                                        "a key must be a plain word, not a list or mapping"))
                continue
            key = key_node.value
            if key_node.tag == _STANDARD_TAG + "merge":
                problems.append(Problem(source.path, *_line_column(key_node.start_mark), format_path(path),
                                        "merge keys ('<<') are not supported - write the fields out"))
                continue
            child = path + (key,)
            if key in result:
                first = source.keys[child]
                problems.append(Problem(source.path, *_line_column(key_node.start_mark), format_path(child),
                                        f"duplicate key (first given on line {first.line}) - keep only one"))
                continue
            source.keys[child] = _mark(key_node.start_mark)
            result[key] = _convert(value_node, child, source, problems, counter)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), source, problems, counter) for i, item in enumerate(node.value)]
    if node.style == ">":
        # Folding joins a list's lines into one paragraph; the reader would see "- a - b".
        block = source.text[node.start_mark.index:node.end_mark.index].split("\n", 1)[-1]
        if _LIST_LINE.search(block):
            problems.append(source.problem(path, "this folded ('>') text holds a list, which folding would join into "
                                                 "one paragraph - start the text with '|' instead of '>'"))
    return _scalar(node, path, source, problems)


def _scalar(node, path, source: Source, problems: list):
    value = node.value
    if node.style == '"':
        # Escapes ("\a", "\u202e", "\N") put characters in the value that the file's text does not show.
        for pattern, what in ((_CONTROL, "invisible control character"), (_BIDI, "bidirectional control character")):
            found = pattern.search(value)
            if found:
                problems.append(source.problem(path, f"{what} U+{ord(found.group()):04X}, written as an escape - "
                                                     "delete it"))
    if node.style:  # quoted or block scalar: always text (plain is None, or "" from libyaml)
        return value
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        source.raw[path] = value
        if len(value.lstrip("+-")) > MAX_DIGITS:
            problems.append(source.problem(path, f"a number of {len(value.lstrip('+-'))} digits, more than "
                                                 f"{MAX_DIGITS} - shorten it, or put it in quotes if it is text"))
            return None
        return int(value)
    if _FLOAT.match(value):
        source.raw[path] = value
        return float(value)
    return value
