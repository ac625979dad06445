"""Issue 27 over a real uvicorn server and SMTP server: every file of the shipped wisdom-teeth leaflet, in English and
Welsh, grouped and named for people; the Welsh large print printed, the braille downloaded, the Welsh web page
sent as a link to its archived copy, and `desk export` recording each with its language and format."""

from __future__ import annotations

import csv
import datetime
import email
import email.policy
import hashlib
import io
import re
import shutil

import pytest

from conftest import REPO, TODAY, copy_or_link
from deskutil import AnyPortController, Mailbox, Served, Staff, csrf, make_app, request_key
from publisher.build import batch
from publisher.source import content
from publisher.desk import audit, db
from test_desk_audit import desk

STEM = "after-your-wisdom-teeth-are-removed"
SITE = "https://leaflets.example.org"


class Copy:
    def __init__(self, root):
        self.root = root


@pytest.fixture(scope="module")
def wisdom(tmp_path_factory):
    """The shipped project with only the wisdom-teeth leaflet and its Welsh translation, built with a site_url."""
    root = tmp_path_factory.mktemp("editions") / "proj"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".git", ".venv", "dist", "archive", "tests", "docs",
                                                              "bench", "handouts", "*.sqlite3", "__pycache__"),
                    copy_function=copy_or_link)  # the fonts hard-linked, not copied
    (root / "handouts").mkdir()
    for name in (f"{STEM}.yaml", f"{STEM}.cy.yaml"):
        shutil.copy(REPO / "handouts" / name, root / "handouts" / name)
    brand = (root / "brand.yaml").read_text(encoding="utf-8")
    (root / "brand.yaml").write_text(re.sub(r"(?m)^site_url: .*$", f"site_url: {SITE}", brand), encoding="utf-8")
    options = batch.Options(out=root / "dist", jobs=2, formats=("pdf", "html", "brf", "bilingual"),
                            editions=("standard", "large-print"), today=datetime.date.fromisoformat(TODAY))
    report = batch.build(content.Project(root), options)
    assert report.ok, [r.errors for r in report.failed] + report.shared_errors
    return Copy(root)


def test_a_clinician_prints_welsh_large_print_downloads_braille_and_sends_the_welsh_web_page_as_a_link(
        wisdom, tmp_path):
    mailbox = Mailbox()
    smtp = AnyPortController(mailbox, hostname="127.0.0.1", port=0)
    smtp.start()
    database = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    try:
        app = make_app(wisdom, database, smtp.port)
        with Served(app) as served:
            staff = Staff(served.url)
            page = staff.get(f"/leaflet/{STEM}")
            assert page.status_code == 200
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
            for heading in ("English", "Cymraeg (Welsh)"):
                assert f'">{heading}</h3>' in page.text
            for name in ("Standard print (PDF)", "Large print (PDF)", "Web page", "Braille (BRF)",
                         "Welsh and English side by side", "Welsh and English side by side, large print"):
                assert f"<td>{name}</td>" in page.text, name
            assert " KB" in text and "Download: Braille (BRF), English" in page.text
            # Print the Welsh large print: the exact PDF, inline.
            token = csrf(page.text)
            welsh = f"{STEM}.cy.large-print.pdf"
            printed = staff.post("/print", {"csrf": token, "leaflet": STEM, "file": welsh})
            assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
            assert printed.headers["content-disposition"].startswith("inline; ")
            assert printed.content == (wisdom.root / "dist" / welsh).read_bytes()
            # Download the braille file, for the embosser.
            braille = staff.post("/print", {"csrf": token, "leaflet": STEM, "file": f"{STEM}.brf"})
            assert braille.status_code == 200
            assert braille.headers["content-disposition"].startswith("attachment; filename=")
            assert braille.content == (wisdom.root / "dist" / f"{STEM}.brf").read_bytes()
            # Send the Welsh web page as a link to its archived copy.
            page = staff.get(f"/leaflet/{STEM}")
            web = f"{STEM}.cy.html"
            sent = staff.post("/send", {"csrf": csrf(page.text), "leaflet": STEM, "file": web, "delivery": "link",
                                        "request": request_key(page.text), "addresses": "claf@example.org",
                                        "consent": "yes"})
            assert sent.status_code == 200, sent.text
    finally:
        smtp.stop()
    data = (wisdom.root / "dist" / web).read_bytes()
    [(_, raw)] = mailbox.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert list(message.iter_attachments()) == []
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https://\S+", body)[0]
    assert link.startswith(f"{SITE}/archive/{STEM}.cy/") and link.endswith(f"/{web}")
    archived = wisdom.root / "archive" / link.removeprefix(f"{SITE}/archive/")
    assert archived.read_bytes() == data  # the link names these very bytes, not "latest"
    assert "Rydym yn anfon dolen atoch i'r daflen" in body
    rows = audit.entries(db.engine(database))
    assert [(r["action"], r["format"], r["edition"], r["language"], r["delivery"]) for r in rows] == [
        ("print", "pdf", "large-print", "cy", ""), ("download", "brf", "standard", "", ""),
        ("email", "html", "standard", "cy", "link")]
    assert rows[2]["link"] == link and rows[2]["sha256"] == hashlib.sha256(data).hexdigest()
    done = desk("export", "--from", audit.now()[:10], "--to", audit.now()[:10], database=database)
    assert done.returncode == 0, done.stderr
    exported = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["action"], r["format"], r["language"], r["delivery"], r["link"]) for r in exported] == [
        ("print", "pdf", "cy", "", ""), ("download", "brf", "", "", ""), ("email", "html", "cy", "link", link)]
    assert "example.org" not in done.stdout.replace(SITE, "")


