"""The build's digests of templates, styles and fonts: each file read once a process, never a stale one."""

import os
import time

from conftest import REPO

from publisher.build import manifest
from publisher.core import caches

FONT = REPO / "styles" / "fonts" / "NotoSansSC-Regular.ttf"


def digest(path) -> str:
    """As a build takes it: measured against the file system's clock now."""
    return manifest._file_digest(path, manifest.file_system_now())


def counted(monkeypatch) -> list:
    reads: list = []
    real = manifest.digest_bytes

    def digest(data: bytes) -> str:
        reads.append(len(data))
        return real(data)
    monkeypatch.setattr(manifest, "digest_bytes", digest)
    return reads


def test_a_file_is_read_once_a_process_and_a_hard_link_to_it_is_that_file(tmp_path, monkeypatch):
    caches.clear()
    reads = counted(monkeypatch)
    os.link(FONT, tmp_path / "linked.ttf")
    assert digest(FONT) == digest(tmp_path / "linked.ttf") == digest(FONT)
    assert len(reads) == 1
    caches.clear()  # as the preview server does after a save
    digest(FONT)
    assert len(reads) == 2


def test_a_file_written_in_the_last_seconds_is_read_every_time(tmp_path):
    """Two writes of the same size within the file system's clock tick leave size and time alike."""
    style = tmp_path / "base.css"
    style.write_text("h1 { color: red }")
    first = digest(style)
    written = style.stat()
    style.write_text("h1 { color: tan }")
    os.utime(style, ns=(written.st_atime_ns, written.st_mtime_ns))  # as if in the same tick of the clock
    assert digest(style) != first


def test_an_older_file_changed_is_read_again(tmp_path):
    style = tmp_path / "base.css"
    style.write_text("h1 { color: red }")
    an_hour_ago = time.time() - 3600
    os.utime(style, (an_hour_ago, an_hour_ago))
    first = digest(style)
    assert digest(style) == first
    style.write_text("h1 { color: tan }")  # same size, a new modification time
    os.utime(style, (an_hour_ago + 1, an_hour_ago + 1))
    assert digest(style) != first
