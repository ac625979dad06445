"""Print-ready and accessible: paper sizes, large print, print marks, QR codes, PDF/UA, fit and contrast checks."""

import re
import statistics

import pypdf
import pypdfium2
import pytest
import yaml
import zxingcpp

from conftest import MINIMAL, REPO, TODAY, normalise
from pdfutil import font_sizes, fonts, page_texts, space_advances

SIZES = {"a4": (595.3, 841.9), "letter": (612.0, 792.0), "a5": (419.5, 595.3)}


def size(box):
    return round(float(box.width), 1), round(float(box.height), 1)


@pytest.mark.parametrize("paper", SIZES)
def test_page_size_for_each_paper(project, capsys, paper):
    project.leaflet("ankle")
    code, out, err = project.run("--paper", paper, capsys=capsys)
    assert code == 0 and err == ""
    for page in pypdf.PdfReader(project.root / "dist" / "ankle.pdf").pages:
        assert size(page.mediabox) == SIZES[paper]


def test_print_marks_add_bleed_and_the_band_runs_into_it(project, capsys):
    project.leaflet("ankle")
    assert project.run("--print-marks", capsys=capsys)[0] == 0
    page = pypdf.PdfReader(project.root / "dist" / "ankle.pdf").pages[0]
    bleed = 3 / 25.4 * 72
    assert size(page.mediabox) == (round(595.2756 + 2 * bleed, 1), round(841.8898 + 2 * bleed, 1))
    assert size(page.trimbox) == SIZES["a4"]
    # The brand colour reaches the very edge of the bleed, top left.
    image = pypdfium2.PdfDocument(str(project.root / "dist" / "ankle.pdf"))[0].render(scale=1).to_pil().convert("RGB")
    assert image.getpixel((1, 1)) == (0x1d, 0x5c, 0x63)


SHIPPED = ["adhd-neurotransmitter-imaging", "looking-after-your-back", "managing-type-2-diabetes-day-to-day"]
EVERY_PDF = [stem + suffix for stem in SHIPPED for suffix in ("", ".large-print")]
# edition -> (smallest text allowed, body text), in points
MINIMUM = {"standard": (12, 12), "large-print": (16, 18)}


@pytest.mark.parametrize("stem", EVERY_PDF)
def test_no_text_below_the_minimum_size(shipped, stem):
    smallest, body = MINIMUM["large-print" if stem.endswith(".large-print") else "standard"]
    sizes = font_sizes(shipped[stem].output)
    assert len(sizes) > 1000
    assert min(sizes) >= smallest
    assert statistics.mode(sizes) == body


CARDS_AND_CALLOUTS = MINIMAL.replace("    body: Rest", """\
    image: {file: images/dot.svg, alt: A dot, caption: Caption under the picture.}
    cards:
      - {heading: Card heading one, body: Card body one.}
      - {heading: Card heading two, body: Card body two.}
    callouts:
      - {kind: urgent, body: Urgent callout body.}
      - {kind: action, heading: Action callout heading, body: "Book at [the clinic](https://example.org/book)."}
      - {kind: note, body: Note callout body.}
    body: Rest""").replace("sources:", """further_reading:
  - {title: Further reading title, url: "https://www.nhs.uk/", note: Further reading note.}
sources:""")


