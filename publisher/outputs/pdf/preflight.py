"""Preflight: read a finished PDF back and find what a patient would see wrong on its pages."""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import re
from pathlib import Path

from publisher.core import caches
from publisher.core.errors import Diagnostic
from publisher.source import fonts

MM = 72 / 25.4
UNPRINTABLE = 3 * MM  # a desk printer's unprintable margin: text and images stay clear of it
EDGE_SLACK = 1.0  # points a background may run past the trim edge (rounding), before it counts as past it
MOST_BLANK = 0.60  # a page before the last may be at most this much empty
# Two lines sharing more than this share of the smaller one's height, and more than 1 mm across, print over each
# other. Less is the shape of a script: Nastaliq's words and marks reach into their neighbours' boxes.
OVERLAP = 0.30
KEEP = "keep"  # the /ID prefix tagging.py gives an urgent callout's structure elements: "keep-3", one number a callout
PART = "part"  # and a part that ends its last page (a bilingual edition's language): "part-1"
DRAWN_ROUND = 20 * MM  # a callout's border, padding and margins: drawn round its text, outside its marked content
HEADINGS = frozenset({"H", "H1", "H2", "H3", "H4", "H5", "H6"})

# One line each, for docs/preflight.md and the tests: the rules this module finds broken.
RULES = {
    "preflight-overlap": "text printed over other text",
    "preflight-edge": "something past the trim edge, or text or an image inside the 3 mm unprintable margin",
    "preflight-heading": "a heading last on a page, or alone on a page",
    "preflight-callout": "an urgent callout split across pages, or parted from its heading",
    "preflight-blank": "a page more than 60% blank before the last",
    "preflight-font": "a font the project does not ship, or a missing glyph (.notdef)",
}

_TEXT, _IMAGE = 1, 3  # pdfium's page object types
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_STYLE = re.compile(r"(-(Regular|Bold|Italic|Oblique|BoldItalic|BoldOblique|Medium|Light|SemiBold|Black))+$")


@dataclasses.dataclass
class Block:
    """A piece of a page's content, as its structure tree tags it: a heading, a callout or other content."""

    kind: str  # "heading", "callout" or "content"
    key: str  # a callout's /ID, the same on every page it is on; "" for the rest
    box: tuple  # (left, bottom, right, top) in points, PDF space
    part: str = ""  # the /ID of the part it is in, if any


@dataclasses.dataclass
class Page:
    """What the checks need of one page."""

    number: int
    width: float
    height: float
    trim: tuple  # (left, bottom, right, top)
    bled: bool  # the page has bleed round its trim box (--print-marks)
    lines: list  # of (left, bottom, right, top): each text object's box
    objects: list  # of (type, (left, bottom, right, top))
    blocks: list  # of Block, in reading order
    fonts: dict  # font name in the PDF -> the text drawn in it


@dataclasses.dataclass
class Shipped:
    """The fonts a project ships: family name as a PDF spells it -> the characters its files print."""

    families: dict

    @functools.cached_property
    def everything(self) -> frozenset:
        """Every character some shipped font prints."""
        return frozenset().union(*self.families.values())

    def family(self, base_font: str) -> str | None:
        """The shipped family a PDF font name belongs to, or None."""
        return self._by_key.get(_key(_STYLE.sub("", _SUBSET.sub("", base_font).rstrip(",; "))))

    @functools.cached_property
    def _by_key(self) -> dict:
        # A PDF spells a family as its font file names it: "Noto-Sans-Symbols-2," for "Noto Sans Symbols 2"
        # (that font's own name ends in a comma), so names are compared by their letters and digits alone.
        return {_key(name): name for name in self.families}


def _key(name: str) -> str:
    """A font family's name reduced to lower-case letters and digits, to compare spellings."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def shipped_fonts(styles: Path) -> Shipped:
    """The families declared by @font-face in the project's stylesheets, with what their files print."""
    styles = Path(styles).resolve()
    families: dict = {}
    for sheet in sorted(styles.glob("*.css")):
        for block in re.findall(r"@font-face\s*{([^}]*)}", sheet.read_text(encoding="utf-8")):
            family = re.search(r"font-family:\s*[\"']?([^;\"']+)", block)
            source = re.search(r"url\(\s*[\"']?([^)\"']+)", block)
            if family and source and (styles / source.group(1)).is_file():
                families.setdefault(family.group(1).strip().replace(" ", "-"), []).append(styles / source.group(1))
    # By what the files are, not where: test projects link the same fonts; a replaced font is read again.
    key = tuple((name, tuple(fonts.file_key(path) for path in paths)) for name, paths in families.items())
    if key not in _shipped:
        _shipped[key] = Shipped({name: frozenset().union(*(fonts.file_characters(path) for path in paths))
                                 for name, paths in families.items()})
    return _shipped[key]


