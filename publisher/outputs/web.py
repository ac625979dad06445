"""Render the accessible web edition: one self-contained HTML5 page per leaflet."""

from __future__ import annotations

import base64
import colorsys
import html
import re
import urllib.parse
from pathlib import Path

import jinja2
import markupsafe

from publisher.core.editions import DEFAULT_EDITION
from publisher.core.errors import RenderError
from publisher.i18n import catalogues as i18n
from publisher.i18n import languages
from publisher.outputs.base import Job, Output
from publisher.render import webfonts
from publisher.render.html import (
    _brand,
    _people,
    credits,
    direction,
    easy_read_view,
    environment,
    labels_for,
    translation,
    view,
)
from publisher.source import content, siblings
from publisher.source.content import Catalogue, Leaflet

TEMPLATE = "web/leaflet.html"
SUFFIX = ".html"
STYLESHEET = "web.css"

_MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# The dark scheme's page and text colours; the brand's colours are lightened
# against these until they read at WCAG AA (see palette()).
_DARK_PAGE = "#15191c"
_DARK_TEXT = "#eef0f2"
_WHITE = "#ffffff"

# Tables come only from markdown.to_html, always opened exactly like this.
_TABLE = re.compile(r'<table class="table">.*?</table>', re.DOTALL)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def data_uri(path: Path) -> str:
    """A file as a data: URI, so the page makes no request for it."""
    path = Path(path)
    media_type = _MEDIA_TYPES[path.suffix.lower()]
    return f"data:{media_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` of the way towards `other`, as #rrggbb."""
    first = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    second = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(first, second, strict=True))


def _readable(colour: str, backgrounds: tuple, need: float, lighter: bool) -> str:
    """`colour` made lighter (or darker) by the least steps that reach `need`:1 on every background."""
    # Lightness alone changes, so the brand's hue and saturation stay recognisable.
    hue, lightness, saturation = colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    for step in range(51):
        level = min(1.0, lightness + step / 50) if lighter else max(0.0, lightness - step / 50)
        candidate = "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hls_to_rgb(hue, level, saturation))
        if all(content.contrast(candidate, back) >= need for back in backgrounds):
            return candidate
    return "#ffffff" if lighter else "#000000"


def palette(brand: dict) -> dict:
    """The page's colours for the light and the dark scheme, each checked for WCAG AA contrast."""
    colours = brand["colours"]
    text, primary, tint, urgent = colours["text"], colours["primary"], colours["tint"], colours["urgent"]
    # brand.yaml is checked for text on white and on the tint, and primary on white;
    # primary on the tint, and everything on the dark scheme's colours, are made so here.
    light = {"page": _WHITE, "text": text, "primary": primary, "tint": tint,
             "on-tint": _readable(primary, (tint,), 4.5, lighter=False),
             "urgent": _readable(urgent, (_WHITE,), 4.5, lighter=False), "band": primary, "band-text": _WHITE}
    surface = _readable(_mix(_DARK_PAGE, primary, 0.25), (_DARK_TEXT,), 4.5, lighter=False)
    lifted = _readable(primary, (_DARK_PAGE, surface), 4.5, lighter=True)
    dark = {"page": _DARK_PAGE, "text": _DARK_TEXT, "primary": lifted, "tint": surface, "on-tint": lifted,
            "urgent": _readable(urgent, (_DARK_PAGE,), 4.5, lighter=True), "band": primary, "band-text": _WHITE}
    return {"light": light, "dark": dark}


def _icon(path: Path) -> markupsafe.Markup:
    """A callout icon as inline SVG, drawn in the text's colour so it follows the colour scheme."""
    svg = path.read_text(encoding="utf-8").strip()
    svg = svg.replace('fill="#000"', 'fill="currentColor"').replace('fill="#fff"', 'class="knockout"')
    return markupsafe.Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" class="icon" ', 1))


def _scrolling_tables(page: str, labels: i18n.Labels) -> str:
    """Wrap each table in a labelled, focusable region that scrolls sideways, so the page never does."""
    def wrap(match: re.Match) -> str:
        headers = [html.unescape(_TAG.sub("", cell)).strip() for cell in _HEADER_CELL.findall(match.group(0))]
        # TRANSLATORS: a screen reader's name for a table that scrolls sideways, followed by its column headers.
        named = labels.gettext(i18n.N_("Table: %(headers)s"))
        # TRANSLATORS: what separates the column headers in "Table: Time, Dose, Notes" (a comma and a space).
        comma = labels.gettext(i18n.N_(", "))
        label = markupsafe.escape(named % {"headers": comma.join(h for h in headers if h)})
        return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">{match.group(0)}</div>'
    return _TABLE.sub(wrap, page)


def _web_view(project: content.Project, leaflet: Leaflet, labels: i18n.Labels) -> dict:
    """The print view, with images as data: URIs and each section's sub-heading level for a web page."""
    data = view(project, leaflet, labels)
    seen_h2 = False
    for section in data["sections"]:
        if section["image"]:
            section["image"]["src"] = data_uri(leaflet.path.parent / section["image"]["file"])
        # Headings in order: a callout or card is an h3 under its section's h2, or
        # under the one before it; before any h2 (an opening section) it is an h2.
        seen_h2 = seen_h2 or bool(section["toc"])
        section["level"] = 3 if seen_h2 else 2
    return data


