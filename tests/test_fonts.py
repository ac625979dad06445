"""Every character prints in a font we ship: the font list, pdffonts on every PDF, the character fixture, the errors."""

import re
import subprocess
import unicodedata

import pytest
from fontTools.ttLib import TTFont

from conftest import MINIMAL, REPO
from pdfutil import page_texts
from publisher.source import fonts

FONTS = REPO / "styles" / "fonts"
BASE_CSS = (REPO / "styles" / "base.css").read_text(encoding="utf-8")
# name: text lines of tests/data/characters.txt, '#' lines being comments.
GROUPS = [line.split(": ", 1) for line in (REPO / "tests" / "data" / "characters.txt").read_text(
    encoding="utf-8").splitlines() if line and not line.startswith("#")]


def families() -> list[str]:
    """The families of the @font-face rules in base.css, in order."""
    return list(dict.fromkeys(re.findall(r'@font-face\s*{[^}]*font-family:\s*"([^"]+)"', BASE_CSS)))


def pdffonts(path) -> list[tuple]:
    """(font name without subset prefix, embedded) for every font in a PDF, as poppler's pdffonts lists it."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [(row.split()[0].split("+")[-1], row.split()[-5]) for row in out.splitlines()[2:]]


def foreign_fonts(path) -> list:
    """Fonts in a PDF that are not one of ours, embedded: none, ever."""
    ours = {family.replace(" ", "-") for family in families()}
    # WeasyPrint names a face by its family, adding '-Bold' for bold text even when drawn from
    # the regular file; one name ends with a stray comma.
    return [(name, embedded) for name, embedded in pdffonts(path)
            if re.sub(r"(-Bold)?,?$", "", name) not in ours or embedded != "yes"]


def test_every_shipped_font_is_declared_with_its_licence_and_in_the_font_stack():
    files = sorted(p.name for p in FONTS.glob("*.ttf"))
    declared = re.findall(r"src: url\(fonts/([^)]+)\)", BASE_CSS)
    assert sorted(declared) == files
    stack = re.search(r"--font:([^;]+);", BASE_CSS).group(1)
    assert [name.strip().strip('"') for name in stack.split(",")] == families() + ["sans-serif"]
    for rule in re.findall(r"@font-face\s*{[^}]*}", BASE_CSS):
        family = re.search(r'font-family:\s*"([^"]+)"', rule).group(1)
        file = re.search(r"url\(fonts/([^)]+)\)", rule).group(1)
        assert TTFont(FONTS / file)["name"].getDebugName(1) == family, file
    assert sorted(p.name for p in FONTS.glob("OFL-*.txt")) == [
        "OFL-AtkinsonHyperlegibleNext.txt", "OFL-NotoEmoji.txt", "OFL-NotoNaskhArabic.txt",
        "OFL-NotoNastaliqUrdu.txt", "OFL-NotoSans.txt", "OFL-NotoSansBengali.txt", "OFL-NotoSansMath.txt",
        "OFL-NotoSansSC.txt", "OFL-NotoSansSymbols.txt"]
    # Noto Sans SC is 21 MB of it (regular and bold); the rest about 6 MB.
    big = {"NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf"}
    assert sum(p.stat().st_size for p in FONTS.glob("*.ttf") if p.name not in big) < 7_000_000
    assert sum(p.stat().st_size for p in FONTS.glob("*.ttf")) < 28_000_000


def test_pdffonts_lists_only_our_fonts_in_every_shipped_pdf(shipped):
    assert len(shipped) >= 6
    for stem, result in shipped.items():
        assert foreign_fonts(result.output) == [], stem
        assert ("Atkinson-Hyperlegible-Next", "yes") in pdffonts(result.output)


def characters_leaflet() -> str:
    body = "\n\n".join(f"{name}: {text}" for name, text in GROUPS)
    return MINIMAL.replace("    body: Rest your ankle and keep it raised when you can.",
                           "    body: |\n" + "\n".join("      " + line if line else "" for line in body.splitlines()))


def printed(char: str) -> str:
    """What a reader gets back from the PDF's text for `char`: PDFium gives a ligature (ﬁ) as its letters."""
    return unicodedata.normalize("NFKC", char) if "\ufb00" <= char <= "\ufb4f" else char


