"""`build.py serve`: the live preview's pages, its security (paths, Host, headers), reloads and Ctrl-C."""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import MINIMAL, REPO, TODAY, Project
from publisher.site import guard, routes
from publisher.site import preview as serve
from publisher.site.watcher import Watcher
from publisher.source import content

WRIST = MINIMAL.replace("title: Looking after a sprained ankle", "title: Caring for a broken wrist").replace(
    "reference: TST-0001", "reference: TST-0002\nkeywords: [wrist]")
ANKLE = MINIMAL.replace("reference: TST-0001", "reference: TST-0001\nkeywords: [ankle]")
BASE = "http://127.0.0.1:8000"


def _preview(root: Path, web: bool = False) -> serve.Preview:
    project = Project(root)
    if web:
        brand = project.root / "brand.yaml"
        brand.write_text(brand.read_text() + "formats: [pdf, html]\n")
    project.leaflet("ankle", ANKLE)
    project.leaflet("wrist", WRIST)
    return serve.Preview(content.Project(root), jobs=1, today=datetime.date.fromisoformat(TODAY))


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> serve.Preview:
    preview = _preview(tmp_path_factory.mktemp("serve") / "proj")
    state = preview.rebuild()
    assert (state.problems, state.other) == ([], [])
    return preview


@pytest.fixture(scope="module")
def client(preview):
    with TestClient(routes.create_app(preview, "127.0.0.1", 8000), base_url=BASE) as client:
        yield client


def test_the_catalogue_is_served_with_a_search_form_and_previews(client):
    page = client.get("/index.html?q=wrist")
    assert page.status_code == 200
    assert "1 of 2 leaflets match “wrist”." in page.text
    assert '<form class="search" role="search" method="get" action="/index.html">' in page.text
    assert '<a href="/_preview/leaflet/wrist">Preview Caring for a broken wrist side by side</a>' in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/index.html"
    # Filter pages are made afresh too: the search form, no search script, only the reload script.
    filtered = client.get("/catalogue/keyword-ankle.html").text
    assert filtered.count("<script") == 1 and 'src="/_preview/preview.js"' in filtered
    assert '<form class="search" role="search" method="get" action="/index.html">' in filtered
    assert "1 of 2 leaflets." in filtered and "search.js" not in filtered
    assert client.get("/catalogue/keyword-nothing.html").status_code == 404
    # Other pages of the output folder get the reload script, and nothing else changes in them.
    web = client.get("/ankle.pdf")
    assert web.status_code == 200
    assert client.get("/_preview/preview.js").headers["content-type"].startswith("text/javascript")