_shipped: dict = {}  # what shipped_fonts found, by the fonts' names, sizes and times
caches.register(_shipped.clear)


# What a publishing build refuses even without --strict: a patient is never given urgent advice split across
# pages or parted from its heading (a draft build warns, so its author sees the page and shortens the callout).
REFUSED_IN_PUBLISHING = frozenset({"preflight-callout"})


def describe(language: str, paper_label: str, edition_label: str, output_label: str = "") -> str:
    """Where a finding is: 'cy, A5, large print edition[, Bilingual (PDF)]' (the leaflet is the diagnostic's path)."""
    return ", ".join(part for part in (language, paper_label, edition_label, output_label) if part)


def check(data: bytes, name: str, where: str, shipped: Shipped) -> list:
    """Every preflight finding on a PDF's pages, as warnings naming `name` (the leaflet) and `where` (its edition)."""
    pages = read(data)
    found: list = []

    def finding(rule: str, page: int, message: str) -> None:
        found.append(Diagnostic(name, 0, 0, "", f"{where}, page {page}: {message}", "warning", rule))

    area = _text_area(pages)
    for page in pages:
        _overlaps(page, finding)
        _edges(page, finding)
        _fonts(page, shipped, finding)
        if page.number < len(pages):
            _blank(page, area, pages[page.number], finding)
    _headings(pages, finding)
    _callouts(pages, finding)
    return found


def _overlaps(page: Page, finding) -> None:
    lines = sorted(page.lines, key=lambda b: -b[3])
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            if b[3] <= a[1]:  # sorted by top: every later line is wholly below this one
                break
            height = min(a[3] - a[1], b[3] - b[1])
            across = min(a[2], b[2]) - max(a[0], b[0])
            down = min(a[3], b[3]) - max(a[1], b[1])
            if height > 0 and across > MM and down > OVERLAP * height:
                finding("preflight-overlap", page.number, f"text at {_where(a, page)} and text at {_where(b, page)} "
                        "print over each other - shorten one of them, or change the stylesheet that places them")
                return  # one a page: the first says what to fix


def _edges(page: Page, finding) -> None:
    left, bottom, right, top = page.trim
    for kind, box in page.objects:
        past = box[0] < left - EDGE_SLACK or box[1] < bottom - EDGE_SLACK or box[2] > right + EDGE_SLACK \
            or box[3] > top + EDGE_SLACK
        if kind in (_TEXT, _IMAGE):
            inside = box[0] < left + UNPRINTABLE or box[1] < bottom + UNPRINTABLE or box[2] > right - UNPRINTABLE \
                or box[3] > top - UNPRINTABLE
            if past or inside:
                what = "text" if kind == _TEXT else "an image"
                finding("preflight-edge", page.number, f"{what} at {_where(box, page)} reaches "
                        f"{'past the trim edge' if past else 'into the 3 mm a printer cannot print'} - keep it "
                        "inside the page margins")
                return
        elif past and not page.bled:
            finding("preflight-edge", page.number, f"a shape at {_where(box, page)} runs past the trim edge - keep it "
                    "inside the page")
            return


def _fonts(page: Page, shipped: Shipped, finding) -> None:
    for base_font, text in sorted(page.fonts.items()):
        family = shipped.family(base_font)
        if family is None:
            finding("preflight-font", page.number, f"font {_SUBSET.sub('', base_font)} is not one the project "
                    "ships - add it to styles/fonts/ with an @font-face rule, or use a shipped one")
            continue
        # pdfium reads a line-end hyphen as U+0002, a control character: no glyph is looked up for those.
        # A line's /ActualText (weasyfixes.py) is read for each of its text objects, whatever font each is in: a
        # character counts as missing only where no shipped font has it, and was so printed as .notdef.
        missing = sorted(c for c in set(text) if c.isprintable() and fonts.needs_glyph(c)
                         and c not in shipped.families[family] and c not in shipped.everything)
        if missing:
            finding("preflight-font", page.number, f"{', '.join(fonts.describe(c) for c in missing[:5])} printed "
                    f"as an empty box (.notdef): {family.replace('-', ' ')} has no glyph for it - add a font that "
                    "has it to styles/fonts/, or write the text without it")


