"""The web edition: self-contained pages, checked in Debian's Chromium with axe-core, at 320 CSS px and 400% zoom."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO, Project, normalise
from publisher.outputs import web
from publisher.source import content
from test_reference_leaflet import article_sentences

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_VERSION = "4.14.1"
AXE = REPO / "tests" / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# One browser for the whole file, on one xdist worker. With pytest 9.2 and
# xdist 3.8, --dist loadgroup does not group (pytest-xdist issue 1386), so each
# worker starts its own browser for now: slower to start, still correct.
pytestmark = pytest.mark.xdist_group("web")

SHIPPED = [path.stem for path in content.Project(REPO).leaflet_files()]

# Everything a page can hold that the shipped leaflets do not all show: an image,
# a table too wide for a phone, cards, every kind of callout, an opening section.
EVERYTHING = MINIMAL.replace("""sections:
  - heading: What to do
    body: Rest your ankle and keep it raised when you can.
""", """sections:
  - body: An opening paragraph with no heading, and a note.
    callouts:
      - kind: note
        body: A note before any section heading.
  - heading: What to do
    image:
      file: ankle.svg
      alt: An ankle raised on a pillow, with an ice pack on it.
      caption: Keep your ankle raised.
    body: |
      Rest your ankle and keep it raised when you can.

      ### How much to take

      | Painkiller | How often | Most in 24 hours | With food | For children | Ask first if you |
      | --- | --- | --- | --- | --- | --- |
      | Paracetamol | Every 4 to 6 hours | 8 tablets | Either way | Liquid form | Have liver problems |
      | Ibuprofen | Every 6 to 8 hours | 6 tablets | With food | Liquid form | Have asthma or ulcers |
    cards:
      - heading: Do
        body: |
          - rest it
          - raise it
      - heading: Do not
        body: Do not run on it for at least two weeks.
    callouts:
      - kind: action
        heading: Ask a pharmacist
        body: A pharmacist can help. See [nhs.uk](https://www.nhs.uk/).
      - kind: urgent
        body: Call 999 if your foot is cold, blue or numb.
  - callouts:
      - kind: urgent
        heading: When to call 999
        body: Call 999 if the pain is very bad and your foot is numb.
further_reading:
  - title: "NHS website: Sprains and strains"
    url: https://www.nhs.uk/conditions/sprains-and-strains/
    note: How to look after a sprain at home.
""")

ANKLE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60" width="240" height="120">
<rect width="120" height="60" fill="#e6f1f2"/><ellipse cx="60" cy="40" rx="40" ry="10" fill="#1d5c63"/>
<rect x="40" y="14" width="40" height="16" rx="6" fill="#ffffff" stroke="#1d5c63"/></svg>
"""


def _catalogue(root: Path) -> content.Catalogue:
    catalogue = content.load_catalogue(content.Project(root))
    assert not catalogue.failures and not catalogue.shared_problems, (catalogue.failures, catalogue.shared_problems)
    return catalogue


@pytest.fixture(scope="module")
def shipped_catalogue() -> content.Catalogue:
    return _catalogue(REPO)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, shipped_catalogue) -> dict:
    """Every shipped leaflet's web page, and one of everything (marked overdue), as files: {name: Path}."""
    out = tmp_path_factory.mktemp("web")
    found = {}
    for leaflet in shipped_catalogue.leaflets:
        found[leaflet.stem] = out / f"{leaflet.stem}.html"
        found[leaflet.stem].write_bytes(web.render_web(shipped_catalogue, leaflet))
    project = Project(tmp_path_factory.mktemp("everything") / "proj")
    project.write("handouts/ankle.svg", ANKLE)
    project.leaflet("everything", EVERYTHING)
    catalogue = _catalogue(project.root)
    leaflet = dataclasses.replace(catalogue.leaflets[0], overdue=True)
    found["everything"] = out / "everything.html"
    found["everything"].write_bytes(web.render_web(catalogue, leaflet))
    return found


# -- the page itself, without a browser --------------------------------------


@pytest.mark.parametrize("stem", SHIPPED)
def test_same_bytes_every_time_and_light_enough_to_email(shipped_catalogue, pages, stem):
    leaflet = next(item for item in shipped_catalogue.leaflets if item.stem == stem)
    page = pages[stem].read_bytes()  # made once already for the other tests: the same bytes again
    assert page == web.render_web(shipped_catalogue, leaflet)
    # A page in Chinese, Arabic or Bengali carries its script's face, cut down to the page's characters.
    assert len(page) < (50_000 if b"@font-face" not in page else 100_000)


