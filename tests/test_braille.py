"""The braille edition: every sentence back-translated by liblouis, and the page as UKAAF asks for it (40 x 25)."""

from __future__ import annotations

import email
import email.policy
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import hypothesis
import pytest
import forked
from conftest import MINIMAL, REPO
from test_reference_leaflet import ATTRIBUTION, article_sentences

from publisher.outputs import braille, louis, base as outputs
from publisher.render import reading, statement
from publisher.source import content

UEB = "en-us-brf.dis,en-ueb-g2.ctb"
# liblouis's Chinese table writes some characters of the sample Chinese translation only in 8-dot braille,
# so that braille edition is left out with a note (test_a_leaflet_braille_cannot_write_is_left_out_and_said).
LEFT_OUT = {"after-your-wisdom-teeth-are-removed.zh-Hans"}
STEMS = sorted(p.stem for p in (REPO / "handouts").glob("*.yaml")
               if p.stem not in LEFT_OUT and not p.stem.endswith(".easy-read"))  # Easy Read: PDF and web only


def brf_pages(path: Path) -> list[list[str]]:
    """A BRF file as pages of lines, as an embosser reads it: form feed ends a page, CR LF a line."""
    text = path.read_bytes().decode("ascii")
    assert text.endswith("\r\n\f")
    return [page.removesuffix("\r\n").split("\r\n") for page in text.split("\f")[:-1]]


def body(pages: list[list[str]]) -> str:
    """The text of every page after the title page, page-number lines left out, lines joined by spaces."""
    return " ".join(line.strip() for page in pages[1:] for line in page[1:] if line.strip())


def fold(text: str) -> str:
    """Text compared as words: case folded, UEB's typographic apostrophe as a plain one, single spaces.

    Back-translation returns the print letters, digits and punctuation, but capital letters
    come back as capitals only where the braille marks them, which it does per word or
    passage rather than as print wrote them, and a line end is a space.
    """
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2011", "-")).strip().lower()


@pytest.fixture(scope="module")
def pages(shipped):
    """Every shipped leaflet's BRF, from the shipped build (the brand's formats include brf): {stem: pages}."""
    out = Path(shipped["adhd-neurotransmitter-imaging"].output).parent
    return {stem: brf_pages(out / f"{stem}.brf") for stem in STEMS}


@pytest.fixture(scope="module")
def reference_text(pages):
    return fold(louis.back_translate(UEB, body(pages["adhd-neurotransmitter-imaging"])))


@pytest.mark.parametrize("sentence", article_sentences())
def test_every_sentence_of_the_reference_leaflet_back_translates(reference_text, sentence):
    assert fold(sentence) in reference_text


def test_the_reference_leaflet_is_in_the_articles_order(reference_text):
    # As in print: the attribution line, between the credit blocks on the web, closes the leaflet.
    position = 0
    for sentence in [s for s in article_sentences() if s != ATTRIBUTION] + [ATTRIBUTION]:
        found = reference_text.find(fold(sentence), position)
        assert found >= 0, f"not found after what comes before it: {sentence!r}"
        position = found + len(fold(sentence))


@pytest.mark.parametrize("stem", STEMS)
def test_no_line_over_40_cells_and_no_page_over_25_lines(pages, stem):
    assert len(pages[stem]) >= 3
    for number, page in enumerate(pages[stem], start=1):
        assert 1 < len(page) <= 25, f"page {number} has {len(page)} lines"
        for line in page:
            assert len(line) <= 40, f"page {number}: {line!r}"
            assert re.fullmatch(r"[ -\]A-Z^_]*", line), f"not North American ASCII braille: {line!r}"


@pytest.mark.parametrize("stem", STEMS)
def test_page_numbers_run_in_order_top_right(pages, stem):
    for number, page in enumerate(pages[stem], start=1):
        assert len(page[0]) == 40 and page[0].strip() == page[0].lstrip(), page[0]
        assert louis.back_translate(UEB, page[0].strip()) == str(number)


