"""Read a PDF the way a reader or a PDF viewer does."""

from __future__ import annotations

import pypdf
import pypdfium2


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
