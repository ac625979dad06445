"""Schemas: check a parsed file against its JSON Schema and explain each failure to a clinician."""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema

from publisher.core import caches
from publisher.core.errors import Problem
from publisher.govern import rules
from publisher.source import fonts, markup, yamlsource
from publisher.source.project import Project, read_source

LEAFLET_SCHEMA = "leaflet.schema.json"
PEOPLE_SCHEMA = "people.schema.json"
BRAND_SCHEMA = "brand.schema.json"


# -- schemas ---------------------------------------------------------------

_validators: dict = {}  # (schema file, size, mtime) -> its validator
_by_text: dict = {}  # schema text -> its validator: a copy of schema/ in another folder makes none again
caches.register(_validators.clear)
caches.register(_by_text.clear)


def validator(project: Project, name: str) -> jsonschema.protocols.Validator:
    """A cached validator for one of the project's schema files."""
    path = project.schemas / name
    stat = path.stat()
    key = (path, stat.st_size, stat.st_mtime_ns)  # an edited schema is read again
    if key not in _validators:
        text = path.read_text(encoding="utf-8")
        if text not in _by_text:
            schema = json.loads(text)
            _by_text[text] = _with_our_pattern(jsonschema.validators.validator_for(schema))(schema,
                                                                                         format_checker=_FORMATS)
        _validators[key] = _by_text[text]
    return _validators[key]


@functools.cache
def _with_our_pattern(base: type) -> type:
    """The draft's validator class with our `pattern` (made once: a new class costs about 1 ms)."""
    return jsonschema.validators.extend(base, {"pattern": _pattern})


def _pattern(validator, pattern, instance, schema):
    """JSON Schema's `pattern`, with `$` meaning the end of the text as in ECMA 262."""
    # jsonschema runs patterns with Python's re.search, where `$` also matches before
    # a final newline: "2029-11-25\n" would pass `^...$` and crash a later step.
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    # Every unescaped `$` outside a character class becomes `\Z`.
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
    return re.compile("".join(out))


caches.register(_compiled.cache_clear)


_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    # Text in another shape is the pattern's to report; this catches 2026-02-30.
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        datetime.date.fromisoformat(value)
    return True


def validate(project: Project, source: yamlsource.Source, schema: str) -> list[Problem]:
    """Check a parsed file against a schema; coerce numbers written where text belongs."""
    check = validator(project, schema)
    if not isinstance(source.data, dict):
        return [source.problem((), f"expected a mapping of fields (name: value), got {_describe(source.data)}")]
    # `version: 1.10` must mean the text "1.10", not the number 1.1: put back
    # the written text of plain numbers wherever the schema wants text.
    errors = list(check.iter_errors(source.data))
    coerced = False
    for error in errors:
        if error.validator == "type" and "string" in _as_list(error.validator_value):
            path = tuple(error.absolute_path)
            if path in source.raw and path:
                _set(source.data, path, source.raw[path])
                coerced = True
    if coerced:
        errors = list(check.iter_errors(source.data))
    problems = []
    for error in errors:
        problems.extend(_explain(source, error))
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.field, p.message))


def _set(data, path, value):
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _as_list(value):
    return value if isinstance(value, list) else [value]


_TYPE_NAMES = {
    "string": "text",
    "array": "a list",
    "object": "a mapping of fields",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
}

_PATTERN_HINTS = {
    "language": "is not a language tag - use a BCP 47 tag such as en-GB",
    "title": "contains a line break or control character - write the title on one line",
    "reference": "is not a reference number - use letters, digits and hyphens, e.g. PIL-0123",
    "version": "is not a version - use digits and dots, e.g. 1.0 (quote it: \"1.10\")",
    "url": "is not a link we can print - use a full https:// address, mailto: or tel:",
    "file": "is not an image file we accept - give a relative path to an .svg, .png or .jpg file",
    "logo": "is not a logo file we accept - give a relative path to an .svg file",
    "email": "is not an email address - use name@example.org",
    "website": "is not a web address - write it without https://, e.g. example.org",
    "person_id": "is not a person id - use lower-case words joined by hyphens, e.g. helen-marsh",
    "colour": "is not a colour - use six hex digits, e.g. #005eb8",
    "date": "is not a date - use YYYY-MM-DD, e.g. 2026-03-31",
}


