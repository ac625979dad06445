"""Sections matched by identity: ids pair a translation's sections with its source's; check names what one lacks or adds."""

from __future__ import annotations

import pytest
from conftest import MINIMAL
from test_translations import TRANSLATORS, WELSH, _errors

from publisher.outputs import bilingual
from publisher.source import content, pairing

# The source with three sections, each with an id, one with numbered steps and a table.
SOURCE = MINIMAL.replace("""\
sections:
  - heading: What to do
    body: Rest your ankle and keep it raised when you can.
""", """\
sections:
  - id: what-to-do
    heading: What to do
    body: Rest your ankle and keep it raised when you can.
  - id: ice
    heading: Ice
    body: |
      1. Wrap ice in a towel.
      2. Hold it on the ankle.

      | When | How long |
      | --- | --- |
      | First day | 20 minutes |
  - id: help
    heading: Getting help
    body: Call [NHS 111](https://111.nhs.uk/) if it gets worse.
""")

WELSH_KEYED = WELSH.replace("""\
sections:
  - heading: Beth i’w wneud
    body: Gorffwyswch eich pigwrn a’i gadw wedi’i godi pan allwch chi.
""", """\
sections:
  - id: what-to-do
    heading: Beth i’w wneud
    body: Gorffwyswch eich pigwrn a’i gadw wedi’i godi pan allwch chi.
  - id: ice
    heading: Rhew
    body: |
      1. Lapiwch rew mewn tywel.
      2. Daliwch ef ar y pigwrn.

      | Pryd | Pa mor hir |
      | --- | --- |
      | Y diwrnod cyntaf | 20 munud |
  - id: help
    heading: Cael help
    body: Ffoniwch [GIG 111](https://111.nhs.uk/) os yw’n gwaethygu.
""")


@pytest.fixture
def keyed(project):
    """The leaflet x with ids and its Welsh translation x.cy with the same ids."""
    with open(project.root / "people.yaml", "a", encoding="utf-8") as people:
        people.write(TRANSLATORS)
    with open(project.root / "brand.yaml", "a", encoding="utf-8") as brand:
        brand.write("bilingual:\n  languages: [cy, en-GB]\n")
    project.catalogue("cy")
    project.leaflet("x", SOURCE)
    project.leaflet("x.cy", WELSH_KEYED)
    return project


def test_a_translation_with_the_source_s_ids_is_valid(keyed, capsys):
    code, lines = _errors(keyed, capsys)
    assert code == 0, lines
    assert lines[-1] == "2 leaflets checked, 2 valid: 0 errors, 0 warnings, 0 waived."


def test_check_names_the_section_a_translation_lacks_and_the_one_it_adds(keyed, capsys):
    keyed.leaflet("x.cy", WELSH_KEYED.replace("id: ice", "id: rhew"))
    code, lines = _errors(keyed, capsys)
    assert code == 1
    assert lines[:2] == [
        "handouts/x.cy.yaml:10:3: sections: lacks section 'Ice' (handouts/x.yaml:17) - translate it, with 'id: ice'",
        "handouts/x.cy.yaml:13:9: sections[1].id: adds section 'Rhew', which its source (handouts/x.yaml) does not "
        "have - remove it, or give it the id of the source section it translates (what-to-do, ice, help)"]


def test_check_names_the_steps_tables_and_links_a_translated_section_lacks(keyed, capsys):
    keyed.leaflet("x.cy", WELSH_KEYED.replace("      2. Daliwch ef ar y pigwrn.\n", "")
                  .replace("      | Pryd | Pa mor hir |\n      | --- | --- |\n      | Y diwrnod cyntaf | 20 munud |\n", "")
                  .replace("[GIG 111](https://111.nhs.uk/)", "GIG 111"))
    code, lines = _errors(keyed, capsys)
    assert code == 0
    assert lines[:4] == [
        "handouts/x.cy.yaml:13:5: warning: translation-structure: section 'Ice' has 1 numbered steps, its source 2 "
        "(handouts/x.yaml:17) - a translation has the numbered steps of its source",
        "handouts/x.cy.yaml:13:5: warning: translation-structure: section 'Ice' has 0 tables, its source 1 "
        "(handouts/x.yaml:17) - a translation has the tables of its source",
        "handouts/x.cy.yaml:18:5: warning: translation-structure: section 'Getting help' lacks the link to "
        "https://111.nhs.uk/ that its source has (handouts/x.yaml:26) - translate it too",
        "2 leaflets checked, 2 valid: 0 errors, 3 warnings, 0 waived."]


