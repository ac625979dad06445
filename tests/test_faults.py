"""Faults (issue 12): killed builds and workers, the output folder's lock, time limits held from outside the
worker, read-only and full output folders, a poisoned manifest, FIFOs, Ctrl-C and temporary folders.

Real processes and signals throughout. The random fault-injection campaign runs a few rounds here;
more on demand:  FAULT_RUNS=50 .venv/bin/python -m pytest -q tests/test_faults.py -k random
"""

from __future__ import annotations

import datetime
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO, Project
from faultutil import alive, children, wait_until

from publisher.build import batch, manifest
from publisher.source import content

if sys.platform == "win32":  # Windows ends a process without a signal it could catch, and has no FIFOs
    pytest.skip("POSIX signals, process groups and FIFOs: these faults cannot happen on Windows (docs/platforms.md)",
                allow_module_level=True)

RUNS = int(os.environ.get("FAULT_RUNS", "3"))
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mounts small file systems")
SLOW_BODY = "a" + "\u0301" * 100_000  # minutes inside Pango's C code, where no signal handler runs
RESET_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


class Build:
    """`build.py` run as its own process (and process group), with a private temporary folder."""

    def __init__(self, project: Project, out: Path, temp: Path):
        self.project, self.out, self.temp = project, out, temp
        temp.mkdir(exist_ok=True)

    def start(self, *args, stderr=subprocess.PIPE) -> subprocess.Popen:
        env = {**os.environ, "TMPDIR": str(self.temp), "PYTHONUNBUFFERED": "1"}
        env.pop("CI", None)
        # Ctrl-C as at a terminal: a shell starts a background job (`make test &`) with SIGINT ignored, and Python
        # then leaves it ignored; set back to the default before build.py starts, in the same process.
        command = [sys.executable, "-c", RESET_SIGINT, str(REPO / "build.py"), "--project", str(self.project.root),
                   "--out", str(self.out), "--today", "2026-11-25", *args]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                start_new_session=True)

    def run(self, *args, timeout: float = 120) -> tuple[int, str, str]:
        process = self.start(*args)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"build.py {' '.join(args)} hung for {timeout} s")
        return process.returncode, out, err


def wait_for_workers(process: subprocess.Popen, count: int, timeout: float = 30) -> list[int]:
    assert wait_until(lambda: len(children(process.pid)) >= count, timeout), "the workers never started"
    return children(process.pid)


def complete_pdfs(out: Path) -> None:
    """Every PDF in the folder is whole, and no temporary file is left beside them."""
    for path in out.glob("*.pdf"):
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), f"{path.name} is truncated"
    assert not list(out.glob(".*.tmp"))


@pytest.fixture
def catalogue(project, tmp_path):
    # Two leaflets: one for each of two workers (-j 2), and one to keep while another fails.
    for stem in ("alpha", "beta"):
        project.leaflet(stem)
    return Build(project, tmp_path / "out", tmp_path / "tmp")


# -- killed builds and the lock ----------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_workers_die_with_a_killed_build_and_the_next_build_runs_at_once(catalogue, signum):
    catalogue.project.leaflet("slow", MINIMAL.replace("Rest your ankle and keep it raised when you can.",
                                                      SLOW_BODY))
    process = catalogue.start("-j", "2", "--force", "--timeout", "100")
    workers = wait_for_workers(process, 2)
    time.sleep(0.5)
    os.kill(process.pid, signum)
    out, err = process.communicate(timeout=30)
    if signum != signal.SIGKILL:  # stopped in order, as after Ctrl-C
        assert process.returncode == 128 + signum
        assert err.splitlines()[-1] == (f"Stopped by {signal.Signals(signum).name}: finished PDFs are kept and "
                                        "recorded; unfinished ones keep their previous version.")
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 5), "a worker outlived its build"
    catalogue.project.leaflet("slow", MINIMAL)
    started = time.monotonic()
    code, out, err = catalogue.run("--lock-timeout", "5")
    assert code == 0, err
    assert "Waiting" not in err and time.monotonic() - started < 60
    complete_pdfs(catalogue.out)
    assert sorted(p.name for p in catalogue.out.glob("*.pdf")) == [f"{s}.pdf" for s in ("alpha", "beta", "slow")]
    assert list(catalogue.temp.iterdir()) == []  # the killed build's temporary folder is gone too


