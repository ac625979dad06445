"""Render PDF: HTML to PDF bytes with WeasyPrint, inside the project and nowhere else."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import gc
import hashlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from publisher.core import caches
from publisher.core.errors import RenderError
from publisher.outputs.base import Output
from publisher.outputs.pdf import pagenumbers, tagging, weasyfixes
from publisher.outputs.pdf.tempfolders import TEMP_PREFIX, temporary_files_in
from publisher.source.content import Project

MAX_DATA_URI = 2_000_000
MAX_PAGES = 40  # a patient leaflet; far more means something went wrong
DEFAULT_VARIANT = "pdf/ua-1"  # tagged, accessible PDF
VARIANTS = ("pdf/ua-1", "pdf/a-3u")
TIMEOUT = 60.0  # seconds per leaflet; a real one takes one or two


def _weasyprint():
    # Imported on first use: `check` and `--help` should not pay for it. Our workarounds go in with it.
    return weasyfixes.install()


@dataclasses.dataclass
class Rendered:
    """A finished PDF and what we learnt while making it."""

    pdf: bytes
    pages: int
    warnings: list  # of str
    layouts: int = 0  # pages laid out to make them (more than `pages` when WeasyPrint laid some out again)


@functools.cache
def _fetcher_class():
    weasyprint = _weasyprint()
    fetcher: Any = weasyprint.urls.URLFetcher  # a base class from a module imported lazily: mypy cannot resolve it

    class ProjectFetcher(fetcher):
        """Serves files from the project's own folders and small data: URIs; refuses the rest."""

        def __init__(self, allowed: list[Path]):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.allowed = [p.resolve() for p in allowed]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                if len(url) > MAX_DATA_URI:
                    return self._refuse(url[:40] + "...", f"data: URI larger than {MAX_DATA_URI} bytes")
                return super().fetch(url, headers)
            if scheme != "file":
                return self._refuse(url, "only files inside the project may be used")
            path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.allowed):
                return self._refuse(url, "file is outside the project's templates, styles and handouts")
            return super().fetch(path.as_uri(), headers)

        def _refuse(self, url, why):
            self.refused.append(f"refused to load {url}: {why}")
            raise weasyprint.urls.FatalURLFetchingError(self.refused[-1])

    return ProjectFetcher


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def captured_warnings():
    """Collect what WeasyPrint logs at WARNING and above instead of printing it."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


# Headings, a list, bold and italic text, every ASCII letter and digit: what any leaflet asks of the body fonts first
# (Pango shapes and measures each glyph once per font, then keeps it).
_PANGRAM = "The quick brown fox jumps over the lazy dog: PACK MY BOX WITH FIVE DOZEN LIQUOR JUGS, 0123456789 (%/-)."
WARM_UP = (f"<html lang=en><body><h1>{_PANGRAM}</h1><h2>{_PANGRAM}</h2><h3>{_PANGRAM}</h3><p>{_PANGRAM} "
           f"<strong>{_PANGRAM}</strong> <em>{_PANGRAM}</em></p><ul><li>{_PANGRAM}</li></ul></body></html>")


class Engine:
    """WeasyPrint set up once per process: fonts, parsed stylesheets and images are reused across leaflets."""

    def __init__(self, project: Project):
        weasyprint = _weasyprint()
        self.project = project
        self.font_config = weasyprint.text.fonts.FontConfiguration()
        self.image_cache: dict = {}
        self._sheets: dict = {}  # project-relative path: (parsed stylesheet, the warnings parsing it gave)
        # Its own folder, when it has one, holds the @font-face fonts WeasyPrint writes out: they must outlive a
        # build's temporary folder, as the engine is kept across builds. Only the process that made it removes it.
        self.folder: Path | None = None
        self.owner = os.getpid()
        self.warmed: set = set()

    def stylesheets(self, files: tuple) -> tuple:
        """The parsed stylesheets (project-relative paths, in cascade order), each parsed once per engine."""
        missing = [f for f in files if f not in self._sheets]
        if missing:
            weasyprint = _weasyprint()
            fetcher = _fetcher_class()([self.project.styles])
            with temporary_files_in(self.folder) if self.folder else contextlib.nullcontext():
                for f in missing:
                    with captured_warnings() as warnings:
                        sheet = weasyprint.CSS(filename=str(self.project.path(f)), url_fetcher=fetcher,
                                               font_config=self.font_config)
                    self._sheets[f] = (sheet, list(warnings))
        return [self._sheets[f][0] for f in files], [w for f in files for w in self._sheets[f][1]]

    def warm(self, files: tuple) -> Rendered | None:
        """Parse these stylesheets and render a few words with them, so that a process forked from this one (a
        render worker) starts warm: fonts loaded, C types declared, first-use costs paid once, here."""
        if files in self.warmed:
            return None
        rendered = self.render("warm-up", WARM_UP, files, timeout=0)
        self.warmed.add(files)
        return rendered

    def adopt(self) -> None:
        """Make an engine inherited from the parent process this process's own (in a forked render worker)."""
        if self.owner != os.getpid():
            weasyfixes.forget_font_folder(self.font_config)
            self.folder, self.owner = None, os.getpid()

    def close(self) -> None:
        """Remove its fonts' folder (in the process that made it; a forked worker leaves its parent's alone)."""
        if self.folder and self.owner == os.getpid():
            shutil.rmtree(self.folder, ignore_errors=True)


    def render(self, name: str, html: str, styles: tuple = (), leaflet_folder: Path | None = None,
               max_pages: int = MAX_PAGES, timeout: float = TIMEOUT, variant: str | None = DEFAULT_VARIANT,
               limit: float | None = None) -> Rendered:
        """Turn a leaflet's HTML into PDF bytes, refusing anything outside the project.

        `styles` are applied from parsed stylesheets kept across renders, for
        HTML that carries no stylesheet links; with none, the HTML's own links
        are loaded. A render stops with an error past `max_pages` pages or
        `timeout` seconds (`limit`, when given, is the limit to name: the leaflet's, of which this is what is left).
        `variant` is WeasyPrint's pdf_variant (tagged PDF/UA-1 by default).
        """
        weasyprint = _weasyprint()
        project = self.project
        fetcher = _fetcher_class()(project.asset_roots(leaflet_folder))
        with captured_warnings() as warnings, _limits(max_pages, timeout) as layouts, _collect_once():
            try:
                # A stylesheet that loads a file from outside the project is refused here, as the leaflet's error.
                css, css_warnings = self.stylesheets(tuple(styles)) if styles else (None, [])
                document = self._layout(html, css, fetcher, warnings)
                # A fixed identifier derived from the content keeps builds byte-identical.
                identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
                tree = tagging.Tree()
                with weasyfixes.seeing_elements(tree.see):
                    pdf = document.write_pdf(pdf_identifier=identifier, pdf_variant=variant, pdf_tags=True,
                                             finisher=tree.finish)
            except weasyprint.urls.FatalURLFetchingError as exc:
                raise RenderError(name, "; ".join(fetcher.refused) or str(exc))
            except _TooManyPages:
                raise RenderError(name, f"runs to more than {max_pages} pages, the limit - split the leaflet, "
                                        "or raise the limit with --max-pages")
            except _TooSlow:
                raise RenderError(name, f"took more than {limit or timeout:g} s to render, the limit - shorten the leaflet, "
                                        "or raise the limit with --timeout")
        if fetcher.refused:
            # WeasyPrint swallows errors raised while drawing SVG images, so a refusal
            # there only shows up here; the PDF is discarded all the same.
            raise RenderError(name, "; ".join(fetcher.refused))
        return Rendered(pdf=pdf, pages=len(document.pages), warnings=css_warnings + list(warnings), layouts=layouts[0])

    def _layout(self, html: str, css, fetcher, warnings: list):
        """WeasyPrint's laid-out document: laid out once, the page numbers written in, where that gives the same."""
        if pagenumbers.fast():
            try:
                with weasyfixes.one_layout(pagenumbers.fill_in):
                    return self._lay_out(html, css, fetcher)
            except pagenumbers.Relayout:
                del warnings[:]  # the second render logs them again
        return self._lay_out(html, css, fetcher)

    def _lay_out(self, html: str, css, fetcher):
        """WeasyPrint's laid-out document, as WeasyPrint lays it out."""
        return _weasyprint().HTML(string=html, base_url=self.project.root.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=css, font_config=self.font_config, cache=self.image_cache, pdf_tags=True)


