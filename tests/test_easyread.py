"""The Easy Read edition: its source file, checks, pictures, PDFs, web page, catalogue filter and starter."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pdfplumber
import pypdfium2
import pytest
from conftest import MINIMAL, REPO, Project, normalise
from pdfutil import font_sizes
from test_pdfua import figures, page_problems, pdfua_problems, read_tags

from publisher.build import batch
from publisher.source import content

EASY = """\
easy_read_of: ankle
source_version: "1.0"
title: Your sprained ankle
summary: How to look after a sprained ankle.
credits:
  authors: [phoebe-carter]
  reviewers: [rebecca-fernandez]
  easy_read_checkers: [jo-bennett]
sections:
  - heading: What to do
    rows:
      - picture: {name: walking}
        words: Rest your ankle. Keep it up on a pillow.
      - picture: {file: images/ice.svg, alt: An ice pack on an ankle}
        words: Put something cold on it.
  - heading: Get help
    rows:
      - picture: {name: phone}
        urgent: true
        words: Phone **111** if it gets worse.
"""
ICE = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="40" height="40"><circle cx="20" cy="20" ' \
      'r="15" fill="#1d5c63"/></svg>'
NAME = "handouts/ankle.easy-read.yaml"


@pytest.fixture
def easy(project) -> Project:
    """A project with a leaflet, its Easy Read, the shipped people and the shipped plain-words list."""
    shutil.copy(REPO / "people.yaml", project.root / "people.yaml")
    shutil.copy(REPO / "plain-words.yaml", project.root / "plain-words.yaml")
    project.leaflet("ankle")
    project.write("handouts/images/ice.svg", ICE)
    project.write(NAME, EASY)
    return project


def check_lines(project: Project, capsys, *args, file: str = "handouts/") -> tuple[int, list[str]]:
    """`check`'s exit code and its findings in `file` (every leaflet's by default)."""
    code, out, err = project.run("check", *args, capsys=capsys)
    return code, [line for line in (out + err).splitlines() if line.startswith(file)]


def test_a_valid_easy_read_checks_clean(easy, capsys):
    code, lines = check_lines(easy, capsys, "--strict")
    assert (code, lines) == (0, [])


def test_check_flags_long_sentence_jargon_missing_picture_and_alt_text_at_their_lines(easy, capsys):
    text = EASY.replace("words: Rest your ankle. Keep it up on a pillow.",
                        "words: Rest your ankle and keep it up on a pillow for as long as you can every day this week.")
    text = text.replace("Put something cold on it.", "Do not stop your medication.")
    text = text.replace("{file: images/ice.svg, alt: An ice pack on an ankle}", "{file: images/ice.svg}")
    text = text.replace("      - picture: {name: phone}\n        urgent: true\n", "      - urgent: true\n")
    easy.write(NAME, text)
    code, lines = check_lines(easy, capsys)
    assert code == 1
    assert lines == [
        f"{NAME}:14:18: sections[0].rows[1].picture: no alt text - add 'alt:' saying what the picture shows, for "
        "people who cannot see it",
    ]
    easy.write(NAME, text.replace("{file: images/ice.svg}", "{file: images/ice.svg, alt: An ice pack}"))
    code, lines = check_lines(easy, capsys)
    assert code == 1
    assert lines == [
        f"{NAME}:13:16: error: easy-read-sentence: 20 words, more than 15: \"Rest your ankle and keep it up on a "
        "pillow for as long as you can ...\" - split it",
        f"{NAME}:15:33: error: plain-words: \"medication\" is not an everyday word - say \"medicine\" (plain-words.yaml)",
        f"{NAME}:18:9: error: easy-read-row: this row has no picture - add 'picture:' with a shipped picture's name "
        "or your own image, so the reader sees the idea",
    ]


def test_too_many_sentences_in_a_row_and_an_unknown_picture(easy, capsys):
    text = EASY.replace("words: Rest your ankle. Keep it up on a pillow.",
                        "words: Rest. Keep it up. Use a pillow. Do this for 2 days.").replace("{name: phone}",
                                                                                            "{name: phon}")
    easy.write(NAME, text)
    code, lines = check_lines(easy, capsys)
    assert lines == [f"{NAME}:18:25: sections[1].rows[0].picture.name: unknown picture 'phon' - did you mean "
                     "'phone'? (styles/pictures/pictures.yaml)"]
    easy.write(NAME, text.replace("{name: phon}", "{name: phone}"))
    code, lines = check_lines(easy, capsys)
    assert lines == [f"{NAME}:13:16: error: easy-read-row: 4 sentences, more than 3 - one idea a row: split it into "
                     "two rows, each with its own picture"]


def test_the_rules_can_be_waived_with_a_reason(easy, capsys):
    easy.write(NAME, EASY.replace("Put something cold on it.", "Ask about your medication.")
               + "waivers:\n  plain-words: The word is on the pharmacy's label, so readers see it.\n")
    code, lines = check_lines(easy, capsys)
    assert code == 0
    assert lines == [f"{NAME}:15:31: waived: plain-words: \"medication\" is not an everyday word - say \"medicine\" "
                     "(plain-words.yaml) [waived: The word is on the pharmacy's label, so readers see it.]"]


def test_plain_words_are_warnings_in_a_standard_leaflet(easy, capsys):
    easy.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Administer pain relief and rest your ankle"))
    code, lines = check_lines(easy, capsys, file="handouts/ankle.yaml")
    assert code == 0
    assert lines == ["handouts/ankle.yaml:15:11: warning: plain-words: \"Administer\" is not an everyday word - say "
                     "\"give\" (plain-words.yaml)"]
    # The list is the project's: without the file nothing is flagged; a broken file is an error at its line.
    (easy.root / "plain-words.yaml").unlink()
    assert check_lines(easy, capsys, file="handouts/ankle.yaml") == (0, [])
    easy.write("plain-words.yaml", "words:\n  administer: [give]\n")
    code, out, err = easy.run("check", capsys=capsys)
    assert code == 1 and "plain-words.yaml:2:15: words.administer:" in out + err


def test_name_and_link_to_the_leaflet_are_checked(easy, capsys):
    easy.write("handouts/ankle.easy-read.yaml", EASY.replace("easy_read_of: ankle", "easy_read_of: ankel"))
    code, lines = check_lines(easy, capsys)
    assert lines == [
        f"{NAME}:1:15: easy_read_of: the Easy Read of 'ankel' must be named ankel.easy-read.yaml, not "
        "ankle.easy-read.yaml - rename the file",
        f"{NAME}:1:15: easy_read_of: unknown leaflet 'ankel' (handouts/ankel.yaml does not exist) - did you mean "
        "'ankle'?"]
    easy.write(NAME, EASY.replace('source_version: "1.0"', 'source_version: "1.2"'))
    code, lines = check_lines(easy, capsys)
    assert lines == [f"{NAME}:2:17: source_version: '1.2' is newer than version '1.0' of handouts/ankle.yaml - give "
                     "the version you wrote the Easy Read from"]


def test_goes_stale_when_its_leaflet_has_a_new_version(easy, capsys):
    easy.leaflet("ankle", MINIMAL.replace('version: "1.0"', 'version: "1.1"')
                 .replace("last_reviewed: 2026-01-10", "last_reviewed: 2026-11-20"))
    code, lines = check_lines(easy, capsys, "--today=2026-11-25", file=NAME)
    assert code == 0
    assert lines == [f"{NAME}:2:17: warning: easy-read-stale: written from version 1.0 of handouts/ankle.yaml, which "
                     "is now at version 1.1 (since 2026-11-20) - write the changes into the Easy Read and set "
                     "source_version: \"1.1\"; from 2026-12-21 this is an error (translation_grace_days: 30)"]
    code, lines = check_lines(easy, capsys, "--today=2026-12-21", file=NAME)
    assert code == 1 and lines[0].startswith(f"{NAME}:2:17: error: easy-read-stale: written from version 1.0")
    # A stale Easy Read is not built: its last PDF stays.
    out = easy.root / "dist"
    report = batch.build(content.Project(easy.root), batch.Options(out=out, formats=("pdf",),
                                                                   today=datetime.date(2026, 12, 21)))
    assert [r.status for r in report.results if r.name == NAME] == ["failed"]


# -- the PDFs ----------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfs(on_paper) -> dict:
    """The shipped sample Easy Read on A4 and A5, both editions, and its web page: {'a4-standard': Path, ...}, from
    the run's builds of each paper (conftest.on_paper)."""
    stem = "after-your-wisdom-teeth-are-removed.easy-read"
    built = {}
    for paper in ("a4", "a5"):
        out, _ = on_paper(paper)
        built[f"{paper}-standard"], built[f"{paper}-large-print"] = out / f"{stem}.pdf", out / f"{stem}.large-print.pdf"
    built["html"] = on_paper("a4")[0] / f"{stem}.html"
    return built


