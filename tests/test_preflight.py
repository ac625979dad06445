"""The preflight: each rule found on a page made to break exactly it, and a build that refuses such a page."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from publisher.build import batch
from publisher.outputs.pdf import engine as pdf, preflight
from publisher.source import content

from conftest import MINIMAL, REPO, TODAY

FONTS = "\n".join(f'@font-face {{ font-family: "Atkinson Hyperlegible Next"; font-weight: {weight}; '
                  f'src: url(styles/fonts/AtkinsonHyperlegibleNext-{name}.ttf); }}'
                  for weight, name in ((400, "Regular"), (700, "Bold")))
PAGE = "@page { size: A5; margin: 14mm 14mm 26mm; } body { font: 12pt/1.5 'Atkinson Hyperlegible Next'; margin: 0; }"
TEXT = "<p>" + "Rest for the first day and keep the wound clean. " * 6 + "</p>"


@pytest.fixture(scope="module")
def engine():
    return pdf.Engine(content.Project(REPO))


def findings(engine, body: str, style: str = "") -> list:
    """The preflight's findings on a small A5 document (shipped fonts, tagged like a leaflet): 'rule page N'."""
    html = (f'<!DOCTYPE html><html lang="en"><head><title>t</title><style>{FONTS}{PAGE}{style}</style></head>'
            f"<body>{body}</body></html>")
    rendered = engine.render("t.yaml", html)
    found = preflight.check(rendered.pdf, "handouts/t.yaml", "en, A5, standard edition",
                            preflight.shipped_fonts(REPO / "styles"))
    return [f"{d.rule} {d.message.split(':')[0]}" for d in found]


def test_a_page_that_breaks_no_rule_has_no_finding(engine):
    assert findings(engine, "<h2>Getting better</h2>" + TEXT * 3) == []


def test_text_over_other_text(engine):
    body = TEXT + '<p style="position: absolute; top: 2mm; left: 0">Call 999 now</p>'
    assert findings(engine, body) == ["preflight-overlap en, A5, standard edition, page 1"]


def test_text_inside_the_unprintable_margin(engine):
    body = TEXT + '<p style="position: absolute; top: -12mm; left: -13mm">Call 999 now</p>'
    assert findings(engine, body) == ["preflight-edge en, A5, standard edition, page 1"]


def test_text_past_the_trim_edge_says_so(engine):
    html_body = TEXT + '<p style="position: absolute; top: 120mm; left: 110mm; white-space: nowrap">Call 999 now</p>'
    rendered = engine.render("t.yaml", f'<html lang="en"><head><title>t</title><style>{FONTS}{PAGE}</style></head>'
                                       f"<body>{html_body}</body></html>")
    found = preflight.check(rendered.pdf, "handouts/t.yaml", "en, A5, standard edition",
                            preflight.shipped_fonts(REPO / "styles"))
    assert [str(d) for d in found] == [
        "handouts/t.yaml: warning: preflight-edge: en, A5, standard edition, page 1: text at 124 mm across, 140 mm "
        "down reaches past the trim edge - keep it inside the page margins"]


def test_a_heading_last_on_a_page(engine):
    body = TEXT + "<h2>Eating and drinking</h2>" + '<p style="break-before: page">Soft food.</p>'
    assert findings(engine, body) == ["preflight-heading en, A5, standard edition, page 1"]


def test_a_heading_alone_on_a_page(engine):
    body = TEXT * 4 + '<h2 style="break-before: page">Eating and drinking</h2>' + TEXT * 4
    style = "h2 + p { break-before: page; }"
    assert findings(engine, body, style) == ["preflight-blank en, A5, standard edition, page 2",
                                             "preflight-heading en, A5, standard edition, page 2"]


def test_an_urgent_callout_split_across_pages(engine):
    body = TEXT * 2 + f'<aside class="callout callout-urgent"><p>Call 999 if:</p>{TEXT * 3}</aside>'
    assert findings(engine, body) == ["preflight-callout en, A5, standard edition, page 1"]


def test_an_urgent_callout_parted_from_its_heading(engine):
    body = (TEXT * 3 + "<h2>When to get help</h2>"
            + f'<aside class="callout callout-urgent" style="break-before: page"><p>Call 999 if:</p>{TEXT}</aside>')
    assert findings(engine, body) == ["preflight-heading en, A5, standard edition, page 1",
                                      "preflight-callout en, A5, standard edition, page 2"]


def test_a_page_mostly_blank_before_the_last(engine):
    body = TEXT * 4 + '<p style="break-before: page">A short line.</p>' + '<p style="break-before: page">End.</p>'
    assert findings(engine, body) == ["preflight-blank en, A5, standard edition, page 2"]


def test_the_last_page_may_be_short(engine):
    assert findings(engine, TEXT * 4 + '<p style="break-before: page">The end.</p>') == []


def test_a_font_the_project_does_not_ship(engine):
    body = TEXT + '<p style="font-family: DejaVu Serif">Call 999 now</p>'
    assert findings(engine, body) == [
        "preflight-font en, A5, standard edition, page 1"]


