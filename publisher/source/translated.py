"""Texts a project file gives in English and, under `translations:`, in other languages (brand.yaml, people.yaml)."""

from __future__ import annotations

from publisher.i18n import catalogues as i18n
from publisher.i18n import languages


def lookup(translations: dict, tag: str) -> str | None:
    """The key of `translations` for a leaflet language, most specific first (BCP 47 lookup: zh-Hans-CN, zh-Hans, zh)."""
    keys = {languages.canonical(k): k for k in translations}
    parts = languages.canonical(tag).split("-")
    for end in range(len(parts), 0, -1):
        if "-".join(parts[:end]) in keys:
            return keys["-".join(parts[:end])]
    return None


def texts(data: dict, fields: tuple, tag: str) -> dict:
    """`data`'s texts among `fields` in one language: its own for English, else its translations entry's."""
    if i18n.is_source(tag):
        return {field: data[field] for field in fields if data.get(field)}
    translations = data.get("translations") or {}
    key = lookup(translations, tag)
    return {field: text for field, text in translations[key].items() if field in fields} if key is not None else {}
