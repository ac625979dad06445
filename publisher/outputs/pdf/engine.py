"""Render PDF: HTML to PDF bytes with WeasyPrint, inside the project and nowhere else."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import re
import signal
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from publisher.core import caches
from publisher.core.errors import RenderError
from publisher.outputs.base import Output, register
from publisher.outputs.pdf import links, pagenumbers, preflight
from publisher.source.content import Project

MAX_DATA_URI = 2_000_000
MAX_PAGES = 40  # a patient leaflet; far more means something went wrong
DEFAULT_VARIANT = "pdf/ua-1"  # tagged, accessible PDF
VARIANTS = ("pdf/ua-1", "pdf/a-3u")
TIMEOUT = 60.0  # seconds per leaflet; a real one takes one or two



def _weasyprint():
    # Imported on first use: `check` and `--help` should not pay for it.
    import weasyprint
    import weasyprint.text.fonts
    import weasyprint.urls
    _actual_text()
    _block_languages()
    pagenumbers.install()
    return weasyprint


# Scripts whose printed glyphs do not map back to their letters one for one: Arabic letters are drawn from shared
# skeletons and dots, Bengali vowel signs are drawn before the consonant they follow. WeasyPrint's per-glyph
# ToUnicode map then gives wrong letters when the PDF's text is copied, searched or read aloud.
_SHAPED = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u0980-\u09ff]")


@functools.cache
def _actual_text() -> None:
    """Give the marked content of each line of Arabic-script or Bengali text its /ActualText: the letters it shows.

    PDF readers, text extraction and screen readers take a marked-content sequence's /ActualText instead of
    decoding its glyphs. WeasyPrint has no hook for it, so its Stream.marked (which opens the sequence of each
    text box of a tagged PDF) is wrapped, once per process. Text in other scripts is left as it was, byte for byte.
    """
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf.stream import Stream

    original = Stream.marked

    @contextlib.contextmanager
    def marked(self, box, tag):
        with original(self, box, tag):
            if (self._tags is not None and isinstance(box, boxes.TextBox) and _SHAPED.search(box.text)
                    and isinstance(self.stream[-2], dict) and "MCID" in self.stream[-2]):
                self.stream[-2]["ActualText"] = pydyf.String(box.text)
            yield

    Stream.marked = marked


@functools.cache
def _block_languages() -> None:
    """Give the structure element of each element with its own `lang` (a bilingual edition's column) its /Lang.

    WeasyPrint sets the document's /Lang only. Its tag tree is built by one recursive function, one element
    per box, so that function is wrapped, once per process: an element whose HTML says `lang` gets it in the
    PDF, and a screen reader reads a Welsh column in Welsh and an English one in English. Spans are left to
    the finisher (_tag_languages), as before.
    """
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    original = tags._build_box_tree

    def build(box, parent, pdf, *args):
        for element in original(box, parent, pdf, *args):
            own = getattr(box, "element", None)
            lang = own.get("lang") if own is not None and hasattr(own, "get") else None
            if (lang and not isinstance(box, (boxes.InlineBox, boxes.TextBox)) and box.element_tag not in ("html", "body")
                    and isinstance(element, pydyf.Dictionary) and "Lang" not in element):
                element["Lang"] = pydyf.String(lang)
            if (own is not None and hasattr(own, "get") and PARALLEL in (own.get("class") or "").split()
                    and isinstance(element, pydyf.Dictionary)):
                # For _read_each_language_through: a column and the structure element it sits in.
                pdf.__dict__.setdefault("parallel_columns", []).append((element, parent, own.get("lang") or ""))
            if isinstance(element, pydyf.Dictionary) and element.get("S") == "/Link":
                links.record(box, element, pdf)
            marked = [MARKED[name] for name in (own.get("class") or "").split() if name in MARKED] \
                if own is not None and hasattr(own, "get") else []
            if marked and isinstance(element, pydyf.Dictionary) and "ID" not in element:
                # For the preflight: each page's piece of one callout (or part) gets the same /ID, so it can tell
                # a split one.
                kept = pdf.__dict__.setdefault("preflight_ids", {})
                element["ID"] = pydyf.String(f"{marked[0]}-{kept.setdefault(id(own), len(kept) + 1)}")
            yield element

    tags._build_box_tree = build


# Classes whose elements the preflight finds in the structure tree by their /ID: a block never split across
# pages nor parted from its heading, and a part of a leaflet that ends its page (a bilingual edition's language,
# a booklet's back cover).
MARKED = {"callout-urgent": preflight.KEEP, "bilingual-part": preflight.PART, "back-cover": preflight.PART}

# The class of a column of text beside its translation (templates/bilingual.html): one row a section, so
# headings line up on paper; the structure tree reads each language through (_read_each_language_through).
PARALLEL = "bilingual-column"


def _read_each_language_through(pdf) -> None:
    """Put every column of the first language before every column of the second in the structure tree.

    Side by side, a row holds a section and its translation, so the tags would read a Welsh section, its
    English, the next Welsh one... A screen reader user reads one language: the first row's element gets
    every first-language column, the second row's every second-language one, and the other rows none.
    """
    found = pdf.__dict__.get("parallel_columns", [])
    inner = {id(element) for element, _, _ in found}
    columns = [column for column in found if id(column[1]) not in inner]  # not a column's anonymous boxes
    rows = list({id(parent): parent for _, parent, _ in columns}.values())
    if len(rows) < 2:
        return
    by_language: dict = {}
    for element, _, lang in columns:
        by_language.setdefault(lang, []).append(element)
    if len(by_language) != 2:  # not two languages side by side: leave the tree as the page has it
        return
    for row in rows:
        row["K"] = pydyf_array([])
    for row, elements in zip(rows, by_language.values(), strict=False):
        row["K"] = pydyf_array([element.reference for element in elements])
        for element in elements:
            element["P"] = row.reference


def pydyf_array(items: list):
    """A PDF array."""
    import pydyf
    return pydyf.Array(items)


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


class Engine:
    """WeasyPrint set up once per process: fonts, parsed stylesheets and images are reused across leaflets."""

    def __init__(self, project: Project):
        weasyprint = _weasyprint()
        self.project = project
        self.font_config = weasyprint.text.fonts.FontConfiguration()
        self.image_cache: dict = {}
        self._stylesheets: dict = {}

    def stylesheets(self, files: tuple) -> tuple:
        """The parsed stylesheets (project-relative paths, in cascade order), parsed once per process."""
        if files not in self._stylesheets:
            weasyprint = _weasyprint()
            fetcher = _fetcher_class()([self.project.styles])
            with captured_warnings() as warnings:
                parsed = [weasyprint.CSS(filename=str(self.project.path(f)), url_fetcher=fetcher,
                                         font_config=self.font_config) for f in files]
            self._stylesheets[files] = (parsed, list(warnings))
        return self._stylesheets[files]

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
        css, css_warnings = self.stylesheets(tuple(styles)) if styles else (None, [])
        fetcher = _fetcher_class()(project.asset_roots(leaflet_folder))
        with captured_warnings() as warnings, _limits(max_pages, timeout) as layouts:
            try:
                try:
                    document = self._layout(html, css, fetcher)
                except pagenumbers.Relayout:
                    del warnings[:]  # the second render logs them again
                    with pagenumbers.weasyprint_passes():
                        document = self._layout(html, css, fetcher)
                # A fixed identifier derived from the content keeps builds byte-identical.
                identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
                pdf = document.write_pdf(pdf_identifier=identifier, pdf_variant=variant, pdf_tags=True,
                                         finisher=_finish)
            except weasyprint.urls.FatalURLFetchingError:
                raise RenderError(name, "; ".join(fetcher.refused))
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

    def _layout(self, html: str, css, fetcher):
        """WeasyPrint's laid-out document."""
        return _weasyprint().HTML(string=html, base_url=self.project.root.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=css, font_config=self.font_config, cache=self.image_cache, pdf_tags=True)


def _finish(document, pdf) -> None:
    """What the tagged PDF lacks after WeasyPrint: header cells' /Scope, marked phrases' /Lang, a well-formed
    ToUnicode map."""
    _scope_table_headers(document, pdf)
    _tag_languages(document, pdf)
    _read_each_language_through(pdf)
    links.once(pdf)
    _fill_empty_unicode_entries(pdf)


def _fill_empty_unicode_entries(pdf) -> None:
    """Map to U+200D ZERO WIDTH JOINER the glyphs WeasyPrint's ToUnicode map gives as '<gggg> <>'.

    A glyph that is only part of what a letter is drawn with (the dots of an Arabic letter, drawn apart from
    its skeleton) stands for no text of its own. WeasyPrint writes that as an empty destination, a malformed
    map, and PDF/UA wants every glyph mapped. A zero-width joiner says nothing and keeps an Arabic word
    joined for a reader that ignores /ActualText; the line's /ActualText gives its letters to those that read it.
    """
    for item in pdf.objects:
        stream = getattr(item, "stream", None)
        if isinstance(stream, list) and stream and stream[0] == b"/CIDInit /ProcSet findresource begin":
            item.stream = [line[:-2] + b"<200d>" if isinstance(line, bytes) and line.startswith(b"<")
                           and line.endswith(b"> <>") else line for line in stream]


def _tag_languages(document, pdf) -> None:
    """Give the /Span of each <span lang> (a phrase marked [words]{lang=cy}) its /Lang, so a screen reader switches voice.

    WeasyPrint tags a span as /Span but drops its lang. It makes one structure element for each span box, in
    the order of a depth-first walk of the page boxes, before the elements of the text inside it (which are
    /Span too, each holding one marked-content id); walking the boxes the same way pairs them up.
    """
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    def walk(box):
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if box.element_tag == "span" and isinstance(box, boxes.InlineBox):  # not the text boxes inside it
            yield box
        if isinstance(box, boxes.ParentBox):
            for child in box.children:
                yield from walk(child)

    spans = [box for page in document.pages for box in walk(page._page_box)]
    elements = [item for item in pdf.objects if isinstance(item, dict) and item.get("S") == "/Span"
                and not any(isinstance(kid, int) for kid in item.get("K", ()))]
    if len(spans) != len(elements):  # not the tree this pairing expects: leave it untagged rather than mislabel it
        return
    for box, element in zip(spans, elements, strict=True):
        if lang := box.element.get("lang"):
            element["Lang"] = pydyf_string(lang)


def pydyf_string(text: str):
    """A PDF text string."""
    import pydyf
    return pydyf.String(text)


def _scope_table_headers(document, pdf) -> None:
    """Give each table header cell its /Scope, as the HTML's <th scope> says.

    WeasyPrint links data cells to their headers with /Headers only; PDF/UA
    checkers and some screen readers look for /Scope on the header cell itself.
    """
    for item in pdf.objects:
        if isinstance(item, dict) and item.get("S") == "/TH" and isinstance(item.get("A"), dict):
            item["A"].setdefault("Scope", "/Column")


class LimitReached(BaseException):
    """A page or time limit hit inside WeasyPrint; BaseException so no `except Exception` there swallows it."""


class _TooManyPages(LimitReached):
    """Raised from the progress logger when the layout passes the page limit."""


class _TooSlow(LimitReached):
    """Raised by the alarm signal when a render runs out of time."""


class _PageCounter(logging.Handler):
    # WeasyPrint logs each page it lays out on its progress logger; that is the
    # one place to stop a runaway layout before it fills memory.
    def __init__(self, limit: int):
        super().__init__(logging.INFO)
        self.limit = limit

        self.layouts = [0]  # pages laid out, counting each page as often as it is laid out

    def emit(self, record):
        if record.msg == "Step 5 - Creating layout - Page %d":  # not "... (up-to-date)", which reuses the page
            self.layouts[0] += 1
            if record.args and record.args[0] > self.limit:
                raise _TooManyPages()


@contextlib.contextmanager
def _limits(max_pages: int, timeout: float):
    """Enforce the page and time limits for one render."""
    progress = logging.getLogger("weasyprint.progress")
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
caches.register(_engines.clear)


def engine_for(project: Project) -> Engine:
    """This process's engine for the project, new when its styles changed (an engine keeps parsed stylesheets)."""
    key = (str(project.root), tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                                           for p in Path(project.styles).rglob("*") if p.is_file())))
    if key not in _engines:
        _engines.clear()  # one project's at a time: an engine holds fonts and images
        _engines[key] = Engine(project)
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
register(Output("pdf", ".pdf", "application/pdf", "printable PDF, tagged PDF/UA-1", paged=True, label="PDF"))
