"""The live preview (`build.py serve`): rebuild on every save, reload every open page, serve only the output folder."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import ipaddress
import os
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from . import batch, caches, clock, content, editions, html, manifest, outputs, settings, site
from .errors import Diagnostic, PublisherError, UsageError

HOST = "127.0.0.1"
PORT = 8000
ASSETS = "/_preview/"  # the server's own pages and script; nothing in the output folder starts with '_preview'
SCRIPT = "preview.js"
PAPERS = "_paper"  # other papers' PDFs, made on request, inside the output folder
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Only the server's own script may run; the web edition's inline styles are allowed, nothing else is fetched.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "frame-src 'self'; object-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'self'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "x-frame-options": "SAMEORIGIN", "cross-origin-resource-policy": "same-origin", "cache-control": "no-store"}


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
        return f"{PAPERS}/{paper}/{outputs.REGISTRY['pdf'].file_name(stem, edition)}"


# -- what may be served -----------------------------------------------------------


def safe_file(out: Path, path: str) -> Path | None:
    """The file in `out` that a request path names, or None: no '..', no hidden files, nothing outside `out`.

    `path` is the decoded request path; each check stands on its own, so a trick one misses the next catches.
    """
    if "\\" in path or "\0" in path or ":" in path:  # Windows separators, drives and streams
        return None
    parts = path.lstrip("/").split("/")
    if not parts or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None  # also the manifest, the lock and temporary files, which all start with '.'
    root = Path(out).resolve()
    candidate = root.joinpath(*parts)
    if Path(os.path.normpath(candidate)) != candidate:
        return None
    try:
        real = candidate.resolve(strict=True)  # follows symlinks: one pointing outside is refused below
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers this server answers: its own address (and the loopback names when bound to loopback)."""
    names = {host if ":" not in host else f"[{host}]"}
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            names.update(LOOPBACK_NAMES)
    if host == "localhost":
        names.update(LOOPBACK_NAMES)
    return {f"{name}:{port}" for name in names} | ({name for name in names} if port == 80 else set())


class Guard:
    """ASGI middleware: refuse a foreign Host (DNS rebinding) and add the security headers to every response."""

    def __init__(self, app, hosts: set[str]):
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        if host not in self.hosts:
            response = PlainTextResponse("This preview answers only at its own address.\n", status_code=421)
            return await self._secured(response)(scope, receive, send)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in HEADERS]
                message = {**message, "headers": headers + [(k.encode(), v.encode()) for k, v in HEADERS.items()]}
            await send(message)
        await self.app(scope, receive, send_secured)

    @staticmethod
    def _secured(response: Response) -> Response:
        response.headers.update(HEADERS)
        return response


# -- the application ----------------------------------------------------------------


def _template(project: content.Project, name: str) -> jinja2.Template:
    return html.environment(project).get_template(f"site/{name}")


def _script_tag(generation: int) -> str:
    return (f'\n<script src="{ASSETS}{SCRIPT}" data-events="{ASSETS}events" data-generation="{generation}" '
            'defer></script>')


def _with_reload(page: bytes, generation: int) -> bytes:
    """A page of the output folder with the reload script added before </head> (once)."""
    head = page.find(b"</head>")
    if head < 0:
        return page
    return page[:head] + _script_tag(generation).encode() + b"\n" + page[head:]


