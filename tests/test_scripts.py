"""Leaflets in other scripts: Arabic and Urdu right to left, Bengali, Simplified Chinese, and phrases marked
[words]{lang=cy} inside an English leaflet. The fixtures are tests/data/pages/scripts-*.yaml."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pdfutil import structure
from test_fonts import foreign_fonts, pdffonts
from test_pdfua import page_problems, pdfua_problems
from test_web import axe_violations, browser, readable, show  # noqa: F401 (browser is a fixture)

from conftest import REPO
from publisher.i18n import languages
from publisher.mail import send as mail
from publisher.outputs import web
from publisher.render import html
from publisher.source import content, markdown, markdown_checks

FIXTURES = REPO / "tests" / "data" / "pages"
STEMS = {"ar": "scripts-arabic", "ur": "scripts-urdu", "bn": "scripts-bengali", "zh-Hans": "scripts-chinese",
         "en-GB": "scripts-inline"}
# The face each language's own letters must come from (pdffonts names, without the subset prefix).
FACES = {"ar": "Noto-Naskh-Arabic", "ur": "Noto-Nastaliq-Urdu", "bn": "Noto-Sans-Bengali", "zh-Hans": "Noto-Sans-SC",
         "en-GB": "Atkinson-Hyperlegible-Next"}
MM = 72 / 25.4


@pytest.fixture(scope="module")
def built(on_paper) -> Path:
    """The shipped project with the script fixtures, built once a run (conftest.on_paper): PDF and web edition, A4,
    standard and large print, in its folder dist-a4."""
    return on_paper("a4")[0].parent


def fixture_texts(stem: str) -> list[str]:
    """The sentences a fixture's text fields hold, as a reader would see them (no Markdown syntax)."""
    import yaml
    data = yaml.safe_load((FIXTURES / f"{stem}.yaml").read_text(encoding="utf-8"))
    fields = [data["title"], markdown.plain(data["summary"])]
    for section in data["sections"]:
        fields += [section.get("heading") or ""]
        for line in (section.get("body") or "").splitlines():
            if line.strip() and not line.lstrip().startswith("|"):
                fields.append(markdown.plain(line))
        for callout in section.get("callouts", []):
            fields += [callout.get("heading") or "", markdown.plain(callout["body"])]
        for card in section.get("cards", []):
            fields += [card["heading"], markdown.plain(card["body"])]
    return [field for field in fields if field]


def reading_text(pdf: Path) -> str:
    """Every page's text in the order it is read, as a PDF reader extracts it (poppler), lines joined by spaces.

    `pdftotext -raw` keeps the order the text was written in, which WeasyPrint writes in reading order, box by
    box; it gives each right-to-left stretch in visual order, wrapped in U+202B ... U+202C, which is turned
    back here. Nothing else is changed.
    """
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    out = re.sub("\u202b([^\u202c]*)\u202c", lambda m: m.group(1)[::-1], out)
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", out))


_PUNCTUATION = re.compile(r"[.,:;!?()،۔؟。，：！？*]")


def words(text: str) -> list[str]:
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFC", text)).split()


def test_every_character_a_shipped_font_has_is_printable_through_its_unicode_range():
    """fonts.py accepts every character of every file in styles/fonts/; a face that base.css limits with
    unicode-range must still be reachable for each of them, or a system font would print it."""
    from fontTools.ttLib import TTFont
    css = (REPO / "styles" / "base.css").read_text(encoding="utf-8")
    printable, every = set(), set()
    for rule in re.findall(r"@font-face\s*{[^}]*}", css):
        cmap = set(TTFont(REPO / "styles" / "fonts" / re.search(r"url\(fonts/([^)]+)\)", rule).group(1),
                          lazy=True).getBestCmap())
        every |= cmap
        limit = re.search(r"unicode-range:\s*([^;]+);", rule)
        if limit is None:
            printable |= cmap
            continue
        for part in limit.group(1).replace("U+", "").split(","):
            first, _, last = part.strip().partition("-")
            printable |= {c for c in cmap if int(first, 16) <= c <= int(last or first, 16)}
    assert sorted(f"U+{c:04X}" for c in every - printable) == []


