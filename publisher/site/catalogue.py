"""The catalogue site: dist/index.html and its filter pages, listing every output a build wrote (from the manifest)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import io
import json
import os
import re
from pathlib import Path

from publisher.build import manifest
from publisher.core import editions
from publisher.core.files import CODE, write_atomic
from publisher.govern import governance
from publisher.i18n import catalogues as i18n
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.render import html, webfonts
from publisher.source.content import Project
from publisher.source.project import DEFAULTS

INDEX = "index.html"
PAGES = "catalogue"  # filter pages and the stylesheet, in a folder of their own: no leaflet stem can clash
THUMBS = "thumbs"
STYLESHEET = "site.css"
SCRIPT = "search.js"  # the static catalogue's search as you type; never needed (see templates/site/)
THUMB_SCALE = 0.25  # 1/4 of 72 dpi: an A4 page one becomes 149 x 210 px
_FACES = ".fonts.json"  # in PAGES: the fonts cut down for the pages, by font digest and characters (webfonts.Kept)
_STAMP = ".made-from"  # in PAGES: what the pages were last written from (_stamp), and each page's digest
_THUMB_RECORD = ".sources.json"  # stem -> digest of the PDF each thumbnail was drawn from
STATUSES = {"current": "Review not due yet", "due-soon": "Review due soon", "overdue": "Review overdue"}
_FILTER_PAGE = re.compile(r"(keyword|status|language|format)-[a-z0-9-]+\.html\Z")
# Versions of a leaflet listed as leaflets of their own, each with a filter: (stem's last part, label).
FORMATS = {"easy-read": "Easy Read"}


@dataclasses.dataclass(frozen=True)
class Link:
    """One output file of a leaflet, as the catalogue links to it."""

    href: str  # the file name in the output folder
    format: str  # the output's name in the registry
    label: str  # "PDF"
    edition: str
    language: str
    size: str  # "245 KB"


@dataclasses.dataclass
class Item:
    """One leaflet in the catalogue, with every output the build wrote for it."""

    stem: str
    title: str
    summary: str
    reference: str
    version: str
    keywords: list
    language: str  # the leaflet's own language
    next_review: str
    status: str  # a key of STATUSES
    status_text: str  # "due in 40 days", after the label "Review"
    links: list  # of Link, ordered by language, edition, format
    thumb: str | None = None  # relative to the output folder
    thumb_size: tuple = (0, 0)  # its width and height in pixels
    translations: dict = dataclasses.field(default_factory=dict)  # tag -> a translation's title, summary, keywords

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(link.language for link in self.links))

    @property
    def editions(self) -> list[str]:
        return list(dict.fromkeys(link.edition for link in self.links))

    @property
    def search_text(self) -> str:
        """What a search looks in: the title, summary, reference and keywords, each translation's too, in lower case."""
        words = [self.title, self.summary, self.reference, *self.keywords]
        for about in self.translations.values():
            words += [about["title"], about["summary"], *about["keywords"]]
        return " ".join(words).lower()

    def matches(self, query: str) -> bool:
        """Whether every word of `query` is in the title, summary, reference or keywords (any case)."""
        return all(word in self.search_text for word in query.lower().split())


def size_text(size: int) -> str:
    """'245 KB', '1.2 MB': how big a download is, for a reader."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def slug(text: str) -> str:
    """A keyword or language tag as part of a file name: 'Back pain' -> 'back-pain'."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "other"


def language_name(tag: str) -> str:
    """'en-GB' -> 'English (United Kingdom)'; an unknown tag is shown as it is."""
    import babel
    try:
        return babel.Locale.parse(tag, sep="-").get_display_name("en") or tag
    except (ValueError, babel.UnknownLocaleError):
        return tag


def own_name(tag: str) -> str:
    """A language's name in itself: 'cy' -> 'Cymraeg', 'ar' -> 'العربية'; its English name when CLDR has none."""
    import babel
    try:
        locale = babel.Locale.parse(tag, sep="-")
        # The language alone (中文, not 中文（简体）): the English beside it gives the script or country.
        shown = locale.languages.get(locale.language) or locale.get_display_name(tag)
    except (ValueError, babel.UnknownLocaleError):
        return language_name(tag)
    return (shown[:1].upper() + shown[1:]) if shown else language_name(tag)


def language_label(tag: str) -> str:
    """'Cymraeg (Welsh)': a language by its own name, then its English one; English once."""
    own, english = own_name(tag), language_name(tag)
    return english if own == english or english.startswith(f"{own} (") else f"{own} ({english})"


