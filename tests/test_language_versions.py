"""Each language version of a leaflet: the brand's texts in its language (brand.yaml's translations), the other
formats statement naming only what is made in it, and web pages that link each other (hreflang), rebuilt when a
translation comes or goes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import MINIMAL, REPO, normalise
from pdfutil import page_texts
from test_translations import TRANSLATORS, WELSH

from publisher.render import statement
from publisher.source import siblings

SHIPPED = "after-your-wisdom-teeth-are-removed"
ARABIC = WELSH.replace("language: cy", "language: ar").replace("title: Gofalu am bigwrn wedi’i ysigo",
                                                                "title: العناية بالكاحل الملتوي")


def _dist(shipped) -> Path:
    return Path(next(iter(shipped.values())).output).parent


# -- brand.yaml's texts per language --------------------------------------------------------------------------------


def test_a_translated_brand_text_must_keep_the_formats_placeholder(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text(encoding="utf-8").replace(
        "other_formats: This leaflet is available in other formats.",
        "other_formats: This leaflet is available in {formats}."), encoding="utf-8")
    lines = len(brand.read_text(encoding="utf-8").splitlines())
    project.brand_texts("cy", {"other_formats": "Mae'r daflen hon ar gael mewn fformatau eraill.",
                               "disclaimer": "Gwybodaeth gyffredinol yn unig."})
    project.leaflet("ankle")
    code, _out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"brand.yaml:{lines + 3}:20: translations.cy.other_formats: has no placeholder "
                                   "where the English has {formats} - keep each placeholder of the English text, "
                                   "exactly as written")


def test_a_language_key_that_is_not_a_tag_is_refused(project, capsys):
    with open(project.root / "brand.yaml", "a", encoding="utf-8") as brand:
        brand.write("translations:\n  Welsh:\n    disclaimer: Gwybodaeth gyffredinol yn unig.\n")
    project.leaflet("ankle")
    code, _out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("brand.yaml:8:3: translations.Welsh: 'Welsh' is not a language tag - use a BCP 47 "
                                   "tag such as en-GB")


def test_the_welsh_editions_take_the_brands_welsh_texts(project, capsys):
    """What brand.yaml's translations say is what every Welsh edition prints and speaks; English stays English."""
    with open(project.root / "people.yaml", "a", encoding="utf-8") as people:
        people.write(TRANSLATORS)
    project.brand_texts("cy", {"other_formats": "Mae'r daflen hon ar gael mewn fformatau eraill.",
                               "disclaimer": "Gwybodaeth gyffredinol, nid cyngor meddygol."})
    project.catalogue("cy")  # the labels (the brand's Welsh texts are given above)
    project.leaflet("x")
    project.leaflet("x.cy", WELSH)
    assert project.run("--format", "pdf,html,transcript", capsys=capsys)[0] == 0
    dist = project.root / "dist"
    welsh = [normalise(" ".join(page_texts(dist / "x.cy.pdf"))), (dist / "x.cy.html").read_text(encoding="utf-8"),
             (dist / "x.cy.transcript.txt").read_text(encoding="utf-8")]
    for text in welsh:
        assert "Gwybodaeth gyffredinol, nid cyngor meddygol." in text and "General information only." not in text
    english = normalise(" ".join(page_texts(dist / "x.pdf")))
    assert "General information only." in english and "Gwybodaeth" not in english


# -- the other formats statement, language by language ---------------------------------------------------------------


def test_the_statement_names_only_the_formats_made_in_each_language():
    brand = yaml.safe_load((REPO / "brand.yaml").read_text(encoding="utf-8"))
    # The shipped brand approves speech in English, Welsh and Arabic (brand.yaml's audio), not in Chinese.
    assert statement.offered(brand, "cy") == ["large print", "braille", "audio"]
    assert statement.offered(brand, "ar") == ["large print", "braille", "audio"]
    assert statement.offered(brand, "zh-Hans") == ["large print", "braille"]
    assert statement.offered({**brand, "audio": {"languages": ["en-GB"]}}, "cy") == ["large print", "braille"]


def test_the_chinese_leaflet_offers_no_audio_and_the_welsh_one_does(shipped):
    dist = _dist(shipped)
    chinese = re.sub(r"\s+", "", " ".join(page_texts(dist / f"{SHIPPED}.zh-Hans.pdf")))
    assert "这份资料另有大字版、盲文版、易读版和其他语言版本。" in chinese and "音频" not in chinese
    assert not (dist / f"{SHIPPED}.zh-Hans.mp3").exists()
    welsh = normalise(" ".join(page_texts(dist / f"{SHIPPED}.cy.pdf")))
    assert "ar gael mewn print bras, braille, sain, fformat hawdd ei ddarllen" in welsh
    assert (dist / f"{SHIPPED}.cy.mp3").exists()


# -- web pages link their other languages ----------------------------------------------------------------------------


def _alternates(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page)


