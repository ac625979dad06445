"""The contents list's page numbers: written in after one layout of each page, the same PDF as WeasyPrint's passes."""

from pathlib import Path

import pytest

from pdfutil import page_texts
from publisher.outputs.pdf import pagenumbers, engine as pdf
from publisher.render import html
from publisher.source import content

REPO = Path(__file__).resolve().parent.parent


def contents_document(digits: str, pages: int) -> str:
    """A leaflet-like document: a contents list on page one pointing at a section on each of `pages` pages."""
    font = (REPO / "styles" / "fonts" / "AtkinsonHyperlegibleNext-Regular.ttf").as_uri()
    entries = "".join(f'<li><a href="#s{i}">Section {i}</a></li>' for i in range(1, pages + 1))
    sections = "".join(f'<section id="s{i}"><h2>Section {i}</h2><p>Words.</p></section>' for i in range(1, pages + 1))
    return f"""<!DOCTYPE html><html lang="en"><head><style>
@font-face {{ font-family: Atkinson; src: url({font}); }}
@page {{ size: A5; @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-family: Atkinson; }} }}
body {{ font-family: Atkinson; }}
section {{ break-before: page; }}
.contents a::after {{ content: leader(". ") " page " target-counter(attr(href), page);
                     font-variant-numeric: {digits}; }}
</style></head><body><nav class="contents"><ol>{entries}</ol></nav>{sections}</body></html>"""


def render(document: str, passes: bool = False) -> pdf.Rendered:
    engine = pdf.Engine(content.Project(REPO))  # the fonts are the project's
    if passes:
        with pagenumbers.weasyprint_passes():
            return engine.render("x", document)
    return engine.render("x", document)


def test_tabular_page_numbers_are_written_in_after_one_layout_a_page(tmp_path):
    rendered = render(contents_document("tabular-nums", 3))
    (tmp_path / "x.pdf").write_bytes(rendered.pdf)
    first = page_texts(tmp_path / "x.pdf")[0]
    entries = [line for line in first.splitlines() if line.startswith("Section")]
    assert [(line.split()[:2], line.split()[-2:]) for line in entries] == [
        (["Section", "1"], ["page", "2"]), (["Section", "2"], ["page", "3"]), (["Section", "3"], ["page", "4"])]
    assert (rendered.pages, rendered.layouts) == (4, 4)
    assert rendered.pdf == render(contents_document("tabular-nums", 3), passes=True).pdf


@pytest.mark.parametrize("digits, pages", [("proportional-nums", 3), ("tabular-nums", 10)])
def test_numbers_of_another_width_get_weasyprint_s_passes(tmp_path, digits, pages):
    """Proportional digits, or a two-digit page number where "0" stood: the page is laid out again, as before."""
    document = contents_document(digits, pages)
    rendered = render(document)
    (tmp_path / "x.pdf").write_bytes(rendered.pdf)
    first = page_texts(tmp_path / "x.pdf")[0]
    assert f"Section {pages} " in first and first.splitlines()[pages - 1].endswith(f" page {pages + 1}")
    assert rendered.layouts > rendered.pages == pages + 1
    assert rendered.pdf == render(document, passes=True).pdf


@pytest.mark.parametrize("stem", ["adhd-neurotransmitter-imaging", "after-your-wisdom-teeth-are-removed.ar"])
def test_shipped_leaflets_are_laid_out_once_a_page_and_unchanged(stem):
    project = content.Project(REPO)
    catalogue = content.load_catalogue(project, [project.handouts / f"{stem}.yaml"])
    leaflet, = catalogue.leaflets
    document = html.render_html(catalogue, leaflet, "a4", link_styles=False)
    styles = tuple(html.stylesheets("a4", "standard", False, html.direction(leaflet)))
    engine = pdf.Engine(project)
    rendered = engine.render(leaflet.name, document, styles, leaflet.path.parent)
    with pagenumbers.weasyprint_passes():
        again = engine.render(leaflet.name, document, styles, leaflet.path.parent)
    assert rendered.layouts == rendered.pages < again.layouts
    assert rendered.pdf == again.pdf