def review_status(next_review: str, today: datetime.date) -> tuple[str, str]:
    """(status, text) of a review date on `today`, by the governance rules' own calendar."""
    due = datetime.date.fromisoformat(next_review)
    found: list[str] = []
    governance.add_date_findings(lambda rule, message: found.append(rule), due, today)
    if "review-overdue" in found:
        return "overdue", f"overdue (was due {_date(next_review)})"
    if "review-due-soon" in found:
        days = (due - today).days
        return "due-soon", "due today" if days == 0 else f"due in {days} day{'s' if days != 1 else ''}"
    return "current", f"next due {_date(next_review)}"


def _date(value: str) -> str:
    """'2029-11-25' -> '25 November 2029': the catalogue speaks to its readers in English, as its labels do."""
    return i18n.labels(Path("."), "en-GB").date(value)  # English needs no catalogue: no folder is read


def _about(entries: list[manifest.Entry], stem: str) -> dict:
    """A leaflet's title and the rest from its manifest entries, each value checked (a manifest is input)."""
    kinds = {"title": str, "summary": str, "reference": str, "version": str, "language": str, "keywords": list}
    for entry in entries:
        about = entry.about
        if all(isinstance(about.get(k), kind) for k, kind in kinds.items()) and \
                all(isinstance(k, str) for k in about["keywords"]):
            return about
    return {"title": stem, "summary": "", "reference": "", "version": "", "language": "en", "keywords": []}


def items(out: Path, today: datetime.date, record: manifest.Manifest | None = None) -> list[Item]:
    """Every leaflet the output folder's manifest lists, with the outputs on disk, ordered by title."""
    record = record or manifest.Manifest.load(out)
    by_stem: dict[str, list] = {}
    for key, entry in sorted(record.entries.items()):
        # A translation is listed with its source (x.cy.pdf is x's Welsh): one entry a leaflet, all its languages.
        stem = entry.translation_of or Path(entry.source).stem
        parsed = naming.parsed(key, stem)
        if parsed and manifest.safe_stem(key) and (Path(out) / key).is_file():
            by_stem.setdefault(stem, []).append((key, entry, parsed))
    order = {name: i for i, name in enumerate(outputs.REGISTRY)}
    edition_order = {name: i for i, name in enumerate(editions.EDITIONS)}
    found = []
    for stem, rows in by_stem.items():
        # The leaflet's own language first: a translation's entry records its translated title.
        about = _about([entry for _, entry, named in sorted(rows, key=lambda row: row[2].language is not None)], stem)
        translated = {named.language: _about([entry], stem) for _, entry, named in rows if named.language is not None}
        links = []
        for key, entry, named in rows:
            output = named.output
            links.append(Link(key, output.name, output.label or output.name.upper(), named.edition,
                              named.language or about["language"], size_text(entry.bytes)))
        # The leaflet's own language first, then translations by tag; then editions and formats in registry order.
        links.sort(key=lambda link: (link.language != about["language"], link.language,
                                     edition_order.get(link.edition, 99), order.get(link.format, 99)))
        next_review = min(entry.next_review for _, entry, _ in rows)
        status, text = review_status(next_review, today)
        item = Item(stem, about["title"], about["summary"], about["reference"], about["version"],
                    list(about["keywords"]), about["language"], next_review, status, text, links,
                    translations={tag: found for tag, found in sorted(translated.items()) if found["summary"]})
        _attach_thumbnail(Path(out), item)
        found.append(item)
    return sorted(found, key=lambda item: (item.title.casefold(), item.stem))


# -- thumbnails --------------------------------------------------------------


