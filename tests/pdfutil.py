"""Read a PDF the way a reader or a PDF viewer does."""

from __future__ import annotations

import ctypes

import pdfplumber
import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c


def page_texts(path) -> list[str]:
    """The text of each page, as PDFium extracts it."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


def outline_titles(path) -> list[str]:
    """Every bookmark title, depth first."""
    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title
    return list(walk(pypdf.PdfReader(str(path)).outline))


def fonts(path) -> set[str]:
    """Base names of every embedded font, without the subset prefix."""
    names = set()
    for page in pypdf.PdfReader(str(path)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def char_boxes(path):
    """(page index, character, left, bottom, right, top) for every printed character, in points."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index, page in enumerate(document):
            text = page.get_textpage()
            for i in range(text.count_chars()):
                char = text.get_text_range(i, 1)
                if char.strip():
                    yield (index, char, *text.get_charbox(i))
    finally:
        document.close()


def space_advances(path) -> list[tuple[float, float]]:
    """(font size, advance) of every space typed between two words on one line, in PDF text-space units."""
    # The advance runs from the space's origin to the next glyph's, so it includes any
    # stretching a justified line adds; ink boxes would vary with the letters' shapes.
    def origin(textpage, i):
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, x, y)
        return x.value, y.value

    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            text = page.get_textpage()
            for i in range(1, text.count_chars() - 1):
                if text.get_text_range(i, 1) != " " or pdfium_c.FPDFText_IsGenerated(text.raw, i) \
                        or not text.get_text_range(i + 1, 1).strip():
                    continue
                (x0, y0), (x1, y1) = origin(text, i), origin(text, i + 1)
                if abs(y1 - y0) < 0.5:  # the next word is on the same line
                    found.append((round(pdfium_c.FPDFText_GetFontSize(text.raw, i), 1), round(x1 - x0, 2)))
    finally:
        document.close()
    return found


def font_sizes(path) -> list[float]:
    """The size in points of every printed character, checked against PDFium's count of characters."""
    # pdfminer (under pdfplumber) reads no characters at all from a font written with a
    # custom CMap, as WeasyPrint does when a glyph is missing; a size list that is
    # silently short would let a small font through.
    with pdfplumber.open(str(path)) as pdf:
        sizes = [round(c["size"], 1) for page in pdf.pages for c in page.chars if c["text"].strip()]
    document = pypdfium2.PdfDocument(str(path))
    try:
        printed = sum(1 for page in document for text in [page.get_textpage()] for i in range(text.count_chars())
                      if text.get_text_range(i, 1).strip() and not pdfium_c.FPDFText_IsGenerated(text.raw, i))
    finally:
        document.close()
    assert len(sizes) == printed, f"{path}: pdfplumber read {len(sizes)} characters, PDFium {printed}"
    return sizes
