"""The labels the tool prints, from gettext catalogues: Welsh in the PDF, the web edition and the email; complete
catalogues; exact errors for a missing label or language; dates by Babel; the .pot up to date with the templates."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from pathlib import Path

import pytest
from babel.messages import pofile

from conftest import REPO, Project, normalise
from pdfutil import page_texts
from publisher.core import caches
from publisher.i18n import catalogues as i18n
from publisher.i18n import checks, extraction

WELSH = (REPO / "tests" / "data" / "i18n" / "gofalu-am-eich-traed.yaml").read_text(encoding="utf-8")
STEM = "gofalu-am-eich-traed"
LEAFLET = f"handouts/{STEM}.yaml"
PO = "locales/cy/LC_MESSAGES/leaflets.po"
SHIPPED = ["ar", "bn", "cy", "pl", "ur", "zh-Hans"]

# Every label a reader of the Welsh fixture meets in its PDF (both pages), and the English it replaces.
PDF_LABELS = {
    "Yn y daflen hon": "In this leaflet",
    "Bob dydd . . .": None,
    "tudalen 1": " page 1",
    "Tudalen 1 o 2": "Page 1 of 2",
    "Tudalen 2 o 2": "Page 2 of 2",
    "Adolygiad erbyn 25 Tachwedd 2028": "Review due",
    "Da gwybod": "Good to know",
    "Beth allwch chi ei wneud": "What you can do",
    "Cael help nawr": "Get help now",
    "Darllen pellach": "Further reading",
    "Ffynonellau": "Sources",
    "Am y daflen hon": "About this leaflet",
    "Cyhoeddwyd 1 Mawrth 2026": "Published",
    "Adolygwyd ddiwethaf 1 Mawrth 2026": "Last reviewed",
    "Adolygiad nesaf 25 Tachwedd 2028": "Next review",
    "Fersiwn 1.0": "Version",
    "Cyfeirnod TST-0014": "Reference",
    "Ffôn: 0100 000 0000": "Phone:",
    "Gwe: example.org": "Web:",
    "Ysgrifennwyd gan": "Written by",
    "Adolygwyd gan": "Reviewed by",
    "Mae'r daflen hon ar gael mewn fformatau eraill.": "available in other formats",  # brand.yaml's texts
    "Gwybodaeth gyffredinol yn unig.": "General information only.",
}
# The test brand's own texts (tests/data/brand.yaml), as its organisation would translate them.
TEST_BRAND_CY = {"other_formats": "Mae'r daflen hon ar gael mewn fformatau eraill.",
                 "disclaimer": "Gwybodaeth gyffredinol yn unig."}


@pytest.fixture(autouse=True)
def _fresh_catalogues():
    """Catalogues are cached per process, and these tests change them on disk."""
    caches.clear()
    yield
    caches.clear()


def _welsh_project(project: Project) -> Project:
    """The Welsh fixture in a project whose brand's texts are translated into Welsh (brand.yaml's translations)."""
    project.leaflet(STEM, WELSH)
    project.brand_texts("cy", TEST_BRAND_CY)
    return project


@pytest.fixture
def welsh(project: Project) -> Project:
    return _welsh_project(project)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The Welsh fixture built once: PDF, print preview and web edition, and its email as an .eml."""
    project = _welsh_project(Project(tmp_path_factory.mktemp("cy") / "proj"))
    from publisher.cli import main as cli
    out = project.root / "dist"
    assert cli.main(["publish", "--project", str(project.root), "-j1", "--today=2026-11-25", "--format", "pdf,preview,html",
                     "--out", str(out)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SMTP_FROM", "leaflets@clinic.example")
        assert cli.main(["email", "--project", str(project.root), "--out", str(out), STEM,
                         "--to", "claf@example.org", "--dry-run", str(project.root / "outbox")]) == 0
    eml = next((project.root / "outbox").glob("*.eml"))
    return {"pdf": out / f"{STEM}.pdf", "preview": (out / f"{STEM}.preview.html").read_text(encoding="utf-8"),
            "web": (out / f"{STEM}.html").read_text(encoding="utf-8"),
            "mail": email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)}


def _po_line(path: Path, msgid: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines.index(f'msgid "{msgid}"') + 1


def _set_msgstr(path: Path, msgid: str, msgstr: str, fuzzy: bool = False) -> None:
    """Change one translation in a .po file, as a translator would by hand."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r'(#, python-format\n)?msgid "' + re.escape(msgid) + r'"\nmsgstr ".*"\n')
    found = pattern.search(text)
    assert found, msgid
    flags = ("#, fuzzy" + (", python-format" if found.group(1) else "") + "\n") if fuzzy else (found.group(1) or "")
    path.write_text(text[:found.start()] + f'{flags}msgid "{msgid}"\nmsgstr "{msgstr}"\n' + text[found.end():],
                    encoding="utf-8")


# -- the labels a reader gets ------------------------------------------------------------------------------


def test_the_welsh_pdf_prints_every_label_in_welsh(built):
    text = normalise(" ".join(page_texts(built["pdf"])))
    missing = [label for label in PDF_LABELS if label not in text]
    assert not missing, text
    english = [english for english in PDF_LABELS.values() if english and english in text]
    assert not english, text


def test_the_printed_alt_texts_and_footer_are_welsh(built):
    preview = built["preview"]
    assert 'alt="Cod QR ar gyfer www.nhs.uk/conditions/foot-pain"' in preview
    assert 'alt="Logo Test Health Trust"' in preview
    assert 'data-review="Adolygiad erbyn 25 Tachwedd 2028"' in preview
    assert 'aria-label="Yn y daflen hon"' in preview
    assert "QR code for" not in preview and " logo" not in preview


def test_the_welsh_web_edition_has_welsh_labels(built):
    page = built["web"]
    for label in ('<html lang="cy">', "Neidio i'r daflen", "Yn ôl i'r brig", 'aria-label="Tabl: Pryd, Beth i&#39;w wneud"',
                  "Adolygwyd ddiwethaf 1 Mawrth 2026. Adolygiad nesaf erbyn 25 Tachwedd 2028.",
                  "Test Health Trust. TST-0014 fersiwn 1.0.", "Adolygiad erbyn 25 Tachwedd 2028.", "Yn y daflen hon",
                  "Ysgrifennwyd gan", "Cael help nawr"):
        assert label in page, label
    for english in ("Skip to the leaflet", "Back to top", "Table:", "Last reviewed", "Written by", "In this leaflet"):
        assert english not in page, english


def test_the_welsh_email_has_welsh_labels_and_subject(built):
    message = built["mail"]
    assert message["Subject"] == "Gofalu am eich traed - gwybodaeth gan Test Health Trust"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        for label in ("Helo,", "Cysylltu â Test Health Trust", "Ffôn:", "Gwybodaeth gyffredinol yn unig.",
                      "Mae'r daflen hon ar gael mewn fformatau eraill.",
                      "Taflen TST-0014, fersiwn 1.0; adolygiad nesaf 25 Tachwedd 2028."):
            assert label in part, label
        assert "Hello" not in part and "Contact" not in part and "next review" not in part
    assert 'Rydym yn anfon y daflen "Gofalu am eich traed" atoch gan Test Health Trust' in text
    assert "Rydym yn anfon y daflen <strong>Gofalu am eich traed</strong> atoch gan Test Health Trust" in html


def test_the_labels_come_from_the_catalogue(welsh, capsys):
    """Change a translation in the project's catalogue: the printed leaflet changes with it."""
    _set_msgstr(welsh.root / PO, "In this leaflet", "Cynnwys y daflen")
    _set_msgstr(welsh.root / PO, "Page %(page)s of %(pages)s", "%(page)s/%(pages)s")
    code, _out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert code == 0, err
    text = normalise(" ".join(page_texts(welsh.root / "dist" / f"{STEM}.pdf")))
    assert "Cynnwys y daflen" in text and "Yn y daflen hon" not in text
    assert "1/2" in text and "2/2" in text and "Tudalen" not in text


def test_english_leaflets_print_english_labels(project):
    from publisher.render import html
    from publisher.source import content
    catalogue = content.load_catalogue(content.Project(project.root), [project.leaflet("english")])
    page = html.render_html(catalogue, catalogue.leaflets[0])
    assert '"Page " counter(page, decimal) " of " counter(pages, decimal)' in page
    assert "<dt>Published</dt><dd>10 January 2026</dd>" in page and "In this leaflet" in page


# -- complete catalogues and an up-to-date .pot ------------------------------------------------------------


def test_the_pot_matches_the_templates_and_code():
    """Run `make messages` after changing a label: this fails until the committed .pot is regenerated."""
    first = extraction.pot_text(extraction.extracted(REPO))
    caches.clear()
    assert extraction.pot_text(extraction.extracted(REPO)) == first  # deterministic
    assert first == (REPO / i18n.TEMPLATE).read_bytes()


def test_pybabel_with_babel_cfg_finds_the_same_labels(tmp_path):
    """babel.cfg (for pybabel and translators' tools) and `make messages` agree on what the labels are."""
    import subprocess
    import sys
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-c", "TRANSLATORS:",
                    "-o", str(tmp_path / "x.pot"), "."], cwd=REPO, check=True)
    with open(tmp_path / "x.pot", "rb") as theirs, open(REPO / i18n.TEMPLATE, "rb") as ours:
        assert {m.id for m in pofile.read_po(theirs) if m.id} == {m.id for m in pofile.read_po(ours) if m.id}


