"""The fixed cost of a build: font coverage read straight from the cmap table, and the per-process caches (font
coverage, Jinja2 environments) each made again when the file it was made from changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jinja2
import pytest
from fontTools.ttLib import TTFont

from publisher.core import caches
from publisher.mail import send as mail
from publisher.render import html
from publisher.source import cmap, content, fonts, schema

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "styles" / "fonts").glob("*.[ot]tf"))


@pytest.mark.parametrize("font", SHIPPED, ids=lambda f: f.name)
def test_the_cmap_reader_gives_exactly_fonttools_best_cmap(font):
    assert cmap.read(font) == set(TTFont(font, lazy=True).getBestCmap())


def test_a_subtable_format_the_reader_does_not_read_is_read_by_fonttools(tmp_path):
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
    font = TTFont(SHIPPED[0])
    best = font.getBestCmap()
    ascii_only = CmapSubtable.newSubtable(6)  # trimmed table mapping: contiguous codes, rare in real fonts
    ascii_only.platformID, ascii_only.platEncID, ascii_only.language = 3, 1, 0
    ascii_only.cmap = {code: best[code] for code in range(0x20, 0x7F)}
    font["cmap"].tables = [ascii_only]
    font.save(tmp_path / "ascii.ttf")
    assert cmap.read(tmp_path / "ascii.ttf") is None
    assert cmap.codes(tmp_path / "ascii.ttf") == set(range(0x20, 0x7F))


def _styles(tmp_path: Path, *names: str) -> Path:
    (tmp_path / "styles" / "fonts").mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(REPO / "styles" / "fonts" / name, tmp_path / "styles" / "fonts" / name)
    return tmp_path / "styles"


def test_font_coverage_is_kept_and_made_again_when_a_font_is_replaced_added_or_removed(tmp_path):
    styles = _styles(tmp_path, "AtkinsonHyperlegibleNext-Regular.ttf")
    latin = fonts.covered_characters(styles)
    assert fonts.covered_characters(styles) is latin  # kept: not the union again
    assert "A" in latin and "\u09a8" not in latin  # BENGALI LETTER NA
    target = styles / "fonts" / "AtkinsonHyperlegibleNext-Regular.ttf"
    target.unlink()  # replaced under the same name: another size and mtime
    shutil.copy(REPO / "styles" / "fonts" / "NotoSansBengali-Regular.ttf", target)
    bengali = fonts.covered_characters(styles)
    assert bengali == {chr(c) for c in TTFont(target).getBestCmap()} != latin and "\u09a8" in bengali
    _styles(tmp_path, "NotoSans-Regular.ttf")
    assert {"A", "\u09a8"} <= fonts.covered_characters(styles)
    target.unlink()
    assert "\u09a8" not in fonts.covered_characters(styles)


def _touch_later(path: Path, text: str) -> None:
    """Write `text` and move the mtime on, so a change within the clock's resolution is still seen."""
    stamp = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp + 2_000_000_000, stamp + 2_000_000_000))


def test_a_template_edited_between_two_renders_in_one_process_changes_the_page(project):
    project.leaflet("ankle")
    catalogue = content.load_catalogue(content.Project(project.root))
    leaflet = catalogue.leaflets[0]
    first = html.render_html(catalogue, leaflet)
    assert html.environment(catalogue.project) is html.environment(catalogue.project)  # compiled once a process
    template = project.root / "templates" / "leaflet.html"
    _touch_later(template, template.read_text(encoding="utf-8").replace("</body>", "<p>EDITED-MARK</p></body>"))
    second = html.render_html(catalogue, leaflet)
    assert "EDITED-MARK" not in first and "EDITED-MARK" in second


def test_an_email_template_edited_between_two_messages_changes_the_message(project):
    project.leaflet("ankle")
    catalogue = content.load_catalogue(content.Project(project.root))
    leaflet, brand = catalogue.leaflets[0], catalogue.brand

    def text() -> str:
        message = mail.compose(catalogue.project, leaflet, brand, b"%PDF-1.7", "pat@example.org", "a@example.org")
        return message.get_body(("plain",)).get_content()
    first = text()
    body = project.root / "templates" / "email" / "body.txt"
    _touch_later(body, "EDITED-MARK\n" + body.read_text(encoding="utf-8"))
    assert "EDITED-MARK" not in first and text().startswith("EDITED-MARK")


def test_clearing_the_caches_makes_new_environments(project):
    proj = content.Project(project.root)
    before = html.environment(proj)
    caches.clear()
    assert html.environment(proj) is not before


def test_a_copy_of_the_templates_compiles_nothing_again_and_an_edited_copy_prints_its_own_text(tmp_path, monkeypatch):
    from conftest import Project as TestProject
    first, second, third = (TestProject(tmp_path / name) for name in ("a", "b", "c"))
    edited = third.root / "templates" / "leaflet.html"
    # A text no other test writes: the compiled templates are kept by text for the whole process.
    edited.write_text(edited.read_text(encoding="utf-8").replace("</body>", "<p>EDITED-COPY-MARK</p></body>"),
                      encoding="utf-8")
    pages, counts, compiled = [], [], []
    real_compile = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda env, source, name=None, filename=None, *a: compiled.append(name) or
                        real_compile(env, source, name, filename, *a))
    for test_project in (first, second, third):
        test_project.leaflet("ankle")
        catalogue = content.load_catalogue(content.Project(test_project.root))
        compiled.clear()
        pages.append(html.render_html(catalogue, catalogue.leaflets[0]))
        counts.append(len(compiled))
    assert counts[1:] == [0, 1]  # the copy: nothing compiled; the edited copy: its leaflet.html alone
    assert pages[0] == pages[1] and "EDITED-COPY-MARK" not in pages[0] and "EDITED-COPY-MARK" in pages[2]


def _title_problems(test_project) -> list[str]:
    proj = content.Project(test_project.root)
    people, _ = content.load_people(proj)
    _, problems = content.load_leaflet(proj, test_project.root / "handouts" / "ankle.yaml", people)
    return [f"{p.field}: {p.message}" for p in problems]


def test_a_schema_edited_in_one_process_checks_by_its_new_text_and_a_copy_makes_no_new_validator(tmp_path):
    from conftest import Project as TestProject
    first, second = TestProject(tmp_path / "a"), TestProject(tmp_path / "b")
    for test_project in (first, second):
        test_project.leaflet("ankle")
    assert _title_problems(first) == []
    assert schema.validator(content.Project(first.root), schema.LEAFLET_SCHEMA) is \
        schema.validator(content.Project(second.root), schema.LEAFLET_SCHEMA)  # the same text: one validator
    path = first.root / "schema" / schema.LEAFLET_SCHEMA
    _touch_later(path, path.read_text(encoding="utf-8").replace('"maxLength": 200,', '"maxLength": 10,', 1))
    assert [p for p in _title_problems(first) if p.startswith("title:")] == \
        ["title: is 30 characters long, more than 10 - shorten it"]
    assert _title_problems(second) == []


def test_a_desk_template_edited_while_the_desk_runs_changes_the_page(project, tmp_path):
    from deskutil import make_app
    from starlette.testclient import TestClient
    (project.root / "dist").mkdir()
    app = make_app(project, f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    first = browser.get("/login").text
    login = project.root / "templates" / "desk" / "login.html"
    _touch_later(login, login.read_text(encoding="utf-8").replace("</form>", "</form><p>EDITED-MARK</p>", 1))
    second = browser.get("/login").text
    assert "EDITED-MARK" not in first and "EDITED-MARK" in second