def _listed(page: str) -> list[tuple[str, str, str]]:
    nav = re.search(r'<nav class="other-languages".*?</nav>', page, re.S)
    return re.findall(r'<a href="([^"]+)" hreflang="[^"]+" lang="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0)) if nav else []


def test_each_shipped_page_links_every_language_of_its_leaflet(shipped):
    dist = _dist(shipped)
    pages = {tag: f"{SHIPPED}.{tag}.html" for tag in ("ar", "cy", "zh-Hans")}
    everything = [("en-GB", f"{SHIPPED}.html"), *pages.items(), ("x-default", f"{SHIPPED}.html")]
    assert _alternates((dist / f"{SHIPPED}.html").read_text(encoding="utf-8")) == everything
    welsh = (dist / f"{SHIPPED}.cy.html").read_text(encoding="utf-8")
    assert _alternates(welsh) == everything
    assert "<p id=\"other-languages\">Y daflen hon mewn ieithoedd eraill</p>" in welsh
    assert _listed(welsh) == [(f"{SHIPPED}.html", "en-GB", "English"), (pages["ar"], "ar", "العربية"),
                              (pages["zh-Hans"], "zh-Hans", "中文")]
    # The Easy Read page stands for its language (English) and lists the translations.
    easy = (dist / f"{SHIPPED}.easy-read.html").read_text(encoding="utf-8")
    assert _alternates(easy)[0] == ("en-GB", f"{SHIPPED}.easy-read.html")
    assert [name for _href, _tag, name in _listed(easy)] == ["العربية", "Cymraeg", "中文"]
    # A leaflet with no translation has neither.
    alone = (dist / "looking-after-your-back.html").read_text(encoding="utf-8")
    assert "hreflang" not in alone and "other-languages\"" not in alone


def test_siblings_are_found_by_file_name(tmp_path):
    for name in ("x.yaml", "x.cy.yaml", "x.zh-Hans.yaml", "x.easy-read.yaml", "xy.cy.yaml", "x.notes.v2.yaml"):
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    assert siblings.translations(tmp_path / "x.easy-read.yaml") == {"cy": "x.cy", "zh-Hans": "x.zh-Hans"}
    assert siblings.translations(tmp_path / "x.yaml") == siblings.translations(tmp_path / "x.cy.yaml")
    assert siblings.translations(tmp_path / "xy.cy.yaml") == {}  # no xy.yaml: not a translation


def _built(out: str) -> list[str]:
    return sorted(line.split(" (")[0] for line in out.splitlines()[:-1] if not line.startswith("unchanged"))


def test_a_translation_coming_or_going_rebuilds_its_siblings_pages_and_nothing_else(project, capsys):
    with open(project.root / "people.yaml", "a", encoding="utf-8") as people:
        people.write(TRANSLATORS)
    project.catalogue("cy")
    project.catalogue("ar")
    project.leaflet("x")
    project.leaflet("x.cy", WELSH)
    project.leaflet("other")
    assert project.run("--format", "pdf,html", capsys=capsys)[0] == 0
    assert _listed((project.root / "dist" / "x.html").read_text(encoding="utf-8")) == [
        ("x.cy.html", "cy", "Cymraeg")]

    project.leaflet("x.ar", ARABIC)
    code, out, err = project.run("--format", "pdf,html", capsys=capsys)
    assert code == 0, err
    assert _built(out) == ["built dist/x.ar.html", "built dist/x.ar.pdf", "built dist/x.cy.html", "built dist/x.html"]
    assert [tag for _href, tag, _name in _listed((project.root / "dist" / "x.cy.html").read_text(encoding="utf-8"))] \
        == ["en-GB", "ar"]

    (project.root / "handouts" / "x.ar.yaml").unlink()
    code, out, err = project.run("--format", "pdf,html", capsys=capsys)
    assert code == 0, err
    assert _built(out) == ["built dist/x.cy.html", "built dist/x.html", "removed dist/x.ar.html",
                           "removed dist/x.ar.pdf"]
    assert _listed((project.root / "dist" / "x.html").read_text(encoding="utf-8")) == [("x.cy.html", "cy", "Cymraeg")]
    assert project.run("--format", "pdf,html", capsys=capsys)[1].splitlines()[-1].startswith("built 0, unchanged 6")


# -- people's roles and biographies in the reader's language ---------------------------------------------------------

PEOPLE_CY = """\
    translations:
      cy:
        role: Cyfieithydd Cymraeg
"""


def test_a_persons_welsh_role_prints_and_what_is_untranslated_is_marked_english(project, capsys):
    people = project.root / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + TRANSLATORS.replace(
        "    biography: A fictional translator for the tests.\n",
        "    biography: A fictional translator for the tests.\n" + PEOPLE_CY), encoding="utf-8")
    project.catalogue("cy")
    project.leaflet("x")
    project.leaflet("x.cy", WELSH)
    assert project.run("--format", "pdf,html,transcript", capsys=capsys)[0] == 0
    dist = project.root / "dist"
    pdf = normalise(" ".join(page_texts(dist / "x.cy.pdf")))
    assert "Elin Hughes, MA Cyfieithydd Cymraeg A fictional translator for the tests." in pdf
    assert "Welsh translator" not in pdf
    page = (dist / "x.cy.html").read_text(encoding="utf-8")
    assert '<p class="credit-job">Cyfieithydd Cymraeg</p>' in page
    # Untranslated, the biography and the checker's role stay English, marked so a screen reader says them so.
    assert '<div class="credit-bio" lang="en"><p>A fictional translator for the tests.</p>' in page
    assert '<p class="credit-job" lang="en">Welsh language checker</p>' in page
    assert "Cyfieithydd Cymraeg" in (dist / "x.cy.transcript.txt").read_text(encoding="utf-8")
    # English leaflets print people.yaml's English, unmarked.
    english = (dist / "x.html").read_text(encoding="utf-8")
    assert 'lang="en"' not in english and "Cyfieithydd" not in english


