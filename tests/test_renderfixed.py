"""The PDF engine warmed once before forking and kept across builds in one process: never stale, never left behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdfium2
import pytest
from conftest import MINIMAL, TODAY

from publisher.core import caches
from publisher.outputs.pdf import engine as pdf
from publisher.outputs.pdf import processes
from publisher.source import content

MM = 72 / 25.4
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_engine():
    caches.clear()
    yield
    caches.clear()


def _build(project, capsys, *args) -> Path:
    code, out, err = project.run("build", "--format", "pdf", "--out", str(project.root / "out"), *args, capsys=capsys)
    assert code == 0, err
    return project.root / "out" / "ankle.pdf"


def _page_size(path: Path) -> tuple:
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return tuple(round(x / MM) for x in document[0].get_size())
    finally:
        document.close()


def _engine_folders() -> list:
    return sorted(Path(tempfile.gettempdir()).glob(f"publisher-{os.getpid()}-engine-*"))


def test_an_edited_stylesheet_between_two_builds_in_one_process_changes_the_pdf(project, capsys):
    project.leaflet("ankle")
    assert _page_size(_build(project, capsys)) == (210, 297)
    kept = pdf.engine_for(content.Project(project.root))
    # One worker: the stylesheets parsed here before forking it (no warm-up render, which it would pay anyway).
    assert kept._sheets and not kept.warmed, "the build parsed this process's stylesheets before forking its worker"
    a4 = project.root / "styles" / "a4.css"
    a4.write_text(a4.read_text(encoding="utf-8") + "\n@page { size: 100mm 150mm; }\n", encoding="utf-8")
    assert _page_size(_build(project, capsys, "--force")) == (100, 150)
    assert pdf.engine_for(content.Project(project.root)) is not kept


def test_a_replaced_font_between_two_builds_in_one_process_changes_the_pdf(project, capsys):
    project.leaflet("ankle")
    before = _build(project, capsys).read_bytes()
    fonts = project.root / "styles" / "fonts"
    # Replaced, as an editor saves a file: a new file under the old name (the shipped one is hard-linked here).
    (fonts / "AtkinsonHyperlegibleNext-Regular.ttf").unlink()
    shutil.copy(fonts / "NotoSans-Regular.ttf", fonts / "AtkinsonHyperlegibleNext-Regular.ttf")
    after = _build(project, capsys, "--force").read_bytes()
    # A build in a new process, which cannot have kept anything, makes the same PDF: the new font's.
    fresh = project.root / "fresh"
    subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(project.root), "build", "--format", "pdf",
                    "--out", str(fresh), "-q", "-j1", f"--today={TODAY}"], check=True, capture_output=True,
                   env=os.environ | {"PYTHONPATH": str(REPO)})
    assert after != before
    assert after == (fresh / "ankle.pdf").read_bytes()


def test_the_next_build_reuses_the_warm_engine_and_caches_clear_removes_its_fonts(project, capsys):
    project.leaflet("ankle")
    first = _build(project, capsys).read_bytes()
    kept = pdf.engine_for(content.Project(project.root))
    folder, = _engine_folders()
    assert list(folder.glob("weasyprint-*/*")), "the engine's @font-face fonts are kept in its own folder"
    assert _build(project, capsys, "--force").read_bytes() == first
    assert pdf.engine_for(content.Project(project.root)) is kept
    assert _engine_folders() == [folder]
    caches.clear()
    assert _engine_folders() == []


def test_spawned_workers_parse_the_stylesheets_themselves_and_make_the_same_pdf(project, capsys, monkeypatch):
    project.leaflet("ankle")
    forked = _build(project, capsys).read_bytes()
    caches.clear()
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setattr(processes, "start_method", lambda replacement=False: "spawn")
    assert _build(project, capsys, "--force").read_bytes() == forked
    assert _engine_folders() == [], "nothing warmed in this process for spawned workers"


def test_a_stylesheet_refused_while_warming_is_still_each_leaflets_error(project, capsys):
    project.leaflet("ankle")
    a4 = project.root / "styles" / "a4.css"
    a4.write_text('@import url("file:///etc/hostname");\n' + a4.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = project.run("build", "--format", "pdf", "--out", str(project.root / "out"), capsys=capsys)
    assert code == 1
    assert "handouts/ankle.yaml: refused to load file:///etc/hostname: file is outside the project's templates, " \
           "styles and handouts" in err, err
    assert "Traceback" not in err and "died" not in err
    assert not (project.root / "out" / "ankle.pdf").exists()


def test_a_worker_that_drops_the_inherited_engine_leaves_the_parents_fonts_in_place(project, capsys):
    import gc
    project.leaflet("ankle")
    _build(project, capsys)
    folder, = _engine_folders()
    fonts = sorted(folder.rglob("*"))
    assert fonts
    child = os.fork()
    if child == 0:  # as a worker does when it finds the styles changed since its parent warmed the engine
        pdf.inherit()
        pdf.forget()
        gc.collect()
        os._exit(0)
    assert os.waitpid(child, 0)[1] == 0
    assert sorted(folder.rglob("*")) == fonts
    assert _page_size(_build(project, capsys, "--force")) == (210, 297)


def test_the_folder_forget_font_folder_forgets_is_where_weasyprint_keeps_the_faces_it_loads():
    from publisher.outputs.pdf import weasyfixes
    engine = pdf.Engine(content.Project(REPO))
    assert engine.font_config._folder is None
    engine.stylesheets(("styles/a4.css",))
    folder = engine.font_config._folder
    assert folder is not None and len(list(Path(folder).iterdir())) >= 2
    weasyfixes.forget_font_folder(engine.font_config)
    assert engine.font_config._folder is None
    shutil.rmtree(folder)


def test_the_catalogue_keeps_its_cut_down_fonts_for_the_next_process_and_cuts_a_replaced_font_again(
        project, capsys, monkeypatch):
    from publisher.render import webfonts
    project.leaflet("ankle")
    out = project.root / "out"
    _build(project, capsys)
    index = (out / "index.html").read_bytes()
    kept = json.loads((out / "catalogue" / ".fonts.json").read_text(encoding="utf-8"))
    assert len(kept) == 1 and b"Leaflet Emoji" in index  # the Find tip's "⌘"

    def refuse(path, chars):
        raise AssertionError(f"cut down again: {path.name} for {chars!r}")
    # As a new process would be: nothing in memory; the pages are written again (their stamp is gone).
    webfonts._cut.clear()
    monkeypatch.setattr(webfonts, "_subset", refuse)
    (out / "catalogue" / ".made-from").unlink()
    _build(project, capsys)
    assert (out / "index.html").read_bytes() == index

    monkeypatch.undo()
    fonts = project.root / "styles" / "fonts"
    (fonts / "NotoEmoji-Regular.ttf").unlink()
    shutil.copy(fonts / "NotoSansSymbols-Regular.ttf", fonts / "NotoEmoji-Regular.ttf")
    (out / "catalogue" / ".made-from").unlink()
    _build(project, capsys)
    assert (out / "index.html").read_bytes() != index
    now = json.loads((out / "catalogue" / ".fonts.json").read_text(encoding="utf-8"))
    assert len(now) == 1 and now.keys() != kept.keys(), "the old font's cut is dropped, the new one's kept"


def test_two_workers_fork_from_an_engine_warmed_by_a_render_and_make_the_same_pdfs(project, capsys):
    """Two workers or more: a warm-up render here pays the first-use costs once for all of them; one worker pays
    them in its first render either way, so its build only parses the stylesheets here."""
    project.leaflet("ankle")
    project.leaflet("knee", MINIMAL.replace("Looking after a sprained ankle", "Looking after a sore knee"))
    one = {p.name: p.read_bytes() for p in (_build(project, capsys).parent).glob("*.pdf")}
    caches.clear()
    _build(project, capsys, "--force", "-j", "2")
    assert pdf.engine_for(content.Project(project.root)).warmed, "warmed by a render before forking two workers"
    assert {p.name: p.read_bytes() for p in (project.root / "out").glob("*.pdf")} == one


def test_a_font_is_cut_down_once_a_process_under_any_name_and_again_when_replaced(tmp_path):
    """Known by the file, not its path: a hard link (the tests' projects) is the same font; a new file is not."""
    from publisher.render import webfonts
    emoji = REPO / "styles" / "fonts" / "NotoEmoji-Regular.ttf"
    webfonts._cut.clear()
    first = webfonts._subset(emoji, "\u2318")
    os.link(emoji, tmp_path / "linked.ttf")
    assert webfonts._subset(tmp_path / "linked.ttf", "\u2318") is first and len(webfonts._cut) == 1
    shutil.copy(REPO / "styles" / "fonts" / "NotoSansSymbols-Regular.ttf", tmp_path / "other.ttf")
    (tmp_path / "linked.ttf").unlink()
    (tmp_path / "other.ttf").rename(tmp_path / "linked.ttf")  # replaced under the same name
    assert webfonts._subset(tmp_path / "linked.ttf", "\u2318") != first and len(webfonts._cut) == 2