@pytest.mark.parametrize("edition", MINIMUM)
def test_cards_callouts_and_captions_keep_the_minimum_size(project, capsys, edition):
    project.write("handouts/images/dot.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"/>')
    project.leaflet("boxes", CARDS_AND_CALLOUTS)
    code, out, err = project.run("--edition", edition, capsys=capsys)
    assert code == 0 and err == ""
    path = next((project.root / "dist").glob("*.pdf"))
    text = normalise(" ".join(page_texts(path)))
    for words in ("Caption under the picture.", "Card heading one", "Card body two.", "Urgent callout body.",
                  "Action callout heading", "example.org/book", "Note callout body.", "Further reading note."):
        assert words in text
    assert min(font_sizes(path)) >= MINIMUM[edition][0]


FOOTER = re.compile(r"\s*MPA-\d{4} v[\d.]+\s+Review due \d+ \w+ \d{4}\s+Page \d+ of \d+\s*$")
# The "about this leaflet" table, each label beside its value (inline blocks, base.css), which PDFium may
# read at another place in the page's text in one edition than in the other.
DATES_TABLE = [r"Published \d{1,2} \w+ \d{4} Last reviewed \d{1,2} \w+ \d{4} Next review \d{1,2} \w+ \d{4} "
               r"Version [\d.]+ Reference MPA-\d{4}"]


def reading_words(path) -> list[str]:
    """The words a reader reads, in order, without the footer each page repeats."""
    pages = page_texts(path)
    assert all(FOOTER.search(page) for page in pages)
    text = normalise(" ".join(FOOTER.sub(" ", page) for page in pages))
    for pattern in DATES_TABLE:
        text, found = re.subn(pattern, " ", text)
        assert found == 1, pattern
    return re.findall(r"[A-Za-z]+", text)


@pytest.mark.parametrize("stem", SHIPPED)
def test_large_print_has_the_same_words_in_the_same_order(shipped, stem):
    """Same content, reflowed: not a word lost, added or moved (contents page numbers and footers aside)."""
    standard, large = reading_words(shipped[stem].output), reading_words(shipped[f"{stem}.large-print"].output)
    assert len(standard) > 500
    assert standard == large


@pytest.mark.parametrize("stem", EVERY_PDF)
def test_paragraphs_are_ragged_right_not_justified(shipped, stem):
    """Spaces between words keep their natural width: justifying stretches them on most lines."""
    spaces = space_advances(shipped[stem].output)
    body = statistics.mode(size for size, _ in spaces)
    advances = [advance for size, advance in spaces if size == body]
    usual = statistics.mode(advances)
    # Bold spaces and a few gaps beside contents leaders are wider: about 5% when ragged, about 50% when justified.
    wide = sum(advance > usual * 1.05 for advance in advances) / len(advances)
    assert len(advances) > 200 and wide < 0.15


@pytest.mark.parametrize("stem", ["adhd-neurotransmitter-imaging", "adhd-neurotransmitter-imaging.large-print",
                                  "looking-after-your-back", "looking-after-your-back.large-print"])
def test_only_the_project_fonts_are_embedded(shipped, stem):
    assert fonts(shipped[stem].output) == {"Atkinson-Hyperlegible-Next", "Atkinson-Hyperlegible-Next-Bold"}


def decoded(path, dpi=150):
    """Every QR code on every page, read back from the rendered pixels."""
    found = []
    for page in pypdfium2.PdfDocument(str(path)):
        image = page.render(scale=dpi / 72).to_pil()
        found += [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    return found


def linked_urls(stem: str) -> list[str]:
    """What should carry a QR code, read from the leaflet itself: further reading and calls to action."""
    data = yaml.safe_load((REPO / "handouts" / f"{stem}.yaml").read_text(encoding="utf-8"))
    urls = [link["url"] for link in data.get("further_reading", []) if link.get("url", "").startswith("http")]
    for section in data["sections"]:
        for callout in section.get("callouts", []):
            if callout["kind"] == "action":
                urls += re.findall(r"\]\((https?://[^)\s]+)\)", callout["body"])
    return urls


@pytest.mark.parametrize("stem", EVERY_PDF)
def test_every_qr_code_decodes_to_its_link(shipped, stem):
    """Exactly the leaflet's links, each once: a code lost, doubled or pointing elsewhere fails."""
    found = decoded(shipped[stem].output)
    assert sorted(found) == sorted(linked_urls(stem.removesuffix(".large-print")))
    text = normalise(" ".join(page_texts(shipped[stem].output)))
    for url in found:
        assert re.sub(r"^https?://", "", url).rstrip("/") in text  # the readable URL is printed too


def test_the_shipped_leaflets_have_qr_codes_to_check():
    assert linked_urls("looking-after-your-back") == ["https://www.nhs.uk/conditions/back-pain/"]
    assert len(linked_urls("managing-type-2-diabetes-day-to-day")) == 2


def test_call_to_action_links_get_qr_codes(project, capsys):
    project.leaflet("ankle", MINIMAL.replace("    body: Rest", "    callouts:\n      - kind: action\n        body: "
                                             "Book at [our clinic](https://example.org/book?ref=leaflet).\n    body: Rest"))
    assert project.run(capsys=capsys)[0] == 0
    assert decoded(project.root / "dist" / "ankle.pdf") == ["https://example.org/book?ref=leaflet"]
    reader = pypdf.PdfReader(project.root / "dist" / "ankle.pdf")
    uris = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])
            if "/URI" in a.get_object().get("/A", {})]
    assert "https://example.org/book?ref=leaflet" in uris  # still clickable


def test_tagged_pdf_ua_by_default(shipped):
    reader = pypdf.PdfReader(shipped["adhd-neurotransmitter-imaging"].output)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp or "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert reader.metadata.title == "Does ADHD Show Neurotransmitter Imbalance in Imaging?"


