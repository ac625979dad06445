"""Links made once in a tagged PDF: one Link element and one annotation per link, its leader an artifact.

WeasyPrint makes a Link element and a link annotation for every box a link is drawn in: a contents entry
("Stitches ....... page 8", the dots and number from `a::after`) becomes three nested Link elements and three
annotations, so a keyboard user tabs three times, and the dots are read out as content. Each annotation
describes itself by its anchor ("section-2") or its URL (Kozea/WeasyPrint#2482, #185). These functions mend that
after the tree is built, from what the structure tree hook saw (weasyfixes.py).
"""

from __future__ import annotations

import dataclasses
import re

import pydyf

_SPACES = re.compile(r"\s+")


@dataclasses.dataclass
class Seen:
    """What the structure tree told us of one PDF's links while WeasyPrint built it (tagging.Tree.see)."""

    texts: dict = dataclasses.field(default_factory=dict)  # a Link element's reference -> the link's visible text
    leaders: set = dataclasses.field(default_factory=set)  # the references of leaders' elements

    def record(self, box, element) -> None:
        """Note a link's visible text, and the element of a leader's dots."""
        if getattr(box, "is_leader", False):
            self.leaders.add(element.reference)
        own = getattr(box, "element", None)
        if (getattr(box, "link_annotation", None) is not None and own is not None and hasattr(own, "itertext")
                and getattr(box, "element_tag", "") == "a"):
            text = _SPACES.sub(" ", "".join(own.itertext())).strip()
            if text:
                self.texts[element.reference] = text


def once(pdf, seen: Seen) -> None:
    """Fold every Link element nested in a Link into the outermost one, with one annotation; leaders to artifacts."""
    objects = pdf.objects
    texts = seen.texts
    nums = _parent_tree(pdf)
    _artifacts(pdf, seen.leaders, nums)
    folded: list = []
    for element in [o for o in objects if _is_link(o)]:
        if _is_link(_get(objects, element.get("P"))):
            continue  # folded into its outermost link
        kept: list = []
        annotation = None
        for kid, source in _flatten(objects, element, folded):
            if isinstance(kid, int):
                if source != element.reference:
                    nums.move(source, kid, element.reference)
                kept.append(kid)
                continue
            child = _get(objects, kid)
            if child.get("Type") == "/OBJR":
                if annotation is None:
                    annotation = _get(objects, child["Obj"])
                    kept.append(kid)
                else:
                    _merge_annotation(pdf, annotation, _get(objects, child["Obj"]), nums)
                    child.clear()
                continue
            child["P"] = element.reference
            kept.append(kid)
        element["K"] = pydyf.Array(kept)
        text = texts.get(element.reference)
        if annotation is not None and text:
            annotation["Contents"] = pydyf.String(text)
    for child in folded:  # no longer in the tree
        child.clear()


def _flatten(objects, element, folded: list):
    """(kid, the element it came from) for each kid of a link, a nested link's kids in its place."""
    for kid in list(element.get("K", ())):
        child = None if isinstance(kid, int) else _get(objects, kid)
        if child is not None and _is_link(child):
            yield from _flatten(objects, child, folded)
            folded.append(child)
        else:
            yield kid, element.reference


def _is_link(item) -> bool:
    return isinstance(item, dict) and item.get("S") == "/Link" and item.get("Type") == "/StructElem"


def _get(objects, reference):
    """The object a reference (b'12 0 R') points to, or {}."""
    if not isinstance(reference, (bytes, str)):
        return {}
    text = reference.decode() if isinstance(reference, bytes) else reference
    parts = text.split()
    if len(parts) != 3 or parts[2] != "R" or not parts[0].isdigit():
        return {}
    number = int(parts[0])
    return objects[number] if 0 <= number < len(objects) else {}


class _Nums:
    """The structure tree's parent tree: each page's marked-content ids and each annotation, to their elements."""

    def __init__(self, array):
        self.array = array

    def move(self, source, mcid: int, target) -> None:
        """Point a marked-content id of `source`'s page at `target`."""
        for index in range(1, len(self.array), 2):
            entries = self.array[index]
            if isinstance(entries, list) and mcid < len(entries) and entries[mcid] == source:
                entries[mcid] = target
                return

    def forget(self, key: int) -> None:
        """Take an annotation's entry out."""
        for index in range(0, len(self.array) - 1, 2):
            if self.array[index] == key and not isinstance(self.array[index + 1], list):
                del self.array[index:index + 2]
                return

    def drop(self, page: int, mcid: int) -> None:
        """Take a marked-content id that is now an artifact out of its page's array."""
        for index in range(0, len(self.array) - 1, 2):
            entries = self.array[index + 1]
            if self.array[index] == page and isinstance(entries, list) and mcid < len(entries):
                entries[mcid] = "null"
                return


def _parent_tree(pdf) -> _Nums:
    root = _get(pdf.objects, pdf.catalog.get("StructTreeRoot"))
    tree = _get(pdf.objects, root.get("ParentTree")) if root else {}
    return _Nums(tree.get("Nums", pydyf.Array()) if tree else pydyf.Array())


def _merge_annotation(pdf, kept, other, nums: _Nums) -> None:
    """Grow the kept annotation over another's rectangle, and take the other off its page."""
    xs = [kept["Rect"][0], kept["Rect"][2], other["Rect"][0], other["Rect"][2]]
    ys = [kept["Rect"][1], kept["Rect"][3], other["Rect"][1], other["Rect"][3]]
    kept["Rect"] = pydyf.Array([min(xs), min(ys), max(xs), max(ys)])
    for reference in pdf.page_references:
        page = _get(pdf.objects, reference)
        annots = page.get("Annots") if page else None
        if annots is not None and other.reference in annots:
            annots.remove(other.reference)
    if "StructParent" in other:
        nums.forget(other["StructParent"])
    other.clear()


def _artifacts(pdf, leaders: set, nums: _Nums) -> None:
    """Mark each leader's dots in its page's content as an artifact, out of the structure tree."""
    for reference in leaders:
        element = _get(pdf.objects, reference)
        if not element:
            continue
        mcids = {kid for kid in element.get("K", ()) if isinstance(kid, int)}
        page_reference = element.get("Pg")
        if not mcids or page_reference not in pdf.page_references:
            continue
        page_number = pdf.page_references.index(page_reference)
        stream = _get(pdf.objects, _get(pdf.objects, page_reference).get("Contents"))
        items = getattr(stream, "stream", None)
        if not isinstance(items, list):
            continue
        index = 0
        while index < len(items) - 2:
            item = items[index + 1]
            if isinstance(item, dict) and item.get("MCID") in mcids and items[index + 2] == b"BDC":
                items[index:index + 3] = ["/Artifact", b"BMC"]
                nums.drop(page_number, item["MCID"])
            index += 1
        element["K"] = pydyf.Array([kid for kid in element["K"] if not isinstance(kid, int)])