@contextlib.contextmanager
def _collect_once():
    """Keep Python's cycle collector out of a render, and collect the cycles it left once, after it."""
    # A render leaves about 10,000 objects in reference cycles (boxes, styles, PDF objects). Left to itself the
    # collector runs about 20 times a render, finds them still alive, and promotes them until a full collection
    # of the whole heap frees them every few renders: about 13 ms of a 140 ms render. One young collection after
    # the render frees them all in about 3 ms, and memory no longer waits for a full collection.
    if not gc.isenabled():  # another thread's render, or our caller, turned it off: leave it as it is
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


class LimitReached(BaseException):
    """A page or time limit hit inside WeasyPrint; BaseException so no `except Exception` there swallows it."""


class _TooManyPages(LimitReached):
    """Raised from the progress logger when the layout passes the page limit."""


class _TooSlow(LimitReached):
    """Raised by the alarm signal when a render runs out of time."""


class _PageCounter(logging.Handler):
    """Counts the pages WeasyPrint lays out, and stops a runaway layout past the limit before it fills memory."""

    def __init__(self, limit: int):
        super().__init__(logging.INFO)
        self.limit = limit
        self.layouts = [0]  # pages laid out, counting each page as often as it is laid out

    def emit(self, record):
        page = weasyfixes.page_laid_out(record)
        if page is not None:
            self.layouts[0] += 1
            if page > self.limit:
                raise _TooManyPages()


