"""Every reach into WeasyPrint's internals, in one place: what it does there, why we change it, for which version.

Written against WeasyPrint 70.0 (requirements.txt pins it). docs/weasyprint-workarounds.md has a section for each,
with its upstream issue; tests/test_weasyfixes.py fails when an upgrade changes what one relies on, and shows
each defect on a tiny document rendered without the workaround. The wrappers are installed once per process
and do nothing of ours outside a render that asks for it: state goes through context variables, never through
attributes set on WeasyPrint's objects.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from publisher.outputs.pdf import quickimport

WEASYPRINT = "70.0"  # the version these were written against and tested with

# WeasyPrint's functions as they were before we wrapped them, by the name we wrapped ("module.name"): the tests
# put them back to show each defect.
ORIGINALS: dict = {}
# PosixPath or WindowsPath, whichever pathlib makes here: _FontFolder extends it.
_CONCRETE_PATH: Any = type(Path())

# The function the structure tree hook calls with (box, parent element, element) for each element WeasyPrint
# makes, set by `seeing_elements` around one PDF's writing; None outside it.
_see: contextvars.ContextVar[Callable | None] = contextvars.ContextVar("see_elements", default=None)
# What to do with the pages after a single layout pass, set by `one_layout`; None: WeasyPrint's own passes.
_after_layout: contextvars.ContextVar[Callable | None] = contextvars.ContextVar("after_one_layout", default=None)


@functools.cache
def install():
    """Import WeasyPrint and put the workarounds below in place, once per process; WeasyPrint, for its callers."""
    with quickimport.libraries_found_quickly(), quickimport.font_tools_on_demand():
        import weasyprint
        import weasyprint.text.fonts
        import weasyprint.urls

    _actual_text()
    _structure_hook()
    _layout_hook()
    _linked_fonts()
    _open_arrays()
    return weasyprint


# --- Stream.marked: /ActualText for shaped scripts ----------------------------------------------------------------

# Scripts whose printed glyphs do not map back to their letters one for one: Arabic letters are drawn from shared
# skeletons and dots, Bengali vowel signs are drawn before the consonant they follow. WeasyPrint's per-glyph
# ToUnicode map then gives wrong letters when the PDF's text is copied, searched or read aloud.
SHAPED = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u0980-\u09ff]")


def _actual_text() -> None:
    """Give the marked content of each line of Arabic-script or Bengali text its /ActualText: the letters it shows.

    WeasyPrint maps each glyph to text in the font's ToUnicode map, which cannot say what a shaped cluster reads
    as (Kozea/WeasyPrint#2841). A reader takes a marked-content sequence's /ActualText instead. WeasyPrint has
    no hook for it, so Stream.marked(self, box, tag), which opens the sequence of each text box of a tagged PDF
    (its property list is stream[-2], before b"BDC"), is wrapped. Other scripts are left as they were.
    """
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf.stream import Stream

    original = ORIGINALS["Stream.marked"] = Stream.marked

    @contextlib.contextmanager
    def marked(self, box, tag):
        with original(self, box, tag):
            if (self._tags is not None and isinstance(box, boxes.TextBox) and SHAPED.search(box.text)
                    and isinstance(self.stream[-2], dict) and "MCID" in self.stream[-2]):
                self.stream[-2]["ActualText"] = pydyf.String(box.text)
            yield

    Stream.marked = marked


# --- tags._build_box_tree: a hook on each structure element ---------------------------------------------------------

def _structure_hook() -> None:
    """Call the render's element function with each structure element as WeasyPrint makes it.

    WeasyPrint builds the tag tree in one recursive generator, _build_box_tree(box, parent, pdf, page_number,
    nums, annotations, tags), one element per box, and keeps no link from an element back to its box or HTML
    element. Our finishing needs that link: an element's `lang` (WeasyPrint writes the document's only), the
    columns of a bilingual edition, a link's text and its leader's dots (Kozea/WeasyPrint#2482, #185), and the
    /ID of a callout the preflight looks for. The generator is wrapped; it yields what it did, unchanged.
    """
    from weasyprint.pdf import tags

    original = ORIGINALS["tags._build_box_tree"] = tags._build_box_tree

    def build(box, parent, pdf, *args):
        for element in original(box, parent, pdf, *args):
            see = _see.get()
            if see is not None:
                see(box, parent, element)
            yield element

    tags._build_box_tree = build


def seeing_elements(see: Callable) -> contextlib.AbstractContextManager:
    """Within this block, `see(box, parent, element)` is called for each structure element WeasyPrint makes."""
    return setting(_see, see)


# --- layout_document: one layout pass, the page numbers written in after ----------------------------------------

def _layout_hook() -> None:
    """Lay the pages out once and hand them to the render's function, instead of WeasyPrint's repeated passes.

    WeasyPrint lays a page out again when a target-counter() on it learns its value, and once more for the page
    total (Kozea/WeasyPrint#652 made it re-use pages that did not change; a contents page still takes three).
    weasyprint.document imports layout_document(html, root_box, context, max_loops=8) by name; that name is
    wrapped. pagenumbers.py writes the numbers in, reading WeasyPrint 70's layout state, or asks for the passes.
    """
    from weasyprint import document

    original = ORIGINALS["document.layout_document"] = document.layout_document

    def layout_document(html, root_box, context, max_loops=8):
        after = _after_layout.get()
        if after is None:
            return original(html, root_box, context, max_loops)
        pages = list(original(html, root_box, context, max_loops=1))
        after(pages, context)
        return pages

    document.layout_document = layout_document


def one_layout(after: Callable) -> contextlib.AbstractContextManager:
    """Within this block, pages are laid out once, then `after(pages, layout context)` is called."""
    return setting(_after_layout, after)


@contextlib.contextmanager
def setting(variable: contextvars.ContextVar, value) -> Iterator[None]:
    """A context variable set to `value` for the length of the block (the way a render asks for a workaround)."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


# --- The progress logger's text: pages laid out ------------------------------------------------------------------

PROGRESS = "weasyprint.progress"  # the logger WeasyPrint tells its progress on (Kozea/WeasyPrint#488)
_LAYING_OUT = "Step 5 - Creating layout - Page %d"  # logged as each page is laid out (and again if laid out again)


def page_laid_out(record) -> int | None:
    """The page number a progress record says WeasyPrint is laying out now, or None.

    WeasyPrint has no page limit nor a callback per page; its progress log is the one place to count and to stop a
    runaway layout (Kozea/WeasyPrint#1549). Its text is matched exactly: "... Page %d (up-to-date)" re-uses a page
    already laid out, and counts for nothing.
    """
    if record.msg == _LAYING_OUT and record.args:
        return int(record.args[0])
    return None


# --- FontConfiguration.add_font_face: font files linked, not copied ------------------------------------------------

# The first bytes of a TrueType or OpenType font file (or collection): what FreeType reads as it is.
_SFNT = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")


def _linked_fonts() -> None:
    """Give fontconfig each @font-face font file of the project itself, hard-linked, instead of a copy.

    add_font_face(self, rule_descriptors, url_fetcher) reads the whole font through the URL fetcher and writes it
    into the configuration's own folder (_folder), for fontconfig to load from there: 27 MB read and written,
    about 50 ms, each time a process sets up its fonts (each build, each worker that makes its own engine). Here
    the fetcher's answer for a TrueType or OpenType file is a _FontFile, which reads only the bytes asked for,
    and the folder is a _FontFolder, whose files are hard links to the fonts when given one (a copy when the
    link cannot be made, across file systems). WOFF fonts and data: URLs are read and written as before.
    """
    from weasyprint.text import fonts

    original = ORIGINALS["FontConfiguration.add_font_face"] = fonts.FontConfiguration.add_font_face

    def add_font_face(self, rule_descriptors, url_fetcher):
        if self._folder is None:
            self._folder = _FontFolder(fonts.mkdtemp(prefix="weasyprint-"))  # as WeasyPrint makes it
        return original(self, rule_descriptors, _FontFetcher(url_fetcher))

    fonts.FontConfiguration.add_font_face = add_font_face


class _FontFile:
    """A local font file as add_font_face sees the font it fetched: sliced for its first bytes, then written."""

    def __init__(self, path: str, stat: os.stat_result):
        self.path, self.stat = path, stat

    def __getitem__(self, index):
        with open(self.path, "rb") as handle:
            if isinstance(index, slice) and not index.start and index.step is None and index.stop is not None:
                return handle.read(index.stop)  # font[:3], the WOFF test: only those bytes
            return handle.read()[index]

    def __bytes__(self) -> bytes:
        with open(self.path, "rb") as handle:
            return handle.read()


class _Body:
    """A response body whose read() gives the _FontFile."""

    def __init__(self, font: _FontFile):
        self.font = font

    def read(self, *args, **kwargs) -> _FontFile:
        return self.font

    def close(self) -> None:
        pass


class _FontFetcher:
    """The URL fetcher add_font_face is given: a TrueType or OpenType file comes back as a _FontFile."""

    def __init__(self, fetcher):
        self._fetcher = fetcher

    def __getattr__(self, name):
        return getattr(self._fetcher, name)  # _fail_on_errors, which weasyprint.urls.fetch reads

    def __call__(self, url):
        from weasyprint.urls import URLFetcherResponse

        response = self._fetcher(url)
        path = response.path  # for a file: URL only
        if not path:
            return response
        with open(path, "rb") as handle:
            magic, stat = handle.read(4), os.fstat(handle.fileno())
        if magic not in _SFNT:
            return response
        response.close()
        return URLFetcherResponse(response.url, _Body(_FontFile(path, stat)), response.headers, response.status)


class _FontFolder(_CONCRETE_PATH):
    """add_font_face's _folder, and the font paths made from it: a _FontFile is linked in, not copied."""

    def write_bytes(self, data) -> int:
        if not isinstance(data, _FontFile):
            return super().write_bytes(data)
        try:
            os.link(data.path, self)
            linked = os.stat(self)
            if (linked.st_ino, linked.st_size, linked.st_mtime_ns) == (
                    data.stat.st_ino, data.stat.st_size, data.stat.st_mtime_ns):
                return data.stat.st_size
            os.unlink(self)  # replaced since it was fetched: copied as it is now
        except OSError:  # another file system (EXDEV), or links not allowed: copied
            pass
        return super().write_bytes(bytes(data))


# --- Font subsetting's arrays: one C type, not one a length ----------------------------------------------------

_SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")  # a C array type with its length: 'hb_codepoint_t[57]'


def _open_arrays() -> None:
    """Let font subsetting make its glyph arrays without parsing a C type for each length.

    Font._harfbuzz_subset makes each array with ffi.new(f'hb_codepoint_t[{len(values)}]', values). cffi parses
    each type string it has not seen with pycparser (about 2 ms), and each glyph count is a new string: about 9 ms
    of a fresh worker's first PDF. Here the fonts module's ffi is an _OpenArrays, which makes 'T[N]' given
    exactly N values as 'T[]' with them: the same array, its type parsed once a process.
    """
    from weasyprint.pdf import fonts

    ORIGINALS["pdf.fonts.ffi"] = fonts.ffi
    fonts.ffi = _OpenArrays(fonts.ffi)


class _OpenArrays:
    """An FFI whose new() makes an array of a stated length, given that many values, as an open-length array."""

    def __init__(self, ffi):
        self._ffi = ffi

    def __getattr__(self, name):
        return getattr(self._ffi, name)

    def new(self, cdecl, init=None):
        sized = _SIZED_ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if sized and isinstance(init, (list, tuple)) and len(init) == int(sized[2]):
            cdecl = f"{sized[1]}[]"
        return self._ffi.new(cdecl, init)


# --- Private attributes read ---------------------------------------------------------------------------------------

def page_boxes(document) -> list:
    """The root box of each laid-out page (WeasyPrint's Page keeps it as _page_box)."""
    return [page._page_box for page in document.pages]


def forget_font_folder(font_config) -> None:
    """Make a font configuration write the next @font-face fonts it loads into a new folder of its own.

    FontConfiguration keeps the fonts it loads in one folder (_folder), made on first use, skips a face whose file
    is there already, and removes the folder when collected. A render worker forked from the process that loaded
    the faces inherits both: were it to write a new face there, the parent would skip that face later without
    ever loading it. The worker's own folder goes in its build's temporary folder.
    """
    font_config._folder = None


def placed(box):
    """The box an absolutely placed one stands for (WeasyPrint wraps it in an AbsolutePlaceholder, as _box)."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    return box._box if isinstance(box, AbsolutePlaceholder) else box