def test_title_page_has_title_organisation_and_reference(pages):
    title_page = fold(louis.back_translate(UEB, " ".join(line.strip() for line in pages["using-your-asthma-inhalers"][0][1:])))
    assert title_page == fold("Using your asthma inhalers My Patient Advice Reference: MPA-0004, Version 1.0 "
                              "Unified English Braille, grade 2")


def centred(line: str) -> bool:
    text = line.strip()
    left = len(line) - len(line.lstrip())
    return bool(text) and abs(left - (40 - left - len(text))) <= 1


@pytest.mark.parametrize("heading", ["Common Symptoms & Treatment Relevance", "Further reading", "Sources",
                                     "About this leaflet"])
def test_headings_are_centred_with_a_blank_line_either_side(pages, heading):
    braille_heading = louis.translate(UEB, heading)
    found = 0
    for page in pages["adhd-neurotransmitter-imaging"][1:]:
        for i, line in enumerate(page):
            if i and line.strip() == braille_heading:
                found += 1
                assert centred(line), line
                assert page[i + 1] == ""
                assert i == 1 or page[i - 1] == ""  # at the top of a page, no blank line is wasted
    assert found == 1, f"{heading!r} ({braille_heading}) is not once a line of its own"


def lines_of(pages, stem) -> list[str]:
    return [line for page in pages[stem][1:] for line in page[1:]]


def test_numbered_lists_hang_their_runovers(pages):
    lines = lines_of(pages, "using-your-asthma-inhalers")
    step = next(i for i, line in enumerate(lines) if line.startswith("#D4 ,PUT ! M\\?PIECE"))
    assert lines[step + 1].startswith("  ") and not lines[step + 1].startswith("   ")  # runover in cell 3
    assert lines[step + 2].startswith("#E4")


def test_tables_are_read_row_by_row_with_their_headers(pages):
    lines = lines_of(pages, "using-your-asthma-inhalers")
    start = lines.index(louis.translate(UEB, "Inhaler: Reliever"))
    row = [louis.back_translate(UEB, line.strip()) for line in lines[start:start + 5]]
    assert row[:3] == ["Inhaler: Reliever", "Colour: Blue", "When to use it: When you cough, wheeze or feel"]
    assert row[3] == "tight in your chest" and lines[start + 3].startswith("    ")  # runover of a cell: cell 5
    assert row[4] == "Puffs: 1 to 2, up to 10 in an attack"


def test_links_are_written_as_addresses_in_uncontracted_braille(pages):
    text = " ".join(line.strip() for line in lines_of(pages, "using-your-asthma-inhalers"))
    address = louis.translate("en-us-brf.dis,en-ueb-g1.ctb", "(www.nhs.uk/conditions/asthma)")
    assert address in text  # further reading and sources both give it
    # Grade 1: "conditions" is spelled out in the address, though contracted in the text.
    assert "CONDITIONS" in address and louis.translate(UEB, "conditions") != "CONDITIONS"


def test_credits_dates_contact_and_the_other_formats_statement_come_last(pages):
    text = fold(louis.back_translate(UEB, body(pages["using-your-asthma-inhalers"])))
    order = ["what to do in an asthma attack", "further reading", "sources", "about this leaflet",
             "next review: 25 november 2029.", "web: mypatientadvice.co.uk.",
             "this leaflet is available in large print, braille, audio, easy read and other languages.",
             "written by priya nair, mpharm", "reviewed by dr daniel osei"]
    positions = [text.find(part) for part in order]
    assert -1 not in positions and positions == sorted(positions), list(zip(order, positions, strict=True))


