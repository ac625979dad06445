"""Render HTML: a validated leaflet merged into the Jinja2 templates."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

import jinja2
import markupsafe

from publisher.core import caches, editions
from publisher.core.errors import RenderError
from publisher.i18n import catalogues as i18n
from publisher.i18n import languages
from publisher.render import statement
from publisher.source import easyread, markdown
from publisher.source.content import Catalogue, Leaflet, Project
from publisher.source.people import TEXTS as PERSON_TEXTS
from publisher.source.people import in_language


def stylesheets(paper: str, edition: str = "standard", marks: bool = False, direction: str = "ltr") -> list[str]:
    """The project stylesheets, in cascade order, for one paper size, edition, print option and text direction."""
    own = editions.EDITIONS[edition].stylesheet
    # Page-margin boxes do not mirror: a right-to-left leaflet swaps its footer's boxes, as its layout has them.
    mirrored = ["styles/rtl.css"] + (["styles/rtl-one-column.css"] if one_column(paper, edition) else [])
    return ([editions.PAPERS[paper].stylesheet] + ([own] if own else []) + (["styles/print-marks.css"] if marks else [])
            + (mirrored if direction == "rtl" else []))


def one_column(paper: str, edition: str) -> bool:
    """Whether cards and credits stack and the footer has two lines (a5.css, large-print.css import one-column.css)."""
    return paper == "a5" or edition == "large-print"


def qr_code(url: str, alt: str) -> markupsafe.Markup:
    """A QR code for a link, as an <img> of vector SVG made here (no network), with alt text from the template."""
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
                  f'alt="{markupsafe.escape(alt)}">')


_environments: dict = {}
caches.register(_environments.clear)


@jinja2.pass_context
def longdate(context, value: str) -> str:
    """'2026-03-01' -> '1 March 2026' (the form NHS style guides ask for), in the language of the labels rendered."""
    return context["labels"].date(value)


@jinja2.pass_context
def number(context, value: int) -> str:
    """A number in the digits of the language of the labels rendered."""
    return context["labels"].number(value)


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
    card = width - 10 if one_column(paper, edition) else (width - 6) / 2 - 10
    return {name: markdown.Layout(mm * _PT_PER_MM, size)
            for name, mm in (("page", width), ("callout", width - 14), ("card", card))}


@jinja2.pass_context
def _md(context, text: str, where: str = "page") -> markupsafe.Markup:
    """Markdown to HTML, stacking tables that the leaflet's layout (if any) has no room for."""
    layout = context.get("layouts")
    return markdown.to_html(text, layout[where] if layout else None, context.get("direction", "ltr"))


@jinja2.pass_context
def _text(context, text: str) -> markupsafe.Markup:
    """Plain text (titles, headings) escaped, its left-to-right runs isolated in a right-to-left leaflet."""
    return markdown.inline_html(text, context.get("direction", "ltr"))


@jinja2.pass_context
def _bdi(context, value) -> markupsafe.Markup:
    """A value (reference, date, phone number, name) isolated from the text around it where directions differ."""
    return languages.isolate(str(value), context.get("direction", "ltr"))


@jinja2.pass_context
def _dir(context, value) -> markupsafe.Markup:
    """' dir="ltr"' for an element (a link) whose text runs the other way from the leaflet's, else nothing.

    A link is isolated this way rather than with a <bdi> inside it: WeasyPrint leaves a link whose text holds
    an element out of the PDF's Link structure.
    """
    own = languages.text_direction(str(value))
    return markupsafe.Markup(f' dir="{own}"') if own and own != context.get("direction", "ltr") else markupsafe.Markup("")


def direction(leaflet: Leaflet) -> str:
    """'rtl' for a leaflet written right to left (its `language:`), else 'ltr'."""
    return languages.direction(str(leaflet.data.get("language", "")))


def filters() -> dict:
    """The filters every template may use (leaflets and emails alike)."""
    return dict(md=_md, text=_text, bdi=_bdi, dir=_dir, linktext=markdown.inline_html, plain=markdown.plain,
                longdate=longdate, number=number,
                displayurl=displayurl, qr=qr_code, brand_text=statement.brand_text)


def environment(project: Project) -> jinja2.Environment:
    """The project's Jinja2 environment (autoescaping, strict), made once per process."""
    def make() -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(project.templates),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        i18n.install(env)
        env.filters.update(filters())
        return env
    return shared_environment("leaflet", project.templates, make=make)


