"""The catalogue site: what it lists, its filter pages, same bytes every time, relative links under a sub-path."""

from __future__ import annotations

import datetime
import functools
import http.server
import re
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from conftest import MINIMAL, TODAY, Project
from publisher.build import batch, manifest
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.site import catalogue as site
from publisher.source import content

# Review dates seen from conftest.TODAY (2026-11-25): one due in 40 days, one overdue (built with --allow-expired).
DUE_SOON = MINIMAL.replace("next_review: 2028-01-10", "next_review: 2027-01-04").replace(
    "title: Looking after a sprained ankle", "title: Caring for a broken wrist").replace(
    "reference: TST-0001", "reference: TST-0002\nkeywords: [wrist, plaster cast]")
OVERDUE = MINIMAL.replace("next_review: 2028-01-10", "next_review: 2026-06-01").replace(
    "reference: TST-0001", "reference: TST-0003\nkeywords: [ankle, Plaster cast]").replace(
    "title: Looking after a sprained ankle", "title: After an ankle operation")
CURRENT = MINIMAL.replace("reference: TST-0001", "reference: TST-0001\nkeywords: [ankle, sprain]")
BUILD = ["--format", "pdf,html", "--edition", "standard", "--edition", "large-print", "--allow-expired"]


def _project(root: Path) -> Project:
    project = Project(root)
    project.leaflet("ankle", CURRENT)
    project.leaflet("wrist", DUE_SOON)
    project.leaflet("operation", OVERDUE)
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project of three leaflets built once (both editions, PDF and web page): its output folder."""
    project = _project(tmp_path_factory.mktemp("site") / "proj")
    options = batch.Options(out=project.root / "dist", jobs=2, today=datetime.date.fromisoformat(TODAY),
                            formats=("pdf", "html"), editions=("standard", "large-print"), allow_expired=True)
    report = batch.build(content.Project(project.root), options)
    assert report.ok, [r.errors for r in report.failed]
    return project.root / "dist"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _squash(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_every_leaflet_with_its_facts_and_every_output_with_its_size(built):
    page = _text(built / "index.html")
    text = _squash(page)
    assert "3 leaflets." in text
    # Ordered by title; each with summary, reference and version, review status, keywords, language, editions.
    titles = re.findall(r'<h2 id="title-[^"]+">([^<]+)</h2>', page)
    assert titles == ["After an ankle operation", "Caring for a broken wrist", "Looking after a sprained ankle"]
    assert "Most sprains get better on their own in a few weeks." in text
    assert "Reference TST-0002, version 1.0" in text
    assert "Review due in 40 days" in text
    assert "Review overdue (was due 1 June 2026)" in text
    assert "Review next due 10 January 2028" in text
    assert "Keywords wrist, plaster cast" in text
    assert "Languages English (United Kingdom)" in text
    assert "Editions Standard edition, large print edition" in text
    for stem in ("ankle", "wrist", "operation"):
        for name, label in ((f"{stem}.pdf", "PDF, standard edition"), (f"{stem}.large-print.pdf",
                                                                         "PDF, large print edition"),
                            (f"{stem}.html", "Web page, standard edition")):
            size = site.size_text((built / name).stat().st_size)
            assert f'<a href="{name}" hreflang="en-GB">{label}</a> <span class="size">({size})</span>' in page


def test_thumbnails_are_page_one_drawn_the_same_every_time(built):
    for stem in ("ankle", "wrist", "operation"):
        png = (built / "thumbs" / f"{stem}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert site.thumbnail(built / f"{stem}.pdf") == png == site.thumbnail(built / f"{stem}.pdf")
        assert f'<img class="thumb" src="thumbs/{stem}.png" alt="" width="149" height="211"' in _text(
            built / "index.html")
    from PIL import Image
    with Image.open(built / "thumbs" / "ankle.png") as image:
        assert image.size == (149, 211)  # A4 (595 x 842 pt) at a quarter of 72 dpi
        # Page one's brand band is drawn: the top rows are the brand colour, not blank paper.
        assert image.convert("RGB").getpixel((75, 3)) == (0x1d, 0x5c, 0x63)


def test_filter_pages_by_status_keyword_and_language(built):
    pages = built / "catalogue"
    assert sorted(p.name for p in pages.glob("*.html")) == [
        "keyword-ankle.html", "keyword-plaster-cast.html", "keyword-sprain.html", "keyword-wrist.html",
        "language-en-gb.html", "status-current.html", "status-due-soon.html", "status-overdue.html"]

    def titles(name):
        return re.findall(r'<h2 id="title-[^"]+">([^<]+)</h2>', _text(pages / name))
    assert titles("status-overdue.html") == ["After an ankle operation"]
    assert titles("status-due-soon.html") == ["Caring for a broken wrist"]
    assert titles("status-current.html") == ["Looking after a sprained ankle"]
    # "plaster cast" and "Plaster cast" are one keyword.
    assert titles("keyword-plaster-cast.html") == ["After an ankle operation", "Caring for a broken wrist"]
    assert titles("keyword-ankle.html") == ["After an ankle operation", "Looking after a sprained ankle"]
    assert len(titles("language-en-gb.html")) == 3
    page = _text(pages / "keyword-ankle.html")
    assert "2 of 3 leaflets." in _squash(page)
    assert '<a href="../catalogue/keyword-ankle.html" aria-current="page">ankle</a> (2)' in page
    assert '<a href="../ankle.pdf" hreflang="en-GB">PDF, standard edition</a>' in page
    # One script, which only improves the page: a search form it shows; without it, the browser's Find.
    for path in pages.glob("*.html"):
        assert re.findall(r"<script[^>]*>", _text(path)) == ['<script src="../catalogue/search.js" defer>']
    page = _text(built / "index.html")
    assert re.findall(r"<script[^>]*>", page) == ['<script src="catalogue/search.js" defer>']
    assert '<form class="search" role="search" hidden data-filter>' in page
    assert "use your browser’s Find (Ctrl+F" in page
    assert '<li class="leaflet" id="wrist" data-text="caring for a broken wrist most sprains get better on their own ' \
           'in a few weeks. tst-0002 wrist plaster cast">' in page


def test_same_inputs_same_bytes(built, tmp_path):
    again = _project(tmp_path / "proj")
    options = batch.Options(out=again.root / "dist", jobs=1, today=datetime.date.fromisoformat(TODAY),
                            formats=("pdf", "html"), editions=("standard", "large-print"), allow_expired=True)
    assert batch.build(content.Project(again.root), options).ok
    files = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file() and not p.name.startswith("."))
    site_files = [f for f in files if f.parts[0] in ("catalogue", "thumbs") or f.name == "index.html"]
    assert len(site_files) == 1 + 8 + 2 + 3  # index, filter pages, stylesheet and script, thumbnails
    for name in site_files:
        assert (again.root / "dist" / name).read_bytes() == (built / name).read_bytes(), name
    # Written again over itself, nothing changes either.
    before = {name: (built / name).read_bytes() for name in site_files}
    site.write(content.Project(again.root), built, content.load_brand(content.Project(again.root))[0],
               datetime.date.fromisoformat(TODAY))
    assert {name: (built / name).read_bytes() for name in site_files} == before


def _links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"#]+)"', page)


def test_every_link_is_relative_and_leads_somewhere(built):
    for path in [built / "index.html", *(built / "catalogue").glob("*.html")]:
        for link in _links(_text(path)):
            assert not link.startswith(("/", "http:", "https:", "file:")), (path.name, link)
            assert (path.parent / link).resolve().is_file(), (path.name, link)


def test_works_hosted_under_a_sub_path(built, tmp_path):
    """Served as /sub/ by a plain static server, every page, stylesheet, picture and file it links to loads."""
    root = tmp_path / "www"
    shutil.copytree(built, root / "sub")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/sub/"
        seen, todo = set(), [base + "index.html"]
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            with urllib.request.urlopen(url) as response:
                assert response.status == 200, url
                body = response.read()
            if url.endswith(".html") and "/catalogue/" in url or url.endswith("index.html"):
                todo += [urllib.parse.urljoin(url, link) for link in _links(body.decode("utf-8"))]
        assert all(url.startswith(base) for url in seen)
        assert {base + "catalogue/site.css", base + "thumbs/ankle.png", base + "ankle.large-print.pdf",
                base + "catalogue/status-overdue.html"} <= seen
    finally:
        server.shutdown()
        server.server_close()


def test_names_of_every_format_edition_and_language_are_read_back():
    pdf, html = outputs.REGISTRY["pdf"], outputs.REGISTRY["html"]

    def parse_name(key, stem):
        named = naming.parsed(key, stem)
        return named and (named.output, named.edition, named.language)
    assert parse_name("x.pdf", "x") == (pdf, "standard", None)
    assert parse_name("x.large-print.pdf", "x") == (pdf, "large-print", None)
    assert parse_name("x.cy.large-print.pdf", "x") == (pdf, "large-print", "cy")
    assert parse_name("x.cy.html", "x") == (html, "standard", None) or parse_name("x.cy.html", "x") == (
        html, "standard", "cy")
    assert parse_name("x.preview.html", "x")[0].name == "preview"
    assert parse_name("x.b.c.pdf", "x") is None and parse_name("y.pdf", "x") is None
    assert parse_name("x.unknown", "x") is None
    for output in outputs.REGISTRY.values():  # round trip for every registered format
        for edition in output.editions:
            for language in (None, "ar"):
                assert parse_name(naming.name("x", language, edition, output), "x") == (output, edition, language)


def test_a_translation_is_listed_under_its_language(built, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(built, out)
    record = manifest.Manifest.load(out)
    for key in ("ankle.pdf", "ankle.large-print.pdf"):
        translated = key.replace("ankle.", "ankle.cy.", 1)
        shutil.copy(out / key, out / translated)
        record.entries[translated] = record.entries[key]
    record.save()
    found = site.write(content.Project(built.parent), out, None, datetime.date.fromisoformat(TODAY))
    ankle = next(item for item in found if item.stem == "ankle")
    assert ankle.languages == ["en-GB", "cy"]
    page = _text(out / "index.html")
    assert '<h3 class="language"><span lang="cy" dir="auto">Cymraeg</span> (Welsh)</h3>' in page
    assert '<a href="ankle.cy.large-print.pdf" hreflang="cy">PDF, large print edition</a>' in page
    assert "Languages English (United Kingdom), Cymraeg (Welsh)" in _squash(page)
    assert re.findall(r'<h2 id="title-[^"]+">([^<]+)</h2>', _text(out / "catalogue" / "language-cy.html")) == [
        "Looking after a sprained ankle"]


def test_only_a_full_build_writes_the_site_and_removed_leaflets_leave_it(project, capsys):
    project.leaflet("ankle", CURRENT)
    project.leaflet("wrist", DUE_SOON)
    code, out, err = project.run(str(project.root / "handouts" / "ankle.yaml"), capsys=capsys)
    assert code == 0 and not (project.root / "dist" / "index.html").exists()
    code, out, err = project.run("--shard", "1/1", capsys=capsys)
    assert code == 0 and not (project.root / "dist" / "index.html").exists()
    code, out, err = project.run(capsys=capsys)
    assert code == 0
    assert "Caring for a broken wrist" in _text(project.root / "dist" / "index.html")
    assert (project.root / "dist" / "thumbs" / "wrist.png").exists()
    (project.root / "handouts" / "wrist.yaml").unlink()
    code, out, err = project.run(capsys=capsys)
    assert "Caring for a broken wrist" not in _text(project.root / "dist" / "index.html")
    assert not (project.root / "dist" / "thumbs" / "wrist.png").exists()
    assert not (project.root / "dist" / "catalogue" / "keyword-wrist.html").exists()


def test_a_no_op_build_renders_no_page_and_mends_an_edited_one(project, capsys, monkeypatch):
    project.leaflet("ankle", CURRENT)
    project.leaflet("wrist", DUE_SOON)
    assert project.run("--format", "pdf", capsys=capsys)[0] == 0
    rendered = []
    render = site.render
    monkeypatch.setattr(site, "render", lambda *args, **kwargs: rendered.append(1) or render(*args, **kwargs))
    assert project.run("--format", "pdf", capsys=capsys)[0] == 0
    assert rendered == []
    index = project.root / "dist" / "index.html"
    page = _text(index)
    index.write_text("edited", encoding="utf-8")
    (project.root / "dist" / "catalogue" / "site.css").unlink()
    assert project.run("--format", "pdf", capsys=capsys)[0] == 0
    assert _text(index) == page and (project.root / "dist" / "catalogue" / "site.css").is_file()
    project.leaflet("wrist", DUE_SOON.replace("Caring for a broken wrist", "Caring for a broken arm"))
    rendered.clear()
    assert project.run("--format", "pdf", capsys=capsys)[0] == 0
    assert rendered and "Caring for a broken arm" in _text(index)


def test_site_merges_ci_shards(project, capsys, tmp_path):
    for stem, text in (("ankle", CURRENT), ("wrist", DUE_SOON), ("operation", OVERDUE)):
        project.leaflet(stem, text)
    shards = []
    for k in (1, 2):
        shard = tmp_path / f"shard-{k}"
        code, out, err = project.run("--shard", f"{k}/2", "--out", str(shard), "--allow-expired", "--format", "pdf",
                                     capsys=capsys)
        assert code == 0, err
        shards.append(shard)
    assert sorted(p.name for s in shards for p in s.glob("*.pdf")) == ["ankle.pdf", "operation.pdf", "wrist.pdf"]
    code, out, err = project.run("site", "--merge", *map(str, shards), "--out", str(tmp_path / "pages"), capsys=capsys)
    assert (code, err) == (0, "")
    assert out == "wrote ../pages/index.html: 3 leaflets (3 files merged)\n" or out.endswith(
        "index.html: 3 leaflets (3 files merged)\n")
    page = _text(tmp_path / "pages" / "index.html")
    assert all(f'href="{stem}.pdf"' in page for stem in ("ankle", "wrist", "operation"))
    code, out, err = project.run("site", "--merge", str(tmp_path / "nowhere"), capsys=capsys)
    assert code == 2 and err.endswith("Error: --merge '" + str(tmp_path / "nowhere") + "' is not a folder - give the "
                                      "output folders to merge\n")


# -- in Chromium, opened from disk ---------------------------------------------------------

from test_web import axe_violations, browser, readable  # noqa: E402,F401  (the browser fixture, shared)


def _shown_titles(driver) -> list[str]:
    from selenium.webdriver.common.by import By
    return [h.text for h in driver.find_elements(By.CSS_SELECTOR, ".leaflet h2") if h.is_displayed()]


@pytest.mark.browser
@pytest.mark.slow
def test_in_chromium_the_static_catalogue_searches_as_you_type_and_works_without_script(browser, built):
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get((built / "index.html").as_uri())
    box = browser.find_element(By.ID, "q")
    assert box.is_displayed() and not browser.find_element(By.CSS_SELECTOR, ".tip").is_displayed()
    box.send_keys("Plaster")
    assert _shown_titles(browser) == ["After an ankle operation", "Caring for a broken wrist"]
    assert browser.find_element(By.CSS_SELECTOR, ".count").text == "2 of 3 leaflets match “Plaster”."
    violations = axe_violations(browser)
    assert violations == [], readable(violations)
    try:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        browser.get((built / "catalogue" / "keyword-ankle.html").as_uri())
        # No form that cannot work; the hint to use the browser's Find instead; filters are plain links.
        assert not browser.find_element(By.CSS_SELECTOR, "form.search").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, ".tip").is_displayed()
        assert _shown_titles(browser) == ["After an ankle operation", "Looking after a sprained ankle"]
        browser.find_element(By.LINK_TEXT, "Review due soon").click()
        assert _shown_titles(browser) == ["Caring for a broken wrist"]
        browser.find_element(By.PARTIAL_LINK_TEXT, "All leaflets").click()
        assert len(_shown_titles(browser)) == 3
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
