"""The "other formats" statement: the brand's sentence, naming what the catalogue really offers."""

from __future__ import annotations

from . import editions, outputs

PLACEHOLDER = "{formats}"


def offered(brand: dict) -> list[str]:
    """What a reader can ask for, by the brand's default editions and formats: e.g. large print, braille, audio."""
    names = [e.label.removesuffix(" edition") for name, e in editions.EDITIONS.items()
             if name in brand.get("editions", []) and name != editions.DEFAULT_EDITION]
    formats = brand.get("formats", ["pdf"])
    return names + [o.offered for o in outputs.REGISTRY.values() if o.offered and o.name in formats]


def other_formats(brand: dict) -> str:
    """The brand's other_formats text with '{formats}' replaced by what is offered, comma-separated."""
    text = brand["other_formats"]
    # Comma-separated without a closing "and": the brand's own sentence goes on ("..., easy read and other languages").
    return text.replace(PLACEHOLDER, ", ".join(offered(brand)) or "other formats")