# Monochrome Noto Emoji draws 👍🏽 as a plain 👍: the skin tone is in the glyph's sequence but not its text.
SKIN_TONES = {chr(code) for code in range(0x1F3FB, 0x1F400)}


@pytest.mark.parametrize("paper, edition", [("a4", "standard"), ("a5", "large-print")])
def test_the_character_fixture_validates_prints_and_uses_only_our_fonts(project, capsys, paper, edition):
    project.leaflet("characters", characters_leaflet())
    assert project.run("check", capsys=capsys) == (
        0, "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n", "")
    code, out, err = project.run("--paper", paper, "--edition", edition, capsys=capsys)
    assert (code, err) == (0, "")
    pdf = project.root / "dist" / ("characters.pdf" if edition == "standard" else "characters.large-print.pdf")
    text = "".join(page_texts(pdf))
    wanted = {char for _, line in GROUPS for char in line if fonts.needs_glyph(char) and not char.isspace()}
    assert len(wanted) >= 300
    assert sorted(c for c in wanted - SKIN_TONES if printed(c) not in text) == []
    assert foreign_fonts(pdf) == []
    used = {name for name, _ in pdffonts(pdf)}
    assert {"Atkinson-Hyperlegible-Next", "Noto-Sans", "Noto-Sans-Math", "Noto-Sans-Symbols", "Noto-Emoji"} <= used


def test_a_welsh_name_in_people_yaml_prints_in_our_font_without_a_warning(project, capsys):
    people = project.root / "people.yaml"
    people.write_text(people.read_text().replace("Phoebe Carter", "Llŷr Gwŷn"), encoding="utf-8")
    project.leaflet("ankle")
    code, out, err = project.run(capsys=capsys)
    assert (code, err) == (0, "")
    pdf = project.root / "dist" / "ankle.pdf"
    assert "Llŷr Gwŷn" in "".join(page_texts(pdf))
    assert {name for name, _ in pdffonts(pdf)} == {"Atkinson-Hyperlegible-Next", "Atkinson-Hyperlegible-Next-Bold"}


MISSING = ("'ไ' (U+0E44 THAI CHARACTER SARA AI MAIMALAI) is not in any font the project ships (styles/fonts/) - replace "
           "it, or add a font that has it to styles/fonts/ and the font list in styles/base.css")


def test_a_character_no_font_has_is_an_error_at_its_own_column(project, capsys):
    project.leaflet("ankle", MINIMAL.replace("Rest your ankle", "Rest → your ankle (ไท ✓ ไ)"))
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        f"handouts/ankle.yaml:15:30: sections[0].body: {MISSING}",
        f"handouts/ankle.yaml:15:31: sections[0].body: {MISSING.replace('ไ', 'ท').replace('0E44', '0E17').replace('SARA AI MAIMALAI', 'THO THAHAN')}",
        "built 0, unchanged 0, removed 0, failed 1 (2 errors) in T s"]


def test_an_escaped_character_is_placed_at_its_value(project, capsys):
    project.leaflet("ankle", MINIMAL.replace("title: Looking after a sprained ankle",
                                             'title: "Looking after a sprained ankle \\u0E44"'))
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == f"handouts/ankle.yaml:1:8: title: {MISSING}"


def test_joiners_and_variation_selectors_are_not_glyphs():
    assert [fonts.needs_glyph(c) for c in "\u200d\ufe0f\ufe0e\u200c\u2060\u00ad\U000e0067\u2011\n"] == [False] * 9
    assert [fonts.needs_glyph(c) for c in "aŵ→\u3000\u1680 "] == [True] * 6
