"""The publication archive: published versions kept read-only, and content changed without a version bump refused."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat

from conftest import MINIMAL, REPO, TODAY

from publisher.build import archive, batch
from publisher.outputs import naming
from publisher.source import content

ARCHIVED = "archive: {cosmetic: %s}\n"


def keeping(project, cosmetic: str = "allow"):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text(encoding="utf-8") + ARCHIVED % cosmetic, encoding="utf-8")


def index(project, stem="ankle", version="1.0") -> dict:
    return json.loads((project.root / "archive" / stem / version / "index.json").read_text(encoding="utf-8"))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_build_keeps_every_file_of_the_version_read_only_with_its_hash(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    code, out, err = project.run("--format", "pdf,html", "--edition", "standard", "--edition", "large-print",
                                 capsys=capsys)
    assert code == 0, err
    kept = index(project)
    assert (kept["stem"], kept["version"], kept["reference"], kept["published"]) == \
        ("ankle", "1.0", "TST-0001", "2026-01-10")
    names = sorted(f["name"] for f in kept["files"])
    assert names == ["ankle.html", "ankle.large-print.pdf", "ankle.pdf"]
    for entry in kept["files"]:
        copy = project.root / "archive" / "ankle" / "1.0" / entry["file"]
        assert sha(copy) == entry["sha256"] == sha(project.root / "dist" / entry["name"])
        assert not os.stat(copy).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        assert entry["tool"] and len(entry["made_by"]) == 12
        assert (entry["format"], entry["language"]) == ("html" if entry["name"].endswith(".html") else "pdf", None)
    assert {f["edition"] for f in kept["files"]} == {"standard", "large-print"}


def test_changed_content_without_a_new_version_is_an_error_at_the_version_line(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    before = (project.root / "dist" / "ankle.html").read_bytes()
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest your foot"))
    code, out, err = project.run("--format", "html", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("handouts/ankle.yaml:5:10: version: the published version 1.0 differed: "
                                   "bump `version` or revert")
    assert (project.root / "dist" / "ankle.html").read_bytes() == before  # the last good file is kept
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1 and "version: the published version 1.0 differed: bump `version` or revert" in err
    # Reverting is as good as bumping ...
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    # ... and a new version is published beside the old one.
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest your foot").replace('"1.0"', '"1.1"'))
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    assert index(project, version="1.1")["content"]["en-GB"] != index(project)["content"]["en-GB"]
    code, out, err = project.run("check", "--summary", capsys=capsys)
    row = next(line for line in out.splitlines() if line.startswith("TST-0001"))
    assert "1.0 (2026-11-25), 1.1 (2026-11-25)" in row  # archived on the day of the build (--today)


def test_a_credited_persons_entry_is_content(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    people = project.root / "people.yaml"
    text = people.read_text(encoding="utf-8")
    assert "Phoebe Carter" in text
    people.write_text(text.replace("Phoebe Carter", "Phoebe Carter-Jones"), encoding="utf-8")
    code, out, err = project.run("--format", "html", capsys=capsys)
    assert code == 1 and "the published version 1.0 differed" in err


def test_a_cosmetic_change_is_the_brands_decision(project, capsys):
    keeping(project, "allow")
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    css = project.root / "styles" / "web.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* a new rule */\nh1 { letter-spacing: 0.01em; }\n",
                   encoding="utf-8")
    code, out, err = project.run("--format", "html", capsys=capsys)
    assert code == 0, err
    tags = {f["made_by"] for f in index(project)["files"]}
    assert len(tags) == 2  # both presentations kept, each under the templates that made it
    for tag in tags:
        assert (project.root / "archive" / "ankle" / "1.0" / tag / "ankle.html").is_file()

    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text(encoding="utf-8").replace(ARCHIVED % "allow", ARCHIVED % "bump"),
                     encoding="utf-8")
    code, out, err = project.run("--format", "html", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("handouts/ankle.yaml:5:10: version: the published version 1.0 was made with "
                                   "other templates, styles or tool: bump `version`, or set archive: "
                                   "{cosmetic: allow} in brand.yaml")


def test_no_archive_unless_the_brand_asks(project, capsys):
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    assert not (project.root / "archive").exists()


def test_the_archive_goes_with_the_output_folder(project, tmp_path, capsys):
    keeping(project)
    project.leaflet("ankle")
    elsewhere = tmp_path / "pdfs"
    assert project.run("--format", "html", "--out", str(elsewhere), capsys=capsys)[0] == 0
    assert (tmp_path / "pdfs-archive" / "ankle" / "1.0" / "index.json").is_file()
    assert not (project.root / "archive").exists()
    # The repository's own builds in tests (into temporary folders) never write into the repository.
    assert archive.folder(content.Project(REPO), tmp_path / "dist") == tmp_path / "dist-archive"
    assert archive.folder(content.Project(REPO), REPO / "dist") == REPO / "archive"


def test_file_names_are_described_generically():
    def describe(stem, key):
        named = naming.parsed(key, stem)
        return named and (named.output.name, named.edition, named.language)
    assert describe("x", "x.pdf") == ("pdf", "standard", None)
    assert describe("x", "x.large-print.pdf") == ("pdf", "large-print", None)
    assert describe("x", "x.cy.large-print.pdf") == ("pdf", "large-print", "cy")
    assert describe("x", "x.preview.html") == ("preview", "standard", None)
    assert describe("x", "y.pdf") is None


def test_a_lost_index_is_rebuilt_from_the_files_kept(project, capsys):
    keeping(project)
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    before = index(project)
    (project.root / "archive" / "ankle" / "1.0" / "index.json").unlink()
    assert project.run("--format", "html", "--force", capsys=capsys)[0] == 0
    after = index(project)
    assert [(f["file"], f["sha256"]) for f in after["files"]] == [(f["file"], f["sha256"]) for f in before["files"]]


def test_the_desks_templates_and_styles_rebuild_nothing(project, capsys):
    keeping(project, "bump")
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    css = project.root / "styles" / "desk.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { color: #000; }\n", encoding="utf-8")
    page = project.root / "templates" / "desk" / "base.html"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    code, out, err = project.run("--format", "html", capsys=capsys)
    assert code == 0 and "unchanged 1" in out, out + err
    web = project.root / "styles" / "web.css"  # a leaflet's own style still counts
    web.write_text(web.read_text(encoding="utf-8") + "\nh1 { color: #000; }\n", encoding="utf-8")
    assert project.run("--format", "html", capsys=capsys)[0] == 1


def test_a_preview_publishes_nothing_and_the_next_build_still_checks(project, capsys):
    """build.py serve builds with publish=False: an author's edits preview, and a real build then refuses them."""
    keeping(project)
    project.leaflet("ankle")
    assert project.run("--format", "html", capsys=capsys)[0] == 0
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest your foot"))
    report = batch.build(content.Project(project.root), batch.Options(out=project.root / "dist", formats=("html",),
                                                                      today=datetime.date.fromisoformat(TODAY), publish=False))
    assert report.ok and "Rest your foot" in (project.root / "dist" / "ankle.html").read_text(encoding="utf-8")
    assert sorted(f["name"] for f in index(project)["files"]) == ["ankle.html"]  # only the first build's file
    code, out, err = project.run("--format", "html", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("handouts/ankle.yaml:5:10: version: the published version 1.0 differed: "
                                   "bump `version` or revert")