def shared_environment(kind: str, *key, make: Callable[[], jinja2.Environment]) -> jinja2.Environment:
    """One environment of a kind (leaflet, email, desk) per templates folder and process: its compiled templates
    are kept, and Jinja2 compiles a template again when its file changes (auto_reload); caches.clear() forgets all."""
    if (kind, *key) not in _environments:
        env = make()
        env.bytecode_cache = _Compiled(kind)
        _environments[(kind, *key)] = env
    return _environments[(kind, *key)]


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates by kind of environment, name and source text, for every environment of the process: a
    copy of templates/ in another folder compiles nothing again, and an edited template (another text) does."""

    def __init__(self, kind: str):
        self.kind = kind

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return name  # not the file's path: the same text in another folder is the same template

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        bucket.code = _code.get((self.kind, bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        _code[(self.kind, bucket.key, bucket.checksum)] = bucket.code


_code: dict = {}  # (kind, template name, SHA-1 of its text) -> its compiled code
caches.register(_code.clear)

_CALLOUT_LABELS = {"urgent": i18n.N_("Get help now"), "action": i18n.N_("What you can do"), "note": i18n.N_("Good to know")}
_CREDIT_LABELS = {"authors": i18n.N_("Written by"), "reviewers": i18n.N_("Reviewed by"),
                  "translators": i18n.N_("Translated by"), "translation_checkers": i18n.N_("Translation checked by"),
                  "easy_read_checkers": i18n.N_("Easy Read checked by")}


def labels_for(project: Project, leaflet: Leaflet) -> i18n.Labels:
    """The labels in the leaflet's language (validation has checked its catalogue is complete)."""
    try:
        return i18n.labels(project.root, leaflet.data["language"])
    except LookupError as exc:
        raise RenderError(leaflet.name, f"{exc} - run check to see what to add")


def credits(leaflet: Leaflet, labels: i18n.Labels, label=None) -> list:
    """(label, person) for every credit block: authors, reviewers, then a translation's translators and checkers.

    `label` turns a label's message id into what is printed (default: labels.gettext).
    """
    say = label or labels.gettext
    # A bilingual edition (`label` given) prints one set of credits, as people.yaml writes them.
    language = None if label else labels.language
    return [(say(_CREDIT_LABELS[role]), p) for role in _CREDIT_LABELS
            for p in _people(getattr(leaflet, role), language)]


def view(project: Project, leaflet: Leaflet, labels: i18n.Labels) -> dict:
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
            label = _CALLOUT_LABELS[callout["kind"]]
            callout.setdefault("heading", labels.gettext(label))
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


def _people(people: list, language: str | None = None) -> list:
    """People for strict templates: every optional field present and, in a leaflet's `language`, their texts in it
    where people.yaml translates them; `english` marks each left in English (lang="en", and dir="ltr" in Arabic)."""
    out = []
    mark = markupsafe.Markup(' lang="en"' + (' dir="ltr"' if languages.direction(language or "") == "rtl" else ""))
    for person in people:
        person = in_language(person, language) if language else {**person, "english": []}
        for key in ("affiliation", "verification", "pseudonym"):
            person.setdefault(key, None)
        person["english"] = {key: mark if key in person["english"] else "" for key in PERSON_TEXTS}
        out.append(person)
    return out


def translation(leaflet: Leaflet) -> dict | None:
    """What a translation says about itself: its source's title, language and the version it was made from."""
    original = leaflet.original
    if original is None:
        return None
    return {"source_title": original.data["title"], "source_lang": original.language,
            "source_language": languages.name(languages.primary(original.language)),
            "source_language_name": languages.name_in(languages.primary(original.language), leaflet.language),
            "source_version": leaflet.data["source_version"], "note": leaflet.data.get("translation_note")}


def _brand(brand: dict) -> dict:
    brand = copy.deepcopy(brand)
    brand["colours"].setdefault("urgent", brand["colours"]["primary"])
    for key in ("phone", "email", "website", "address"):
        brand["contact"].setdefault(key, None)
    brand.setdefault("feedback", None)
    return brand


