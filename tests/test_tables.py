"""Tables, sub-headings and stand-alone callouts, as real leaflets use them: in the PDF a reader and a screen reader get."""

import re

import pytest

from conftest import MINIMAL, normalise
from pdfutil import outline_titles, page_texts, structure

DOSES = """\
  - heading: Your usual doses
    body: |
      Follow the plan your nurse gave you.

      | Inhaler | Colour | When to use it | Puffs |
      | --- | --- | --- | --- |
      | Preventer | Brown | Every morning and evening | 2 |
      | Reliever | Blue | When you wheeze | 1 to 2 |
"""
WIDE = """\
  - heading: Your tablets
    body: |
      | Medicine | Strength | Morning | Afternoon | Evening | Notes |
      | --- | --- | --- | --- | --- | --- |
      | Metformin | 500 mg | 1 tablet | - | 1 tablet | Take with food |
      | Atorvastatin | 20 mg | - | - | 1 tablet | Avoid grapefruit juice |
"""


def leaflet(sections: str) -> str:
    return MINIMAL.replace("sections:\n", "sections:\n" + sections)


def test_a_table_is_a_tagged_table_with_header_cells(project, capsys):
    project.leaflet("doses", leaflet(DOSES))
    code, out, err = project.run("--html", capsys=capsys)
    assert (code, err) == (0, "")
    html = (project.root / "dist" / "doses.preview.html").read_text()
    assert html.count('<th scope="col">') == 4
    tree = structure(project.root / "dist" / "doses.pdf")
    tags = [tag for depth, tag, attributes in tree]
    assert tags.count("Table") == 1 and tags.count("TR") == 3
    assert tags.count("TH") == 4 and tags.count("TD") == 8
    assert [a.get("/Scope") for d, tag, a in tree if tag == "TH"] == ["/Column"] * 4
    assert all(len(a.get("/Headers", [])) == 1 for d, tag, a in tree if tag == "TD")
    text = normalise(" ".join(page_texts(project.root / "dist" / "doses.pdf")))
    assert "Inhaler Colour When to use it Puffs Preventer Brown Every morning and evening 2" in text


def test_the_header_repeats_on_every_page_and_no_row_splits(project, capsys):
    rows = "\n".join(f"      | Row {i} | Take one tablet with a glass of water | {i} mg |" for i in range(1, 61))
    project.leaflet("long", leaflet(f"  - heading: Every step\n    body: |\n      | Step | What to do | Dose |\n"
                                    f"      | --- | --- | --- |\n{rows}\n"))
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, "")
    texts = page_texts(project.root / "dist" / "long.pdf")
    with_rows = [t for t in texts if "Row " in t]
    assert len(with_rows) >= 2
    for text in with_rows:
        assert text.count("Step What to do Dose") == 1, "the header row starts the table on every page"
    for i in range(1, 61):
        pages = [n for n, text in enumerate(texts) if re.search(rf"Row {i} Take one tablet with a glass of water {i} mg", text)]
        assert len(pages) == 1, f"row {i} is split or missing"


@pytest.mark.parametrize("paper, edition, stacked", [
    ("a4", "standard", False), ("a5", "standard", True), ("a5", "large-print", True), ("a4", "large-print", True)])
def test_a_table_with_no_room_for_its_columns_is_stacked(project, capsys, paper, edition, stacked):
    project.leaflet("tablets", leaflet(WIDE))
    code, out, err = project.run("--paper", paper, "--edition", edition, capsys=capsys)
    assert (code, err) == (0, "")
    name = "tablets.pdf" if edition == "standard" else "tablets.large-print.pdf"
    text = normalise(" ".join(page_texts(project.root / "dist" / name)))
    tags = [tag for depth, tag, attributes in structure(project.root / "dist" / name)]
    if stacked:
        assert ("Medicine: Metformin Strength: 500 mg Morning: 1 tablet Afternoon: - Evening: 1 tablet "
                "Notes: Take with food") in text
        assert "Table" not in tags
    else:
        assert "Medicine Strength Morning Afternoon Evening Notes Metformin 500 mg" in text
        assert "Table" in tags


