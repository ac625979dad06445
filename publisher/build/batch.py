"""Batch: plan the catalogue (unchanged, to render, invalid, removed), render in parallel, record the manifest."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import os
import re
import time
from pathlib import Path

from publisher.build import archive, manifest, settings
from publisher.core import clock, deadline, editions
from publisher.core.errors import Diagnostic, Problem, PublisherError, UsageError, from_dict, policy
from publisher.core.files import write_atomic
from publisher.govern import governance, plainwords
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.outputs.naming import STEM, file_problem
from publisher.outputs.pdf import engine as pdf
from publisher.outputs.pdf import preflight, workers
from publisher.render import html
from publisher.site import catalogue as site
from publisher.source import content, markdown


@dataclasses.dataclass
class Result:
    """What happened to one leaflet."""

    name: str  # the leaflet file as shown to users
    status: str  # "built", "unchanged", "removed", "skipped" (format unavailable for it, with a note) or "failed"
    output: str | None = None
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    errors: list = dataclasses.field(default_factory=list)  # of str
    warnings: list = dataclasses.field(default_factory=list)  # of str
    language: str = ""  # of the output: the leaflet's language tag (empty when the leaflet could not be read)
    # The errors that are located in a file, kept structured (for the preview server's pages).
    diagnostics: list = dataclasses.field(default_factory=list)  # of Diagnostic


@dataclasses.dataclass
class Report:
    """The outcome of one run over the catalogue."""

    results: list
    shared_errors: list  # of str: problems in people.yaml and brand.yaml
    seconds: float = 0.0
    workers: int = 1
    worker_peak_rss_mb: dict = dataclasses.field(default_factory=dict)  # pid -> MB
    layouts: int = 0  # PDF pages laid out by the workers; more than the pages made when some were laid out again

    @property
    def failed(self) -> list:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.shared_errors

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


LOCK_TIMEOUT = 600.0
WORKER_START = 10.0  # seconds to wait for a worker to start before making the outputs made in this process


class OutputError(PublisherError):
    """The output folder cannot be written (read-only, full, not a folder)."""


@dataclasses.dataclass
class Options:
    """How to build."""

    out: Path
    jobs: int = 1
    force: bool = False
    formats: tuple | None = None  # output names (see outputs.REGISTRY); None: the brand's formats
    add_formats: tuple = ()  # made as well, e.g. ("preview",) for --html
    strict: bool = False
    shard: tuple | None = None  # (k, n), 1-based
    paper: str | None = None  # None: the brand's paper
    editions: tuple | None = None  # None: the brand's editions
    marks: bool = False  # bleed and crop marks
    variant: str = pdf.DEFAULT_VARIANT
    max_pages: int = pdf.MAX_PAGES
    timeout: float = pdf.TIMEOUT
    today: datetime.date = dataclasses.field(default_factory=clock.today)
    allow_expired: bool = False  # build overdue leaflets, marked as overdue
    lock_timeout: float | None = LOCK_TIMEOUT  # seconds to wait for another build into the same folder
    site: bool = True  # a full build (not a shard's) also writes the catalogue site, index.html
    # False for a preview (build.py serve): nothing is archived, and a changed published version is not refused
    # while its author works on it. Its files count as made with other options, so the next publishing build
    # makes them again and checks them against the archive.
    publish: bool = True


def output_key(stem: str, edition: str) -> str:
    """The PDF's file name without its suffix: 'x' for the standard edition, 'x.large-print' for the other."""
    return naming.name(stem, None, edition).removesuffix(".pdf")


def resolved(project: content.Project, options: Options, brand: dict | None) -> settings.Settings:
    """This build's settings: the command line's choices over the brand's."""
    return settings.resolve(project, brand, options.out, options.paper, options.editions, options.formats,
                            options.add_formats)


def invalid(catalogue: content.Catalogue) -> list:
    """A failed Result for each leaflet that did not validate."""
    return [Result(catalogue.project.relative(path), "failed", errors=[str(p) for p in problems],
                   diagnostics=[p for p in problems if isinstance(p, Diagnostic)])
            for path, problems in catalogue.failures.items()]




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


