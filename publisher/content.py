"""Load and validate: leaflets and people into checked objects, and the whole catalogue with the brand."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from pathlib import Path

from . import assets, fonts, i18n, languages, markup, pairing, yamlsource
from .brand import contrast, load_brand
from .errors import Problem
from .project import NotARegularFile, Project, read_limited, read_source
from .schema import BRAND_SCHEMA, LEAFLET_SCHEMA, PEOPLE_SCHEMA, load_checked, validate, validator

# Loading is split by concern (project.py, schema.py, markup.py, brand.py); these
# names stay importable from here, where the rest of the code and the tests look.
__all__ = ["BRAND_SCHEMA", "LEAFLET_SCHEMA", "PEOPLE_SCHEMA", "Catalogue", "Leaflet", "NotARegularFile", "Project",
           "contrast", "load_brand", "load_catalogue", "load_leaflet", "load_people", "read_limited", "read_source",
           "validate", "validator"]


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
    warnings: list = dataclasses.field(default_factory=list)  # of Diagnostic: Markdown and governance warnings
    source: yamlsource.Source | None = None  # where each value was written, for governance findings
    overdue: bool = False  # past its review date, built anyway with --allow-expired and marked so
    waived: list = dataclasses.field(default_factory=list)  # rules this leaflet waives and breaks
    translators: list = dataclasses.field(default_factory=list)
    translation_checkers: list = dataclasses.field(default_factory=list)
    original: Leaflet | None = None  # for a translation or an Easy Read: the validated leaflet it is made from
    easy_read_checkers: list = dataclasses.field(default_factory=list)

    @property
    def easy_read_of(self) -> str | None:
        """The stem of the leaflet this Easy Read explains; None for any other leaflet."""
        return self.data.get("easy_read_of")

    @property
    def translation_of(self) -> str | None:
        """The source's stem, for a translation; None for a leaflet in its own language."""
        return self.data.get("translation_of")

    @property
    def language(self) -> str:
        return self.data["language"]

    @property
    def output_language(self) -> str | None:
        """The language part of output names: a translation's language; none for a source."""
        return self.language if self.translation_of else None

    @property
    def source_stem(self) -> str:
        """The first part of every output name, (source stem, language) being the output key."""
        return self.translation_of or self.stem

    def people_ids(self) -> list[str]:
        """Everyone credited, authors first, then translators and checkers."""
        return [p["id"] for p in self.authors + self.reviewers + self.translators + self.translation_checkers
                + self.easy_read_checkers]

    def images(self, project: Project) -> list[str]:
        """Project-relative paths of the images this leaflet shows."""
        return [project.relative(self.path.parent / s["image"]["file"]) for s in self.data["sections"] if "image" in s] \
            + [row["picture"]["src"] for s in self.data["sections"] for row in s.get("rows", []) if "picture" in row]


@dataclasses.dataclass
class Catalogue:
    """Everything loaded for one run: the shared files and each leaflet's outcome."""

    project: Project
    brand: dict | None
    people: dict | None
    leaflets: list  # of Leaflet
    failures: dict  # leaflet path -> list[Problem]
    shared_problems: list  # problems in people.yaml and brand.yaml

    def translations_of(self, stem: str) -> list[Leaflet]:
        """The valid translations of the leaflet `stem` in this catalogue, by language (for bilingual editions)."""
        return sorted((t for t in self.leaflets if t.translation_of == stem), key=lambda t: t.language)

    def source_of(self, leaflet: Leaflet) -> Leaflet | None:
        """The leaflet a translation translates (loaded even when only the translation was asked for)."""
        return leaflet.original


def load_people(project: Project):
    """The people file: (id -> person, or None, problems)."""
    source, problems = load_checked(project, project.people_file, PEOPLE_SCHEMA)
    return (source.data["people"] if source and not problems else None), problems