def _text_area(pages: list) -> tuple:
    """(top, bottom) of the body text on the pages: the highest top and lowest bottom any page's content reaches."""
    boxes = [block.box for page in pages for block in page.blocks]
    if not boxes:
        return (0.0, 0.0)
    return (max(b[3] for b in boxes), min(b[1] for b in boxes))


def _blank(page: Page, area: tuple, following: Page, finding) -> None:
    top, bottom = area
    if top - bottom < 1:
        return
    lowest = min((block.box[1] for block in page.blocks), default=top)
    empty = (lowest - bottom) / (top - bottom)
    ends_part = bool(page.blocks and following.blocks and page.blocks[-1].part != following.blocks[0].part)
    if empty > MOST_BLANK and not ends_part and _kept(following) <= lowest - bottom:
        finding("preflight-blank", page.number, f"{empty:.0%} of the page is blank before the next page - keep "
                "less together (break-inside: avoid), or shorten what follows so it fits")


def _kept(page: Page) -> float:
    """The height of the urgent callout a page opens with (with the headings above it), or 0.

    An urgent callout is never split: one that did not fit in what was left of the page before leaves that
    page's space empty by design, and that space is no finding.
    """
    for index, block in enumerate(page.blocks):
        if block.kind == "callout":
            text = page.blocks[0].box[3] - min(b.box[1] for b in page.blocks[:index + 1] if b.key == block.key
                                               or b.kind == "heading")
            return text + DRAWN_ROUND
        if block.kind != "heading":
            return 0.0
    return 0.0


def _headings(pages: list, finding) -> None:
    for page in pages:
        if not page.blocks:
            continue
        if all(block.kind == "heading" for block in page.blocks):
            finding("preflight-heading", page.number, "a heading is alone on the page - keep it with what it heads "
                    "(break-after: avoid), or shorten the section before it")
        elif _last(page.blocks).kind == "heading" and page.number < len(pages):
            finding("preflight-heading", page.number, "a heading is last on the page, parted from what it heads - "
                    "keep it with what follows (break-after: avoid)")


def _last(blocks: list) -> Block:
    """The block that ends lowest on the page (the one a reader reaches last)."""
    return min(blocks, key=lambda block: (round(block.box[1], 1), -block.box[0]))


def _callouts(pages: list, finding) -> None:
    spans: dict = {}  # callout key -> [first page, last page]
    previous: Block | None = None  # the block before, in reading order
    previous_page = 0
    for page in pages:
        for block in page.blocks:
            if block.kind == "callout":
                if block.key not in spans and previous is not None and previous.kind == "heading" \
                        and previous_page != page.number:
                    finding("preflight-callout", page.number, f"an urgent callout is parted from its heading on "
                            f"page {previous_page} - keep them together (break-after: avoid on the heading)")
                spans.setdefault(block.key, [page.number, page.number])[1] = page.number
            if not (previous is not None and previous.kind == block.kind == "callout" and previous.key == block.key):
                previous, previous_page = block, page.number
    for first, last in spans.values():
        if last != first:
            finding("preflight-callout", first, f"an urgent callout runs on from this page to page {last} - shorten "
                    "it, or split it into two callouts")


def _where(box: tuple, page: Page) -> str:
    """A place on a page in millimetres from its top left corner, as a person measures it."""
    return f"{box[0] / MM:.0f} mm across, {(page.height - box[3]) / MM:.0f} mm down"


def read(data: bytes) -> list:
    """Read a PDF's pages back with pdfium: their text lines, objects, fonts and tagged blocks."""
    import pypdfium2
    import pypdfium2.raw as raw

    document = pypdfium2.PdfDocument(data)
    try:
        return [_read_page(raw, document[index], index + 1) for index in range(len(document))]
    finally:
        document.close()


