"""Languages: whether a tag names one we can print, its name, script and direction, bidi isolation, how to count."""

from __future__ import annotations

import functools
import re
import unicodedata

import babel
import babel.core
from markupsafe import Markup, escape

# A BCP 47 tag's shape (as schema/leaflet.schema.json checks `language:`); Babel then says whether it names a language.
TAG = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*\Z")


@functools.cache
def _locale(tag: str):
    from babel import Locale, UnknownLocaleError
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return None


def known(tag: str) -> bool:
    """Whether `tag` is a well-formed BCP 47 tag for a language Babel knows (cy, ar, ur, zh-Hans, en-GB ...)."""
    return bool(TAG.match(tag)) and _locale(tag) is not None


def direction(tag: str) -> str:
    """'rtl' for a language written right to left (Arabic, Urdu, ...), else 'ltr' (also for a tag Babel does not know)."""
    locale = _locale(tag) if TAG.match(tag or "") else None
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def text_direction(text: str) -> str | None:
    """The direction of the first strongly directional character in `text` (HTML's dir=auto), None if it has none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def isolate(text: str, document: str) -> Markup:
    """`text` escaped, in a <bdi> with its own direction where it could otherwise be reordered by its neighbours.

    In a right-to-left document every value is isolated (a reference such as 'MPA-12' or a phone number
    would otherwise print back to front); in a left-to-right one only right-to-left text is.
    """
    own = text_direction(text) or "ltr"
    if document != "rtl" and own != "rtl":
        return escape(text)
    return Markup(f'<bdi dir="{own}">{escape(text)}</bdi>')


# Characters that may sit inside a left-to-right run (a phone number, a web address, a Latin name) in right-to-left
# text: they keep it one run. A run starts and ends with a letter or digit of a left-to-right script.
_RUN_INSIDE = set(" .,:;/-+()#%&@_'’–=?!*~\u00a0")


# ... and a web address may end with a slash.
_RUN_END = set("/")


def ltr_runs(text: str) -> list[tuple[str, bool]]:
    """`text` cut into pieces, each (piece, is a left-to-right run), for isolating in right-to-left text."""
    pieces: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    plain_start = 0
    while i < n:
        if _strong_ltr(text[i]):
            end = last = i
            while end < n and (_strong_ltr(text[end]) or text[end] in _RUN_INSIDE):
                if _strong_ltr(text[end]) or text[end] in _RUN_END:
                    last = end
                end += 1
            if plain_start < i:
                pieces.append((text[plain_start:i], False))
            pieces.append((text[i:last + 1], True))
            i = plain_start = last + 1
        else:
            i += 1
    if plain_start < n:
        pieces.append((text[plain_start:], False))
    return pieces


# A phone number, which reads wrongly when split between lines.
_NUMBER = re.compile(r"[0-9+(][0-9 +()-]{4,22}[0-9)]")


def unbreakable(piece: str) -> bool:
    """Whether a left-to-right run is a number with spaces (a phone number) that should stay on one line."""
    return bool(_NUMBER.fullmatch(piece)) and " " in piece


def _strong_ltr(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("L", "EN")


# Scripts whose letters have capitals: sentence-case and all-caps rules mean something only there.
CASED_SCRIPTS = {"Latn", "Cyrl", "Grek", "Armn", "Copt", "Glag"}
# Written without spaces between words: a sentence is measured in characters, not words.
CHARACTER_SCRIPTS = {"Hans", "Hant", "Hani", "Jpan"}
# Readability formulas validated for a language (its primary subtag), with what they are. Only
# English has one here: Flesch reading ease and Flesch-Kincaid were fitted to English text, and
# their syllable weights mean nothing in other languages. See README "Translations".
READABILITY_FORMULAS = {"en": "Flesch reading ease and Flesch-Kincaid grade"}


def primary(tag: str) -> str:
    """The language subtag, lower case: 'zh' of 'zh-Hans'."""
    return tag.split("-")[0].lower()


@functools.cache
def script(tag: str) -> str:
    """The tag's script (ISO 15924): given in the tag ('zh-Hant'), else the language's usual one (CLDR), else Latn."""
    for part in tag.split("-")[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
    likely = babel.core.get_global("likely_subtags").get(primary(tag), "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else "Latn"


@functools.cache
def name(tag: str) -> str:
    """The language's English name ('Welsh'), or the tag itself when CLDR does not know it."""
    try:
        return babel.Locale.parse(tag, sep="-").english_name or tag
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return tag


# CLDR calls Hans "Simplified": say what a reader of the message knows.
_SCRIPT_NAMES = {"Hans": "Han (simplified Chinese characters)", "Hant": "Han (traditional Chinese characters)",
                 "Jpan": "Japanese (kanji and kana)"}


def script_name(tag: str) -> str:
    """The English name of the tag's script: 'Arabic'."""
    code = script(tag)
    return _SCRIPT_NAMES.get(code) or babel.Locale("en").scripts.get(code, code)


def has_case(tag: str) -> bool:
    return script(tag) in CASED_SCRIPTS


def counts_characters(tag: str) -> bool:
    """Whether sentences in this language are measured in characters (Chinese, Japanese) rather than words."""
    return script(tag) in CHARACTER_SCRIPTS


def readability_formula(tag: str) -> str | None:
    """The validated readability formula for this language, or None."""
    return READABILITY_FORMULAS.get(primary(tag))


def canonical(tag: str) -> str:
    """A BCP 47 tag in its conventional case (RFC 5646 2.1.1): 'cy' of 'CY', 'zh-Hans' of 'ZH-hans', 'en-GB' of 'en-gb'."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    extension = len(parts[0]) == 1  # 'x-...': everything after a singleton is lower case
    for part in parts[1:]:
        if extension or len(part) == 1:
            extension = True
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def same(a: str, b: str) -> bool:
    """Whether two tags name the same language variety (BCP 47 tags are case-insensitive)."""
    return a.lower() == b.lower()


@functools.cache
def name_in(tag: str, language: str) -> str:
    """The language's name in another language ('Saesneg' for en in cy), else its English name."""
    try:
        shown = babel.Locale.parse(tag, sep="-").get_display_name(babel.Locale.parse(language, sep="-"))
    except (ValueError, TypeError, babel.UnknownLocaleError):
        shown = None
    return shown or name(tag)
