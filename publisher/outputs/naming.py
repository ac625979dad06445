"""Leaflet file names: one rule, used by check and build alike, for which names can name every output."""

from __future__ import annotations

import re
from pathlib import Path

from publisher.core import editions
from publisher.core.errors import Problem
from publisher.outputs import base as outputs

STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def stem_problem(stem: str) -> str | None:
    """Why a leaflet's file name (its stem) cannot name its outputs, or None."""
    if not STEM.match(stem) or ".." in stem:
        return "use letters, digits, '-', '_' and '.'"
    if stem.casefold() == "index":  # its web page would be the catalogue's index.html (site.py)
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
