"""Output file names: made and read back in this one place, '<stem>[.<language>][.<edition>]<suffix>'.

Leaflet file names are held here to the one rule too (used by check and build alike): a stem must be able to
name every output without clashing with another leaflet's.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from publisher.core import editions
from publisher.core.errors import Problem
from publisher.i18n import languages
from publisher.outputs import base as outputs

STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


@dataclasses.dataclass(frozen=True)
class Named:
    """What an output's file name says: whose output it is, in which language and edition, in which format."""

    stem: str  # the leaflet's (a translation's: its source's, as the build names it)
    language: str | None  # a translation's language; None for the leaflet's own
    edition: str
    output: outputs.Output


class NotAnOutput(ValueError):
    """A file name that no registered output of a leaflet would have."""


def name(stem: str, language: str | None = None, edition: str = editions.DEFAULT_EDITION,
         output: outputs.Output | str = "pdf") -> str:
    """An output's file name: '<stem>[.<language>][.<edition>]<suffix>', the standard edition unnamed."""
    made = outputs.REGISTRY[output] if isinstance(output, str) else output
    parts = [stem] + ([language] if language else []) + ([edition] if edition != editions.DEFAULT_EDITION else [])
    return ".".join(parts) + made.suffix


def _output(file_name: str) -> outputs.Output:
    """The format a file name's suffix names, the longest suffix first ('.preview.html' before '.html')."""
    for suffix in outputs.suffixes():
        if file_name.endswith(suffix) and len(file_name) > len(suffix):
            return next(o for o in outputs.REGISTRY.values() if o.suffix == suffix)
    raise NotAnOutput(f"'{file_name}' is not an output's file name - it ends in none of the formats' suffixes "
                      f"({', '.join(o.suffix for o in outputs.REGISTRY.values())})")


def _language(file_name: str, rest: str, stem: str | None) -> tuple[str, str | None]:
    """(stem, language) of a name without its edition and suffix; without a stem, a last part Babel knows is one."""
    if stem is None:
        head, _, last = rest.rpartition(".")
        return (head, last) if head and languages.known(last) else (rest, None)
    if rest == stem:
        return stem, None
    if not rest.startswith(stem + "."):
        raise NotAnOutput(f"'{file_name}' is not an output of '{stem}' - its name does not start with '{stem}.'")
    return stem, rest[len(stem) + 1:]


def parse(file_name: str, stem: str | None = None) -> Named:
    """What an output's file name says; with `stem`, as an output of that leaflet. Raises NotAnOutput."""
    output = _output(file_name)
    rest = file_name[: -len(output.suffix)]
    head, _, last = rest.rpartition(".")
    edition = last if head and last in editions.EDITIONS and last != editions.DEFAULT_EDITION else \
        editions.DEFAULT_EDITION
    found_stem, language = _language(file_name, head if edition != editions.DEFAULT_EDITION else rest, stem)
    if language is not None and not languages.TAG.match(language):  # nor an edition's name: none is a tag's shape
        raise NotAnOutput(f"'{file_name}': '{language}' is not a language tag - an output's name is "
                          f"'<stem>[.<language>][.<edition>]{output.suffix}'")
    if edition not in output.editions:
        raise NotAnOutput(f"'{file_name}': the {output.name} output is not made in the {edition} edition")
    if editions.is_easy_read_stem(found_stem) and output.name not in editions.EASY_READ_FORMATS:
        raise NotAnOutput(f"'{file_name}': an Easy Read is not made as {output.name}")
    named = Named(found_stem, language, edition, output)
    if not found_stem or name(found_stem, language, edition, output) != file_name:
        raise NotAnOutput(f"'{file_name}' is not an output's file name - an output's name is "
                          f"'<stem>[.<language>][.<edition>]{output.suffix}'")
    return named


def parsed(file_name: str, stem: str | None = None) -> Named | None:
    """What an output's file name says, or None when it is no output's (of `stem`'s, with one)."""
    try:
        return parse(file_name, stem)
    except NotAnOutput:
        return None


def stem_problem(stem: str) -> str | None:
    """Why a leaflet's file name (its stem) cannot name its outputs, or None."""
    if not STEM.match(stem) or ".." in stem:
        return "use letters, digits, '-', '_' and '.'"
    if stem.casefold() == "index":  # its web page would be the catalogue's index.html (site/catalogue.py)
        return "it would clash with the catalogue site's index.html"
    for edition in editions.EDITIONS:
        if edition != editions.DEFAULT_EDITION and stem.endswith(f".{edition}"):
            return f"it would clash with the {edition} edition of another leaflet"
    for output in outputs.REGISTRY.values():
        inner = output.suffix.rsplit(".", 1)[0]  # ".preview" of ".preview.html"
        if inner and stem.endswith(inner):
            return f"it would clash with the {output.name} output of another leaflet"
    return None


def file_problem(project, path: Path) -> Problem | None:
    """Why a leaflet's file name cannot name its outputs, as a Problem at its first line, or None."""
    stem = Path(path).stem
    problem = stem_problem(stem)
    if problem is None:
        return None
    if problem.startswith("use "):
        message = f"file name '{stem}' cannot name a PDF - rename the file {problem.replace('use', 'using', 1)}"
    else:
        message = f"file name '{stem}' would {problem.removeprefix('it would ')} - rename the file"
    return Problem(project.relative(path), 1, 1, "", message)
