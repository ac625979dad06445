"""Nothing lost in Markdown: every nesting the limit allows is printed whole, and deeper nesting is refused with
its line, never cut short (markdown-it's own limit of 20 once dropped the rest of a section, 'call 999' and all)."""

from __future__ import annotations

import re

from conftest import MINIMAL
from pdfutil import page_texts

from publisher.source.markdown import MAX_NESTING

DEEPEST = (MAX_NESTING - 1) // 2  # a list inside a list counts 2, and the item's text 1 more


def nested(depth: int) -> str:
    """A section body: a list `depth` deep, then the paragraph that must not be lost."""
    items = "\n".join(f"{'  ' * level}- Depth {depth} level {level}" for level in range(depth))
    return f"{items}\n\nCall 999 after depth {depth}."


def with_sections(depths) -> str:
    sections = "".join(f"  - heading: Nested {d}\n    body: |\n" + "".join(f"      {line}\n" for line in
                                                                             nested(d).splitlines())
                       for d in depths)
    return MINIMAL.replace("sections:\n", "sections:\n" + sections)


def test_every_nesting_the_limit_allows_prints_every_paragraph(project, capsys):
    project.leaflet("ankle", with_sections(range(1, DEEPEST + 1)))
    code, out, err = project.run("publish", "--format", "pdf", capsys=capsys)
    assert code == 0, err
    text = re.sub(r"\s+", " ", " ".join(page_texts(project.root / "dist" / "ankle.pdf")))
    for depth in range(1, DEEPEST + 1):
        assert f"Call 999 after depth {depth}." in text
        for level in range(depth):
            assert f"Depth {depth} level {level}" in text


def test_deeper_nesting_is_refused_at_its_line_never_cut_short(project, capsys):
    project.leaflet("ankle", with_sections([DEEPEST + 1, 40]))
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    message = (": sections[{}].body: bold, links and lists are nested more than 32 deep (a list inside a list "
               "counts 2) - a leaflet needs far fewer levels")
    # The body starts on line 16; the one refused is the first item past the limit, where its '-' is.
    line, column = 16 + DEEPEST, 7 + 2 * DEEPEST
    assert err.splitlines()[:2] == [f"handouts/ankle.yaml:{line}:{column}" + message.format(0),
                                    f"handouts/ankle.yaml:{line + DEEPEST + 5}:{column}" + message.format(1)]
