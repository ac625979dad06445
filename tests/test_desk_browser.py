"""The desk in a real browser: Debian's Chromium signs in, finds a leaflet and emails it to a real SMTP server.

The desk runs on a real uvicorn server at http://localhost:<port>: Chromium treats localhost as a
secure context, so it keeps and sends the desk's `Secure` session cookie without TLS, as it would
behind the TLS proxy in production. `DESK_PICTURES=1` also saves the screenshots into docs/ for the README.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from deskutil import AUDIT_KEY, PASSWORD, AnyPortController, Mailbox, Served, make_app
from publisher.build import archive
from publisher.source import content
from publisher.desk import audit, db
from test_web import axe_violations, readable

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("web")]

PATIENT = "pat.one@example.org"
PICTURES = ("desk-sign-in", "desk-search", "desk-leaflet", "desk-sent")


class Shipped:
    """The shipped project's leaflets built into a temporary folder, offered by the desk."""

    def __init__(self, root):
        self.root = REPO  # templates, styles and leaflets are the shipped ones, read only
        self.out = root / "dist"


@pytest.fixture(scope="module")
def shipped_desk(shipped, tmp_path_factory):
    """The shipped catalogue as built once a run (conftest.shipped), copied with its archive: the desk records
    what it sends and prints beside them, and the shared build stays as it was."""
    where = tmp_path_factory.mktemp("desk-browser")
    dist = Path(next(iter(shipped.values())).output).parent
    shutil.copytree(dist, where / "dist")
    shutil.copytree(archive.folder(content.Project(REPO), dist), where / "dist-archive")
    return where


@pytest.fixture(scope="module")
def chromium():
    from test_web import start_chromium  # its own: the desk's sign-ins leave nothing in the other files' browser
    yield from start_chromium()