def test_pef_holds_the_same_pages_in_unicode_braille(pages):
    catalogue = content.load_catalogue(content.Project(REPO))
    leaflet = next(x for x in catalogue.leaflets if x.stem == "using-your-asthma-inhalers")
    root = ET.fromstring(outputs.REGISTRY["pef"].render(outputs.Job(catalogue, leaflet, "standard", "a4")))
    ns = {"pef": braille.PEF, "dc": braille.DC}
    assert root.tag == f"{{{braille.PEF}}}pef" and root.get("version") == "2008-1"
    assert root.find("pef:head/pef:meta/dc:title", ns).text == "Using your asthma inhalers"
    assert root.find("pef:head/pef:meta/dc:format", ns).text == "application/x-pef+xml"
    volume = root.find("pef:body/pef:volume", ns)
    assert (volume.get("cols"), volume.get("rows")) == ("40", "25")
    found = [[row.text or "" for row in page.findall("pef:row", ns)] for page in volume.iter(f"{{{braille.PEF}}}page")]
    expected = [[braille.unicode_braille(line).rstrip("\u2800") for line in page] for page in pages["using-your-asthma-inhalers"]]
    assert found == expected
    assert all(set(row) <= {chr(c) for c in range(0x2800, 0x2840)} for page in found for row in page)
    # Dots, not letters: "A" is dot 1, "#" dots 3456.
    assert braille.unicode_braille("A#") == "\u2801\u283c"


def test_a_language_with_no_braille_table_is_left_out_and_said(project, capsys):
    project.catalogue("so")  # labels for it, so that only braille is missing
    project.leaflet("ankle", MINIMAL.replace("language: en-GB", "language: so"))
    code, out, err = project.run("--format", "pdf,brf", capsys=capsys)
    note = ("handouts/ankle.yaml: no braille: liblouis has no table for language 'so' here, so the braille edition "
            "is left out - ask a transcription service, or add the table to braille.TABLES if liblouis-data has one\n")
    assert code == 0 and err == note
    assert "left out dist/ankle.brf (see the note above)" in out
    assert "built 1, unchanged 0, removed 0, left out 1, failed 0" in out
    assert sorted(p.name for p in (project.root / "dist").glob("ankle*")) == ["ankle.pdf"]
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "formats: [pdf, brf]\n")
    code, out, err = project.run("check", capsys=capsys)
    assert code == 0 and note.strip() in out


def test_text_a_table_cannot_write_in_6_dots_is_left_out_and_said(project, capsys):
    """The Persian table writes Latin letters as 8-dot cells: a leaflet tagged fa but written in English."""
    project.catalogue("fa")
    project.leaflet("ankle", MINIMAL.replace("language: en-GB", "language: fa"))
    code, out, err = project.run("--format", "brf", capsys=capsys)
    assert code == 0 and err == (
        "handouts/ankle.yaml: no braille: liblouis's fa-ir-g1.utb table cannot write some of this leaflet's "
        "characters in 6-dot braille, so the braille edition is left out - ask a transcription service\n")
    assert not (project.root / "dist" / "ankle.brf").exists()


def test_a_leaflets_braille_goes_when_its_language_loses_its_table(project, capsys):
    path = project.leaflet("ankle")
    code, out, err = project.run("--format", "brf", capsys=capsys)
    assert code == 0 and (project.root / "dist" / "ankle.brf").exists()
    project.catalogue("so")
    path.write_text(MINIMAL.replace("language: en-GB", "language: so"))
    code, out, err = project.run("--format", "brf", capsys=capsys)
    assert code == 0 and not (project.root / "dist" / "ankle.brf").exists()


def test_missing_liblouis_is_a_clear_message(monkeypatch):
    louis.library.cache_clear()
    monkeypatch.setattr("ctypes.util.find_library", lambda name: None)
    monkeypatch.setattr(louis, "_HOMEBREW", ())  # macOS: not Homebrew's copy either
    try:
        with pytest.raises(louis.LouisError) as error:
            louis.library()
        assert str(error.value) == ("Error: liblouis is not installed - install it (Debian/Ubuntu: apt-get install "
                                    "liblouis20 liblouis-data; macOS: brew install liblouis) to make braille")
        assert braille.missing("x.yaml", "en-GB") == f"x.yaml: no braille: {louis.MISSING}"
    finally:
        monkeypatch.undo()
        louis.library.cache_clear()
    assert louis.available()


