"""Render PDF: HTML to PDF bytes with WeasyPrint, inside the project and nowhere else."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from .content import Project
from .errors import RenderError

MAX_DATA_URI = 2_000_000

# mkstemp makes files readable by their owner only; outputs get the usual permissions.
_UMASK = os.umask(0)
os.umask(_UMASK)


def _weasyprint():
    # Imported on first use: `check` and `--help` should not pay for it.
    import weasyprint
    import weasyprint.text.fonts
    import weasyprint.urls
    return weasyprint


@dataclasses.dataclass
class Rendered:
    """A finished PDF and what we learnt while making it."""

    pdf: bytes
    pages: int
    warnings: list  # of str


def _fetcher_class():
    weasyprint = _weasyprint()

    class ProjectFetcher(weasyprint.urls.URLFetcher):
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


class Engine:
    """WeasyPrint set up once per process: fonts, parsed stylesheets and images are reused across leaflets."""

    def __init__(self, project: Project):
        weasyprint = _weasyprint()
        self.project = project
        self.font_config = weasyprint.text.fonts.FontConfiguration()
        self.image_cache: dict = {}
        self._stylesheets: dict = {}

    def stylesheet(self, paper: str):
        """The parsed stylesheet for a paper size, parsed on first use."""
        if paper not in self._stylesheets:
            weasyprint = _weasyprint()
            fetcher = _fetcher_class()([self.project.styles])
            with captured_warnings() as warnings:
                css = weasyprint.CSS(filename=str(self.project.styles / f"{paper}.css"), url_fetcher=fetcher,
                                     font_config=self.font_config)
            self._stylesheets[paper] = (css, list(warnings))
        return self._stylesheets[paper]

    def render(self, name: str, html: str, paper: str | None, extra_roots: list[Path] = ()) -> Rendered:
        """Turn a leaflet's HTML into PDF bytes, refusing anything outside the project.

        With a paper size, the HTML carries no stylesheet link and the parsed
        stylesheet is reused; with None, the HTML's own links are loaded.
        """
        weasyprint = _weasyprint()
        project = self.project
        css, css_warnings = self.stylesheet(paper) if paper else (None, [])
        fetcher = _fetcher_class()([project.templates, project.styles, project.handouts, *extra_roots])
        with captured_warnings() as warnings:
            try:
                document = weasyprint.HTML(string=html, base_url=project.root.as_uri() + "/", url_fetcher=fetcher).render(
                    stylesheets=[css] if css else None, font_config=self.font_config, cache=self.image_cache)
                # A fixed identifier derived from the content keeps builds byte-identical.
                identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
                pdf = document.write_pdf(pdf_identifier=identifier)
            except weasyprint.urls.FatalURLFetchingError:
                raise RenderError(name, "; ".join(fetcher.refused))
        return Rendered(pdf=pdf, pages=len(document.pages), warnings=css_warnings + list(warnings))


def render_pdf(project: Project, name: str, html: str, extra_roots: list[Path] = ()) -> Rendered:
    """Render one complete HTML document (stylesheet links included), sandboxed."""
    return Engine(project).render(name, html, None, extra_roots)


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that readers see the old file or the new one, never half."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