def test_sub_headings_are_bookmarked_and_tagged(project, capsys):
    body = "  - heading: After the operation\n    body: |\n      ### The first day\n\n      Rest.\n\n" \
           "      ### The first week\n\n      Walk a little more each day.\n"
    project.leaflet("op", leaflet(body))
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, "")
    pdf = project.root / "dist" / "op.pdf"
    titles = outline_titles(pdf)
    assert titles[titles.index("After the operation") + 1:][:2] == ["The first day", "The first week"]
    tags = [tag for depth, tag, attributes in structure(pdf)]
    assert tags.count("H3") >= 2


def test_a_section_of_just_a_callout_is_listed_in_the_contents(project, capsys):
    body = ("  - callouts:\n      - kind: urgent\n        heading: When to get help now\n"
            "        body: Call 999 if you cannot breathe.\n")
    project.leaflet("urgent", leaflet(body))
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, "")
    pdf = project.root / "dist" / "urgent.pdf"
    text = normalise(page_texts(pdf)[0])
    assert re.search(r"In this leaflet When to get help now[ .]+page 1 What to do[ .]+page 1", text)
    assert "When to get help now" in outline_titles(pdf)
    assert [tag for depth, tag, attributes in structure(pdf)].count("H2") >= 3


def test_a_line_run_on_after_a_list_is_a_warning_with_its_line(project, capsys):
    body = "  - heading: Tips\n    body: |\n      - Rest.\n      - Drink water.\n      Ask your GP if it gets worse.\n"
    project.leaflet("tips", leaflet(body))
    code, out, err = project.run(capsys=capsys)
    assert code == 0
    assert err == ("handouts/tips.yaml:18:7: sections[0].body: warning: this line runs on from the list item above, "
                   "so it prints as part of that item - leave a blank line before it to start a new paragraph, or "
                   "indent it to line up with the item's text\n")
    code, out, err = project.run("--strict", "--force", capsys=capsys)
    assert code == 1 and "error: this line runs on from the list item above" in err


def test_an_indented_continuation_is_not_a_run_on_line(project, capsys):
    body = "  - heading: Tips\n    body: |\n      - Rest, and keep your ankle raised\n        when you can.\n"
    project.leaflet("tips", leaflet(body))
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, "")


@pytest.mark.parametrize("text", ["| a | b |\r| c | d |\r\nafter", "| a | b |\r| - | - |\r| c |", "- a\r\nb\r- c"])
def test_lines_ending_in_carriage_returns_are_counted_as_markdown_counts_them(text):
    """A quoted YAML value may hold "\\r": the table and list checks number lines as markdown-it does."""
    from publisher.source import markdown_checks
    found = markdown_checks.findings(text)
    assert found and all(f.line is not None and f.line < 3 for f in found)


def test_a_sentence_pasted_under_a_table_is_explained():
    from publisher.source import markdown_checks
    text = "| Day | Dose |\n| --- | --- |\n| Monday | 4 mg |\nAsk your pharmacist if you are unsure."
    assert markdown_checks.findings(text) == [markdown_checks.Finding(
        "this line has no '|', so it joins the table above as a row - leave a blank line before it to start a new "
        "paragraph", 3)]


def test_an_empty_cell_has_no_line_in_a_stacked_row():
    from publisher.source import markdown
    text = "| Day | Dose | Notes |\n| --- | --- | --- |\n| Monday | 4 mg | |\n| Tuesday | 1 mg | INR test |"
    html = markdown.to_html(text, markdown.Layout(width_pt=100, size_pt=18))
    assert html.count("<li>") == 2 and html.count("Notes:") == 1
    assert '<strong class="table-label">Day:</strong> Monday</p><p><strong class="table-label">Dose:</strong> 4 mg</p></li>' in html
