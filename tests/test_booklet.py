"""A5 booklets and print shop files (build.py --booklet): page order on the sheets, padding, boxes, crop marks."""

from __future__ import annotations

import re

import pdfplumber
import pikepdf
import pytest
from conftest import MINIMAL
from test_bilingual import bilingual  # noqa: F401 (the fixture)
from test_fonts import foreign_fonts
from test_pdfua import page_problems, pdfua_problems

from publisher.outputs import impose
from publisher.outputs.pdf import engine

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)
A4_LANDSCAPE = (297 * MM, 210 * MM)


def numbered_pages(count: int, back: int | None = None) -> bytes:
    """An A5 PDF with 3 mm bleed, as WeasyPrint makes a leaflet's, its pages printing 'p1', 'p2'...; page `back`
    (1-based) starts the back cover."""
    pages = "".join(f'<section{" id=back-cover" if n == back else ""}>p{n}</section>' for n in range(1, count + 1))
    # WeasyPrint as the build imports it (engine._weasyprint): a plain `import weasyprint` while collecting ran
    # ldconfig, gcc and ld 86 times in every test process (docs/weasyprint-workarounds.md, workaround 11).
    return engine._weasyprint().HTML(string=f"<style>@page {{ size: A5; bleed: 3mm }} section {{ break-after: "
                                            f"page; font-size: 40pt }}</style>{pages}").write_pdf()


def halves(path) -> list[tuple[str, str]]:
    """The text of the left and right half of each side of each sheet: what lands on each A5 page when folded."""
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            middle = page.width / 2
            out.append(tuple(page.crop(box).extract_text().strip()
                             for box in ((0, 0, middle, page.height), (middle, 0, page.width, page.height))))
    return out


# Read off a folded booklet: side 1 of the first sheet is the outside (back cover left, front cover right).
ORDER = {
    4: [("p4", "p1"), ("p2", "p3")],
    8: [("p8", "p1"), ("p2", "p7"), ("p6", "p3"), ("p4", "p5")],
    12: [("p12", "p1"), ("p2", "p11"), ("p10", "p3"), ("p4", "p9"), ("p8", "p5"), ("p6", "p7")],
}


@pytest.mark.parametrize("count", ORDER)
def test_pages_are_in_saddle_stitch_order(tmp_path, count):
    path = tmp_path / "booklet.pdf"
    path.write_bytes(impose.booklet(numbered_pages(count)))
    assert halves(path) == ORDER[count]


def test_a_right_to_left_booklet_is_bound_on_the_right(tmp_path):
    path = tmp_path / "booklet.pdf"
    path.write_bytes(impose.booklet(numbered_pages(8), right_to_left=True))
    assert halves(path) == [("p1", "p8"), ("p7", "p2"), ("p3", "p6"), ("p5", "p4")]


def test_blank_pages_pad_to_a_multiple_of_4_before_the_back_cover(tmp_path):
    booklet, shop = tmp_path / "booklet.pdf", tmp_path / "print.pdf"
    source = numbered_pages(5, back=5)
    booklet.write_bytes(impose.booklet(source))
    shop.write_bytes(impose.print_file(source))
    # 5 pages make 8: pages 1-4, three blanks, the back cover.
    assert halves(booklet) == [("p5", "p1"), ("p2", ""), ("", "p3"), ("p4", "")]
    with pdfplumber.open(shop) as pdf:
        assert [page.extract_text().strip() for page in pdf.pages] == ["p1", "p2", "p3", "p4", "", "", "", "p5"]
        blank = pdf.pages[4]
        # Truly blank: no text, no picture, nothing but the crop marks outside the trimmed page.
        assert not blank.chars and not blank.images and not blank.rects and len(blank.lines) == 8
    with pdfplumber.open(booklet) as pdf:
        sheet = pdf.pages[1]
        assert not any(sheet.crop((sheet.width / 2, 0, sheet.width, sheet.height)).objects.values())


def test_a_back_cover_of_two_pages_keeps_both_last(tmp_path):
    path = tmp_path / "print.pdf"
    path.write_bytes(impose.print_file(numbered_pages(6, back=5)))
    with pdfplumber.open(path) as pdf:
        assert [page.extract_text().strip() for page in pdf.pages] == ["p1", "p2", "p3", "p4", "", "", "p5", "p6"]


def rounded(box) -> list[float]:
    return [round(float(v), 2) for v in box]


