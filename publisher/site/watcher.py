"""The preview's watcher: rebuilds after every save to what shapes the outputs, in threads of its own."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.source import content

if TYPE_CHECKING:
    from publisher.site.preview import Preview


def watched(project: content.Project) -> tuple[list[Path], list[Path]]:
    """(folders watched with everything in them, files watched on their own) that shape the outputs."""
    folders = [project.handouts, project.templates, project.styles]
    if (project.root / "locales").is_dir():
        folders.append(project.root / "locales")
    return [f for f in folders if f.is_dir()], [project.people_file, project.brand_file]


class Watcher:
    """Rebuilds the preview after every save, in a thread of its own, until stopped."""

    def __init__(self, preview: Preview, on_build=None):
        self.preview = preview
        self.on_build = on_build or (lambda state: None)
        self.dirty = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        folders, files = watched(self.preview.project)
        # Files are watched through their folder (the project's), non-recursively: an editor that saves by
        # renaming a new file into place would leave a watch on the old file watching nothing.
        wanted = {str(f.resolve()) for f in files}
        self._spawn(self._watch, [str(f) for f in folders], True, None)
        self._spawn(self._watch, [str(self.preview.project.root)], False, wanted)
        self._spawn(self._build)

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _watch(self, paths: list[str], recursive: bool, only: set | None) -> None:
        import watchfiles
        for changes in watchfiles.watch(*paths, recursive=recursive, stop_event=self.preview.stopping,
                                        debounce=400, step=30, rust_timeout=500, yield_on_timeout=False,
                                        raise_interrupt=False):
            if only is None or any(str(Path(p).resolve()) in only for _, p in changes):
                self.dirty.set()

    def _build(self) -> None:
        # WeasyPrint is imported once, now, rather than on the first save: each build's workers are forked
        # from this process, so they then start at once (the first reload would otherwise wait a second more).
        import tempfile

        from publisher.outputs.pdf import engine as pdf
        from publisher.outputs.pdf import tempfolders
        with tempfile.TemporaryDirectory(prefix=f"{tempfolders.TEMP_PREFIX}{os.getpid()}-") as folder, \
                tempfolders.temporary_files_in(Path(folder)):
            pdf._weasyprint()
        # Waits without a timeout, and joins by polling (below): a thread's timed wait never ends under libfaketime,
        # whose faked monotonic clock it does not apply to them (how the tests run years ahead: tests/README.md).
        while True:
            self.dirty.wait()
            if self.preview.stopping.is_set():
                return
            self.dirty.clear()
            self.on_build(self.preview.rebuild(quick_first=True))

    def stop(self) -> None:
        self.preview.stopping.set()
        self.dirty.set()  # wakes the builder to leave
        deadline = time.monotonic() + 2
        while any(t.is_alive() for t in self.threads) and time.monotonic() < deadline:
            time.sleep(0.02)