def test_a_persons_translations_are_checked_like_their_english(project, capsys):
    people = project.root / "people.yaml"
    text = people.read_text(encoding="utf-8") + TRANSLATORS.replace(
        "    biography: A fictional translator for the tests.\n",
        "    biography: A fictional translator for the tests.\n    translations:\n      cy:\n        job: Cyfieithydd\n")
    people.write_text(text, encoding="utf-8")
    line = text.splitlines().index("        job: Cyfieithydd") + 1
    project.leaflet("x")
    code, _out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].startswith(f"people.yaml:{line}:9: people.elin-hughes.translations.cy.job: ")


# -- Arabic further reading keeps its order --------------------------------------------------------------------------

LINKS = [("https://www.nhs.uk/conditions/wisdom-tooth-removal/", "موقع NHS (باللغة الإنجليزية): Wisdom tooth removal",
          "لماذا تُخلع أضراس العقل."),
         ("https://www.nhs.uk/conditions/dry-socket/", "السنخ الجاف", "ما هو السنخ الجاف وكيف يُعالج."),
         ("https://www.dentalhealth.org/wisdom-teeth", "Oral Health Foundation: Wisdom teeth", ""),
         ("https://111.nhs.uk/", "خدمة NHS 111 عبر الإنترنت", "مساعدة عندما لا تكون حالة طارئة.")]


def _further_reading(english: bool) -> str:
    out = "further_reading:\n"
    for i, (url, title, note) in enumerate(LINKS):
        out += f'  - title: "{f"Link {i + 1}" if english else title}"\n    url: {url}\n'
        out += f'    note: "{f"Note {i + 1}." if english else note}"\n' if note else ""
    return out


def _link_order(pdf: Path) -> tuple[list[str], list[str]]:
    """The web links in the order of the page's annotations, and in the order of the structure tree's Link elements."""
    import pypdf
    reader = pypdf.PdfReader(str(pdf))
    annotated = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])
                 if "/URI" in a.get_object().get("/A", {})]
    tagged: list[str] = []

    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        kids = node.get("/K")
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        if node.get("/S") == "/Link":
            tagged.extend(k.get_object()["/Obj"].get_object()["/A"]["/URI"] for k in kids
                          if isinstance(k.get_object(), dict) and "/Obj" in k.get_object()
                          and "/URI" in k.get_object()["/Obj"].get_object().get("/A", {}))
        for kid in kids:
            if hasattr(kid, "get_object"):
                walk(kid)
    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    unique = [url for url, _title, _note in LINKS]
    return ([u for i, u in enumerate(annotated) if u in unique and (i == 0 or annotated[i - 1] != u)],
            [u for i, u in enumerate(tagged) if u in unique and (i == 0 or tagged[i - 1] != u)])


def test_arabic_further_reading_keeps_its_order_in_text_annotations_and_tags(project, capsys):
    with open(project.root / "people.yaml", "a", encoding="utf-8") as people:
        people.write(TRANSLATORS)
    project.catalogue("ar")
    project.leaflet("x", MINIMAL.replace("sources:", _further_reading(True) + "sources:"))
    project.leaflet("x.ar", ARABIC + _further_reading(False))
    for paper, edition in (("a4", "standard"), ("a5", "large-print")):
        code, _out, err = project.run("--format", "pdf,html", "--paper", paper, "--edition", edition,
                                      "--out", str(project.root / paper), capsys=capsys)
        assert code == 0, err
        pdf = project.root / paper / f"x.ar{'' if edition == 'standard' else '.large-print'}.pdf"
        order = [url for url, _title, _note in LINKS]
        assert _link_order(pdf) == (order, order)
        # The titles read top to bottom in the order written (PDFium gives right-to-left text in visual order).
        text = re.sub(r"\s+", "", "".join(page_texts(pdf)))
        places = [text.find(key) for key in ("conditions/wisdom", "conditions/dry", "dentalhealth.org", "111.nhs.uk")]
        assert -1 not in places and places == sorted(places)
    page = (project.root / "a4" / "x.ar.html").read_text(encoding="utf-8")
    assert re.findall(r'class="link-title"><a href="([^"]+)"', page) == order