def _without_ids(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "id:" not in line).replace("    heading", "  - heading")


def test_an_old_translation_without_ids_is_paired_by_what_it_says_and_told_how_to_add_them(keyed, capsys):
    keyed.leaflet("x.cy", _without_ids(WELSH_KEYED))
    code, out, err = keyed.run("check", capsys=capsys)
    assert code == 0
    assert ("handouts/x.cy.yaml:10:3: info: translation-structure: these sections have no ids but their source's do "
            "(handouts/x.yaml), so they are paired by what they say - add to each section the id of the source "
            "section it translates, in order: 'id: what-to-do', 'id: ice', 'id: help'") in out.splitlines()


def test_without_ids_a_missing_section_is_named_and_the_next_one_still_pairs_with_its_source(keyed, capsys):
    keyed.leaflet("x", _without_ids(SOURCE))
    welsh = _without_ids(WELSH_KEYED)
    keyed.leaflet("x.cy", welsh[:welsh.index("  - heading: Rhew")] + welsh[welsh.index("  - heading: Cael help"):])
    code, lines = _errors(keyed, capsys)
    assert code == 0
    assert lines[:2] == [
        "handouts/x.cy.yaml:10:3: warning: translation-structure: lacks section 'Ice' (handouts/x.yaml:16) - "
        "translate it",
        "2 leaflets checked, 2 valid: 0 errors, 1 warning, 0 waived."]
    catalogue = content.load_catalogue(content.Project(keyed.root))
    translation = next(leaflet for leaflet in catalogue.leaflets if leaflet.stem == "x.cy")
    rows = bilingual.render_html(catalogue, translation, "a4", "standard").split('<div class="bilingual-row">')[1:4]
    words = ("Beth", "What to do", "Ice", "Cael help", "Getting help")
    # The Welsh help section stands beside the English one (their link and numbers say so), not beside "Ice".
    assert [[w for w in words if w in row] for row in rows] == [
        ["Beth", "What to do"], ["Ice"], ["Cael help", "Getting help"]]


def test_a_leaflet_gives_every_section_an_id_or_none(project, capsys):
    project.leaflet("x", SOURCE.replace("  - id: ice\n    heading", "  - heading").replace("id: help", "id: what-to-do"))
    code, lines = _errors(project, capsys)
    assert code == 1
    assert lines[:2] == [
        "handouts/x.yaml:17:5: sections[1]: this section has no id while others have - give every section an "
        "'id:' (e.g. 'id: ice') or none",
        "handouts/x.yaml:25:9: sections[2].id: 'what-to-do' is also the id of sections[0] - give each section "
        "its own id"]


def test_rows_pair_by_key_and_keep_the_unpaired_beside_nothing():
    first = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    second = [{"id": "c"}, {"id": "a"}, {"id": "d"}]
    assert pairing.rows(first, second) == [({"id": "a"}, {"id": "a"}), ({"id": "b"}, None),
                                           ({"id": "c"}, {"id": "c"}), (None, {"id": "d"})]
    assert pairing.keys([{"heading": "x"}, {"id": "y"}]) == ["#1", "y"]


def test_the_bilingual_edition_pairs_sections_by_id(keyed, capsys):
    # The translation's sections in another order: the Welsh ice section still stands beside the English one.
    text = WELSH_KEYED
    ice = text[text.index("  - id: ice"):text.index("  - id: help")]
    keyed.leaflet("x.cy", text.replace(ice, "").replace("  - id: what-to-do", ice + "  - id: what-to-do"))
    catalogue = content.load_catalogue(content.Project(keyed.root))
    welsh = next(leaflet for leaflet in catalogue.leaflets if leaflet.stem == "x.cy")
    document = bilingual.render_html(catalogue, welsh, "a4", "standard")
    rows = document.split('<div class="bilingual-row">')[1:4]
    words = ("Beth", "What to do", "Rhew", "Ice", "Cael help", "Getting help")
    assert [[w for w in words if w in row] for row in rows] == [
        ["Rhew", "Ice"], ["Beth", "What to do"], ["Cael help", "Getting help"]]
