"""Translations: linked to their source, named by language, kept in step (translation-stale), governed per language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO, SITE, normalise
from pdfutil import fonts, page_texts
from test_scripts import reading_text

from publisher.govern import readability
from publisher.source import content
from publisher.source import fonts as coverage

SHIPPED = "after-your-wisdom-teeth-are-removed"

TRANSLATORS = """
  elin-hughes:
    name: Elin Hughes
    credentials: MA
    role: Welsh translator
    biography: A fictional translator for the tests.
  sion-prys:
    name: Siôn Prys
    credentials: BA
    role: Welsh language checker
    biography: A fictional checker for the tests.
"""

# A Welsh translation of conftest.MINIMAL: only the words, the translators and the link.
WELSH = """\
translation_of: x
source_version: "1.0"
language: cy
title: Gofalu am bigwrn wedi’i ysigo
summary: Mae’r rhan fwyaf o ysigiadau’n gwella ar eu pennau eu hunain mewn ychydig wythnosau.
credits:
  translators: [elin-hughes]
  translation_checkers: [sion-prys]
sections:
  - heading: Beth i’w wneud
    body: Gorffwyswch eich pigwrn a’i gadw wedi’i godi pan allwch chi.
"""


@pytest.fixture
def welsh(project):
    """A project with the leaflet x and its Welsh translation x.cy, and the translators in people.yaml."""
    with open(project.root / "people.yaml", "a", encoding="utf-8") as people:
        people.write(TRANSLATORS)
    project.catalogue("cy")  # the test brand's own texts, in Welsh
    project.leaflet("x")
    project.leaflet("x.cy", WELSH)
    return project


def _errors(project, capsys, *args):
    code, out, err = project.run("check", *args, capsys=capsys)
    return code, [line for line in (out + err).splitlines() if ": info: " not in line]


# -- outputs -------------------------------------------------------------------


def test_a_translation_builds_every_edition_and_format_named_by_language(welsh, capsys):
    code, out, err = welsh.run("--edition", "standard", "--edition", "large-print", "--format", "pdf,html,preview",
                               "--report", str(welsh.root / "report.json"), capsys=capsys)
    assert code == 0, err
    report = json.loads((welsh.root / "report.json").read_text())["leaflets"]
    assert sorted((r["output"], r["language"]) for r in report if r["source"] == "handouts/x.cy.yaml") == [
        ("dist/x.cy.html", "cy"), ("dist/x.cy.large-print.pdf", "cy"), ("dist/x.cy.large-print.preview.html", "cy"),
        ("dist/x.cy.pdf", "cy"), ("dist/x.cy.preview.html", "cy")]
    dist = welsh.root / "dist"
    assert sorted(p.name for p in dist.iterdir() if not p.name.startswith(".")) == sorted(SITE + [
        "x.cy.html", "x.cy.large-print.pdf", "x.cy.large-print.preview.html", "x.cy.pdf", "x.cy.preview.html",
        "x.html", "x.large-print.pdf", "x.large-print.preview.html", "x.pdf", "x.preview.html"])
    manifest = json.loads((dist / ".manifest.json").read_text())["leaflets"]
    assert {k: (v["language"], v["translation_of"]) for k, v in manifest.items()} == {
        **{f"x.cy{s}": ("cy", "x") for s in (".html", ".large-print.pdf", ".large-print.preview.html", ".pdf",
                                               ".preview.html")},
        **{f"x{s}": ("en-GB", "") for s in (".html", ".large-print.pdf", ".large-print.preview.html", ".pdf",
                                             ".preview.html")}}
    for name in ("x.cy.pdf", "x.cy.large-print.pdf"):
        text = normalise(" ".join(page_texts(dist / name)))
        for sentence in ("Gofalu am bigwrn wedi’i ysigo",
                         "Mae’r rhan fwyaf o ysigiadau’n gwella ar eu pennau eu hunain mewn ychydig wythnosau.",
                         "Gorffwyswch eich pigwrn a’i gadw wedi’i godi pan allwch chi.",
                         # what the source controls, and the translation's own credits, labelled in Welsh
                         "TST-0001 fersiwn 1.0", "Ysgrifennwyd gan Phoebe Carter", "Adolygwyd gan Dr. Rebecca Fernandez",
                         "Cyfieithwyd gan Elin Hughes, MA", "Gwiriwyd y cyfieithiad gan Siôn Prys, BA",
                         "Cyfieithwyd o", "Looking after a sprained ankle (Saesneg), fersiwn 1.0"):
            assert sentence in text, (name, sentence)
        assert "Most sprains get better" not in text
    page = (dist / "x.cy.html").read_text(encoding="utf-8")
    assert '<html lang="cy">' in page and "Cyfieithwyd gan" in page
    # The source's title, in its own language, is marked so a screen reader reads it as English.
    assert '<span lang="en-GB">Looking after a sprained ankle</span> (Saesneg), fersiwn 1.0' in page
    assert '<html lang="en-GB">' in (dist / "x.html").read_text(encoding="utf-8")


def test_a_translation_rebuilds_with_its_source_and_goes_when_deleted(welsh, capsys):
    assert welsh.run("--format", "pdf", capsys=capsys)[0] == 0
    code, out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert out.splitlines()[-1] == "built 0, unchanged 2, removed 0, failed 0 in T s"
    # The source's dates print on the translation: changing them rebuilds both.
    welsh.leaflet("x", MINIMAL.replace("next_review: 2028-01-10", "next_review: 2028-01-09"))
    code, out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert sorted(line.split(" (")[0] for line in out.splitlines()[:-1]) == ["built dist/x.cy.pdf", "built dist/x.pdf"]
    (welsh.root / "handouts" / "x.cy.yaml").unlink()
    code, out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert code == 0
    assert "removed dist/x.cy.pdf" in out and out.splitlines()[-1].startswith("built 0, unchanged 1, removed 1")
    assert (welsh.root / "dist" / "x.pdf").exists() and not (welsh.root / "dist" / "x.cy.pdf").exists()


def test_email_attaches_the_translation_asked_for(welsh, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_FROM", "leaflets@example.org")
    code, out, err = welsh.run("email", "x", "--language", "cy", "--to", "a@example.org", "--dry-run",
                               str(tmp_path / "outbox"), capsys=capsys)
    assert code == 0, err
    assert out.startswith("wrote 1 message (TST-0001-v1.0-x.cy.pdf, ")
    code, out, err = welsh.run("email", "x", "--language", "ar", "--to", "a@example.org", capsys=capsys)
    assert code == 2
    assert err.splitlines()[-1] == ("Error: handouts/x.yaml has no translation into 'ar' (handouts/x.ar.yaml does "
                                    "not exist) - it has: cy")


def test_the_catalogue_pairs_a_leaflet_with_its_translations(welsh):
    catalogue = content.load_catalogue(content.Project(welsh.root))
    source = next(leaflet for leaflet in catalogue.leaflets if leaflet.stem == "x")
    (welsh_leaflet,) = catalogue.translations_of("x")
    assert welsh_leaflet.stem == "x.cy" and welsh_leaflet.language == "cy"
    assert catalogue.source_of(welsh_leaflet) is source or catalogue.source_of(welsh_leaflet).path == source.path
    assert welsh_leaflet.data["reference"] == "TST-0001" and welsh_leaflet.data["version"] == "1.0"
    assert [p["id"] for p in welsh_leaflet.authors] == ["phoebe-carter"]
    assert catalogue.translations_of("x.cy") == [] and source.output_language is None


# -- what a translation may not do ------------------------------------------------


@pytest.mark.parametrize("change, expected", [
    (("language: cy\n", "language: cy\nreference: TST-0099\n"),
     ["handouts/x.cy.yaml:4:12: reference: TST-0099 differs from the source's TST-0001 (handouts/x.yaml) - a "
      "translation keeps what its source says here; remove the line to take it from the source"]),
    (("language: cy\n", "language: cy\ndates:\n  published: 2026-01-11\n  last_reviewed: 2026-01-10\n"
                        "  next_review: 2028-01-10\n"),
     ["handouts/x.cy.yaml:5:14: dates.published: 2026-01-11 differs from the source's 2026-01-10 (handouts/x.yaml) "
      "- a translation keeps what its source says here; remove the line to take it from the source"]),
    (("credits:\n", "credits:\n  authors: [rebecca-fernandez]\n"),
     ["handouts/x.cy.yaml:7:12: credits.authors: rebecca-fernandez differs from the source's phoebe-carter "
      "(handouts/x.yaml) - a translation keeps what its source says here; remove the line to take it from the "
      "source"]),
    (("language: cy\n", "language: cy\nversion: \"1.1\"\n"),
     ["handouts/x.cy.yaml:4:10: version: '1.1' differs from source_version '1.0' - a translation carries the "
      "version of the source it was made from; remove 'version:'"]),
    (("source_version: \"1.0\"", "source_version: \"1.2\""),
     ["handouts/x.cy.yaml:2:17: source_version: '1.2' is newer than version '1.0' of handouts/x.yaml - give the "
      "version of the source you translated"]),
    (("translation_of: x", "translation_of: y"),
     ["handouts/x.cy.yaml:1:17: translation_of: a translation of 'y' into 'cy' must be named y.cy.yaml, not "
      "x.cy.yaml - rename the file (the outputs are named after the source and the language)",
      "handouts/x.cy.yaml:1:17: translation_of: unknown leaflet 'y' (handouts/y.yaml does not exist) - name a "
      "leaflet file in the same folder, without .yaml"]),
    (("language: cy", "language: en-gb"),
     ["handouts/x.cy.yaml:1:17: translation_of: a translation of 'x' into 'en-GB' must be named x.en-GB.yaml, not "
      "x.cy.yaml - rename the file (the outputs are named after the source and the language)",
      "handouts/x.cy.yaml:3:11: language: 'en-GB' is the language of its source handouts/x.yaml - a translation "
      "must be into another language"]),
    (("  translation_checkers: [sion-prys]\n", ""),
     ["handouts/x.cy.yaml:6:1: credits: missing required field 'translation_checkers' here - add "
      "'translation_checkers:'"]),
], ids=["reference", "dates", "authors", "version", "newer-source-version", "unknown-source", "own-language",
        "no-checker"])
def test_what_a_translation_may_not_change_is_an_error_at_its_line(welsh, capsys, change, expected):
    welsh.leaflet("x.cy", WELSH.replace(*change))
    code, lines = _errors(welsh, capsys)
    assert code == 1
    assert lines == expected + ["2 leaflets checked, 1 valid: "
                                f"{len(expected)} error{'s' if len(expected) > 1 else ''}, 0 warnings, 0 waived."]


def test_two_translations_into_one_language_and_other_misuse(welsh, capsys):
    welsh.catalogue("pl")
    welsh.leaflet("x.CY", WELSH.replace("language: cy", "language: CY"))
    welsh.leaflet("x.pl", MINIMAL)  # named like a translation, without translation_of
    welsh.leaflet("x.cy.pl", WELSH.replace("translation_of: x", "translation_of: x.cy").replace("language: cy",
                                                                                               "language: pl"))
    welsh.leaflet("y", MINIMAL + "source_version: \"1.0\"\n")
    code, lines = _errors(welsh, capsys)
    assert code == 1
    assert lines == [  # language codes are case-insensitive: the file not named in the tag's own case is the second
        "handouts/x.CY.yaml:1:17: translation_of: a translation of 'x' into 'cy' must be named x.cy.yaml, not "
        "x.CY.yaml - rename the file (the outputs are named after the source and the language)",
        "handouts/x.CY.yaml:3:11: language: 'x' already has a translation into 'cy', handouts/x.cy.yaml - keep one "
        "file per source and language, and delete or merge the other",
        "handouts/x.cy.pl.yaml:1:17: translation_of: 'x.cy' is itself a translation, of 'x' - translate from 'x'",
        "handouts/x.pl.yaml:1:1: file name 'x.pl' is how a translation of 'x' is named - add 'translation_of: x' and "
        "'source_version:', or rename the file",
        "handouts/y.yaml:18:1: source_version: only a translation has this - add 'translation_of:' naming the leaflet "
        "it translates, or remove it",
        "6 leaflets checked, 2 valid: 5 errors, 0 warnings, 0 waived."]
    (welsh.root / "handouts" / "x.CY.yaml").unlink()
    code, lines = _errors(welsh, capsys, str(welsh.root / "handouts" / "x.cy.pl.yaml"))
    assert lines == ["handouts/x.cy.pl.yaml:1:17: translation_of: 'x.cy' is itself a translation, of 'x' - translate "
                     "from 'x'", "1 leaflet checked, 0 valid: 1 error, 0 warnings, 0 waived."]


# -- translation-stale -----------------------------------------------------------


def _newer_source(project, last_reviewed="2026-11-01"):
    project.leaflet("x", MINIMAL.replace('version: "1.0"', 'version: "1.1"')
                    .replace("last_reviewed: 2026-01-10", f"last_reviewed: {last_reviewed}"))


def test_a_stale_translation_warns_within_the_grace_period(welsh, capsys):
    _newer_source(welsh)  # 24 days before conftest.TODAY; the default grace is 30 days
    code, lines = _errors(welsh, capsys)
    assert code == 0
    assert lines == [
        "handouts/x.cy.yaml:2:17: warning: translation-stale: translated from version 1.0 of handouts/x.yaml, which "
        "is now at version 1.1 (since 2026-11-01) - translate the changes into Welsh and set source_version: \"1.1\"; "
        "from 2026-12-02 this is an error (translation_grace_days: 30)",
        "2 leaflets checked, 2 valid: 0 errors, 1 warning, 0 waived."]
    code, out, err = welsh.run("check", "--summary", capsys=capsys)
    rows = {line.split()[0] + " " + line.split()[1]: line for line in out.splitlines() if line.startswith("TST-0001")}
    assert "en-GB, cy stale (1.0 < 1.1)" in rows["TST-0001 Looking"]
    assert "  cy stale (1.0 < 1.1)  " in rows["TST-0001 Gofalu"]
    code, out, err = welsh.run("check", "--format", "json", capsys=capsys)
    source = next(row for row in json.loads(out)["leaflets"] if row["source"] == "handouts/x.yaml")
    assert source["languages"] == [
        {"language": "en-GB", "up_to_date": None},
        {"language": "cy", "file": "handouts/x.cy.yaml", "up_to_date": False, "source_version": "1.0", "current": "1.1"}]


def test_a_stale_translation_fails_after_the_grace_period_and_is_not_built(welsh, capsys):
    _newer_source(welsh, "2026-10-20")  # 36 days before conftest.TODAY
    code, lines = _errors(welsh, capsys)
    assert code == 1
    stale = ("handouts/x.cy.yaml:2:17: error: translation-stale: translated from version 1.0 of handouts/x.yaml, "
             "which has been at version 1.1 since 2026-10-20, more than 30 days (translation_grace_days) - translate "
             "the changes into Welsh and set source_version: \"1.1\", or withdraw the translation")
    assert lines == [stale, "2 leaflets checked, 2 valid: 1 error, 0 warnings, 0 waived."]
    code, out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert code == 1 and stale in err and not (welsh.root / "dist" / "x.cy.pdf").exists()
    # The brand sets the grace period; an up-to-date translation has nothing to say.
    with open(welsh.root / "brand.yaml", "a", encoding="utf-8") as brand:
        brand.write("translation_grace_days: 40\n")
    assert _errors(welsh, capsys)[0] == 0
    welsh.leaflet("x.cy", WELSH.replace('source_version: "1.0"', 'source_version: "1.1"'))
    assert _errors(welsh, capsys) == (0, ["2 leaflets checked, 2 valid: 0 errors, 0 warnings, 0 waived."])


def test_a_stale_translation_built_in_its_grace_period_fails_once_the_period_ends(welsh, capsys):
    _newer_source(welsh)
    code, out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert code == 0 and "translation-stale" in out + err
    code, out, err = welsh.run("--format", "pdf", "--today=2026-12-03", capsys=capsys)
    assert code == 1 and "error: translation-stale" in err
    assert (welsh.root / "dist" / "x.cy.pdf").exists()  # the last good PDF is kept, as for any failed leaflet


# -- governance per language -------------------------------------------------------


def test_readability_is_skipped_with_its_reason_for_other_languages(welsh, capsys):
    code, out, err = welsh.run("check", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "handouts/x.cy.yaml:3:11: info: language-rules: reading-ease and reading-age skipped: their formulas (Flesch) "
        "are validated for English only, and none is built in for Welsh (cy) - ask a reader of the language to check "
        "that the text is plain",
        "2 leaflets checked, 2 valid: 0 errors, 0 warnings, 0 waived."]
    code, out, err = welsh.run("check", "-q", capsys=capsys)
    assert (code, out, err) == (0, "", "")  # a note is not a problem
    code, out, err = welsh.run("check", "--summary", capsys=capsys)
    row = next(line for line in out.splitlines() if "Gofalu" in line)
    assert row.split()[6:9] == ["-", "-", "-"]  # pages, ease and age: none computed


def test_case_rules_apply_to_welsh_and_long_sentences_count_welsh_words(welsh, capsys):
    long = " ".join(["Mae’r"] + ["gair"] * 26) + "."
    welsh.leaflet("x.cy", WELSH.replace("body: Gorffwyswch", f"body: {long} GOFALWCH YN FAWR. Gorffwyswch")
                  .replace("heading: Beth i’w wneud", "heading: Beth Sydd Angen Ei Wneud"))
    code, lines = _errors(welsh, capsys)
    assert lines == [
        "handouts/x.cy.yaml:10:14: warning: sentence-case: \"Beth Sydd Angen Ei Wneud\" is in title case - capitalise "
        "only the first word and names, e.g. \"Beth sydd angen ei wneud\"",
        "handouts/x.cy.yaml:11:11: warning: all-caps: \"GOFALWCH YN FAWR\" is in capitals, which is harder to read - "
        "use bold for emphasis",
        "handouts/x.cy.yaml:11:11: warning: long-sentence: 27 words, more than 25: \"Mae’r gair gair gair gair gair "
        "gair gair gair gair gair gair gair ...\" - split it",
        "2 leaflets checked, 2 valid: 0 errors, 3 warnings, 0 waived."]


def test_chinese_sentences_are_measured_in_characters():
    # Each Han character counts one, and so does a Latin word or a number (NHS, 111); punctuation does not.
    sentence = "如果拔牙后的伤口在按压三十分钟以后仍然出血不止，请马上致电牙科诊所或者拨打NHS 111求助。"
    han = sum("\u4e00" <= c <= "\u9fff" for c in sentence)
    assert han == 38 and readability.length(sentence, "zh-Hans") == han + 2
    assert readability.sentences_in("拔牙后会形成血凝块。它能保护伤口！真的吗？是的", "zh-Hans") == [
        "拔牙后会形成血凝块。", "它能保护伤口！", "真的吗？", "是的"]
    assert readability.sentences_in("تتكون جلطة دموية. إنها تحمي الجرح؟ نعم", "ar") == [
        "تتكون جلطة دموية.", "إنها تحمي الجرح؟", "نعم"]
    assert readability.length("اتصل بـ NHS 111 الآن.", "ar") == 5
    # English is measured as before: words of letters only.
    assert readability.length("Call NHS 111 now.", "en-GB") == 3


# -- the shipped sample translations -------------------------------------------------

WELSH_SENTENCES = [
    "Ar ôl tynnu eich dannedd doethineb",
    "Mae ceulad gwaed yn ffurfio yn y bwlch lle’r oedd eich dant.",
    "Peidiwch â golchi eich ceg, poeri nac yfed drwy welltyn.",
    "Ffoniwch 999 os ydych chi’n ei chael hi’n anodd anadlu neu lyncu.",
    "Gall eich deintydd lenwi’r bwlch â gorchudd i leddfu’r boen.",
    "Cyfieithiad enghreifftiol yw hwn.",
]
ARABIC_SENTENCES = [
    "بعد خلع أضراس العقل",
    "لا تدخّن ولا تشرب الكحول.",
    "اتصل بالرقم 999 إذا وجدت صعوبة في التنفس أو البلع.",
    "هذه ترجمة نموذجية.",
]
CHINESE_SENTENCES = [
    "拔除智齿之后",
    "不要漱口、吐口水或用吸管喝东西。",
    "如果呼吸或吞咽困难，请拨打999。",
    "这是一份示例译文",
]


def _needs(characters: str):
    """Skip until styles/fonts/ prints these (Arabic and Chinese fonts come from the fonts branch of issue 14)."""
    missing = {c for c in characters if not c.isspace()} - coverage.covered_characters(REPO / "styles")
    return pytest.mark.skipif(bool(missing), reason="the Arabic and Chinese fonts are not in styles/fonts/ yet")


@pytest.mark.parametrize("language, sentences", [
    ("cy", WELSH_SENTENCES),
    pytest.param("ar", ARABIC_SENTENCES, marks=_needs("".join(ARABIC_SENTENCES))),
    pytest.param("zh-Hans", CHINESE_SENTENCES, marks=_needs("".join(CHINESE_SENTENCES))),
])
def test_the_sample_translations_print_their_own_words_in_every_edition(shipped, language, sentences):
    """Read from the run's build of the shipped catalogue (conftest.shipped); how a translation's outputs are
    named is test_a_translation_builds_every_edition_and_format_named_by_language's."""
    tmp_path = Path(shipped[f"{SHIPPED}.{language}"].output).parent
    # Welsh also has brand.yaml's bilingual edition, Welsh and English in one PDF (tests/test_bilingual.py).
    bilingual = [f"{SHIPPED}.cy.bilingual.pdf", f"{SHIPPED}.cy.large-print.bilingual.pdf"] if language == "cy" else []
    made = {p.name for p in tmp_path.iterdir()}
    assert {f"{SHIPPED}.{language}.html", f"{SHIPPED}.{language}.large-print.pdf", f"{SHIPPED}.{language}.pdf",
            *bilingual} <= made
    for edition in ("", ".large-print"):
        pdf = tmp_path / f"{SHIPPED}.{language}{edition}.pdf"
        # Right-to-left text as poppler reads it, in reading order (test_scripts.reading_text); PDFium gives it
        # in visual order.
        whole = normalise(reading_text(pdf) if language == "ar" else " ".join(page_texts(pdf)))
        text = whole
        if language != "cy":  # right-to-left and CJK text come without the line breaks' spaces
            text = re.sub(r"\s+", "", text)
        for sentence in sentences:
            assert (sentence if language == "cy" else re.sub(r"\s+", "", sentence)) in text, (edition, sentence)
        # The translators' credits say it is a sample: in Welsh where people.yaml translates them, else in English.
        assert ("Cyfieithiad ENGHREIFFTIOL yw hwn" if language == "cy" else "This is a SAMPLE translation") in whole
        # The source's reference and version, with the catalogue's word for "version" (not an English "v").
        mark = {"cy": "MPA-0005 fersiwn 1.0", "ar": "MPA-0005 الإصدار 1.0", "zh-Hans": "MPA-0005 第 1.0 版"}[language]
        assert re.sub(r"\s+", "", mark) in re.sub(r"\s+", "", whole)
        assert all(not name.startswith(("DejaVu", "Liberation")) for name in fonts(pdf))
    page = (tmp_path / f"{SHIPPED}.{language}.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}"' in page


def test_every_shipped_translation_is_up_to_date_and_linked():
    catalogue = content.load_catalogue(content.Project(REPO), [REPO / "handouts" / f"{SHIPPED}.cy.yaml"])
    (welsh,) = catalogue.leaflets
    assert welsh.translation_of == SHIPPED and welsh.original is not None
    source = welsh.original.data
    original = (REPO / "handouts" / f"{SHIPPED}.yaml").read_text(encoding="utf-8").split("\nsections:")[1] \
        .split("\nsources:")[0]
    for language in ("cy", "ar", "zh-Hans"):
        text = (REPO / "handouts" / f"{SHIPPED}.{language}.yaml").read_text(encoding="utf-8")
        assert f'source_version: "{source["version"]}"' in text
        # The structure is kept: the same sections, callouts, sub-headings, list items and links as the source.
        body = text.split("\nsections:")[1].split("\nsources:")[0]  # sources come from the source
        for pattern in (r"\n  - (?:heading|callouts):", r"kind: \w+", r"### ", r"\n +- [^\n]", r"https://[^\s)\]]+"):
            assert len(re.findall(pattern, body)) == len(re.findall(pattern, original)), (language, pattern)
        assert re.findall(r"https://[^\s)\]]+", body) == re.findall(r"https://[^\s)\]]+", original)



# 43 Han characters, and NHS and 111 count one each: 45, over the limit of 40.
CHINESE_LONG = "请不要惊慌，如果拔牙后的伤口在按压三十分钟以后仍然出血不止，请马上致电牙科诊所或者拨打NHS 111求助。"
CHINESE = """\
translation_of: x
source_version: "1.0"
language: zh-Hans
title: 扭伤脚踝的护理
summary: 大多数扭伤会在几周内自行好转。
credits:
  translators: [elin-hughes]
  translation_checkers: [sion-prys]
sections:
  - heading: 怎么做
    body: 尽量让脚踝休息并抬高。LONG
"""


@_needs(CHINESE_LONG + CHINESE)
def test_a_long_chinese_sentence_is_counted_in_characters(welsh, capsys):
    assert sum("\u4e00" <= c <= "\u9fff" for c in CHINESE_LONG) == 43
    welsh.catalogue("zh_Hans")
    welsh.leaflet("x.zh-Hans", CHINESE.replace("LONG", CHINESE_LONG))
    code, out, err = welsh.run("check", capsys=capsys)
    assert code == 0
    assert [line for line in out.splitlines() if "x.zh-Hans" in line] == [
        "handouts/x.zh-Hans.yaml:3:11: info: language-rules: reading-ease and reading-age skipped: their formulas "
        "(Flesch) are validated for English only, and none is built in for Chinese (Simplified) (zh-Hans) - ask a "
        "reader of the language to check that the text is plain",
        "handouts/x.zh-Hans.yaml:3:11: info: language-rules: sentence-case and all-caps skipped: Chinese (Simplified) "
        "(zh-Hans) is written in Han (simplified Chinese characters) script, which has no capital letters",
        f"handouts/x.zh-Hans.yaml:11:11: warning: long-sentence: 45 characters, more than 40: \"{CHINESE_LONG}\" - "
        "split it"]


def test_the_catalogue_site_lists_a_translation_with_its_source(welsh, capsys):
    import datetime

    from publisher.site import catalogue as site
    code, out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert code == 0, err
    found = site.items(welsh.root / "dist", datetime.date(2026, 1, 10))
    assert [(item.stem, item.languages) for item in found] == [("x", ["en-GB", "cy"])]
    assert '<a href="x.cy.pdf" hreflang="cy">' in (welsh.root / "dist" / "index.html").read_text(encoding="utf-8")


def test_a_corrected_translation_is_a_new_translation_revision_in_the_archive(welsh, capsys):
    """A translation shares its source's version, so a correction to it is counted by translation_revision."""
    brand = welsh.root / "brand.yaml"
    brand.write_text(brand.read_text(encoding="utf-8") + "archive: {cosmetic: allow}\n", encoding="utf-8")
    assert welsh.run("--format", "html", capsys=capsys)[0] == 0
    corrected = WELSH.replace("Gorffwyswch eich pigwrn", "Gorffwyswch eich ffêr")
    assert corrected != WELSH
    welsh.leaflet("x.cy", corrected)
    code, out, err = welsh.run("--format", "html", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "handouts/x.cy.yaml:2:17: source_version: the published translation of version 1.0 (translation_revision 1) "
        "differed: set translation_revision: 2, or revert")
    welsh.leaflet("x.cy", corrected.replace('source_version: "1.0"\n', 'source_version: "1.0"\ntranslation_revision: 2\n'))
    assert welsh.run("--format", "html", capsys=capsys)[0] == 0
    content = json.loads((welsh.root / "archive" / "x.cy" / "1.0" / "index.json").read_text(encoding="utf-8"))["content"]
    assert sorted(content) == ["cy", "cy r2"] and content["cy"] != content["cy r2"]
    # Only a translation has a translation_revision.
    welsh.leaflet("y", MINIMAL + "translation_revision: 2\n")
    code, out, err = welsh.run("check", capsys=capsys)
    assert "handouts/y.yaml:18:1: translation_revision: only a translation has this" in err


def test_a_translation_of_a_broken_source_says_to_fix_the_source_first(welsh, capsys):
    welsh.leaflet("x", MINIMAL.replace("title:", "titel:"))
    code, lines = _errors(welsh, capsys, str(welsh.root / "handouts" / "x.cy.yaml"))
    assert code == 1
    assert "handouts/x.cy.yaml:1:17: translation_of: its source handouts/x.yaml has errors - fix them first (they are " \
           "listed with that file)" in lines
