"""Page properties of every shipped and fixture leaflet, on every paper and in every edition.

What a reader would notice on the printed page: text running past the side
margins, a heading stranded at the foot of a page, a page left mostly empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfutil import HEADING_PT, pages

from publisher.outputs.pdf import preflight

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "data" / "pages"
PAPERS = ("a4", "letter", "a5")
EDITIONS = ("standard", "large-print")
SHIPPED = sorted(p.stem for p in (REPO / "handouts").glob("*.yaml"))
FIXTURE_STEMS = sorted(p.stem for p in FIXTURES.glob("*.yaml"))
# A page may end early only for a block that must stay whole (a card, a callout
# with its QR code, a table row, a heading with its first lines) and did not
# fit. In large print on A5 and Letter such a block is often half a page, so
# shipped leaflets may leave up to 65% of a page; the fixtures are built of
# such blocks on purpose. The figures per page are recorded in the JUnit report.
MAX_BLANK = {"shipped": 0.65, "fixture": 0.8}
EASY_READ_HEADING_PT = {"standard": 22, "large-print": 26}  # styles/easy-read.css

def built(on_paper, paper: str, edition: str, stem: str) -> Path:
    """One leaflet's PDF on one paper in one edition, from the run's build of that paper (conftest.on_paper)."""
    out, _ = on_paper(paper)
    return out / (f"{stem}.pdf" if edition == "standard" else f"{stem}.{edition}.pdf")


CASES = [pytest.param(paper, edition, stem, kind, id=f"{paper}-{edition}-{stem}")
         for paper in PAPERS for edition in EDITIONS
         for kind, stems in (("shipped", SHIPPED), ("fixture", FIXTURE_STEMS)) for stem in stems]


@pytest.mark.parametrize("paper, edition, stem, kind", CASES)
def test_page_properties(on_paper, record_property, paper, edition, stem, kind):
    """No glyph outside the side margins, no heading last on a page, no page left mostly blank."""
    path = built(on_paper, paper, edition, stem)
    found = pages(path, paper, edition)
    record_property("blank_fractions", " ".join(f"{p.blank:.2f}" for p in found))
    assert found and all(p.chars > 50 for p in found), "no text was read from some page"
    outside = [(p.number, *glyph) for p in found for glyph in p.outside]
    assert outside == [], "glyphs outside the side margins"
    # An Easy Read leaflet's text is as large as others' small headings: its smallest heading is its h2.
    heading = EASY_READ_HEADING_PT[edition] if stem.endswith(".easy-read") else HEADING_PT[edition]
    stranded = [(p.number, p.last_line) for p in found if p.last_size >= heading - 0.5]
    assert stranded == [], "a heading is the last line of a page"
    # An urgent callout is never split (docs/preflight.md): the page before one that did not fit may be emptier.
    before_urgent = {page.number - 1 for page in preflight.read(path.read_bytes()) if preflight._kept(page)}
    blank = [(p.number, round(p.blank, 2)) for p in found[:-1]
             if p.blank > MAX_BLANK[kind] and p.number not in before_urgent]
    assert blank == [], f"pages mostly empty (per page: {[round(p.blank, 2) for p in found]})"
