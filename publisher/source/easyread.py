"""Easy Read: a leaflet's Easy Read version (<stem>.easy-read.yaml), its pictures, its checks and its pages."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path

from publisher.core import editions
from publisher.core.errors import Diagnostic
from publisher.govern import readability
from publisher.govern.rules import EASY_READ_SENTENCES
from publisher.i18n import languages
from publisher.source import assets, fonts, markdown, markup, yamlsource
from publisher.source.model import Leaflet, translation_digest, version_key
from publisher.source.people import resolve_credits
from publisher.source.project import Project, load_named, read_source
from publisher.source.schema import validate

SCHEMA = "easy-read.schema.json"
PART = editions.EASY_READ  # an Easy Read file is <leaflet>.easy-read.yaml; its outputs <leaflet>.easy-read.pdf, .html
TEMPLATE = "easy-read.html"
STYLESHEET = "styles/easy-read.css"
PICTURES = "pictures"  # the shipped pictures, in styles/pictures/ with their manifest and licences
MANIFEST = "pictures.yaml"
# What an Easy Read leaflet takes from the leaflet it explains; it has its own title, words and credits.
INHERITED = ("reference", "dates", "language", "sources", "sources_note")
FORMATS = editions.EASY_READ_FORMATS


def is_easy_read(path: Path, data) -> bool:
    """Whether a file is an Easy Read leaflet: by its name, or by saying which leaflet it explains."""
    return Path(path).stem.endswith(f".{PART}") or (isinstance(data, dict) and "easy_read_of" in data)


is_easy_read_stem = editions.is_easy_read_stem


def pictures(project: Project) -> dict:
    """The shipped pictures: name -> {file, alt, source, licence}, file relative to the project."""
    path = project.styles / PICTURES / MANIFEST
    if not path.is_file():
        return {}
    data = read_source(project, path).data or {}
    return {name: {**entry, "file": project.relative(path.parent / entry["file"])}
            for name, entry in (data.get("pictures") or {}).items()}


# -- loading -----------------------------------------------------------------


def load(project: Project, source: yamlsource.Source, path: Path, people: dict | None, loaded: dict, load_leaflet):
    """Validate an Easy Read leaflet and link it to its leaflet: (Leaflet or None, problems)."""
    problems = validate(project, source, SCHEMA)
    flagged = {p.field for p in problems}
    data = source.data if isinstance(source.data, dict) else {}
    problems += markup.problems(source, data) + fonts.problems(project.styles, source)
    resolved = resolve_credits(source, data, people, flagged, ("authors", "reviewers", "easy_read_checkers"), problems)
    shipped = pictures(project)
    problems += _picture_problems(project, source, path, data, flagged, shipped)
    original = None  # a file named <x>.easy-read.yaml without easy_read_of: the schema asks for it
    if isinstance(data.get("easy_read_of"), str) and "easy_read_of" not in flagged and people is not None:
        original, found = _original(project, source, path, data, people, loaded, load_leaflet)
        problems += found
    problems = sorted(set(problems), key=lambda p: (p.line, p.column, p.field, p.message))
    if problems or people is None or original is None:
        return None, problems
    data = copy.deepcopy(data)
    for key in INHERITED:
        if key in original.data:
            data[key] = copy.deepcopy(original.data[key])
    data["version"] = data["source_version"]
    data.setdefault("contents", True)
    data.setdefault("keywords", list(original.data.get("keywords", [])))
    for section in data["sections"]:
        for row in section["rows"]:
            if "picture" in row:
                row["picture"] = _resolved(project, path, row["picture"], shipped)
    leaflet = Leaflet(path, source.path, path.stem, data, resolved["authors"], resolved["reviewers"],
                      translation_digest(source.digest, original.digest),
                      markup.problems(source, source.data, level="warning"), source,
                      easy_read_checkers=resolved["easy_read_checkers"], original=original)
    return leaflet, []


def _rows(data) -> list:
    """(section index, row index, row) of every well-formed row."""
    def listed(value) -> list:
        return value if isinstance(value, list) else []
    return [(i, j, row) for i, section in enumerate(listed(data.get("sections"))) if isinstance(section, dict)
            for j, row in enumerate(listed(section.get("rows"))) if isinstance(row, dict)]


def _picture_problems(project: Project, source, path: Path, data: dict, flagged: set, shipped: dict) -> list:
    """A picture must be a shipped one or a file in the project, and say what it shows."""
    found: list = []
    for i, j, row in _rows(data):
        picture = row.get("picture")
        where = ("sections", i, "rows", j, "picture")
        if not isinstance(picture, dict) or yamlsource.format_path(where) in flagged:
            continue
        name, file = picture.get("name"), picture.get("file")
        if (name is None) == (file is None):
            found.append(source.problem(where, "give either 'name:' (a shipped picture) or 'file:' (your own image), "
                                               "not both nor neither"))
        elif name is not None and name not in shipped:
            close = difflib.get_close_matches(name, sorted(shipped), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(sorted(shipped))}"
            found.append(source.problem(where + ("name",), f"unknown picture '{name}' - {hint} "
                                                           f"(styles/{PICTURES}/{MANIFEST})"))
        elif file is not None:
            if "alt" not in picture:
                found.append(source.problem(where, "no alt text - add 'alt:' saying what the picture shows, for "
                                                   "people who cannot see it"))
            assets.check(project, source, path.parent, where + ("file",), file, found,
                         project.asset_roots(path.parent))
    return found


def _resolved(project: Project, path: Path, picture: dict, shipped: dict) -> dict:
    """A picture with its project-relative file, alt text, and licence (shipped pictures)."""
    if "name" in picture:
        entry = shipped[picture["name"]]
        return {**picture, "src": entry["file"], "alt": picture.get("alt", entry["alt"]),
                "licence": entry.get("licence")}
    return {**picture, "src": project.relative(path.parent / picture["file"]), "licence": None}


def _original(project: Project, source, path: Path, data: dict, people: dict, loaded: dict, load_leaflet):
    """The validated leaflet an Easy Read explains, and every problem with the link to it."""
    stem = data["easy_read_of"]
    found = []
    if path.stem != f"{stem}.{PART}":
        found.append(source.problem(("easy_read_of",), f"the Easy Read of '{stem}' must be named {stem}.{PART}.yaml, "
                                                       f"not {path.name} - rename the file"))
    file = path.parent / f"{stem}.yaml"
    original, problem = load_named(project, source, "easy_read_of", file, "leaflet", people, loaded, load_leaflet)
    if original is None:
        return None, found + [problem]
    if original.translation_of:
        return None, found + [source.problem(("easy_read_of",), f"'{stem}' is a translation - write the Easy Read "
                                                                f"from '{original.translation_of}'")]
    made, current = data["source_version"], original.data["version"]
    if version_key(made) > version_key(current):
        found.append(source.problem(("source_version",), f"'{made}' is newer than version '{current}' of "
                                                         f"{project.relative(file)} - give the version you wrote "
                                                         "the Easy Read from"))
    return original, found


# -- checks ------------------------------------------------------------------


def texts(data: dict) -> list:
    """(path, plain text) of what an Easy Read reader reads as running text: the summary and every row's words."""
    found: list[tuple[tuple, str]] = [(("summary",), b) for b in markdown.blocks(data["summary"])]
    for i, j, row in _rows(data):
        found += [(("sections", i, "rows", j, "words"), b) for b in markdown.blocks(row["words"])]
    return found


