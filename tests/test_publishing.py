"""Drafts apart from publishing: drafts change freely, publishing applies the version rules, the desk and the
archive give out only what was published, and tampering with the archive is found."""

from __future__ import annotations

import json
import os
import stat

from conftest import MINIMAL
from deskutil import AnyPortController, Mailbox, Served, Staff, built_project, make_app
from test_archive import index, keeping, sha
from test_translations import WELSH, welsh  # noqa: F401 - the fixture

from publisher.build import archive
from publisher.site import preview as serve
from publisher.source import content


def _writable(path):
    os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
    return path


def test_drafts_change_freely_and_publishing_applies_the_version_rule(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    assert project.run("publish", "--format", "html", capsys=capsys)[0] == 0
    published = (project.root / "dist" / "ankle.html").read_bytes()
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest your foot"))
    for _ in range(2):  # a draft is rebuilt after every edit, with no version bump
        code, out, err = project.run("build", "--format", "html", capsys=capsys)
        assert code == 0, err
    assert "Rest your foot" in (project.root / "drafts" / "ankle.html").read_text(encoding="utf-8")
    assert not (project.root / "drafts-archive").exists()
    code, out, err = project.run("publish", "--format", "html", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("handouts/ankle.yaml:5:10: version: the published version 1.0 differed: "
                                   "bump `version` or revert")
    assert (project.root / "dist" / "ankle.html").read_bytes() == published  # the last published file is kept
    assert [f["sha256"] for f in index(project)["files"]] == [sha(project.root / "dist" / "ankle.html")]


def test_a_draft_never_goes_into_the_published_folder(project, capsys):
    project.leaflet("ankle")
    for command in ("build", "serve"):
        code, out, err = project.run(command, "--out", str(project.root / "dist"), capsys=capsys)
        assert code == 2
        assert err.splitlines()[-1].startswith(f"Error: --out '{project.root / 'dist'}' holds the published leaflets "
                                               "that patients get - drafts go to drafts/ (leave out --out)")
    assert not (project.root / "dist").exists()
    assert serve.Preview(content.Project(project.root)).out == project.root / "drafts"


def test_bytes_appended_to_an_archived_file_are_found(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    assert project.run("publish", "--format", "html", capsys=capsys)[0] == 0
    assert project.run("archive", "verify", capsys=capsys)[:2] == (0, "archive: 1 version checked, no problems\n")
    kept = project.root / "archive" / "ankle" / "1.0" / index(project)["files"][0]["file"]
    published = (project.root / "dist" / "ankle.html").read_bytes()
    assert archive.holds(project.root / "archive", "ankle", "1.0", "ankle.html", published)
    with open(_writable(kept), "ab") as file:
        file.write(b"<!-- appended -->")
    # The desk's check: the archive no longer holds those bytes intact, nor the appended ones.
    assert not archive.holds(project.root / "archive", "ankle", "1.0", "ankle.html", published)
    assert not archive.holds(project.root / "archive", "ankle", "1.0", "ankle.html", kept.read_bytes())
    code, out, err = project.run("archive", "verify", capsys=capsys)
    assert code == 1
    first, last = err.splitlines()
    assert first.startswith(f"archive/ankle/1.0/{index(project)['files'][0]['file']}: its bytes are not the ones "
                            "archived (SHA-256 ")
    assert first.endswith(" - restore it from a backup") and last == "archive: 1 version checked, 1 problem"
    code, out, err = project.run("publish", "--format", "html", "--force", capsys=capsys)  # every build checks
    assert code == 1
    assert err.splitlines()[0].startswith("handouts/ankle.yaml:5:10: version: the archive of version 1.0 was "
                                          "changed: archive/ankle/1.0/")


def test_a_damaged_index_is_an_error_never_a_skipped_rule(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    assert project.run("publish", "--format", "html", capsys=capsys)[0] == 0
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest your foot"))
    path = project.root / "archive" / "ankle" / "1.0" / "index.json"
    for garbage in (b"\x00garbage", json.dumps({"format": 1, "files": "x", "content": {}}).encode()):
        _writable(path).write_bytes(garbage)
        code, out, err = project.run("publish", "--format", "html", capsys=capsys)
        assert code == 1
        assert err.splitlines()[0].startswith("handouts/ankle.yaml:5:10: version: the archive's "
                                              "archive/ankle/1.0/index.json ")
        assert err.splitlines()[0].endswith(" - restore it from a backup; nothing is published until it is sound")
        assert project.run("archive", "verify", capsys=capsys)[0] == 1


def test_the_desk_gives_out_only_the_published_bytes(tmp_path):
    project = built_project(tmp_path / "proj")
    mailbox = Mailbox()
    controller = AnyPortController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        with Served(make_app(project, f"sqlite:///{tmp_path / 'desk.sqlite3'}", controller.port)) as served:
            staff = Staff(served.url)
            good = (project.root / "dist" / "ankle.pdf").read_bytes()
            assert staff.post("/print", _print_form(staff, "ankle.pdf")).content == good
            (project.root / "dist" / "ankle.pdf").write_bytes(good + b"%draft")  # a file the build did not make
            response = staff.post("/print", _print_form(staff, "ankle.pdf"))
            assert response.status_code == 409 and "is not the published version" in response.text
            response = staff.post("/send", staff.send_form("ankle", "ankle.pdf", "patient@example.org"))
            assert response.status_code == 409 and not mailbox.messages
            (project.root / "dist" / "ankle.pdf").write_bytes(good)
            assert staff.post("/print", _print_form(staff, "ankle.pdf")).content == good
    finally:
        controller.stop()


def _print_form(staff, file: str) -> dict:
    from deskutil import csrf
    page = staff.get("/leaflet/ankle")
    return {"csrf": csrf(page.text), "leaflet": "ankle", "file": file}


# -- one name rule, one language spelling ----------------------------------------------------------


def test_check_and_build_refuse_the_same_file_names_with_one_message(project, capsys):
    project.leaflet("ok")
    for stem in ("..", "x y", "ünï"):
        project.leaflet(stem)
    expected = [f"handouts/{stem}.yaml:1:1: file name '{stem}' cannot name a PDF - rename the file using letters, "
                "digits, '-', '_' and '.'" for stem in ("..", "x y", "ünï")]
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1 and err.splitlines()[:3] == expected
    assert err.splitlines()[3] == "4 leaflets checked, 1 valid: 3 errors, 0 warnings, 0 waived."
    for command in ("build", "publish"):
        code, out, err = project.run(command, "--format", "html", capsys=capsys)
        assert code == 1 and [line for line in err.splitlines() if line.startswith("handouts/")] == expected


def test_a_language_code_in_another_case_is_the_same_language(welsh, capsys):
    welsh.leaflet("x.cy", WELSH.replace("language: cy", "language: CY"))  # normalised: still the Welsh files
    assert welsh.run("publish", "--format", "html", capsys=capsys)[0] == 0
    assert sorted(p.name for p in (welsh.root / "dist").glob("x*.html")) == ["x.cy.html", "x.html"]
    assert 'lang="cy"' in (welsh.root / "dist" / "x.cy.html").read_text(encoding="utf-8")
    # A second Welsh file, named in another case, while the reviewed outputs are unchanged (not validated again).
    welsh.leaflet("x.CY", WELSH.replace("language: cy", "language: CY"))
    code, out, err = welsh.run("publish", "--format", "html", capsys=capsys)
    assert code == 1
    assert "handouts/x.CY.yaml:3:11: language: 'x' already has a translation into 'cy', handouts/x.cy.yaml - keep "\
           "one file per source and language, and delete or merge the other" in err.splitlines()
    assert sorted(p.name for p in (welsh.root / "dist").glob("x*.html")) == ["x.cy.html", "x.html"]
