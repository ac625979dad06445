"""The "other formats" statement: the brand's sentence, naming what the catalogue really offers."""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from publisher.core import editions
from publisher.i18n import catalogues as i18n
from publisher.i18n.catalogues import N_
from publisher.outputs import base as outputs

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


def other_formats(brand: dict, translate: Callable[[str], str] = str) -> str:
    """The brand's other_formats text, in the language of `translate`, with '{formats}' replaced by what is offered."""
    return fill(translate(brand["other_formats"].strip()), offered(brand), translate)


def fill(text: str, names: list[str], translate: Callable[[str], str] = str) -> str:
    """`text` with '{formats}' replaced by `names` in the language of `translate`, separated by its list comma."""
    # Without a closing "and": the brand's own sentence goes on ("..., easy read and other languages").
    return text.replace(PLACEHOLDER, translate(", ").join(translate(n) for n in names) or translate("other formats"))


@jinja2.pass_context
def translate(context, text: str) -> str:
    """brand.yaml's text in the language being rendered (plain text: the md filter escapes and formats it).

    The "other formats" statement's '{formats}' becomes what the brand offers (brand.offered), in that language.
    """
    labels = i18n.current_labels(context)
    translated = str(labels.gettext(text.strip()))
    if PLACEHOLDER not in translated:
        return translated
    brand = context.get("brand")
    names = brand.get("offered", []) if isinstance(brand, dict) else []
    return fill(translated, names, lambda s: str(labels.gettext(s)))
