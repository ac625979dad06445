"""Memory a render worker holds: the report's peak private memory, beside its peak RSS."""

import json
import sys

import pytest
from faultutil import alive, wait_until

from publisher.outputs.pdf import processes

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="private memory is read from /proc (Linux)")


@linux
def test_private_memory_counts_what_this_process_holds():
    """50 MB this process writes shows as 50 MB more private memory (a measure that cannot see it would not)."""
    before = processes.private_mb()
    held = bytearray(50 * 1024 * 1024)
    for i in range(0, len(held), 4096):
        held[i] = 1  # touched: resident, and this process's own
    assert 48 <= processes.private_mb() - before <= 60
    del held


@linux
def test_the_report_gives_each_workers_peak_private_memory_below_its_rss(project, capsys, tmp_path):
    """RSS counts the pages a forked worker shares with the build process (and, on Linux, starts from that
    process's peak: here the test's process); private memory is the worker's own."""
    project.leaflet("ankle")
    report = tmp_path / "report.json"
    assert project.run("--report", str(report), capsys=capsys)[0] == 0
    summary = json.loads(report.read_text())["summary"]
    assert 20 < summary["worker_peak_private_mb"] < summary["worker_peak_rss_mb"]


# A build that replaces its worker after each leaflet and is killed (SIGKILL, no clean-up) after its second: it
# prints every process under it first, the fork server and the replacement it forked included.
KILLED_MIDWAY = """
import datetime, os, signal, sys
from pathlib import Path
from publisher.build import batch, make
from publisher.outputs.pdf import workers
from publisher.source import content

def descendants(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            for child in map(int, handle.read().split()):
                found += [f"{child}:{pid}"] + descendants(child)
    return found

workers.RECYCLE_AFTER = 1
seen, real = [], make.finished

def finished(run, outcome):
    real(run, outcome)
    seen.append(outcome)
    if len(seen) == 2:
        print(*descendants(os.getpid()), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

make.finished = finished
batch.build(content.Project(Path(sys.argv[1])), batch.Options(out=Path(sys.argv[2]), jobs=1,
            today=datetime.date.fromisoformat(sys.argv[3])))
"""


@linux
def test_replacement_workers_come_from_a_fork_server_and_die_with_a_killed_build(three, tmp_path):
    """A replacement is not forked from the build process (which by then holds the catalogue), and a build
    killed outright leaves no worker, no fork server, behind."""
    import subprocess

    from conftest import TODAY
    run = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, str(three.root), str(tmp_path / "out"), TODAY],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr
    parents = {int(pid): int(parent) for pid, parent in (pair.split(":") for pair in run.stdout.split())}
    left = list(parents)
    # The fork server (and multiprocessing's resource tracker beside it), and the worker that replaced the
    # first one, forked by the server: a grandchild of the build, not a child.
    assert sum(parent in parents for parent in parents.values()) == 1, run.stdout
    assert wait_until(lambda: not any(alive(pid) for pid in left), 10), [pid for pid in left if alive(pid)]
