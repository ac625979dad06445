"""`build.py new`: a leaflet started from the commented example, with today's dates and the next reference."""

from __future__ import annotations

import os
import shutil

from conftest import MINIMAL, REPO
from pdfutil import page_texts

from publisher.cli import main as cli
from publisher.source import content
from publisher.source.project import DEFAULTS


def test_starts_from_the_example_with_todays_dates_and_the_next_reference(project, capsys):
    shutil.copytree(REPO / "docs", project.root / "docs")
    project.leaflet("one", MINIMAL.replace("TST-0001", "TST-0009"))
    project.leaflet("two", MINIMAL.replace("TST-0001", "TST-0012"))
    project.leaflet("other", MINIMAL.replace("TST-0001", "XYZ-0500"))
    code, out, err = project.run("new", "broken-wrist", "--today", "2027-02-28", capsys=capsys)
    assert (code, err) == (0, "")
    assert out == ("created handouts/broken-wrist.yaml (TST-0013) from the example - replace its words, then check "
                   "it: python build.py check handouts/broken-wrist.yaml\n")
    text = (project.root / "handouts" / "broken-wrist.yaml").read_text(encoding="utf-8")
    example = (REPO / "docs" / "example-leaflet.yaml").read_text(encoding="utf-8")
    assert "\ntitle: Broken wrist\n" in text and "\nreference: TST-0013\n" in text
    assert "  published: 2027-02-28       # when this leaflet was first published\n" in text
    assert "  last_reviewed: 2027-02-28   # when a clinician last checked it\n" in text
    assert "  next_review: 2030-02-28     # when it must be checked again" in text
    # The test brand builds the standard edition only: no page limit for an edition it never makes.
    assert "\nmax_pages: {standard: 4}\n" in text
    # Every comment of the example is kept, for the author to read.
    assert [line for line in example.splitlines() if line.startswith("#")] == [
        line for line in text.splitlines() if line.startswith("#")]
    # It is a valid leaflet from the start.
    code, out, err = project.run("check", str(project.root / "handouts" / "broken-wrist.yaml"), "--today", "2027-02-28",
                                 capsys=capsys)
    assert code == 0, out + err


def test_the_first_leaflet_takes_the_examples_prefix_and_the_brands_editions(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "editions: [standard, large-print]\n")
    code, out, err = project.run("new", "first", capsys=capsys)  # the tool's own example: the project has none
    assert code == 0, err
    text = (project.root / "handouts" / "first.yaml").read_text(encoding="utf-8")
    assert "\nreference: MPA-0001\n" in text and "\nmax_pages: {standard: 4, large-print: 8}\n" in text


def test_never_overwrites(project, capsys):
    path = project.leaflet("ankle")
    code, out, err = project.run("new", "ankle", capsys=capsys)
    assert (code, out) == (1, "")
    assert err == "Error: handouts/ankle.yaml already exists - choose another name, or edit that file\n"
    assert path.read_text(encoding="utf-8") == MINIMAL


def test_refuses_a_name_that_cannot_name_a_leaflet(project, capsys):
    for stem, message in (
        ("../evil", "Error: '../evil' cannot name a leaflet - use letters, digits, '-', '_' and '.', starting with a "
                    "letter or digit"),
        ("two words", "Error: 'two words' cannot name a leaflet - use letters, digits, '-', '_' and '.', starting "
                      "with a letter or digit"),
        ("x.large-print", "Error: 'x.large-print' cannot name a leaflet: it would clash with the large-print edition "
                          "of another leaflet - choose another name"),
    ):
        code, out, err = project.run("new", stem, capsys=capsys)
        assert code == 2
        assert err.splitlines()[-1] == message
    assert list((project.root / "handouts").iterdir()) == []
    assert not (project.root / "evil.yaml").exists()


def test_index_is_kept_for_the_catalogue(project, capsys):
    code, out, err = project.run("new", "index", capsys=capsys)
    assert code == 2 and err.splitlines()[-1] == ("Error: 'index' cannot name a leaflet: it would clash with the "
                                                  "catalogue site's index.html - choose another name")
    project.leaflet("index")
    code, out, err = project.run(capsys=capsys)
    assert code == 1 and ("handouts/index.yaml:1:1: file name 'index' would clash with the catalogue site's "
                          "index.html - rename the file") in (out + err).splitlines()


# -- an empty folder: `new` starts the project, the tool's templates, styles and schemas serve it ------------------


def _new_in(root, capsys, *args):
    code = cli.main(["new", *args, "--project", str(root), "--today=2026-11-25"])
    out, err = capsys.readouterr()
    return code, out, err


