"""Nothing lost: every word of every shipped leaflet, in every language, reaches every format a reader gets."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import markupsafe
import pytest
import yaml
from conftest import MINIMAL, REPO
from wordcheck import braille_reading, lost, output_text

from publisher.i18n import languages
from publisher.render import reading, spoken_numbers
from publisher.source import markdown

HANDOUTS = sorted((REPO / "handouts").glob("*.yaml"))
# What a reader gets, by file-name ending: both print editions, the web page, braille, the audio's words.
FORMATS = [".pdf", ".large-print.pdf", ".html", ".brf", ".transcript.txt"]
BILINGUAL = [".bilingual.pdf", ".large-print.bilingual.pdf"]


def _cases():
    for path in HANDOUTS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "easy_read_of" in data:  # its words are its own, not its leaflet's (tests/test_easyread.py reads them)
            continue
        suffixes = FORMATS + (BILINGUAL if data["language"] == "cy" else [])
        for suffix in suffixes:
            yield pytest.param(path, data["language"], suffix, id=f"{path.stem}{suffix}")


@pytest.mark.parametrize(("path", "language", "suffix"), list(_cases()))
def test_every_word_of_the_source_is_in_the_output(shipped, path: Path, language: str, suffix: str):
    out = Path(next(iter(shipped.values())).output).parent / f"{path.stem}{suffix}"
    if not out.exists():
        # Only Chinese braille and audio are left out, with the build's notes: liblouis's Chinese table needs
        # 8-dot cells, and the shipped brand has not approved Chinese speech (brand.yaml's audio).
        assert suffix in (".brf", ".transcript.txt") and languages.primary(language) == "zh", f"{out.name} was not made"
        pytest.skip(f"{out.name}: not made for {language} here")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = [path] if "bilingual" not in suffix else [REPO / "handouts" / f"{data['translation_of']}.yaml", path]
    through = braille_reading(language) if suffix == ".brf" else None
    if suffix == ".transcript.txt":  # the audio says numbers as words where its voice needs them (Arabic)
        through = functools.partial(spoken_numbers.spell, language)
    rtl = languages.primary(language) in ("ar", "fa", "ur", "he") and suffix.endswith(".pdf")
    assert lost(sources, output_text(out, language), rtl=rtl, through=through, letters=suffix == ".brf") == []


LEAFLET = MINIMAL.replace("""\
    body: Rest your ankle and keep it raised when you can.
""", """\
    body: |
      Rest your ankle and keep it raised when you can.

      Call 999 if your foot turns cold or numb.
""")


def _lost_in(folder: Path, source: Path) -> dict:
    return {suffix: lost([source], output_text(folder / f"x{suffix}", "en-GB"),
                         through=braille_reading("en-GB") if suffix == ".brf" else None)
            for suffix in (".pdf", ".html", ".brf", ".transcript.txt")}


def test_the_check_finds_a_dropped_block_in_every_format(project, capsys, monkeypatch):
    source = project.leaflet("x", LEAFLET)
    assert project.run("--format", "pdf,html,brf,transcript", capsys=capsys)[0] == 0
    assert _lost_in(project.root / "dist", source) == {".pdf": [], ".html": [], ".brf": [], ".transcript.txt": []}

    # A renderer that silently drops a text's last block: the "call 999" paragraph.
    def dropping(text_blocks):
        return lambda text, *args, **kwargs: text_blocks(text, *args, **kwargs)[:-1]

    def dropping_html(to_html):
        return lambda text, *args, **kwargs: markupsafe.Markup(
            re.sub(r"<p>(?:(?!<p>).)*</p>\s*$", "", str(to_html(text, *args, **kwargs)), flags=re.S))

    monkeypatch.setattr(reading, "text_blocks", dropping(reading.text_blocks))
    monkeypatch.setattr(markdown, "to_html", dropping_html(markdown.to_html))
    assert project.run("--format", "pdf,html,brf,transcript", "--out", str(project.root / "broken"),
                       capsys=capsys)[0] == 0
    found = _lost_in(project.root / "broken", source)
    dropped = "Call 999 if your foot turns cold or numb."
    for suffix in (".pdf", ".html", ".transcript.txt"):
        assert f"999: {dropped}" in found[suffix], (suffix, found[suffix])
    # Braille is compared as liblouis reads it back, numbers left to print.
    assert "cold: Call if your foot turns cold or numb." in found[".brf"], found[".brf"]


@pytest.mark.parametrize(("path", "language", "suffix"), [c for c in _cases() if "bilingual" not in c.id])
def test_the_brands_texts_reach_every_format_in_the_leaflets_language(shipped, tmp_path, path: Path, language: str,
                                                                        suffix: str):
    """brand.yaml's feedback, disclaimer and other formats statement, from its translations, in print, web,
    braille and audio alike (the statement's {formats} names are labels, checked with the catalogues)."""
    out = Path(next(iter(shipped.values())).output).parent / f"{path.stem}{suffix}"
    if not out.exists():
        pytest.skip(f"{out.name}: not made for {language} here (see the test above)")
    brand = yaml.safe_load((REPO / "brand.yaml").read_text(encoding="utf-8"))
    texts = brand if language == "en-GB" else brand["translations"][language]
    given = tmp_path / "brand-texts.yaml"
    bodies = [texts[f].replace("{formats}", "") for f in ("feedback", "other_formats", "disclaimer")]
    given.write_text(yaml.safe_dump({"sections": [{"body": body} for body in bodies]}, allow_unicode=True),
                     encoding="utf-8")
    through = braille_reading(language) if suffix == ".brf" else None
    rtl = languages.primary(language) in ("ar", "fa", "ur", "he") and suffix.endswith(".pdf")
    assert lost([given], output_text(out, language), rtl=rtl, through=through, letters=suffix == ".brf") == []