@pytest.mark.parametrize("name", SHIPPED + ["everything"])
def test_self_contained(pages, name):
    page = pages[name].read_text(encoding="utf-8")
    # A translation's page is <stem>.<language>; an Easy Read's, <stem>.easy-read, is in its leaflet's language.
    language = name.rsplit(".", 1)[1] if "." in name and not name.endswith(".easy-read") else "en-GB"
    assert page.startswith(f"<!DOCTYPE html>\n<html lang=\"{language}\"")
    # Its other languages are named with <link rel="alternate">, which fetches nothing; no other <link>.
    page_links = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="[^"/:]+\.html">', "", page)
    assert "<script" not in page and "<link" not in page_links and "@import" not in page
    assert re.findall(r"url\((?!data:)", page) == []  # other scripts' faces are embedded as data: URLs
    assert re.findall(r'\bsrc="(?!data:)[^"]*"', page) == []
    assert 'class="qr-code"' not in page  # QR codes are for paper


def test_tables_scroll_in_a_labelled_region_and_images_are_inline(pages):
    page = pages["everything"].read_text(encoding="utf-8")
    assert ('<div class="table-scroll" role="region" tabindex="0" aria-label="Table: Painkiller, How often, '
            'Most in 24 hours, With food, For children, Ask first if you"><table class="table">') in page
    assert '<th scope="col">Painkiller</th>' in page
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" '
                     r'alt="An ankle raised on a pillow, with an ice pack on it.">', page)


def test_palette_reads_at_aa_in_both_schemes():
    for brand in ({"colours": {"primary": "#1d5c63", "tint": "#e6f1f2", "text": "#1f2328", "urgent": "#b3261e"}},
                  # A tint too dark for the primary, and a primary that is dark on a dark page.
                  {"colours": {"primary": "#0050a0", "tint": "#c9d9ef", "text": "#000000", "urgent": "#d4351c"}}):
        for scheme in web.palette(brand).values():
            for colour, backgrounds in (("text", ("page", "tint")), ("primary", ("page",)),
                                        ("on-tint", ("tint",)), ("urgent", ("page",)), ("band-text", ("band",))):
                for background in backgrounds:
                    assert content.contrast(scheme[colour], scheme[background]) >= 4.5, (scheme, colour, background)


# -- in Chromium -------------------------------------------------------------


def chrome_elsewhere() -> tuple[str, str] | None:
    """macOS's or Windows's Chrome and chromedriver, as GitHub's runners have them (docs/platforms.md), or None."""
    folder = os.environ.get("CHROMEWEBDRIVER", "")
    driver = shutil.which("chromedriver", path=folder or None)
    chrome = os.environ.get("CHROME_BIN") or next((str(p) for p in CHROME_ELSEWHERE if p.exists()), None)
    return (chrome, driver) if chrome and driver else None


CHROME_ELSEWHERE = [Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
                    Path(os.environ.get("PROGRAMFILES", "C:/Program Files"), "Google/Chrome/Application/chrome.exe")]


def start_chromium():
    """Debian's headless Chromium through chromium-driver (Chrome on macOS and Windows), until the generator ends."""
    paths = (str(CHROMIUM), str(CHROMEDRIVER)) if CHROMIUM.exists() and CHROMEDRIVER.exists() else None
    if paths is None:
        message = "the web edition's tests need Debian's chromium and chromium-driver - run: sh scripts/system-deps.sh"
        if sys.platform.startswith("linux"):
            pytest.fail(message)
        paths = chrome_elsewhere()
        if paths is None:
            pytest.skip("the web edition's tests need Chrome and chromedriver (set CHROME_BIN and CHROMEWEBDRIVER "
                        "to where they are) - docs/platforms.md")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-extensions", "--window-size=1280,1024"):
        options.add_argument(argument)
    # Both paths are given, so Selenium Manager never looks for (or downloads) a browser or driver.
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser(chromium_for_run):
    """The test process's Chromium (conftest.chromium_for_run), as new for each file: no emulated screen or media,
    no cookies, a blank page. Started once a process rather than once a file: each start is about a second."""
    driver = chromium_for_run
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get("about:blank")
    return driver


def show(driver, path: Path, width: int = 1280, height: int = 1024, zoom: int = 1, **media) -> None:
    """Load a page at a viewport of `width` x `height` device pixels and `zoom` percent/100, with emulated media."""
    features = [{"name": name.replace("_", "-"), "value": value} for name, value in media.items() if name != "media"]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media.get("media", ""), "features": features})
    # Zooming in by N is laying out in 1/N of the CSS pixels, each drawn N device pixels wide.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width // zoom, "height": height // zoom, "deviceScaleFactor": zoom, "mobile": False})
    driver.get(path.resolve().as_uri())


def axe_violations(driver) -> list:
    """axe-core's violations of WCAG 2.2 A and AA on the page shown, as plain data."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    assert driver.execute_script("return axe.version") == AXE_VERSION
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
           .then(result => done(result.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}))))
           .catch(error => done([{id: "axe-error", help: String(error), nodes: []}]));
    """, WCAG_TAGS)


