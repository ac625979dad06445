"""Bilingual edition: a leaflet and its current translation in one PDF, e.g. Welsh and English (brand.yaml's `bilingual`)."""

from __future__ import annotations

import copy
from pathlib import Path

import jinja2

from publisher.core.errors import RenderError
from publisher.i18n import catalogues as i18n
from publisher.i18n import languages
from publisher.outputs.base import Job, Output, Unavailable
from publisher.outputs.pdf import engine as pdf
from publisher.render import html
from publisher.source import pairing
from publisher.source.content import Catalogue, Leaflet, Project

# Welsh first, or in the left column: what the Welsh Language Standards expect of a bilingual document.
DEFAULT_LAYOUT = "side-by-side"
STYLESHEET = "styles/bilingual.css"
ONE_COLUMN = "styles/bilingual-one-column.css"  # the footer of a one-column page (A5, large print)
LARGE_PRINT = "styles/bilingual-large-print.css"  # that footer's size in large print


def setting(brand: dict | None) -> dict | None:
    """The brand's bilingual setting with its defaults, or None when the brand makes no bilingual edition."""
    chosen = (brand or {}).get("bilingual")
    if not chosen:
        return None
    return {"languages": list(chosen["languages"]), "layout": chosen.get("layout", DEFAULT_LAYOUT)}


def applies(brand: dict | None, stem: str) -> bool:
    """Whether a leaflet file may have a bilingual edition, by its name: a translation into one of the two languages.

    Known before the file is read, so a leaflet in neither language is never planned (nor reported) for it.
    """
    chosen = setting(brand)
    if chosen is None or "." not in stem:
        return False
    tag = stem.rsplit(".", 1)[1]
    return any(languages.same(tag, language) for language in chosen["languages"])


def layout(brand: dict | None, paper: str, edition: str) -> str:
    """The layout printed: the brand's, but one language after the other where a page has one column."""
    chosen = setting(brand)
    assert chosen is not None
    # Two columns of 18 pt text (or on A5) would hold three or four words a line: unreadable.
    return "sequential" if html.one_column(paper, edition) else chosen["layout"]


def pair(catalogue: Catalogue, leaflet: Leaflet) -> tuple[Leaflet, Leaflet]:
    """(first, second) in the brand's order, for a current translation and its source; else Unavailable says why."""
    chosen = setting(catalogue.brand)
    original = leaflet.original
    if chosen is None or original is None:
        raise Unavailable(f"{leaflet.name}: no bilingual edition - it is not a translation")
    wanted = [languages.primary(t).lower() for t in chosen["languages"]]
    have = [languages.primary(leaflet.language).lower(), languages.primary(original.language).lower()]
    if sorted(wanted) != sorted(have):
        raise Unavailable(f"{leaflet.name}: no bilingual edition - brand.yaml's bilingual languages are "
                          f"{' and '.join(chosen['languages'])}, and this is {leaflet.language} from {original.language}")
    if "rtl" in (html.direction(leaflet), html.direction(original)):
        # The columns, footer and About block are laid out left to right only (Welsh and English need no more).
        raise Unavailable(f"{leaflet.name}: no bilingual edition - a right-to-left language is not laid out "
                          "bilingually yet; publish the two leaflets separately")
    if leaflet.data["source_version"] != original.data["version"]:
        raise Unavailable(f"{leaflet.name}: no bilingual edition while the translation is stale (version "
                          f"{leaflet.data['source_version']}, its source {original.data['version']}) - its last "
                          "bilingual PDF is removed; update the translation to make it again")
    return (leaflet, original) if have[0] == wanted[0] else (original, leaflet)


def stylesheets(paper: str, edition: str, marks: bool = False) -> list[str]:
    """The leaflet's stylesheets for this paper and edition, then the bilingual layout's."""
    return (html.stylesheets(paper, edition, marks) + [STYLESHEET]
            + ([ONE_COLUMN] if html.one_column(paper, edition) else [])
            + ([LARGE_PRINT] if edition == "large-print" else []))


def _part(project: Project, leaflet: Leaflet, labels: i18n.Labels, prefix: str) -> dict:
    """One language's half: its text, with anchors of its own so both halves' contents lists work."""
    data = html.view(project, leaflet, labels)
    for section in data["sections"]:
        if section["anchor"]:
            section["anchor"] = prefix + section["anchor"]
    return {"leaflet": data, "labels": labels, "lang": leaflet.language, "prefix": prefix,
            "direction": html.direction(leaflet),
            "name": languages.name_in(languages.primary(leaflet.language), leaflet.language),
            "note": leaflet.data.get("translation_note")}


def render_html(catalogue: Catalogue, leaflet: Leaflet, paper: str, edition: str, marks: bool = False,
                link_styles: bool = True, booklet: bool = False) -> str:
    """The bilingual document for a translation (`leaflet`) and its source, as one HTML page (a `booklet`'s with its
    back cover)."""
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None
    first, second = pair(catalogue, leaflet)
    one, two = html.labels_for(project, first), html.labels_for(project, second)
    both = i18n.Both.of(one, two)
    parts = [_part(project, first, one, "l1-"), _part(project, second, two, "l2-")]
    for part in parts:  # "Saesneg / English": a language's name in each language, heading its half
        part["names"] = [languages.name_in(languages.primary(part["lang"]), languages.primary(other["lang"]))
                         for other in parts]
    # By key, not place: a section a translation lacks or adds must not put the next one beside the wrong text.
    sections = pairing.rows(parts[0]["leaflet"]["sections"], parts[1]["leaflet"]["sections"])
    sheets = stylesheets(paper, edition, marks)
    try:
        template = html.environment(project).get_template("bilingual.html")
        return template.render(
            parts=parts, rows=sections, both=both, labels=both, layout=layout(brand, paper, edition),
            leaflet=html.view(project, leaflet, both), source=html.view(project, leaflet.original or leaflet, both),
            authors=leaflet.authors, credits=html.credits(leaflet, both, both.marked),
            brand=html._brand(copy.deepcopy(brand)), logo=project.relative(project.brand_file.parent / brand["logo"]),
            stylesheets=sheets if link_styles else [], edition=edition, direction="ltr",
            layouts=html.layouts(paper, edition), overdue=leaflet.overdue, printed=True, booklet=booklet,
        )
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix the template in templates/")


def render(job: Job) -> bytes:
    """The bilingual PDF of a translation (the Job's leaflet), made in this process."""
    project = job.catalogue.project
    document = render_html(job.catalogue, job.leaflet, job.paper, job.edition, job.marks, link_styles=False)
    sheets = tuple(stylesheets(job.paper, job.edition, job.marks))
    return pdf.engine_for(project).render(job.leaflet.name, document, sheets, Path(job.leaflet.path).parent).pdf


# Made for a translation into one of brand.yaml's `bilingual` languages, with the PDF: '<stem>.cy.bilingual.pdf'.
BILINGUAL_OUTPUT = Output("bilingual", ".bilingual.pdf", "application/pdf", "a leaflet and its translation in one PDF "
                          "(brand.yaml's bilingual), tagged PDF/UA-1", render=render, paged=True, applies=applies,
                          count_pages=pdf.page_count, label="Bilingual (PDF)")