@pytest.mark.parametrize("language", STEMS)
def test_pdffonts_lists_only_our_fonts_and_the_language_s_own_face(built, language):
    for name in (STEMS[language], f"{STEMS[language]}.large-print"):
        pdf = built / "dist-a4" / f"{name}.pdf"
        assert foreign_fonts(pdf) == [], name
        used = {font for font, _ in pdffonts(pdf)}
        assert FACES[language] in used, (name, used)
        # Fonts are subset on embedding: the 10 MB Chinese face adds tens of kilobytes, not megabytes.
        assert pdf.stat().st_size < 120_000, (name, pdf.stat().st_size)
    if language == "ur":  # Urdu's letters come from Nastaliq, never from the Arabic Naskh face
        assert "Noto-Naskh-Arabic" not in used


@pytest.mark.parametrize("language", STEMS)
def test_the_pdf_text_holds_every_sentence(built, language):
    """Each sentence's words, in order, in the text a PDF reader extracts (see reading_text).

    Words, not characters: a sentence's full stop after a number at the end of a right-to-left line comes
    out on a line of its own. Chinese has no spaces between words: its characters are compared.
    """
    text = " ".join(words(reading_text(built / "dist-a4" / f"{STEMS[language]}.pdf")))
    for sentence in fixture_texts(STEMS[language]):
        if language == "zh-Hans":
            assert "".join(words(sentence)) in text.replace(" ", ""), sentence
        else:
            assert " ".join(words(sentence)) in text, sentence


@pytest.mark.parametrize("language", STEMS)
def test_every_fixture_passes_both_pdf_ua_checkers(built, language):
    """The glyphs that are only parts of letters are mapped (pdf._fill_empty_unicode_entries), and links are
    isolated by their own dir, not a <bdi> inside them, which WeasyPrint would leave out of the Link tag."""
    for name in (STEMS[language], f"{STEMS[language]}.large-print"):
        pdf = built / "dist-a4" / f"{name}.pdf"
        assert pdfua_problems(pdf) + page_problems(pdf) == [], name


def test_shaped_letters_are_extracted_as_written_not_as_glyph_parts(built):
    """Naskh draws ق as a skeleton and two dots other letters share, Bengali draws a vowel sign before its
    consonant: without the /ActualText pdf.py adds, the extracted letters are wrong."""
    arabic = reading_text(built / "dist-a4" / "scripts-arabic.pdf")
    assert "العناية بقدميك عند الإصابة بالسكري" in arabic
    assert "افحص قدميك كل يوم. إذا رأيت جرحًا أو احمرارًا، اتصل بالعيادة على الرقم 0300 123 4567" in arabic
    urdu = reading_text(built / "dist-a4" / "scripts-urdu.pdf")
    assert "اپنے پاؤں کی دیکھ بھال" in urdu
    bengali = reading_text(built / "dist-a4" / "scripts-bengali.pdf")
    assert "প্রতিদিন আপনার পা পরীক্ষা করুন। কোনো ক্ষত দেখলে ক্লিনিকে 0300 123 4567 নম্বরে ফোন করুন।" in bengali
    assert b"/ActualText" in content_streams(built / "dist-a4" / "scripts-bengali.pdf")
    # Chinese maps glyph for character: left as WeasyPrint writes it, as is every Latin-script leaflet.
    assert b"/ActualText" not in content_streams(built / "dist-a4" / "scripts-chinese.pdf")


def content_streams(path: Path) -> bytes:
    """Every page's content stream, decompressed."""
    with pikepdf.open(path) as pdf:
        return b"".join(page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array)
                        else b"".join(part.read_bytes() for part in page.Contents) for page in pdf.pages)


@pytest.mark.parametrize("language, rtl", [("ar", True), ("ur", True), ("bn", False), ("zh-Hans", False),
                                           ("en-GB", False)])
