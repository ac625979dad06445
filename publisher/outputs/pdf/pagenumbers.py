"""Page numbers in the flow (the contents list's target-counter()) filled in after one layout, not a second one."""

from __future__ import annotations

import contextlib
import contextvars

from publisher.outputs.pdf import weasyfixes

# WeasyPrint lays a page out again when a target-counter() on it learns its value, and once more when the
# page total arrives (three layouts of page one for a three-page leaflet). The first layout sets every such
# number as "0"; the contents list's numbers are tabular figures (styles/base.css), so the right digits take
# the same width and the page is the same but for those glyphs. They are written into the laid-out text
# instead. Anything else a second layout would change (other widths, more digits, counter(pages) in the
# flow) makes the render start again with WeasyPrint's own passes: the same pages either way.
# weasyfixes.py wraps WeasyPrint's layout_document for it. This reads WeasyPrint 70's layout state
# (context.page_maker, the target collector's lookups, a text box's pango layout): requirements.txt pins it,
# tests/test_pagenumbers.py compares the PDFs with those of WeasyPrint's own passes byte for byte, and
# tests/test_weasyfixes.py checks the names it reads.

_fast = contextvars.ContextVar("fast_page_numbers", default=True)


class Relayout(Exception):
    """The numbers cannot be written in place: render again with WeasyPrint's own passes."""


def weasyprint_passes() -> contextlib.AbstractContextManager:
    """Within this block, renders lay pages out as often as WeasyPrint wants to."""
    return weasyfixes.setting(_fast, False)


def fast() -> bool:
    """Whether renders here write the numbers in after one layout (outside `weasyprint_passes`)."""
    return _fast.get()


def fill_in(pages: list, context) -> None:
    """After one layout (weasyfixes.one_layout): the numbers a second would have set, written into the pages' text."""
    makers = context.page_maker
    if any(state["pages_wanted"] for *_, state in makers):
        raise Relayout()
    lookups = context.target_collector.counter_lookup_items
    for index, page in enumerate(pages):
        if not makers[index][-1]["content_changed"]:
            continue
        counters = makers[index + 1][3][1]  # this page's counters, the page total included
        sources: dict = {}
        for box in page.descendants():
            if box.missing_link is not None and (box.missing_link, "content") in lookups:
                sources.setdefault(id(box.missing_link), (box.missing_link, []))[1].append(box)
        changed = False
        for source, laid_out in sources.values():
            # As the next layout would: the generated content again, now that every target's page is known.
            lookups[source, "content"].parse_again(counters)
            if len(laid_out) != 1:  # split over two lines or pages
                raise Relayout()
            changed |= _replace_text(laid_out[0], source)
        if not changed:  # asked again for some other reason: let WeasyPrint do it
            raise Relayout()


def _texts(box) -> list:
    """The text boxes directly in a generated box (not its leader's)."""
    from weasyprint.formatting_structure import boxes

    children = box.children
    if len(children) == 1 and isinstance(children[0], boxes.LineBox):
        children = children[0].children
    return [child for child in children if isinstance(child, boxes.TextBox)]


def _replace_text(laid_out, source) -> bool:
    """Give the laid-out copy of a generated box its source's new text, if that takes the same width."""
    from weasyprint.text.line_break import Layout, line_size

    old, new = _texts(laid_out), _texts(source)
    if len(old) != len(new):
        raise Relayout()
    changed = False
    for box, fresh in zip(old, new, strict=True):
        if box.text == fresh.text:
            continue
        if len(box.text) != len(fresh.text):
            raise Relayout()
        layout = Layout(box.style, box.justification_spacing)
        layout.set_text(fresh.text)
        width, _ = line_size(layout.get_first_line()[0], box.style)
        if width != box.width:
            raise Relayout()
        box.text = fresh.text
        box.pango_layout.text = fresh.text
        changed = True
    return changed