def words_of_rows() -> list[str]:
    """Every row's words in the shipped sample, as plain sentences."""
    import yaml
    data = yaml.safe_load((REPO / "handouts" / "after-your-wisdom-teeth-are-removed.easy-read.yaml").read_text())
    return [" ".join(row["words"].replace("**", "").split()) for s in data["sections"] for row in s["rows"]]


def test_names_and_pages(pdfs):
    assert sorted(p.name for p in pdfs.values()) == sorted(
        ["after-your-wisdom-teeth-are-removed.easy-read.html"]
        + ["after-your-wisdom-teeth-are-removed.easy-read.pdf",
           "after-your-wisdom-teeth-are-removed.easy-read.large-print.pdf"] * 2)
    for name in ("a4-standard", "a5-large-print"):
        with pdfplumber.open(pdfs[name]) as pdf:
            assert len(pdf.pages) <= 20  # Easy Read: usually no more than about 20 pages
            width = pdf.pages[0].width
            assert round(width / 72 * 25.4) == (210 if name.startswith("a4") else 148)


def test_every_row_is_printed_in_order_with_the_credits(pdfs):
    for name in ("a4-standard", "a4-large-print", "a5-standard", "a5-large-print"):
        document = pypdfium2.PdfDocument(str(pdfs[name]))
        text = normalise(" ".join(page.get_textpage().get_text_range() for page in document))
        document.close()
        where = 0
        for words in words_of_rows():
            found = text.find(words, where)
            assert found >= 0, (name, words)
            where = found + len(words)
        for credit in ("Easy Read checked by", "Jo Bennett", "Written by", "Reviewed by",
                       "This is the Easy Read version of: After your wisdom teeth are removed", "MPA-0005"):
            assert credit in text, (name, credit)


