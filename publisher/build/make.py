"""Make: render a build's planned outputs (PDFs in the worker processes, the rest here) and record each one."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time

from publisher.build import manifest
from publisher.build.plan import Run
from publisher.build.results import Result
from publisher.core import deadline, editions
from publisher.core.errors import PublisherError, policy
from publisher.core.files import write_atomic
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.outputs.naming import STEM
from publisher.outputs.pdf import preflight, workers
from publisher.render import html
from publisher.source import content, markdown

WORKER_START = 10.0  # seconds to wait for a worker to start before making the outputs made in this process


def output_key(stem: str, edition: str) -> str:
    """The PDF's file name without its suffix: 'x' for the standard edition, 'x.large-print' for the other."""
    return naming.name(stem, None, edition).removesuffix(".pdf")


def output_name(stem: str, edition: str = editions.DEFAULT_EDITION, output: str = "pdf",
                language: str | None = None) -> str:
    """An output's file name for a leaflet stem (and a translation's language); stems are checked when planned."""
    if not STEM.match(stem) or ".." in stem:  # never reached for a planned leaflet; a guard, not a message
        raise ValueError(f"unsafe output name {stem!r}")
    return naming.name(stem, language, edition, output)


def leaflet_output(leaflet: content.Leaflet, output: outputs.Output, edition: str) -> str:
    """The file name of one output of a validated leaflet, keyed (source stem, language, edition).

    A translation's file is named <source>.<language>.yaml (content.py checks it), so this is
    also the name planned from the file's stem before it is read.
    """
    return naming.name(leaflet.source_stem, leaflet.output_language, edition, output)


def about(leaflet: content.Leaflet) -> dict:
    """What the catalogue site shows of a leaflet, kept in its manifest entries."""
    data = leaflet.data
    return {"title": data["title"], "summary": markdown.plain(data["summary"]),
            "reference": data["reference"], "version": data["version"], "language": data["language"],
            "keywords": list(data.get("keywords", []))}


def made_from(run: Run, leaflet: content.Leaflet, warnings: list, digest: str, pages: int, size: int,
              output: outputs.Output | None = None) -> manifest.Entry:
    """What one output of `leaflet` was made from, for the manifest, whichever format it is."""
    people = run.inputs.people or {}
    return manifest.Entry(
        source=leaflet.name, leaflet=output.input_digest(leaflet.digest, leaflet.path) if output else leaflet.digest,
        next_review=leaflet.data["dates"]["next_review"],
        overdue=leaflet.overdue, warnings=[dataclasses.asdict(w) for w in warnings], waived=leaflet.waived,
        people={pid: manifest.digest_json(people[pid]) for pid in leaflet.people_ids()},
        images=run.images[leaflet.stem], brand=run.brand_digest, shared=run.shared, digest=digest, pages=pages,
        bytes=size, language=leaflet.language, translation_of=leaflet.translation_of or "", about=about(leaflet))


def finished(run: Run, outcome: workers.Outcome) -> None:
    """Record what a worker made (or why it could not)."""
    leaflet = run.by_key[outcome.stem]
    run.peaks[outcome.worker] = max(run.peaks.get(outcome.worker, 0), outcome.peak_rss_mb)
    run.private_peaks[outcome.worker] = max(run.private_peaks.get(outcome.worker, 0), outcome.peak_private_mb)
    run.layouts += outcome.layouts
    if outcome.ok:
        run.record.entries[outcome.stem] = made_from(run, leaflet, leaflet.warnings + outcome.warnings,
                                                     outcome.digest, outcome.pages, outcome.bytes)
        result = Result(leaflet.name, "built", str(run.out / outcome.stem), outcome.pages, outcome.bytes,
                        outcome.seconds, warnings=[str(w) for w in leaflet.warnings + outcome.warnings],
                        language=leaflet.language)
    else:
        result = Result(leaflet.name, "failed", seconds=outcome.seconds, errors=outcome.errors,
                        warnings=[str(w) for w in outcome.warnings])
    run.add(result)


def submit(run: Run, catalogue: content.Catalogue, renderer: workers.Renderer) -> list:
    """Give the workers every PDF to render; the outputs made in this process, (leaflet, output, edition)."""
    in_process = []
    for leaflet in run.leaflets:
        # Hashed before rendering: an image edited mid-build must not count as built.
        run.images.setdefault(leaflet.stem, {image: manifest.digest_file(run.project.root / image)
                                             for image in leaflet.images(run.project)})
        for output, edition in run.wanted[leaflet.stem]:
            if output.render is not None:
                in_process.append((leaflet, output, edition))
                continue
            began = time.monotonic()
            try:
                task = _task(catalogue, leaflet, run, edition)
                task.spent = run.spent.get(leaflet.name, 0.0) + time.monotonic() - began
            except PublisherError as exc:
                run.add(Result(leaflet.name, "failed", errors=exc.lines()))
                continue
            run.by_key[task.stem] = leaflet
            renderer.submit(task)
    return in_process


