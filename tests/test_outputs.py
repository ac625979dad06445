"""The output seam: one registry of formats, and naming, the manifest, removal and clean-up going through it."""

import json

import pytest
from conftest import MINIMAL, REPO

from publisher.build import batch, manifest, settings
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.source import content


def test_every_format_in_the_brand_schema_is_registered():
    schema = json.loads((REPO / "schema" / "brand.schema.json").read_text())
    assert schema["properties"]["formats"]["items"]["enum"] == list(outputs.REGISTRY)


@pytest.mark.parametrize("name, edition, language, expected", [
    ("pdf", "standard", None, "x.pdf"),
    ("pdf", "large-print", None, "x.large-print.pdf"),
    ("pdf", "large-print", "cy", "x.cy.large-print.pdf"),
    ("preview", "standard", None, "x.preview.html"),
    ("html", "standard", None, "x.html"),
])
def test_file_names_follow_one_rule(name, edition, language, expected):
    assert naming.name("x", language, edition, name) == expected


def test_a_new_format_is_one_registry_line(project, capsys):
    """A format registered here is built, recorded, rebuilt only when changed, and removed with its leaflet."""
    made = []

    def render(job):
        made.append(job.edition)
        return f"{job.leaflet.data['title']} ({job.edition})\n".encode()

    outputs.register(outputs.Output("txt", ".txt", "text/plain", "plain text", render=render))
    try:
        project.leaflet("ankle")
        code, out, err = project.run("--format", "pdf,txt", "--edition", "standard", "--edition", "large-print",
                                     capsys=capsys)
        assert (code, err) == (0, "")
        dist = project.root / "dist"
        assert (dist / "ankle.txt").read_text() == "Looking after a sprained ankle (standard)\n"
        assert (dist / "ankle.large-print.txt").exists() and sorted(made) == ["large-print", "standard"]
        assert "built dist/ankle.txt (0 KB, T s)" in out
        record = manifest.Manifest.load(dist).entries
        assert set(record) == {"ankle.pdf", "ankle.large-print.pdf", "ankle.txt", "ankle.large-print.txt"}

        code, out, err = project.run("--format", "pdf,txt", "--edition", "standard", capsys=capsys)
        assert "unchanged dist/ankle.txt" in out and len(made) == 2

        (project.root / "handouts" / "ankle.yaml").unlink()
        code, out, err = project.run("--format", "pdf,txt", capsys=capsys)
        # Only the catalogue site is left, listing no leaflet.
        assert sorted(p.name for p in dist.iterdir()) == [".lock", ".manifest.json", "catalogue", "index.html", "thumbs"]
        assert sorted(p.name for p in (dist / "thumbs").iterdir()) == [".sources.json"]
        assert sum(line.startswith("removed ") for line in out.splitlines()) == 4
    finally:
        del outputs.REGISTRY["txt"]


def test_the_brand_chooses_the_formats_and_the_command_line_overrides_it(project, capsys):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text() + "formats: [pdf, preview]\n")
    project.leaflet("ankle")
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (project.root / "dist").glob("ankle*")) == ["ankle.pdf", "ankle.preview.html"]
    code, out, err = project.run("--format", "preview", "--out", str(project.root / "other"), capsys=capsys)
    assert sorted(p.name for p in (project.root / "other").glob("ankle*")) == ["ankle.preview.html"]


def test_an_unknown_format_is_a_usage_error(project, capsys):
    with pytest.raises(SystemExit) as exit:
        project.run("--format", "pdf,braile", capsys=capsys)
    assert exit.value.code == 2
    assert capsys.readouterr().err.endswith(
        "Error: argument --format: 'braile' is not a format - choose from pdf, html, preview, brf, pef, mp3, transcript, bilingual, booklet, print, bilingual-booklet, bilingual-print\n"
        "Try 'python build.py --help' for help.\n")


def test_an_unknown_format_in_the_brand_is_an_error_at_its_line(project, capsys):
    brand = project.root / "brand.yaml"
    lines = brand.read_text().count("\n")
    brand.write_text(brand.read_text() + "formats: [pdf, braile]\n")
    project.leaflet("ankle")
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert f"brand.yaml:{lines + 1}:16: formats[1]: 'braile' is not one of: pdf, html, preview, brf, pef, mp3, transcript, bilingual, booklet, print, bilingual-booklet, bilingual-print\n" in err