def parse_shard(text: str) -> tuple:
    """'2/4' -> (2, 4)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"Error: shard '{text}' must be K/N with 1 <= K <= N, e.g. 1/4")
    return int(match[1]), int(match[2])


def shard_from_environment(environ) -> tuple | None:
    """This machine's shard from a CI matrix (CI_NODE_INDEX/CI_NODE_TOTAL, 1-based) or a Kubernetes Indexed Job
    (JOB_COMPLETION_INDEX, 0-based, with the completion count in JOB_COMPLETIONS), or None outside both."""
    index, total = environ.get("CI_NODE_INDEX"), environ.get("CI_NODE_TOTAL")
    if index and total:
        return parse_shard(f"{index}/{total}")
    index = environ.get("JOB_COMPLETION_INDEX")
    if index is None:
        return None
    total = environ.get("JOB_COMPLETIONS", "")
    if not total:
        raise UsageError("Error: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but JOB_COMPLETIONS is not - "
                         "set it to the Job's completions, e.g. 8, or give --shard K/N")
    if not (index.isdigit() and total.isdigit() and int(index) < int(total)):
        raise UsageError(f"Error: JOB_COMPLETION_INDEX={index} with JOB_COMPLETIONS={total}: the index must be "
                         "0 to JOB_COMPLETIONS - 1 - give the Job's completions in JOB_COMPLETIONS")
    return int(index) + 1, int(total)


def in_shard(stem: str, shard: tuple | None) -> bool:
    """Whether a leaflet belongs to this shard: by a hash of its stem, so adding one never moves the others."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(stem.encode()).hexdigest(), 16) % n == k - 1


def build(project: content.Project, options: Options, paths: list[Path] | None = None,
          on_result=None, on_start=None, on_shared=None, on_wait=None) -> Report:
    """Build the catalogue (or `paths`) into options.out.

    `on_start` is told how many leaflets this run covers; `on_shared` gets the
    problems in people.yaml and brand.yaml first; `on_result` sees each Result as it is known;
    `on_wait` is told who holds the output folder when another build is writing there.
    """
    started = time.perf_counter()
    emit = on_result or (lambda result: None)
    out = Path(options.out)
    with contextlib.ExitStack() as stack:
        try:
            out.mkdir(parents=True, exist_ok=True)
            stack.enter_context(manifest.locked(out, options.lock_timeout, on_wait))
        except OSError as exc:
            raise _output_error(project, out, exc, "cannot write to")
        return _build(project, options, paths, emit, on_start, on_shared, started)


def _output_error(project: content.Project, out: Path, exc: OSError, what: str,
                  fix: str = "choose another --out, or fix its permissions or free some space; the previous PDFs "
                             "are kept") -> OutputError:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return OutputError(f"Error: the output folder {project.relative(out)} is a file - give a folder with --out")
    return OutputError(f"Error: {what} the output folder {project.relative(out)}: {exc.strerror or exc} - {fix}")