@pytest.mark.parametrize("language, table", [("en-GB", "en-ueb-g2.ctb"), ("en-US", "en-ueb-g2.ctb"),
                                             ("cy", "cy-cy-g2.ctb"), ("ar", "ar-ar-g2.ctb"), ("pl", "Pl-Pl-g1.utb"),
                                             ("ur", "ur-pk-g2.ctb,en-ueb-chardefs.uti"), ("zh-HK", "zh-hk.ctb"),
                                             ("gd", "gd.ctb,en-ueb-chardefs.uti"), ("pa", "pa.tbl"),
                                             ("pt-PT", "pt-pt-g2.ctb")])
def test_each_language_has_its_table(language, table):
    assert braille.table_for(language).text == table


def test_welsh_is_brailled_with_the_welsh_table(project, capsys):
    """Welsh grade 2 differs from English; its back-translation is not checked (liblouis reads 'mae' back as 'm')."""
    project.catalogue("cy")
    project.leaflet("ankle", MINIMAL.replace("language: en-GB", "language: cy"))
    code, out, err = project.run("--format", "brf", capsys=capsys)
    assert (code, err) == (0, "")
    welsh = brf_pages(project.root / "dist" / "ankle.brf")
    tables = f"{braille.DISPLAY},cy-cy-g2.ctb"
    assert louis.translate(tables, "Looking after a sprained ankle") in welsh[0][4]
    # Welsh grade 2 has its own wordsigns: "mae" is the letter m alone, spelled out in English braille.
    assert (louis.translate(tables, "mae"), louis.translate(UEB, "mae")) == ("M", "MAE")


def test_the_other_formats_statement_names_what_the_brand_offers():
    brand = {"other_formats": "Available in {formats}, and on request.", "editions": ["standard", "large-print"],
             "formats": ["pdf", "brf", "mp3"]}
    assert statement.other_formats(brand, "en-GB") == "Available in large print, braille, audio, and on request."
    brand.update(editions=["standard"], formats=["pdf", "brf"])
    assert statement.other_formats(brand, "en-GB") == "Available in braille, and on request."
    assert [o.name for o in outputs.REGISTRY.values() if o.offered] == ["brf", "mp3"]


