"""Real faults for tests: a read-only folder and a full disk, as small file systems mounted for one test; and the
processes a build leaves, read from /proc."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path


@contextlib.contextmanager
def mounted(folder: Path, kind: str, size_kb: int = 64):
    """A tmpfs at `folder`: 'read-only', or 'full' (filled to the last byte); unmounted afterwards."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,nr_inodes=1000", "tmpfs", str(folder)], check=True)
    try:
        yield prepare(folder, kind)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def prepare(folder: Path, kind: str) -> Path:
    """Make a mounted tmpfs read-only or full."""
    if kind == "read-only":
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    elif kind == "full":
        # Unbuffered, so nothing is left to flush (and fail) on close.
        with open(folder / "filler", "wb", buffering=0) as handle:
            for block in (65536, 4096, 1):  # down to the last byte, so even a tiny file cannot be written
                with contextlib.suppress(OSError):
                    while True:
                        handle.write(b"\0" * block)
    return folder


def children(pid: int) -> list[int]:
    """The direct children of a process, from /proc."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