def test_the_shipped_languages_are_the_ones_promised():
    assert i18n.available(REPO) == SHIPPED


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_shipped_catalogue_translates_every_label(tag):
    """A label added to a template and not translated fails here (and in check, for a leaflet in that language)."""
    template = pofile.read_po((REPO / i18n.TEMPLATE).open("rb"))
    path = i18n.find(REPO, tag)
    assert path is not None
    catalog = i18n.read(path)
    wanted = {m.id for m in template if m.id}
    assert wanted, "the .pot lists no labels"
    untranslated = sorted(msgid for msgid in wanted if not (catalog.get(msgid) and catalog.get(msgid).string
                                                           and not catalog.get(msgid).fuzzy))
    assert not untranslated
    assert checks.problems(REPO, "handouts/x.yaml", tag, (1, 1)) == []
    header = path.read_text(encoding="utf-8").split("msgid", 1)[0]
    assert "SAMPLE TRANSLATION" in header and "native speaker" in header


def test_make_messages_leaves_up_to_date_catalogues_as_they_are(tmp_path):
    for folder in ("templates", "locales"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    shutil.copy(REPO / "brand.yaml", tmp_path / "brand.yaml")
    written = extraction.update(tmp_path)
    assert len(written) == 1 + len(SHIPPED)
    for path in written:
        relative = path.relative_to(tmp_path)
        assert path.read_bytes() == (REPO / relative).read_bytes(), relative


def test_make_messages_adds_a_new_label_untranslated(welsh, capsys):
    template = welsh.root / "templates" / "partials" / "contents.html"
    template.write_text(re.sub(r"_\((['\"])In this leaflet\1\)", '_("What this leaflet covers")',
                               template.read_text(encoding="utf-8")), encoding="utf-8")
    extraction.update(welsh.root)
    assert 'msgid "What this leaflet covers"\nmsgstr ""' in (welsh.root / PO).read_text(encoding="utf-8")
    # "In this leaflet" stays: braille and audio say it too (publisher/reading.py)
    line = _po_line(welsh.root / PO, "What this leaflet covers")
    code, _out, err = welsh.run("check", capsys=capsys)
    assert code == 1
    assert (f'{PO}:{line}:1: msgid "What this leaflet covers": no Welsh translation, needed by {LEAFLET} - '
            "add a msgstr, or run make messages") in err.splitlines()


# -- errors for a missing label or language ----------------------------------------------------------------


def test_a_label_with_no_translation_is_an_error_not_english(welsh, capsys):
    _set_msgstr(welsh.root / PO, "Review due %(date)s", "")
    line = _po_line(welsh.root / PO, "Review due %(date)s")
    code, out, err = welsh.run("--format", "pdf,html", capsys=capsys)
    assert code == 1
    assert (f'{PO}:{line}:1: msgid "Review due %(date)s": no Welsh translation, needed by {LEAFLET} - '
            "add a msgstr, or run make messages") in err.splitlines()
    assert not (welsh.root / "dist" / f"{STEM}.pdf").exists()
    assert not (welsh.root / "dist" / f"{STEM}.html").exists()


def test_a_fuzzy_translation_is_an_error(welsh, capsys):
    _set_msgstr(welsh.root / PO, "Written by", "Ysgrifennwyd gan", fuzzy=True)
    line = _po_line(welsh.root / PO, "Written by")
    code, _out, err = welsh.run("check", capsys=capsys)
    assert code == 1
    assert (f'{PO}:{line}:1: msgid "Written by": the Welsh translation is marked fuzzy (not checked), needed by '
            f"{LEAFLET} - check the msgstr and remove its '#, fuzzy' line") in err.splitlines()


def test_a_label_missing_from_the_catalogue_is_an_error(welsh, capsys):
    path = welsh.root / PO
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'#: [^\n]*\nmsgid "Sources"\nmsgstr "[^"]*"\n\n', "", text), encoding="utf-8")
    code, _out, err = welsh.run("check", capsys=capsys)
    assert code == 1
    assert (f'{PO}:1:1: msgid "Sources": is not in the Welsh catalogue, needed by {LEAFLET} - run make messages, '
            "then translate it") in err.splitlines()


