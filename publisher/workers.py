"""Render PDFs in worker processes, each paying WeasyPrint's start-up once."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import multiprocessing
import os
import resource
import time
from pathlib import Path

from . import pdf
from .content import Project
from .errors import PublisherError


@dataclasses.dataclass
class Task:
    """One leaflet to render: everything a worker needs, and nothing it must look up."""

    name: str  # the leaflet file as shown to users
    stem: str  # the output's name without .pdf, e.g. 'x' or 'x.large-print'
    html: str  # without stylesheet links; the worker applies the parsed stylesheets
    styles: tuple  # project-relative stylesheet paths, in cascade order
    target: str  # the PDF path
    leaflet_folder: str  # images may also come from here (Project.asset_roots decides)
    strict: bool
    preview: str | None = None  # HTML to write beside the PDF, with --html
    preview_target: str | None = None
    max_pages: int = pdf.MAX_PAGES
    timeout: float = pdf.TIMEOUT
    variant: str | None = pdf.DEFAULT_VARIANT
    fit_pages: int | None = None  # the leaflet's own max_pages for this edition
    fit_label: str = ""  # e.g. "A4, standard edition", for the fit message


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
    peak_rss_mb: float = 0.0


_engine: pdf.Engine | None = None


def _init(root: str) -> None:
    global _engine
    _engine = pdf.Engine(Project(root))


def render(task: Task) -> Outcome:
    """Render one task with this process's engine; never raises for a leaflet's own fault."""
    started = time.perf_counter()
    outcome = Outcome(task.name, task.stem, ok=False, worker=os.getpid())
    try:
        rendered = _engine.render(task.name, task.html, task.styles, Path(task.leaflet_folder),
                                  max_pages=task.max_pages, timeout=task.timeout, variant=task.variant)
        outcome.warnings = [f"{task.name}: warning: {w}" for w in rendered.warnings]
        if task.fit_pages and rendered.pages > task.fit_pages:
            outcome.errors = [f"{task.name}: max_pages: {rendered.pages} pages ({task.fit_label}), more than its "
                              f"limit of {task.fit_pages} - shorten the text or raise max_pages"]
        elif task.strict and rendered.warnings:
            outcome.errors = [f"{task.name}: error: {w} (--strict turns WeasyPrint warnings into errors)"
                              for w in rendered.warnings]
        else:
            pdf.write_atomic(Path(task.target), rendered.pdf)
            if task.preview_target:
                pdf.write_atomic(Path(task.preview_target), task.preview.encode("utf-8"))
            outcome.ok = True
            outcome.pages, outcome.bytes = rendered.pages, len(rendered.pdf)
            outcome.digest = hashlib.sha256(rendered.pdf).hexdigest()
    except PublisherError as exc:
        outcome.errors = exc.lines()
    except pdf.LimitReached:  # an alarm that fired just as the render finished
        outcome.errors = [f"{task.name}: took more than {task.timeout:g} s to render, the limit - shorten the "
                          "leaflet, or raise the limit with --timeout"]
    except Exception as exc:  # a WeasyPrint bug on odd input must not take the batch down
        outcome.errors = [f"{task.name}: render failed: {type(exc).__name__}: {exc}"]
    outcome.seconds = time.perf_counter() - started
    outcome.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return outcome


def _noop() -> None:
    """Submitted once so the pool starts its workers (and their WeasyPrint import) straight away."""


class Renderer:
    """Renders tasks on worker processes, or in this process when one is enough.

    Start it as soon as work is known to be coming, so workers import
    WeasyPrint while this process is still validating; submit tasks as they
    are ready; `finish` reports every outcome through `on_outcome`.
    """

    def __init__(self, project: Project, jobs: int, on_outcome):
        self.project = project
        self.jobs = jobs
        self.on_outcome = on_outcome
        self.pool = None
        self.futures: dict = {}
        self.started = False

    def start(self, expected: int) -> None:
        """Get ready for about `expected` tasks."""
        if self.started or expected == 0:
            return
        self.started = True
        if self.jobs > 1 and expected > 1:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                min(self.jobs, expected), mp_context=_context(), initializer=_init, initargs=(str(self.project.root),))
            self.pool.submit(_noop)
        else:
            _init(str(self.project.root))  # a fresh engine per build: styles may have changed since the last one

    def submit(self, task: Task) -> None:
        self.start(1)
        if self.pool is None:
            self.on_outcome(render(task))
        else:
            self.futures[self.pool.submit(render, task)] = task

    def finish(self) -> None:
        """Wait for every task; a crashed worker fails only the leaflet it was rendering."""
        if self.pool is None:
            return
        crashed: list[Task] = []
        try:
            for future in concurrent.futures.as_completed(self.futures):
                try:
                    self.on_outcome(future.result())
                except concurrent.futures.process.BrokenProcessPool:
                    crashed.append(self.futures[future])
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        # The pool cannot say which leaflet killed a worker (killed, out of memory, a
        # crash in a C library), so retry the unfinished ones one at a time, each alone.
        for task in crashed:
            _run_isolated(self.project, task, self.on_outcome)


def _context():
    # fork: workers share this process's imports and start in milliseconds.
    return multiprocessing.get_context("fork") if os.name == "posix" else None


def _run_isolated(project: Project, task: Task, on_outcome) -> None:
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=_context(), initializer=_init,
                                                initargs=(str(project.root),)) as pool:
        try:
            on_outcome(pool.submit(render, task).result())
        except concurrent.futures.process.BrokenProcessPool:
            on_outcome(Outcome(task.name, task.stem, ok=False,
                               errors=[f"{task.name}: the worker process rendering it died (killed or crashed) - "
                                       "the previous PDF, if any, is kept"]))
