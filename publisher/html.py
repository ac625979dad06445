"""Render HTML: a validated leaflet merged into the Jinja2 templates."""

from __future__ import annotations

import copy
import datetime
import re
from pathlib import Path

import jinja2
import markupsafe

from . import caches, editions, markdown, statement
from .content import Catalogue, Leaflet, Project
from .errors import RenderError


def stylesheets(paper: str, edition: str = "standard", marks: bool = False) -> list[str]:
    """The project stylesheets, in cascade order, for one paper size, edition and print option."""
    own = editions.EDITIONS[edition].stylesheet
    return [editions.PAPERS[paper].stylesheet] + ([own] if own else []) + (["styles/print-marks.css"] if marks else [])


def qr_code(url: str) -> markupsafe.Markup:
    """A QR code for a link, as an <img> of vector SVG made here (no network), with the URL as alt text."""
    import base64
    import io

    import segno
    buffer = io.BytesIO()
    try:
        code = segno.make(url, error="m", micro=False)
    except segno.DataOverflowError:
        raise jinja2.TemplateRuntimeError(f"the link {url[:60]}... is too long for a QR code - shorten it")
    code.save(buffer, kind="svg", border=0, xmldecl=False, svgns=True,
                                                 omitsize=False, scale=4)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return markupsafe.Markup(f'<img class="qr-code" src="data:image/svg+xml;base64,{data}" '
                  f'alt="QR code for {markupsafe.escape(displayurl(url))}">')

_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")

_environments: dict = {}
caches.register(_environments.clear)


def longdate(value: str) -> str:
    """'2026-03-01' -> '1 March 2026', the form NHS style guides ask for."""
    day = datetime.date.fromisoformat(value)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def displayurl(url: str) -> str:
    """A link as printed for reading: no scheme, no trailing slash."""
    return re.sub(r"^(https?://|mailto:|tel:)", "", url).rstrip("/")


# A table is laid out in columns only where its longest words fit the text
# block's width at the edition's body size (both as the stylesheets set them).
_PT_PER_MM = 72 / 25.4


def layouts(paper: str, edition: str) -> dict:
    """Where a text field may sit, and how wide it is there: the page's text block, a callout and a card."""
    width = editions.PAPERS[paper].text_width_mm
    size = editions.EDITIONS[edition].body_pt
    one_column = paper == "a5" or edition == "large-print"  # cards stack there (a5.css, large-print.css)
    card = width - 10 if one_column else (width - 6) / 2 - 10
    return {name: markdown.Layout(mm * _PT_PER_MM, size)
            for name, mm in (("page", width), ("callout", width - 14), ("card", card))}


@jinja2.pass_context
def _md(context, text: str, where: str = "page") -> markupsafe.Markup:
    """Markdown to HTML, stacking tables that the leaflet's layout (if any) has no room for."""
    layout = context.get("layouts")
    return markdown.to_html(text, layout[where] if layout else None)


def filters() -> dict:
    """The filters every template may use (leaflets and emails alike)."""
    return dict(md=_md, text=markdown.inline_html, plain=markdown.plain, longdate=longdate,
                displayurl=displayurl, qr=qr_code)


def environment(project: Project) -> jinja2.Environment:
    """The project's Jinja2 environment (autoescaping, strict), made once per process."""
    if project.templates not in _environments:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(project.templates),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters.update(filters())
        _environments[project.templates] = env
    return _environments[project.templates]


_CALLOUT_LABELS = {"urgent": "Get help now", "action": "What you can do", "note": "Good to know"}


def view(project: Project, leaflet: Leaflet) -> dict:
    """The leaflet's data with every optional field present, for strict templates."""
    data = copy.deepcopy(leaflet.data)
    data.setdefault("contents", True)
    for key in ("keywords", "further_reading", "sources"):
        data.setdefault(key, [])
    data.setdefault("sources_note", None)
    headed = 0
    for section in data["sections"]:
        for key in ("heading", "body", "image"):
            section.setdefault(key, None)
        section.setdefault("cards", [])
        section.setdefault("callouts", [])
        for callout in section["callouts"]:
            callout.setdefault("heading", _CALLOUT_LABELS[callout["kind"]])
            callout["standalone"] = False
        # A section that is only a callout ("When to get help now") is headed by the
        # callout's label, so it is listed in the contents and bookmarked like any other.
        if not section["heading"] and not section["body"] and section["callouts"]:
            section["callouts"][0]["standalone"] = True
        section["toc"] = section["heading"] or (section["callouts"][0]["heading"]
                                                if section["callouts"] and section["callouts"][0]["standalone"] else None)
        section["anchor"] = None
        if section["toc"]:
            headed += 1
            section["anchor"] = f"section-{headed}"
        if section["image"]:
            section["image"].setdefault("caption", None)
            section["image"]["src"] = project.relative(leaflet.path.parent / section["image"]["file"])
        for callout in section["callouts"]:
            # Paper cannot be clicked: a call to action's web links also print as QR codes.
            callout["web_links"] = [url for url in markdown.links(callout["body"]) if url.startswith(("https://", "http://"))] \
                if callout["kind"] == "action" else []
    for link in data["further_reading"]:
        link.setdefault("url", None)
        link.setdefault("note", None)
    for source in data["sources"]:
        source.setdefault("url", None)
    return data


def _people(people: list) -> list:
    out = []
    for person in people:
        person = dict(person)
        for key in ("affiliation", "verification", "pseudonym"):
            person.setdefault(key, None)
        out.append(person)
    return out


def _brand(brand: dict) -> dict:
    brand = copy.deepcopy(brand)
    brand["colours"].setdefault("urgent", brand["colours"]["primary"])
    for key in ("phone", "email", "website", "address"):
        brand["contact"].setdefault(key, None)
    brand.setdefault("feedback", None)
    brand["other_formats"] = statement.other_formats(brand)
    return brand


def render_html(catalogue: Catalogue, leaflet: Leaflet, paper: str = editions.DEFAULT_PAPER, link_styles: bool = True,
                edition: str = "standard", marks: bool = False) -> str:
    """The leaflet as one HTML document; URLs in it are relative to the project root.

    Without `link_styles` the stylesheet links are left out, for an engine that
    applies the already-parsed stylesheets itself.
    """
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None  # a leaflet is rendered only with a valid brand
    try:
        template = environment(project).get_template("leaflet.html")
        return template.render(
            leaflet=view(project, leaflet),
            authors=_people(leaflet.authors),
            credits=[("Written by", p) for p in _people(leaflet.authors)]
            + [("Reviewed by", p) for p in _people(leaflet.reviewers)],
            brand=_brand(brand),
            logo=project.relative(project.brand_file.parent / brand["logo"]),
            stylesheets=stylesheets(paper, edition, marks) if link_styles else [],
            edition=edition,
            layouts=layouts(paper, edition),
            overdue=leaflet.overdue,
            printed=True,  # QR codes beside web links (partials/reading.html)
        )
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename and project.relative(Path(exc.filename))
        raise RenderError(leaflet.name, f"template {where}:{exc.lineno}: {exc.message}")
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix the template in templates/")


def preview(catalogue: Catalogue, leaflet: Leaflet, paper: str = editions.DEFAULT_PAPER, edition: str = "standard",
            marks: bool = False) -> str:
    """The print layout as one HTML file that opens from the output folder in a browser."""
    # Relative URLs point back at the project's styles and images.
    document = render_html(catalogue, leaflet, paper, edition=edition, marks=marks)
    return document.replace("<head>", f'<head>\n<base href="{catalogue.project.root.as_uri()}/">', 1)