def render_html(catalogue: Catalogue, leaflet: Leaflet, paper: str = editions.DEFAULT_PAPER, link_styles: bool = True,
                edition: str = "standard", marks: bool = False, booklet: bool = False) -> str:
    """The leaflet as one HTML document; URLs in it are relative to the project root.

    Without `link_styles` the stylesheet links are left out, for an engine that
    applies the already-parsed stylesheets itself. A `booklet` ends with a back cover.
    """
    if leaflet.easy_read_of:  # rows of pictures and words: a layout of its own
        return easy_read_html(catalogue, leaflet, paper, link_styles, edition, marks)
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None  # a leaflet is rendered only with a valid brand
    labels = labels_for(project, leaflet)
    try:
        template = environment(project).get_template("leaflet.html")
        return template.render(
            leaflet=view(project, leaflet, labels),
            authors=_people(leaflet.authors),
            credits=credits(leaflet, labels),
            translation=translation(leaflet),
            brand=_brand(brand),
            logo=project.relative(project.brand_file.parent / brand["logo"]),
            stylesheets=stylesheets(paper, edition, marks, direction(leaflet)) if link_styles else [],
            edition=edition,
            direction=direction(leaflet),
            layouts=layouts(paper, edition),
            overdue=leaflet.overdue,
            printed=True,  # QR codes beside web links (partials/reading.html)
            booklet=booklet,
            labels=labels,
        )
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename and project.relative(Path(exc.filename))
        raise RenderError(leaflet.name, f"template {where}:{exc.lineno}: {exc.message}")
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix the template in templates/")


# -- Easy Read: rows of pictures and words, a layout of its own (templates/easy-read.html) --


def easy_read_stylesheets(paper: str, edition: str = editions.DEFAULT_EDITION, marks: bool = False) -> list[str]:
    """The paper's stylesheet, the Easy Read layout's, then the edition's (large print's page rules win)."""
    sheets = stylesheets(paper, edition, marks)
    return sheets[:1] + [easyread.STYLESHEET] + sheets[1:]


def easy_read_view(project: Project, leaflet: Leaflet, labels) -> dict:
    """The Easy Read leaflet's data for its template: anchors for the contents, every optional field present."""
    data = copy.deepcopy(leaflet.data)
    data.setdefault("easy_read_note", None)
    data.setdefault("sources", [])
    data.setdefault("sources_note", None)
    for n, section in enumerate(data["sections"], 1):
        section["anchor"] = f"section-{n}"
        for row in section["rows"]:
            row.setdefault("picture", None)
            row.setdefault("urgent", False)
    original = leaflet.original
    assert original is not None
    data["source_title"] = original.data["title"]
    return data


def easy_read_html(catalogue: Catalogue, leaflet: Leaflet, paper: str = editions.DEFAULT_PAPER, link_styles: bool = True,
                edition: str = editions.DEFAULT_EDITION, marks: bool = False, web: bool = False) -> str:
    """The Easy Read leaflet as one HTML document: print layout, or (`web`) the page the web edition inlines."""
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None
    labels = labels_for(project, leaflet)
    data = easy_read_view(project, leaflet, labels)
    try:
        template = environment(project).get_template(easyread.TEMPLATE)
        return template.render(
            leaflet=data, authors=_people(leaflet.authors), credits=credits(leaflet, labels),
            translation=None, brand=_brand(brand), logo=project.relative(project.brand_file.parent / brand["logo"]),
            stylesheets=easy_read_stylesheets(paper, edition, marks) if link_styles else [], edition=edition, paper=paper,
            direction=direction(leaflet), layouts=layouts(paper, edition), overdue=leaflet.overdue,
            printed=not web, web=web, labels=labels, licences=_easy_read_licences(data),
        )
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix templates/{easyread.TEMPLATE}")


def _easy_read_licences(data: dict) -> list[str]:
    """The licences of the shipped pictures used, for the credits line under the pictures."""
    return sorted({row["picture"]["licence"] for section in data["sections"] for row in section["rows"]
                   if row["picture"] and row["picture"].get("licence")})


def preview(catalogue: Catalogue, leaflet: Leaflet, paper: str = editions.DEFAULT_PAPER, edition: str = "standard",
            marks: bool = False) -> str:
    """The print layout as one HTML file that opens from the output folder in a browser."""
    # Relative URLs point back at the project's styles and images.
    document = render_html(catalogue, leaflet, paper, edition=edition, marks=marks)
    return document.replace("<head>", f'<head>\n<base href="{catalogue.project.root.as_uri()}/">', 1)
