"""The preview's pages: the catalogue made afresh, a leaflet's preview, the reload events and the output folder."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from publisher.build import batch, manifest
from publisher.core import editions
from publisher.core.errors import Diagnostic
from publisher.render import html
from publisher.site import catalogue as site
from publisher.site.guard import HOST, PORT, Guard, allowed_hosts, safe_file
from publisher.source import content

if TYPE_CHECKING:
    from publisher.site.preview import Preview

ASSETS = "/_preview/"  # the server's own pages and script; nothing in the output folder starts with '_preview'
SCRIPT = "preview.js"


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


def _problems_html(project: content.Project, problems: list[Diagnostic], other: list[str]) -> str:
    return _template(project, "problems.html").render(problems=problems, other=other)


def _not_found() -> Response:
    return PlainTextResponse("Not found\n", status_code=404)


@dataclasses.dataclass(frozen=True)
class Shown:
    """What a leaflet's preview page shows: the language, edition and paper chosen, and the files for them."""

    language: str | None
    languages: list
    edition: str | None
    pdf_editions: list
    paper: str
    pdf: str | None
    web: str | None


def _chosen(asked: QueryParams, found: site.Item | None, built_paper: str) -> Shown:
    """The language, edition and paper a request asks for, each one the leaflet has (else its first)."""
    languages = found.languages if found else []
    language = asked.get("language") if asked.get("language") in languages else next(iter(languages), None)
    links = [link for link in (found.links if found else []) if link.language == language]
    pdf_editions = [link.edition for link in links if link.format == "pdf"]
    edition = asked.get("edition") if asked.get("edition") in pdf_editions else next(iter(pdf_editions), None)
    paper = asked.get("paper") or built_paper
    paper = paper if paper in editions.PAPERS else built_paper
    pdf = next((link.href for link in links if link.format == "pdf" and link.edition == edition), None)
    web = next((link.href for link in links if link.format == "html"), None)
    return Shown(language, languages, edition, pdf_editions, paper, pdf, web)


class Pages:
    """The preview's request handlers, for one Preview."""

    def __init__(self, preview: Preview):
        self.preview = preview
        self.project = preview.project
        self.script = (self.project.templates / "site" / SCRIPT).read_bytes()

    def brand(self) -> dict | None:
        return content.load_brand(self.project)[0]

    def catalogue(self, request: Request, page_name: str | None = None) -> Response:
        """The catalogue or one of its filter pages, made afresh: with a search form, previews and problems."""
        query = request.query_params.get("q", "").strip()[:200] or None
        found = site.items(self.preview.out, self.preview.today)
        groups = site.filters(found)
        current = None
        if page_name is not None:
            current = next((f for kind in groups.values() for f in kind if f.file == page_name), None)
            if current is None:
                return _not_found()
        state = self.preview.state
        # Rendered here rather than served from disk: the search form needs this server, and the static
        # pages' own search script must not run in the preview, whose only script is the reload.
        page = site.render(self.project, self.brand(), found, groups, "../" if current else "", current, query=query,
                           search="/index.html", preview=f"{ASSETS}leaflet/", extra_head=_script_tag(state.generation))
        page = page.replace("<main id=\"main\">", "<main id=\"main\">" + _problems_html(self.project, state.problems,
                                                                                       state.other), 1)
        return HTMLResponse(page)

    def leaflet(self, request: Request) -> Response:
        """One leaflet's preview: its PDF in the language, edition and paper chosen, beside its web edition."""
        stem = request.path_params["stem"]
        if not manifest.safe_stem(stem):
            return _not_found()
        found = next((item for item in site.items(self.preview.out, self.preview.today) if item.stem == stem), None)
        source = self.project.handouts / f"{stem}.yaml"
        if found is None and not source.is_file():
            return _not_found()
        built_paper = batch.resolved(self.project, self.preview.options(), self.brand()).paper
        shown = _chosen(request.query_params, found, built_paper)
        pdf = shown.pdf
        if pdf and shown.paper != built_paper:
            pdf = self.preview.paper_pdf(stem, shown.paper, shown.edition or editions.DEFAULT_EDITION)
        state = self.preview.state
        name = self.project.relative(source)

        def switch(**change) -> str:
            chosen = {"paper": shown.paper, "edition": shown.edition, "language": shown.language, **change}
            return f"{ASSETS}leaflet/{quote(stem)}?" + urlencode({k: v for k, v in chosen.items() if v})
        page = _template(self.project, "preview.html").render(
            title=found.title if found else stem, stem=stem, pdf=pdf, web=shown.web, paper=shown.paper,
            edition=shown.edition, language=shown.language, papers=editions.PAPERS, pdf_editions=shown.pdf_editions,
            languages=shown.languages, edition_label=lambda e: editions.EDITIONS[e].label,
            language_name=site.language_label, switch=switch,
            problems=_problems_html(self.project, [d for d in state.problems if d.path == name],
                                    [line for line in state.other if line.startswith(name)]),
            script=_script_tag(state.generation), assets=ASSETS)
        return HTMLResponse(page)

    async def events(self, request: Request) -> Response:
        """Server-sent events: 'reload' once a build newer than the page's has finished."""
        try:
            seen = int(request.query_params.get("since", ""))
        except ValueError:
            seen = self.preview.state.generation
        preview = self.preview

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

    def asset(self, request: Request) -> Response:
        return Response(self.script, media_type="text/javascript")

    def static(self, request: Request) -> Response:
        """The output folder's files, its catalogue pages made afresh and its web pages with the reload script."""
        path = request.url.path
        if path == "/":
            return RedirectResponse("/index.html", status_code=307)
        if path == "/index.html":
            return self.catalogue(request)
        if path.startswith(f"/{site.PAGES}/") and path.endswith(".html"):
            return self.catalogue(request, path.removeprefix(f"/{site.PAGES}/"))
        found = safe_file(self.preview.out, request.scope["path"])
        if found is None:
            return _not_found()
        if found.suffix == ".html" and request.headers.get("sec-fetch-dest") != "iframe":
            return HTMLResponse(_with_reload(found.read_bytes(), self.preview.state.generation))
        return FileResponse(found)


def create_app(preview: Preview, host: str = HOST, port: int = PORT) -> Starlette:
    """The preview as an ASGI application (tests drive it with Starlette's TestClient or a real uvicorn)."""
    pages = Pages(preview)
    routes = [
        Route(f"{ASSETS}{SCRIPT}", pages.asset),
        Route(f"{ASSETS}events", pages.events),
        Route(ASSETS + "leaflet/{stem}", pages.leaflet),
        Route("/{path:path}", pages.static),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(Guard, hosts=allowed_hosts(host, port))
    return app
