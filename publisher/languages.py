"""Languages of text: whether a tag names one we can print, which way its script runs, and bidi isolation."""

from __future__ import annotations

import functools
import re
import unicodedata

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
