"""The command line as users run it: outputs, options, exit codes, warnings."""

import json
import re

import pypdf
import pytest

import forked
from conftest import MINIMAL, REPO, SITE, TODAY
from pdfutil import page_texts
from publisher.outputs.pdf import engine as pdf
from publisher.source import content
from publisher.core.errors import RenderError


def test_help_reads_well():
    run = forked.run(["--help"], cwd=REPO)
    assert run.returncode == 0
    assert run.stdout.startswith("usage: build.py [-h] [--version] [--project DIR] [-q] COMMAND ...\n")
    assert "python build.py check [PATH ...]    validate without rendering" in run.stdout
    assert "Exit status: 0 all well, 1 a leaflet failed (the others are still built), 2 usage error." in run.stdout
    assert "    build        build drafts into drafts/ (the default)\n" in run.stdout
    assert "    publish      publish into dist/ and the archive\n" in run.stdout


def test_build_help():
    run = forked.run(["build", "--help"], cwd=REPO)
    assert run.returncode == 0
    assert run.stdout.startswith("usage: build.py build [-h] [--project DIR] [--out DIR] [--format NAMES]\n")


def test_check_help():
    run = forked.run(["check", "--help"], cwd=REPO)
    assert run.returncode == 0
    assert run.stdout.startswith("usage: build.py check [-h] [--project DIR] [--today YYYY-MM-DD]")


def test_usage_error_exits_2_with_hint():
    run = forked.run(["--nope"], cwd=REPO)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-2:] == ["Error: unrecognized arguments: --nope", "Try 'python build.py --help' for help."]


def test_build_only_the_paths_given(project, capsys):
    project.leaflet("one")
    project.leaflet("two")
    code, out, err = project.run(str(project.root / "handouts" / "two.yaml"), capsys=capsys)
    assert code == 0, err
    assert sorted(p.name for p in (project.root / "dist").iterdir()) == [".lock", ".manifest.json", "two.pdf"]
    assert out.splitlines()[-1] == "built 1, unchanged 0, removed 0, failed 0 in T s"


def test_out_and_html(project, capsys, tmp_path):
    project.leaflet("ankle")
    code, out, err = project.run("--out", str(tmp_path / "elsewhere"), "--html", capsys=capsys)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == [".lock", ".manifest.json", "ankle.pdf", "ankle.preview.html", *SITE]
    preview = (tmp_path / "elsewhere" / "ankle.preview.html").read_text()
    assert f'<base href="{project.root.as_uri()}/">' in preview
    assert not (project.root / "dist").exists()


def test_check_valid(project, capsys):
    project.leaflet("ankle")
    assert project.run("check", capsys=capsys) == (0, "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n", "")


def test_yaml_11_traps_keep_their_text(project, capsys):
    text = (MINIMAL.replace("language: en-GB", "language: no")
            .replace('version: "1.0"', "version: 1.10")
            .replace("reference: TST-0001", "reference: 0123"))
    project.catalogue("no")  # labels for Norwegian (each as its English)
    project.leaflet("norsk", text)
    code, out, err = project.run(capsys=capsys)
    assert code == 0, err
    pages = "\n".join(page_texts(project.root / "dist" / "norsk.pdf"))
    assert "0123 v1.10" in pages
    assert "Review due 10. januar 2028" in pages  # the date in Norwegian (Babel); the labels as English
    assert pypdf.PdfReader(project.root / "dist" / "norsk.pdf").trailer["/Root"]["/Lang"] == "no"


def test_weasyprint_warnings_are_captured_and_reported(project, capsys):
    base = project.root / "styles" / "base.css"
    base.write_text(base.read_text() + "\n.title { colour: red; }\n")
    project.leaflet("ankle")
    code, out, err = project.run(capsys=capsys)
    assert code == 0
    assert "handouts/ankle.yaml: warning: Ignored `colour: red` at" in err
    assert "unknown property" in err


def test_no_warning_from_the_shipped_leaflets(shipped):
    assert {stem: r.warnings for stem, r in shipped.items() if r.warnings} == {}


def test_same_input_same_bytes(project, capsys, tmp_path):
    project.leaflet("ankle")
    project.run("--out", str(tmp_path / "a"), capsys=capsys)
    project.run("--out", str(tmp_path / "b"), capsys=capsys)
    assert (tmp_path / "a" / "ankle.pdf").read_bytes() == (tmp_path / "b" / "ankle.pdf").read_bytes()


def test_sandbox_refuses_files_outside_the_project(project):
    refused = project.root.parent / "secret.css"
    refused.write_text("body { color: red }")
    html = f'<html><head><link rel="stylesheet" href="{refused.as_uri()}"></head><body>x</body></html>'
    try:
        pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html)
    except Exception as exc:
        assert str(exc) == f"handouts/x.yaml: refused to load {refused.as_uri()}: file is outside the project's templates, styles and handouts"
    else:
        raise AssertionError("an outside file was loaded")


@pytest.mark.parametrize("relative", ["smtp.ini", "people.yaml", "other/secret.css", "dist/old.html", ".git/config"])
@pytest.mark.parametrize("leaflet_folder", [None, ".", "handouts"])
@pytest.mark.parametrize("how", ["absolute", "relative"])
def test_sandbox_refuses_project_files_outside_its_folders(project, relative, leaflet_folder, how):
    """Inside the project is not enough: only templates/, styles/ and handouts/, even for a leaflet in the root."""
    secret = project.write(relative, "body { color: red }")
    href = secret.as_uri() if how == "absolute" else relative  # relative to the project root, the base URL
    html = f'<html><head><link rel="stylesheet" href="{href}"></head><body>x</body></html>'
    folder = None if leaflet_folder is None else project.root / leaflet_folder
    with pytest.raises(RenderError) as refused:
        pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html, folder)
    assert str(refused.value) == (f"handouts/x.yaml: refused to load {secret.as_uri()}: "
                                  "file is outside the project's templates, styles and handouts")