def _describe(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 30 and "\n" not in value else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of fields"
    return type(value).__name__


def _explain(source: yamlsource.Source, error) -> list[Problem]:
    """Turn one jsonschema error into messages a clinician can act on."""
    path, value = tuple(error.absolute_path), error.instance
    if "propertyNames" in error.relative_schema_path:
        if path[-1:] == ("waivers",):
            return [source.problem(path + (value,), f"unknown rule '{value}' - rules that can be waived: "
                                                    f"{', '.join(rules.WAIVABLE)}", at_key=True)]
        hint = _PATTERN_HINTS["language" if tuple(path)[-1:] == ("translations",) else "person_id"]  # brand's, people's
        return [source.problem(path + (value,), f"'{value}' {hint}", at_key=True)]
    explain = _EXPLAINERS.get(error.validator)
    found = explain(source, path, value, error) if explain else None
    return found if found is not None else [source.problem(path, error.message)]


# Each takes (source, path, value, error) and gives the problems, or None for jsonschema's own message.
def _unknown_fields(source, path, value, error) -> list[Problem] | None:
    if error.validator_value is not False:
        return None
    allowed = sorted(error.schema.get("properties", {}))
    out = []
    for key in sorted(set(value) - set(allowed)):
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
        out.append(source.problem(path + (key,), f"unknown field - {hint}", at_key=True))
    return out


def _missing(source, path, value, error) -> list[Problem]:
    name = error.message.split("'")[1]
    where = "" if not path else " here"
    return [source.problem(path, f"missing required field '{name}'{where} - add '{name}:'", at_key=True)]


def _wrong_type(source, path, value, error) -> list[Problem]:
    wanted = _as_list(error.validator_value)
    expected = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
    if "string" in wanted and isinstance(value, bool):
        hint = " - put it in quotes"
    elif "boolean" in wanted and isinstance(value, str):
        hint = " - write true or false"
    elif "array" in wanted and not isinstance(value, list):
        hint = " - write it as a list, one '- item' a line"
    else:
        hint = ""
    return [source.problem(path, f"expected {expected}, got {_describe(value)}{hint}")]


def _not_a_date(source, path, value, error) -> list[Problem] | None:
    if error.validator_value != "date":
        return None
    return [source.problem(path, f"'{value}' is not a real date - use YYYY-MM-DD with a real month and day")]


def _no_match(source, path, value, error) -> list[Problem]:
    shown = value if value.isprintable() else repr(value)[1:-1]  # one line per problem, always
    return [source.problem(path, f"'{shown}' {_pattern_hint(path, error)}")]


def _repeated(source, path, value, error) -> list[Problem]:
    seen: set[str] = set()
    dupes = []
    for item in value:
        if repr(item) in seen:
            dupes.append(item)
        seen.add(repr(item))
    what = repr(dupes[0]) if dupes else "an item"  # jsonschema's equality is looser than repr's (1 == 1.0)
    return [source.problem(path, f"lists {what} more than once - remove the repeat")]


def _one_of(source, path, value, error) -> list[Problem] | None:
    if path != ("max_pages",):
        return None
    return [source.problem(path, "expected a whole number of pages, or one per edition such as "
                                 "{standard: 2, large-print: 4}, got " + _describe(value))]


def _any_of(source, path, value, error) -> list[Problem] | None:
    if not path:
        return [source.problem(path, "missing 'sources' - list the evidence, or say why there is none in 'sources_note:'")]
    if path[0] == "sections":
        return [source.problem(path, "a section needs a heading, a body or a callout - add 'heading:', 'body:' or 'callouts:'")]
    return None


def _at_least(source, path, value, error) -> list[Problem]:
    n = error.validator_value
    return [source.problem(path, f"needs at least {n} item{'s' if n != 1 else ''} - add one")]


_EXPLAINERS: dict[str, Callable[..., list[Problem] | None]] = {
    "additionalProperties": _unknown_fields,
    "required": _missing,
    "type": _wrong_type,
    "format": _not_a_date,
    "pattern": _no_match,
    "enum": lambda source, path, value, error: [
        source.problem(path, f"'{value}' is not one of: {', '.join(map(str, error.validator_value))}")],
    "minLength": lambda source, path, value, error: [
        source.problem(path, "must not be empty - write the text or remove the field")],
    "maxLength": lambda source, path, value, error: [
        source.problem(path, f"is {len(value)} characters long, more than {error.validator_value} - shorten it")],
    "minItems": _at_least,
    "minProperties": lambda source, path, value, error: [
        source.problem(path, "must not be empty - add at least one field")],
    "uniqueItems": _repeated,
    "oneOf": _one_of,
    "anyOf": _any_of,
}


def _pattern_hint(path, error) -> str:
    """What a value that fails a pattern should look like, by field name or by the shared definition it uses."""
    names = [p for p in reversed(path) if isinstance(p, str)]
    if names and names[0] in _PATTERN_HINTS:
        return _PATTERN_HINTS[names[0]]
    pattern = error.validator_value
    if "[a-z0-9]+(-[a-z0-9]+)*" in pattern:
        return _PATTERN_HINTS["person_id"]
    if pattern.startswith("^#"):
        return _PATTERN_HINTS["colour"]
    if "[0-9]{4}" in pattern:
        return _PATTERN_HINTS["date"]
    return f"does not have the expected form ({pattern})"


def load_checked(project: Project, path: Path, schema: str):
    """Load people.yaml or brand.yaml: (source or None, problems)."""
    try:
        source = read_source(project, path)
    except yamlsource.YAMLProblems as exc:
        return None, exc.problems
    problems = validate(project, source, schema)
    if not problems:
        problems = markup.problems(source, source.data) + fonts.problems(project.styles, source)
    return source, problems
