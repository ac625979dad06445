"""`build.py new`: a leaflet started from the commented example, with today's dates and the next reference."""

from __future__ import annotations

import shutil

from conftest import MINIMAL, REPO


def test_starts_from_the_example_with_todays_dates_and_the_next_reference(project, capsys):
    shutil.copytree(REPO / "docs", project.root / "docs")
    project.leaflet("one", MINIMAL.replace("TST-0001", "TST-0009"))
    project.leaflet("two", MINIMAL.replace("TST-0001", "TST-0012"))
    project.leaflet("other", MINIMAL.replace("TST-0001", "XYZ-0500"))
    code, out, err = project.run("new", "broken-wrist", "--today", "2027-02-28", capsys=capsys)
    assert (code, err) == (0, "")
    assert out == ("created handouts/broken-wrist.yaml (TST-0013) from the example - replace its words, then check "
                   "it: python build.py check handouts/broken-wrist.yaml\n")
    text = (project.root / "handouts" / "broken-wrist.yaml").read_text(encoding="utf-8")
    example = (REPO / "docs" / "example-leaflet.yaml").read_text(encoding="utf-8")
    assert "\ntitle: Broken wrist\n" in text and "\nreference: TST-0013\n" in text
    assert "  published: 2027-02-28       # when this leaflet was first published\n" in text
    assert "  last_reviewed: 2027-02-28   # when a clinician last checked it\n" in text
    assert "  next_review: 2030-02-28     # when it must be checked again" in text
    # The test brand builds the standard edition only: no page limit for an edition it never makes.
    assert "\nmax_pages: {standard: 4}\n" in text
    # Every comment of the example is kept, for the author to read.
    assert [line for line in example.splitlines() if line.startswith("#")] == [
        line for line in text.splitlines() if line.startswith("#")]
    # It is a valid leaflet from the start.
    code, out, err = project.run("check", str(project.root / "handouts" / "broken-wrist.yaml"), "--today", "2027-02-28",
                                 capsys=capsys)
    assert code == 0, out + err


def test_the_first_leaflet_takes_the_examples_prefix_and_the_brands_editions(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "editions: [standard, large-print]\n")
    code, out, err = project.run("new", "first", capsys=capsys)  # the tool's own example: the project has none
    assert code == 0, err
    text = (project.root / "handouts" / "first.yaml").read_text(encoding="utf-8")
    assert "\nreference: MPA-0001\n" in text and "\nmax_pages: {standard: 4, large-print: 8}\n" in text


def test_never_overwrites(project, capsys):
    path = project.leaflet("ankle")
    code, out, err = project.run("new", "ankle", capsys=capsys)
    assert (code, out) == (1, "")
    assert err == "Error: handouts/ankle.yaml already exists - choose another name, or edit that file\n"
    assert path.read_text(encoding="utf-8") == MINIMAL


def test_refuses_a_name_that_cannot_name_a_leaflet(project, capsys):
    for stem, message in (
        ("../evil", "Error: '../evil' cannot name a leaflet - use letters, digits, '-', '_' and '.', starting with a "
                    "letter or digit"),
        ("two words", "Error: 'two words' cannot name a leaflet - use letters, digits, '-', '_' and '.', starting "
                      "with a letter or digit"),
        ("x.large-print", "Error: 'x.large-print' cannot name a leaflet: it would clash with the large-print edition "
                          "of another leaflet - choose another name"),
    ):
        code, out, err = project.run("new", stem, capsys=capsys)
        assert code == 2
        assert err.splitlines()[-1] == message
    assert list((project.root / "handouts").iterdir()) == []
    assert not (project.root / "evil.yaml").exists()


def test_index_is_kept_for_the_catalogue(project, capsys):
    code, out, err = project.run("new", "index", capsys=capsys)
    assert code == 2 and err.splitlines()[-1] == ("Error: 'index' cannot name a leaflet: it would clash with the "
                                                  "catalogue site's index.html - choose another name")
    project.leaflet("index")
    code, out, err = project.run(capsys=capsys)
    assert code == 1 and ("handouts/index.yaml:1:1: file name 'index' would clash with the catalogue site's "
                          "index.html - rename the file") in (out + err).splitlines()
