"""Text fields checked in place: every Markdown field's problems and warnings, at their own line."""

from __future__ import annotations

import dataclasses
import functools

from publisher.core.errors import Problem
from publisher.source import markdown_checks, yamlsource

REPEATS = 3  # a finding made more often than this in one field is one line: its count and first places

TEXT_FIELDS = ("summary", "body", "note", "biography", "feedback", "other_formats", "disclaimer", "sources_note",
               "translation_note", "words", "easy_read_note")


def problems(source: yamlsource.Source, data, path=(), level: str = "error") -> list[Problem]:
    """Check every Markdown field under `data` against the allowed subset: its errors, or its warnings."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TEXT_FIELDS and isinstance(value, str):
                # Sub-headings belong to a section's body; elsewhere they would outrank the section's own heading.
                headings = key == "body" and len(path) == 2 and path[0] == "sections"
                for group in _grouped([f for f in markdown_checks.findings(value, headings) if f.level == level]):
                    problem = _grouped_problem(source, path + (key,), group, value)
                    out.append(problem if level == "error" else
                               dataclasses.replace(problem, level=level, rule="markdown"))
            else:
                out += problems(source, value, path + (key,), level)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out += problems(source, item, path + (i,), level)
    return out


def _grouped(findings: list) -> list[list]:
    """The findings of one field, the same message made more than REPEATS times kept together, in order."""
    by_message: dict[str, list] = {}
    for finding in findings:
        by_message.setdefault(finding.message, []).append(finding)
    groups: list[list] = []
    for finding in findings:
        same = by_message[finding.message]
        if len(same) <= REPEATS:
            groups.append([finding])
        elif same[0] is finding:
            groups.append(same)
    return groups


def _grouped_problem(source: yamlsource.Source, path, group: list, value: str) -> Problem:
    """One problem for a group of findings: the first, with the count and first places when it repeats."""
    first = [text_problem(source, path, f.line, f.message, f.column, value) for f in group[:REPEATS]]
    if len(group) == 1:
        return first[0]
    places = ", ".join(f"{p.line}:{p.column}" for p in first)
    return dataclasses.replace(first[0], message=f"{first[0].message} ({len(group)} times in this field, at {places} "
                                                 f"and {len(group) - REPEATS} more)")


@functools.lru_cache(maxsize=8)
def _lines(text: str) -> list[str]:
    """A text's lines, split once however many findings it has (splitting for each one was quadratic)."""
    return text.split("\n")


def text_problem(source: yamlsource.Source, path, line: int | None, message: str, column: int | None = None,
                  value: str = "") -> Problem:
    """A problem on one line of a text field: exact inside a literal ('|') block or a one-line plain value, else at
    the field; at its column in the line when the finding has one."""
    mark = source.mark(path)
    if line is not None and source.text:
        lines = _lines(source.text)
        written = lines[mark.line - 1][mark.column - 1:] if mark.line <= len(lines) else ""
        if written.startswith("|") and mark.line + line < len(lines):
            text = lines[mark.line + line]  # block lines follow the indicator line one for one
            indent = len(text) - len(text.lstrip(" "))
            return Problem(source.path, mark.line + 1 + line, indent + 1 + (column or 0), yamlsource.format_path(path),
                           message)
        first = _lines(value)[0]
        if column is not None and line == 0 and written.startswith(first):
            return Problem(source.path, mark.line, mark.column + column, yamlsource.format_path(path), message)
        if column is not None and line == 0 and written[:1] in "'\"" and written[1:].startswith(first):
            return Problem(source.path, mark.line, mark.column + 1 + column, yamlsource.format_path(path), message)
        if column is not None:  # a folded ('>') or quoted value: find what is written from that column on
            fragment = markdown_checks.line_of(value, line)[column:column + 16]
            start = sum(len(text) + 1 for text in lines[:mark.line - 1]) + mark.column - 1
            at = source.text.find(fragment, start) if fragment else -1
            if at >= 0:
                number = source.text.count("\n", 0, at) + 1
                return Problem(source.path, number, at - source.text.rfind("\n", 0, at),
                               yamlsource.format_path(path), message)
    return source.problem(path, message)
