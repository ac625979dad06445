"""A render worker's process: how it starts, when it ends with the build, and the memory it holds."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path


def private_mb() -> float:
    """This process's own memory now, in MB: its private pages (Linux's smaps_rollup), or 0 where there is none."""
    try:
        lines = Path("/proc/self/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0.0
    return sum(int(line.split()[1]) for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:"))) / 1024


def peak_rss_mb() -> float:
    """This process's peak memory in MB, or 0 where the `resource` module is missing (Windows)."""
    try:
        import resource  # POSIX only: imported here so the package imports on Windows
    except ImportError:
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_method(replacement: bool) -> str:
    """How a worker is started: forked from this process, or, to replace one, from a small fork server."""
    # Fork shares this process's imports and starts in milliseconds; Windows has only spawn, and on macOS
    # fork is unsafe (system libraries start threads; Python's default there is spawn too).
    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return "spawn"
    # A replacement comes when this process holds the whole loaded catalogue: forked from here, it would carry
    # pages of it that it soon writes to (and so copies), and grow with the catalogue. The fork server is a
    # process started once, with WeasyPrint imported and nothing of the catalogue, that forks replacements.
    if replacement:
        multiprocessing.set_forkserver_preload(["publisher.outputs.pdf.preload", "publisher.outputs.pdf.workers"])
        return "forkserver"
    return "fork"


def die_with(parent: int) -> None:
    """End this process when the build process ends, however it ends (SIGKILL included)."""
    # The process that forked this one: the build process, or the fork server it started (which ends with it).
    forker = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            # Linux: the kernel sends SIGKILL when the parent thread that forked us exits.
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != forker or not alive(parent):  # it died before the line above took effect
        os._exit(1)

    def watch():
        # Elsewhere, and as a second line: an orphan is adopted by another process.
        while os.getppid() == forker and alive(parent):
            time.sleep(0.2)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def alive(pid: int) -> bool:
    """Whether a process is still running (POSIX; elsewhere signal 0 would end it, so it is taken as running)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's (or Windows, where signal 0 is not a probe)
        return True
    return True
