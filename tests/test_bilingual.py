"""The bilingual Welsh/English edition: one PDF with a leaflet and its Welsh translation (brand.yaml's bilingual)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
import yaml
from conftest import MINIMAL, REPO, normalise
from pdfutil import outline_titles, page_texts
from test_fonts import foreign_fonts
from test_pdfua import page_problems, pdfua_problems
from test_translations import TRANSLATORS, WELSH

SHIPPED = "after-your-wisdom-teeth-are-removed"
PEOPLE = yaml.safe_load((REPO / "people.yaml").read_text(encoding="utf-8"))["people"]
BILINGUAL = """\
bilingual:
  languages: [cy, en-GB]
  layout: {layout}
"""


def shipped_bilingual(shipped, edition: str = "standard") -> Path:
    """The shipped Welsh sample's bilingual PDF, from the shipped build's folder (brand.yaml sets bilingual)."""
    out = Path(shipped[SHIPPED].output).parent
    return out / (f"{SHIPPED}.cy.bilingual.pdf" if edition == "standard" else f"{SHIPPED}.cy.{edition}.bilingual.pdf")


def first_sentences(stem: str) -> list[str]:
    """The first sentence of each section of a shipped leaflet, as printed (Markdown, headings and bullets gone)."""
    data = yaml.safe_load((REPO / "handouts" / f"{stem}.yaml").read_text(encoding="utf-8"))
    out = []
    for section in data["sections"]:
        text = section.get("body") or section["callouts"][0]["body"]
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        text = re.sub(r"^\s*[-*]\s+", "", " ".join(lines))
        text = re.sub(r"\*\*|\[([^\]]+)\]\([^)]+\)", lambda m: m.group(1) or "", text)
        out.append(normalise(re.split(r"(?<=[.:])\s", text, maxsplit=1)[0]))
    return out


def text_of(path: Path) -> str:
    return normalise(" ".join(page_texts(path)))


@pytest.mark.parametrize("edition", ["standard", "large-print"])
def test_the_shipped_sample_prints_both_languages_in_each_edition(shipped, edition):
    path = shipped_bilingual(shipped, edition)
    text = text_of(path)
    welsh, english = first_sentences(f"{SHIPPED}.cy"), first_sentences(SHIPPED)
    assert len(welsh) == len(english) == 4
    for sentence in welsh + english:
        assert sentence in text, sentence
    # Both titles, both summaries' first words, the Welsh sample note.
    for words in ("Ar ôl tynnu eich dannedd doethineb", "After your wisdom teeth are removed",
                  "Cyfieithiad enghreifftiol yw hwn."):
        assert words in text, words
    # Labels in both languages: the About block, the footer's page number and review date.
    for label in ("Am y daflen hon / About this leaflet", "Cyhoeddwyd / Published", "Fersiwn / Version",
                  "Ysgrifennwyd gan / Written by", "Cyfieithwyd gan / Translated by", "Ffynonellau / Sources",
                  "Tudalen 1 o", "Page 1 of", "Adolygiad erbyn 25 Tachwedd 2029", "Review due 25 November 2029"):
        assert label in text, label
    # The brand's texts to patients once in each language.
    assert text.count("Mae'r daflen hon ar gael mewn print bras") == 1
    assert text.count("This leaflet is available in large print") == 1


@pytest.mark.parametrize("edition", ["standard", "large-print"])
def test_one_brand_band_one_reference_and_one_set_of_credits(shipped, edition):
    path = shipped_bilingual(shipped, edition)
    pages = page_texts(path)
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        band = page.crop((0, 0, page.width, 30 * 72 / 25.4)).extract_text()
    assert "My Patient Advice" in band and band.count("MPA-0005") == 1
    # The band is on page one only: nowhere else does the reference stand apart from its version (footer) or
    # the About block's "Cyfeirnod / Reference".
    whole = normalise(" ".join(pages))
    assert whole.count("MPA-0005") == whole.count("MPA-0005 v1.0") + 2
    about = whole[whole.index("Am y daflen hon / About this leaflet"):]
    for person in ("llyr-morgan", "priya-nair", "rebecca-fernandez", "daniel-osei", "elin-hughes", "sion-prys"):
        name = f"{PEOPLE[person]['name']}, {PEOPLE[person]['credentials']}"
        # The credit block's heading; an affiliation line repeats it followed by a comma, not a role.
        assert len(re.findall(re.escape(name) + r"(?!,)", about)) == 1, name
    assert about.count("Ysgrifennwyd gan / Written by") == 2  # two authors, each once
    assert about.count("Gwiriwyd y cyfieithiad gan / Translation checked by") == 1


@pytest.mark.parametrize("edition", ["standard", "large-print"])
def test_each_language_is_tagged_and_the_pdf_passes_both_checkers(shipped, edition):
    path = shipped_bilingual(shipped, edition)
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "cy"
        langs: dict = {}
        spans: list = []  # the language of each span that states its own
        blocks: list = []  # and of each column or half, in reading order

        def walk(node, inherited):
            if not isinstance(node, pikepdf.Dictionary):
                return
            own = str(node.Lang) if "/Lang" in node else inherited
            if "/S" in node:
                langs.setdefault(own, []).append(str(node.S))
                if "/Lang" in node and str(node.S) == "/Span":
                    spans.append(own)
                if "/Lang" in node and str(node.S) == "/Div":
                    blocks.append(own)
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
                walk(kid, own)
        walk(pdf.Root.StructTreeRoot, "cy")
    # Each language's paragraphs and headings carry their language; the credits' biographies are English.
    assert {"cy", "en-GB"} <= set(langs)
    for lang in ("cy", "en-GB"):
        assert langs[lang].count("/H1") == 1 and "/P" in langs[lang] and "/H2" in langs[lang], lang
    # The shared labels ("Cyhoeddwyd / Published", "Ysgrifennwyd gan / Written by") and dates: each half a span
    # tagged with its language, eleven in the About block and six credit roles.
    assert spans.count("en-GB") >= 17 and spans.count("cy") >= 17
    # A screen reader reads all the Welsh, then all the English: side by side too, where the page goes row by row.
    # (Then the About block's brand texts in Welsh and English, and the credits, whose biographies are English.)
    assert re.fullmatch(r"(cy ){4,}(en-GB ){4,}(cy )+(en-GB )+", "".join(f"{b} " for b in blocks)), blocks
    assert pdfua_problems(path) + page_problems(path) == []
    assert foreign_fonts(path) == []


def test_side_by_side_puts_welsh_on_the_left_and_each_heading_beside_its_translation(shipped):
    path = shipped_bilingual(shipped)
    with pdfplumber.open(path) as pdf:
        words = [(i, w) for i, page in enumerate(pdf.pages) for w in page.extract_words(extra_attrs=["size"])]
        middle = pdf.pages[0].width / 2

    def where(text, heading=True):
        """The page and first word of `text` where it is printed as a heading (or, with heading False, anywhere)."""
        first = text.split()[0]
        found = [(i, w) for i, w in words if w["text"] == first and (w["size"] > 14 or not heading)]
        assert found, text
        return found[0]
    pairs = [("Gofalu am eich ceg", "Looking after your mouth"), ("Soced sych", "Dry socket"),
             ("Darllen pellach", "Further reading")]
    for welsh, english in pairs:
        (wp, w), (ep, e) = where(welsh), where(english)
        assert w["x1"] < middle < e["x0"], (welsh, english)
        assert wp == ep and abs(w["top"] - e["top"]) < 1, (welsh, english)  # the same row: the headings line up
    # One bookmark a row, naming both headings; the Welsh sub-headings under it.
    assert outline_titles(path)[:3] == ["Ar ôl tynnu eich dannedd doethineb / After your wisdom teeth are removed",
                                        "Gofalu am eich ceg / Looking after your mouth", "Y 24 awr gyntaf"]
    assert "Soced sych / Dry socket" in outline_titles(path) and "Dry socket" not in outline_titles(path)
    for sentence in ("Mae ceulad gwaed yn ffurfio", "A blood clot forms"):
        page, word = where(sentence, heading=False)
        assert (word["x0"] < middle) == (sentence.startswith("Mae")), sentence


# -- a project of our own: layouts, staleness, the manifest ----------------------------------------------


@pytest.fixture
def bilingual(project):
    """A project with x and its Welsh translation x.cy, its brand making a side-by-side bilingual edition."""
    with open(project.root / "people.yaml", "a", encoding="utf-8") as people:
        people.write(TRANSLATORS)
    with open(project.root / "brand.yaml", "a", encoding="utf-8") as brand:
        brand.write(BILINGUAL.format(layout="side-by-side"))
    project.catalogue("cy")
    project.leaflet("x")
    project.leaflet("x.cy", WELSH)
    return project


def test_both_layouts_build_and_the_manifest_records_the_edition(bilingual, capsys):
    code, out, err = bilingual.run("--format", "pdf", "--edition", "standard", "--edition", "large-print",
                                   capsys=capsys)
    assert code == 0, err
    dist = bilingual.root / "dist"
    assert sorted(p.name for p in dist.glob("*.pdf")) == [
        "x.cy.bilingual.pdf", "x.cy.large-print.bilingual.pdf", "x.cy.large-print.pdf", "x.cy.pdf",
        "x.large-print.pdf", "x.pdf"]
    assert re.search(r"^built dist/x\.cy\.bilingual\.pdf \(2 pages, \d+ KB, T s\)$", out, re.MULTILINE), out
    entries = json.loads((dist / ".manifest.json").read_text())["leaflets"]
    assert entries["x.cy.bilingual.pdf"]["source"] == "handouts/x.cy.yaml"
    assert entries["x.cy.bilingual.pdf"]["translation_of"] == "x"
    side = text_of(dist / "x.cy.bilingual.pdf")
    assert "Saesneg / English" not in side
    with pdfplumber.open(dist / "x.cy.bilingual.pdf") as pdf:
        first = pdf.pages[0]
        gorffwyswch = next(w for w in first.extract_words() if w["text"] == "Gorffwyswch")
        rest = next(w for w in first.extract_words() if w["text"] == "Rest")
        assert gorffwyswch["x1"] < first.width / 2 < rest["x0"] and abs(gorffwyswch["top"] - rest["top"]) < 1
    # Large print is always one language after the other: two columns of 18 pt would hold a few words a line.
    large = page_texts(dist / "x.cy.large-print.bilingual.pdf")
    assert "Saesneg / English" in normalise(large[1]) and "Gorffwyswch" in large[0] and "Rest your" in large[1]

    # Unchanged next time; the brand's layout changing rebuilds it, one language after the other.
    code, out, err = bilingual.run("--format", "pdf", capsys=capsys)
    assert code == 0 and "built" not in out.replace("built 0", "")
    brand = bilingual.root / "brand.yaml"
    brand.write_text(brand.read_text().replace("layout: side-by-side", "layout: sequential"))
    code, out, err = bilingual.run("--format", "pdf", capsys=capsys)
    assert code == 0 and "built dist/x.cy.bilingual.pdf" in out, out
    pages = [normalise(p) for p in page_texts(dist / "x.cy.bilingual.pdf")]
    assert "Gorffwyswch" in pages[0] and "Rest your" not in pages[0]
    assert pages[1].startswith("Saesneg / English Looking after a sprained ankle")
    assert pdfua_problems(dist / "x.cy.bilingual.pdf") + page_problems(dist / "x.cy.bilingual.pdf") == []

    # Deleting the translation removes its bilingual edition with its other outputs.
    (bilingual.root / "handouts" / "x.cy.yaml").unlink()
    code, out, err = bilingual.run("--format", "pdf", capsys=capsys)
    assert code == 0 and "removed dist/x.cy.bilingual.pdf" in out, out
    assert sorted(p.name for p in dist.glob("*.pdf")) == ["x.large-print.pdf", "x.pdf"]
    assert "x.cy.bilingual.pdf" not in json.loads((dist / ".manifest.json").read_text())["leaflets"]


def test_a_stale_translation_gets_no_bilingual_edition(bilingual, capsys):
    assert bilingual.run("--format", "pdf", capsys=capsys)[0] == 0
    assert (bilingual.root / "dist" / "x.cy.bilingual.pdf").exists()
    # The source moves on to 1.1 (reviewed "today"): the translation is stale, a warning in its grace period.
    bilingual.leaflet("x", MINIMAL.replace('version: "1.0"', 'version: "1.1"')
                      .replace("last_reviewed: 2026-01-10", "last_reviewed: 2026-11-20"))
    code, out, err = bilingual.run("--format", "pdf", capsys=capsys)
    assert code == 0, err
    assert "built dist/x.cy.pdf" in out  # the Welsh leaflet itself, with its warning
    assert ("handouts/x.cy.yaml: no bilingual edition while the translation is stale (version 1.0, its source "
            "1.1) - its last bilingual PDF is removed; update the translation to make it again") in out + err
    assert not (bilingual.root / "dist" / "x.cy.bilingual.pdf").exists()
    assert "x.cy.bilingual.pdf" not in json.loads((bilingual.root / "dist" / ".manifest.json").read_text())["leaflets"]


def test_only_translations_between_the_brand_languages_get_one(project, capsys):
    with open(project.root / "brand.yaml", "a", encoding="utf-8") as brand:
        brand.write(BILINGUAL.format(layout="sequential"))
    project.leaflet("x")
    code, out, err = project.run("--format", "pdf", capsys=capsys)
    assert code == 0 and out.startswith("built dist/x.pdf") and "bilingual" not in out + err


def test_a_bad_bilingual_setting_is_an_error_at_its_line(project, capsys):
    brand = project.root / "brand.yaml"
    lines = len(brand.read_text().splitlines())
    brand.write_text(brand.read_text() + "bilingual:\n  languages: [cy]\n  layout: columns\n")
    project.leaflet("x")
    code, out, err = project.run("--format", "pdf", capsys=capsys)
    assert code == 1
    assert f"brand.yaml:{lines + 2}:14: bilingual.languages: needs at least 2 items - add one" in err, err
    assert f"brand.yaml:{lines + 3}:11: bilingual.layout: 'columns' is not one of: side-by-side, sequential" in err


def test_the_bilingual_format_without_the_brand_setting_is_a_usage_error(project, capsys):
    project.leaflet("x")
    code, out, err = project.run("--format", "bilingual", capsys=capsys)
    assert code == 2 and out == ""
    assert err.endswith("Error: the bilingual format needs brand.yaml's bilingual setting (its two languages and "
                        "layout) - add it as the README's 'Bilingual Welsh/English edition' shows\n"), err