def test_braille_can_be_emailed(project, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_FROM", "leaflets@clinic.example")
    project.leaflet("ankle")
    code, out, err = project.run("email", "ankle", "--to", "a@example.org", "--format", "brf",
                                 "--dry-run", str(tmp_path / "outbox"), capsys=capsys)
    assert (code, err) == (0, "")
    message = email.message_from_bytes((tmp_path / "outbox" / "ankle-recipient-1.eml").read_bytes(),
                                       policy=email.policy.default)
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "TST-0001-v1.0-ankle.brf"
    assert attachment.get_content_type() == "application/x-brf"
    assert attachment.get_content() == (project.root / "dist" / "ankle.brf").read_bytes()
    assert "attached as a braille file (BRF, for a braille display or embosser)." in message.get_body(("plain",)).get_content()


def test_bold_keeps_ueb_bold_indicators(pages):
    """'**Always follow the doses on your own plan.**' is a bold passage; '**preventer**' a bold word."""
    text = " ".join(line.strip() for line in lines_of(pages, "using-your-asthma-inhalers"))
    passage = re.search(r"\^7(.*?)\^'", text)  # dots 45 2356 opens a bold passage, dots 45 3 closes it
    assert passage and louis.back_translate(UEB, passage.group(1)) == "Always follow the doses on your own plan."
    assert f"A ^1{louis.translate(UEB, 'preventer')} {louis.translate(UEB, 'calms')}" in text  # dots 45 2: one word
    assert text.count("^") == 4  # nothing else is bold: 2 words, a passage's start and end


@pytest.mark.parametrize("stem", STEMS)
def test_the_contents_list_gives_the_page_each_chapter_starts_on(pages, stem):
    contents = pages[stem][1]
    leaflet = content.load_catalogue(content.Project(REPO), [REPO / "handouts" / f"{stem}.yaml"])
    words = reading.labels(leaflet, leaflet.leaflets[0])  # in the leaflet's own language and braille table
    table = braille.table_for(leaflet.leaflets[0].data["language"])
    assert table is not None
    assert contents[1].strip() == louis.translate(f"en-us-brf.dis,{table.text}", words["contents"])
    joined: list[str] = []
    for line in contents[3:]:  # an entry too long for one line runs over in cell 3
        joined += [joined.pop() + " " + line.strip()] if line.startswith("  ") else [line]
    entries = [re.fullmatch(r'(.*?) "+ (#[A-J]+)', line) for line in joined]
    assert entries and all(entries), contents
    for entry in entries:
        title, number = entry.group(1), int(louis.back_translate(UEB, entry.group(2)))
        page = pages[stem][number - 1]
        # A callout that heads its section is announced with its kind: "Urgent: What to do ..."
        headings, run = [], []  # a heading is a run of centred lines
        for line in page[1:] + [""]:
            if centred(line):
                run.append(line.strip())
            elif run:
                headings.append(" ".join(run))
                run = []
        assert any(heading.endswith(title) for heading in headings), (title, number, headings)
    assert len(entries) == len(set(entry.group(1) for entry in entries)) >= 3


def test_braille_longer_than_expected_is_not_cut_short():
    """A character liblouis has no braille for comes out as 8 cells: the output buffer grows to fit it."""
    assert louis.translate(UEB, "\u2603" * 100).count("'\\XBFJC'") == 100


def test_bold_text_whose_braille_outgrows_it_is_translated_safely():
    """liblouis writes the output's typeforms back: a too-short typeform array crashed the process (found by fuzzing)."""
    text = "1a 2b 3c 4d 5e " * 20
    braille_text = louis.translate(UEB, text, [louis.BOLD] * len(text))
    assert braille_text.startswith("^7") and len(braille_text) > len(text)


MARKDOWN_PIECES = list("ab *-1.|#[]()\n:_`\\<>") + ["**", "](https://x.org/a)", "\n\n", "| a | b |\n| --- | --- |\n",
                                                    "1. ", "- ", "### ", "\u2011", "é"]


@hypothesis.settings(max_examples=300, deadline=None, database=None, derandomize=True)
@hypothesis.given(hypothesis.strategies.lists(hypothesis.strategies.sampled_from(MARKDOWN_PIECES), max_size=40)
                  .map("".join))
def test_any_text_field_reads_into_braille_within_40_cells(text):
    """Whatever the Markdown, the reading order gives plain text and braille lays it out without a long line."""
    table = braille.TABLES["en"]
    for block in reading.text_blocks(text):
        assert "\ue000" not in block.text and all(0 <= s < e <= len(block.text) for s, e in block.bold)
        lines = braille.wrap(braille._block_braille(block, table, f"{block.marker} " if block.marker else ""), 2, 0)
        assert all(len(line) <= 40 for line in lines)


def test_a_leaflet_braille_cannot_write_is_left_out_and_said(tmp_path):
    run = forked.run(["--out", str(tmp_path), "--format", "brf",
                      "handouts/after-your-wisdom-teeth-are-removed.zh-Hans.yaml"], cwd=REPO)
    assert run.returncode == 0
    assert run.stderr.splitlines()[0] == (
        "handouts/after-your-wisdom-teeth-are-removed.zh-Hans.yaml: no braille: liblouis's zh-chn.ctb table cannot "
        "write some of this leaflet's characters in 6-dot braille, so the braille edition is left out - ask a "
        "transcription service")
    assert not (tmp_path / "after-your-wisdom-teeth-are-removed.zh-Hans.brf").exists()