def _unknown_person(person_id: str, people: dict) -> str:
    """What to do about a credit whose id is not in people.yaml: the id it was probably meant to be, or the list."""
    close = difflib.get_close_matches(person_id, sorted(people), n=1, cutoff=0.6)
    if close:
        return f"unknown person '{person_id}' - did you mean '{close[0]}'?"
    return (f"unknown person '{person_id}' - use an id from people.yaml ({', '.join(sorted(people))}), "
            "or add the person there")


def resolve_credits(source, data, people: dict | None, flagged: set, roles: tuple, problems: list) -> dict:
    """role -> the people.yaml entries credited in it; an unknown id is added to `problems` at its line."""
    credits = given if isinstance(given := data.get("credits"), dict) else {}
    resolved: dict[str, list] = {role: [] for role in roles}
    for role in resolved:
        ids = given if isinstance(given := credits.get(role), list) else []
        for i, person_id in enumerate(ids):
            if people is None or not isinstance(person_id, str) or f"credits.{role}[{i}]" in flagged:
                continue  # a broken people.yaml is reported once, on its own
            if person_id not in people:
                problems.append(source.problem(("credits", role, i), _unknown_person(person_id, people)))
            else:
                resolved[role].append({"id": person_id, **people[person_id]})
    return resolved


def load_leaflet(project: Project, path: Path, people: dict | None, loaded: dict | None = None):
    """Validate one leaflet or translation, collecting every problem: (Leaflet or None, problems).

    `loaded` caches results by path, so a source leaflet named by several
    translations is read and checked once in a run.
    """
    loaded = {} if loaded is None else loaded
    key = Path(path).resolve()
    if key not in loaded:
        loaded[key] = None, []  # a translation naming itself (through a symlink) must not recurse
        loaded[key] = _load_leaflet(project, Path(path), people, loaded)
    return loaded[key]


def _load_leaflet(project: Project, path: Path, people: dict | None, loaded: dict):
    try:
        source = read_source(project, path)
    except yamlsource.YAMLProblems as exc:
        return None, exc.problems
    from . import easyread  # it builds on this module
    if easyread.is_easy_read(path, source.data):
        return easyread.load(project, source, Path(path), people, loaded)
    problems = validate(project, source, LEAFLET_SCHEMA)
    flagged = {p.field for p in problems}  # cross-checks skip values the schema already refused
    data = source.data if isinstance(source.data, dict) else {}
    if "language" not in flagged and isinstance(data.get("language"), str):
        # BCP 47 tags are case-insensitive: one spelling names the outputs ('CY' would publish a second Welsh set).
        data["language"] = languages.canonical(data["language"])
    problems += markup.problems(source, data) + fonts.problems(project.styles, source)
    if "language" not in flagged:  # the labels in the leaflet's language: a catalogue, and every label in it
        mark = source.mark(("language",))
        problems += i18n.problems(project.root, source.path, data.get("language"), (mark.line, mark.column))
    translation = isinstance(data.get("translation_of"), str) and "translation_of" not in flagged
    resolved = resolve_credits(source, data, people, flagged, ("authors", "reviewers", "translators",
                                                               "translation_checkers"), problems)
    if not translation and "translation_of" not in data:
        problems += _translation_fields_alone(project, source, path, data)
    sections = given if isinstance(given := data.get("sections"), list) else []
    if not any(p.field.startswith("sections") for p in problems):
        problems += pairing.own_problems(source, sections)
    for i, section in enumerate(sections):
        image = section.get("image") if isinstance(section, dict) else None
        if isinstance(image, dict) and isinstance(image.get("file"), str) \
                and f"sections[{i}].image.file" not in flagged:
            assets.check(project, source, Path(path).parent, ("sections", i, "image", "file"), image["file"], problems,
                         project.asset_roots(Path(path).parent))
    original, mirrored = None, []
    if translation and not problems and people is not None:
        original, found = _original(project, source, path, data, people, loaded)
        problems += found
        if original is not None and original.source is not None:
            mirrored = pairing.translation_problems(source, sections, original.source, project.relative(original.path))
            problems += [p for p in mirrored if p.level == "error"]
    problems = sorted(set(problems), key=lambda p: (p.line, p.column, p.field, p.message))
    if problems or people is None:
        return None, problems
    warnings = markup.problems(source, data, level="warning") + [p for p in mirrored if p.level != "error"]
    leaflet = Leaflet(Path(path), source.path, Path(path).stem, data, resolved["authors"], resolved["reviewers"],
                      source.digest, warnings, source, translators=resolved["translators"],
                      translation_checkers=resolved["translation_checkers"])
    if original is not None:
        _inherit(leaflet, original)
    return leaflet, []