def make_here(run: Run, catalogue: content.Catalogue, renderer: workers.Renderer, in_process: list) -> None:
    """Make the light outputs in this process while the workers render PDFs."""
    options = run.options
    for number, (leaflet, output, edition) in enumerate(in_process):
        renderer.poll(wait=WORKER_START if number == 0 else 0.0)
        with deadline.within(options.timeout - run.spent.get(leaflet.name, 0.0), leaflet.name, options.timeout):
            job = outputs.Job(catalogue, leaflet, edition, run.made.paper, options.marks)
            result = _make(run, leaflet, output, job)
        run.add(result)


def _make(run: Run, leaflet: content.Leaflet, output: outputs.Output, job: outputs.Job) -> Result:
    """Make one in-process output, write it atomically and record it: its Result."""
    key = leaflet_output(leaflet, output, job.edition)
    started = time.perf_counter()
    assert output.render is not None  # only in-process outputs come here
    try:
        data = output.render(job)
        deadline.check()  # a step that could not be interrupted (the web page's) finished late: still too slow
        found = _preflight(leaflet, output, job, data, run.options)
        if any(d.level == "error" for d in found):
            return Result(leaflet.name, "failed", errors=[str(d) for d in found if d.level == "error"],
                          warnings=[str(w) for w in leaflet.warnings])
        write_atomic(run.out / key, data)
    except outputs.Unavailable as exc:
        return _unavailable(run, leaflet, key, exc)
    except PublisherError as exc:
        return Result(leaflet.name, "failed", errors=exc.lines())
    except OSError as exc:
        return Result(leaflet.name, "failed", errors=[
            f"{leaflet.name}: could not save {key}: {exc.strerror or exc} - free some space, or fix or change the "
            f"output folder (the previous {key} is kept)"])
    except Exception as exc:  # a bug on odd input must not take the batch down
        return Result(leaflet.name, "failed", errors=[f"{leaflet.name}: {output.name} failed: "
                                                      f"{type(exc).__name__}: {exc}"])
    pages = output.count_pages(data) if output.count_pages else 0
    run.record.entries[key] = made_from(run, leaflet, leaflet.warnings + found, manifest.digest_bytes(data), pages,
                                        len(data), output)
    return Result(leaflet.name, "built", str(run.out / key), pages, len(data), time.perf_counter() - started,
                  warnings=[str(w) for w in leaflet.warnings + found], language=leaflet.language)


def _unavailable(run: Run, leaflet: content.Leaflet, key: str, exc: outputs.Unavailable) -> Result:
    """Not a failure of the leaflet: this format cannot be made for it here (no braille table, no voice)."""
    # An older file of it would now be out of date, so it goes.
    if key in run.record.entries:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(run.out / key)
        del run.record.entries[key]
    return Result(leaflet.name, "skipped", str(run.out / key), warnings=[str(exc)])


def _preflight(leaflet: content.Leaflet, output: outputs.Output, job: outputs.Job, data: bytes, options) -> list:
    """A paged output's preflight findings (pdf's are found in its worker), --strict and publishing applied."""
    if not output.paged or not data.startswith(b"%PDF"):
        return []
    where = preflight.describe(leaflet.language, editions.PAPERS[output.paper or job.paper].label,
                               editions.EDITIONS[job.edition].label, output.label)
    proof = output.proof(job) if output.proof else data
    found = preflight.check(proof, leaflet.name, where, preflight.shipped_fonts(job.catalogue.project.styles))
    return policy(found, strict=options.strict, refused=_refused(options))


def _refused(options) -> frozenset:
    return preflight.REFUSED_IN_PUBLISHING if options.publish else frozenset()


def stylesheets(run: Run) -> tuple:
    """Every stylesheet this run's PDFs may use (each edition, each direction, Easy Read), for workers to start with."""
    paper, marks = run.made.paper, run.options.marks
    sheets = [*html.easy_read_stylesheets(paper, marks=marks)]
    for edition in editions.EDITIONS:
        sheets += html.stylesheets(paper, edition, marks, "rtl")
    return tuple(dict.fromkeys(sheets))


def _task(catalogue: content.Catalogue, leaflet: content.Leaflet, run: Run, edition: str) -> workers.Task:
    options, paper = run.options, run.made.paper
    key = output_name(leaflet.source_stem, edition, language=leaflet.output_language)
    limit = leaflet.data.get("max_pages")
    if isinstance(limit, dict):
        limit = limit.get(edition)
    return workers.Task(
        name=leaflet.name, stem=key,
        html=html.render_html(catalogue, leaflet, paper, link_styles=False, edition=edition, marks=options.marks),
        styles=tuple(html.easy_read_stylesheets(paper, edition, options.marks) if leaflet.easy_read_of
                     else html.stylesheets(paper, edition, options.marks, html.direction(leaflet))),
        target=str(run.out / key), leaflet_folder=str(leaflet.path.parent),
        strict=options.strict, refused=_refused(options), max_pages=options.max_pages, timeout=options.timeout,
        variant=options.variant,
        fit_pages=limit, fit_label=f"{editions.PAPERS[paper].label}, {editions.EDITIONS[edition].label}",
        where=preflight.describe(leaflet.language, editions.PAPERS[paper].label, editions.EDITIONS[edition].label))
