"""Batch builds: parallel, incremental, deterministic, atomic, isolated, sharded, reported."""

import hashlib
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO, TODAY, Project, copy_project, with_three
from publisher.build import batch, progress
from publisher.outputs.pdf import engine as pdf, workers


def stamps(folder):
    """Modification times of the PDFs in a folder: unchanged files keep theirs."""
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pdf")}


_built: list[Path] = []  # `three` as its first build left it, made once a test process


@pytest.fixture
def built(tmp_path, tmp_path_factory, capsys) -> Project:
    """`three` after its first build (dist/, its manifest and the site): built once a process, copied for each test.

    For tests about what the next build does: the first build is the same every time, so it is made once."""
    if not _built:
        first = with_three(Project(tmp_path_factory.mktemp("built") / "proj"))
        assert first.run(capsys=capsys)[0] == 0
        _built.append(first.root)
    return copy_project(_built[0], tmp_path / "proj")


def test_parallel_and_serial_builds_give_identical_bytes(three, capsys, tmp_path):
    assert three.run("-j", "2", "--out", str(tmp_path / "par"), capsys=capsys)[0] == 0
    assert three.run("-j", "1", "--out", str(tmp_path / "ser"), capsys=capsys)[0] == 0
    for stem in ("alpha", "beta", "gamma"):
        assert (tmp_path / "par" / f"{stem}.pdf").read_bytes() == (tmp_path / "ser" / f"{stem}.pdf").read_bytes()


