"""Load and validate: leaflets and people into checked objects, and the whole catalogue with the brand."""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

from . import assets, fonts, i18n, markup, yamlsource
from .brand import contrast, load_brand
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


def load_leaflet(project: Project, path: Path, people: dict | None):
    """Validate one leaflet, collecting every problem: (Leaflet or None, problems)."""
    try:
        source = read_source(project, path)
    except yamlsource.YAMLProblems as exc:
        return None, exc.problems
    problems = validate(project, source, LEAFLET_SCHEMA)
    flagged = {p.field for p in problems}  # cross-checks skip values the schema already refused
    data = source.data if isinstance(source.data, dict) else {}
    problems += markup.problems(source, data) + fonts.problems(project.styles, source)
    if "language" not in flagged:  # the labels in the leaflet's language: a catalogue, and every label in it
        mark = source.mark(("language",))
        problems += i18n.problems(project.root, source.path, data.get("language"), (mark.line, mark.column))
    credits = given if isinstance(given := data.get("credits"), dict) else {}
    resolved: dict[str, list] = {"authors": [], "reviewers": []}
    for role in resolved:
        ids = given if isinstance(given := credits.get(role), list) else []
        for i, person_id in enumerate(ids):
            if people is None or not isinstance(person_id, str) or f"credits.{role}[{i}]" in flagged:
                continue  # a broken people.yaml is reported once, on its own
            if person_id not in people:
                problems.append(source.problem(("credits", role, i), _unknown_person(person_id, people)))
            else:
                resolved[role].append({"id": person_id, **people[person_id]})
    sections = given if isinstance(given := data.get("sections"), list) else []
    for i, section in enumerate(sections):
        image = section.get("image") if isinstance(section, dict) else None
        if isinstance(image, dict) and isinstance(image.get("file"), str) \
                and f"sections[{i}].image.file" not in flagged:
            assets.check(project, source, Path(path).parent, ("sections", i, "image", "file"), image["file"], problems,
                         project.asset_roots(Path(path).parent))
    problems = sorted(set(problems), key=lambda p: (p.line, p.column, p.field, p.message))
    if problems or people is None:
        return None, problems
    warnings = markup.problems(source, data, level="warning")
    return Leaflet(Path(path), source.path, Path(path).stem, data, resolved["authors"], resolved["reviewers"],
                   source.digest, warnings, source), []


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