def test_text_is_16_pt_or_more_and_larger_in_large_print(pdfs):
    for name, smallest in (("a4-standard", 16), ("a5-standard", 16), ("a4-large-print", 18), ("a5-large-print", 18)):
        sizes = font_sizes(pdfs[name])
        body = max(set(sizes), key=sizes.count)
        assert min(sizes) >= smallest, name
        assert body == (16 if "standard" in name else 20), name


def test_fonts_are_embedded(pdfs):
    listing = subprocess.run(["pdffonts", str(pdfs["a4-standard"])], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows and all(re.search(r"\byes\s+yes\s+(yes|no)\s+\d+\s+\d+$", row) for row in rows), listing
    assert any("Atkinson-Hyperlegible-Next" in row for row in rows)


def test_picture_left_and_words_right_in_every_row(pdfs):
    """Each row's first words start right of its picture (drawn as vector paths), which is level with them."""
    for name in ("a4-standard", "a5-large-print"):
        found = 0
        with pdfplumber.open(pdfs[name]) as pdf:
            for words in words_of_rows():
                start = r"\s+".join(map(re.escape, words.split()[:4]))  # not a heading's words; they may wrap
                for page in pdf.pages:
                    hits = page.search(start)
                    if not hits:
                        continue
                    hit = hits[0]
                    picture = [c for c in page.curves + page.lines if c["x1"] <= hit["x0"] - 10
                               and c["top"] < hit["bottom"] + 60 and c["bottom"] > hit["top"] - 60]
                    assert picture, (name, words)
                    assert hit["x0"] - min(c["x0"] for c in picture) > 60, (name, words)  # a picture, not a bullet
                    found += 1
                    break
        assert found == len(words_of_rows()), name


def test_pictures_are_figures_with_their_alt_text_and_pass_both_pdfua_checkers(pdfs):
    import yaml
    data = yaml.safe_load((REPO / "handouts" / "after-your-wisdom-teeth-are-removed.easy-read.yaml").read_text())
    shipped = yaml.safe_load((REPO / "styles" / "pictures" / "pictures.yaml").read_text())["pictures"]
    expected = ["My Patient Advice logo"] + [row["picture"].get("alt") or shipped[row["picture"]["name"]]["alt"]
                                             for s in data["sections"] for row in s["rows"]]
    for name in ("a4-standard", "a5-large-print"):
        alts = [str(f["/Alt"]) for f in figures(read_tags(pdfs[name]))]
        assert alts == expected, name
        assert pdfua_problems(pdfs[name]) + page_problems(pdfs[name]) == [], name


def test_web_edition_rows_and_pictures(pdfs):
    page = pdfs["html"].read_text(encoding="utf-8")
    rows = re.findall(r'<div class="er-row( er-urgent)?">\s*<div class="er-picture"><img src="data:image/svg\+xml,'
                      r'[^"]+" alt="([^"]+)">\s*</div>\s*<div class="er-words">', page)
    assert len(rows) == len(words_of_rows())
    assert [urgent for urgent, _ in rows].count(" er-urgent") == 5
    text = normalise(re.sub(r"<[^>]+>", "", page))
    assert all(words in text for words in words_of_rows())


# -- catalogue and starter ---------------------------------------------------


def test_in_the_catalogue_under_its_own_filter(easy, capsys):
    assert easy.run("--format", "pdf", capsys=capsys)[0] == 0
    page = (easy.root / "dist" / "catalogue" / "format-easy-read.html").read_text(encoding="utf-8")
    assert "Your sprained ankle" in page and "Looking after a sprained ankle" not in page.split("<main")[1]
    assert 'href="../ankle.easy-read.pdf"' in page
    index = (easy.root / "dist" / "index.html").read_text(encoding="utf-8")
    assert '<h3>Format</h3>' in index and "format-easy-read.html" in index


def test_new_easy_read_starts_one_that_checks(easy, capsys):
    (easy.root / NAME).unlink()
    code, out, err = easy.run("new", "--easy-read", "ankle", capsys=capsys)
    assert code == 0 and out.startswith(f"created {NAME} for handouts/ankle.yaml")
    text = (easy.root / NAME).read_text()
    assert "easy_read_of: ankle\nsource_version: \"1.0\"\n" in text and "- heading: \"What to do\"" in text
    assert check_lines(easy, capsys, "--strict") == (0, [])
    code, out, err = easy.run("new", "--easy-read", "ankle", capsys=capsys)
    assert code != 0 and f"Error: {NAME} already exists - edit that file" in err
