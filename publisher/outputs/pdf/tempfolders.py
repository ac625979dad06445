"""A build's temporary folder: one per build process, where its renders' temporary files go, removed after it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

TEMP_PREFIX = "publisher-"  # + the building process's id: one temporary folder per build


@contextlib.contextmanager
def temporary_files_in(folder: Path):
    """Python's and child programs' temporary files go into `folder` for a while."""
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved[1]


def remove_stale_temp_folders() -> None:
    """Remove the temporary folders of builds whose process has ended (killed, or the machine restarted)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill there terminates the process: keep the folder rather than risk that
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