def test_a_build_waiting_for_the_lock_says_who_holds_it_and_gives_up(catalogue):
    catalogue.out.mkdir()
    with manifest.locked(catalogue.out):
        started = time.monotonic()
        code, out, err = catalogue.run("--lock-timeout", "1")
    assert code == 1
    assert err == (f"Waiting for {catalogue.out}: process {os.getpid()} is building into it (giving up after 1 s, "
                   "--lock-timeout)\n"
                   f"Error: the output folder {catalogue.out} is still in use by process {os.getpid()} after 1 s - "
                   "wait for that build to finish, or raise --lock-timeout\n")
    assert 1 <= time.monotonic() - started < 30
    assert not list(catalogue.out.glob("*.pdf"))


def test_a_waiting_build_goes_ahead_when_the_lock_is_released(catalogue, tmp_path):
    catalogue.out.mkdir()
    log = tmp_path / "stderr"
    with manifest.locked(catalogue.out), open(log, "w") as stderr:
        process = catalogue.start("--lock-timeout", "120", "-j", "1", stderr=stderr)
        assert wait_until(lambda: "Waiting" in log.read_text(), 60)
        assert process.poll() is None
    process.communicate(timeout=120)
    err = log.read_text()
    assert process.returncode == 0, err
    assert err == (f"Waiting for {catalogue.out}: process {os.getpid()} is building into it (giving up after 120 s, "
                   "--lock-timeout)\n")
    assert (catalogue.out / ".lock").read_text().strip() == str(process.pid)


def test_a_stale_lock_file_from_a_dead_process_is_taken_over(catalogue):
    dead = subprocess.Popen(["true"])
    dead.wait()
    catalogue.out.mkdir()
    (catalogue.out / ".lock").write_text(f"{dead.pid}\n")
    code, out, err = catalogue.run("--lock-timeout", "0", "-j", "1")
    assert code == 0, err
    assert "Waiting" not in err


# -- time limits, Ctrl-C, temporary folders ------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_time_limit_holds_inside_c_code(project, tmp_path, jobs):
    build = Build(project, tmp_path / "out", tmp_path / "tmp")
    project.leaflet("alpha")
    project.leaflet("slow", MINIMAL.replace("Rest your ankle and keep it raised when you can.", SLOW_BODY))
    started = time.monotonic()
    # 2 s: a normal leaflet (0.3 s in a fresh worker) stays well inside it even on a busy machine.
    code, out, err = build.run("-j", jobs, "--timeout", "2", timeout=120)
    took = time.monotonic() - started
    assert code == 1
    assert err.splitlines() == [
        "handouts/slow.yaml: took more than 2 s to render, the limit - shorten the leaflet, or raise the limit "
        "with --timeout",
        "built 1, unchanged 0, removed 0, failed 1 (1 error) in " + err.split(" in ")[-1].strip()]
    assert took < 40, f"the build took {took:.0f} s"
    complete_pdfs(build.out)
    assert list(build.temp.iterdir()) == []


def test_ctrl_c_exits_quietly_with_130(catalogue):
    catalogue.project.leaflet("slow", MINIMAL.replace("Rest your ankle and keep it raised when you can.",
                                                      SLOW_BODY))
    process = catalogue.start("-j", "2", "--force")
    workers = wait_for_workers(process, 2)
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the whole process group
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.splitlines()[-1] == ("Interrupted: finished PDFs are kept and recorded; unfinished ones keep their "
                                    "previous version.")
    assert "Traceback" not in err and "Exception" not in err
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 5)
    complete_pdfs(catalogue.out)
    assert list(catalogue.temp.iterdir()) == []


def test_sigterm_to_the_whole_process_group_stops_the_build_in_order(catalogue):
    catalogue.project.leaflet("slow", MINIMAL.replace("Rest your ankle and keep it raised when you can.",
                                                      SLOW_BODY))
    process = catalogue.start("-j", "2", "--force")
    workers = wait_for_workers(process, 2)
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGTERM)  # as a service manager or a CI runner stops a job
    out, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert err.splitlines()[-1] == ("Stopped by SIGTERM: finished PDFs are kept and recorded; unfinished ones keep "
                                    "their previous version.")
    assert "Traceback" not in err
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 5)
    complete_pdfs(catalogue.out)
    assert list(catalogue.temp.iterdir()) == []


