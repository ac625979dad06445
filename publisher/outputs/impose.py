"""Imposition: a leaflet's A5 pages as a saddle-stitched booklet on A4 sheets, or as single pages for a print shop.

Pages are placed as form XObjects (pikepdf), so nothing is rendered twice and fonts stay embedded as they were.
"""

from __future__ import annotations

import io

import pikepdf

MM = 72 / 25.4
BLEED = 3 * MM  # as print-marks.css sets it
MARK_GAP = 1 * MM  # between the bleed and a crop mark, so no mark is printed on the trimmed page's bleed
MARK_LENGTH = 5 * MM
SLUG = MARK_GAP + MARK_LENGTH + 2 * MM  # the print file's media beyond the bleed: room for the marks
A4_LANDSCAPE = (297 * MM, 210 * MM)  # two A5 pages are 296 mm wide: they meet at its middle, half a millimetre in
BACK = "back-cover"  # the named destination of the booklet's back cover (templates/partials/booklet-back.html)


def padded(count: int, back: int | None = None) -> list[int | None]:
    """The leaflet's page indexes padded with blanks (None) to a multiple of 4, the blanks before page `back`.

    `back` is the index of the back cover (contacts and review date), which stays last; by default the last page.
    """
    back = count - 1 if back is None else back
    blanks = -count % 4
    pages: list[int | None] = list(range(count))
    return pages[:back] + [None] * blanks + pages[back:]


