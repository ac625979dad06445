"""The bad-input corpus in tests/bad/: every broken or hostile file gets its exact message, never a traceback,
never stops the good leaflet beside it, and never gets a byte from outside the project into a PDF."""

import os
import shutil

import pytest

from conftest import MINIMAL, REPO, normalise
from pdfutil import page_texts

CORPUS = REPO / "tests" / "bad"
CASES = sorted(CORPUS.glob("*.yaml"))
CANARY = "CANARY-7f3a-outside-the-project"


def expected_path(case):
    return case.with_name(case.name[: -len(".yaml")] + ".expected")


def install(project, case):
    """Put the case into the project, beside a good leaflet; return the bad leaflet's stem or None."""
    outside = project.root.parent / "canary.svg"
    outside.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>{CANARY}</text></svg>')
    images = project.root / "handouts" / "images"
    shutil.copytree(CORPUS / "assets", images)
    (project.root / "other").mkdir()
    (project.root / "other" / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
    os.symlink(outside, images / "link.svg")
    project.leaflet("good")
    name = case.name[: -len(".yaml")]
    if name.endswith(".people"):
        shutil.copy(case, project.root / "people.yaml")
        return None
    if name.endswith(".brand"):
        shutil.copy(case, project.root / "brand.yaml")
        return None
    (project.root / "handouts" / case.name).write_bytes(case.read_bytes())
    return name


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 40
    assert all(expected_path(case).exists() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(project, capsys, case):
    stem = install(project, case)
    code, out, err = project.run(capsys=capsys)
    assert "Traceback" not in err + out
    assert code == 1
    if os.environ.get("UPDATE_GOLDENS"):
        expected_path(case).write_text(err, encoding="utf-8")
        pytest.fail(f"rewrote {expected_path(case).name} - review the diff, then run again without UPDATE_GOLDENS")
    assert err == expected_path(case).read_text(encoding="utf-8")
    built = sorted(p.name for p in (project.root / "dist").glob("*.pdf"))
    if stem is None:
        # A broken people.yaml or brand.yaml stops every leaflet, so no PDF exists to leak into.
        assert built == []
        return
    assert built == ["good.pdf"]
    text = normalise(" ".join(page_texts(project.root / "dist" / "good.pdf")))
    assert "Looking after a sprained ankle" in text  # the text was read, so the next line can fail
    assert CANARY not in text and "root:x:0:0" not in text


def test_the_canary_is_found_when_it_is_printed(project, capsys):
    """The leak check above reads text, not bytes: shown on purpose, the canary is found."""
    install(project, CASES[0])
    (project.root / "handouts" / CASES[0].name).unlink()
    shutil.copy(project.root.parent / "canary.svg", project.root / "handouts" / "images" / "canary.svg")
    shown = MINIMAL.replace("    body: Rest", "    image: {file: images/canary.svg, alt: x}\n    body: Rest")
    project.leaflet("good", shown)
    code, out, err = project.run(capsys=capsys)
    assert code == 0, err
    assert CANARY in " ".join(page_texts(project.root / "dist" / "good.pdf"))
