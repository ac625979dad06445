"""brand.yaml's texts to patients in the language being rendered, and the "other formats" statement naming what the
catalogue really offers in that language."""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from publisher.core import editions
from publisher.i18n import catalogues as i18n
from publisher.i18n.catalogues import N_
from publisher.outputs import base as outputs
from publisher.source import brand as brands

PLACEHOLDER = "{formats}"
# What the statement may name, marked for the label catalogues: a translation gives each in the form its
# own sentence needs ("print bras" in Welsh, "大字版" in Chinese).
NAMES = (N_("large print"), N_("braille"), N_("audio"), N_("other formats"))


def offered(brand: dict, language: str) -> list[str]:
    """What a reader of `language` can ask for, by the brand's default editions and formats: e.g. large print,
    braille, audio; a format not made in that language (audio not approved, no braille table) is left out."""
    names = [e.label.removesuffix(" edition") for name, e in editions.EDITIONS.items()
             if name in brand.get("editions", []) and name != editions.DEFAULT_EDITION]
    formats = brand.get("formats", ["pdf"])
    return names + [o.offered for o in outputs.REGISTRY.values() if o.offered and o.name in formats
                    and not (o.missing and o.missing("", language, brand))]


def other_formats(brand: dict, language: str, translate: Callable[[str], str] = str) -> str:
    """The brand's other_formats text in `language`, with '{formats}' replaced by what is offered in it."""
    return fill(brands.text(brand, "other_formats", language), offered(brand, language), translate)


def fill(text: str, names: list[str], translate: Callable[[str], str] = str) -> str:
    """`text` with '{formats}' replaced by `names` in the language of `translate`, separated by its list comma."""
    # Without a closing "and": the brand's own sentence goes on ("..., easy read and other languages").
    return text.replace(PLACEHOLDER, translate(", ").join(translate(n) for n in names) or translate("other formats"))


@jinja2.pass_context
def brand_text(context, brand: dict, field: str) -> str:
    """One of brand.yaml's texts in the language being rendered (plain text: the md filter escapes and formats it).

    The "other formats" statement's '{formats}' becomes what the brand offers in that language.
    """
    labels = i18n.current_labels(context)
    if field == "other_formats":
        return other_formats(brand, labels.language, lambda s: str(labels.gettext(s)))
    return brands.text(brand, field, labels.language)
