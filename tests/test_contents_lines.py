"""A contents entry's leader and page number stay on its last line, however long the entry (A5 large print)."""

from __future__ import annotations

import datetime
import shutil

import pdfplumber
from conftest import REPO, TODAY

from publisher.build import batch
from publisher.source import content

LEAFLET = REPO / "tests" / "data" / "preflight" / "long-callouts.yaml"
HEADING = "Getting home safely after your operation and what to expect in the first few days"
WORDS = "Looking after the place where your new knee joint was put in during the operation".split()


def test_no_leader_or_page_number_stands_on_a_line_of_its_own(project, tmp_path):
    # Headings of 6 to 12 words: some fill their last line on A5 large print, which before put ". . . page 3"
    # alone on the next line (seen with a leaflet written elsewhere).
    for name in ("brand.yaml", "people.yaml", "plain-words.yaml"):
        shutil.copy(REPO / name, project.root / name)
    text = LEAFLET.read_text(encoding="utf-8")
    for count in range(6, len(WORDS) + 1):
        (project.root / "handouts" / f"entry-{count:02d}.yaml").write_text(
            text.replace(HEADING, " ".join(WORDS[:count])), encoding="utf-8")
    options = batch.Options(out=tmp_path / "out", jobs=2, paper="a5", editions=("large-print",), formats=("pdf",),
                            site=False, publish=False, today=datetime.date.fromisoformat(TODAY))
    report = batch.build(content.Project(project.root), options)
    assert [r.status for r in report.results] == ["built"] * (len(WORDS) - 5), [r.errors for r in report.results]
    alone = []
    for pdf in sorted((tmp_path / "out").glob("*.pdf")):
        with pdfplumber.open(pdf) as document:
            for number, page in enumerate(document.pages[:3], 1):
                lines: dict = {}
                for word in page.extract_words():
                    lines.setdefault(round(word["bottom"]), []).append(word["text"])
                for words in lines.values():
                    if "page" in words and not any(w.strip(". ") and w != "page" and not w.isdigit() for w in words):
                        alone.append(f"{pdf.name} page {number}: {' '.join(words)}")
    assert alone == []
