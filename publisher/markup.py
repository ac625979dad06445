"""Text fields checked in place: every Markdown field's problems and warnings, at their own line."""

from __future__ import annotations

import dataclasses

from . import markdown, yamlsource
from .errors import Problem

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
                for finding in markdown.findings(value, headings):
                    if finding.level == level:
                        problem = text_problem(source, path + (key,), finding.line, finding.message, finding.column,
                                                value)
                        out.append(problem if level == "error" else
                                   dataclasses.replace(problem, level=level, rule="markdown"))
            else:
                out += problems(source, value, path + (key,), level)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out += problems(source, item, path + (i,), level)
    return out


def text_problem(source: yamlsource.Source, path, line: int | None, message: str, column: int | None = None,
                  value: str = "") -> Problem:
    """A problem on one line of a text field: exact inside a literal ('|') block or a one-line plain value, else at
    the field; at its column in the line when the finding has one."""
    mark = source.mark(path)
    if line is not None and source.text:
        lines = source.text.split("\n")
        written = lines[mark.line - 1][mark.column - 1:] if mark.line <= len(lines) else ""
        if written.startswith("|") and mark.line + line < len(lines):
            text = lines[mark.line + line]  # block lines follow the indicator line one for one
            indent = len(text) - len(text.lstrip(" "))
            return Problem(source.path, mark.line + 1 + line, indent + 1 + (column or 0), yamlsource.format_path(path),
                           message)
        if column is not None and line == 0 and written.startswith(value.split("\n", 1)[0]):
            return Problem(source.path, mark.line, mark.column + column, yamlsource.format_path(path), message)
        if column is not None:  # a folded ('>') or quoted value: find what is written from that column on
            fragment = markdown.line_of(value, line)[column:column + 16]
            start = sum(len(text) + 1 for text in lines[:mark.line - 1]) + mark.column - 1
            at = source.text.find(fragment, start) if fragment else -1
            if at >= 0:
                number = source.text.count("\n", 0, at) + 1
                return Problem(source.path, number, at - source.text.rfind("\n", 0, at),
                               yamlsource.format_path(path), message)
    return source.problem(path, message)
