"""The reference leaflet: every sentence of the published article, as a reader gets it on paper."""

import re
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, normalise
from pdfutil import char_boxes, fonts, outline_titles, page_texts

# A verbatim copy of shared/seed/adhd-neurotransmitter-imaging.txt, the published article,
# kept in the repository so the test does not depend on a folder outside it.
SEED = REPO / "tests" / "data" / "seed-adhd-neurotransmitter-imaging.txt"

# Web furniture with a print equivalent: the contents list replaces the first
# two, and the credit blocks' "Written by"/"Reviewed by" labels the last two.
FURNITURE = {"Table of Contents", "Print", "Author", "Reviewer"}


def article_sentences() -> list[str]:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    paragraphs = [line for line in lines if line and line not in FURNITURE]
    sentences = []
    for paragraph in paragraphs:
        # Split after . ? ! followed by a capital, but not after "Dr."
        parts = re.split(r"(?<=[.?!])(?<!Dr\.)\s+(?=[A-Z])", paragraph)
        sentences += [normalise(p) for p in parts if p.strip()]
    return sentences


@pytest.fixture(scope="module")
def pdf(shipped):
    return Path(shipped["adhd-neurotransmitter-imaging"].output)


@pytest.fixture(scope="module")
def text(pdf):
    return normalise("\n".join(page_texts(pdf)))


def test_seed_is_found():
    assert len(article_sentences()) > 30


@pytest.mark.parametrize("sentence", article_sentences())
def test_every_sentence_of_the_article_is_printed(text, sentence):
    assert sentence in text


# The article's attribution line, between the two credit blocks on the web, closes the printed leaflet.
ATTRIBUTION = "Dr. Rebecca Fernandez, MBBS, author and a reviewer for my patient advice - mypatientadvice.co.uk"


def test_the_article_is_printed_in_its_own_order(text):
    """Each sentence after the one before it, outside the contents list."""
    # A heading dropped from the body, or two paragraphs swapped, fails here even though
    # the words are still somewhere on the page.
    body, listed = re.subn(r"In this leaflet(?: [^.]+?[ .]+page \d+)+", " ", text, count=1)
    assert listed == 1
    sentences = [s for s in article_sentences() if s != ATTRIBUTION] + [ATTRIBUTION]
    assert len(sentences) == len(article_sentences())
    position = 0
    for sentence in sentences:
        found = body.find(sentence, position)
        assert found >= 0, f"not found after what comes before it in the article: {sentence!r}"
        position = found + len(sentence)


def test_credit_blocks_are_complete_and_in_order(text):
    phoebe = text.index("Written by Phoebe Carter, MSc Clinical psychologist Phoebe Carter is a clinical psychologist")
    rebecca = text.index("Reviewed by Dr. Rebecca Fernandez, MBBS Physician Dr. Rebecca Fernandez is a UK-trained physician")
    assert phoebe < rebecca
    assert text.index("to protect the author's privacy.", phoebe) < rebecca
    assert text.index("to protect the reviewer's privacy.", rebecca) > rebecca
    assert "Dr. Rebecca Fernandez, MBBS, author and a reviewer for my patient advice - mypatientadvice.co.uk" in text


def test_page_count_and_a4_size(pdf):
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == 3
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == (595.3, 841.9)


def test_footer_on_every_page(pdf):
    pages = page_texts(pdf)
    for number, page in enumerate(pages, start=1):
        footer = normalise(page)[-80:]
        assert f"MPA-0001 v1.0 Review due 25 November 2029 Page {number} of {len(pages)}" in footer


def test_metadata(pdf):
    reader = pypdf.PdfReader(str(pdf))
    meta = reader.metadata
    assert meta.title == "Does ADHD Show Neurotransmitter Imbalance in Imaging?"
    assert meta.author == "Phoebe Carter, MSc"
    assert meta.subject.startswith("Yes, evidence from brain imaging and biochemical studies supports")
    assert meta.subject.endswith("impulse control and emotional dysregulation.")
    assert meta["/Keywords"] == "ADHD, dopamine, norepinephrine, serotonin, brain imaging, PET, SPECT"
    assert meta["/CreationDate"] == "D:20261125"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_bookmarks_follow_the_headings(pdf):
    assert outline_titles(pdf) == [
        "Does ADHD Show Neurotransmitter Imbalance in Imaging?",
        "Common Symptoms & Treatment Relevance",
        "Poor Attention, Motivation & Focus",
        "Impulsivity, Emotional Reactivity & Mood Swings",
        "Further reading",
        "Sources",
        "About this leaflet",
        "Phoebe Carter, MSc",
        "Dr. Rebecca Fernandez, MBBS",
    ]


def test_contents_list_links_to_the_right_pages(pdf, text):
    assert re.search(r"In this leaflet Common Symptoms & Treatment Relevance[ .]+page 1 Further reading[ .]+page 2"
                     r" Sources[ .]+page 2 About this leaflet[ .]+page 2", text)
    reader = pypdf.PdfReader(str(pdf))
    links = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    internal = [a for a in links if a.get("/Subtype") == "/Link" and ("/Dest" in a or "/A" in a)]
    assert len(internal) >= 4


def test_only_the_project_font_is_embedded(pdf):
    assert fonts(pdf) == {"Atkinson-Hyperlegible-Next", "Atkinson-Hyperlegible-Next-Bold"}


def test_honest_about_missing_sources(text):
    assert "Sources The published article this leaflet reproduces does not list its sources." in text


def test_body_lines_stay_short(pdf):
    """Clear print: about 70 characters a line at most (contents leaders excluded)."""
    # PDFium joins a line that ends in a hyphen to the next, marking the break with \x02.
    lines = [line for page in page_texts(pdf) for line in page.replace("\x02", "-\n").splitlines()
             if ". . ." not in line]
    assert max(len(line) for line in lines) <= 72


@pytest.mark.parametrize("stem", ["adhd-neurotransmitter-imaging", "looking-after-your-back",
                                  "managing-type-2-diabetes-day-to-day"])
def test_no_text_runs_into_the_side_margins(shipped, stem):
    """Every character sits between the 18 mm side margins: nothing overflows or is clipped."""
    margin, width = 18 / 25.4 * 72, 595.28
    outside = [(page + 1, char, round(left), round(right)) for page, char, left, bottom, right, top
               in char_boxes(shipped[stem].output) if left < margin - 1 or right > width - margin + 1]
    assert outside == []
