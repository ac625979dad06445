"""The fixed cost of a build: what a clinician waits for when printing ONE leaflet, in a fresh process.

    python bench/bench.py --fixed-cost ROUNDS [--against COMMIT]

Times, in fresh processes, `build.py publish` of one leaflet (PDF only, into a temporary folder), `build.py
check` of the same leaflet, and `build.py --help`, for this tree and for COMMIT (default: the commit before the
fixed-cost work) checked out into a temporary `git worktree`, run alternately round by round so both see the same
machine; the worktree is removed afterwards. Wall and CPU (user + system of the child) medians.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEFORE = "1556dfd"  # main before issue 24's fixed-cost work
LEAFLET = "handouts/looking-after-your-back.yaml"
TODAY = "2026-11-25"
COMMANDS = {
    "publish": ["publish", LEAFLET, "--format", "pdf", "-q", "-j1", f"--today={TODAY}", "--out", "{out}"],
    "check": ["check", LEAFLET, "-q", f"--today={TODAY}"],
    "help": ["--help"],
}


@contextlib.contextmanager
def worktree(commit: str):
    """`commit` checked out beside this one, removed on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="fixed-cost-")) / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), commit], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)


def _timed(tree: Path, args: list[str], out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh `build.py` run from `tree`, with `tree` first on the import path."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [sys.executable, str(tree / "build.py"), *(a.replace("{out}", str(out)) for a in args)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fixed_cost(rounds: int, against: str = BEFORE) -> dict:
    """Medians of each command's wall and CPU seconds, now and at `against`, measured alternately."""
    runs: dict = {(tree, name): [] for tree in ("now", "before") for name in COMMANDS}
    with worktree(against) as old, tempfile.TemporaryDirectory() as scratch:
        trees = {"now": REPO, "before": old}
        for tree in trees.values():  # warm the page cache and the .pyc files: not what is measured
            for args in COMMANDS.values():
                _timed(tree, args, Path(scratch) / "warm")
        for _ in range(rounds):
            for name, args in COMMANDS.items():
                for key, tree in trees.items():
                    runs[(key, name)].append(_timed(tree, args, Path(scratch) / "out"))
    figures: dict = {"rounds": rounds, "against": against}
    for (key, name), times in runs.items():
        figures[f"{name}_{key}_wall"] = statistics.median(t[0] for t in times)
        figures[f"{name}_{key}_cpu"] = statistics.median(t[1] for t in times)
    return figures


def print_fixed_cost(figures: dict) -> None:
    print(f"fixed cost of one leaflet in a fresh process ({LEAFLET}), median of {figures['rounds']} alternating "
          f"rounds, now vs {figures['against']}:")
    for name in COMMANDS:
        now, before = (figures[f"{name}_now_wall"], figures[f"{name}_now_cpu"]), \
            (figures[f"{name}_before_wall"], figures[f"{name}_before_cpu"])
        print(f"  {name:8} wall {before[0]:5.2f} s -> {now[0]:5.2f} s ({now[0] / before[0]:4.0%}); "
              f"CPU {before[1]:5.2f} s -> {now[1]:5.2f} s ({now[1] / before[1]:4.0%})")
