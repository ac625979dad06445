"""Batch: build the catalogue in three steps: plan (unchanged, invalid, removed), make (in parallel), report."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from publisher.build import archive, make, manifest, plan, settings
from publisher.build.results import OutputError, Report, Result
from publisher.outputs import naming
from publisher.outputs.pdf import workers
from publisher.site import catalogue as site
from publisher.source import content

# The build's settings and the names callers have always found here.
Options = settings.Build
LOCK_TIMEOUT = settings.LOCK_TIMEOUT
parse_shard, shard_from_environment, in_shard = settings.parse_shard, settings.shard_from_environment, settings.in_shard
output_key, output_name, about = make.output_key, make.output_name, make.about


def resolved(project: content.Project, options: settings.Build, brand: dict | None) -> settings.Made:
    """This build's outputs: the command line's choices over the brand's."""
    return options.made(project, brand)


def build(project: content.Project, options: settings.Build, paths: list[Path] | None = None,
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
        run = plan.start(project, options, paths, emit, on_start, on_shared)
        plan.skip_unchanged(run)
        _make(run)
        return _report(run, started)


def _output_error(project: content.Project, out: Path, exc: OSError, what: str,
                  fix: str = "choose another --out, or fix its permissions or free some space; the previous PDFs "
                             "are kept") -> OutputError:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return OutputError(f"Error: the output folder {project.relative(out)} is a file - give a folder with --out")
    return OutputError(f"Error: {what} the output folder {project.relative(out)}: {exc.strerror or exc} - {fix}")


def _make(run: plan.Run) -> None:
    """Validate and render everything planned; the manifest keeps what was finished, whatever happens."""
    renderer = workers.Renderer(run.project, run.options.jobs, lambda outcome: make.finished(run, outcome))
    try:
        if run.inputs.brand is not None and run.inputs.people is not None:
            # Workers start and set up their engines now, while this process validates.
            renderer.start(sum(o.render is None for p in run.to_validate for o, _ in run.wanted[Path(p).stem]),
                           make.stylesheets(run))
        catalogue = plan.validate(run)
        if run.paths is None:
            _remove_deleted(run)
        in_process = make.submit(run, catalogue, renderer)
        make.make_here(run, catalogue, renderer, in_process)
        renderer.finish()
        if run.keeping and run.inputs.people is not None:
            _archive(run)
    except BaseException:
        renderer.close()
        with contextlib.suppress(OSError):  # the first problem is the one to report
            run.record.save()
        raise
    renderer.close()


def _report(run: plan.Run, started: float) -> Report:
    """Save the manifest (also after failures, so the next build does not redo what finished), write the site."""
    project, out, options = run.project, run.out, run.options
    try:
        run.record.save()
    except OSError as exc:
        raise _output_error(project, out, exc, "could not save the build manifest in",
                            "free some space or fix the folder's permissions; the PDFs are in place, and the next "
                            "build renders them again") from None
    if run.paths is None and options.shard is None and options.site:
        try:
            site.write(project, out, run.inputs.brand, options.today, run.record)
        except OSError as exc:
            raise _output_error(project, out, exc, "could not write the catalogue site (index.html) in") from None
    return Report(sorted(run.results, key=lambda r: (r.name, r.output or "")), run.inputs.errors,
                  time.perf_counter() - started, min(options.jobs, max(len(run.by_key), 1)), run.peaks, run.layouts,
                  run.private_peaks)


def _archive(run: plan.Run) -> None:
    """Keep this run's new files in the archive: a failed Result for each leaflet that could not be archived."""
    assert run.inputs.people is not None  # only a run that read people.yaml keeps versions
    by_name = {leaflet.name: leaflet for leaflet in run.leaflets}
    made = []
    for result in list(run.results):
        if result.status != "built" or result.name not in by_name or not result.output:
            continue
        leaflet, key = by_name[result.name], Path(result.output).name
        named = naming.parsed(key, leaflet.stem)
        if named and key in run.record.entries:
            made.append(archive.Made(leaflet, key, named.output.name, named.edition, named.language,
                                     run.record.entries[key].digest))
    for leaflet in {item.leaflet.name: item.leaflet for item in made}.values():
        try:
            archive.keep(run.archive_root, run.out, run.project, [m for m in made if m.leaflet is leaflet],
                         run.inputs.people, run.made_by, run.options.today)
        except (OSError, archive.Damaged) as exc:
            run.add(Result(leaflet.name, "failed", errors=[
                f"{leaflet.name}: could not keep version {leaflet.data['version']} in the archive "
                f"{run.project.relative(run.archive_root)}: {getattr(exc, 'strerror', None) or exc} - "
                "free some space or fix the folder's permissions, "
                "then build again with --force"]))


def _remove_deleted(run: plan.Run) -> None:
    """Remove every output we made for leaflets that no longer exist (only ours, only this shard's)."""
    for key, entry in sorted(run.record.entries.items()):
        if (run.project.root / entry.source).exists() or not in_shard(Path(entry.source).stem, run.options.shard):
            continue
        if not manifest.safe_stem(key):  # Manifest.load drops these; never unlink outside the folder
            continue
        try:
            os.unlink(run.out / key)
        except FileNotFoundError:
            pass
        del run.record.entries[key]
        run.add(Result(entry.source, "removed", str(run.out / key), language=entry.language))
