"""Outputs: every format a leaflet is published in, in one registry.

Naming, the manifest, incremental rebuilds, removal of deleted leaflets,
temporary-file clean-up and reports go through this registry, and email
attaches its "pdf" output. A new format is one module with a render function
and one `register(...)` line at the foot of this file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from .editions import DEFAULT_EDITION, EDITIONS
from .errors import UsageError

if TYPE_CHECKING:
    from .content import Catalogue, Leaflet


class Unavailable(Exception):
    """This format cannot be made for this leaflet (e.g. no braille table for its language): left out, with a note."""


@dataclasses.dataclass(frozen=True)
class Job:
    """One output to make: a validated leaflet in one edition, with the build's print settings."""

    catalogue: Catalogue
    leaflet: Leaflet
    edition: str
    paper: str
    marks: bool = False


@dataclasses.dataclass(frozen=True)
class Output:
    """One format: its name, file suffix, media type, the editions it is made in and how to make it."""

    name: str  # as written in brand.yaml's formats and --format
    suffix: str
    media_type: str
    summary: str  # for --help and the README
    editions: tuple = tuple(EDITIONS)
    # Made in this process from a Job; None: made by the PDF render workers,
    # which keep WeasyPrint's fonts and parsed stylesheets between leaflets.
    render: Callable[[Job], bytes] | None = None
    paged: bool = False  # has pages (reports give their count)
    offered: str = ""  # its name in the brand's "other formats" statement, e.g. "braille" (statement.py)
    # (leaflet name, language, brand) -> why it cannot be made here (no braille table, no voice, audio not approved
    # for the language), or None; `check` says so.
    missing: Callable[[str, str, dict | None], str | None] | None = None
    # The versions of the programs that make it (not WeasyPrint's: the manifest has those), so an upgrade rebuilds.
    engine: Callable[[], str] | None = None
    label: str = ""  # how the catalogue site names it to readers, e.g. "PDF"; empty: the name in capitals
    # (brand, leaflet file stem) -> whether this leaflet has this format at all (bilingual: translations only);
    # None: every leaflet. Others are not planned for it, and nothing is reported.
    applies: Callable[[dict | None, str], bool] | None = None
    # The made file's bytes -> its page count, for the report and manifest of a paged format made in this process.
    count_pages: Callable[[bytes], int] | None = None
    # The pages the preflight reads when the made file imposes them (booklets: the A5 pages before padding and
    # sheets, whose blanks are meant to be blank); None: the made file itself.
    proof: Callable[[Job], bytes] | None = None
    paper: str = ""  # made on this paper whatever the build's (booklets: A5); empty: the build's

    def made_for(self, brand: dict | None, stem: str) -> bool:
        """Whether a leaflet file (by its stem) has this format: an Easy Read only its own (pdf, html, preview)."""
        from .easyread import FORMATS, is_easy_read_stem
        if is_easy_read_stem(stem) and self.name not in FORMATS:
            return False
        return self.applies is None or self.applies(brand, stem)

    def file_name(self, stem: str, edition: str = DEFAULT_EDITION, language: str | None = None) -> str:
        """The output's file name: '<stem>[.<language>][.<edition>]<suffix>', the standard edition unnamed."""
        parts = [stem] + ([language] if language else []) + ([edition] if edition != DEFAULT_EDITION else [])
        return ".".join(parts) + self.suffix


REGISTRY: dict[str, Output] = {}


def register(output: Output) -> Output:
    """Add a format to the registry (by its name)."""
    REGISTRY[output.name] = output
    return output


def chosen(names) -> list[Output]:
    """The outputs named, in registry order; an unknown name is a usage error listing the known ones."""
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UsageError(f"Error: unknown format '{unknown[0]}' - choose from {', '.join(REGISTRY)}")
    return [o for o in REGISTRY.values() if o.name in names]


def engines() -> dict:
    """Every registered format's engine versions, for the manifest: the same whatever a build's --format."""
    return {o.name: o.engine() for o in REGISTRY.values() if o.engine}


def suffixes() -> list[str]:
    """Every file suffix an output may have, longest first (".preview.html" before ".html")."""
    return sorted({o.suffix for o in REGISTRY.values()}, key=len, reverse=True)


def _preview(job: Job) -> bytes:
    from . import html
    return html.preview(job.catalogue, job.leaflet, job.paper, job.edition, job.marks).encode("utf-8")


def _web(job: Job) -> bytes:
    from . import web
    return web.render_web(job.catalogue, job.leaflet)


register(Output("pdf", ".pdf", "application/pdf", "printable PDF, tagged PDF/UA-1", paged=True, label="PDF"))
register(Output("html", ".html", "text/html", "accessible web page, self-contained", editions=(DEFAULT_EDITION,),
                render=_web, label="Web page"))
register(Output("preview", ".preview.html", "text/html", "the print layout as HTML, for a browser", render=_preview,
                label="Print layout (HTML)"))