def test_html_element_has_lang_and_dir_in_print_web_and_email(built, language, rtl):
    project = content.Project(built)
    catalogue = content.load_catalogue(project, [built / "handouts" / f"{STEMS[language]}.yaml"])
    leaflet = catalogue.leaflets[0]
    expected = f'<html lang="{language}" dir="rtl"' if rtl else f'<html lang="{language}"'
    printed = html.render_html(catalogue, leaflet)
    web = (built / "dist-a4" / f"{STEMS[language]}.html").read_text(encoding="utf-8")
    message = mail.compose(project, leaflet, catalogue.brand, b"%PDF-", "patient@example.org", "clinic@example.org")
    email_html = message.get_body(("html",)).get_content()
    for document in (printed, web, email_html):
        opening = re.search(r"<html[^>]*>", document).group(0)
        assert opening.startswith(expected), opening
        assert ('dir="rtl"' in opening) == rtl
    assert ("styles/rtl.css" in printed) == rtl


def test_inline_phrases_carry_their_language_in_the_pdf_structure_and_the_web_edition(built):
    tagged = [(tag, attrs) for _, tag, attrs in structure(built / "dist-a4" / "scripts-inline.pdf")]
    spans = []
    with pikepdf.open(built / "dist-a4" / "scripts-inline.pdf") as pdf:
        for item in pdf.objects:
            if isinstance(item, pikepdf.Dictionary) and item.get("/S") == "/Span" and "/Lang" in item:
                spans.append(str(item.Lang))
    assert tagged  # the PDF is tagged at all
    # Welsh in the summary and the body (the summary's phrase wraps: one /Span a line), Arabic in the body.
    assert set(spans) == {"cy", "ar"}
    assert spans.count("cy") >= 2 and "ar" in spans
    web = (built / "dist-a4" / "scripts-inline.html").read_text(encoding="utf-8")
    assert '<span lang="cy">Gofalu am eich traed</span>' in web
    assert '<span lang="cy"><strong>gwisgwch esgidiau sy\'n ffitio</strong></span>' in web
    # The Arabic phrase runs right to left inside the English paragraph, its phone number and name isolated.
    arabic = re.search(r'<span lang="ar" dir="rtl">(.*?)</span>', web).group(1)
    assert '<bdi class="nobreak" dir="ltr">0300 123 4567</bdi>' in arabic or \
        '<bdi dir="ltr" class="nobreak">0300 123 4567</bdi>' in arabic
    assert '<bdi dir="ltr">Sarah Jones</bdi>' in arabic


def summary_bar(page) -> tuple:
    """Which side of the summary panel its 2 mm bar is on, and that side's x.

    WeasyPrint draws a border as its outer rectangle less its inner one, in the border's colour: the first
    pair of same-coloured rectangles below the brand band whose sides differ by 2 mm on one side.
    """
    rects = [r for r in page.rects if r["top"] > 20 * MM]
    for outer in rects:
        for inner in rects:
            if inner is outer or inner["non_stroking_color"] != outer["non_stroking_color"] \
                    or abs(inner["top"] - outer["top"]) > 0.1 or abs(inner["height"] - outer["height"]) > 0.1:
                continue
            if abs(outer["x0"] - inner["x0"]) < 0.1 and abs(outer["x1"] - inner["x1"] - 2 * MM) < 0.1:
                return "right", pytest.approx(outer["x1"], abs=0.5)
            if abs(outer["x1"] - inner["x1"]) < 0.1 and abs(inner["x0"] - outer["x0"] - 2 * MM) < 0.1:
                return "left", pytest.approx(outer["x0"], abs=0.5)
    return None, None


def test_a_right_to_left_page_is_mirrored(built):
    """Headings, the summary's bar and the phone number's digits, measured on page one of Arabic and English."""
    with pdfplumber.open(built / "dist-a4" / "scripts-arabic.pdf") as arabic, \
            pdfplumber.open(built / "dist-a4" / "scripts-inline.pdf") as english:
        ar, en = arabic.pages[0], english.pages[0]
        right_margin = ar.width - 18 * MM
        # The title ends at the right margin and starts well inside it.
        title_words = [w for w in ar.extract_words(extra_attrs=["size"]) if w["size"] > 20]
        assert title_words and abs(max(w["x1"] for w in title_words) - right_margin) < 1
        assert min(w["x0"] for w in title_words) > 40 * MM
        # The summary's coloured bar (border-inline-start, 2 mm) is at the right on Arabic, the left on English.
        assert summary_bar(ar) == ("right", right_margin)
        assert summary_bar(en) == ("left", 18 * MM)
        # A list's bullets sit at the right of their items.
        bullets = [c for c in ar.chars if c["text"] == "•"]
        assert bullets and all(c["x0"] > ar.width / 2 for c in bullets)
        # The phone number reads left to right inside the right-to-left sentence.
        digits = sorted((w for w in ar.extract_words() if w["text"].strip(".") in ("0300", "123", "4567")),
                        key=lambda w: w["x0"])
        assert [w["text"].strip(".") for w in digits] == ["0300", "123", "4567"]
        # The footer: the reference at the right, the page number at the left.
        footer = [w for w in ar.extract_words() if w["top"] > ar.height - 24 * MM]
        page_word = min((w for w in footer if w["text"].isdigit()), key=lambda w: w["x0"])  # "صفحة 1 من 2"
        reference = next(w for w in footer if w["text"] == "TST-AR-1")
        assert page_word["x0"] < 30 * MM and reference["x1"] > ar.width - 40 * MM


