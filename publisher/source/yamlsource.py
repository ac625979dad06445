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
from publisher.source import yamlerrors

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


def explain(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """A YAML syntax error in plain English (yamlerrors.py), named by the field the parser was reading."""
    return yamlerrors.explain(path, text, exc, format_path(yamlerrors.path_at_error(text)))


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