def thumbnail(pdf_path: Path) -> bytes:
    """Page one of a PDF as a PNG, drawn by PDFium at a fixed scale: the same PDF gives the same bytes."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        bitmap = document[0].render(scale=THUMB_SCALE, draw_annots=False)
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)  # optimize=True: 4x the time for 2% fewer bytes; no time chunk
    return buffer.getvalue()


def _attach_thumbnail(out: Path, item: Item) -> None:
    """Point the item at its thumbnail, if one has been drawn, with its size in pixels."""
    item.thumb, item.thumb_size = None, (0, 0)
    with contextlib.suppress(OSError):
        with open(out / THUMBS / f"{item.stem}.png", "rb") as handle:
            header = handle.read(24)[16:24]  # the PNG's IHDR: width and height, big-endian
        item.thumb = f"{THUMBS}/{item.stem}.png"
        item.thumb_size = (int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big"))


def _thumbnails(out: Path, found: list[Item], record: manifest.Manifest) -> None:
    """Draw each leaflet's page one once per PDF version, into thumbs/; remove those of leaflets that are gone."""
    folder = Path(out) / THUMBS
    folder.mkdir(exist_ok=True)
    try:
        drawn = json.loads((folder / _THUMB_RECORD).read_text(encoding="utf-8"))
        drawn = {k: v for k, v in drawn.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, ValueError, AttributeError):
        drawn = {}
    kept = {}
    for item in found:
        item.thumb, item.thumb_size = None, (0, 0)  # until this PDF's picture is known to be drawn
        pdf = next((link for link in item.links if link.format == "pdf" and link.edition == editions.DEFAULT_EDITION
                    and link.language == item.language), None)
        if pdf is None:
            continue
        digest = record.entries[pdf.href].digest
        target = folder / f"{item.stem}.png"
        if drawn.get(item.stem) != digest or not target.is_file():
            try:
                write_atomic(target, thumbnail(Path(out) / pdf.href))
            except Exception:  # a PDF PDFium cannot read gets no picture; the catalogue still lists it
                continue
        kept[item.stem] = digest
        _attach_thumbnail(Path(out), item)
    for path in folder.glob("*.png"):
        if path.stem not in kept and manifest.safe_stem(path.stem):
            with contextlib.suppress(OSError):
                os.unlink(path)
    text = json.dumps(kept, indent=1, sort_keys=True).encode("utf-8")
    if drawn != kept or not (folder / _THUMB_RECORD).is_file():
        write_atomic(folder / _THUMB_RECORD, text)


# -- pages -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Filter:
    """One pre-rendered filter page: its file (in PAGES), what it shows and who is in it."""

    kind: str  # "keyword", "status", "language" or "format"
    value: str
    label: str
    file: str
    stems: frozenset

    def __len__(self) -> int:
        return len(self.stems)


def filters(found: list[Item]) -> dict[str, list[Filter]]:
    """The filter pages for a list of leaflets, by kind, each list in a stable order."""
    keywords: dict[str, tuple[str, set]] = {}
    for item in found:
        for keyword in item.keywords:
            label, stems = keywords.setdefault(slug(keyword), (keyword, set()))
            stems.add(item.stem)
    languages: dict[str, set] = {}
    for item in found:
        for language in item.languages:
            languages.setdefault(language, set()).add(item.stem)
    return {
        "status": [Filter("status", key, label, f"status-{key}.html",
                          frozenset(i.stem for i in found if i.status == key)) for key, label in STATUSES.items()],
        "language": [Filter("language", tag, language_label(tag), f"language-{slug(tag)}.html", frozenset(stems))
                     for tag, stems in sorted(languages.items())],
        "keyword": [Filter("keyword", key, label, f"keyword-{key}.html", frozenset(stems))
                    for key, (label, stems) in sorted(keywords.items())],
        # Easy Read leaflets (<stem>.easy-read) are listed as leaflets of their own, with a filter of their own.
        "format": [Filter("format", key, label, f"format-{key}.html", chosen) for key, label in FORMATS.items()
                   if (chosen := frozenset(i.stem for i in found if i.stem.endswith(f".{key}")))],
    }


def render(project: Project, brand: dict | None, found: list[Item], groups: dict, root: str = "",
           current: Filter | None = None, query: str | None = None, search: str | None = None,
           preview: str | None = None, extra_head: str = "", faces: webfonts.Kept | None = None) -> str:
    """One catalogue page. `root` leads from the page to the output folder ('' or '../'); `search` is the
    address a search form is sent to and `preview` where leaflet previews are (only the preview server has
    them), `query` what was searched for; `faces` keeps the cut-down fonts for the next build (webfonts.css)."""
    shown = [item for item in found if (current is None or item.stem in current.stems)
             and (not query or item.matches(query))]
    template = html.environment(project).get_template("site/catalogue.html")
    page = template.render(
        brand_name=(brand or {}).get("name", "Leaflets"), items=shown, total=len(found), groups=groups, root=root,
        pages=f"{root}{PAGES}/", current=current, query=query, search=search, statuses=STATUSES,
        language_name=language_name, own_name=own_name, language_label=language_label,
        edition_label=lambda name: editions.EDITIONS[name].label if name in editions.EDITIONS else name,
        preview=preview, extra_head=extra_head)
    # Titles in other scripts print in the shipped faces, cut down to this page's characters, as the web edition's.
    rules = webfonts.css(page, project.styles / "fonts", faces)
    return page.replace("</head>", f"<style>\n{rules}\n</style>\n</head>", 1) if rules else page


