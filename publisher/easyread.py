"""Easy Read: a leaflet's Easy Read version (<stem>.easy-read.yaml), its pictures, its checks and its pages."""

from __future__ import annotations

import copy
import difflib
import urllib.parse
from pathlib import Path

import jinja2
import markupsafe

from . import assets, editions, fonts, html, i18n, languages, markdown, markup, readability, yamlsource
from .content import Catalogue, Leaflet, Project, load_leaflet, resolve_credits, translation_digest, unknown_leaflet, version_key
from .errors import Diagnostic, RenderError
from .project import read_source
from .rules import EASY_READ_SENTENCES
from .schema import validate

SCHEMA = "easy-read.schema.json"
PART = "easy-read"  # an Easy Read file is <leaflet>.easy-read.yaml; its outputs <leaflet>.easy-read.pdf and .html
TEMPLATE = "easy-read.html"
STYLESHEET = "styles/easy-read.css"
PICTURES = "pictures"  # the shipped pictures, in styles/pictures/ with their manifest and licences
MANIFEST = "pictures.yaml"
# What an Easy Read leaflet takes from the leaflet it explains; it has its own title, words and credits.
INHERITED = ("reference", "dates", "language", "sources", "sources_note")
FORMATS = ("pdf", "html", "preview")  # braille and audio are made from the standard leaflet


def is_easy_read(path: Path, data) -> bool:
    """Whether a file is an Easy Read leaflet: by its name, or by saying which leaflet it explains."""
    return Path(path).stem.endswith(f".{PART}") or (isinstance(data, dict) and "easy_read_of" in data)


def is_easy_read_stem(stem: str) -> bool:
    return stem.endswith(f".{PART}")


def pictures(project: Project) -> dict:
    """The shipped pictures: name -> {file, alt, source, licence}, file relative to the project."""
    path = project.styles / PICTURES / MANIFEST
    if not path.is_file():
        return {}
    data = read_source(project, path).data or {}
    return {name: {**entry, "file": project.relative(path.parent / entry["file"])}
            for name, entry in (data.get("pictures") or {}).items()}


# -- loading -----------------------------------------------------------------


def load(project: Project, source: yamlsource.Source, path: Path, people: dict | None, loaded: dict):
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
        original, found = _original(project, source, path, data, people, loaded)
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


def _original(project: Project, source, path: Path, data: dict, people: dict, loaded: dict):
    """The validated leaflet an Easy Read explains, and every problem with the link to it."""
    stem = data["easy_read_of"]
    found = []
    if path.stem != f"{stem}.{PART}":
        found.append(source.problem(("easy_read_of",), f"the Easy Read of '{stem}' must be named {stem}.{PART}.yaml, "
                                                       f"not {path.name} - rename the file"))
    file = path.parent / f"{stem}.yaml"
    unknown = unknown_leaflet(project, source, "easy_read_of", file)
    if unknown:
        return None, found + [unknown]
    original, problems = load_leaflet(project, file, people, loaded)
    if original is None:
        return None, found + [source.problem(("easy_read_of",), f"its leaflet {project.relative(file)} has errors - "
                                                                "fix them first (they are listed with that file)")]
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


# -- rendering ---------------------------------------------------------------


def stylesheets(paper: str, edition: str = editions.DEFAULT_EDITION, marks: bool = False) -> list[str]:
    """The paper's stylesheet, the Easy Read layout's, then the edition's (large print's page rules win)."""
    sheets = html.stylesheets(paper, edition, marks)
    return sheets[:1] + [STYLESHEET] + sheets[1:]


def view(project: Project, leaflet: Leaflet, labels) -> dict:
    """The Easy Read leaflet's data for its template: anchors for the contents, every optional field present."""
    data = copy.deepcopy(leaflet.data)
    data.setdefault("easy_read_note", None)
    data.setdefault("sources", [])
    data.setdefault("sources_note", None)
    for n, section in enumerate(data["sections"], 1):
        section["anchor"] = f"section-{n}"
        for row in section["rows"]:
            row.setdefault("picture", None)
            row.setdefault("urgent", False)
    original = leaflet.original
    assert original is not None
    data["source_title"] = original.data["title"]
    return data


def render_html(catalogue: Catalogue, leaflet: Leaflet, paper: str = editions.DEFAULT_PAPER, link_styles: bool = True,
                edition: str = editions.DEFAULT_EDITION, marks: bool = False, web: bool = False) -> str:
    """The Easy Read leaflet as one HTML document: print layout, or (`web`) the page the web edition inlines."""
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None
    labels = html.labels_for(project, leaflet)
    data = view(project, leaflet, labels)
    try:
        template = html.environment(project).get_template(TEMPLATE)
        return template.render(
            leaflet=data, authors=html._people(leaflet.authors), credits=html.credits(leaflet, labels),
            translation=None, brand=html._brand(brand), logo=project.relative(project.brand_file.parent / brand["logo"]),
            stylesheets=stylesheets(paper, edition, marks) if link_styles else [], edition=edition, paper=paper,
            direction=html.direction(leaflet), layouts=html.layouts(paper, edition), overdue=leaflet.overdue,
            printed=not web, web=web, labels=labels, licences=_licences(data),
        )
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix templates/{TEMPLATE}")


def _licences(data: dict) -> list[str]:
    """The licences of the shipped pictures used, for the credits line under the pictures."""
    return sorted({row["picture"]["licence"] for section in data["sections"] for row in section["rows"]
                   if row["picture"] and row["picture"].get("licence")})


WEB_TEMPLATE = "web/easy-read.html"


def _data_uri(path: Path) -> str:
    """A picture inline: an SVG as its own text (a third smaller than base64: a page has dozens), else base64."""
    from . import web
    if path.suffix.lower() != ".svg":
        return web.data_uri(path)
    svg = " ".join(path.read_text(encoding="utf-8").split()).replace('"', "'")
    return "data:image/svg+xml," + urllib.parse.quote(svg, safe=" '=:/;,.-+()")


def render_web(catalogue: Catalogue, leaflet: Leaflet) -> bytes:
    """The Easy Read web edition: one self-contained page, pictures and styles inline, rows as in print."""
    from . import web
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None
    labels = html.labels_for(project, leaflet)
    data = view(project, leaflet, labels)
    for section in data["sections"]:
        for row in section["rows"]:
            if row["picture"]:
                row["picture"]["src"] = _data_uri(project.root / row["picture"]["src"])
    css = "\n".join((project.styles / name).read_text(encoding="utf-8") for name in (web.STYLESHEET, "easy-read-web.css"))
    try:
        page = html.environment(project).get_template(WEB_TEMPLATE).render(
            leaflet=data, authors=html._people(leaflet.authors), credits=html.credits(leaflet, labels),
            translation=None, brand=html._brand(brand), logo=web.data_uri(project.brand_file.parent / brand["logo"]),
            palette=web.palette(html._brand(brand)), css=markupsafe.Markup(css), overdue=leaflet.overdue,
            printed=False, labels=labels, direction=html.direction(leaflet))
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix templates/{WEB_TEMPLATE}")
    return page.replace("/* fonts */\n", "", 1).encode("utf-8")


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
