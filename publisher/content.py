"""Load and validate: leaflets, people and brand files into checked objects."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import functools
import hashlib
import json
import os
import re
import stat
from pathlib import Path

import jsonschema

from . import assets, markdown, yamlsource
from .errors import Problem

LEAFLET_SCHEMA = "leaflet.schema.json"
PEOPLE_SCHEMA = "people.schema.json"
BRAND_SCHEMA = "brand.schema.json"


@dataclasses.dataclass
class Project:
    """Where a project's content, templates and styles live."""

    root: Path

    def __post_init__(self):
        self.root = Path(self.root).resolve()

    handouts = property(lambda self: self.root / "handouts")
    templates = property(lambda self: self.root / "templates")
    styles = property(lambda self: self.root / "styles")
    schemas = property(lambda self: self.root / "schema")
    people_file = property(lambda self: self.root / "people.yaml")
    brand_file = property(lambda self: self.root / "brand.yaml")

    def relative(self, path: Path) -> str:
        """A path as users see it in messages: relative to the project when inside it."""
        path = Path(path)
        try:
            return Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def contains(self, path: Path) -> bool:
        """Whether `path`, with symlinks and '..' resolved, lies inside the project."""
        return Path(path).resolve().is_relative_to(self.root)

    def leaflet_files(self) -> list[Path]:
        """Every leaflet in handouts/, in a stable order (a symlink out of the project is not one)."""
        return sorted(p for p in self.handouts.glob("*.yaml") if self.contains(p))

    def asset_roots(self, leaflet_folder: Path | None = None) -> list[Path]:
        """The folders a render may load files from: the same list for validation and for the sandbox."""
        roots = [self.templates, self.styles, self.handouts]
        if leaflet_folder is not None and self.contains(leaflet_folder) \
                and Path(leaflet_folder).resolve() not in (self.root, *roots):
            roots.append(Path(leaflet_folder).resolve())
        return roots


@dataclasses.dataclass
class Leaflet:
    """A validated leaflet, with the people it credits resolved."""

    path: Path
    name: str  # as shown in messages
    stem: str
    data: dict
    authors: list
    reviewers: list
    digest: str = ""  # of the file's bytes
    warnings: list = dataclasses.field(default_factory=list)  # of str, e.g. characters the fonts lack
    source: yamlsource.Source | None = None  # where each value was written, for governance findings
    overdue: bool = False  # past its review date, built anyway with --allow-expired and marked so
    waived: list = dataclasses.field(default_factory=list)  # rules this leaflet waives and breaks

    def people_ids(self) -> list[str]:
        """Everyone credited, authors first."""
        return [p["id"] for p in self.authors + self.reviewers]

    def images(self, project: Project) -> list[str]:
        """Project-relative paths of the images this leaflet shows."""
        return [project.relative(self.path.parent / s["image"]["file"]) for s in self.data["sections"] if "image" in s]


@dataclasses.dataclass
class Catalogue:
    """Everything loaded for one run: the shared files and each leaflet's outcome."""

    project: Project
    brand: dict | None
    people: dict | None
    leaflets: list  # of Leaflet
    failures: dict  # leaflet path -> list[Problem]
    shared_problems: list  # problems in people.yaml and brand.yaml


# -- schemas ---------------------------------------------------------------

_validators: dict = {}


def validator(project: Project, name: str) -> jsonschema.protocols.Validator:
    """A cached validator for one of the project's schema files."""
    path = project.schemas / name
    if path not in _validators:
        schema = json.loads(path.read_text(encoding="utf-8"))
        cls = jsonschema.validators.extend(jsonschema.validators.validator_for(schema), {"pattern": _pattern})
        _validators[path] = cls(schema, format_checker=_FORMATS)
    return _validators[path]


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


_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    # Text in another shape is the pattern's to report; this catches 2026-02-30.
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        datetime.date.fromisoformat(value)
    return True


# -- reading files ---------------------------------------------------------


class NotARegularFile(OSError):
    """A FIFO, device or socket where a file was expected: reading it could block for ever."""