def _read_page(raw, page, number: int) -> Page:
    width, height = page.get_size()
    trim = tuple(page.get_trimbox())
    media = tuple(page.get_mediabox())
    textpage = page.get_textpage()
    lines: list = []
    objects: list = []
    marked: dict = {}  # marked-content id -> the boxes of the objects it marks
    used: dict = {}  # font name -> the text drawn in it
    names: dict = {}  # pdfium's font handle -> its name: a page has a few fonts and hundreds of text objects
    text = _Text(raw, textpage.raw)
    edges = [ctypes.c_float() for _ in range(4)]
    # Top-level objects only: pdfium gives the bounds of objects inside a form XObject (an SVG image, a
    # background) in the form's own space, not the page's; the form itself has its bounds on the page.
    # pdfium's own calls, not pypdfium2's object per page object: a PDF has thousands, and this is half its cost.
    for index in range(raw.FPDFPage_CountObjects(page.raw)):
        item = raw.FPDFPage_GetObject(page.raw, index)
        kind = raw.FPDFPageObj_GetType(item)
        raw.FPDFPageObj_GetBounds(item, *edges)
        box = tuple(edge.value for edge in edges)
        objects.append((kind, box))
        mcid = raw.FPDFPageObj_GetMarkedContentID(item)
        if mcid >= 0:
            marked.setdefault(mcid, []).append(box)
        if kind == _TEXT:
            drawn = text.of(item)
            if drawn.strip():
                lines.append(box)
                handle = raw.FPDFTextObj_GetFont(item)
                address = ctypes.cast(handle, ctypes.c_void_p).value
                if address not in names:
                    names[address] = _string(raw.FPDFFont_GetBaseFontName, handle, utf16=False)
                used[names[address]] = used.get(names[address], "") + drawn
    blocks: list = []
    tree = raw.FPDF_StructTree_GetForPage(page.raw)
    try:
        for index in range(raw.FPDF_StructTree_CountChildren(tree)):
            _blocks(raw, raw.FPDF_StructTree_GetChildAtIndex(tree, index), marked, blocks)
    finally:
        raw.FPDF_StructTree_Close(tree)
    textpage.close()
    page.close()
    return Page(number, width, height, trim, trim != media, lines, objects, blocks, used)


def _blocks(raw, element, marked: dict, out: list, part: str = "") -> None:
    """Add the blocks under a structure element: headings and callouts whole, other content by its leaves."""
    kind = _string(raw.FPDF_StructElement_GetType, element)
    key = _string(raw.FPDF_StructElement_GetID, element)
    part = key if key.startswith(PART + "-") else part
    if key.startswith(KEEP + "-") or kind in HEADINGS:
        box = _union([b for mcid in _mcids(raw, element) for b in marked.get(mcid, ())])
        if box:
            out.append(Block("callout" if key.startswith(KEEP + "-") else "heading", key, box, part))
        return
    own = [b for index in range(raw.FPDF_StructElement_GetMarkedContentIdCount(element))
           for b in marked.get(raw.FPDF_StructElement_GetMarkedContentIdAtIndex(element, index), ())]
    box = _union(own)
    if box:
        out.append(Block("content", "", box, part))
    for index in range(raw.FPDF_StructElement_CountChildren(element)):
        child = raw.FPDF_StructElement_GetChildAtIndex(element, index)
        if child:
            _blocks(raw, child, marked, out, part)


def _mcids(raw, element) -> list:
    """The marked-content ids of an element and every element under it."""
    found = [raw.FPDF_StructElement_GetMarkedContentIdAtIndex(element, index)
             for index in range(raw.FPDF_StructElement_GetMarkedContentIdCount(element))]
    for index in range(raw.FPDF_StructElement_CountChildren(element)):
        child = raw.FPDF_StructElement_GetChildAtIndex(element, index)
        if child:
            found += _mcids(raw, child)
    return found


def _union(boxes: list) -> tuple | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


class _Text:
    """The text of a page's text objects, read through one buffer (grown when a longer one comes)."""

    def __init__(self, raw, textpage):
        self.raw, self.textpage = raw, textpage
        self.buffer = ctypes.create_string_buffer(512)
        self.pointer = ctypes.cast(self.buffer, ctypes.POINTER(ctypes.c_ushort))  # cast once a buffer, not per object

    def of(self, item) -> str:
        size = self.raw.FPDFTextObj_GetText(item, self.textpage, None, 0)
        if size <= 2:
            return ""
        if size > len(self.buffer):
            self.buffer = ctypes.create_string_buffer(size)
            self.pointer = ctypes.cast(self.buffer, ctypes.POINTER(ctypes.c_ushort))
        self.raw.FPDFTextObj_GetText(item, self.textpage, self.pointer, size)
        return self.buffer.raw[:size - 2].decode("utf-16-le", errors="replace")


def _string(function, handle, utf16: bool = True) -> str:
    """A string pdfium writes into a buffer it sizes: UTF-16 for structure elements, bytes for font names."""
    if not handle:
        return ""
    size = function(handle, None, 0)
    if size <= (2 if utf16 else 1):
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(handle, buffer, size)
    return buffer.raw[:size - 2].decode("utf-16-le") if utf16 else buffer.value.decode("latin-1")
