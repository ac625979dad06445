"""Settings: the brand's defaults and the command line's choices, resolved once for a run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from publisher.core import editions
from publisher.core.errors import UsageError
from publisher.outputs import base as outputs

BOOKLET = ("booklet", "print")  # the formats --booklet and brand.yaml's `booklet: true` add
OUT = "dist"  # the published folder, inside the project, unless --out says otherwise (build.py publish)
DRAFTS = "drafts"  # where a plain build and the preview server write drafts: never served to patients


def published(project, folder: Path) -> bool:
    """Whether `folder` is the project's published folder (what the desk and the catalogue serve)."""
    return Path(folder).resolve() == (Path(project.root) / OUT).resolve()


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a run makes and where: one object for build, check and email."""

    out: Path
    paper: str
    editions: tuple
    formats: tuple  # of outputs.Output

    def plan(self) -> list:
        """Every output to make of one leaflet, (format, edition), in a stable order."""
        return [(output, edition) for output in self.formats for edition in self.editions
                if edition in output.editions]


def resolve(project, brand: dict | None = None, out: Path | None = None, paper: str | None = None,
            editions_: tuple | None = None, formats: tuple | None = None, add_formats: tuple = ()) -> Settings:
    """The command line's choices, else the brand's, else the defaults."""
    brand = brand or {}
    names = list(formats or brand.get("formats", ["pdf"])) + list(add_formats)
    if "mp3" in names:  # the audio's words come with it, as a text alternative (and for checking it says everything)
        names.append("transcript")
    if brand.get("bilingual") and "pdf" in names:  # the brand's bilingual edition comes with its PDFs
        names.append("bilingual")
    if "bilingual" in names and brand and not brand.get("bilingual"):
        raise UsageError("Error: the bilingual format needs brand.yaml's bilingual setting (its two languages "
                         "and layout) - add it as the README's 'Bilingual Welsh/English edition' shows")
    if brand.get("booklet"):  # the brand's A5 booklets and print shop files, with every build
        names += list(BOOKLET)
    if "bilingual" in names:  # the bilingual edition is made as a booklet too, when booklets are
        names += [f"bilingual-{name}" for name in BOOKLET if name in names]
    return Settings(
        out=Path(out) if out is not None else Path(project.root) / OUT,
        paper=paper or brand.get("paper", editions.DEFAULT_PAPER),
        editions=tuple(editions_ or brand.get("editions", [editions.DEFAULT_EDITION])),
        formats=tuple(outputs.chosen(names)),
    )
