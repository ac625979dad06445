"""Links made once: the structure tree of every shipped PDF has one Link element and one annotation per link."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as raw

from publisher.outputs.pdf import preflight


def shipped_pdfs(shipped) -> list:
    folder = Path(next(iter(shipped.values())).output).parent
    return sorted(folder.glob("*.pdf"))


def elements(pdf):
    """Every structure element, depth first."""
    def walk(element):
        yield element
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield from walk(kid)
    for kid in pdf.Root.StructTreeRoot.K:
        yield from walk(kid)


def kids(element) -> list:
    k = element.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else [k] if k is not None else []


def test_each_link_is_one_element_with_one_annotation_described_by_its_text(shipped):
    made = shipped_pdfs(shipped)
    assert len(made) >= 18
    for path in made:
        pdf = pikepdf.open(path)
        links = [e for e in elements(pdf) if e.S == "/Link"]
        assert links, path.name
        assert [e for e in links if e.P.get("/S") == "/Link"] == [], f"{path.name}: a Link inside a Link"
        objrs = [[k for k in kids(e) if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
                 for e in links]
        assert [len(o) for o in objrs] == [1] * len(links), f"{path.name}: a Link with more or fewer annotations"
        annotations = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert len(annotations) == len(links), path.name
        for annotation in annotations:
            described = str(annotation.get("/Contents", ""))
            assert described and described != str(annotation.get("/Dest", "")), (path.name, described)
            if "/A" in annotation:
                assert described != str(annotation.A.URI), (path.name, described)
        assert [e for e in elements(pdf) if e.S == "/Span" and not kids(e)] == [], f"{path.name}: an empty Span"


def test_dot_leaders_are_artifacts(shipped):
    """The contents list's dots are drawn, not read: no page has a run of dots in its marked content.

    A leader is some thirty dots, each its own text object; a full stop set apart by the bidi algorithm (Arabic)
    is one, and stays content.
    """
    for path in shipped_pdfs(shipped):
        document = pypdfium2.PdfDocument(path)
        for number, page in enumerate(document, 1):
            textpage = page.get_textpage()  # kept: pdfium's text page lives as long as this object
            text = preflight._Text(raw, textpage.raw)
            dots = [item for item in page.get_objects(max_depth=1) if item.type == 1
                    and raw.FPDFPageObj_GetMarkedContentID(item.raw) >= 0
                    and re.fullmatch(r"[.\s]+", text.of(item.raw))]
            assert len(dots) < 5, f"{path.name} page {number}: {len(dots)} dots read as content"
