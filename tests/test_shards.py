"""A catalogue built in shards by the real command line (a CI matrix, a Kubernetes Indexed Job) and merged into one site."""

import filecmp
import os
import subprocess
from pathlib import Path

import pytest
import forked
from conftest import MINIMAL

from publisher.build import batch

STEMS = ["ankle", "back", "cough", "knee", "rash", "wrist"]


def _cli(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The command line as a process of its own (forked from this one: tests/forked.py), with `env` in its environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "CI_NODE_INDEX", "CI_NODE_TOTAL")}
    return forked.run([*args, "--project", str(project)], env={**clean, **env}, timeout=300)


def _files(folder: Path) -> list[str]:
    ours = (".manifest.json", ".lock")  # the build's own bookkeeping
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name not in ours)


def test_shards_of_an_indexed_job_merge_into_the_site_of_one_whole_build(project, tmp_path):
    """Three pods (JOB_COMPLETION_INDEX 0-2) each build their part; `site --merge` gives the very files, and the
    very catalogue site, that one build of everything gives."""
    for number, stem in enumerate(STEMS):
        project.leaflet(stem, MINIMAL.replace("TST-0001", f"TST-{number + 1:04d}").replace(
            "Looking after a sprained ankle", f"Looking after {stem}"))
    shards = []
    for index in range(3):
        shard = tmp_path / f"shard-{index}"
        run = _cli(project.root, "--out", str(shard), "-j1", "--format", "pdf,brf",
                   JOB_COMPLETION_INDEX=str(index), JOB_COMPLETIONS="3")
        assert run.returncode == 0, run.stderr
        assert not (shard / "index.html").exists()  # a shard writes no site: it sees only its part
        expected = sorted(stem for stem in STEMS if batch.in_shard(stem, (index + 1, 3)))
        assert sorted(p.stem for p in shard.glob("*.pdf")) == expected
        shards.append(shard)
    assert sorted(p.stem for s in shards for p in s.glob("*.pdf")) == STEMS  # each leaflet in exactly one shard
    merged = tmp_path / "site"
    run = _cli(project.root, "site", "--merge", *map(str, shards), "--out", str(merged))
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.endswith(f"index.html: {len(STEMS)} leaflets ({2 * len(STEMS)} files merged)\n")
    whole = tmp_path / "whole"
    run = _cli(project.root, "--out", str(whole), "-j1", "--format", "pdf,brf")
    assert run.returncode == 0, run.stderr
    assert _files(merged) == _files(whole) and "index.html" in _files(merged)
    match, mismatch, errors = filecmp.cmpfiles(merged, whole, _files(whole), shallow=False)
    assert (mismatch, errors) == ([], [])


@pytest.mark.parametrize("environment, message", [
    ({"JOB_COMPLETION_INDEX": "0"}, "Error: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but JOB_COMPLETIONS "
                                    "is not - set it to the Job's completions, e.g. 8, or give --shard K/N"),
    ({"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "3"},
     "Error: JOB_COMPLETION_INDEX=3 with JOB_COMPLETIONS=3: the index must be 0 to JOB_COMPLETIONS - 1 - give the "
     "Job's completions in JOB_COMPLETIONS"),
])
def test_an_indexed_job_without_its_count_is_a_usage_error(project, capsys, monkeypatch, environment, message):
    project.leaflet("ankle")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    code, out, err = project.run(capsys=capsys)
    assert (code, err.splitlines()[-1]) == (2, message)


def test_an_indexed_job_counts_from_zero_and_the_shard_flag_wins(monkeypatch):
    assert batch.shard_from_environment({"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "4"}) == (1, 4)
    assert batch.shard_from_environment({"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "4"}) == (4, 4)
    assert batch.shard_from_environment({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"}) == (2, 4)
    assert batch.shard_from_environment({}) is None
