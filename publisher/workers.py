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
    stem: str
    html: str  # without a stylesheet link; the worker applies the parsed stylesheet
    paper: str
    target: str  # the PDF path
    extra_roots: list  # folders besides the project's own that images may come from
    strict: bool
    preview: str | None = None  # HTML to write beside the PDF, with --html
    preview_target: str | None = None


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
        rendered = _engine.render(task.name, task.html, task.paper, [Path(p) for p in task.extra_roots])
        outcome.warnings = [f"{task.name}: warning: {w}" for w in rendered.warnings]
        if task.strict and rendered.warnings:
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
    except Exception as exc:  # a WeasyPrint bug on odd input must not take the batch down
        outcome.errors = [f"{task.name}: render failed: {type(exc).__name__}: {exc}"]
    outcome.seconds = time.perf_counter() - started
    outcome.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return outcome


def run(project: Project, tasks: list[Task], jobs: int, on_outcome) -> None:
    """Render every task on `jobs` processes (in this process when one is enough); call `on_outcome` as each ends."""
    if not tasks:
        return
    if jobs <= 1 or len(tasks) == 1:
        _init(str(project.root))  # a fresh engine per build: styles may have changed since the last one
        for task in tasks:
            on_outcome(render(task))
        return
    pending = list(tasks)
    crashed: list[Task] = []
    context = multiprocessing.get_context("fork") if os.name == "posix" else None
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context,
                                                initializer=_init, initargs=(str(project.root),)) as pool:
        futures = {pool.submit(render, task): task for task in pending}
        try:
            for future in concurrent.futures.as_completed(futures):
                try:
                    on_outcome(future.result())
                except concurrent.futures.process.BrokenProcessPool:
                    crashed.append(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    # A worker died (killed, out of memory, a crash in a C library): the pool cannot
    # say which leaflet did it, so retry the unfinished ones one at a time, each alone.
    for task in crashed:
        _run_isolated(project, task, on_outcome)


def _run_isolated(project: Project, task: Task, on_outcome) -> None:
    context = multiprocessing.get_context("fork") if os.name == "posix" else None
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context, initializer=_init,
                                                initargs=(str(project.root),)) as pool:
        try:
            on_outcome(pool.submit(render, task).result())
        except concurrent.futures.process.BrokenProcessPool:
            on_outcome(Outcome(task.name, task.stem, ok=False,
                               errors=[f"{task.name}: the worker process rendering it died (killed or crashed) - "
                                       "the previous PDF, if any, is kept"]))