@pytest.mark.slow
def test_every_shipped_leaflet_is_identical_across_processes(shipped):
    """A fresh process with another hash seed, one renderer and two audio threads makes every file the session's
    build made (with its own seed, two render workers, one audio thread): PDFs, bilingual PDFs, web pages, braille,
    audio (the Arabic MP3 too: publisher/spoken_numbers.py) and the catalogue site, byte for byte."""
    # Catches what one process cannot: output that depends on set order, hash() or object ids.
    here = Path(next(iter(shipped.values())).output).parent
    fresh = here.with_name("fresh-process-dist")
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    env = {**os.environ, "PYTHONHASHSEED": seed, "LEAFLETS_AUDIO_THREADS": "2"}
    run = subprocess.run([sys.executable, "build.py", "--out", str(fresh), "--today", TODAY, "-j1", "-q"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=600)
    # -q leaves only notes: the sample Chinese translation's braille is left out (test_braille.py).
    assert (run.returncode, run.stdout) == (0, "")
    # And the Chinese audio: the shipped brand has not approved speech in Chinese (brand.yaml's audio).
    assert all(": no braille: " in line or ": no audio: " in line for line in run.stderr.splitlines()), run.stderr
    made = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert made == sorted(str(p.relative_to(here)) for p in here.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert {f"{stem}.pdf" for stem in shipped} < set(made) and any(name.endswith(".bilingual.pdf") for name in made)
    # Braille and audio of every leaflet, but the sample Chinese translation's braille (test_braille.py) and audio
    # (not approved), and the Easy Read leaflet's, which has a PDF and a web page only.
    leaflets = len([p for p in (REPO / "handouts").glob("*.yaml") if not p.stem.endswith(".easy-read")])
    assert sum(name.endswith((".brf", ".mp3")) for name in made) == 2 * leaflets - 2
    assert "index.html" in made
    for name in made:
        assert (fresh / name).read_bytes() == (here / name).read_bytes(), name


def test_no_op_rebuild_renders_nothing(built, capsys):
    before = stamps(built.root / "dist")
    code, out, err = built.run(capsys=capsys)
    assert code == 0 and err == ""
    assert out.splitlines() == ["unchanged dist/alpha.pdf", "unchanged dist/beta.pdf", "unchanged dist/gamma.pdf",
                                "built 0, unchanged 3, removed 0, failed 0 in T s"]
    assert stamps(built.root / "dist") == before


def test_changing_one_leaflet_rebuilds_only_it(built, capsys):
    path = built.root / "handouts" / "beta.yaml"
    path.write_text(path.read_text().replace("Rest your ankle", "Rest your foot"))
    code, out, err = built.run(capsys=capsys)
    assert sorted(line.split(" (")[0] for line in out.splitlines()[:-1]) == [
        "built dist/beta.pdf", "unchanged dist/alpha.pdf", "unchanged dist/gamma.pdf"]


def test_changing_a_template_or_style_rebuilds_everything(built, capsys):
    style = built.root / "styles" / "base.css"
    style.write_text(style.read_text() + "\n/* a comment still counts */\n")
    code, out, err = built.run(capsys=capsys)
    assert out.splitlines()[-1] == "built 3, unchanged 0, removed 0, failed 0 in T s"


def test_changing_a_person_rebuilds_the_leaflets_that_credit_them(three, capsys):
    three.leaflet("delta", MINIMAL.replace("reviewers: [rebecca-fernandez]", "reviewers: [phoebe-carter]")
                  .replace("authors: [phoebe-carter]", "authors: [phoebe-carter]"))
    three.run(capsys=capsys)
    people = three.root / "people.yaml"
    people.write_text(people.read_text().replace("Another test biography.", "A new biography."))
    code, out, err = three.run(capsys=capsys)
    assert sorted(line.split(" (")[0] for line in out.splitlines()[:-1]) == [
        "built dist/alpha.pdf", "built dist/beta.pdf", "built dist/gamma.pdf", "unchanged dist/delta.pdf"]


def test_changing_an_image_rebuilds_the_leaflet_that_shows_it(project, capsys):
    image = project.write("handouts/images/a.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    project.leaflet("pictured", MINIMAL.replace("    body: Rest", "    image: {file: images/a.svg, alt: A dot}\n    body: Rest"))
    project.leaflet("plain")
    project.run(capsys=capsys)
    image.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"/>')
    code, out, err = project.run(capsys=capsys)
    assert sorted(line.split(" (")[0] for line in out.splitlines()[:-1]) == ["built dist/pictured.pdf", "unchanged dist/plain.pdf"]


def edit_brand(project):
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text().replace("name: Test Health Trust", "name: Test Health Board"))


def edit_logo(project):
    logo = project.root / "styles" / "brand" / "logo.svg"
    logo.write_text(logo.read_text().replace("</svg>", "<rect width=\"1\" height=\"1\"/></svg>"))


def edit_font(project):
    # Another valid font under the same name: the PDFs change, the file names do not.
    fonts = project.root / "styles" / "fonts"
    bold = fonts / "AtkinsonHyperlegibleNext-Bold.ttf"
    bold.unlink()  # linked to the repository's (conftest.copy_or_link): replaced, never written into
    bold.write_bytes((fonts / "AtkinsonHyperlegibleNext-Regular.ttf").read_bytes())


@pytest.mark.parametrize("change, args", [
    (edit_brand, []), (edit_logo, []), (edit_font, []),
    (None, ["--paper", "a5"]), (None, ["--print-marks"]), (None, ["--pdf-variant", "pdf/a-3u"]),
], ids=["brand", "logo", "font", "paper", "print-marks", "pdf-variant"])
def test_what_shapes_every_pdf_rebuilds_every_pdf(built, capsys, change, args):
    """Into the same folder: a PDF made with the old brand, logo, font or options is never called unchanged."""
    before = {p.name: p.read_bytes() for p in (built.root / "dist").glob("*.pdf")}
    if change:
        change(built)
    code, out, err = built.run(*args, capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "built 3, unchanged 0, removed 0, failed 0 in T s"
    assert all((built.root / "dist" / name).read_bytes() != data for name, data in before.items())
    code, out, err = built.run(*args, capsys=capsys)  # and once rebuilt, it is up to date again
    assert out.splitlines()[-1] == "built 0, unchanged 3, removed 0, failed 0 in T s"


def test_a_logo_outside_styles_still_rebuilds_every_pdf(three, capsys):
    """styles/ is hashed whole, so this logo counts only through the brand's own digest."""
    (three.root / "handouts" / "images").mkdir()
    (three.root / "styles" / "brand" / "logo.svg").rename(three.root / "handouts" / "images" / "logo.svg")
    brand = three.root / "brand.yaml"
    brand.write_text(brand.read_text().replace("logo: styles/brand/logo.svg", "logo: handouts/images/logo.svg"))
    assert three.run(capsys=capsys)[0] == 0
    logo = three.root / "handouts" / "images" / "logo.svg"
    logo.write_text(logo.read_text().replace("</svg>", "<rect width=\"1\" height=\"1\"/></svg>"))
    code, out, err = three.run(capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "built 3, unchanged 0, removed 0, failed 0 in T s"


def test_force_renders_everything(built, capsys):
    code, out, err = built.run("--force", capsys=capsys)
    assert out.splitlines()[-1] == "built 3, unchanged 0, removed 0, failed 0 in T s"


def test_a_deleted_leaflet_has_its_pdf_removed(built, capsys):
    (built.root / "dist" / "unrelated.pdf").write_bytes(b"%PDF- not ours")
    (built.root / "handouts" / "beta.yaml").unlink()
    code, out, err = built.run(capsys=capsys)
    assert code == 0
    assert "removed dist/beta.pdf (handouts/beta.yaml no longer exists)" in out.splitlines()
    assert out.splitlines()[-1] == "built 0, unchanged 2, removed 1, failed 0 in T s"
    assert sorted(p.name for p in (built.root / "dist").glob("*.pdf")) == ["alpha.pdf", "gamma.pdf", "unrelated.pdf"]
    manifest = json.loads((built.root / "dist" / ".manifest.json").read_text())
    assert sorted(manifest["leaflets"]) == ["alpha.pdf", "gamma.pdf"]


def test_a_tampered_pdf_or_manifest_is_rebuilt(built, capsys):
    (built.root / "dist" / "alpha.pdf").write_bytes(b"truncated")
    code, out, err = built.run(capsys=capsys)
    assert out.splitlines()[-2].startswith("built dist/alpha.pdf")
    (built.root / "dist" / ".manifest.json").write_text("{not json")
    code, out, err = built.run(capsys=capsys)
    assert out.splitlines()[-1] == "built 3, unchanged 0, removed 0, failed 0 in T s"


def test_a_worker_is_replaced_after_its_share_and_the_pdfs_stay_the_same(three, capsys, tmp_path, monkeypatch):
    """Memory outside Python grows a little with each PDF a worker writes: after RECYCLE_AFTER leaflets a fresh
    worker takes over, and what it makes is byte for byte what the first would have made."""
    assert three.run("-j", "1", "--out", str(tmp_path / "one"), capsys=capsys)[0] == 0
    started = []
    real = workers._Worker.__init__

    def counted(self, *args):
        started.append(1)
        real(self, *args)
    monkeypatch.setattr(workers, "RECYCLE_AFTER", 1)
    monkeypatch.setattr(workers._Worker, "__init__", counted)
    report = tmp_path / "report.json"
    assert three.run("-j", "1", "--out", str(tmp_path / "fresh"), "--report", str(report), capsys=capsys)[0] == 0
    assert len(started) == 1 + 3  # the first worker, and a fresh one after each of the three leaflets
    assert json.loads(report.read_text())["summary"]["built"] == 3
    for stem in ("alpha", "beta", "gamma"):
        assert (tmp_path / "fresh" / f"{stem}.pdf").read_bytes() == (tmp_path / "one" / f"{stem}.pdf").read_bytes()


def test_a_crashed_worker_fails_only_its_leaflet(built, capsys, monkeypatch):
    real = pdf.Engine.render

    def crash_on_beta(self, name, *args, **kwargs):
        if "beta" in name:
            os._exit(3)  # as if killed; the forked worker inherits this patch
        return real(self, name, *args, **kwargs)

    good = (built.root / "dist" / "beta.pdf").read_bytes()
    for stem in ("alpha", "beta", "gamma"):
        path = built.root / "handouts" / f"{stem}.yaml"
        path.write_text(path.read_text().replace("Rest your ankle", "Rest your leg"))
    monkeypatch.setattr(pdf.Engine, "render", crash_on_beta)
    code, out, err = built.run("-j", "2", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/beta.yaml: the worker process rendering it died (killed or crashed) - the previous PDF, if any, is kept",
        "built 2, unchanged 0, removed 0, failed 1 (1 error) in T s"]
    assert (built.root / "dist" / "beta.pdf").read_bytes() == good
    manifest = json.loads((built.root / "dist" / ".manifest.json").read_text())
    assert manifest["leaflets"]["beta.pdf"]["digest"] != manifest["leaflets"]["alpha.pdf"]["digest"]
    assert not list((built.root / "dist").glob(".*.tmp"))


def test_a_worker_killed_after_writing_but_before_reporting_leaves_the_previous_pdf(built, capsys, monkeypatch):
    """What the build calls failed is not on disk: the worker only stages the PDF, and the build moves it in place."""
    real = workers.stage

    def stage_then_die(target, data):
        staged = real(target, data)
        if "beta" in str(target):
            os._exit(3)  # the PDF is written whole, and the worker dies before it can say so
        return staged

    dist = built.root / "dist"
    good = (dist / "beta.pdf").read_bytes()
    before = json.loads((dist / ".manifest.json").read_text())["leaflets"]
    for stem in ("alpha", "beta", "gamma"):
        path = built.root / "handouts" / f"{stem}.yaml"
        path.write_text(path.read_text().replace("Rest your ankle", "Rest your leg"))
    monkeypatch.setattr(workers, "stage", stage_then_die)
    code, out, err = built.run("-j", "2", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("handouts/beta.yaml: the worker process rendering it died (killed or crashed) - "
                                   "the previous PDF, if any, is kept")
    assert (dist / "beta.pdf").read_bytes() == good
    after = json.loads((dist / ".manifest.json").read_text())["leaflets"]
    assert after["beta.pdf"]["digest"] == before["beta.pdf"]["digest"]  # the manifest describes the PDF on disk
    for stem in ("alpha", "gamma"):  # the others were put in place and recorded
        assert after[f"{stem}.pdf"]["digest"] != before[f"{stem}.pdf"]["digest"]
        assert hashlib.sha256((dist / f"{stem}.pdf").read_bytes()).hexdigest() == after[f"{stem}.pdf"]["digest"]
    assert not list(dist.glob(".*.tmp"))


def test_an_interrupted_build_keeps_what_it_finished(three, capsys, monkeypatch):
    real = progress.Plain.result

    def interrupt_after_first(self, result):
        real(self, result)
        raise KeyboardInterrupt  # Ctrl-C reaches the build just after its first PDF

    monkeypatch.setattr(progress.Plain, "result", interrupt_after_first)
    code, out, err = three.run("-j", "1", capsys=capsys)
    assert code == 130
    assert err.splitlines()[-1].startswith("Interrupted: finished PDFs are kept and recorded")
    assert sorted(p.name for p in (three.root / "dist").iterdir()) == [".lock", ".manifest.json", "alpha.pdf"]
    manifest = json.loads((three.root / "dist" / ".manifest.json").read_text())
    assert sorted(manifest["leaflets"]) == ["alpha.pdf"]


def test_shards_split_the_catalogue_stably(project, capsys, tmp_path, monkeypatch):
    stems = [f"leaflet-{i}" for i in range(12)]
    for stem in stems:
        project.leaflet(stem)
    found = []
    for k in (1, 2, 3):
        files = [p for p in project.root.joinpath("handouts").glob("*.yaml") if batch.in_shard(p.stem, (k, 3))]
        found.append(sorted(p.stem for p in files))
    assert sorted(sum(found, [])) == sorted(stems)
    assert all(found)  # each shard gets some
    monkeypatch.setenv("CI_NODE_INDEX", "2")
    monkeypatch.setenv("CI_NODE_TOTAL", "3")
    code, out, err = project.run("--out", str(tmp_path / "s2"), capsys=capsys)
    assert code == 0
    assert sorted(p.stem for p in (tmp_path / "s2").glob("*.pdf")) == found[1]


def test_bad_shard_is_a_usage_error(project, capsys):
    code, out, err = project.run("--shard", "4/3", capsys=capsys)
    assert code == 2
    assert "Error: shard '4/3' must be K/N with 1 <= K <= N, e.g. 1/4" in err


def test_json_and_junit_reports(three, capsys, tmp_path):
    (three.root / "handouts" / "gamma.yaml").write_text(MINIMAL.replace("reviewers: [rebecca-fernandez]", "reviewers: [nobody]"))
    code, out, err = three.run("--report", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml"), capsys=capsys)
    assert code == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert {k: report["summary"][k] for k in ("built", "unchanged", "removed", "failed")} == \
        {"built": 2, "unchanged": 0, "removed": 0, "failed": 1}
    alpha, beta, gamma = report["leaflets"]
    assert alpha["source"] == "handouts/alpha.yaml" and alpha["status"] == "built" and alpha["output"] == "dist/alpha.pdf"
    assert alpha["pages"] >= 1 and alpha["bytes"] == (three.root / "dist" / "alpha.pdf").stat().st_size
    # No contents list, so no page is laid out twice.
    assert report["summary"]["pages_laid_out"] == alpha["pages"] + beta["pages"]
    assert alpha["seconds"] > 0
    assert gamma["status"] == "failed" and gamma["errors"] == [
        "handouts/gamma.yaml:12:15: credits.reviewers[0]: unknown person 'nobody' - use an id from people.yaml (phoebe-carter, rebecca-fernandez), or add the person there"]
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["handouts/gamma.yaml"].find("failure").get("message").endswith("unknown person 'nobody' - use an id from people.yaml (phoebe-carter, rebecca-fernandez), or add the person there")
    assert cases["handouts/alpha.yaml"].find("failure") is None


def test_strict_turns_warnings_into_failures_and_keeps_the_old_pdf(project, capsys, monkeypatch):
    project.leaflet("ankle")
    project.run(capsys=capsys)
    good = (project.root / "dist" / "ankle.pdf").read_bytes()
    base = project.root / "styles" / "base.css"
    base.write_text(base.read_text() + "\n.title { colour: red; }\n")
    monkeypatch.setenv("CI", "true")  # strict by default in CI
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert "handouts/ankle.yaml: error: Ignored `colour: red` at" in err
    assert "(--strict turns warnings into errors)" in err
    assert (project.root / "dist" / "ankle.pdf").read_bytes() == good
    code, out, err = project.run("--no-strict", capsys=capsys)
    assert code == 0 and "handouts/ankle.yaml: warning: Ignored `colour: red`" in err


def test_quiet_prints_nothing_when_all_is_well(three, capsys):
    assert three.run("-q", capsys=capsys) == (0, "", "")


def test_invalid_jobs_is_a_usage_error(project, capsys):
    with pytest.raises(SystemExit) as exit_info:
        project.run("-j", "0", capsys=capsys)
    assert exit_info.value.code == 2
    assert "'0' is not a whole number of 1 or more" in capsys.readouterr().err
