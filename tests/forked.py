"""`build.py` run as a process of its own, forked from the test's process: its own stdin, stdout, stderr,
environment, folder and exit code, without the 0.3 s a fresh Python takes to start and import the publisher.

For tests about what a command does and prints (the desk's administration commands, shards, ...), not about a fresh
interpreter: tests about start-up, signals to the whole process, hash seeds or the clock use subprocess.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from conftest import REPO


def run(args: list[str], *, input: str = "", env: dict | None = None, cwd: Path | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """Like subprocess.run([python, build.py, *args], input=input, capture_output=True, text=True, env=env)."""
    if not sys.platform.startswith("linux"):  # no fork on Windows; macOS's system libraries dislike it
        return subprocess.run([sys.executable, str(REPO / "build.py"), *args], input=input, capture_output=True,
                              text=True, env=env, cwd=cwd, timeout=timeout)
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        stdin.write(input.encode())
        stdin.seek(0)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            _child(args, stdin.fileno(), stdout.fileno(), stderr.fileno(), env, cwd)
        code = _wait(pid, timeout, args)
        return subprocess.CompletedProcess(["build.py", *args], code, _read(stdout), _read(stderr))


def _child(args: list[str], stdin: int, stdout: int, stderr: int, env: dict | None, cwd: Path | None) -> None:
    code = 1
    try:
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
        # New text streams on the new descriptors: pytest's capture objects stay with the parent.
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signal.signal(getattr(signal, name), signal.SIG_DFL if name != "SIGINT" else signal.default_int_handler)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        tempfile.tempdir = None  # read TMPDIR again, as a fresh process would
        os.chdir(cwd or os.getcwd())
        sys.argv = [str(REPO / "build.py"), *args]
        from publisher.cli import main as cli
        try:
            code = cli.main(args, project=REPO)
        except SystemExit as exc:  # argparse's usage errors, as a fresh process would end
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
    except BaseException:  # a traceback, as Python prints it, is what the test must see
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)  # never the test process's atexit handlers or pytest's teardown


def _wait(pid: int, timeout: float, args: list[str]) -> int:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(["build.py", *args], timeout)
        time.sleep(0.005)


def _read(handle) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", errors="replace").replace("\r\n", "\n")