def write(project: Project, out: Path, brand: dict | None, today: datetime.date,
          record: manifest.Manifest | None = None) -> list[Item]:
    """Write index.html, the filter pages, the stylesheet and the thumbnails into `out`: the items listed."""
    out = Path(out)
    if not (project.templates / "site" / "catalogue.html").is_file():
        return []  # a project made before the site existed: copy templates/site/ and styles/site.css to get one
    record = record or manifest.Manifest.load(out)
    found = items(out, today, record)
    _thumbnails(out, found, record)
    groups = filters(found)
    pages = out / PAGES
    pages.mkdir(exist_ok=True)
    # A no-op build would write the same pages again: rendering them is most of its time.
    stamp = _stamp(project, brand, found)
    if _unchanged(out, stamp):
        return found
    kept = webfonts.Kept.read(pages / _FACES)
    wanted = {INDEX: render(project, brand, found, groups, faces=kept)}
    files = {f"{PAGES}/{f.file}": render(project, brand, found, groups, "../", f, faces=kept)
             for kind in groups.values() for f in kind}
    written = {name: text.encode("utf-8") for name, text in {**wanted, **files}.items()}
    written[f"{PAGES}/{STYLESHEET}"] = (project.styles / STYLESHEET).read_bytes()
    written[f"{PAGES}/{SCRIPT}"] = (project.templates / "site" / SCRIPT).read_bytes()
    for name, data in written.items():
        _write_if_changed(out / name, data)
    for path in pages.glob("*.html"):  # filter pages no leaflet needs any more
        if _FILTER_PAGE.match(path.name) and f"{PAGES}/{path.name}" not in files:
            with contextlib.suppress(OSError):
                os.unlink(path)
    if kept.used != kept.known:  # only those these pages use: it never grows past them
        _write_if_changed(pages / _FACES, json.dumps(kept.used, indent=0, sort_keys=True).encode("ascii"))
    digests = {name: manifest.digest_bytes(data) for name, data in sorted(written.items())}
    _write_if_changed(pages / _STAMP, json.dumps({"from": stamp, "pages": digests}, indent=1).encode("utf-8"))
    return found


def _unchanged(out: Path, stamp: str) -> bool:
    """Whether the pages on disk were written from `stamp` and are still as written (none edited or deleted)."""
    try:
        record = json.loads((out / PAGES / _STAMP).read_text(encoding="utf-8"))
        return record["from"] == stamp and all(manifest.digest_file(out / name) == digest
                                               for name, digest in record["pages"].items())
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False


def _stamp(project: Project, brand: dict | None, found: list[Item]) -> str:
    """What the catalogue's pages are made from: the items, the brand, templates, stylesheets, labels, our code."""
    hasher = hashlib.sha256(repr((found, brand)).encode("utf-8"))
    for path in sorted([*project.templates.rglob("*"), *project.styles.glob("*.css"), *project.locales.rglob("*"),
                        *CODE.rglob("*.py")]):
        if path.is_file():
            base = next(b for b in (CODE, project.root, DEFAULTS) if path.is_relative_to(b))  # DEFAULTS: the tool's
            name = path.relative_to(base).as_posix()
            hasher.update(name.encode() + b"\0" + manifest.digest_bytes(path.read_bytes()).encode())
    return hasher.hexdigest()


def _write_if_changed(path: Path, data: bytes) -> None:
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    write_atomic(path, data)


def merge(folders: list[Path], out: Path) -> int:
    """Copy the outputs and manifests of several output folders (a CI build's shards) into `out`: files copied."""
    import shutil
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    combined = manifest.Manifest.load(out)
    copied = 0
    for folder in folders:
        part = manifest.Manifest.load(Path(folder))
        for key, entry in part.entries.items():
            if manifest.safe_stem(key) and (Path(folder) / key).is_file():
                if Path(folder).resolve() != out.resolve():
                    shutil.copyfile(Path(folder) / key, out / key)
                    copied += 1
                combined.entries[key] = entry
    combined.save()
    return copied
