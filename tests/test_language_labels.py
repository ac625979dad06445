"""Every word in the reader's language: braille, audio and print labels from the catalogue; sentences by their script."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO, TODAY, normalise
from pdfutil import page_texts

from publisher.govern import readability
from publisher.i18n import catalogues as i18n
from publisher.outputs import braille, louis
from publisher.site import catalogue as site

SHIPPED = "after-your-wisdom-teeth-are-removed"


def built(shipped, name: str) -> Path:
    return Path(shipped[SHIPPED].output).parent / name


def test_the_welsh_transcript_reads_the_brand_and_the_translation_s_credits_in_welsh(shipped):
    text = built(shipped, f"{SHIPPED}.cy.transcript.txt").read_text(encoding="utf-8")
    for welsh in ("Nid yw'n cymryd lle cyngor gan weithiwr iechyd proffesiynol",  # the brand's disclaimer
                  "Dywedwch wrthym beth yw eich barn am y daflen hon",  # its feedback text
                  "Cyfieithiad enghreifftiol yw hwn.",  # the translation note
                  "Cyfieithwyd o: After your wisdom teeth are removed (Saesneg), fersiwn 1.0.",
                  "Cyfieithwyd gan Elin Hughes, MA (Translation).",
                  "Gwiriwyd y cyfieithiad gan Siôn Prys, BA (Welsh)."):
        assert welsh in text, welsh
    for english in ("It does not replace advice", "Tell us what you think", "Translated by", "Written by"):
        assert english not in text, english


def test_the_welsh_braille_title_page_names_its_code_in_welsh(shipped):
    pages = built(shipped, f"{SHIPPED}.cy.brf").read_bytes().decode("ascii").split("\f")
    title_page = [line.strip() for line in pages[0].splitlines()]
    assert louis.translate(f"{braille.DISPLAY},cy-cy-g2.ctb", "Braille Cymraeg, gradd 2") in title_page
    assert louis.translate(f"{braille.DISPLAY},cy-cy-g2.ctb", "Welsh braille, grade 2") not in title_page
    # The translation's credits are read in the braille too.
    body = louis.back_translate(f"{braille.DISPLAY},cy-cy-g2.ctb", " ".join(" ".join(p.split()) for p in pages))
    assert "Elin Hughes" in body and "SiÔn Prys" in body


@pytest.mark.parametrize(("language", "expected"), [
    ("cy", "Braille Cymraeg, gradd 2"), ("ar", "برايل العربية، الدرجة 2"), ("pl", "Brajl (polski), stopień 1"),
    ("en-GB", "Unified English Braille, grade 2")])
def test_the_braille_code_is_named_from_the_catalogue(language, expected):
    table = braille.table_for(language)
    assert table is not None
    assert braille.title(table, language, i18n.labels(REPO, language)) == expected


@pytest.mark.parametrize(("name", "mark", "english"), [
    (f"{SHIPPED}.cy.pdf", "MPA-0005 fersiwn 1.0", "MPA-0005 v1.0"), (f"{SHIPPED}.pdf", "MPA-0005 v1.0", None)])
def test_the_footer_s_version_is_in_the_leaflet_s_language(shipped, name, mark, english):
    pages = [normalise(page) for page in page_texts(built(shipped, name))]
    assert all(mark in page for page in pages)
    assert english is None or not any(english in page for page in pages)


def test_the_bengali_danda_ends_a_sentence_and_vowel_signs_stay_in_their_word():
    text = "আপনার ডাক্তারের সাথে কথা বলুন। প্রতিদিন ওষুধ খান॥ তারপর বিশ্রাম নিন।"
    found = readability.sentences_in(text, "bn")
    assert found == ["আপনার ডাক্তারের সাথে কথা বলুন।", "প্রতিদিন ওষুধ খান॥", "তারপর বিশ্রাম নিন।"]
    assert [readability.length(sentence, "bn") for sentence in found] == [5, 3, 3]


def test_the_catalogue_lists_and_finds_translated_titles_and_names_languages_in_their_own_words(shipped):
    out = Path(shipped[SHIPPED].output).parent
    found = {item.stem: item for item in site.items(out, datetime.date.fromisoformat(TODAY))}
    item = found[SHIPPED]
    assert item.translations["cy"]["title"] == "Ar ôl tynnu eich dannedd doethineb"
    assert sorted(item.translations) == ["ar", "cy", "zh-Hans"]
    for word in ("doethineb", "智齿", "أضراس"):  # a word only a translation has: the Welsh, Chinese, Arabic title's
        assert item.matches(word) and [i.stem for i in found.values() if i.matches(word)] == [SHIPPED], word
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<p class="translated" lang="cy" dir="auto"><strong>Ar ôl tynnu eich dannedd doethineb</strong>' in page
    assert "doethineb" in page.split('id="after-your-wisdom-teeth-are-removed" data-text="', 1)[1].split('"', 1)[0]
    for tag, own, english in (("cy", "Cymraeg", "Welsh"), ("ar", "العربية", "Arabic"),
                              ("zh-Hans", "中文", "Chinese (Simplified)")):
        assert f'<span lang="{tag}" dir="auto">{own}</span> ({english})' in page
    assert site.language_label("en-GB") == "English (United Kingdom)"
    assert "@font-face { font-family: \"Leaflet Chinese\"" in page  # 中文 prints where no Chinese font is installed


def test_an_emoji_in_the_web_edition_prints_in_the_shipped_emoji_face(project, capsys):
    project.leaflet("x", MINIMAL.replace("Rest your ankle", "\U0001F4DE Call us, then rest your ankle"))
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    page = (project.root / "dist" / "x.html").read_text(encoding="utf-8")
    assert '@font-face { font-family: "Leaflet Emoji"; src: url(data:font/woff2;base64,' in page
    assert '"Leaflet Emoji"' in page.split("--font:", 1)[1].split(";", 1)[0]  # the last fallback of the page's font


@pytest.mark.parametrize(("language", "parts", "expected"), [
    ("ar", ("سلمى حداد", "ماجستير"), "سلمى حداد، ماجستير"), ("zh-Hans", ("张伟", "医学硕士"), "张伟、医学硕士"),
    ("ar", ("Priya Nair", "MPharm"), "Priya Nair, MPharm"), ("cy", ("Elin Hughes", "MA"), "Elin Hughes, MA")])
def test_names_are_joined_by_the_language_s_list_separator(language, parts, expected):
    assert i18n.labels(REPO, language).listed(*parts) == expected
