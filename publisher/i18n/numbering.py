"""Dates and digits in a language: its numbering system, its long date form, and the CSS counter that prints it."""

from __future__ import annotations

import datetime

from babel import Locale, dates

# CLDR numbering systems (a locale's default digits) and the CSS counter style that prints them.
DIGITS = {"arab": 0x0660, "arabext": 0x06F0, "beng": 0x09E6, "deva": 0x0966}
COUNTER_STYLES = {"arab": "arabic-indic", "arabext": "persian", "beng": "bengali", "deva": "devanagari"}


def numbering(locale: Locale) -> str:
    """The CLDR numbering system of a locale's digits ('latn', 'arab', 'beng' ...)."""
    return locale.default_numbering_system if locale.default_numbering_system in DIGITS else "latn"


def counter_style(system: str) -> str:
    """The CSS counter style that prints page numbers in a numbering system's digits."""
    return COUNTER_STYLES.get(system, "decimal")


def digits(system: str, text: str) -> str:
    """ASCII digits written in a numbering system's own digits (Babel formats dates with ASCII ones)."""
    zero = DIGITS.get(system)
    return text if zero is None else text.translate({48 + i: zero + i for i in range(10)})


def long_date(locale: Locale, value: str | datetime.date) -> str:
    """A date in a locale's long form, in ASCII digits: '25 November 2026', '25 Tachwedd 2026', '2026年11月25日'."""
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    # en_GB's long form is exactly what NHS style guides ask for ("1 March 2026").
    return dates.format_date(day, "long", locale=locale)