def test_urdu_lines_are_spaced_for_nastaliq(built):
    """Nastaliq climbs and descends far beyond Latin letters: its lines are about twice as far apart."""
    with pdfplumber.open(built / "dist-a4" / "scripts-urdu.pdf") as pdf:
        page = pdf.pages[0]
        tops = sorted({round(c["top"]) for c in page.chars if c["fontname"].endswith("Noto-Nastaliq-Urdu")
                       and c["size"] < 13})
    gaps = [b - a for a, b in zip(tops, tops[1:], strict=False) if b - a > 5]
    # 2.4 times 12 pt; Nastaliq's letters are drawn with a rise, which moves their tops a little either way.
    # Latin text at 1.5 would be 18 pt apart.
    assert gaps and min(gaps) >= 12 * 2, gaps


@pytest.mark.parametrize("text, document, expected", [
    ("Say [Gofalu am eich traed]{lang=cy}.", "ltr", '<p>Say <span lang="cy">Gofalu am eich traed</span>.</p>\n'),
    ("Say [اغسل قدميك]{lang=ar}.", "ltr", '<p>Say <span lang="ar" dir="rtl">اغسل قدميك</span>.</p>\n'),
    ("اتصل بالرقم 0300 123 4567.", "rtl",
     '<p>اتصل بالرقم <bdi dir="ltr" class="nobreak">0300 123 4567</bdi>.</p>\n'),
    ("زر https://www.nhs.uk/ الآن", "rtl", '<p>زر <bdi dir="ltr">https://www.nhs.uk/</bdi> الآن</p>\n'),
    ("An English paragraph, in an Arabic leaflet.", "rtl",
     '<p dir="ltr">An English paragraph, in an Arabic leaflet.</p>\n'),
    ("[Gofalu]{lang=cy} في العيادة", "rtl", '<p><span lang="cy" dir="ltr">Gofalu</span> في العيادة</p>\n'),
    ("زر [NHS 111](https://111.nhs.uk) الآن", "rtl",
     '<p>زر <a href="https://111.nhs.uk" dir="ltr">NHS 111</a> الآن</p>\n'),
])
def test_markdown_marks_languages_and_isolates_runs(text, document, expected):
    assert markdown.to_html(text, direction=document) == expected


def test_a_language_mark_leaves_no_syntax_in_plain_text():
    assert markdown.plain("Say [Gofalu am eich traed]{lang=cy}.") == "Say Gofalu am eich traed."


@pytest.mark.parametrize("text, message, column", [
    ("Say [x]{lang=xx-notreal}.", "'xx-notreal' is not a language tag - use a BCP 47 tag such as cy, ar, ur, bn "
                                  "or zh-Hans", 7),
    ("Say [x]{lang=cy", "this language mark has no closing '}' - write it as [words]{lang=cy}", 7),
    ("Say [x]{ lang=cy }", "'{ lang=cy }' is not a language mark - write [words]{lang=cy} (only lang= is allowed, "
                           "with no spaces)", 7),
    ("Say x {lang=cy}", "'{lang=cy}' must follow the words it marks in square brackets - write [words]{lang=cy}", 6),
    ("Say x]{lang=cy}", "'{lang=cy}' marks no words: the '[' before them is missing - write [words]{lang=cy}", 6),
])
def test_a_bad_language_mark_is_an_error_at_its_column(text, message, column):
    assert markdown_checks.findings(text) == [markdown_checks.Finding(message, 0, column=column)]