def test_ctrl_c_that_does_not_wake_the_wait_for_the_workers_still_stops_the_build_at_once(project):
    """A signal that another thread takes, or that lands just before the build process starts waiting for its
    workers, does not end the wait: Python acts on it when the main thread next runs. Under load a build once sat
    out a slow leaflet's render after Ctrl-C. Here SIGINT is sent to another thread while the main thread waits."""
    project.leaflet("slow", MINIMAL.replace("Rest your ankle and keep it raised when you can.", SLOW_BODY))
    main = threading.get_ident()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    sent: list = []

    def waiting() -> bool:
        frame = sys._current_frames().get(main)
        names = []
        while frame is not None:
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        return "finish" in names and "wait" in names

    def ctrl_c_in_this_thread() -> None:
        if wait_until(waiting, 60):
            time.sleep(0.5)  # well inside the wait: the slow leaflet renders for minutes
            sent.append(time.monotonic())
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    helper = threading.Thread(target=ctrl_c_in_this_thread, daemon=True)
    options = batch.Options(out=project.root / "dist", jobs=1, timeout=60, today=datetime.date(2026, 11, 25))
    try:
        helper.start()
        with pytest.raises(KeyboardInterrupt):
            batch.build(content.Project(project.root), options)
        stopped = time.monotonic()
    finally:
        helper.join()
        signal.signal(signal.SIGINT, previous)
    assert sent, "the build never waited for its worker"
    assert stopped - sent[0] < 5, f"the build went on for {stopped - sent[0]:.0f} s after Ctrl-C"


def test_a_killed_worker_fails_its_leaflet_and_leaves_no_temporary_folder(project, tmp_path):
    build = Build(project, tmp_path / "out", tmp_path / "tmp")
    project.leaflet("alpha")
    project.leaflet("slow", MINIMAL.replace("Rest your ankle and keep it raised when you can.", SLOW_BODY))
    process = build.start("-j", "2", "--timeout", "100")
    # alpha and slow go to the two workers together; once alpha is done, slow is surely being rendered.
    assert wait_until(lambda: (build.out / "alpha.pdf").exists(), 60)
    workers = children(process.pid)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.splitlines()[0] == ("handouts/slow.yaml: the worker process rendering it died (killed or crashed) - "
                                   "the previous PDF, if any, is kept")
    complete_pdfs(build.out)
    assert list(build.temp.iterdir()) == []


def test_no_weasyprint_font_folder_is_left_behind(catalogue):
    for jobs in ("1", "2"):
        code, out, err = catalogue.run("-j", jobs, "--force")
        assert code == 0, err
        assert list(catalogue.temp.iterdir()) == []


# -- the output folder -----------------------------------------------------------------------------------------


def _snapshot(out: Path) -> dict:
    # Into sub-folders too: the catalogue site keeps its pages and thumbnails there.
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name not in ("filler", ".lock")}


@ROOT_ONLY
@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_a_read_only_or_full_output_folder_is_one_message_and_keeps_the_last_build(catalogue, kind):
    from faultutil import mounted, prepare
    with mounted(catalogue.out, "writable", size_kb=2048):
        code, out, err = catalogue.run("-j", "1")
        assert code == 0, err
        before = _snapshot(catalogue.out)
        prepare(catalogue.out, kind)
        catalogue.project.leaflet("beta", MINIMAL.replace("Rest your ankle", "Rest your leg"))
        code, out, err = catalogue.run("-j", "2")
        after = _snapshot(catalogue.out)
    assert code == 1
    if kind == "read-only":
        assert err == ("Error: cannot write to the output folder " + str(catalogue.out) + ": Read-only file system - "
                       "choose another --out, or fix its permissions or free some space; the previous PDFs are kept\n")
    else:
        assert err.splitlines() == [
            "handouts/beta.yaml: could not save beta.pdf: No space left on device - free some space, or fix or "
            "change the output folder (the previous PDF is kept)",
            "built 0, unchanged 1, removed 0, failed 1 (1 error) in " + err.split(" in ")[-1].strip()]
    assert after == before
    assert "Traceback" not in err


def test_an_output_folder_that_is_a_file(catalogue):
    catalogue.out.write_text("not a folder")
    code, out, err = catalogue.run()
    assert code == 2
    assert err.endswith(f"Error: --out '{catalogue.out}' is a file - give a folder\n")


def test_a_poisoned_manifest_removes_nothing_outside_the_output_folder(catalogue, tmp_path):
    catalogue.project.leaflet("gamma")  # a third, whose entry is poisoned below
    code, out, err = catalogue.run("-j", "1")
    assert code == 0, err
    victim = tmp_path / "victim.pdf"
    victim.write_text("keep me")
    path = catalogue.out / ".manifest.json"
    data = json.loads(path.read_text())
    entry = data["leaflets"]["alpha.pdf"]
    data["leaflets"]["../victim.pdf"] = {**entry, "source": "handouts/gone.yaml"}
    data["leaflets"]["/abs.pdf"] = {**entry, "source": "handouts/gone.yaml"}
    data["leaflets"]["beta.pdf"] = {**entry, "pages": "two", "source": "handouts/beta.yaml"}
    data["leaflets"]["gamma.pdf"] = {**data["leaflets"]["gamma.pdf"], "next_review": "2029-11-25\n"}
    data["leaflets"]["evil.pdf"] = {**entry, "source": "../../etc/passwd"}
    path.write_text(json.dumps(data))
    code, out, err = catalogue.run("-j", "1")
    assert code == 0, err
    assert victim.read_text() == "keep me"
    assert out.splitlines()[-1].startswith("built 2, unchanged 1, removed 0, failed 0 in ")
    assert sorted(json.loads(path.read_text())["leaflets"]) == ["alpha.pdf", "beta.pdf", "gamma.pdf"]