def create_app(preview: Preview, host: str = HOST, port: int = PORT) -> Starlette:
    """The preview as an ASGI application (tests drive it with Starlette's TestClient or a real uvicorn)."""
    project = preview.project
    script = (project.templates / "site" / SCRIPT).read_bytes()

    def brand() -> dict | None:
        return content.load_brand(project)[0]

    def catalogue(request: Request, page_name: str | None = None) -> Response:
        """The catalogue or one of its filter pages, made afresh: with a search form, previews and problems."""
        query = request.query_params.get("q", "").strip()[:200] or None
        found = site.items(preview.out, preview.today)
        groups = site.filters(found)
        current = None
        if page_name is not None:
            current = next((f for kind in groups.values() for f in kind if f.file == page_name), None)
            if current is None:
                return PlainTextResponse("Not found\n", status_code=404)
        state = preview.state
        # Rendered here rather than served from disk: the search form needs this server, and the static
        # pages' own search script must not run in the preview, whose only script is the reload.
        page = site.render(project, brand(), found, groups, "../" if current else "", current, query=query,
                           search="/index.html", preview=f"{ASSETS}leaflet/", extra_head=_script_tag(state.generation))
        page = page.replace("<main id=\"main\">", "<main id=\"main\">" + _problems_html(project, state.problems,
                                                                                       state.other), 1)
        return HTMLResponse(page)

    def leaflet(request: Request) -> Response:
        stem = request.path_params["stem"]
        if not manifest.safe_stem(stem):
            return PlainTextResponse("Not found\n", status_code=404)
        found = next((item for item in site.items(preview.out, preview.today) if item.stem == stem), None)
        source = project.handouts / f"{stem}.yaml"
        if found is None and not source.is_file():
            return PlainTextResponse("Not found\n", status_code=404)
        params = request.query_params
        languages = found.languages if found else []
        language: str | None = params.get("language") if params.get("language") in languages else \
            next(iter(languages), None)
        links = [link for link in (found.links if found else []) if link.language == language]
        pdf_editions = [link.edition for link in links if link.format == "pdf"]
        edition: str | None = params.get("edition") if params.get("edition") in pdf_editions else \
            next(iter(pdf_editions), None)
        built_paper = batch.resolved(project, preview.options(), brand()).paper
        paper: str = params.get("paper") or built_paper
        paper = paper if paper in editions.PAPERS else built_paper
        pdf = next((link.href for link in links if link.format == "pdf" and link.edition == edition), None)
        if pdf and paper != built_paper:
            pdf = preview.paper_pdf(stem, paper, edition or editions.DEFAULT_EDITION)
        web = next((link.href for link in links if link.format == "html"), None)
        state = preview.state
        name = project.relative(source)

        def switch(**change) -> str:
            chosen = {"paper": paper, "edition": edition, "language": language, **change}
            return f"{ASSETS}leaflet/{quote(stem)}?" + urlencode({k: v for k, v in chosen.items() if v})
        page = _template(project, "preview.html").render(
            title=found.title if found else stem, stem=stem, pdf=pdf, web=web, paper=paper, edition=edition,
            language=language, papers=editions.PAPERS, pdf_editions=pdf_editions, languages=languages,
            edition_label=lambda e: editions.EDITIONS[e].label, language_name=site.language_label, switch=switch,
            problems=_problems_html(project, [d for d in state.problems if d.path == name],
                                    [line for line in state.other if line.startswith(name)]),
            script=_script_tag(state.generation), assets=ASSETS)
        return HTMLResponse(page)

    async def events(request: Request) -> Response:
        try:
            seen = int(request.query_params.get("since", ""))
        except ValueError:
            seen = preview.state.generation

        async def stream():
            yield "retry: 500\n\n"
            last_beat = time.monotonic()
            while not preview.stopping.is_set() and not await request.is_disconnected():
                generation = preview.state.generation
                if generation != seen:
                    yield f"event: reload\ndata: {generation}\n\n"
                    return
                if time.monotonic() - last_beat > 15:  # keeps proxies and the browser from giving up
                    yield ": still here\n\n"
                    last_beat = time.monotonic()
                await asyncio.sleep(0.05)
        return StreamingResponse(stream(), media_type="text/event-stream")

    def asset(request: Request) -> Response:
        return Response(script, media_type="text/javascript")

    def static(request: Request) -> Response:
        path = request.url.path
        if path in ("/", "/index.html"):
            if path == "/":
                return RedirectResponse("/index.html", status_code=307)
            return catalogue(request)
        if path.startswith(f"/{site.PAGES}/") and path.endswith(".html"):
            return catalogue(request, path.removeprefix(f"/{site.PAGES}/"))
        found = safe_file(preview.out, request.scope["path"])
        if found is None:
            return PlainTextResponse("Not found\n", status_code=404)
        if found.suffix == ".html" and request.headers.get("sec-fetch-dest") != "iframe":
            return HTMLResponse(_with_reload(found.read_bytes(), preview.state.generation))
        return FileResponse(found)

    routes = [
        Route(f"{ASSETS}{SCRIPT}", asset),
        Route(f"{ASSETS}events", events),
        Route(ASSETS + "leaflet/{stem}", leaflet),
        Route("/{path:path}", static),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(Guard, hosts=allowed_hosts(host, port))
    return app


def _problems_html(project: content.Project, problems: list[Diagnostic], other: list[str]) -> str:
    return _template(project, "problems.html").render(problems=problems, other=other)


# -- running it ----------------------------------------------------------------------


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

        from . import pdf, workers
        with tempfile.TemporaryDirectory(prefix=f"{workers.TEMP_PREFIX}{os.getpid()}-") as folder, \
                workers._temporary_files_in(Path(folder)):
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


def check_host(host: str) -> str:
    """The address to bind: an IP address or 'localhost' (a name could resolve to anything)."""
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.is_unspecified:
        raise UsageError(f"Error: --host '{host}' is not the address of one interface - use 127.0.0.1 (the default), "
                         "or the IP address of one of this machine's network interfaces") from None
    return host


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
