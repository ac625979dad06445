"""Booklets: a leaflet laid out as an A5 booklet (cover first, About last), imposed for printing or for a print shop.

One A5 render with 3 mm bleed serves both files: the booklet (A4 sheets, two pages a side, trimmed) and the print
shop's single pages (bleed and crop marks). Large print stays on single A4 pages: no booklet is made of it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from publisher.core.editions import DEFAULT_EDITION
from publisher.outputs import bilingual
from publisher.outputs.base import Job, Output
from publisher.outputs.pdf import engine as pdf
from publisher.render import html

PAPER = "a5"
STYLESHEET = "styles/booklet.css"  # the cover on page 1, the About section starting the back pages, no crop marks
BLEED = "styles/print-marks.css"  # 3 mm bleed, the brand band into it (its crop marks are drawn inside the bleed)


def _impose():
    """The imposition module, imported when a booklet is made: it loads pikepdf (20 ms), which no other build needs."""
    from publisher.outputs import impose
    return impose


_last: dict = {}  # the last render, as booklet and print file of one leaflet are made one after the other


def _render(job: Job, document: str, sheets: list[str]) -> bytes:
    """The booklet design's A5 pages, with bleed; rendered once for both files."""
    engine = pdf.engine_for(job.catalogue.project)
    key = (id(engine), hashlib.sha256(document.encode()).hexdigest(), tuple(sheets))
    if key not in _last:
        _last.clear()
        _last[key] = engine.render(job.leaflet.name, document, tuple(sheets), Path(job.leaflet.path).parent).pdf
    return _last[key]


def pages(job: Job) -> bytes:
    """The leaflet's booklet pages: A5 with bleed, before padding and imposition."""
    document = html.render_html(job.catalogue, job.leaflet, PAPER, link_styles=False, edition=job.edition,
                                booklet=True)
    sheets = html.stylesheets(PAPER, job.edition, True, html.direction(job.leaflet)) + [STYLESHEET]
    return _render(job, document, sheets)


def bilingual_pages(job: Job) -> bytes:
    """A translation and its source in one A5 booklet (one language after the other), before imposition."""
    document = bilingual.render_html(job.catalogue, job.leaflet, PAPER, job.edition, True, link_styles=False,
                                     booklet=True)
    return _render(job, document, bilingual.stylesheets(PAPER, job.edition, True) + [STYLESHEET])


def booklet(job: Job) -> bytes:
    """'<stem>.booklet.pdf': A4 sheets to print double-sided (flip on the short edge), fold and staple."""
    return _impose().booklet(pages(job), html.direction(job.leaflet) == "rtl")


def print_file(job: Job) -> bytes:
    """'<stem>.print.pdf': single A5 pages with bleed and crop marks, a multiple of 4, for a print shop."""
    return _impose().print_file(pages(job))


def bilingual_booklet(job: Job) -> bytes:
    """The bilingual edition as a booklet."""
    return _impose().booklet(bilingual_pages(job))


def bilingual_print_file(job: Job) -> bytes:
    """The bilingual edition's pages for a print shop."""
    return _impose().print_file(bilingual_pages(job))


# A5 booklets (--booklet or brand.yaml's `booklet: true`), whatever the build's paper; large print stays on A4.
def _a5(name: str, summary: str, render, proof, label: str, applies=None) -> Output:
    return Output(name, f".{name.replace('-', '.')}.pdf", "application/pdf", summary, editions=(DEFAULT_EDITION,),
                  render=render, proof=proof, paper="a5", paged=True, applies=applies, count_pages=pdf.page_count,
                  label=label)


BOOKLET_OUTPUT = _a5("booklet", "an A5 booklet on A4 sheets: print double-sided (flip on the short edge), fold and staple",
                     booklet, pages, "Print as a booklet")
PRINT_OUTPUT = _a5("print", "single A5 pages, a multiple of 4, with 3 mm bleed and crop marks, for a print shop",
                   print_file, pages, "For a print shop (A5, bleed and crop marks)")
BILINGUAL_BOOKLET_OUTPUT = _a5("bilingual-booklet", "the bilingual edition as an A5 booklet (with booklet and bilingual)",
                               bilingual_booklet, bilingual_pages, "Bilingual, print as a booklet", bilingual.applies)
BILINGUAL_PRINT_OUTPUT = _a5("bilingual-print", "the bilingual edition's A5 pages for a print shop (with print and bilingual)",
                             bilingual_print_file, bilingual_pages, "Bilingual, for a print shop", bilingual.applies)