def test_a_translation_that_loses_a_placeholder_is_an_error(welsh, capsys):
    _set_msgstr(welsh.root / PO, "Review due %(date)s", "Adolygiad erbyn %(dyddiad)s")
    line = _po_line(welsh.root / PO, "Review due %(date)s")
    code, _out, err = welsh.run("check", capsys=capsys)
    assert code == 1
    assert (f'{PO}:{line}:1: msgid "Review due %(date)s": the Welsh translation has %(dyddiad)s where the label '
            f"has %(date)s, needed by {LEAFLET} - keep each placeholder of the msgid, exactly as written, in the "
            "msgstr") in err.splitlines()


def test_a_language_with_no_catalogue_is_an_error_on_its_line(project, capsys):
    project.leaflet("francais", WELSH.replace("language: cy", "language: fr"))
    code, _out, err = project.run("check", capsys=capsys)
    assert code == 1
    line = WELSH.splitlines().index("language: cy") + 1
    assert (f"handouts/francais.yaml:{line}:11: language: no catalogue of labels for 'fr' (French); catalogues: "
            "ar, bn, cy, pl, ur, zh-Hans (English needs none) - add locales/fr/LC_MESSAGES/leaflets.po, as the "
            "README's 'Languages of the labels' says") in err.splitlines()