def test_pdf_a_for_archives(project, capsys):
    project.leaflet("ankle")
    assert project.run("--pdf-variant", "pdf/a-3u", capsys=capsys)[0] == 0
    xmp = pypdf.PdfReader(project.root / "dist" / "ankle.pdf").trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="U"' in xmp


def test_large_print_edition_on_request(project, capsys):
    project.leaflet("ankle")
    code, out, err = project.run("--edition", "large-print", capsys=capsys)
    assert code == 0
    assert sorted(p.name for p in (project.root / "dist").glob("*.pdf")) == ["ankle.large-print.pdf"]


def test_brand_can_build_both_editions_by_default(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "editions: [standard, large-print]\n")
    project.leaflet("ankle")
    assert project.run(capsys=capsys)[0] == 0
    assert sorted(p.name for p in (project.root / "dist").glob("*.pdf")) == ["ankle.large-print.pdf", "ankle.pdf"]


def test_max_pages_overflow_fails_in_every_edition_and_keeps_the_last_pdf(project, capsys):
    project.leaflet("ankle", MINIMAL + "max_pages: 1\n")
    code, out, err = project.run("--edition", "standard", "--edition", "large-print", capsys=capsys)
    assert code == 1
    assert err.splitlines()[2] == "built 0, unchanged 0, removed 0, failed 2 (2 errors) in T s"
    assert sorted(err.splitlines()[:2]) == sorted([
        "handouts/ankle.yaml: max_pages: 2 pages (A4, standard edition), more than its limit of 1 - "
        "shorten the text or raise max_pages",
        "handouts/ankle.yaml: max_pages: 2 pages (A4, large print edition), more than its limit of 1 - "
        "shorten the text or raise max_pages"])
    assert not list((project.root / "dist").glob("*.pdf"))


def test_max_pages_per_edition(project, capsys):
    project.leaflet("ankle", MINIMAL + "max_pages: {standard: 5, large-print: 2}\n")
    code, out, err = project.run("--edition", "standard", "--edition", "large-print", "--paper", "a5", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].startswith("handouts/ankle.yaml: max_pages: ")
    assert "(A5, large print edition), more than its limit of 2" in err
    assert (project.root / "dist" / "ankle.pdf").exists()


def test_max_pages_must_be_a_number(project, capsys):
    project.leaflet("ankle", MINIMAL + "max_pages: two\n")
    code, out, err = project.run("check", capsys=capsys)
    assert err.splitlines()[0] == ("handouts/ankle.yaml:18:12: max_pages: expected a whole number of pages, or one per "
                                   "edition such as {standard: 2, large-print: 4}, got 'two'")


def test_a_character_missing_from_the_fonts_is_an_error_even_with_no_strict(project, capsys):
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest → your ankle ก"))
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/ankle.yaml:15:29: sections[0].body: 'ก' (U+0E01 THAI CHARACTER KO KAI) is not in any font the "
        "project ships (styles/fonts/) - replace it, or add a font that has it to styles/fonts/ and the font list "
        "in styles/base.css",
        "1 leaflet checked, 0 valid: 1 error, 0 warnings, 0 waived."]


@pytest.mark.parametrize("field, colour, message", [
    ("primary", "#88ccdd", "brand.yaml:3:20: colours.primary: '#88ccdd' on white has a contrast of 1.8:1, below the "
                           "4.5:1 that links and headings on white, and white text on the brand band needs - choose a "
                           "darker colour"),
    ("text", "#999999", "brand.yaml:3:54: colours.text: '#999999' on white has a contrast of 2.8:1, below the 4.5:1 "
                        "that body text on white needs - choose a darker colour"),
])
def test_brand_colours_are_checked_for_contrast(project, capsys, field, colour, message):
    brand = project.root / "brand.yaml"
    old = {"primary": '"#1d5c63"', "text": '"#1f2328"'}[field]
    brand.write_text(brand.read_text().replace(f"{field}: {old}", f'{field}: "{colour}"'))
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == message


@pytest.mark.parametrize("paper", SIZES)
def test_title_and_summary_start_on_page_one_in_large_print(tmp_path, capsys, paper):
    """A long summary in large print on a small page once pushed the title off page one."""
    from publisher.cli import main as cli
    code = cli.main([str(REPO / "handouts" / "adhd-neurotransmitter-imaging.yaml"), "--out", str(tmp_path),
                     "--paper", paper, "--edition", "large-print", "-j1", "--today", TODAY])
    assert code == 0, capsys.readouterr().err
    first = " ".join(page_texts(tmp_path / "adhd-neurotransmitter-imaging.large-print.pdf")[0].split())
    assert "Does ADHD Show Neurotransmitter Imbalance in Imaging?" in first
    assert "Yes, evidence from brain imaging" in first