def _brf(job: Job) -> bytes:
    from . import braille
    return braille.brf(job)


def _pef(job: Job) -> bytes:
    from . import braille
    return braille.pef(job)


def _no_braille(name: str, language: str, brand: dict | None = None) -> str | None:
    from . import braille
    return braille.missing(name, language)


def _no_voice(name: str, language: str, brand: dict | None = None) -> str | None:
    from . import audio
    return audio.missing(name, language, brand)


def _louis_version() -> str:
    from . import louis
    return louis.version() if louis.available() else "none"


def _speech_versions() -> str:
    from . import audio
    return audio.versions()


def _mp3(job: Job) -> bytes:
    from . import audio
    return audio.mp3(job)


register(Output("brf", ".brf", "application/x-brf", "braille, UEB grade 2 (or the language's table), 40 x 25 pages",
                editions=(DEFAULT_EDITION,), render=_brf, offered="braille", missing=_no_braille, engine=_louis_version,
                label="Braille (BRF)"))
register(Output("pef", ".pef", "application/x-pef+xml", "the braille pages as PEF, for embossers",
                editions=(DEFAULT_EDITION,), render=_pef, missing=_no_braille, engine=_louis_version,
                label="Braille for embossers (PEF)"))
register(Output("mp3", ".mp3", "audio/mpeg", "audio read by espeak-ng, a chapter a section", editions=(DEFAULT_EDITION,),
                render=_mp3, offered="audio", missing=_no_voice, engine=_speech_versions,
                label="Audio (MP3)"))


def _transcript(job: Job) -> bytes:
    from . import audio
    return audio.transcript(job)


# Beside the MP3: the words it speaks, a text alternative to the audio and how tests check nothing was left unsaid.
# Made where the MP3 is (same approval and voice), so no transcript stands for audio a leaflet does not have.
register(Output("transcript", ".transcript.txt", "text/plain", "the audio's words as text, a paragraph a chapter",
                editions=(DEFAULT_EDITION,), render=_transcript, missing=_no_voice, label="Audio transcript (text)"))


def _bilingual(job: Job) -> bytes:
    from . import bilingual
    return bilingual.render(job)


def _bilingual_applies(brand: dict | None, stem: str) -> bool:
    from . import bilingual
    return bilingual.applies(brand, stem)


# Made for a translation into one of brand.yaml's `bilingual` languages, with the PDF: '<stem>.cy.bilingual.pdf'.
def _pdf_pages(data: bytes) -> int:
    import pypdfium2
    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


register(Output("bilingual", ".bilingual.pdf", "application/pdf", "a leaflet and its translation in one PDF "
                "(brand.yaml's bilingual), tagged PDF/UA-1", render=_bilingual, paged=True,
                applies=_bilingual_applies, count_pages=_pdf_pages,
                label="Bilingual (PDF)"))


def _booklet_maker(name: str) -> Callable[[Job], bytes]:
    def make(job: Job) -> bytes:
        from . import booklet
        return getattr(booklet, name)(job)
    return make


# A5 booklets (--booklet or brand.yaml's `booklet: true`), whatever the build's paper; large print stays on A4.
register(Output("booklet", ".booklet.pdf", "application/pdf", "an A5 booklet on A4 sheets: print double-sided "
                "(flip on the short edge), fold and staple", editions=(DEFAULT_EDITION,), render=_booklet_maker("booklet"),
                proof=_booklet_maker("pages"), paper="a5", paged=True, count_pages=_pdf_pages,
                label="Print as a booklet"))
register(Output("print", ".print.pdf", "application/pdf", "single A5 pages, a multiple of 4, with 3 mm bleed and crop "
                "marks, for a print shop", editions=(DEFAULT_EDITION,), render=_booklet_maker("print_file"),
                proof=_booklet_maker("pages"), paper="a5", paged=True, count_pages=_pdf_pages,
                label="For a print shop (A5, bleed and crop marks)"))
register(Output("bilingual-booklet", ".bilingual.booklet.pdf", "application/pdf", "the bilingual edition as an A5 "
                "booklet (with booklet and bilingual)", editions=(DEFAULT_EDITION,),
                render=_booklet_maker("bilingual_booklet"), proof=_booklet_maker("bilingual_pages"), paper="a5",
                paged=True, applies=_bilingual_applies,
                count_pages=_pdf_pages, label="Bilingual, print as a booklet"))
register(Output("bilingual-print", ".bilingual.print.pdf", "application/pdf", "the bilingual edition's A5 pages for "
                "a print shop (with print and bilingual)", editions=(DEFAULT_EDITION,),
                render=_booklet_maker("bilingual_print_file"), proof=_booklet_maker("bilingual_pages"), paper="a5",
                paged=True, applies=_bilingual_applies,
                count_pages=_pdf_pages, label="Bilingual, for a print shop"))