# -- languages, dates and numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("tag, folder", [("cy", "cy"), ("cy-GB", "cy"), ("zh-Hans", "zh_Hans"),
                                         ("zh-Hans-CN", "zh_Hans"), ("ar-EG", "ar"), ("pl-PL", "pl")])
def test_language_tags_find_their_catalogue(tag, folder):
    assert i18n.find(REPO, tag) == i18n.catalogue_path(REPO, folder)


@pytest.mark.parametrize("tag", ["en", "en-GB", "en-US"])
def test_english_needs_no_catalogue(tag):
    assert i18n.is_source(tag) and i18n.find(REPO, tag) is None
    assert checks.problems(REPO, "handouts/x.yaml", tag, (1, 1)) == []


@pytest.mark.parametrize("tag, published, due", [
    ("en-GB", "1 March 2026", "25 November 2028"),
    ("cy", "1 Mawrth 2026", "25 Tachwedd 2028"),
    ("pl", "1 marca 2026", "25 listopada 2028"),
    ("zh-Hans", "2026年3月1日", "2028年11月25日"),
    ("bn", "১ মার্চ, ২০২৬", "২৫ নভেম্বর, ২০২৮"),
])
def test_dates_are_formatted_by_babel_in_the_leaflet_language(tag, published, due):
    labels = i18n.labels(REPO, tag)
    assert (labels.date("2026-03-01"), labels.date("2028-11-25")) == (published, due)


@pytest.mark.parametrize("tag, style", [("en-GB", "decimal"), ("cy", "decimal"), ("ar", "decimal"),
                                        ("ar-EG", "arabic-indic"), ("bn", "bengali"), ("zh-Hans", "decimal")])
def test_page_numbers_use_the_language_digits(tag, style):
    """CLDR's default digits for the language: Latin for ar (as CLDR now has it), Arabic-Indic for ar-EG."""
    labels = i18n.labels(REPO, tag)
    assert labels.counter_style == style
    css = labels.parts(labels.gettext("Page %(page)s of %(pages)s"), page=f"counter(page, {style})",
                       pages=f"counter(pages, {style})")
    assert f"counter(page, {style})" in css and f"counter(pages, {style})" in css


@pytest.mark.parametrize("text", ['a "quote" </style> \\', "第 ", " page ", "Tudalen ", "صفحة ", "\n}"])
def test_generated_css_text_reads_back_exactly_and_cannot_break_out(text):
    import tinycss2
    written = str(i18n.css_string(text))
    assert re.fullmatch(r'"[A-Za-z0-9 \\]*"', written)  # nothing that ends a string, a rule or a <style>
    tokens = [t for t in tinycss2.parse_component_value_list(written) if t.type != "whitespace"]
    assert [(t.type, t.value) for t in tokens] == [("string", text)]