def _build(project, options, paths, emit, on_start, on_shared, started) -> Report:
    out = Path(options.out)
    manifest.remove_stale_temporaries(out)
    files = [p for p in (paths if paths is not None else project.leaflet_files()) if in_shard(Path(p).stem, options.shard)]

    brand, brand_problems = content.load_brand(project)
    people, people_problems = content.load_people(project)
    words, word_problems = plainwords.load(project)
    style_findings = governance.check_styles(project) + word_problems
    shared_errors = [str(p) for p in brand_problems + people_problems] + [str(f) for f in style_findings]
    if on_shared and shared_errors:
        on_shared(shared_errors)
    record = manifest.Manifest.load(out)
    chosen = resolved(project, options, brand)
    paper, plan = chosen.paper, chosen.plan()
    def planned(stem: str) -> list:
        """The outputs this leaflet has: a format for some leaflets only (bilingual) is left out of the others'."""
        return [(o, e) for o, e in plan if o.made_for(brand, stem)]

    if on_start:
        on_start(sum(len(planned(Path(p).stem)) for p in files))
    shared = manifest.global_digest(project, {"paper": paper, "marks": options.marks, "variant": options.variant,
                                              "publish": options.publish})
    brand_digest = manifest.brand_digest(project, brand) if brand else ""
    # The archive keeps what each published version said; presentation is recorded as `made_by`.
    keeping = options.publish and archive.enabled(brand)
    archive_root = archive.folder(project, out)
    made_by = manifest.digest_bytes(f"{shared}:{brand_digest}".encode())

    results, leaflets, failures, to_validate, wanted = [], [], {}, [], {}
    for path in files:
        stem = Path(path).stem
        problem = file_problem(project, path)
        if problem:
            failures[Path(path)] = [problem]
            continue
        wanted[stem] = planned(stem)
        if brand is not None and people is not None and not style_findings and not options.force:
            digest = content.input_digest(path, manifest.digest_file)  # a translation's with its source's
            for output, edition in planned(stem):
                key = naming.name(stem, None, edition, output)
                entry = record.unchanged(key, output.input_digest(digest, path), people, brand_digest, shared, project)
                due = datetime.date.fromisoformat(entry.next_review) if entry else datetime.date.min
                # A stale translation is checked again every build: its grace period runs out by the calendar.
                stale = entry is not None and any(w.get("rule") in ("translation-stale", "easy-read-stale")
                                                  for w in entry.warnings)
                if entry and not stale and entry.pages <= options.max_pages and (
                        due >= options.today or (options.allow_expired and entry.overdue)):
                    wanted[stem].remove((output, edition))
                    # Warnings recorded when it was built still stand; and the calendar moves
                    # on even when the leaflet does not.
                    dated: list[tuple[str, str]] = []
                    governance.add_date_findings(lambda rule, message, dated=dated: dated.append((rule, message)),
                                                 due, options.today)
                    warnings = [d for d in map(from_dict, entry.warnings) if d] + [
                        Diagnostic(project.relative(path), 0, 0, "", message, "warning", rule)
                        for rule, message in dated if rule == "review-due-soon" and rule not in entry.waived]
                    result = Result(project.relative(path), "unchanged", str(out / key),
                                    entry.pages, entry.bytes, warnings=[str(w) for w in warnings],
                                    language=entry.language)
                    if warnings and options.strict:
                        result = Result(project.relative(path), "failed",
                                        errors=[str(d) for d in policy(warnings, strict=True)])
                    results.append(result)
                    emit(result)
        if wanted[stem]:
            to_validate.append(path)

    peaks: dict = {}
    layouts = [0]
    by_key: dict = {}
    images: dict = {}  # stem -> {image path: digest}

    def made_from(leaflet: content.Leaflet, warnings: list, digest: str, pages: int, size: int,
                  output: outputs.Output | None = None) -> manifest.Entry:
        """What one output of `leaflet` was made from, for the manifest, whichever format it is."""
        return manifest.Entry(
            source=leaflet.name, leaflet=output.input_digest(leaflet.digest, leaflet.path) if output else leaflet.digest,
            next_review=leaflet.data["dates"]["next_review"],
            overdue=leaflet.overdue, warnings=[dataclasses.asdict(w) for w in warnings], waived=leaflet.waived,
            people={pid: manifest.digest_json(people[pid]) for pid in leaflet.people_ids()},
            images=images[leaflet.stem], brand=brand_digest, shared=shared, digest=digest, pages=pages, bytes=size,
            language=leaflet.language, translation_of=leaflet.translation_of or "", about=about(leaflet))

    def finished(outcome: workers.Outcome) -> None:
        leaflet = by_key[outcome.stem]
        peaks[outcome.worker] = max(peaks.get(outcome.worker, 0), outcome.peak_rss_mb)
        layouts[0] += outcome.layouts
        if outcome.ok:
            record.entries[outcome.stem] = made_from(leaflet, leaflet.warnings + outcome.warnings, outcome.digest,
                                                     outcome.pages, outcome.bytes)
            result = Result(leaflet.name, "built", str(out / outcome.stem), outcome.pages,
                            outcome.bytes, outcome.seconds, warnings=[str(w) for w in leaflet.warnings + outcome.warnings],
                            language=leaflet.language)
        else:
            result = Result(leaflet.name, "failed", seconds=outcome.seconds, errors=outcome.errors,
                            warnings=[str(w) for w in outcome.warnings])
        results.append(result)
        emit(result)

    renderer = workers.Renderer(project, options.jobs, finished)
    try:
        if brand is not None and people is not None:
            # Workers start and set up their engines now, while this process validates.
            renderer.start(sum(o.render is None for p in to_validate for o, _ in wanted[Path(p).stem]))
        broken = [name for name, problems in (("brand.yaml", brand_problems), ("people.yaml", people_problems),
                                              ("styles/", style_findings)) if problems]
        loaded: dict = {}  # a source is read once, whether built or only named by its translations
        spent: dict[str, float] = {}  # leaflet name -> seconds to load and check it: --timeout covers them too
        for path in to_validate:
            began = time.monotonic()
            leaflet, problems = content.load_leaflet(project, path, people, loaded)
            if leaflet:
                leaflet, problems = _govern(leaflet, brand, options, words)
            if leaflet and keeping and people is not None:
                found = archive.check(archive_root, project, leaflet, people, made_by, archive.cosmetic(brand))
                if found:
                    leaflet, problems = None, [str(p) for p in found]
            if leaflet and brand is not None and not style_findings:
                leaflets.append(leaflet)
                spent[leaflet.name] = time.monotonic() - began
            else:
                if not problems:  # valid as far as it can be checked, but what it depends on is broken
                    problems = [Problem(project.relative(path), 1, 1, "", f"not built until {' and '.join(broken)} "
                                        "is fixed (see the errors there)")]
                failures[Path(path)] = problems
        catalogue = content.Catalogue(project, brand, people, leaflets, failures, brand_problems + people_problems)
        # Every problem of every leaflet is reported before anything is rendered.
        for result in invalid(catalogue):
            results.append(result)
            emit(result)
        if paths is None:
            results += _remove_deleted(project, record, out, options.shard, emit)
        in_process = []
        for leaflet in leaflets:
            # Hashed before rendering: an image edited mid-build must not count as built.
            images.setdefault(leaflet.stem, {image: manifest.digest_file(project.root / image)
                                             for image in leaflet.images(project)})
            for output, edition in wanted[leaflet.stem]:
                if output.render is not None:
                    in_process.append((leaflet, output, edition))
                    continue
                began = time.monotonic()
                try:
                    task = _task(catalogue, leaflet, options, paper, edition)
                    task.spent = spent.get(leaflet.name, 0.0) + time.monotonic() - began
                except PublisherError as exc:
                    result = Result(leaflet.name, "failed", errors=exc.lines())
                    results.append(result)
                    emit(result)
                    continue
                by_key[task.stem] = leaflet
                renderer.submit(task)
        # Light outputs are made here while the workers render PDFs.
        for number, (leaflet, output, edition) in enumerate(in_process):
            renderer.poll(wait=WORKER_START if number == 0 else 0.0)
            with deadline.within(options.timeout - spent.get(leaflet.name, 0.0), leaflet.name, options.timeout):
                result = _make(leaflet, output, outputs.Job(catalogue, leaflet, edition, paper, options.marks), out,
                               record, made_from, options.strict)
            results.append(result)
            emit(result)
        renderer.finish()
        if keeping and people is not None:
            results += _archive(project, out, archive_root, leaflets, results, record, people, made_by, options.today,
                                emit)
    except BaseException:
        renderer.close()
        with contextlib.suppress(OSError):  # the first problem is the one to report
            record.save()
        raise
    renderer.close()
    # Also after failures: keep what was finished, so the next build does not redo it.
    try:
        record.save()
    except OSError as exc:
        raise _output_error(project, out, exc, "could not save the build manifest in",
                            "free some space or fix the folder's permissions; the PDFs are in place, and the next "
                            "build renders them again") from None
    if paths is None and options.shard is None and options.site:
        try:
            site.write(project, out, brand, options.today, record)
        except OSError as exc:
            raise _output_error(project, out, exc, "could not write the catalogue site (index.html) in") from None
    return Report(sorted(results, key=lambda r: (r.name, r.output or "")), shared_errors,
                  time.perf_counter() - started, min(options.jobs, max(len(by_key), 1)), peaks, layouts[0])