def test_sheets_are_a4_landscape_printed_on_both_sides_flipped_on_the_short_edge(tmp_path):
    path = tmp_path / "booklet.pdf"
    path.write_bytes(impose.booklet(numbered_pages(8)))
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 4
        for page in pdf.pages:
            assert rounded(page.mediabox) == rounded([0, 0, *A4_LANDSCAPE])
        preferences = pdf.Root.ViewerPreferences
        assert preferences.Duplex == pikepdf.Name.DuplexFlipShortEdge
        assert preferences.PrintScaling == pikepdf.Name("/None")


def test_print_file_has_trim_bleed_and_room_for_the_marks(tmp_path):
    path = tmp_path / "print.pdf"
    path.write_bytes(impose.print_file(numbered_pages(3)))
    bleed = 3 * MM
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 4
        for page in pdf.pages:
            trim, bleed_box, media = (rounded(page.obj[name]) for name in ("/TrimBox", "/BleedBox", "/MediaBox"))
            assert trim == rounded([0, 0, *A5])
            assert bleed_box == rounded([-bleed, -bleed, A5[0] + bleed, A5[1] + bleed])
            assert media[0] < bleed_box[0] and media[1] < bleed_box[1]
            assert media[2] > bleed_box[2] and media[3] > bleed_box[3]


def segments(page: pikepdf.Page) -> list[tuple[float, float, float, float]]:
    """Every straight line the page's content draws (x0, y0, x1, y1), in the page's own coordinates."""
    found, start = [], None
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "m":
            start = [float(v) for v in operands]
        elif str(operator) == "l" and start:
            end = [float(v) for v in operands]
            found.append((*start, *end))
            start = end
    return found


def near(value: float, lines: tuple) -> bool:
    """On one of these lines, to a thousandth of a point (the precision the content stream is written in)."""
    return any(abs(value - line) < 0.001 for line in lines)


def test_crop_marks_are_on_the_trim_lines_outside_the_bleed(tmp_path):
    path = tmp_path / "print.pdf"
    path.write_bytes(impose.print_file(numbered_pages(3)))
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:  # the leaflet's pages and the blank one alike
            x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
            b0, c0, b1, c1 = (float(v) for v in page.obj.BleedBox)
            marks = segments(page)
            assert len(marks) == 8
            for ax, ay, bx, by in marks:
                if ay == by:  # horizontal: on the top or bottom trim line, left or right of the bleed
                    assert near(ay, (y0, y1)) and (max(ax, bx) < b0 or min(ax, bx) > b1)
                else:  # vertical: on the left or right trim line, below or above the bleed
                    assert ax == bx and near(ax, (x0, x1)) and (max(ay, by) < c0 or min(ay, by) > c1)


def test_imposition_is_byte_identical_and_fast(tmp_path):
    import time
    source = numbered_pages(40)
    started = time.perf_counter()
    first = impose.booklet(source)
    seconds = time.perf_counter() - started
    assert first == impose.booklet(source)
    assert impose.print_file(source) == impose.print_file(source)
    assert seconds < 1, seconds


# -- the whole build -----------------------------------------------------------------------------------------

LONGER = MINIMAL.replace("""sections:
  - heading: What to do
    body: Rest your ankle and keep it raised when you can.
""", "sections:\n" + "".join(f"""  - heading: Step {n}
    body: |
      {"Rest your ankle and keep it raised when you can. " * 12}
""" for n in range(1, 5)))


def footer_numbers(text: str) -> str:
    """'Page 3 of 5' -> '3'; the back cover -> 'back'; a blank page -> ''."""
    found = re.search(r"Page (\d+) of \d+", text)
    if found:
        return found.group(1)
    return "back" if "Review due" in text else ("?" if text else "")