def test_a_missing_glyph(engine):
    found = findings(engine, TEXT + "<p>Take \U00013000 twice a day</p>")
    assert found == ["preflight-font en, A5, standard edition, page 1"]


def test_each_rule_is_documented():
    documented = (REPO / "docs" / "preflight.md").read_text(encoding="utf-8")
    assert [rule for rule in preflight.RULES if f"`{rule}`" not in documented] == []


LONG_URGENT = MINIMAL.replace("""    body: Rest your ankle and keep it raised when you can.
""", """    body: Rest your ankle and keep it raised when you can.
  - heading: When to get help now
    callouts:
      - kind: urgent
        heading: Call 999 or go to A&E if
        body: |
""" + "".join(f"          - your ankle is badly swollen, cold, numb or blue and you cannot walk on it ({n})\n"
              for n in range(1, 19)))


def test_a_strict_or_publishing_build_refuses_an_urgent_callout_too_tall_for_a_page_and_keeps_no_pdf(project, capsys):
    project.leaflet("ankle", LONG_URGENT)
    code, out, err = project.run("--strict", "--paper", "a5", "--edition", "large-print", "--format", "pdf",
                                 capsys=capsys)
    assert code == 1
    assert ("handouts/ankle.yaml: error: preflight-callout: en-GB, A5, large print edition, page 4: an urgent "
            "callout runs on from this page to page 7 - shorten it, or split it into two callouts "
            "(--strict turns warnings into errors)") in err
    assert not (project.root / "dist" / "ankle.large-print.pdf").exists()
    # Publishing refuses it without --strict too: a patient is never given urgent advice split across pages.
    code, out, err = project.run("publish", "--no-strict", "--paper", "a5", "--edition", "large-print", "--format",
                                 "pdf", capsys=capsys)
    assert code == 1
    assert ("handouts/ankle.yaml: error: preflight-callout: en-GB, A5, large print edition, page 4: an urgent "
            "callout runs on from this page to page 7 - shorten it, or split it into two callouts "
            "(a published leaflet may not have this; a draft build only warns)") in err
    assert not (project.root / "dist" / "ankle.large-print.pdf").exists()
    # A draft shows its author the page, with the warning.
    code, out, err = project.run("build", "--paper", "a5", "--edition", "large-print", "--format", "pdf", capsys=capsys)
    assert code == 0 and "handouts/ankle.yaml: warning: preflight-callout: en-GB, A5, large print edition" in err
    assert (project.root / "drafts" / "ankle.large-print.pdf").exists()


def test_every_shipped_pdf_on_a4_passes_the_preflight(shipped):
    """Every language, both editions and the bilingual edition, as the shipped brand builds them (A4)."""
    folder = Path(next(iter(shipped.values())).output).parent
    made = sorted(folder.glob("*.pdf"))
    assert len(made) >= 18 and any(p.name.endswith(".bilingual.pdf") for p in made)
    found = [str(d) for p in made for d in preflight.check(p.read_bytes(), p.name, "A4", preflight.shipped_fonts(
        REPO / "styles"))]
    assert found == []


def test_every_shipped_pdf_on_a5_passes_the_preflight(on_paper):
    """The same on A5, where the pages are smallest: the build itself runs the preflight and reports nothing
    (the run's A5 build, conftest.on_paper: the shipped leaflets in both editions and bilingual, beside fixtures)."""
    shipped = {f"{p.stem}." for p in (REPO / "handouts").glob("*.yaml")}
    _, results = on_paper("a5")
    ours = [r for r in results if Path(r.output).name.startswith(tuple(shipped))]
    assert [e for r in ours for e in r.errors] == []
    assert len([r for r in ours if r.status == "built"]) >= 18
    assert any(r.output.endswith(".bilingual.pdf") for r in ours)
    assert [w for r in ours for w in r.warnings] == []


def test_a_leaflet_written_elsewhere_builds_everywhere_but_where_its_long_callout_cannot_fit(tmp_path):
    """Long headings, a table, many sections, an urgent callout straight after its heading and one of ten items:
    clean on A4 and A5 in both editions, except the ten-item callout on A5 large print, which no page holds."""
    leaflet = REPO / "tests" / "data" / "preflight" / "long-callouts.yaml"
    found = []
    for paper in ("a4", "a5"):
        options = batch.Options(out=tmp_path / paper, jobs=1, paper=paper, editions=("standard", "large-print"),
                                formats=("pdf",), site=False, publish=False, today=datetime.date.fromisoformat(TODAY))
        report = batch.build(content.Project(REPO), options, [leaflet])
        assert [r.status for r in report.results] == ["built", "built"]
        found += [w for r in report.results for w in r.warnings]
    assert found == [
        "tests/data/preflight/long-callouts.yaml: warning: preflight-callout: en-GB, A5, large print edition, "
        "page 10: an urgent callout runs on from this page to page 12 - shorten it, or split it into two callouts"]