# -- translations ------------------------------------------------------------

# What a translation takes from its source and may not change: stating it again is
# allowed only with the source's value. (`version` is the source_version it was made from.)
CONTROLLED = (("reference",), ("dates", "published"), ("dates", "last_reviewed"), ("dates", "next_review"),
              ("credits", "authors"), ("credits", "reviewers"))
# What a translation takes from its source when it leaves it out, and may give in its own words.
INHERITED = ("contents", "keywords", "max_pages", "further_reading", "sources", "sources_note")


def _translation_fields_alone(project: Project, source, path: Path, data: dict) -> list:
    """Fields that only a translation may have, in a leaflet that is not one; and names only translations take."""
    found = []
    for field_path in (("source_version",), ("translation_revision",), ("translation_note",), ("credits", "translators"),
                       ("credits", "translation_checkers")):
        holder = data.get("credits") if len(field_path) == 2 else data
        if isinstance(holder, dict) and field_path[-1] in holder:
            found.append(source.problem(field_path, "only a translation has this - add 'translation_of:' naming the "
                                                    "leaflet it translates, or remove it", at_key=True))
    stem = Path(path).stem
    if "." in stem and (Path(path).parent / f"{stem.rsplit('.', 1)[0]}.yaml").exists():
        found.append(source.problem((), f"file name '{stem}' is how a translation of "
                                        f"'{stem.rsplit('.', 1)[0]}' is named - add 'translation_of: "
                                        f"{stem.rsplit('.', 1)[0]}' and 'source_version:', or rename the file"))
    return found


