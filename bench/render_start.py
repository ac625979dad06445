"""The cost of starting to render: a fresh worker's first render beside a warm one, as before and as now.

    python bench/bench.py --render-start 5

Each build renders the reference leaflet twice on one worker process (a Renderer, as `build` runs it), in this one
process: the worker's first render, then the same leaflet warm. "before" makes the worker's engine in the worker
(the stylesheets parsed and their fonts loaded there, every first-use cost paid there); "now" warms the engine in
this process before forking, and the next build in the same process (a server, the desk, the tests) reuses it.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from publisher.outputs.pdf import engine as pdf
from publisher.outputs.pdf import workers
from publisher.render import html
from publisher.source import content

MODES = (("before", "before: engine made in each fresh worker"),
         ("first", "now: first build in a process (warmed before forking)"),
         ("next", "now: next build in the same process (engine kept)"))


@contextlib.contextmanager
def _as_before():
    """As before this change: no warm engine in the parent; each worker makes its own."""
    saved = workers._warm, workers._init

    def init(root: str) -> None:
        workers._engine = pdf.Engine(content.Project(Path(root)))
        workers._fonts = workers.preflight.shipped_fonts(workers._engine.project.styles)  # as workers._init
    workers._warm, workers._init = (lambda project, styles, count: None), init
    try:
        yield
    finally:
        workers._warm, workers._init = saved


def _build(project, leaflet, document: str, styles: tuple, out: Path) -> dict:
    """One build's start, first and warm render on one worker: seconds."""
    outcomes: list = []
    started = time.perf_counter()
    renderer = workers.Renderer(project, 1, outcomes.append)
    try:
        renderer.start(2, styles)
        ready = time.perf_counter()
        for n in range(2):
            renderer.submit(workers.Task(name=leaflet.name, stem=f"{n}.pdf", html=document, styles=styles,
                                         target=str(out / f"{n}.pdf"), leaflet_folder=str(leaflet.path.parent),
                                         strict=False))
        renderer.finish()
    finally:
        renderer.close()
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    return {"start": ready - started, "first": outcomes[0].seconds, "warm": outcomes[1].seconds,
            "wall": time.perf_counter() - started}


def render_start(rounds: int, repo: Path, reference: Path) -> dict:
    """Median seconds of each part, for each mode, over `rounds` rounds, the modes alternating."""
    project = content.Project(repo)
    catalogue = content.load_catalogue(project, [reference])
    leaflet, = catalogue.leaflets
    document = html.render_html(catalogue, leaflet, link_styles=False)
    styles = tuple(html.stylesheets("a4", "standard", False, html.direction(leaflet)))
    pdf._weasyprint()
    runs: dict = {mode: [] for mode, _ in MODES}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as folder:
        for _ in range(rounds):
            pdf.forget()
            with _as_before():
                runs["before"].append(_build(project, leaflet, document, styles, Path(folder)))
            pdf.forget()
            runs["first"].append(_build(project, leaflet, document, styles, Path(folder)))
            runs["next"].append(_build(project, leaflet, document, styles, Path(folder)))
    pdf.forget()
    return {mode: {part: statistics.median(r[part] for r in runs[mode]) for part in runs[mode][0]}
            for mode in runs} | {"rounds": rounds}


def print_render_start(figures: dict) -> None:
    print(f"starting to render: reference leaflet, one worker, median of {figures['rounds']} rounds (ms)")
    print(f"  {'':56} {'start':>7} {'first':>7} {'warm':>7} {'build':>7}")
    for mode, label in MODES:
        f = figures[mode]
        print(f"  {label:56} {f['start'] * 1000:7.0f} {f['first'] * 1000:7.0f} {f['warm'] * 1000:7.0f} "
              f"{f['wall'] * 1000:7.0f}")
    print("  start: this process, before a worker is ready to take a leaflet (now: the warm-up, when not kept);")
    print("  first: the fresh worker's first render; warm: its second; build: start to both PDFs written")
