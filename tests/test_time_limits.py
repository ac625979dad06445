"""Validation in linear time, repeated findings grouped, and --timeout over the whole leaflet (load, check, make)."""

from __future__ import annotations

import time

import pytest
from conftest import MINIMAL

from publisher.source import content

MARK = "x]{lang=cy}"  # a language mark with no '[': one finding each, which once cost a scan back to the start
BODY = "body: Rest your ankle and keep it raised when you can."


def with_body(body: str) -> str:
    return MINIMAL.replace(BODY, f"body: '{body}'")


def test_validation_time_grows_linearly_with_the_text(project):
    path = project.leaflet("ankle")
    seconds = {}
    for repeats in (1000, 8000):  # 11 KB and 88 KB
        path.write_text(with_body(MARK * repeats), encoding="utf-8")
        runs = []
        for _ in range(3):
            started = time.process_time()
            leaflet, problems = content.load_leaflet(content.Project(project.root), path, None)
            runs.append(time.process_time() - started)
            assert leaflet is None and len(problems) == 1
        seconds[repeats] = min(runs)
    # Eight times the text: linear is 8 times the time; quadratic was about 64.
    assert seconds[8000] / seconds[1000] < 20, seconds


def test_a_finding_repeated_11000_times_is_one_line_with_its_count_and_first_places(project, capsys):
    project.leaflet("ankle", with_body(MARK * 11000))
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/ankle.yaml:15:14: sections[0].body: '{lang=cy}' marks no words: the '[' before them is missing - "
        "write [words]{lang=cy} (11000 times in this field, at 15:14, 15:25, 15:36 and 10997 more)",
        "1 leaflet checked, 0 valid: 1 error, 0 warnings, 0 waived."]


@pytest.mark.slow
def test_the_time_limit_covers_the_whole_leaflet_and_every_format(project, capsys):
    project.leaflet("ankle")
    assert project.run("publish", "--format", "pdf,mp3", capsys=capsys)[0] == 0  # engines and fonts loaded once
    project.leaflet("ankle", with_body("a" + "\u0301" * 100_000))  # one letter under 100,000 accents
    limit = 3  # seconds the accents burn in each of the PDF's and the MP3's workers: the least that proves it
    started = time.monotonic()
    code, out, err = project.run("publish", "--format", "pdf,mp3", "--timeout", str(limit), capsys=capsys)
    elapsed = time.monotonic() - started
    assert code == 1
    assert sorted(line for line in err.splitlines() if line.startswith("handouts/")) == [
        f"handouts/ankle.yaml: took more than {limit} s to make, the limit - shorten the leaflet, or raise the limit "
        "with --timeout",
        f"handouts/ankle.yaml: took more than {limit} s to render, the limit - shorten the leaflet, or raise the limit "
        "with --timeout"]
    # 5 s for the rest on a busy machine; it took 84 s (and the MP3 225 s) when the limit covered rendering only.
    assert elapsed < limit + 5, elapsed
