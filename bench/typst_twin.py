"""A Typst twin of a leaflet, for the benchmark: the same words (taken from our HTML), fonts and a like layout.

    python bench/typst_twin.py handouts/adhd-neurotransmitter-imaging.yaml out.typ

The twin is made from the leaflet's print HTML, so it has every word the PDF has, in the same order: the
brand band, title, summary, contents with page numbers, sections, cards and callouts in bordered boxes,
further reading, sources, the "about this leaflet" table, the credits in two columns, and a footer with
the reference, review date and "Page N of M". Fonts are the project's own (styles/fonts).
"""

from __future__ import annotations

import sys
from pathlib import Path

import lxml.html

REPO = Path(__file__).resolve().parent.parent
FONTS = REPO / "styles" / "fonts"

PREAMBLE = """#set document(title: "{title}")
#set text(font: "Atkinson Hyperlegible Next", size: 10.5pt, lang: "en", region: "gb")
#set par(leading: 0.65em, spacing: 0.9em)
#let brand = rgb("#1d5c63")
#set page(paper: "a4", margin: (top: 26mm, bottom: 22mm, x: 18mm),
  header: context if counter(page).get().first() == 1 [
    #place(top + left, dx: -18mm, dy: 0mm, rect(width: 210mm, height: 18mm, fill: brand, inset: (x: 18mm, y: 6mm))[
      #text(fill: white, weight: "bold")[{brand_name}] #h(1fr) #text(fill: white, size: 8.5pt, weight: "bold")[{reference}]])
  ],
  footer: context [
    #line(length: 100%, stroke: 0.5pt + luma(120))
    #text(size: 8.5pt)[{footer_left} #h(1fr) {footer_mid} #h(1fr) Page #counter(page).display() of #counter(page).final().first()]
  ])
#show heading.where(level: 1): set text(size: 20pt, weight: "bold")
#show heading.where(level: 2): set text(size: 14pt, fill: brand, weight: "bold")
#show heading.where(level: 3): set text(size: 11pt, weight: "bold")
#show outline.entry: it => link(it.element.location(), it.indented(none, [#it.body() #box(width: 1fr, repeat[. ]) page #it.page()]))
"""


def escape(text: str) -> str:
    """Text as Typst markup: every character that means something there escaped."""
    out = []
    for ch in text:
        if ch in "\\#*_`$<>@[]~/=-+\"'":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out).replace("\n", " ")


def inline(element) -> str:
    """An element's text and inline children (strong, em, links) as Typst markup."""
    parts = [escape(element.text or "")]
    for child in element:
        inner = inline(child)
        if child.tag in ("strong", "b"):
            parts.append(f"#strong[{inner}]")
        elif child.tag in ("em", "i"):
            parts.append(f"#emph[{inner}]")
        elif child.tag in ("br",):
            parts.append(" \\ ")
        elif child.tag not in ("svg", "img", "script", "style"):
            parts.append(inner)
        parts.append(escape(child.tail or ""))
    return "".join(parts).strip()


def block(element, out: list) -> None:
    """One block-level element and what is in it, as Typst."""
    classes = (element.get("class") or "").split()
    tag = element.tag
    if tag in ("style", "script", "svg", "img", "head") or "footer-strings" in classes or element.get("hidden"):
        return
    if tag == "h1":
        out.append(f"#heading(level: 1, outlined: false)[{inline(element)}]\n")
    elif tag in ("h2", "h3", "h4"):
        level = 2 if tag == "h2" else 3
        outlined = "true" if tag == "h2" and element.getparent().get("id") else "false"
        out.append(f"#heading(level: {level}, outlined: {outlined})[{inline(element)}]\n")
    elif tag == "p":
        out.append(f"{inline(element)}\n")
    elif tag in ("ul", "ol") and "contents" not in " ".join(element.getparent().get("class") or ""):
        for li in element:
            if li.tag == "li":
                out.append(f"- {inline(li)}\n")
    elif tag == "nav" and "contents" in classes:
        title = element.find(".//h2")
        out.append(f"#text(fill: brand, weight: \"bold\", size: 12pt)[{inline(title)}]\n"
                   "#outline(title: none, depth: 2)\n")
    elif tag == "table" or tag == "dl":
        cells = [inline(c) for c in element.iter("th", "td", "dt", "dd")]
        out.append("#table(columns: (auto, 1fr), stroke: none, inset: 2pt, "
                   + ", ".join(f"[{c}]" for c in cells) + ")\n")
    elif {"card", "callout", "summary", "statement"} & set(classes):
        inner: list = []
        for child in element:
            block(child, inner)
        fill = ', fill: rgb("#e6f0f1")' if "summary" in classes else ""
        stroke = "(left: 3pt + brand)" if "summary" in classes else "1pt + brand"
        out.append(f"#block(width: 100%, inset: 9pt, stroke: {stroke}{fill}, breakable: false)[\n{''.join(inner)}]\n")
    elif "cards" in classes or "credits" in classes:
        columns = []
        for child in element:
            inner = []
            block(child, inner)
            if inner:
                columns.append("[" + "".join(inner) + "]")
        out.append(f"#grid(columns: (1fr, 1fr), gutter: 10pt, {', '.join(columns)})\n")
    else:
        if (element.text or "").strip() and not len(element):
            out.append(f"{inline(element)}\n")
            return
        for child in element:
            block(child, out)


def twin(document: str, reference: str, footer: str, brand_name: str) -> str:
    """The Typst source of a leaflet from its print HTML."""
    root = lxml.html.fromstring(document)
    body = root.find("body")
    out = [PREAMBLE.format(title=escape(root.findtext(".//title") or ""), brand_name=escape(brand_name),
                           reference=escape(reference), footer_left=escape(f"{reference} {footer}"),
                           footer_mid="")]
    for child in body:
        block(child, out)
    return "".join(out)


def source(leaflet_file: Path) -> str:
    """The Typst twin of one of the project's leaflets."""
    sys.path.insert(0, str(REPO))
    from publisher.render import html
    from publisher.source import content

    project = content.Project(REPO)
    catalogue = content.load_catalogue(project, [Path(leaflet_file).resolve()])
    leaflet, = catalogue.leaflets
    data = leaflet.data
    assert catalogue.brand is not None
    return twin(html.render_html(catalogue, leaflet, link_styles=False), data["reference"], f"v{data['version']}",
                catalogue.brand["name"])


def compile_pdf(text: str) -> bytes:
    """The twin as PDF bytes, with the project's fonts only."""
    import typst
    return typst.compile(text.encode("utf-8"), font_paths=[str(FONTS)], ignore_system_fonts=True)


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(source(Path(sys.argv[1])), encoding="utf-8")
