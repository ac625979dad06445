"""Render PDFs in worker processes, each paying WeasyPrint's start-up once, and each watched by this one."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from publisher.core.errors import Diagnostic, PublisherError, policy
from publisher.core.files import commit_staged, stage
from publisher.outputs.pdf import engine as pdf
from publisher.outputs.pdf import preflight, processes
from publisher.outputs.pdf.tempfolders import TEMP_PREFIX, remove_stale_temp_folders, temporary_files_in
from publisher.source.content import Project


@dataclasses.dataclass
class Task:
    """One leaflet to render: everything a worker needs, and nothing it must look up."""

    name: str  # the leaflet file as shown to users
    stem: str  # the output's file name, e.g. 'x.pdf' or 'x.large-print.pdf'
    html: str  # without stylesheet links; the worker applies the parsed stylesheets
    styles: tuple  # project-relative stylesheet paths, in cascade order
    target: str  # the PDF path
    leaflet_folder: str  # images may also come from here (Project.asset_roots decides)
    strict: bool
    refused: frozenset = frozenset()  # rules that are errors whatever `strict` (errors.policy)
    max_pages: int = pdf.MAX_PAGES
    timeout: float = pdf.TIMEOUT  # for the whole leaflet: loading, checking and making its HTML count too
    variant: str | None = pdf.DEFAULT_VARIANT
    fit_pages: int | None = None  # the leaflet's own max_pages for this edition
    fit_label: str = ""  # e.g. "A4, standard edition", for the fit message
    where: str = ""  # e.g. "cy, A4, standard edition": names the PDF in preflight findings
    spent: float = 0.0  # seconds of `timeout` already spent on the leaflet before rendering

    @property
    def left(self) -> float:
        """The seconds left to render and write it (0 when there is no limit)."""
        return max(0.01, self.timeout - self.spent) if self.timeout > 0 else 0.0


@dataclasses.dataclass
class Outcome:
    """What a worker reports back for one task."""

    name: str
    stem: str
    ok: bool
    pages: int = 0
    bytes: int = 0
    digest: str = ""
    seconds: float = 0.0
    errors: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    worker: int = 0  # process id
    peak_rss_mb: float = 0.0  # counts pages shared with the build process it was forked from
    peak_private_mb: float = 0.0  # what the worker itself holds: pages no other process shares (Linux)
    layouts: int = 0  # pages laid out (a page laid out twice counts twice)
    staged: str = ""  # the PDF, written whole beside its target: the build process moves it in place on receipt


_engine: pdf.Engine | None = None
_fonts: preflight.Shipped | None = None  # what the project's fonts print, for the preflight: read once a worker


def _init(root: str) -> None:
    global _engine, _fonts
    # Forked, the parent's engine comes with the process, warm (Renderer.start): kept while the styles are the same.
    pdf.inherit()
    _engine = pdf.engine_for(Project(Path(root)))
    _fonts = preflight.shipped_fonts(_engine.project.styles)


def render(task: Task) -> Outcome:
    """Render one task with this process's engine; never raises for a leaflet's own fault."""
    started = time.perf_counter()
    outcome = Outcome(task.name, task.stem, ok=False, worker=os.getpid())
    try:
        assert _engine is not None and _fonts is not None, "_init() makes the engine and reads the fonts first"
        rendered = _engine.render(task.name, task.html, task.styles, Path(task.leaflet_folder),
                                  max_pages=task.max_pages, timeout=task.left, variant=task.variant,
                                  limit=task.timeout)
        outcome.warnings = [Diagnostic(task.name, 0, 0, "", w, "warning") for w in rendered.warnings]
        outcome.warnings += preflight.check(rendered.pdf, task.name, task.where or task.fit_label, _fonts)
        strict = [d for d in policy(outcome.warnings, strict=task.strict, refused=task.refused) if d.level == "error"]
        if task.fit_pages and rendered.pages > task.fit_pages:
            outcome.errors = [f"{task.name}: max_pages: {rendered.pages} pages ({task.fit_label}), more than its "
                              f"limit of {task.fit_pages} - shorten the text or raise max_pages"]
        elif strict:
            outcome.errors = [str(d) for d in strict]
        else:
            # Staged, not put in place: a worker killed after writing and before reporting must not leave a PDF
            # that the build would call failed and leave out of the manifest.
            try:
                outcome.staged = stage(Path(task.target), rendered.pdf)
            except OSError as exc:
                outcome.errors = [_unsaved(task, exc)]
                return _finished(outcome, started)
            outcome.ok = True
            outcome.pages, outcome.bytes, outcome.layouts = rendered.pages, len(rendered.pdf), rendered.layouts
            outcome.digest = hashlib.sha256(rendered.pdf).hexdigest()
    except PublisherError as exc:
        outcome.errors = exc.lines()
    except pdf.LimitReached:  # an alarm that fired just as the render finished
        outcome.errors = _timed_out(task)
    except Exception as exc:  # a WeasyPrint bug on odd input must not take the batch down
        outcome.errors = [f"{task.name}: render failed: {type(exc).__name__}: {exc}"]
    return _finished(outcome, started)


_peak_private = 0.0


def _finished(outcome: Outcome, started: float) -> Outcome:
    global _peak_private
    outcome.seconds = time.perf_counter() - started
    outcome.peak_rss_mb = processes.peak_rss_mb()
    # Read after each leaflet: the C libraries keep what a render took (see RECYCLE_AFTER), so this is the peak.
    _peak_private = max(_peak_private, processes.private_mb())
    outcome.peak_private_mb = _peak_private
    return outcome


def _unsaved(task: Task, exc: OSError) -> str:
    return (f"{task.name}: could not save {Path(exc.filename or task.target).name}: {exc.strerror or exc} - free "
            "some space, or fix or change the output folder (the previous PDF is kept)")


def _put_in_place(outcome: Outcome, task: Task | None) -> Outcome:
    """Move a reported PDF from where its worker staged it to its target (the build process's step, see render)."""
    if outcome.ok and outcome.staged and task is not None:
        try:
            commit_staged(outcome.staged, Path(task.target))
        except OSError as exc:
            outcome.ok, outcome.errors = False, [_unsaved(task, exc)]
    return outcome


def _timed_out(task: Task) -> list:
    return [f"{task.name}: took more than {task.timeout:g} s to render, the limit - shorten the leaflet, or raise "
            "the limit with --timeout"]


# The parent stops a worker this long after the worker's own alarm should have fired: time spent inside Pango's
# C code cannot be interrupted by a signal handler. In Python code the alarm acts within milliseconds.
GRACE = 1.0
# A worker is replaced after this many leaflets: its Python objects stay level, but WeasyPrint's C libraries grow
# by about 40 KB a PDF and never give it back. The replacement comes from the fork server (processes.start_method),
# not from the catalogue-holding build process; a fresh engine costs about 0.2 s, 1% of 100 leaflets' renders.
RECYCLE_AFTER = 100
# The longest the build process waits for its workers at a time: a signal taken by another thread (audio's) or
# landing just before the wait does not end it, and Python acts on Ctrl-C only when the main thread runs again.
WAKE = 0.25


class Renderer:
    """Renders tasks on worker processes (one or more): only a separate process can be stopped inside C code.

    Start it as soon as work is known to be coming, so workers set up their
    engines while this process is still validating; submit tasks as they
    are ready; `finish` reports every outcome through `on_outcome`; `close`
    stops the workers and removes their temporary files, whatever happened.
    """

    def __init__(self, project: Project, jobs: int, on_outcome):
        self.project = project
        self.jobs = jobs
        self.on_outcome = on_outcome
        self.workers: list[_Worker] = []
        self.pending: list[Task] = []
        self.started = False
        self.temp: Path | None = None
        self.failed_starts = 0
        self.why_not_started = "it died while starting"

    def start(self, expected: int, styles: tuple = ()) -> None:
        """Get ready for about `expected` tasks, most of them with these stylesheets (project-relative paths)."""
        if self.started or expected == 0:
            return
        self.started = True
        remove_stale_temp_folders()
        # WeasyPrint keeps the fonts of each @font-face in a folder of its own under the
        # temporary folder, removed only when its font configuration is garbage collected;
        # a killed worker never gets there. Everything goes into one folder per build instead.
        self.temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
        # Imported here once, before forking: each worker then starts at once with it, and a
        # process that builds many times (a server, the tests) pays for the import only once.
        with temporary_files_in(self.temp):  # finding its C libraries writes temporary files too
            pdf._weasyprint()
        count = max(1, min(self.jobs, expected))
        _warm(self.project, styles, count)  # its fonts' folder outlives this build's, as the engine is kept
        # Fresh workers per build: each takes this process's engine, or makes its own if the styles changed since.
        for _ in range(count):
            self.workers.append(_Worker(self.project, self.temp))

    def submit(self, task: Task) -> None:
        self.start(1, task.styles)
        self.pending.append(task)
        self._dispatch()

    def finish(self) -> None:
        """Wait for every task; a worker that dies or overruns fails only the leaflet it was rendering."""
        while self.pending or any(w.task for w in self.workers):
            self._dispatch()
            busy = [w for w in self.workers if w.task]
            waiting = [w for w in self.workers if not w.ready]
            deadlines = [w.deadline for w in busy]
            timeout = min(max(0.0, min(deadlines) - time.monotonic()), WAKE) if deadlines else WAKE
            objects = [w.conn for w in busy + waiting] + [w.process.sentinel for w in busy + waiting]
            if not objects:  # every worker failed to start
                for task in self.pending:
                    self.on_outcome(Outcome(task.name, task.stem, ok=False, errors=[
                        f"{task.name}: no worker process could be started to render it ({self.why_not_started}) - "
                        "check the installation (python build.py check runs without one)"]))
                self.pending = []
                break
            multiprocessing.connection.wait(objects, timeout)
            for worker in list(self.workers):
                self._check(worker)

    def _check(self, worker: _Worker) -> None:
        """Take a worker's answer, or notice that it died or overran, and replace it then."""
        message = worker.receive()
        if message == "ready":
            return
        if isinstance(message, tuple):  # ("unavailable", why): its engine could not be set up
            self.why_not_started = message[1]
            message = _DEAD
        if isinstance(message, Outcome):
            task, worker.task = worker.task, None
            worker.done += 1
            self.on_outcome(_put_in_place(message, task))
            if worker.done >= RECYCLE_AFTER:
                worker.stop()
                self.workers.remove(worker)
                self.workers.append(_Worker(self.project, self.temp, True))
            return
        errors: list | None
        if worker.task and time.monotonic() >= worker.deadline:
            errors = _timed_out(worker.task)
        elif not worker.process.is_alive() or message is _DEAD:
            errors = [f"{worker.task.name}: the worker process rendering it died (killed or crashed) - the previous "
                      "PDF, if any, is kept"] if worker.task else None
            if not worker.task and not worker.ready:
                self.failed_starts += 1
        else:
            return
        task = worker.task
        worker.stop()
        if task:
            _remove_partial(task)
            self.on_outcome(Outcome(task.name, task.stem, ok=False, errors=errors or [], worker=worker.process.pid or 0))
        self.workers.remove(worker)
        if self.pending and self.failed_starts < 3:
            self.workers.append(_Worker(self.project, self.temp))

    def poll(self, wait: float = 0.0) -> None:
        """Give waiting tasks to idle workers, first waiting up to `wait` s for one to be ready: called between the
        outputs made in this process, so the PDFs render meanwhile (and their time limits run while they do)."""
        until = time.monotonic() + wait
        while self.pending and not any(w.ready for w in self.workers) and self.workers and time.monotonic() < until:
            if multiprocessing.connection.wait([w.conn for w in self.workers], min(WAKE, until - time.monotonic())):
                break
        for worker in list(self.workers):
            self._check(worker)
        self._dispatch()

    def _dispatch(self) -> None:
        for worker in self.workers:
            if not self.pending:
                return
            if worker.ready and worker.task is None:
                worker.give(self.pending.pop(0))

    def close(self) -> None:
        """Stop every worker (killing any still rendering) and remove this build's temporary folder."""
        for worker in self.workers:
            worker.stop()
            if worker.task:  # killed while it may have been writing (a whole process group stopped at once)
                _remove_partial(worker.task)
        self.workers = []
        if self.temp:
            shutil.rmtree(self.temp, ignore_errors=True)


_DEAD = object()


def _warm(project: Project, styles: tuple, workers: int) -> None:
    """Parse the stylesheets and load their fonts here, once, for every worker forked from this process to inherit
    (and the next build in this process to reuse); spawned workers (Windows, macOS) parse them themselves."""
    if not styles or processes.start_method(replacement=False) != "fork":
        return
    try:
        engine = pdf.engine_for(project)
        if workers == 1:  # the warm-up render's first-use costs would be paid once either way: only the parsing
            engine.stylesheets(styles)
            return
        rendered = engine.warm(styles)
        if rendered:  # and the preflight's first-use costs: pdfium loaded, the shipped fonts' characters read
            preflight.check(rendered.pdf, "warm-up", "", preflight.shipped_fonts(project.styles))
    except (Exception, pdf._weasyprint().urls.FatalURLFetchingError):
        pass  # a refused stylesheet is each leaflet's error, told by the worker that renders it


class _Worker:
    """One worker process, its pipe, and the task it is rendering."""

    def __init__(self, project: Project, temp: Path | None, replacement: bool = False):
        context: Any = multiprocessing.get_context(processes.start_method(replacement))
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, str(project.root), os.getpid(), str(temp)),
                                       daemon=True)
        # Objects that exist now are left out of the worker's cycle collections: a collection writes to every
        # object it looks at, which would copy the whole build process (the loaded catalogue) into each worker.
        gc.freeze()
        try:
            self.process.start()
        finally:
            gc.unfreeze()
        child.close()
        self.ready = False
        self.done = 0  # leaflets rendered
        self.task: Task | None = None
        self.deadline = 0.0

    def give(self, task: Task) -> None:
        self.task = task
        # The grace shrinks with a short limit, so the whole leaflet stays within about twice its limit.
        self.deadline = time.monotonic() + (task.left + min(GRACE, task.left / 2 + 0.5) if task.timeout > 0 else 1e9)
        self.conn.send(task)

    def receive(self):
        """The worker's next message, None when it has none yet, or _DEAD when its pipe closed."""
        try:
            if not self.conn.poll():
                return None
            message = self.conn.recv()
        except (EOFError, OSError):
            return _DEAD
        if message == "ready":
            self.ready = True
        return message

    def stop(self) -> None:
        """Ask an idle worker to leave; kill a busy one, or one that does not leave at once."""
        with contextlib.suppress(OSError):
            if self.task is None and self.process.is_alive():
                self.conn.send(None)
                self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(conn, root: str, parent: int, temp: str) -> None:
    """A worker's life: render the tasks the parent sends, one at a time, until told to stop or orphaned."""
    # Ctrl-C reaches the whole process group; the parent decides what happens to workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Not the parent's orderly stop: a worker just ends. SIGHUP is POSIX only; Windows has SIGTERM alone.
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)
    processes.die_with(parent)
    tempfile.tempdir = os.environ["TMPDIR"] = temp
    try:
        _init(root)
    except Exception as exc:  # told to the parent, which says it once, instead of a traceback per worker
        conn.send(("unavailable", f"{type(exc).__name__}: {exc}"))
        return
    conn.send("ready")
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(render(task))


def _remove_partial(task: Task) -> None:
    """The temporary files of a worker killed while writing (a later build would remove them too)."""
    target = Path(task.target)
    for path in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(OSError):
            path.unlink()