def sides(count: int, right_to_left: bool = False) -> list[tuple[int, int]]:
    """Saddle-stitch order of a booklet of `count` pages (a multiple of 4): (left, right) page numbers a side.

    Sheet k's first side holds the last page but 2k and page 2k+1, its second side page 2k+2 and the last but
    2k+1: folded together and stapled in the middle, the sheets read 1, 2, ... count. A right-to-left booklet
    (Arabic, Urdu) is bound on the right, so each side is mirrored: the front cover is on the left.
    """
    assert count % 4 == 0, count
    order = []
    for sheet in range(count // 4):
        order.append((count - 2 * sheet, 2 * sheet + 1))
        order.append((2 * sheet + 2, count - 2 * sheet - 1))
    return [(right, left) for left, right in order] if right_to_left else order


def back_page(document: pikepdf.Pdf) -> int | None:
    """The index of the page where the back cover begins (the BACK destination), or None (the last page)."""
    if "/Names" not in document.Root or "/Dests" not in document.Root.Names:
        return None
    destination = pikepdf.NameTree(document.Root.Names.Dests).get(BACK)
    if destination is None:
        return None
    target = destination[0].objgen
    return next((i for i, page in enumerate(document.pages) if page.objgen == target), None)


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def _save(document: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    # A fixed /ID derived from the content and no timestamps: the same pages give the same bytes.
    document.save(buffer, deterministic_id=True, compress_streams=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _box(page: pikepdf.Page, name: str) -> list[float]:
    box = page.obj.get(name) or page.obj.get("/MediaBox") or page.mediabox
    return [float(v) for v in box]


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def booklet(data: bytes, right_to_left: bool = False) -> bytes:
    """A4 landscape sheets of the PDF's pages (trimmed), two a side in saddle-stitch order, for printing double-sided."""
    source = _open(data)
    order = padded(len(source.pages), back_page(source))
    trim = _box(source.pages[0], "/TrimBox")
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    sheet_width, sheet_height = max(A4_LANDSCAPE[0], 2 * width), max(A4_LANDSCAPE[1], height)
    fold, bottom = sheet_width / 2, (sheet_height - height) / 2
    sheet = pikepdf.new()
    forms = [sheet.copy_foreign(page.as_form_xobject()) for page in source.pages]
    for left, right in sides(len(order), right_to_left):
        resources, drawn = pikepdf.Dictionary(), []
        for slot, number in enumerate((left, right)):
            index = order[number - 1]
            if index is None:  # a blank page: nothing at all, no footer
                continue
            form_trim = [float(v) for v in forms[index].BBox]
            name = f"/P{number}"
            resources[name] = forms[index]
            x, y = fold + (slot - 1) * width - form_trim[0], bottom - form_trim[1]
            drawn.append(f"q 1 0 0 1 {_number(x)} {_number(y)} cm {name} Do Q")
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, round(sheet_width, 3), round(sheet_height, 3)],
                                  Resources=pikepdf.Dictionary(XObject=resources),
                                  Contents=sheet.make_stream("\n".join(drawn).encode()))
        sheet.pages.append(pikepdf.Page(page))
    _describe(sheet, source)
    # Flipped on the short edge, the second side of a landscape sheet is the right way up; at 100%, A5 stays A5.
    sheet.Root.ViewerPreferences = pikepdf.Dictionary(Duplex=pikepdf.Name.DuplexFlipShortEdge,
                                                      PrintScaling=pikepdf.Name("/None"), DisplayDocTitle=True)
    return _save(sheet)


def _describe(target: pikepdf.Pdf, source: pikepdf.Pdf) -> None:
    """Give the new document the leaflet's title, author and language."""
    info = {key: source.docinfo[key] for key in ("/Title", "/Author", "/Subject", "/Creator", "/Producer")
            if key in source.docinfo}
    if info:
        target.docinfo = target.make_indirect(pikepdf.Dictionary(info))
    if "/Lang" in source.Root:
        target.Root.Lang = source.Root.Lang


def print_file(data: bytes) -> bytes:
    """Single A5 pages padded to a multiple of 4, each with 3 mm bleed and crop marks outside it, for a print shop.

    The PDF's pages are kept as they are (tags, links and bookmarks still work); only the media grows round the
    bleed, so the marks have room, and blank pages are added before the back matter.
    """
    document = _open(data)
    order = padded(len(document.pages), back_page(document))
    trim = _box(document.pages[0], "/TrimBox")
    for position, index in enumerate(order):
        if index is None:
            blank = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=list(trim), Resources=pikepdf.Dictionary())
            document.pages.insert(position, pikepdf.Page(blank))
    for page in document.pages:
        trimmed = _box(page, "/TrimBox")
        bleed = [trimmed[0] - BLEED, trimmed[1] - BLEED, trimmed[2] + BLEED, trimmed[3] + BLEED]
        grow = BLEED + SLUG
        page.obj.TrimBox = pikepdf.Array(trimmed)
        page.obj.BleedBox = pikepdf.Array(bleed)
        page.obj.MediaBox = pikepdf.Array([trimmed[0] - grow, trimmed[1] - grow, trimmed[2] + grow, trimmed[3] + grow])
        # The page's own drawing is closed in q/Q, so no state it leaves set reaches the marks.
        page.contents_add(document.make_stream(b"q"), prepend=True)
        page.contents_add(document.make_stream(b"Q " + crop_marks(trimmed)), prepend=False)
    return _save(document)


def crop_marks(trim: list[float]) -> bytes:
    """Eight hairlines on the trim lines' extensions, outside the bleed, marked as an artifact (not content)."""
    x0, y0, x1, y1 = trim
    near, far = BLEED + MARK_GAP, BLEED + MARK_GAP + MARK_LENGTH
    lines = []
    for x, out_x in ((x0, -1), (x1, 1)):
        for y, out_y in ((y0, -1), (y1, 1)):
            lines.append(f"{_number(x + out_x * near)} {_number(y)} m {_number(x + out_x * far)} {_number(y)} l")
            lines.append(f"{_number(x)} {_number(y + out_y * near)} m {_number(x)} {_number(y + out_y * far)} l")
    # Black on every separation's plate is registration colour; DeviceGray black keeps PDF/A and PDF/UA valid.
    return ("/Artifact BMC q 0 G 0.25 w " + " ".join(lines) + " S Q EMC").encode()