def test_temporary_files_of_every_format_are_cleaned_up(project, capsys):
    project.leaflet("ankle")
    dist = project.root / "dist"
    dist.mkdir()
    left = [".ankle.pdf.abc.tmp", ".ankle.preview.html.def.tmp", ".ankle.html.ghi.tmp", "..manifest.json.x.tmp"]
    for name in left + [".keep.tmp", "notes.txt"]:
        (dist / name).write_text("x")
    code, out, err = project.run(capsys=capsys)
    assert code == 0
    assert sorted(p.name for p in dist.iterdir() if p.name.endswith((".tmp", ".txt"))) == [".keep.tmp", "notes.txt"]


def test_check_and_email_read_the_build_from_out(project, capsys, tmp_path):
    project.leaflet("ankle")
    elsewhere = tmp_path / "elsewhere"
    code, out, err = project.run("--out", str(elsewhere), capsys=capsys)
    assert code == 0 and not (project.root / "dist").exists()
    code, out, err = project.run("check", "--summary", "--out", str(elsewhere), capsys=capsys)
    assert code == 0 and "TST-0001   Looking after a sprained ankle" in out
    row = next(line for line in out.splitlines() if line.startswith("TST-0001"))
    assert row.split()[-9] == "2"  # pages, from the build in --out


def test_output_keys_are_unique_across_formats_and_editions():
    names = [naming.name("x", None, e, o) for o in outputs.REGISTRY.values() for e in o.editions]
    assert len(names) == len(set(names))


def test_a_leaflet_named_like_another_output_is_refused(project, capsys):
    project.leaflet("ankle.preview")
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert ("handouts/ankle.preview.yaml:1:1: file name 'ankle.preview' would clash with the preview output of "
            "another leaflet - rename the file\n") in err


def test_settings_resolve_the_command_line_over_the_brand_over_the_defaults():
    project = content.Project(REPO)

    def names(options, brand):
        return [o.name for o in batch.resolved(project, options, brand).formats]
    assert names(batch.Options(out="x"), {"formats": ["html"]}) == ["html"]
    assert names(batch.Options(out="x", formats=("pdf",)), {"formats": ["html"]}) == ["pdf"]
    assert names(batch.Options(out="x", add_formats=("preview",)), None) == ["pdf", "preview"]
    chosen = settings.resolve(project, {"paper": "a5", "editions": ["large-print"]})
    assert (chosen.out, chosen.paper, chosen.editions) == (REPO / "dist", "a5", ("large-print",))
    assert [(o.name, e) for o, e in settings.resolve(project, {"formats": ["pdf", "html"]},
                                                      editions_=("standard", "large-print")).plan()] == [
        ("pdf", "standard"), ("pdf", "large-print"), ("html", "standard")]


def test_loading_does_not_import_the_governance_rules():
    """content.py is split by concern and no longer forms an import circle with governance.py."""
    import subprocess
    import sys
    code = ("import sys, publisher.source.content; "
            "assert 'publisher.govern.governance' not in sys.modules, sorted(sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_caches_can_be_refreshed(project, capsys):
    """A long-running process sees a changed schema after caches.clear()."""
    from publisher.core import caches
    from publisher.source import schema
    proj = content.Project(project.root)
    schema.validator(proj, schema.LEAFLET_SCHEMA)
    assert schema._validators
    caches.clear()
    assert not schema._validators


def test_check_lists_warnings_from_the_text_with_their_rule(project, capsys):
    body = "  - heading: Tips\n    body: |\n      - Rest.\n      Ask your GP.\n"
    project.leaflet("tips", MINIMAL.replace("sections:\n", "sections:\n" + body))
    code, out, err = project.run("check", capsys=capsys)
    assert code == 0
    assert out.startswith("handouts/tips.yaml:17:7: sections[0].body: warning: this line runs on from the list item")
    code, out, err = project.run("check", "--format", "json", capsys=capsys)
    findings = json.loads(out)["leaflets"][0]["findings"]
    assert [(f["rule"], f["level"], f["line"]) for f in findings] == [("markdown", "warning", 17)]
    code, out, err = project.run("check", "--strict", capsys=capsys)
    assert code == 1 and "sections[0].body: error: this line runs on" in err
