"""Today's date: pinned by LEAFLETS_TODAY or --today, else the real clock; a clock years ahead breaks nothing pinned."""

import os
import shutil
import subprocess
import sys

import pytest
from conftest import MINIMAL, REPO, TODAY

from publisher.cli import main as cli

SHIPPED = len(list((REPO / "handouts").glob("*.yaml")))
OVERDUE = ": error: review-overdue: the review was due on "


def test_leaflets_today_decides_when_set(project, capsys, monkeypatch):
    """A leaflet due yesterday by LEAFLETS_TODAY is overdue, whatever the real clock says."""
    project.leaflet("x")  # next review 2028-01-10
    monkeypatch.setenv("LEAFLETS_TODAY", "2028-01-11")
    assert cli.main(["check", "--project", str(project.root)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "handouts/x.yaml:9:16: error: review-overdue: the review was due on 2028-01-10 and is overdue - review the "
        "leaflet and update its dates (or build with --allow-expired to mark it overdue)")
    monkeypatch.setenv("LEAFLETS_TODAY", "2028-01-10")
    assert cli.main(["check", "--project", str(project.root)]) == 0
    capsys.readouterr()
    # --today still wins over the variable.
    assert cli.main(["check", "--project", str(project.root), "--today", "2029-01-01"]) == 1


@pytest.mark.parametrize("command", [["check"], []])
def test_a_bad_leaflets_today_is_a_usage_error(project, capsys, monkeypatch, command):
    project.leaflet("x", MINIMAL)
    monkeypatch.setenv("LEAFLETS_TODAY", "25/11/2026")
    code = cli.main([*command, "--project", str(project.root)] if command else ["--project", str(project.root)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[-1] == ("Error: LEAFLETS_TODAY='25/11/2026' is not a date - use YYYY-MM-DD, or unset it "
                                    "for the real date")


def _faketime() -> str:
    found = shutil.which("faketime")
    if found is None:
        pytest.skip("faketime is not installed (scripts/system-deps.sh installs it: apt-get install faketime)")
    return found


def _real_clock_environment() -> dict:
    """This environment without LEAFLETS_TODAY, and without libfaketime where the whole suite runs under it
    (faketime inside faketime shifts by an offset from the faked clock: 2040 became 2036)."""
    env = {key: value for key, value in os.environ.items() if key != "LEAFLETS_TODAY" and not key.startswith("FAKETIME")}
    preload = " ".join(part for part in env.get("LD_PRELOAD", "").split() if "faketime" not in part)
    env.pop("LD_PRELOAD", None)
    return {**env, "LD_PRELOAD": preload} if preload else env


@pytest.mark.parametrize("year", [2030, 2040])
def test_a_clock_years_ahead_changes_nothing_pinned(year, tmp_path):
    """Under libfaketime, the real clock years ahead: unpinned, every shipped leaflet is overdue (the clock moved);
    pinned by LEAFLETS_TODAY, the same check passes; in 2040 a build makes the same PDF as on the real clock."""
    faketime = _faketime()
    env = _real_clock_environment()
    ahead = [faketime, f"{year}-06-01 12:00:00", sys.executable]
    moved = subprocess.run([*ahead, "-c", "import datetime; print(datetime.date.today())"], env=env,
                           capture_output=True, text=True)
    assert moved.stdout == f"{year}-06-01\n", moved.stderr
    unpinned = subprocess.run([*ahead, "build.py", "check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert unpinned.returncode == 1
    assert sum(OVERDUE in line for line in unpinned.stderr.splitlines()) == SHIPPED, unpinned.stderr
    pinned = subprocess.run([*ahead, "build.py", "check"], cwd=REPO, env={**env, "LEAFLETS_TODAY": TODAY},
                            capture_output=True, text=True)
    assert (pinned.returncode, OVERDUE in pinned.stderr) == (0, False), pinned.stderr
    if year != 2040:
        return  # one build under a shifted clock is enough to compare bytes
    built = {}
    for name, command in (("ahead", ahead), ("now", [sys.executable])):
        run = subprocess.run([*command, "build.py", "--out", str(tmp_path / name), "-j1", "-q", "--format", "pdf",
                              "handouts/looking-after-your-back.yaml"], cwd=REPO,
                             env={**env, "LEAFLETS_TODAY": TODAY}, capture_output=True, text=True)
        assert (run.returncode, run.stdout) == (0, ""), run.stderr
        built[name] = (tmp_path / name / "looking-after-your-back.pdf").read_bytes()
    assert built["ahead"] == built["now"]
