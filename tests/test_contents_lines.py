"""A contents entry's leader and page number stay on its last line, however long the entry (A5 large print)."""

from __future__ import annotations

import datetime
import shutil

import pdfplumber
import yaml
from conftest import REPO, TODAY

from publisher.build import batch
from publisher.source import content

LEAFLET = REPO / "tests" / "data" / "preflight" / "long-callouts.yaml"
WORDS = "Looking after the place where your new knee joint was put in during the operation".split()


def test_no_leader_or_page_number_stands_on_a_line_of_its_own(project, tmp_path):
    # Headings of 6 to 15 words: some fill their last line on A5 large print, which before put ". . . page 3"
    # alone on the next line (seen with a leaflet written elsewhere). Each entry wraps on its own, at the list's
    # width, so one leaflet with a section for each length tries them all in one render.
    for name in ("brand.yaml", "people.yaml", "plain-words.yaml"):
        shutil.copy(REPO / name, project.root / name)
    data = yaml.safe_load(LEAFLET.read_text(encoding="utf-8"))
    headings = [" ".join(WORDS[:count]) for count in range(6, len(WORDS) + 1)]
    sections = data["sections"]
    data["sections"] = [{**sections[n % len(sections)], "heading": heading} for n, heading in enumerate(headings)]
    (project.root / "handouts" / "entries.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                                            encoding="utf-8")
    options = batch.Options(out=tmp_path / "out", jobs=1, paper="a5", editions=("large-print",), formats=("pdf",),
                            site=False, publish=False, today=datetime.date.fromisoformat(TODAY))
    report = batch.build(content.Project(project.root), options)
    assert [r.status for r in report.results] == ["built"], [r.errors for r in report.results]
    alone, ends = [], []
    with pdfplumber.open(tmp_path / "out" / "entries.large-print.pdf") as document:
        for number, page in enumerate(document.pages[:3], 1):
            lines: dict = {}
            for word in page.extract_words():
                lines.setdefault(round(word["bottom"]), []).append(word["text"])
            for words in lines.values():
                if words[-2:-1] == ["page"] and words[-1].isdigit():  # an entry's last line: its words, leader, number
                    ends.append(" ".join([w.strip(".") for w in words if w.strip(".")][:-2][-1:]))
                if "page" in words and not any(w.strip(". ") and w != "page" and not w.isdigit() for w in words):
                    alone.append(f"page {number}: {' '.join(words)}")
    # Each heading's last line carries its leader and page number (then the end matter's entries).
    assert ends[:len(headings)] == [heading.split()[-1] for heading in headings]
    assert alone == []
