"""Load and validate: leaflets and people into checked objects, and the whole catalogue with the brand."""

from __future__ import annotations

from pathlib import Path

from publisher.i18n import checks as i18n
from publisher.i18n import languages
from publisher.source import assets, easyread, fonts, markup, pairing, yamlsource
from publisher.source.brand import contrast, load_brand
from publisher.source.brand import language_problems as brand_texts
from publisher.source.model import Catalogue, Leaflet, input_digest, translation_digest, version_key
from publisher.source.people import load_people, resolve_credits
from publisher.source.project import NotARegularFile, Project, load_named, read_limited, read_source, unknown_leaflet
from publisher.source.schema import BRAND_SCHEMA, LEAFLET_SCHEMA, PEOPLE_SCHEMA, validate, validator

# Loading is split by concern (project.py, schema.py, markup.py, brand.py); these
# names stay importable from here, where the rest of the code and the tests look.
__all__ = ["BRAND_SCHEMA", "LEAFLET_SCHEMA", "PEOPLE_SCHEMA", "Catalogue", "Leaflet", "NotARegularFile", "Project",
           "contrast", "input_digest", "load_brand", "load_catalogue", "load_leaflet", "load_people", "read_limited",
           "read_source", "resolve_credits", "translation_digest", "unknown_leaflet", "validate", "validator",
           "version_key"]


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
    if easyread.is_easy_read(path, source.data):
        return easyread.load(project, source, Path(path), people, loaded, load_leaflet)
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
        problems += brand_texts(project, data.get("language"), source.path)  # and the brand's texts in it
    translation = isinstance(data.get("translation_of"), str) and "translation_of" not in flagged
    resolved = resolve_credits(source, data, people, flagged, ("authors", "reviewers", "translators",
                                                               "translation_checkers"), problems)
    if not translation and "translation_of" not in data:
        problems += _translation_fields_alone(project, source, path, data)
    sections = given if isinstance(given := data.get("sections"), list) else []
    if not any(p.field.startswith("sections") for p in problems):
        problems += pairing.own_problems(source, sections)
    _check_images(project, source, Path(path), sections, flagged, problems)
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


def _check_images(project: Project, source, path: Path, sections: list, flagged: set, problems: list) -> None:
    """Add to `problems` what is wrong with the sections' images (those the schema let through)."""
    for i, section in enumerate(sections):
        image = section.get("image") if isinstance(section, dict) else None
        if isinstance(image, dict) and isinstance(image.get("file"), str) \
                and f"sections[{i}].image.file" not in flagged:
            assets.check(project, source, path.parent, ("sections", i, "image", "file"), image["file"], problems,
                         project.asset_roots(path.parent))


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
    original, problem = load_named(project, source, "translation_of", file, "source", people, loaded, load_leaflet)
    if original is None:
        return None, found + [problem]
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


def load_catalogue(project: Project, paths: list[Path] | None = None) -> Catalogue:
    """Load the brand, the people and every leaflet, collecting every problem."""
    brand, brand_problems = load_brand(project)
    people, people_problems = load_people(project)
    leaflets, failures = [], {}
    loaded: dict = {}  # each source checked once, however many translations name it
    from publisher.outputs.naming import file_problem  # names.py needs the output registry, which needs this module
    for path in paths if paths is not None else project.leaflet_files():
        named = file_problem(project, path)
        leaflet, problems = (None, [named]) if named else load_leaflet(project, path, people, loaded)
        if leaflet and brand is not None:
            leaflets.append(leaflet)
        else:  # with no problems of its own, it failed for a broken people.yaml or brand.yaml
            failures[Path(path)] = problems
    return Catalogue(project, brand, people, leaflets, failures, brand_problems + people_problems)
