"""The live preview (`build.py serve`): rebuild on every save, reload every open page, serve only the output folder.

The server's pages are publisher/site/routes.py, what it may serve and to whom publisher/site/guard.py, and the
watcher that rebuilds after a save publisher/site/watcher.py.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from pathlib import Path

from publisher.build import batch, settings
from publisher.core import caches, clock, editions
from publisher.core.errors import PublisherError, UsageError
from publisher.outputs import naming
from publisher.site.guard import HOST, PORT, check_host
from publisher.site.routes import SCRIPT, create_app
from publisher.site.watcher import Watcher
from publisher.source import content

PAPERS = "_paper"  # other papers' PDFs, made on request, inside the output folder


@dataclasses.dataclass
class State:
    """What the last build found, shared between the build thread and the server."""

    generation: int = 0  # counts finished builds; a page reloads when it moves on
    problems: list = dataclasses.field(default_factory=list)  # of Diagnostic, located in a file
    other: list = dataclasses.field(default_factory=list)  # of str: problems with no place (render failures)
    building: bool = False
    seconds: float = 0.0


class Preview:
    """One project's preview: builds it into its output folder, incrementally, whenever asked."""

    def __init__(self, project: content.Project, out: Path | None = None, jobs: int = 1,
                 today: datetime.date | None = None):
        self.project = project
        self.out = Path(out) if out is not None else project.root / settings.DRAFTS
        self.jobs = jobs
        self.fixed_today = today
        self.state = State()
        self.lock = threading.Lock()  # one build at a time
        self.stopping = threading.Event()

    @property
    def today(self) -> datetime.date:
        return self.fixed_today or clock.today()

    def options(self, **changes) -> batch.Options:
        # A preview publishes nothing: the archive takes a version when it is built for real.
        return batch.Options(**{"out": self.out, "jobs": self.jobs, "today": self.today, "publish": False, **changes})

    def rebuild(self, quick_first: bool = False) -> State:
        """Build the whole catalogue (only what changed is made again) and tell every open page.

        `quick_first`: make the formats made in this process (the web edition) first and tell the pages, so a
        save shows its text and its problems at once; the PDFs follow, and the pages reload again.
        """
        with self.lock:
            caches.clear()  # templates, schemas and fonts are read afresh: they may be what changed
            if quick_first:
                brand = content.load_brand(self.project)[0]
                made = batch.resolved(self.project, self.options(), brand).formats if brand else ()
                quick = tuple(o.name for o in made if o.render is not None)
                if quick and len(quick) < len(made):
                    self._build(self.options(formats=quick))
            return self._build(self.options())

    def _build(self, options: batch.Options) -> State:
        self.state.building = True
        try:
            report = batch.build(self.project, options)
        except PublisherError as exc:  # the output folder cannot be written, or another build holds it
            report = batch.Report([batch.Result("dist", "failed", errors=exc.lines())], [])
        except Exception as exc:  # a bug: shown on the page, and the next save builds again
            report = batch.Report([batch.Result("dist", "failed", errors=[
                f"the build failed: {type(exc).__name__}: {exc} - please report this"])], [])
        problems, other = [], list(report.shared_errors)
        for result in report.failed:
            problems += result.diagnostics
            shown = {str(d) for d in result.diagnostics}
            other += [line for line in result.errors if line not in shown]
        self.state = State(self.state.generation + 1, sorted(set(problems)), other, False, report.seconds)
        return self.state

    def paper_pdf(self, stem: str, paper: str, edition: str) -> str | None:
        """Build one leaflet's PDF on another paper, inside the output folder: its path from there, or None."""
        source = self.project.handouts / f"{stem}.yaml"
        if paper not in editions.PAPERS or edition not in editions.EDITIONS or not source.is_file():
            return None
        folder = self.out / PAPERS / paper
        with self.lock:
            report = batch.build(self.project, self.options(out=folder, paper=paper, editions=(edition,),
                                                            formats=("pdf",), site=False), [source])
        if not report.ok:
            return None
        return f"{PAPERS}/{paper}/{naming.name(stem, None, edition)}"


def run(project: content.Project, host: str = HOST, port: int = PORT, out: Path | None = None, jobs: int = 1,
        today: datetime.date | None = None, say=print) -> None:
    """Build, then serve the preview until Ctrl-C, rebuilding on every save."""
    import uvicorn

    host = check_host(host)
    missing = [name for name in ("templates/site/catalogue.html", f"templates/site/{SCRIPT}", "styles/site.css")
               if not (project.root / name).is_file()]
    if missing:
        raise PublisherError(f"Error: {missing[0]} is missing from the project - copy templates/site/ and "
                             "styles/site.css from the tool's own project to preview this one")
    preview = Preview(project, out, jobs, today)
    state = preview.rebuild()
    say(f"built in {state.seconds:.1f} s" + (f"; {len(state.problems) + len(state.other)} problem(s) shown on the "
                                             "page" if state.problems or state.other else ""))
    watcher = Watcher(preview, on_build=lambda s: say(
        f"rebuilt in {s.seconds:.1f} s" + (f"; {len(s.problems) + len(s.other)} problem(s)" if s.problems or s.other
                                           else "")))
    watcher.start()
    shown = f"[{host}]" if ":" in host else host

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:  # listening: only now is the address worth giving
                say(f"Previewing {project.relative(preview.out)} at http://{shown}:{port}/ - press Ctrl-C to stop")

    # No access log: a search typed into the catalogue could hold a name, and paths say nothing useful.
    config = uvicorn.Config(create_app(preview, host, port), host=host, port=port, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=1, lifespan="off")
    server = Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn has shut down cleanly and raises Ctrl-C again for us: it is how a user stops it
    except SystemExit:
        pass  # uvicorn could not listen (it has said why); reported below
    finally:
        watcher.stop()
    if not server.started:
        raise UsageError(f"Error: cannot listen on {shown}:{port} - is another server using it? Choose another "
                         "--port")
    say("Stopped.")