def test_a_fifo_or_device_is_refused_without_hanging(catalogue):
    os.mkfifo(catalogue.project.root / "handouts" / "pipe.yaml")
    names = ["pipe"]
    if os.geteuid() == 0:  # a character device like /dev/zero, which never ends
        os.mknod(catalogue.project.root / "handouts" / "zero.yaml", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        names.append("zero")
    code, out, err = catalogue.run("-j", "1", timeout=60)
    assert code == 1
    message = "not a regular file (a pipe, device or socket?) - leaflets must be ordinary files"
    assert err.splitlines()[:-1] == [f"handouts/{name}.yaml:1:1: {message}" for name in names]
    assert len(list(catalogue.out.glob("*.pdf"))) == 2


# -- random fault injection ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("run", range(RUNS))
def test_random_kills_never_hang_truncate_or_leak(catalogue, run):
    rng = random.Random(int(os.environ.get("FAULT_SEED", "12")) * 1000 + run)
    for stem in ("alpha", "beta", "gamma"):
        catalogue.project.leaflet(stem, MINIMAL.replace("Rest your ankle", f"Rest your ankle ({run})"))
    process = catalogue.start("-j", "2", "--force")
    known = {process.pid}
    victim = rng.choice(["main", "worker"])
    deadline = time.monotonic() + rng.uniform(0.2, 4.0)
    while time.monotonic() < deadline and process.poll() is None:
        known.update(children(process.pid))
        time.sleep(0.02)
    workers = children(process.pid)
    known.update(workers)
    if victim == "worker" and workers:
        os.kill(rng.choice(workers), signal.SIGKILL)
    elif process.poll() is None:
        os.kill(process.pid, rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGHUP]))
    try:
        process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"the build hung after its {victim} was killed")
    assert wait_until(lambda: not any(alive(pid) for pid in known), 5), "orphan process left"
    complete_pdfs(catalogue.out)
    code, out, err = catalogue.run("-j", "2", "--lock-timeout", "5")
    assert code == 0, err
    complete_pdfs(catalogue.out)
    assert sorted(p.name for p in catalogue.out.glob("*.pdf")) == ["alpha.pdf", "beta.pdf", "gamma.pdf"]
    assert list(catalogue.temp.iterdir()) == []


def test_a_worker_that_cannot_start_is_one_message_per_leaflet(project, tmp_path):
    build = Build(project, tmp_path / "out", tmp_path / "tmp")
    project.leaflet("alpha")
    # As a broken installation would: every worker's engine fails to start.
    sabotage = tmp_path / "sitecustomize.py"
    sabotage.write_text("import publisher.outputs.pdf.engine as p\n"
                        "def broken(self, project):\n    raise RuntimeError('no fonts today')\n"
                        "p.Engine.__init__ = broken\n")
    os.environ["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{REPO}"
    try:
        code, out, err = build.run("-j", "2")
    finally:
        del os.environ["PYTHONPATH"]
    assert code == 1
    assert err.splitlines() == [
        "handouts/alpha.yaml: no worker process could be started to render it (RuntimeError: no fonts today) - "
        "check the installation (python build.py check runs without one)",
        "built 0, unchanged 0, removed 0, failed 1 (1 error) in " + err.split(" in ")[-1].strip()]
    assert list(build.temp.iterdir()) == []


def test_a_manifest_that_cannot_be_saved_is_one_message(catalogue):
    catalogue.out.mkdir()
    (catalogue.out / ".manifest.json").mkdir()  # as good as a full disk for os.replace, and portable
    code, out, err = catalogue.run("-j", "1")
    assert code == 1
    assert err == (f"Error: could not save the build manifest in the output folder {catalogue.out}: Is a directory - "
                   "free some space or fix the folder's permissions; the PDFs are in place, and the next build "
                   "renders them again\n")
    complete_pdfs(catalogue.out)