def version_key(version: str) -> tuple:
    """A version as something to compare: '1.10' after '1.9'; letters after digits."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.-]", version))


def unknown_leaflet(project: Project, source, field: str, file: Path) -> Problem | None:
    """The problem when `file`, the leaflet a translation or Easy Read names in `field`, is not in the project."""
    if file.exists() and project.contains(file):
        return None
    known = sorted(p.stem for p in file.parent.glob("*.yaml") if "." not in p.stem)
    close = difflib.get_close_matches(file.stem, known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "name a leaflet file in the same folder, without .yaml"
    return source.problem((field,), f"unknown leaflet '{file.stem}' ({project.relative(file)} does not exist) - {hint}")


def _original(project: Project, source, path: Path, data: dict, people: dict, loaded: dict):
    """The validated source of a translation, and every problem with the link to it: (Leaflet or None, problems)."""
    stem, language = data["translation_of"], data["language"]
    folder = Path(path).parent
    found = []
    if Path(path).stem != f"{stem}.{language}":
        found.append(source.problem(("translation_of",), f"a translation of '{stem}' into '{language}' must be named "
                                                         f"{stem}.{language}.yaml, not {Path(path).name} - rename "
                                                         "the file (the outputs are named after the source and the "
                                                         "language)"))
    for other in sorted(folder.glob(f"{stem}.*.yaml")):
        tag = other.stem[len(stem) + 1:]
        # The file not named in the tag's own case is the second one; of two such, the later.
        second = Path(path).stem != f"{stem}.{language}" and (other.stem == f"{stem}.{language}"
                                                             or other.name < Path(path).name)
        if other.resolve() != Path(path).resolve() and "." not in tag and languages.same(tag, language) and second:
            found.append(source.problem(("language",), f"'{stem}' already has a translation into '{tag}', "
                                                       f"{project.relative(other)} - keep one file per source and "
                                                       "language, and delete or merge the other"))
    file = folder / f"{stem}.yaml"
    unknown = unknown_leaflet(project, source, "translation_of", file)
    if unknown:
        return None, found + [unknown]
    original, problems = load_leaflet(project, file, people, loaded)
    if original is None:
        return None, found + [source.problem(("translation_of",), f"its source {project.relative(file)} has errors - "
                                                                  "fix them first (they are listed with that file)")]
    if original.translation_of:
        return None, found + [source.problem(("translation_of",), f"'{stem}' is itself a translation, of "
                                                                  f"'{original.translation_of}' - translate from "
                                                                  f"'{original.translation_of}'")]
    if languages.same(language, original.language):
        found.append(source.problem(("language",), f"'{language}' is the language of its source "
                                                   f"{project.relative(file)} - a translation must be into another "
                                                   "language"))
    made, current = data["source_version"], original.data["version"]
    if version_key(made) > version_key(current):
        found.append(source.problem(("source_version",), f"'{made}' is newer than version '{current}' of "
                                                         f"{project.relative(file)} - give the version of the source "
                                                         "you translated"))
    if "version" in data and data["version"] != made:
        found.append(source.problem(("version",), f"'{data['version']}' differs from source_version '{made}' - a "
                                                  "translation carries the version of the source it was made from; "
                                                  "remove 'version:'"))
    for field_path in CONTROLLED:
        mine, theirs = _get(data, field_path), _get(original.data, field_path)
        if mine is not None and mine != theirs:
            shown = ", ".join(theirs) if isinstance(theirs, list) else theirs
            found.append(source.problem(field_path, f"{_shown(mine)} differs from the source's {shown} "
                                                    f"({project.relative(file)}) - a translation keeps what its source "
                                                    f"says here; remove the line to take it from the source"))
    return original, found


def _get(data, path: tuple):
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _shown(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _inherit(leaflet: Leaflet, original: Leaflet) -> None:
    """Fill in what a validated translation takes from its source."""
    data, source = dict(leaflet.data), original.data
    data["reference"], data["dates"], data["version"] = source["reference"], dict(source["dates"]), data["source_version"]
    data["credits"] = {**source["credits"], **data["credits"]}
    for key in INHERITED:
        if key in source and key not in data and not (key == "sources_note" and "sources" in data):
            data[key] = source[key]
    leaflet.data, leaflet.original = data, original
    leaflet.authors, leaflet.reviewers = original.authors, original.reviewers
    # Everything the translation prints from its source is in the source's file.
    leaflet.digest = translation_digest(leaflet.digest, original.digest)


def translation_digest(own: str, source: str) -> str:
    """The digest of a translation as the manifest keeps it: its file's and its source's together."""
    return hashlib.sha256(f"{own}\n{source}".encode()).hexdigest()


def input_digest(path: Path, digest_file) -> str:
    """What an output of the leaflet file `path` is made from, before it is parsed (see translation_digest)."""
    own = digest_file(path) or ""
    stem = Path(path).stem
    source = Path(path).parent / f"{stem.rsplit('.', 1)[0]}.yaml"
    # Only a translation may be named <leaflet>.<x>.yaml beside that leaflet (see _translation_fields_alone).
    if "." in stem and source.exists():
        return translation_digest(own, digest_file(source) or "")
    return own


def load_catalogue(project: Project, paths: list[Path] | None = None) -> Catalogue:
    """Load the brand, the people and every leaflet, collecting every problem."""
    brand, brand_problems = load_brand(project)
    people, people_problems = load_people(project)
    leaflets, failures = [], {}
    loaded: dict = {}  # each source checked once, however many translations name it
    from .names import file_problem  # names.py needs the output registry, which needs this module
    for path in paths if paths is not None else project.leaflet_files():
        named = file_problem(project, path)
        leaflet, problems = (None, [named]) if named else load_leaflet(project, path, people, loaded)
        if leaflet and brand is not None:
            leaflets.append(leaflet)
        else:  # with no problems of its own, it failed for a broken people.yaml or brand.yaml
            failures[Path(path)] = problems
    return Catalogue(project, brand, people, leaflets, failures, brand_problems + people_problems)