def test_a_search_is_text_and_a_foreign_host_is_refused(client):
    page = client.get("/index.html", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert" not in page and "“&lt;script&gt;alert(1)&lt;/script&gt;”" in page
    assert page.count("<script") == 1  # the reload script, nothing else
    refused = client.get("/index.html", headers={"host": "evil.example"})
    assert refused.status_code == 421 and refused.headers["content-security-policy"] == guard.CSP
    assert client.get("/index.html", headers={"host": "localhost:8000"}).status_code == 200


@pytest.mark.parametrize("path", ["/index.html", "/ankle.pdf", "/nothing-here.pdf", "/_preview/leaflet/ankle"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert headers["content-security-policy"] == guard.CSP
    assert "script-src 'self';" in guard.CSP and "unsafe-eval" not in guard.CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "SAMEORIGIN"


def test_only_the_last_build_is_a_reason_to_reload(client, preview):
    """A page made at an older build gets a reload event at once; the stream then ends."""
    with client.stream("GET", f"/_preview/events?since={preview.state.generation - 1}") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    assert body == f"retry: 500\n\nevent: reload\ndata: {preview.state.generation}\n\n"


# -- paths -------------------------------------------------------------------------------

EVIL = ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/ankle.pdf", "/..%2f..%2fetc%2fpasswd",
        "/%252e%252e/%252e%252e/etc/passwd", "/..%5c..%5cetc%5cpasswd", "/%5c%5cserver%5cshare",
        "/C:/Windows/win.ini", "/C:%5cWindows%5cwin.ini", "//etc/passwd", "/.manifest.json", "/.lock",
        "/catalogue/../.manifest.json", "/thumbs/.sources.json", "/%00ankle.pdf", "/ankle.pdf%00.html",
        "/outside.pdf", "/outside-folder/passwd"]


def test_no_path_leads_outside_the_output_folder(preview, client, tmp_path):
    out = preview.out
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser")
    (out / "outside.pdf").symlink_to(secret)
    (out / "outside-folder").symlink_to(tmp_path, target_is_directory=True)
    (out / "inside.pdf").symlink_to(out / "ankle.pdf")
    try:
        for path in EVIL:
            response = client.get(path)
            assert response.status_code == 404, path
            assert "not for the browser" not in response.text and "root:" not in response.text
        # A decoded path, as the server sees it, is judged on its own too.
        for path in ("/../x", "/a/../../x", "\\..\\x", "/C:\\x", "/x\0", "/.hidden", "/outside.pdf"):
            assert guard.safe_file(out, path) is None, path
        # A symlink that stays inside is fine; so is a file in a sub-folder.
        assert client.get("/inside.pdf").content == (out / "ankle.pdf").read_bytes()
        assert client.get("/thumbs/ankle.png").headers["content-type"] == "image/png"
    finally:
        for name in ("outside.pdf", "outside-folder", "inside.pdf"):
            (out / name).unlink()


def test_the_switch_builds_other_papers_inside_the_output_folder(client, preview):
    page = client.get("/_preview/leaflet/ankle?paper=a5").text
    assert '<iframe id="pdf-view" src="/_paper/a5/ankle.pdf" title="PDF of Looking after a sprained ankle">' in page
    assert (preview.out / "_paper" / "a5" / "ankle.pdf").is_file()
    assert client.get("/_paper/a5/ankle.pdf").content[:5] == b"%PDF-"
    page = client.get("/_preview/leaflet/ankle?paper=../../x&edition=../y&language=z").text
    assert '<iframe id="pdf-view" src="/ankle.pdf"' in page and '<a href="/_preview/leaflet/ankle?paper=a5&amp;' \
        'edition=standard&amp;language=en-GB">A5</a>' in page
    assert sorted(p.name for p in (preview.out / "_paper").iterdir()) == ["a5"]
    for path in ("/_preview/leaflet/..%2f..%2fetc", "/_preview/leaflet/nothing", "/_preview/leaflet/.manifest"):
        assert client.get(path).status_code == 404, path


def test_problems_show_with_their_place_and_go_when_fixed(tmp_path):
    preview = _preview(tmp_path / "proj")
    preview.rebuild()
    good = (preview.out / "wrist.pdf").read_bytes()
    wrist = preview.project.handouts / "wrist.yaml"
    wrist.write_text(WRIST.replace("version: \"1.0\"", "version: \"1.0\"\nsumary: typo"), encoding="utf-8")
    state = preview.rebuild()
    assert [str(d) for d in state.problems] == ["handouts/wrist.yaml:7:1: sumary: unknown field - did you mean "
                                                "'summary'?"]
    with TestClient(routes.create_app(preview), base_url=BASE) as client:
        page = client.get("/_preview/leaflet/wrist").text
        assert '<code class="where">handouts/wrist.yaml:7:1</code> <span class="rule">sumary</span>:' in page
        assert "unknown field - did you mean &#39;summary&#39;?" in page
        assert "1 problem in the last build" in client.get("/index.html").text
        assert "problem" not in client.get("/_preview/leaflet/ankle").text  # each leaflet shows its own
        # The last good PDF is still there, and still in the catalogue.
        assert client.get("/wrist.pdf").content == good
        assert '<iframe id="pdf-view" src="/wrist.pdf"' in page
        wrist.write_text(WRIST, encoding="utf-8")
        preview.rebuild()
        assert "problem" not in client.get("/_preview/leaflet/wrist").text
        assert "problem" not in client.get("/index.html").text


def test_after_a_save_the_web_edition_comes_first_then_the_pdfs(tmp_path, monkeypatch):
    preview = _preview(tmp_path / "proj", web=True)
    preview.rebuild()
    seen = []
    real = serve.Preview._build

    def build(self, options):
        state = real(self, options)
        seen.append((options.formats, "twisted" in (self.out / "ankle.html").read_text(),
                     (self.out / "ankle.pdf").read_bytes()))
        return state
    before = (preview.out / "ankle.pdf").read_bytes()
    (preview.project.handouts / "ankle.yaml").write_text(ANKLE.replace("sprained", "twisted"), encoding="utf-8")
    generation = preview.state.generation
    monkeypatch.setattr(serve.Preview, "_build", build)
    state = preview.rebuild(quick_first=True)
    assert state.generation == generation + 2  # two reloads
    assert [(formats, changed) for formats, changed, _ in seen] == [(("html",), True), (None, True)]
    assert seen[0][2] == before != seen[1][2]  # the PDF changed in the second step only


# -- a real server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(preview: serve.Preview, watch: bool = False):
    """The preview on a real uvicorn on 127.0.0.1, in a thread, always stopped: its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(routes.create_app(preview, "127.0.0.1", port), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    watcher = preview.watcher = Watcher(preview)  # type: ignore[attr-defined]  # for settled()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
            time.sleep(0.02)
        if watch:
            watcher.start()
        yield f"http://127.0.0.1:{port}"
    finally:
        watcher.stop()
        server.should_exit = True
        thread.join(10)


def raw_get(port: int, path: str, host: str | None, version: str = "1.1") -> tuple[int, bytes]:
    """Send one request exactly as written (no client tidies the path or the Host): (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = f"GET {path} HTTP/{version}\r\n" + (f"Host: {host}\r\n" if host is not None else "")
        sock.sendall((head + "Connection: close\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def test_a_real_server_answers_only_at_its_own_address(preview):
    with running(preview) as base:
        port = int(base.rsplit(":", 1)[1])
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
            assert raw_get(port, "/index.html", host)[0] == 200, host
        # A page on another site whose name resolves to 127.0.0.1 (DNS rebinding) sends its own name.
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1", "", f"{port}"):
            status, body = raw_get(port, "/index.html", host)
            assert (status, body) == (421, b"This preview answers only at its own address.\n"), host
        assert raw_get(port, "/index.html", None, "1.0")[0] == 421
        for path in ("/../../etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
                     "/%252e%252e/etc/passwd", "/..\\..\\etc\\passwd", "/.manifest.json"):
            status, body = raw_get(port, path, f"127.0.0.1:{port}")
            assert status in (400, 404) and b"root:" not in body, path


def test_host_must_be_one_address(project, capsys):
    for host in ("example.com", "0.0.0.0", "::"):
        code, out, err = project.run("serve", "--host", host, capsys=capsys)
        assert code == 2
        assert err.splitlines()[-1] == (f"Error: --host '{host}' is not the address of one interface - use 127.0.0.1 "
                                        "(the default), or the IP address of one of this machine's network interfaces")


def test_a_project_without_the_site_templates_is_told_what_to_copy(project, capsys):
    import shutil
    shutil.rmtree(project.root / "templates" / "site")
    code, out, err = project.run("serve", "--port", "8999", capsys=capsys)
    assert (code, err) == (1, "Error: templates/site/catalogue.html is missing from the project - copy "
                              "templates/site/ and styles/site.css from the tool's own project to preview this one\n")


def _clock(year: int | None) -> dict:
    """The environment of a process on the real clock, or on libfaketime's clock on 1 June of `year`.

    libfaketime fakes the monotonic clock too, which a thread's timed wait (Event.wait, a join with a timeout:
    sem_clockwait, which libfaketime 0.9 does not intercept) then waits on for years: the preview used to hang.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if year is None:
        return env
    found = sorted(Path("/usr/lib").glob("**/faketime/libfaketime.so.1"))
    if not found:
        pytest.skip("libfaketime is not installed (scripts/system-deps.sh installs it: apt-get install faketime)")
    # Preloaded directly rather than through the faketime command, so that Ctrl-C reaches the preview itself;
    # today is left to the clock, so that the leaflets' passed reviews show that it moved.
    env = {key: value for key, value in env.items() if key != "LEAFLETS_TODAY" and not key.startswith("FAKETIME")}
    return {**env, "LD_PRELOAD": str(found[0]), "FAKETIME": f"@{year}-06-01 00:00:00"}


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is sent as SIGINT")
@pytest.mark.parametrize("year", [None, 2040], ids=["real-clock", "faketime-2040"])
def test_serve_starts_logs_no_searches_and_stops_on_ctrl_c(tmp_path, year):
    """Also under libfaketime years ahead (the suite is run so: tests/README.md), where the preview's threads once
    waited for ever after Ctrl-C."""
    project = _preview(tmp_path / "proj").project
    port = free_port()
    env = _clock(year)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--project", str(project.root), "serve",
                                "--port", str(port), "-j", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        lines = []
        while not lines or not lines[-1].startswith("Previewing"):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line.rstrip("\n"))
        assert lines[-1] == f"Previewing drafts at http://127.0.0.1:{port}/ - press Ctrl-C to stop"
        # Both leaflets' reviews fall due in 2028: overdue in 2040 (a problem each on the page), not on the pinned day.
        built, _, problems = lines[0].partition(" s")
        assert (built.startswith("built in "), problems) == (True, "" if year is None else
                                                             "; 2 problem(s) shown on the page")
        status, body = raw_get(port, "/index.html?q=Jane+Patient-Name", f"127.0.0.1:{port}")
        # (in 2040 neither overdue leaflet is shown, only its problem)
        assert status == 200 and (b"0 of 2 leaflets match" if year is None else b"0 of 0 leaflets match") in body
        assert time.monotonic() - started < 60
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.splitlines()[-1] == "Stopped."
    assert "Traceback" not in err and "Patient-Name" not in out + err


# -- in Chromium ---------------------------------------------------------------------------

from test_web import axe_violations, browser, readable  # noqa: E402,F401  (the browser fixture, shared)


def _wait(driver, condition, seconds: float = 15):
    """Wait for `condition`; a page that reloads under the test (it may, after any build) is simply asked again.

    Chromium may also answer "Node with given id does not belong to the document" (an unknown error) for an
    element found just as the page was replaced: asked again too; a condition never met still times out.
    """
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def met(d) -> bool:
        try:
            return condition(d)
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return False
            raise
    return WebDriverWait(driver, seconds, poll_frequency=0.05, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(met)


def settled(driver, preview) -> bool:
    """Whether no build is running or waiting and the page shown was made after the last one (it reloads twice)."""
    from selenium.webdriver.common.by import By
    shown = driver.find_element(By.CSS_SELECTOR, "script[data-generation]").get_attribute("data-generation")
    return not preview.lock.locked() and not preview.watcher.dirty.is_set() and \
        shown == str(preview.state.generation) and driver.execute_script("return document.readyState") == "complete"


@pytest.mark.browser
@pytest.mark.slow
def test_in_chromium_filter_search_preview_reload_problems_and_axe(browser, tmp_path):
    from selenium.webdriver.common.by import By

    preview = _preview(tmp_path / "proj", web=True)
    preview.rebuild()
    shots = os.environ.get("SCREENSHOTS")  # SCREENSHOTS=docs saves the pictures the README shows
    with running(preview, watch=True) as base:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.set_window_size(1280, 1000)
        # The catalogue, filtered by a keyword link and searched with its form; axe finds nothing.
        browser.get(f"{base}/index.html")
        assert browser.find_element(By.CSS_SELECTOR, ".count").text == "2 leaflets."
        violations = axe_violations(browser)
        assert violations == [], readable(violations)
        browser.find_element(By.CSS_SELECTOR, ".filters summary").click()  # keywords are folded until asked for
        browser.find_element(By.LINK_TEXT, "wrist").click()
        _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".count").text.startswith("1 of 2 leaflets."))
        assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".leaflet h2")] == ["Caring for a broken wrist"]
        violations = axe_violations(browser)
        assert violations == [], readable(violations)
        browser.get(f"{base}/index.html")
        browser.find_element(By.ID, "q").send_keys("sprained")
        browser.find_element(By.CSS_SELECTOR, ".search button").click()
        _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".count").text == "1 of 2 leaflets match “sprained”.")
        if shots:
            browser.get(f"{base}/index.html")
            browser.save_screenshot(str(REPO / shots / "catalogue.png"))
        # The catalogue opened from disk, as a static site, passes too.
        browser.get((preview.out / "index.html").as_uri())
        violations = axe_violations(browser)
        assert violations == [], readable(violations)

        # One leaflet: the PDF and the web edition side by side.
        browser.get(f"{base}/_preview/leaflet/ankle")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Looking after a sprained ankle"
        frames = {f.get_attribute("id"): f.get_attribute("src") for f in browser.find_elements(By.TAG_NAME, "iframe")}
        assert frames == {"pdf-view": f"{base}/ankle.pdf", "web-view": f"{base}/ankle.html"}
        violations = axe_violations(browser)
        assert violations == [], readable(violations)

        # Saved with a new title: the open page reloads by itself and shows it.
        ankle = preview.project.handouts / "ankle.yaml"
        saved = time.monotonic()
        ankle.write_text(ANKLE.replace("title: Looking after a sprained ankle", "title: Looking after a twisted ankle"),
                         encoding="utf-8")
        _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Looking after a twisted ankle")
        reloaded = time.monotonic() - saved
        _wait(browser, lambda d: settled(d, preview))
        web = _wait(browser, lambda d: d.find_element(By.ID, "web-view"))
        browser.switch_to.frame(web)
        _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Looking after a twisted ankle")
        browser.switch_to.default_content()

        # Broken: the problem appears with its line; the last good PDF stays in view.
        ankle.write_text(ANKLE.replace("version: \"1.0\"", "version: \"1.0\"\nsumary: typo"), encoding="utf-8")
        _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".problems .problem").text == (
            "handouts/ankle.yaml:7:1 sumary: unknown field - did you mean 'summary'?"))
        _wait(browser, lambda d: settled(d, preview))
        _wait(browser, lambda d: d.find_element(By.ID, "pdf-view").get_attribute("src") == f"{base}/ankle.pdf")
        violations = axe_violations(browser)
        assert violations == [], readable(violations)
        if shots:
            browser.save_screenshot(str(REPO / shots / "preview.png"))

        # Fixed: the problem is gone.
        ankle.write_text(ANKLE, encoding="utf-8")
        _wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, ".problems")
              and d.find_element(By.TAG_NAME, "h1").text == "Looking after a sprained ankle")
    print(f"save to reload: {reloaded:.2f} s")