def readable(violations: list) -> str:
    return "\n".join(f"{v['id']} ({v.get('impact')}): {v['help']}\n" + "\n".join(
        f"    {n['target']}: {n['summary']}" for n in v["nodes"]) for v in violations) or json.dumps(violations)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("scheme, width", [("light", 1280), ("dark", 320)])
@pytest.mark.parametrize("name", SHIPPED + ["everything"])
def test_axe_finds_no_wcag_22_aa_violations(browser, pages, name, scheme, width):
    show(browser, pages[name], width=width, prefers_color_scheme=scheme)
    background = "rgb(21, 25, 28)" if scheme == "dark" else "rgb(255, 255, 255)"
    assert browser.execute_script("return getComputedStyle(document.body).backgroundColor") == background
    violations = axe_violations(browser)
    assert violations == [], readable(violations)


@pytest.mark.browser
@pytest.mark.parametrize("name", SHIPPED + ["everything"])
def test_reflows_at_320_css_px_and_at_400_percent_zoom(browser, pages, name):
    measure = "return [window.innerWidth, document.documentElement.scrollWidth]"
    show(browser, pages[name], width=320, height=640)
    inner, scroll = browser.execute_script(measure)
    assert inner == 320 and scroll <= 320
    show(browser, pages[name], width=1280, height=1024, zoom=4)
    inner, scroll = browser.execute_script(measure)
    assert inner == 320 and scroll <= 320


@pytest.mark.browser
def test_a_wide_table_scrolls_inside_its_region_not_the_page(browser, pages):
    show(browser, pages["everything"], width=320, height=640)
    region, page = browser.execute_script("""
        const region = document.querySelector(".table-scroll");
        return [[region.scrollWidth, region.clientWidth], document.documentElement.scrollWidth];""")
    assert region[0] > region[1] and page <= 320


# The article shows the reviewer's affiliation as a caption above her name; the
# leaflet (on paper and on the web) prints it at the end of her credit block.
MOVED = {"Dr. Rebecca Fernandez, MBBS, author and a reviewer for my patient advice - mypatientadvice.co.uk"}


@pytest.mark.browser
def test_every_sentence_of_the_reference_article_is_shown_in_order(browser, pages):
    show(browser, pages["adhd-neurotransmitter-imaging"])
    text = normalise(browser.execute_script("return document.body.innerText"))
    assert all(sentence in text for sentence in MOVED)
    where = 0
    for sentence in (s for s in article_sentences() if s not in MOVED):
        found = text.find(sentence, where)
        assert found >= 0, f"not shown after position {where}: {sentence}"
        where = found + len(sentence)


@pytest.mark.browser
@pytest.mark.parametrize("name", SHIPPED + ["everything"])
def test_landmarks_headings_in_order_and_nothing_fetched(browser, pages, name):
    show(browser, pages[name])
    found = browser.execute_script("""
        const count = selector => document.querySelectorAll(selector).length;
        return {
            landmarks: [count("body > header"), count("body > main"), count("body > footer"),
                        count("main nav:not(.other-languages)")],
            levels: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => Number(h.tagName[1])),
            requests: performance.getEntriesByType("resource").map(entry => entry.name),
            images: [...document.images].filter(image => !image.complete || !image.naturalWidth).length,
        };""")
    assert found["landmarks"] == [1, 1, 1, 1]
    levels = found["levels"]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels)), levels
    assert found["requests"] == [] and found["images"] == 0


@pytest.mark.browser
def test_skip_link_comes_first_and_focus_is_visible(browser, pages):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    show(browser, pages["everything"], width=320, height=640)
    ActionChains(browser).send_keys(Keys.TAB).perform()
    focused = browser.execute_script("""
        const a = document.activeElement, box = a.getBoundingClientRect(), style = getComputedStyle(a);
        return [a.getAttribute("href"), a.textContent, box.top >= 0 && box.left >= 0 && box.right <= innerWidth,
                style.backgroundColor, a.matches(":focus-visible")];""")
    assert focused == ["#content", "Skip to the leaflet", True, "rgb(255, 221, 0)", True]


@pytest.mark.browser
def test_print_stylesheet_and_reduced_motion(browser, pages):
    script = """return [getComputedStyle(document.querySelector(".skip-link")).display,
                        getComputedStyle(document.querySelector(".contents")).display,
                        getComputedStyle(document.body).backgroundColor,
                        getComputedStyle(document.documentElement).scrollBehavior]"""
    show(browser, pages["everything"], media="print", prefers_color_scheme="dark")
    assert browser.execute_script(script)[:3] == ["none", "none", "rgb(255, 255, 255)"]
    show(browser, pages["everything"], prefers_reduced_motion="no-preference")
    assert browser.execute_script(script)[3] == "smooth"
    show(browser, pages["everything"], prefers_reduced_motion="reduce")
    assert browser.execute_script(script)[3] == "auto"
