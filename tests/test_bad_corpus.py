"""The bad-input corpus in tests/bad/: every broken or hostile file gets its exact message, never a traceback,
never stops the good leaflet beside it, and never gets a byte from outside the project into a PDF."""

import contextlib
import io
import os
import shutil

import pytest

from conftest import MINIMAL, REPO, Project, normalise
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


# A broken people.yaml or brand.yaml stops every leaflet: those cases run one build each. The rest, one bad
# leaflet each, are put side by side with the good one and built together: each case's lines must be exactly
# its own, so no case hides or changes another's (and the good leaflet is built beside all of them at once).
ALONE = [case for case in CASES if case.name.endswith((".people.yaml", ".brand.yaml"))]
TOGETHER = [case for case in CASES if case not in ALONE]


class _Captured:
    """What capsys gives Project.run, for a build made by a module's fixture."""

    def __init__(self):
        self.out, self.err = io.StringIO(), io.StringIO()

    def readouterr(self):
        return self.out.getvalue(), self.err.getvalue()


@pytest.fixture(scope="module")
def together(tmp_path_factory):
    """Every bad leaflet of the corpus beside the good one, built at once: (exit code, stderr lines, project)."""
    project = Project(tmp_path_factory.mktemp("bad") / "proj")
    install(project, TOGETHER[0])
    for case in TOGETHER[1:]:
        (project.root / "handouts" / case.name).write_bytes(case.read_bytes())
    captured = _Captured()
    with contextlib.redirect_stdout(captured.out), contextlib.redirect_stderr(captured.err):
        code, out, err = project.run(capsys=captured)
    assert "Traceback" not in err + out
    return code, err.splitlines(), project


def _summary(errors: int, built: int = 1) -> str:
    return f"built {built}, unchanged 0, removed 0, failed 1 ({errors} error{'s' if errors > 1 else ''}) in T s"


@pytest.mark.parametrize("case", TOGETHER, ids=[c.name for c in TOGETHER])
def test_bad_leaflet(together, case):
    """The case's own lines, exactly (its expected file is what a build of it beside the good leaflet says)."""
    code, lines, _ = together
    own = [line for line in lines if line.startswith(f"handouts/{case.name}:")]
    if os.environ.get("UPDATE_GOLDENS"):
        expected_path(case).write_text("\n".join(own + [_summary(len(own))]) + "\n", encoding="utf-8")
        pytest.fail(f"rewrote {expected_path(case).name} - review the diff, then run again without UPDATE_GOLDENS")
    expected = expected_path(case).read_text(encoding="utf-8").splitlines()
    assert (own, code) == (expected[:-1], 1)
    assert expected[-1] == _summary(len(own))


def test_every_bad_leaflet_fails_alone_and_the_good_one_is_built_clean(together):
    """Every line is one case's, the count is theirs, and the good leaflet beside them has nothing from outside."""
    code, lines, project = together
    cases = [line for line in lines[:-1] if not any(line.startswith(f"handouts/{c.name}:") for c in TOGETHER)]
    assert cases == []
    assert lines[-1] == (f"built 1, unchanged 0, removed 0, failed {len(TOGETHER)} ({len(lines) - 1} errors) "
                         "in T s")
    assert sorted(p.name for p in (project.root / "dist").glob("*.pdf")) == ["good.pdf"]
    text = normalise(" ".join(page_texts(project.root / "dist" / "good.pdf")))
    assert "Looking after a sprained ankle" in text  # the text was read, so the next line can fail
    assert CANARY not in text and "root:x:0:0" not in text


@pytest.mark.parametrize("case", ALONE, ids=[c.name for c in ALONE])
def test_bad_people_or_brand(project, capsys, case):
    assert install(project, case) is None
    code, out, err = project.run(capsys=capsys)
    assert "Traceback" not in err + out
    assert code == 1
    if os.environ.get("UPDATE_GOLDENS"):
        expected_path(case).write_text(err, encoding="utf-8")
        pytest.fail(f"rewrote {expected_path(case).name} - review the diff, then run again without UPDATE_GOLDENS")
    assert err == expected_path(case).read_text(encoding="utf-8")
    # A broken people.yaml or brand.yaml stops every leaflet, so no PDF exists to leak into.
    assert sorted(p.name for p in (project.root / "dist").glob("*.pdf")) == []


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
