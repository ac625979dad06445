"""Batch: validate every leaflet first, then render each valid one; one failure never stops the rest."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

from . import content, html, pdf
from .errors import PublisherError, RenderError


@dataclasses.dataclass
class Result:
    """What happened to one leaflet."""

    name: str  # the leaflet file as shown to users
    status: str  # "built", "valid" or "failed"
    output: str | None = None
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    errors: list = dataclasses.field(default_factory=list)  # of str
    warnings: list = dataclasses.field(default_factory=list)  # of str


@dataclasses.dataclass
class Report:
    """The outcome of one run over the catalogue."""

    results: list
    shared_errors: list  # of str: problems in people.yaml and brand.yaml

    @property
    def failed(self) -> list:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.shared_errors


def check(catalogue: content.Catalogue) -> Report:
    """The validation outcome of a loaded catalogue, without rendering."""
    return _report(catalogue, [Result(leaflet.name, "valid") for leaflet in catalogue.leaflets])


def invalid(catalogue: content.Catalogue) -> list:
    """A failed Result for each leaflet that did not validate."""
    return [Result(catalogue.project.relative(path), "failed", errors=[str(p) for p in problems])
            for path, problems in catalogue.failures.items()]


def _report(catalogue: content.Catalogue, done: list) -> Report:
    results = sorted(done + invalid(catalogue), key=lambda r: r.name)
    return Report(results, [str(p) for p in catalogue.shared_problems])


_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def output_name(stem: str) -> str:
    """The PDF file name for a leaflet stem, refusing anything that could escape the output folder."""
    if not _STEM.match(stem) or ".." in stem:
        raise RenderError(stem, f"file name '{stem}' cannot be used for output - use letters, digits, '-', '_' and '.'")
    return f"{stem}.pdf"


def build(catalogue: content.Catalogue, out: Path, write_html: bool = False, on_result=None) -> Report:
    """Build every valid leaflet of a loaded catalogue into `out`; `on_result` is called as each one finishes."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for leaflet in catalogue.leaflets:
        result = build_one(catalogue, leaflet, out, write_html)
        done.append(result)
        if on_result:
            on_result(result)
    return _report(catalogue, done)


def build_one(catalogue: content.Catalogue, leaflet: content.Leaflet, out: Path, write_html: bool) -> Result:
    """Render one leaflet to out/<stem>.pdf; the previous PDF survives any failure."""
    started = time.perf_counter()
    project = catalogue.project
    try:
        target = out / output_name(leaflet.stem)
        document = html.render_html(catalogue, leaflet)
        extra = [leaflet.path.parent] if project.contains(leaflet.path.parent) else []
        rendered = pdf.render_pdf(project, leaflet.name, document, extra)
    except PublisherError as exc:
        return Result(leaflet.name, "failed", errors=exc.lines(), seconds=time.perf_counter() - started)
    pdf.write_atomic(target, rendered.pdf)
    if write_html:
        # The preview opens from the output folder, so point relative URLs back at the project.
        preview = document.replace("<head>", f'<head>\n<base href="{project.root.as_uri()}/">', 1)
        pdf.write_atomic(out / f"{leaflet.stem}.html", preview.encode("utf-8"))
    return Result(leaflet.name, "built", output=str(target), pages=rendered.pages, bytes=len(rendered.pdf),
                  seconds=time.perf_counter() - started,
                  warnings=[f"{leaflet.name}: warning: {w}" for w in rendered.warnings])