def test_braces_in_ordinary_text_are_not_language_marks():
    assert markdown_checks.findings("Use a {placeholder} here, and [a link](https://example.org).") == []


@pytest.mark.parametrize("tag, known, direction", [
    ("cy", True, "ltr"), ("ar", True, "rtl"), ("ur", True, "rtl"), ("zh-Hans", True, "ltr"), ("bn", True, "ltr"),
    ("en-GB", True, "ltr"), ("xx-notreal", False, "ltr"), ("a", False, "ltr"), ("ar_EG", False, "ltr"),
])
def test_language_tags(tag, known, direction):
    assert languages.known(tag) is known
    assert languages.direction(tag) == direction


@pytest.mark.parametrize("language, family", [("ar", "Leaflet Naskh Arabic"), ("ur", "Leaflet Naskh Arabic"),
                                              ("bn", "Leaflet Bengali"), ("zh-Hans", "Leaflet Chinese"),
                                              ("en-GB", "Leaflet Naskh Arabic")])
def test_the_web_edition_embeds_only_the_glyphs_it_uses(built, language, family):
    page = (built / "dist-a4" / f"{STEMS[language]}.html").read_bytes()
    assert page.count(b"@font-face") == 1 and f'font-family: "{family}"'.encode() in page
    assert len(page) < 80_000  # the whole Noto Sans SC is 10 MB
    assert page == web.render_web(*_catalogue_and_leaflet(built, STEMS[language]))  # the same bytes every time


def _catalogue_and_leaflet(root: Path, stem: str) -> tuple:
    catalogue = content.load_catalogue(content.Project(root), [root / "handouts" / f"{stem}.yaml"])
    return catalogue, catalogue.leaflets[0]


def test_a_latin_script_web_page_embeds_no_font():
    catalogue = content.load_catalogue(content.Project(REPO), [REPO / "handouts" / "adhd-neurotransmitter-imaging.yaml"])
    assert b"@font-face" not in web.render_web(catalogue, catalogue.leaflets[0])


# -- the web edition in Chromium -----------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("stem, width", [("scripts-arabic", 1280), ("scripts-urdu", 320), ("scripts-inline", 320)])
def test_the_web_edition_mirrors_and_passes_axe(browser, built, stem, width):
    """Right to left in the browser: the summary's bar on the right, list markers on the right, no sideways
    scrolling at 320 CSS px; the inline phrases in their own language; axe-core finds no WCAG 2.2 AA violation."""
    show(browser, built / "dist-a4" / f"{stem}.html", width=width)
    direction, scroll, client, bar_right, bar_left = browser.execute_script("""
        const summary = getComputedStyle(document.querySelector('.summary'));
        return [getComputedStyle(document.documentElement).direction, document.documentElement.scrollWidth,
                document.documentElement.clientWidth, summary.borderRightWidth, summary.borderLeftWidth];""")
    assert scroll <= client
    # The embedded face draws the page's Arabic; Urdu uses it only where the machine has no Nastaliq font.
    loaded = browser.execute_script("""return document.fonts.ready.then(() =>
        [...document.fonts].filter(f => f.status == 'loaded').map(f => f.family))""")
    assert loaded == ["Leaflet Naskh Arabic"] or (stem == "scripts-urdu" and loaded == [])
    if stem == "scripts-inline":
        assert direction == "ltr" and bar_left == "8px"
        assert browser.execute_script(
            "return [...document.querySelectorAll('[lang=cy], [lang=ar]')].map(e => e.lang + ':' + "
            "getComputedStyle(e).direction)") == ["cy:ltr", "ar:rtl", "cy:ltr"]
    else:
        assert direction == "rtl" and bar_right == "8px" and bar_left == "0px"
        item = browser.execute_script("""
            const li = document.querySelector('.body li'), ul = li.parentElement.getBoundingClientRect();
            const box = li.getBoundingClientRect();
            return [ul.right - box.right, box.left - ul.left];""")
        assert item[0] > 10  # the marker's gutter is at the right
    assert axe_violations(browser) == [], readable(axe_violations(browser))