def test_in_an_empty_folder_starts_brand_people_and_logo_and_the_leaflet_builds(tmp_path, capsys):
    root = tmp_path / "empty"
    root.mkdir()
    code, out, err = _new_in(root, capsys, "my-leaflet")
    assert (code, err) == (0, "")
    assert out == (
        "created brand.yaml - put your organisation's name, logo, colours and contact details in it\n"
        "created people.yaml - list the people who write and review your leaflets\n"
        "created handouts/logo.svg - replace it with your organisation's logo\n"
        f"the tool's own templates/, styles/, schema/ serve this project, which has none - to change them, copy them "
        f"from {DEFAULTS} into it\n"
        "created handouts/my-leaflet.yaml (MPA-0001) from the example - replace its words, then check it: "
        "python build.py check handouts/my-leaflet.yaml\n")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "brand.yaml", "handouts/logo.svg", "handouts/my-leaflet.yaml", "people.yaml"]
    # Each started file says what to change; the leaflet credits the started people.
    assert (root / "brand.yaml").read_text(encoding="utf-8").startswith("# Started by `leaflets new`")
    assert "  authors: [your-name]" in (root / "handouts" / "my-leaflet.yaml").read_text(encoding="utf-8")
    assert cli.main(["check", "--project", str(root), "--today=2026-11-25"]) == 0
    assert capsys.readouterr().out == "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n"
    assert cli.main(["build", "--project", str(root), "-j1", "-q", "--today=2026-11-25"]) == 0
    assert capsys.readouterr() == ("", "")
    first = page_texts(root / "drafts" / "my-leaflet.pdf")[0]
    assert first.startswith("Your Organisation MPA-0001\r\nMy leaflet\r\n"), first[:80]


def test_starts_only_what_is_missing_and_never_overwrites(tmp_path, capsys):
    root = tmp_path / "half"
    (root / "handouts").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "data" / "brand.yaml", root / "brand.yaml")
    (root / "styles").mkdir()  # the brand's logo: a project's own styles/ holds it
    shutil.copytree(REPO / "styles", root / "styles", dirs_exist_ok=True)
    brand = (root / "brand.yaml").read_bytes()
    code, out, err = _new_in(root, capsys, "ankle")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "created people.yaml - list the people who write and review your leaflets",
        f"the tool's own templates/, schema/ serve this project, which has none - to change them, copy them from "
        f"{DEFAULTS} into it"]
    assert (root / "brand.yaml").read_bytes() == brand
    assert not (root / "handouts" / "logo.svg").exists()  # the project's own brand names its own logo
    code, out, err = _new_in(root, capsys, "wrist")
    assert out.splitlines()[0].startswith("created handouts/wrist.yaml (MPA-0002)")  # nothing more to start
    # A name refused starts nothing.
    shutil.rmtree(root / "handouts")
    (root / "people.yaml").unlink()
    assert _new_in(root, capsys, "../evil")[0] == 2
    assert not (root / "people.yaml").exists()


def test_the_tools_folders_serve_only_where_the_project_has_none(project, tmp_path):
    """The sandbox's one exception: the tool's own templates and styles, read-only, for a project that has none."""
    assert project.root / "styles" == content.Project(project.root).styles  # the fixture copies the repository's
    bare = content.Project(tmp_path / "bare")
    assert bare.asset_roots() == [DEFAULTS / "templates", DEFAULTS / "styles", bare.root / "handouts"]
    assert (bare.schemas, bare.path("styles/a4.css"), bare.path("brand.yaml")) == (
        DEFAULTS / "schema", DEFAULTS / "styles" / "a4.css", bare.root / "brand.yaml")
    assert bare.defaults_used() == ["templates", "styles", "schema"]
    shutil.rmtree(project.root / "templates")
    mixed = content.Project(project.root)
    assert (mixed.templates, mixed.styles, mixed.defaults_used()) == (
        DEFAULTS / "templates", project.root / "styles", ["templates"])


def test_a_leaflet_cannot_take_an_image_from_the_tools_folders(tmp_path, capsys):
    root = tmp_path / "empty"
    root.mkdir()
    assert _new_in(root, capsys, "ankle", "-q")[0] == 0
    picture = os.path.relpath(DEFAULTS / "styles" / "pictures" / "ambulance.svg", root / "handouts")
    path = root / "handouts" / "ankle.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    body: |\n", f"    image: {{file: {picture}, alt: An ambulance.}}\n    body: |\n", 1),
                    encoding="utf-8")
    assert cli.main(["check", "--project", str(root), "--today=2026-11-25"]) == 1
    out, err = capsys.readouterr()
    assert f".image.file: '{picture}' is outside the project - keep images inside the project folder\n" in err