def about(leaflet: content.Leaflet) -> dict:
    """What the catalogue site shows of a leaflet, kept in its manifest entries."""
    data = leaflet.data
    return {"title": data["title"], "summary": markdown.plain(data["summary"]),
            "reference": data["reference"], "version": data["version"], "language": data["language"],
            "keywords": list(data.get("keywords", []))}


def _make(leaflet: content.Leaflet, output: outputs.Output, job: outputs.Job, out: Path, record: manifest.Manifest,
          made_from, strict: bool = False) -> Result:
    """Make one in-process output, write it atomically and record it (`made_from` gives the entry): its Result."""
    key = leaflet_output(leaflet, output, job.edition)
    started = time.perf_counter()
    assert output.render is not None  # only in-process outputs come here
    try:
        data = output.render(job)
        deadline.check()  # a step that could not be interrupted (the web page's) finished late: still too slow
        found = _preflight(leaflet, output, job, data, strict)
        if any(d.level == "error" for d in found):
            return Result(leaflet.name, "failed", errors=[str(d) for d in found if d.level == "error"],
                          warnings=[str(w) for w in leaflet.warnings])
        write_atomic(out / key, data)
    except outputs.Unavailable as exc:
        # Not a failure of the leaflet: this format cannot be made for it here (no braille table, no voice).
        # An older file of it would now be out of date, so it goes.
        if key in record.entries:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out / key)
            del record.entries[key]
        return Result(leaflet.name, "skipped", str(out / key), warnings=[str(exc)])
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
    record.entries[key] = made_from(leaflet, leaflet.warnings + found, manifest.digest_bytes(data), pages, len(data),
                                    output)
    return Result(leaflet.name, "built", str(out / key), pages, len(data), time.perf_counter() - started,
                  warnings=[str(w) for w in leaflet.warnings + found], language=leaflet.language)


