"""The bad-input corpus in tests/bad/: every broken or hostile file gets its exact message, never a traceback,
never stops the good leaflet beside it, and never gets a byte from outside the project into a PDF."""

import os
import shutil

import pytest

from conftest import REPO
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
    if os.environ.get("UPDATE_GOLDENS"):
        expected_path(case).write_text(err, encoding="utf-8")
    assert "Traceback" not in err + out
    assert code == 1
    assert err == expected_path(case).read_text(encoding="utf-8")
    built = sorted(p.name for p in (project.root / "dist").glob("*.pdf"))
    assert built == (["good.pdf"] if stem else [])
    for pdf in (project.root / "dist").glob("*.pdf"):
        text = "".join(page_texts(pdf))
        assert CANARY not in text and "root:x:0:0" not in text
        assert CANARY.encode() not in pdf.read_bytes()
