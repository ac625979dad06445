"""The tagged PDF finished: what WeasyPrint's structure tree lacks, noted while it is built and added after."""

from __future__ import annotations

import dataclasses

import pydyf

from publisher.outputs.pdf import links, preflight, weasyfixes

# Classes whose elements the preflight finds in the structure tree by their /ID: a block never split across
# pages nor parted from its heading, and a part of a leaflet that ends its page (a bilingual edition's language,
# a booklet's back cover).
MARKED = {"callout-urgent": preflight.KEEP, "bilingual-part": preflight.PART, "back-cover": preflight.PART}

# The class of a column of text beside its translation (templates/bilingual.html): one row a section, so
# headings line up on paper; the structure tree reads each language through (_read_each_language_through).
PARALLEL = "bilingual-column"


@dataclasses.dataclass
class Tree:
    """What one PDF's structure elements told us as WeasyPrint made them, for the finisher."""

    links: links.Seen = dataclasses.field(default_factory=links.Seen)
    columns: list = dataclasses.field(default_factory=list)  # (element, its parent, lang) of each bilingual column
    ids: dict = dataclasses.field(default_factory=dict)  # id(HTML element) -> its number in a marked element's /ID

    def see(self, box, parent, element) -> None:
        """Note (or set) what an element needs from its box: its `lang`, a column, a link, a marked block's /ID."""
        if not isinstance(element, pydyf.Dictionary):
            return
        own = getattr(box, "element", None)
        attributes = own if own is not None and hasattr(own, "get") else {}
        classes = (attributes.get("class") or "").split()
        lang = attributes.get("lang")
        # An element whose HTML says `lang` gets it in the PDF, so a screen reader reads a Welsh column in Welsh.
        # Spans are left to the finisher (_tag_languages).
        if (lang and not isinstance(box, (_boxes().InlineBox, _boxes().TextBox))
                and box.element_tag not in ("html", "body") and "Lang" not in element):
            element["Lang"] = pydyf.String(lang)
        if PARALLEL in classes:  # for _read_each_language_through
            self.columns.append((element, parent, lang or ""))
        if element.get("S") == "/Link":
            self.links.record(box, element)
        marked = [MARKED[name] for name in classes if name in MARKED]
        if marked and "ID" not in element:
            # For the preflight: each page's piece of one callout (or part) gets the same /ID, so it can tell
            # a split one.
            element["ID"] = pydyf.String(f"{marked[0]}-{self.ids.setdefault(id(own), len(self.ids) + 1)}")

    def finish(self, document, pdf) -> None:
        """What the tagged PDF lacks after WeasyPrint: header cells' /Scope, marked phrases' /Lang, each language
        read through, links made once, a well-formed ToUnicode map."""
        _scope_table_headers(pdf)
        _tag_languages(document, pdf)
        _read_each_language_through(self.columns)
        links.once(pdf, self.links)
        _fill_empty_unicode_entries(pdf)


def _boxes():
    from weasyprint.formatting_structure import boxes
    return boxes


def _read_each_language_through(found: list) -> None:
    """Put every column of the first language before every column of the second in the structure tree.

    Side by side, a row holds a section and its translation, so the tags would read a Welsh section, its
    English, the next Welsh one... A screen reader user reads one language: the first row's element gets
    every first-language column, the second row's every second-language one, and the other rows none.
    """
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
        row["K"] = pydyf.Array([])
    for row, elements in zip(rows, by_language.values(), strict=False):
        row["K"] = pydyf.Array([element.reference for element in elements])
        for element in elements:
            element["P"] = row.reference


def _fill_empty_unicode_entries(pdf) -> None:
    """Map to U+200D ZERO WIDTH JOINER the glyphs WeasyPrint's ToUnicode map gives as '<gggg> <>'.

    A glyph that is only part of what a letter is drawn with (the dots of an Arabic letter, drawn apart from
    its skeleton) stands for no text of its own. WeasyPrint writes that as an empty destination, a malformed
    map (Kozea/WeasyPrint#2841), and PDF/UA wants every glyph mapped. A zero-width joiner says nothing and keeps
    an Arabic word joined for a reader that ignores /ActualText; the line's /ActualText gives its letters to
    those that read it.
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
    boxes = _boxes()

    def walk(box):
        box = weasyfixes.placed(box)
        if box.element_tag == "span" and isinstance(box, boxes.InlineBox):  # not the text boxes inside it
            yield box
        if isinstance(box, boxes.ParentBox):
            for child in box.children:
                yield from walk(child)

    spans = [box for page_box in weasyfixes.page_boxes(document) for box in walk(page_box)]
    elements = [item for item in pdf.objects if isinstance(item, dict) and item.get("S") == "/Span"
                and not any(isinstance(kid, int) for kid in item.get("K", ()))]
    if len(spans) != len(elements):  # not the tree this pairing expects: leave it untagged rather than mislabel it
        return
    for box, element in zip(spans, elements, strict=True):
        if lang := box.element.get("lang"):
            element["Lang"] = pydyf.String(lang)


def _scope_table_headers(pdf) -> None:
    """Give each table header cell its /Scope, as the HTML's <th scope> says.

    WeasyPrint links data cells to their headers with /Headers only (Kozea/WeasyPrint#2508); PDF/UA
    checkers and some screen readers look for /Scope on the header cell itself.
    """
    for item in pdf.objects:
        if isinstance(item, dict) and item.get("S") == "/TH" and isinstance(item.get("A"), dict):
            item["A"].setdefault("Scope", "/Column")