def test_build_booklet_makes_both_files_in_order_with_the_cover_first(project, capsys):
    project.leaflet("ankle", LONGER)
    code, out, err = project.run("--booklet", "--format", "pdf", "--edition", "standard", "--edition",
                                 "large-print", capsys=capsys)
    assert code == 0, err
    dist = project.root / "dist"
    assert "built dist/ankle.booklet.pdf" in out and "built dist/ankle.print.pdf" in out
    # Large print stays on single A4 pages: no booklet of it.
    assert sorted(p.name for p in dist.glob("ankle*.pdf")) == [
        "ankle.booklet.pdf", "ankle.large-print.pdf", "ankle.pdf", "ankle.print.pdf"]
    sides = [tuple(footer_numbers(half) for half in side) for side in halves(dist / "ankle.booklet.pdf")]
    with pdfplumber.open(dist / "ankle.print.pdf") as pdf:
        pages = [page.extract_text() for page in pdf.pages]
    count = len(pages)
    assert count % 4 == 0
    own = max(int(n) for n in re.findall(r"Page \d+ of (\d+)", "\n".join(pages)))
    # The leaflet's own pages, counted and numbered without the blanks; then the blanks, then the back cover.
    expected = [str(n) for n in range(1, own)] + [""] * (count - own) + ["back"]
    assert [footer_numbers(text) for text in pages] == expected
    order = [side for sheet in range(count // 4)
             for side in ((count - 2 * sheet, 2 * sheet + 1), (2 * sheet + 2, count - 2 * sheet - 1))]
    assert sides == [(expected[left - 1], expected[right - 1]) for left, right in order]
    # The front cover is the right half of the first side: brand, title and summary, and no more.
    cover = halves(dist / "ankle.booklet.pdf")[0][1]
    assert "Looking after a sprained ankle" in cover and "Most sprains get better" in cover
    assert "Step 1" not in cover
    back = pages[-1]
    assert "Review due 10 January 2028" in back and "TST-0001 v1.0" in back
    assert foreign_fonts(dist / "ankle.print.pdf") == [] and foreign_fonts(dist / "ankle.booklet.pdf") == []
    # The print shop's file keeps the leaflet's tags: blanks, marks and back cover leave it accessible PDF/UA.
    assert pdfua_problems(dist / "ankle.print.pdf") == [] and page_problems(dist / "ankle.print.pdf") == []


def test_booklets_rebuild_byte_identical(project, capsys):
    project.leaflet("ankle")
    assert project.run("--booklet", "--format", "pdf", capsys=capsys)[0] == 0
    dist = project.root / "dist"
    first = {name: (dist / name).read_bytes() for name in ("ankle.booklet.pdf", "ankle.print.pdf")}
    assert project.run("--booklet", "--format", "pdf", "--force", "--out", str(project.root / "again"),
                       capsys=capsys)[0] == 0
    assert first == {name: (project.root / "again" / name).read_bytes() for name in first}


def test_the_brand_can_make_booklets_with_every_build(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "booklet: true\n")
    project.leaflet("ankle")
    code, out, err = project.run("--format", "pdf", capsys=capsys)
    assert code == 0, err
    assert sorted(p.name for p in (project.root / "dist").glob("ankle*.pdf")) == [
        "ankle.booklet.pdf", "ankle.pdf", "ankle.print.pdf"]
    # The catalogue offers it to print as a booklet, and the print shop's file.
    catalogue = (project.root / "dist" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="ankle\.booklet\.pdf" hreflang="en-GB">Print as a booklet, standard edition</a>', catalogue)
    assert re.search(r'<a href="ankle\.print\.pdf" hreflang="en-GB">For a print shop \(A5, bleed and crop marks\), '
                     r'standard edition</a>', catalogue)


def test_a_bilingual_edition_becomes_a_booklet_too(bilingual, capsys):  # noqa: F811 (the fixture imported above)
    code, out, err = bilingual.run("--booklet", "--format", "pdf", "--edition", "standard", capsys=capsys)
    assert code == 0, err
    dist = bilingual.root / "dist"
    assert sorted(p.name for p in dist.glob("*booklet.pdf")) == [
        "x.booklet.pdf", "x.cy.bilingual.booklet.pdf", "x.cy.booklet.pdf"]
    with pdfplumber.open(dist / "x.cy.bilingual.print.pdf") as pdf:
        pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) % 4 == 0
    # The back cover gives the review date in each language, a line each, not the pair twice over.
    back = pages[-1].splitlines()
    assert "Adolygiad erbyn 10 Ionawr 2028" in back and "Review due 10 January 2028" in back
    assert "Page" not in pages[-1]


def test_a_bad_booklet_setting_is_an_error_at_its_line(project, capsys):
    brand = project.root / "brand.yaml"
    lines = brand.read_text().count("\n")
    brand.write_text(brand.read_text() + "booklet: sometimes\n")
    project.leaflet("ankle")
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.startswith(f"brand.yaml:{lines + 1}:10: booklet: expected true or false, got 'sometimes' - write true or false\n")