def read_limited(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, without ever blocking on a pipe or a device."""
    # O_NONBLOCK and O_CLOEXEC are POSIX; O_BINARY is Windows', where os.read would otherwise translate line ends.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(path)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_source(project: Project, path: Path) -> yamlsource.Source:
    """Read and parse one YAML file, or raise YAMLProblems."""
    name = project.relative(path)
    try:
        raw = read_limited(path, yamlsource.MAX_BYTES + 1)
    except FileNotFoundError:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", "file not found - check the path")])
    except NotARegularFile:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", "not a regular file (a pipe, device or socket?) - "
                                                               "leaflets must be ordinary files")])
    except OSError as exc:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", f"cannot read file: {exc.strerror}")])
    if len(raw) > yamlsource.MAX_BYTES:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", f"file is {os.stat(path).st_size} bytes, more than the "
                                                               f"limit of {yamlsource.MAX_BYTES} - split it")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise yamlsource.YAMLProblems([Problem(name, line, column, "",
                                               f"byte 0x{raw[exc.start]:02x} is not UTF-8 - save the file as UTF-8")])
    if text.startswith("\ufeff"):
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "",
                                               "file starts with a byte-order mark - save it as UTF-8 without BOM")])
    source = yamlsource.load(name, text)
    source.digest = hashlib.sha256(raw).hexdigest()
    return source


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
    path = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    if "propertyNames" in error.relative_schema_path and path[-1:] == ("waivers",):
        from .governance import WAIVABLE
        return [source.problem(path + (value,), f"unknown rule '{value}' - rules that can be waived: "
                                                f"{', '.join(WAIVABLE)}", at_key=True)]
    if "propertyNames" in error.relative_schema_path:
        return [source.problem(path + (value,), f"'{value}' {_PATTERN_HINTS['person_id']}", at_key=True)]
    if kind == "additionalProperties" and error.validator_value is False:
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for key in sorted(set(value) - set(allowed)):
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
            out.append(source.problem(path + (key,), f"unknown field - {hint}", at_key=True))
        return out
    if kind == "required":
        name = error.message.split("'")[1]
        where = "" if not path else " here"
        return [source.problem(path, f"missing required field '{name}'{where} - add '{name}:'", at_key=True)]
    if kind == "type":
        expected = " or ".join(_TYPE_NAMES.get(t, t) for t in _as_list(error.validator_value))
        wanted = _as_list(error.validator_value)
        if "string" in wanted and isinstance(value, bool):
            hint = " - put it in quotes"
        elif "boolean" in wanted and isinstance(value, str):
            hint = " - write true or false"
        elif "array" in wanted and not isinstance(value, list):
            hint = " - write it as a list, one '- item' a line"
        else:
            hint = ""
        return [source.problem(path, f"expected {expected}, got {_describe(value)}{hint}")]
    if kind == "format" and error.validator_value == "date":
        return [source.problem(path, f"'{value}' is not a real date - use YYYY-MM-DD with a real month and day")]
    if kind == "pattern":
        hint = _pattern_hint(path, error)
        shown = value if value.isprintable() else repr(value)[1:-1]  # one line per problem, always
        return [source.problem(path, f"'{shown}' {hint}")]
    if kind == "enum":
        options = ", ".join(map(str, error.validator_value))
        return [source.problem(path, f"'{value}' is not one of: {options}")]
    if kind == "minLength":
        return [source.problem(path, "must not be empty - write the text or remove the field")]
    if kind == "maxLength":
        return [source.problem(path, f"is {len(value)} characters long, more than {error.validator_value} - shorten it")]
    if kind == "minItems":
        n = error.validator_value
        return [source.problem(path, f"needs at least {n} item{'s' if n != 1 else ''} - add one")]
    if kind == "minProperties":
        return [source.problem(path, "must not be empty - add at least one field")]
    if kind == "uniqueItems":
        seen: set[str] = set()
        dupes = []
        for v in value:
            if repr(v) in seen:
                dupes.append(v)
            seen.add(repr(v))
        what = repr(dupes[0]) if dupes else "an item"  # jsonschema's equality is looser than repr's (1 == 1.0)
        return [source.problem(path, f"lists {what} more than once - remove the repeat")]
    if kind == "oneOf" and path == ("max_pages",):
        return [source.problem(path, "expected a whole number of pages, or one per edition such as "
                                     "{standard: 2, large-print: 4}, got " + _describe(value))]
    if kind == "anyOf" and not path:
        return [source.problem(path, "missing 'sources' - list the evidence, or say why there is none in 'sources_note:'")]
    if kind == "anyOf" and path and path[0] == "sections":
        return [source.problem(path, "a section needs a heading, a body or a callout - add 'heading:', 'body:' or 'callouts:'")]
    return [source.problem(path, error.message)]


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


# -- whole-catalogue loading ----------------------------------------------

TEXT_FIELDS = ("summary", "body", "note", "biography", "feedback", "other_formats", "disclaimer", "sources_note")


def _markdown_problems(source: yamlsource.Source, data, path=(), level: str = "error") -> list[Problem]:
    """Check every Markdown field under `data` against the allowed subset: its errors, or its warnings."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TEXT_FIELDS and isinstance(value, str):
                # Sub-headings belong to a section's body; elsewhere they would outrank the section's own heading.
                headings = key == "body" and len(path) == 2 and path[0] == "sections"
                for finding in markdown.findings(value, headings):
                    if finding.level == level:
                        message = finding.message if level == "error" else f"{level}: {finding.message}"
                        out.append(_text_problem(source, path + (key,), finding.line, message))
            else:
                out += _markdown_problems(source, value, path + (key,), level)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out += _markdown_problems(source, item, path + (i,), level)
    return out


def _text_problem(source: yamlsource.Source, path, line: int | None, message: str) -> Problem:
    """A problem on one line of a text field: exact inside a literal ('|') block, else at the field."""
    mark = source.mark(path)
    if line is not None and source.text:
        lines = source.text.split("\n")
        written = lines[mark.line - 1][mark.column - 1:] if mark.line <= len(lines) else ""
        if written.startswith("|") and mark.line + line < len(lines):
            text = lines[mark.line + line]  # block lines follow the indicator line one for one
            column = len(text) - len(text.lstrip(" ")) + 1
            return Problem(source.path, mark.line + 1 + line, column, yamlsource.format_path(path), message)
    return source.problem(path, message)


def _load_shared(project: Project, path: Path, schema: str):
    """Load people.yaml or brand.yaml: (source or None, problems)."""
    try:
        source = read_source(project, path)
    except yamlsource.YAMLProblems as exc:
        return None, exc.problems
    problems = validate(project, source, schema)
    if not problems:
        problems = _markdown_problems(source, source.data)
    return source, problems


def _check_asset(project: Project, source, base: Path, path, relative: str, problems: list,
                 roots: list[Path] | None = None) -> None:
    target = base / relative
    if not project.contains(target):
        problems.append(source.problem(path, f"'{relative}' is outside the project - keep images inside the project folder"))
    elif roots and not any(target.resolve().is_relative_to(root.resolve()) for root in roots):
        shown = ", ".join(project.relative(root) + "/" for root in roots)
        problems.append(source.problem(path, f"'{relative}' is not in a folder images may come from ({shown}) - move it"))
    elif not target.is_file():
        problems.append(source.problem(path, f"file '{project.relative(target)}' not found - check the name, or add the file"))
    else:
        problems += [source.problem(path, f"'{relative}': {message}") for message in assets.problems(target)]


def load_brand(project: Project):
    """The brand file: (data or None, problems)."""
    source, problems = _load_shared(project, project.brand_file, BRAND_SCHEMA)
    if source and not problems:
        # The logo is drawn by the sandboxed render, so it must come from a folder the sandbox serves.
        _check_asset(project, source, project.brand_file.parent, ("logo",), source.data["logo"], problems,
                     project.asset_roots())
        problems += _contrast_problems(source) + _subject_problems(source)
    return (source.data if source and not problems else None), problems


SUBJECT_FIELDS = ("title", "organisation", "reference")


def _subject_problems(source: yamlsource.Source) -> list[Problem]:
    """An email subject template whose placeholders the mail step could not fill."""
    template = (source.data.get("email") or {}).get("subject")
    if template is None:
        return []
    try:
        template.format_map({name: "" for name in SUBJECT_FIELDS})
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        what = f"unknown placeholder {exc}" if isinstance(exc, KeyError) else "a stray '{' or '}'"
        return [source.problem(("email", "subject"), f"has {what} - use {{title}}, {{organisation}} or "
                                                     "{reference}, and write a brace as {{ or }}")]
    return []


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (colour, background, minimum ratio, what needs it). Body-size text needs 4.5:1;
# large text (18 pt, or 14 pt bold, like the callout labels) needs 3:1.
_CONTRAST_RULES = (
    ("text", "#ffffff", 4.5, "body text on white"),
    ("text", "tint", 4.5, "body text on the tinted panels"),
    ("primary", "#ffffff", 4.5, "links and headings on white, and white text on the brand band"),
    ("urgent", "#ffffff", 3.0, "the bold 'Get help now' labels (large text)"),
)


def _contrast_problems(source: yamlsource.Source) -> list[Problem]:
    colours = source.data["colours"]
    found = []
    for name, background, need, what in _CONTRAST_RULES:
        if name not in colours:
            continue
        back = colours.get(background, background)
        ratio = contrast(colours[name], back)
        if ratio < need:
            on = "white" if back.lower() == "#ffffff" else f"the tint {back}"
            found.append(source.problem(("colours", name), f"'{colours[name]}' on {on} has a contrast of "
                                        f"{ratio:.1f}:1, below the {need:g}:1 that {what} needs - choose a "
                                        f"{'darker' if name != 'tint' else 'lighter'} colour"))
    return found


def load_people(project: Project):
    """The people file: (id -> person, or None, problems)."""
    source, problems = _load_shared(project, project.people_file, PEOPLE_SCHEMA)
    return (source.data["people"] if source and not problems else None), problems


def load_leaflet(project: Project, path: Path, people: dict | None):
    """Validate one leaflet, collecting every problem: (Leaflet or None, problems)."""
    try:
        source = read_source(project, path)
    except yamlsource.YAMLProblems as exc:
        return None, exc.problems
    problems = validate(project, source, LEAFLET_SCHEMA)
    flagged = {p.field for p in problems}  # cross-checks skip values the schema already refused
    data = source.data if isinstance(source.data, dict) else {}
    problems += _markdown_problems(source, data)
    credits = given if isinstance(given := data.get("credits"), dict) else {}
    resolved: dict[str, list] = {"authors": [], "reviewers": []}
    for role in resolved:
        ids = given if isinstance(given := credits.get(role), list) else []
        for i, person_id in enumerate(ids):
            if people is None or not isinstance(person_id, str) or f"credits.{role}[{i}]" in flagged:
                continue  # a broken people.yaml is reported once, on its own
            if person_id not in people:
                known = ", ".join(sorted(people))
                problems.append(source.problem(("credits", role, i), f"unknown person '{person_id}' (known: {known})"))
            else:
                resolved[role].append({"id": person_id, **people[person_id]})
    sections = given if isinstance(given := data.get("sections"), list) else []
    for i, section in enumerate(sections):
        image = section.get("image") if isinstance(section, dict) else None
        if isinstance(image, dict) and isinstance(image.get("file"), str) \
                and f"sections[{i}].image.file" not in flagged:
            _check_asset(project, source, Path(path).parent, ("sections", i, "image", "file"), image["file"], problems,
                         project.asset_roots(Path(path).parent))
    problems = sorted(set(problems), key=lambda p: (p.line, p.column, p.field, p.message))
    if problems or people is None:
        return None, problems
    warnings = [str(p) for p in _markdown_problems(source, data, level="warning")]
    return Leaflet(Path(path), source.path, Path(path).stem, data, resolved["authors"], resolved["reviewers"],
                   source.digest, _font_warnings(project, source) + warnings, source), []


_covered: dict = {}
# Printed differently on purpose (see markdown.py), so never a fallback.
_SUBSTITUTED = {"\u2011"}


def covered_characters(project: Project) -> set:
    """Every character the project's own fonts (styles/fonts/) can print."""
    if project.styles not in _covered:
        from fontTools.ttLib import TTFont
        chars = set()
        for font in sorted((project.styles / "fonts").glob("*.[ot]tf")):
            chars |= {chr(code) for code in TTFont(font, lazy=True).getBestCmap()}
        _covered[project.styles] = chars
    return _covered[project.styles]


def _font_warnings(project: Project, source: yamlsource.Source) -> list[str]:
    """A warning for each character of the leaflet that would print in a font the project does not ship."""
    fonts = covered_characters(project)
    seen, warnings = set(), []

    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, path + (i,))
        elif isinstance(value, str):
            for char in value:
                if char not in fonts and char not in seen and char not in _SUBSTITUTED and not char.isspace():
                    seen.add(char)
                    problem = source.problem(path, f"warning: '{char}' (U+{ord(char):04X}) is not in the project's "
                                                   "fonts, so it would print in another font - replace it")
                    warnings.append(str(problem))
    walk(source.data, ())
    return warnings


def load_catalogue(project: Project, paths: list[Path] | None = None) -> Catalogue:
    """Load the brand, the people and every leaflet, collecting every problem."""
    brand, brand_problems = load_brand(project)
    people, people_problems = load_people(project)
    leaflets, failures = [], {}
    for path in paths if paths is not None else project.leaflet_files():
        leaflet, problems = load_leaflet(project, path, people)
        if leaflet and brand is not None:
            leaflets.append(leaflet)
        else:  # with no problems of its own, it failed for a broken people.yaml or brand.yaml
            failures[Path(path)] = problems
    return Catalogue(project, brand, people, leaflets, failures, brand_problems + people_problems)
