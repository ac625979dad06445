"""The "other formats" statement: the brand's sentence, naming what the catalogue really offers."""

from __future__ import annotations

from collections.abc import Callable

from . import editions, outputs
from .i18n import N_

PLACEHOLDER = "{formats}"
# What the statement may name, marked for the label catalogues: a translation gives each in the form its
# own sentence needs ("print bras" in Welsh, "大字版" in Chinese).
NAMES = (N_("large print"), N_("braille"), N_("audio"), N_("other formats"))


def offered(brand: dict) -> list[str]:
    """What a reader can ask for, by the brand's default editions and formats: e.g. large print, braille, audio."""
    names = [e.label.removesuffix(" edition") for name, e in editions.EDITIONS.items()
             if name in brand.get("editions", []) and name != editions.DEFAULT_EDITION]
    formats = brand.get("formats", ["pdf"])
    return names + [o.offered for o in outputs.REGISTRY.values() if o.offered and o.name in formats]


def other_formats(brand: dict, gettext: Callable[[str], str] = str) -> str:
    """The brand's other_formats text, translated by `gettext`, with '{formats}' replaced by what is offered."""
    return fill(gettext(brand["other_formats"].strip()), offered(brand), gettext)


def fill(text: str, names: list[str], gettext: Callable[[str], str] = str) -> str:
    """`text` with '{formats}' replaced by `names` in the language of `gettext`, separated by its list comma."""
    # Without a closing "and": the brand's own sentence goes on ("..., easy read and other languages").
    return text.replace(PLACEHOLDER, gettext(", ").join(gettext(n) for n in names) or gettext("other formats"))
