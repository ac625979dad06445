"""Files written whole: readers see the old file or the new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

# The tool's own code (publisher/): its digest is part of every output's, and its labels are extracted.
CODE = Path(__file__).resolve().parents[1]

# mkstemp makes files readable by their owner only; outputs get the usual permissions.
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that readers see the old file or the new one, never half."""
    target = Path(target)
    commit_staged(stage(target, data), target)


def stage(target: Path, data: bytes) -> str:
    """Write `data` whole, synced, into a hidden temporary file beside `target`; commit_staged puts it in place."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes the file 0600; readers expect the umask's usual mode
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def commit_staged(staged: str, target: Path) -> None:
    """Replace `target` with a file from stage(), or remove the staged file if that fails."""
    try:
        _replace(staged, Path(target))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise


# Windows refuses to replace a file another process holds open (the preview server sending it): wait a moment.
REPLACE_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8) if os.name == "nt" else ()


def _replace(source: str, target: Path) -> None:
    """os.replace, tried again for a moment where a reader can block it (REPLACE_WAITS)."""
    for wait in REPLACE_WAITS:
        try:
            os.replace(source, target)
            return
        except PermissionError:
            time.sleep(wait)
    os.replace(source, target)