def test_a_label_may_put_the_page_numbers_in_any_order():
    import tinycss2
    css = str(i18n.labels(REPO, "zh-Hans").parts("共 %(pages)s 页，第 %(page)s 页", page="counter(page)",
                                                  pages="counter(pages)"))
    tokens = [t for t in tinycss2.parse_component_value_list(css) if t.type != "whitespace"]
    assert [t.value if t.type == "string" else t.serialize() for t in tokens] == [
        "共 ", "counter(pages)", " 页，第 ", "counter(page)", " 页"]


def test_a_template_can_print_part_of_itself_in_another_language():
    """The bilingual edition's interface: rebind `labels` for a part; _(), {% trans %} and dates follow it."""
    import jinja2

    from publisher.render import html
    env = i18n.install(jinja2.Environment(loader=jinja2.DictLoader({
        "credit.html": '{{ _("Written by") }}, {% trans %}Hello,{% endtrans %} {{ "2026-03-01" | longdate }}',
        "both.html": '{% include "credit.html" %} | {% with labels=labels.other("en-GB") %}'
                     '{% include "credit.html" %}{% endwith %}'}), autoescape=True))
    env.filters.update(html.filters())
    page = env.get_template("both.html").render(labels=i18n.labels(REPO, "cy"))
    assert page == "Ysgrifennwyd gan, Helo, 1 Mawrth 2026 | Written by, Hello, 1 March 2026"
    with pytest.raises(i18n.MissingLabel, match="no language chosen"):
        env.get_template("credit.html").render()


def test_a_label_added_without_make_messages_still_fails_not_english(welsh, capsys):
    """check reads the committed .pot (extracting takes most of a second); a label it lacks fails the render."""
    template = welsh.root / "templates" / "partials" / "contents.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        '<h2 class="contents-title">', '<h2 class="contents-title">{{ _("A label nobody extracted") }} '),
        encoding="utf-8")
    code, _out, err = welsh.run("--format", "pdf", capsys=capsys)
    assert code == 1
    assert (f'{LEAFLET}: no Welsh translation of the label "A label nobody extracted" - add it to {PO}, or run '
            "make messages") in err.splitlines()
    assert not (welsh.root / "dist" / f"{STEM}.pdf").exists()


def test_weasyprint_prints_page_numbers_in_bengali_digits(tmp_path):
    """The chain a Bengali footer takes: catalogue -> CSS content with counter(page, bengali) -> digits in the PDF."""
    from publisher.outputs.pdf import engine
    weasyprint = engine._weasyprint()
    labels = i18n.labels(REPO, "bn")
    style = labels.counter_style
    content = labels.parts(labels.gettext("Page %(page)s of %(pages)s"), page=f"counter(page, {style})",
                           pages=f"counter(pages, {style})")
    weasyprint.HTML(string=f"<style>@page {{ size: A6; @bottom-right {{ content: {content} }} }}</style>"
                           "<p>1</p><p style='break-before: page'>2</p>").write_pdf(tmp_path / "bn.pdf")
    first, second = page_texts(tmp_path / "bn.pdf")
    assert "১" in first and "২" in first and "২" in second and "1 of" not in first


def test_a_language_without_the_brand_texts_is_an_error_at_brand_yaml(project, capsys):
    """brand.yaml's texts are printed in the leaflet's language: a language without them fails check, at its line."""
    project.leaflet(STEM, WELSH)
    brand = project.root / "brand.yaml"
    lines = len(brand.read_text(encoding="utf-8").splitlines())
    code, _out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "brand.yaml:5:1: other_formats: no Welsh texts for patients (other_formats and disclaimer), needed by "
        f"{LEAFLET} - add them under translations: cy:, translated from the English ones above (docs/languages.md)")
    project.brand_texts("cy", {"other_formats": TEST_BRAND_CY["other_formats"]})
    code, _out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"brand.yaml:{lines + 2}:3: translations.cy: the Welsh texts lack disclaimer, "
                                   f"needed by {LEAFLET} - translate them from the English ones above")
    with brand.open("a", encoding="utf-8") as handle:
        handle.write(f"    disclaimer: {TEST_BRAND_CY['disclaimer']}\n")
    assert project.run("check", capsys=capsys)[0] == 0


def test_english_leaflets_need_no_brand_translations(project, capsys):
    project.leaflet("ankle")
    assert project.run("check", capsys=capsys)[0] == 0