def test_no_link_is_offered_without_a_site_url(tmp_path):
    from deskutil import built_project
    project = built_project(tmp_path / "proj")
    app = make_app(project, f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    with Served(app) as served:
        staff = Staff(served.url)
        page = staff.get("/leaflet/ankle")
        assert 'value="link"' not in page.text and "Web page" in page.text
        response = staff.post("/send", {"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.html",
                                        "delivery": "link", "request": request_key(page.text),
                                        "addresses": "pat@example.org", "consent": "yes"})
        assert response.status_code == 404
        page = staff.get("/leaflet/ankle")
        response = staff.post("/send", {"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.html",
                                        "request": request_key(page.text), "addresses": "pat@example.org",
                                        "consent": "yes"})
        assert response.status_code == 400
        assert "Only a PDF can be attached." in response.text


def test_roles_a_clinician_sees_and_may_do_no_administration(tmp_path):
    from deskutil import PASSWORD, built_project
    from publisher.desk import auth
    project = built_project(tmp_path / "proj")
    database = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    app = make_app(project, database, users=())
    eng = db.engine(database)
    auth.add_user(eng, "admin", PASSWORD, "administrator")
    auth.add_user(eng, "carol", PASSWORD)  # a clinician, by default
    with Served(app) as served:
        clinician, administrator = Staff(served.url, "carol"), Staff(served.url, "admin")
        home = clinician.get("/")
        assert "Administration" not in home.text and 'href="/admin"' not in home.text
        token = csrf(home.text)
        assert clinician.get("/admin").status_code == 403
        for path, data in (("/admin/add-user", {"name": "eve", "password": PASSWORD, "role": "administrator"}),
                           ("/admin/disable-user", {"name": "admin"}), ("/admin/verify-log", {}),
                           ("/admin/export", {"from": "2026-01-01", "to": "2026-12-31"})):
            response = clinician.post(path, {"csrf": token, **data})
            assert response.status_code == 403 and "Only a desk administrator may do this." in response.text, path
        assert auth.epoch(eng, "eve") is None and auth.role(eng, "admin") == "administrator"
        page = administrator.get("/admin")
        assert page.status_code == 200 and 'href="/admin"' in page.text
        token = csrf(page.text)
        added = administrator.post("/admin/add-user", {"csrf": token, "name": "dan", "password": PASSWORD,
                                                       "role": "clinician"})
        assert added.status_code == 200 and "User dan can sign in, as clinician." in added.text
        done = administrator.post("/admin/disable-user", {"csrf": token, "name": "carol"})
        assert "User carol is disabled and signed out everywhere." in done.text
        assert clinician.get("/").status_code == 303  # her session ended
        checked = administrator.post("/admin/verify-log", {"csrf": token})
        assert "The audit log is whole: 0 entries. Anchor: 0:" in checked.text
        exported = administrator.post("/admin/export", {"csrf": token, "from": "2026-01-01", "to": "2026-12-31"})
        assert exported.headers["content-type"].startswith("text/csv")
        assert exported.text.startswith("seq,time,user,action,")
        bad = administrator.post("/admin/export", {"csrf": token, "from": "2026-13-01", "to": "x"})
        assert bad.status_code == 400 and "Give the first and last day as YYYY-MM-DD" in bad.text
    assert auth.sign_in(eng, "carol", PASSWORD) == (False, "locked")


def test_audio_only_for_the_languages_the_brand_approved(project, capsys):
    """brand.yaml's audio: languages: a language not listed gets no MP3, `check` says why, the desk offers none."""
    brand = (REPO / "brand.yaml").read_text(encoding="utf-8")
    brand = re.sub(r"(?m)^audio: .*$", "audio: {languages: [cy]}", brand)
    assert "audio: {languages: [cy]}" in brand
    project.write("brand.yaml", brand.replace("formats: [pdf, html, brf, mp3]", "formats: [pdf, mp3]"))
    project.leaflet("ankle")
    code, out, err = project.run("check", capsys=capsys)
    assert ("handouts/ankle.yaml: no audio: speech in 'en-GB' is not approved in brand.yaml's audio: languages, so "
            "the audio edition is left out - add the language there once a speaker has listened to a sample and "
            "approved it (docs/audio-approval.md)") in out + err
    code, out, err = project.run(capsys=capsys)
    assert code == 0, err
    assert (project.root / "dist" / "ankle.pdf").exists() and not (project.root / "dist" / "ankle.mp3").exists()