def test_sign_in_find_and_email_a_leaflet(shipped_desk, chromium, caplog):
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(condition) -> None:
        """Until the page the last action asked for is there (a busy machine is slow to answer)."""
        WebDriverWait(driver, 60, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
            condition)

    database = f"sqlite:///{shipped_desk / 'desk.sqlite3'}"
    mailbox = Mailbox()
    smtp = AnyPortController(mailbox, hostname="127.0.0.1", port=0)
    smtp.start()
    caplog.set_level(logging.INFO)

    class Where:
        root = REPO
    project = Where()
    app = make_app_for(project, shipped_desk, database, smtp.port)
    shots = []
    try:
        with Served(app) as served:
            driver = chromium
            driver.set_window_size(1100, 1000)
            driver.get(served.url + "/")
            assert driver.current_url == served.url + "/login"
            assert axe_violations(driver) == [], readable(axe_violations(driver))
            driver.find_element(By.ID, "user").send_keys("alice")
            driver.find_element(By.ID, "password").send_keys(PASSWORD)
            shots.append(shot(driver, shipped_desk, "desk-sign-in"))
            driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            WebDriverWait(driver, 60).until(lambda d: d.current_url == served.url + "/")  # argon2 is slow on a busy machine
            cookie = driver.get_cookie("desk_session")
            assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

            search = driver.find_element(By.ID, "q")
            search.send_keys("back")
            search.submit()
            wait(lambda d: "q=back" in d.current_url and d.find_elements(By.CSS_SELECTOR, ".results a"))
            results = driver.find_elements(By.CSS_SELECTOR, ".results a")
            assert [r.text for r in results] == ["Looking after your back"]
            assert axe_violations(driver) == [], readable(axe_violations(driver))
            shots.append(shot(driver, shipped_desk, "desk-search"))
            results[0].click()
            wait(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Looking after your back")
            assert axe_violations(driver) == [], readable(axe_violations(driver))

            driver.find_element(By.ID, "addresses").send_keys(PATIENT)
            driver.find_element(By.NAME, "consent").click()
            shots.append(shot(driver, shipped_desk, "desk-leaflet"))
            driver.find_element(By.CSS_SELECTOR, "form[action='/send'] button").click()
            wait(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Sent")
            status = driver.find_element(By.CSS_SELECTOR, "[role=status]").text
            assert "Looking after your back (MPA-0002, version 1.0) went to 1 of 1 recipient." in status
            assert driver.find_element(By.TAG_NAME, "h1").text == "Sent"
            shots.append(shot(driver, shipped_desk, "desk-sent"))
            assert PATIENT not in driver.page_source

            # Print: the large-print PDF opens in a new tab, in the browser's own viewer.
            driver.find_element(By.LINK_TEXT, "Back to the leaflet").click()
            wait(lambda d: d.find_elements(By.CSS_SELECTOR, "form[action='/print'] button"))
            first = driver.current_window_handle
            driver.find_element(By.XPATH, "//form[@action='/print'][input[@value='looking-after-your-back.large-print"
                                          ".pdf']]/button").click()
            wait(lambda d: len(d.window_handles) == 2)
            [viewer] = [h for h in driver.window_handles if h != first]
            driver.switch_to.window(viewer)
            assert driver.execute_script("return document.contentType") == "application/pdf"
            driver.close()
            driver.switch_to.window(first)
    finally:
        smtp.stop()

    exact = (shipped_desk / "dist" / "looking-after-your-back.pdf").read_bytes()
    [(recipients, raw)] = mailbox.messages
    assert recipients == [PATIENT]
    [attachment] = list(email.message_from_bytes(raw, policy=email.policy.default).iter_attachments())
    assert attachment.get_content() == exact
    entry, printed = audit.entries(db.engine(database))
    assert (entry["user"], entry["action"], entry["reference"], entry["version"], entry["edition"], entry["format"],
            entry["sha256"]) == ("alice", "email", "MPA-0002", "1.0", "standard", "pdf",
                                 hashlib.sha256(exact).hexdigest())
    large = (shipped_desk / "dist" / "looking-after-your-back.large-print.pdf").read_bytes()
    assert (printed["action"], printed["edition"], printed["sha256"]) == \
        ("print", "large-print", hashlib.sha256(large).hexdigest())
    # The archive (the shipped brand keeps one) holds the very bytes each entry names.
    kept = json.loads((shipped_desk / "dist-archive" / "looking-after-your-back" / "1.0" / "index.json").read_text())
    assert {entry["sha256"], printed["sha256"]} <= {f["sha256"] for f in kept["files"]}
    assert audit.verify(db.engine(database), AUDIT_KEY.encode()) == []
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]  # the test's mailbox
    assert any("POST /send" in line for line in lines)  # the server's access log was captured
    assert any("emailed MPA-0002 v1.0" in line for line in lines)
    assert not [line for line in lines if "@" in line and "example" in line]
    if os.environ.get("DESK_PICTURES") == "1":
        tile(shots, REPO / "docs" / "desk-screens.png")


def test_every_edition_and_the_administration_page_at_320_px(shipped_desk, chromium):
    """Issue 27: the wisdom-teeth leaflet's files by language, and the administrator's page, on a phone-sized
    window: no axe-core violation, nothing wider than the window. Screenshots: <tmp>/desk-320-*.png."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from publisher.desk import auth
    database = f"sqlite:///{shipped_desk / 'desk-320.sqlite3'}"

    class Where:
        root = REPO
    app = make_app_for(Where(), shipped_desk, database, 1)
    auth.add_user(db.engine(database), "alice", PASSWORD, "administrator")
    with Served(app) as served:
        driver = chromium
        driver.set_window_size(320, 900)
        driver.get(served.url + "/login")
        driver.find_element(By.ID, "user").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(driver, 60).until(lambda d: d.current_url == served.url + "/")
        for path, name in (("/leaflet/after-your-wisdom-teeth-are-removed", "leaflet"), ("/admin", "admin")):
            driver.get(served.url + path)
            headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h3")]
            if name == "leaflet":
                assert headings == ["English", "العربية (Arabic)", "Cymraeg (Welsh)", "中文 (Chinese)"], headings
                rows = driver.find_element(By.TAG_NAME, "main").text
                assert "Large print (PDF)" in rows and "Welsh and English side by side" in rows
            assert axe_violations(driver) == [], readable(axe_violations(driver))
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(320, min(height + 120, 4000))
            driver.save_screenshot(str(shipped_desk / f"desk-320-{name}.png"))
            wide = driver.execute_script("return [...document.querySelectorAll('main *')].filter(e => "
                                         "e.getBoundingClientRect().right > document.documentElement.clientWidth)"
                                         ".map(e => e.tagName + '.' + e.className + ':' + e.textContent.slice(0, 30))")
            assert wide == [], wide
            driver.set_window_size(320, 900)
    print("screenshots:", shipped_desk)


def tile(paths, target) -> None:
    """The four screens two by two at half size, for the README."""
    from PIL import Image
    images = [Image.open(p).convert("RGB") for p in paths]
    width, height = images[0].width // 2, max(i.height for i in images) // 2
    gap = 12
    sheet = Image.new("RGB", (2 * width + 3 * gap, 2 * height + 3 * gap), "#b1b4b6")
    for n, image in enumerate(images):
        small = image.resize((image.width // 2, image.height // 2), Image.LANCZOS)
        sheet.paste(small, (gap + (n % 2) * (width + gap), gap + (n // 2) * (height + gap)))
    sheet.save(target, optimize=True)


def make_app_for(project, where, database, port):
    """The desk over the shipped project, offering the leaflets built into `where`/dist."""
    from publisher.desk import app as desk_app
    from publisher.desk import auth
    from publisher.desk.commands import quiet_addresses
    env = {"DESK_SECRET_KEY": "s" * 40, "DESK_AUDIT_KEY": AUDIT_KEY, "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(port), "SMTP_SECURITY": "none", "SMTP_FROM": "leaflets@clinic.example"}
    config = desk_app.config_from_environment(content.Project(REPO), where / "dist", database, env)
    application = desk_app.create_app(config)
    eng = db.engine(database)
    if auth.epoch(eng, "alice") is None:
        auth.add_user(eng, "alice", PASSWORD)
    quiet_addresses()
    return application


def shot(driver, where, name):
    path = where / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


_ = make_app  # the project-based helper is the HTTP tests'; this file serves the shipped leaflets