@contextlib.contextmanager
def _limits(max_pages: int, timeout: float):
    """Enforce the page and time limits for one render."""
    progress = logging.getLogger(weasyfixes.PROGRESS)
    counter = _PageCounter(max_pages)
    saved = progress.level, progress.propagate
    progress.setLevel(logging.INFO)
    progress.propagate = False
    progress.addHandler(counter)
    # No SIGALRM on Windows: there only the parent's watch on worker processes limits the time.
    alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread() and timeout > 0
    if alarm:
        def expire(signum, frame):
            raise _TooSlow()
        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield counter.layouts
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        progress.removeHandler(counter)
        progress.setLevel(saved[0])
        progress.propagate = saved[1]


_engines: dict = {}


def forget() -> None:
    """Drop this process's kept engine and remove its fonts' folder (a changed project, or the process ends)."""
    for engine in _engines.values():
        engine.close()
    _engines.clear()


caches.register(forget)
atexit.register(forget)  # forked workers end with os._exit and run no atexit hook: they leave it to the parent


def inherit() -> None:
    """In a forked worker: make the engine inherited from the parent this process's own, before anything here can
    drop it (WeasyPrint would then remove the parent's fonts' folder, still in use, as it collects it)."""
    for engine in _engines.values():
        engine.adopt()


def _styles_key(project: Project) -> tuple:
    """What identifies the styles folder's state: each stylesheet's digest; each other file's (fonts, images) size,
    inode and modification time, which a write or a replacement changes. Not its change time: linking a shipped
    font into a test project changes that of every link to it."""
    key: list[tuple] = []
    for path in sorted(p for p in Path(project.styles).rglob("*") if p.is_file()):
        if path.suffix == ".css":
            key.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        else:
            stat = path.stat()
            key.append((str(path), stat.st_size, stat.st_ino, stat.st_mtime_ns))
    return (str(project.root), tuple(key))


def engine_for(project: Project) -> Engine:
    """This process's engine for the project, kept across builds; new when its styles changed (an engine keeps
    parsed stylesheets and fonts). A worker forked from this process inherits it, warm."""
    key = _styles_key(project)
    if key not in _engines:
        forget()  # one project's at a time: an engine holds fonts and images
        engine = _engines[key] = Engine(project)
        engine.folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-engine-"))
    return _engines[key]


def render_pdf(project: Project, name: str, html: str, leaflet_folder: Path | None = None) -> Rendered:
    """Render one complete HTML document (stylesheet links included), sandboxed."""
    return Engine(project).render(name, html, (), leaflet_folder)


def page_count(data: bytes) -> int:
    """A PDF's number of pages, for the report and manifest of a paged format made in the main process."""
    import pypdfium2
    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


# Made by the render workers (workers.py), which keep WeasyPrint's fonts and parsed stylesheets between leaflets.
PDF_OUTPUT = Output("pdf", ".pdf", "application/pdf", "printable PDF, tagged PDF/UA-1", paged=True, label="PDF")