def _preflight(leaflet: content.Leaflet, output: outputs.Output, job: outputs.Job, data: bytes, strict: bool) -> list:
    """A paged output's preflight findings (pdf's are found in its worker), --strict applied."""
    if not output.paged or not data.startswith(b"%PDF"):
        return []
    where = preflight.describe(leaflet.language, editions.PAPERS[output.paper or job.paper].label,
                               editions.EDITIONS[job.edition].label, output.label)
    proof = output.proof(job) if output.proof else data
    found = preflight.check(proof, leaflet.name, where, preflight.shipped_fonts(job.catalogue.project.styles))
    return policy(found, strict=strict)


def _archive(project, out, root, leaflets, results, record, people, made_by, today, emit) -> list:
    """Keep this run's new files in the archive: failed Results for the leaflets that could not be archived."""
    by_name = {leaflet.name: leaflet for leaflet in leaflets}
    made = []
    for result in results:
        if result.status != "built" or result.name not in by_name or not result.output:
            continue
        leaflet, key = by_name[result.name], Path(result.output).name
        named = naming.parsed(key, leaflet.stem)
        if named and key in record.entries:
            made.append(archive.Made(leaflet, key, named.output.name, named.edition, named.language,
                                     record.entries[key].digest))
    failed = []
    for leaflet in {item.leaflet.name: item.leaflet for item in made}.values():
        try:
            archive.keep(root, out, project, [m for m in made if m.leaflet is leaflet], people, made_by, today)
        except (OSError, archive.Damaged) as exc:
            result = Result(leaflet.name, "failed", errors=[
                f"{leaflet.name}: could not keep version {leaflet.data['version']} in the archive "
                f"{project.relative(root)}: {getattr(exc, 'strerror', None) or exc} - "
                "free some space or fix the folder's permissions, "
                "then build again with --force"])
            failed.append(result)
            emit(result)
    return failed


def _govern(leaflet: content.Leaflet, brand: dict | None, options: Options,
            words: plainwords.Words = plainwords.NONE):
    """Apply the governance rules before rendering: (leaflet or None, problems)."""
    review = governance.review(leaflet, brand, options.today, words)
    leaflet.waived = sorted({f.rule for f in review.findings if f.level == "waived"})
    leaflet.overdue = options.allow_expired and any(f.rule == "review-overdue" and f.level == "error"
                                                    for f in review.findings)
    found = policy(leaflet.warnings + review.findings, strict=options.strict, allow_expired=options.allow_expired)
    errors = [f for f in found if f.level == "error"]
    if errors:
        return None, errors
    leaflet.warnings = [f for f in found if f.level == "warning"]
    return leaflet, []


def _task(catalogue: content.Catalogue, leaflet: content.Leaflet, options: Options, paper: str,
          edition: str) -> workers.Task:
    out = Path(options.out)
    key = output_name(leaflet.source_stem, edition, language=leaflet.output_language)
    limit = leaflet.data.get("max_pages")
    if isinstance(limit, dict):
        limit = limit.get(edition)
    return workers.Task(
        name=leaflet.name, stem=key,
        html=html.render_html(catalogue, leaflet, paper, link_styles=False, edition=edition, marks=options.marks),
        styles=tuple(html.easy_read_stylesheets(paper, edition, options.marks) if leaflet.easy_read_of
                     else html.stylesheets(paper, edition, options.marks, html.direction(leaflet))), target=str(out / key),
        leaflet_folder=str(leaflet.path.parent),
        strict=options.strict, max_pages=options.max_pages, timeout=options.timeout, variant=options.variant,
        fit_pages=limit, fit_label=f"{editions.PAPERS[paper].label}, {editions.EDITIONS[edition].label}",
        where=preflight.describe(leaflet.language, editions.PAPERS[paper].label, editions.EDITIONS[edition].label))


def _remove_deleted(project: content.Project, record: manifest.Manifest, out: Path, shard, emit) -> list:
    """Remove every output we made for leaflets that no longer exist (only ours, only this shard's)."""
    removed = []
    for key, entry in sorted(record.entries.items()):
        if (project.root / entry.source).exists() or not in_shard(Path(entry.source).stem, shard):
            continue
        if not manifest.safe_stem(key):  # Manifest.load drops these; never unlink outside the folder
            continue
        try:
            os.unlink(out / key)
        except FileNotFoundError:
            pass
        del record.entries[key]
        result = Result(entry.source, "removed", str(out / key), language=entry.language)
        removed.append(result)
        emit(result)
    return removed