def other_languages(leaflet: Leaflet) -> dict:
    """The page's language versions: `alternates` for <link rel="alternate" hreflang> (itself and x-default, the
    source's page, included) and `others`, the visible list, each language named in itself."""
    found = siblings.translations(leaflet.path)
    if not found:
        return {"alternates": [], "others": []}
    source = leaflet.original or leaflet  # a translation's or an Easy Read's: the leaflet it is made from
    pages = {source.language: source.stem, **found, leaflet.language: leaflet.stem}
    alternates = [{"tag": tag, "href": f"{stem}{SUFFIX}"} for tag, stem in pages.items()]
    others = [{**link, "name": _own_name(link["tag"]), "dir": languages.direction(link["tag"])}
              for link in alternates if link["tag"] != leaflet.language]
    return {"alternates": alternates + [{"tag": "x-default", "href": f"{source.stem}{SUFFIX}"}], "others": others}


def _own_name(tag: str) -> str:
    """A language's name in itself, as the catalogue shows it first: 'Cymraeg', 'العربية', '中文', 'English'."""
    shown = languages.name_in(languages.primary(tag), tag)
    return shown[:1].upper() + shown[1:]


def render_web(catalogue: Catalogue, leaflet: Leaflet) -> bytes:
    """The leaflet as one self-contained, accessible HTML5 page (UTF-8): CSS, logo and images inline."""
    if leaflet.easy_read_of:  # rows of pictures and words: a page of its own
        return _easy_read_page(catalogue, leaflet)
    project = catalogue.project
    brand = catalogue.brand
    assert brand is not None  # a catalogue with a broken brand renders nothing
    labels = labels_for(project, leaflet)
    try:
        template = environment(project).get_template(TEMPLATE)
        page = template.render(
            leaflet=_web_view(project, leaflet, labels),
            authors=_people(leaflet.authors),
            credits=credits(leaflet, labels),
            translation=translation(leaflet),
            brand=_brand(brand),
            logo=data_uri(project.brand_file.parent / brand["logo"]),
            icons={kind: _icon(project.styles / "icons" / f"{kind}.svg") for kind in ("urgent", "action", "note")},
            palette=palette(_brand(brand)),
            css=markupsafe.Markup((project.styles / STYLESHEET).read_text(encoding="utf-8")),
            overdue=leaflet.overdue,
            printed=False,
            labels=labels,
            direction=direction(leaflet),
            languages=other_languages(leaflet),
        )
        page = _scrolling_tables(page, labels)
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateSyntaxError as exc:
        shown = project.relative(Path(exc.filename)) if exc.filename else None
        raise RenderError(leaflet.name, f"template {shown}:{exc.lineno}: {exc.message}")
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix the template in templates/")
    return _with_faces(page, project).encode("utf-8")


def _with_faces(page: str, project: content.Project) -> str:
    """The page with other scripts' faces, cut down to what it uses (a language list's names too); none for Latin."""
    faces = webfonts.css(page, project.styles / "fonts")
    return page.replace("/* fonts */\n", faces + "\n" if faces else "", 1)


WEB_TEMPLATE = "web/easy-read.html"


def _picture_uri(path: Path) -> str:
    """A picture inline: an SVG as its own text (a third smaller than base64: a page has dozens), else base64."""
    if path.suffix.lower() != ".svg":
        return data_uri(path)
    svg = " ".join(path.read_text(encoding="utf-8").split()).replace('"', "'")
    return "data:image/svg+xml," + urllib.parse.quote(svg, safe=" '=:/;,.-+()")


def _easy_read_page(catalogue: Catalogue, leaflet: Leaflet) -> bytes:
    """The Easy Read web edition: one self-contained page, pictures and styles inline, rows as in print."""
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None
    labels = labels_for(project, leaflet)
    data = easy_read_view(project, leaflet, labels)
    for section in data["sections"]:
        for row in section["rows"]:
            if row["picture"]:
                row["picture"]["src"] = _picture_uri(project.root / row["picture"]["src"])
    css = "\n".join((project.styles / name).read_text(encoding="utf-8") for name in (STYLESHEET, "easy-read-web.css"))
    try:
        page = environment(project).get_template(WEB_TEMPLATE).render(
            leaflet=data, authors=_people(leaflet.authors), credits=credits(leaflet, labels),
            translation=None, brand=_brand(brand), logo=data_uri(project.brand_file.parent / brand["logo"]),
            palette=palette(_brand(brand)), css=markupsafe.Markup(css), overdue=leaflet.overdue,
            printed=False, labels=labels, direction=direction(leaflet), languages=other_languages(leaflet))
    except i18n.MissingLabel as exc:
        raise RenderError(leaflet.name, str(exc))
    except jinja2.TemplateError as exc:
        raise RenderError(leaflet.name, f"template error: {exc} - fix templates/{WEB_TEMPLATE}")
    return _with_faces(page, project).encode("utf-8")


def render(job: Job) -> bytes:
    return render_web(job.catalogue, job.leaflet)


HTML_OUTPUT = Output("html", SUFFIX, "text/html", "accessible web page, self-contained", editions=(DEFAULT_EDITION,),
                     render=render, label="Web page", inputs=siblings.digest)