def test_sandbox_follows_symlinks_before_deciding(project):
    """A link inside styles/ to a file elsewhere is judged by where it points."""
    secret = project.root.parent / "secret.css"
    secret.write_text("body { color: red }")
    (project.root / "styles" / "linked.css").symlink_to(secret)
    html = '<html><head><link rel="stylesheet" href="styles/linked.css"></head><body>x</body></html>'
    with pytest.raises(RenderError) as refused:
        pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html)
    linked = (project.root / "styles" / "linked.css").as_uri()
    assert str(refused.value) == (f"handouts/x.yaml: refused to load {linked}: "
                                  "file is outside the project's templates, styles and handouts")


def test_sandbox_serves_the_project_folders(project):
    """The refusals above are the sandbox's, not a broken fetcher: a stylesheet in styles/ loads."""
    project.write("styles/extra.css", "body { color: red }")
    html = '<html><head><link rel="stylesheet" href="styles/extra.css"></head><body>x</body></html>'
    assert pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html).pages == 1


def test_sandbox_refuses_the_network(project):
    html = '<html><body><img src="https://example.org/x.png" alt=""></body></html>'
    try:
        pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html)
    except Exception as exc:
        assert "refused to load https://example.org/x.png: only files inside the project may be used" in str(exc)
    else:
        raise AssertionError("a network URL was fetched")


def test_example_leaflet_in_docs_builds(tmp_path, capsys):
    from publisher.cli import main as cli
    code = cli.main([str(REPO / "docs" / "example-leaflet.yaml"), "--out", str(tmp_path), "--today", TODAY])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (tmp_path / "example-leaflet.pdf").exists()
    assert err == ""


def test_images_and_external_links(project, capsys):
    project.write("handouts/images/ankle.svg",
                  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#1d5c63"/></svg>')
    project.leaflet("ankle", MINIMAL.replace(
        "    body: Rest", "    image: {file: images/ankle.svg, alt: A raised ankle on a cushion}\n    body: Rest").replace(
        "sources:", "further_reading:\n  - {title: NHS website, url: \"https://www.nhs.uk/conditions/sprains-and-strains/\"}\nsources:"))
    code, out, err = project.run("--html", capsys=capsys)
    assert code == 0 and err == ""
    assert '<img src="handouts/images/ankle.svg" alt="A raised ankle on a cushion">' in (project.root / "dist" / "ankle.preview.html").read_text()
    reader = pypdf.PdfReader(project.root / "dist" / "ankle.pdf")
    uris = [a.get_object()["/A"].get("/URI") for page in reader.pages for a in page.get("/Annots", [])
            if "/A" in a.get_object()]
    assert "https://www.nhs.uk/conditions/sprains-and-strains/" in uris
    text = "\n".join(page_texts(project.root / "dist" / "ankle.pdf"))
    assert "www.nhs.uk/conditions/sprains-and-strains" in text


def test_sandbox_catches_what_validation_missed(project, capsys, monkeypatch):
    """Defence in depth: with the SVG check switched off, the fetcher still refuses, as an error."""
    from publisher.source import assets
    monkeypatch.setattr(assets, "problems", lambda path: [])
    secret = project.root.parent / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    project.write("handouts/images/x.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                  f'<image href="{secret.as_uri()}" width="10" height="10"/></svg>')
    project.leaflet("ankle", MINIMAL.replace("    body: Rest", "    image: {file: images/x.svg, alt: x}\n    body: Rest"))
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"handouts/ankle.yaml: refused to load {secret.as_uri()}: "
                                   "file is outside the project's templates, styles and handouts")
    assert not (project.root / "dist" / "ankle.pdf").exists()


def test_a_warning_prints_once_per_leaflet_whatever_the_editions(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "editions: [standard, large-print]\n")
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "DO NOT STOP resting your ankle"))
    warning = ("handouts/ankle.yaml:15:11: warning: all-caps: \"DO NOT STOP\" is in capitals, which is harder to "
               "read - use bold for emphasis")
    code, out, err = project.run("--report", str(project.root / "report.json"), capsys=capsys)
    assert (code, err) == (0, warning + "\n")
    assert [re.sub(r" \(\d+ pages?, \d+ KB, T s\)", "", line) for line in out.splitlines()] == [
        "built dist/ankle.pdf", "built dist/ankle.large-print.pdf", "built 2, unchanged 0, removed 0, failed 0 in T s"]
    # Each edition keeps it in the report and the manifest, and shows it again once when unchanged.
    report = json.loads((project.root / "report.json").read_text())
    assert [leaflet["warnings"] for leaflet in report["leaflets"]] == [[warning], [warning]]
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, warning + "\n")
    assert out.splitlines()[-1] == "built 0, unchanged 2, removed 0, failed 0 in T s"
    # --strict fails both editions for the one warning, which is one error.
    code, out, err = project.run("--strict", capsys=capsys)
    assert (code, err.splitlines()) == (1, [warning.replace(": warning: ", ": error: ") + " (--strict turns warnings "
                                             "into errors)", "built 0, unchanged 0, removed 0, failed 2 (1 error) in T s"])