def row_findings(leaflet: Leaflet) -> list[tuple[str, tuple, str]]:
    """(rule, path, message) for each row without a picture or with more than EASY_READ_SENTENCES sentences."""
    found: list[tuple[str, tuple, str]] = []
    for i, j, row in _rows(leaflet.data):
        where: tuple = ("sections", i, "rows", j)
        if "picture" not in row:
            found.append(("easy-read-row", where, "this row has no picture - add 'picture:' with a shipped picture's "
                                                  "name or your own image, so the reader sees the idea"))
        sentences = [s for block in markdown.blocks(row["words"])
                     for s in readability.sentences_in(block, leaflet.language)]
        if len(sentences) > EASY_READ_SENTENCES:
            found.append(("easy-read-row", where + ("words",), f"{len(sentences)} sentences, more than "
                                                               f"{EASY_READ_SENTENCES} - one idea a row: split it "
                                                               "into two rows, each with its own picture"))
    return found


def plain_word_findings(leaflet: Leaflet, words, found_texts: list, headings: list) -> list[Diagnostic]:
    """plain-words: a warning for each listed word in a leaflet; an error in an Easy Read leaflet."""
    assert leaflet.source is not None
    level = "error" if leaflet.easy_read_of else "warning"
    out: list[Diagnostic] = []
    if languages.primary(leaflet.language).lower() != "en":  # the list is of English words
        return out
    for path, text in found_texts + headings:
        for written, plain in words.find(text):
            message = f"\"{written}\" is not an everyday word - say \"{plain}\" (plain-words.yaml)"
            line, column = _where(leaflet.source, path, written)
            out.append(Diagnostic(leaflet.name, line, column, "", message, level, "plain-words"))
    return out


def _where(source: yamlsource.Source, path: tuple, written: str) -> tuple[int, int]:
    """The line and column of `written` inside the text field at `path`, as written in the file."""
    raw = source.data
    for part in path:
        raw = raw[part]
    at = raw.find(written) if isinstance(raw, str) else -1
    if at < 0:  # spread over a folded line: the field's own line
        mark = source.mark(path)
        return mark.line, mark.column
    line = raw.count("\n", 0, at)
    problem = markup.text_problem(source, path, line, "", at - (raw.rfind("\n", 0, at) + 1), raw)
    return problem.line, problem.column


# -- a new Easy Read leaflet ---------------------------------------------------


def starter(leaflet: Leaflet, people: dict) -> str:
    """The start of an Easy Read for a leaflet: a heading for each of its sections, a row to write under each."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    credits = leaflet.data["credits"]
    checker = next((pid for pid, person in sorted(people.items()) if "easy read" in str(person.get("role", "")).lower()),
                   credits["reviewers"][0])
    lines = [f"# yaml-language-server: $schema=../schema/{SCHEMA}",
             "# The Easy Read version of this leaflet: write it for its reader, one idea a row (docs/easy-read.md).",
             "# Pictures: the names in styles/pictures/pictures.yaml, or {file: images/x.svg, alt: What it shows}.",
             f"easy_read_of: {leaflet.stem}",
             f"source_version: {quoted(leaflet.data['version'])}",
             f"title: {quoted(leaflet.data['title'])}",
             "summary: What this leaflet is about, in one or two short sentences.",
             "credits:",
             f"  authors: [{credits['authors'][0]}]",
             f"  reviewers: [{credits['reviewers'][0]}]",
             f"  easy_read_checkers: [{checker}]",
             "sections:"]
    headings = [s.get("heading") or next((c.get("heading") for c in s.get("callouts", []) if c.get("heading")), None)
                for s in leaflet.data["sections"]]
    for heading in [h for h in headings if h] or [leaflet.data["title"]]:
        lines += [f"  - heading: {quoted(heading)}", "    rows:", "      - picture: {name: information}",
                  "        words: Write one idea here. Use short sentences and everyday words."]
    return "\n".join(lines) + "\n"
