"""Editions and papers: what each one changes in print, known in one place."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Edition:
    """A version of every leaflet for a group of readers, e.g. large print."""

    name: str
    label: str  # in messages: "large print edition"
    stylesheet: str | None  # layered over the paper's stylesheet
    min_text_pt: float  # the smallest text clear print allows in it
    body_pt: float  # its body text size, as its stylesheet sets it


@dataclasses.dataclass(frozen=True)
class Paper:
    """A paper size with its stylesheet and the width of its text block."""

    name: str
    label: str
    stylesheet: str
    text_width_mm: float  # the page less its side margins, as the stylesheet sets them


EDITIONS = {e.name: e for e in (
    Edition("standard", "standard edition", None, 12, 12),
    Edition("large-print", "large print edition", "styles/large-print.css", 16, 18),
)}
PAPERS = {p.name: p for p in (
    Paper("a4", "A4", "styles/a4.css", 210 - 2 * 18),
    Paper("letter", "US Letter", "styles/letter.css", 215.9 - 2 * 18),
    Paper("a5", "A5", "styles/a5.css", 148 - 2 * 14),
)}
DEFAULT_PAPER = "a4"
DEFAULT_EDITION = "standard"


def for_stylesheet(name: str) -> Edition | None:
    """The edition whose own stylesheet this is (by file name), or None for a shared one."""
    return next((e for e in EDITIONS.values() if e.stylesheet and e.stylesheet.rsplit("/", 1)[-1] == name), None)


# Easy Read is a leaflet of its own (<stem>.easy-read.yaml, publisher/source/easyread.py), made only in these formats:
# braille and audio are made from the standard leaflet.
EASY_READ = "easy-read"
EASY_READ_FORMATS = ("pdf", "html", "preview")


def is_easy_read_stem(stem: str) -> bool:
    """Whether a leaflet file's stem names an Easy Read leaflet, e.g. 'x.easy-read'."""
    return stem.endswith(f".{EASY_READ}")
