"""The linear reading order: a validated leaflet as chapters of plain blocks, for braille and audio alike.

Print lays a leaflet out on pages and the web in a page; braille and speech
read it from start to end. This module decides that order once: the title and
summary, each section with its heading (pictures by their alt text, cards,
callouts with their kind), further reading, sources, and at the end the dates,
the organisation's contact details, the "other formats" statement and the
credits. Text is plain: no Markdown syntax, links as their words with the
address kept beside them for a format that writes it out.
"""

from __future__ import annotations

import dataclasses
import re

from publisher.i18n.catalogues import N_
from publisher.render.html import displayurl, labels_for, translation, view
from publisher.render.statement import other_formats
from publisher.source import brand as brands
from publisher.source import markdown
from publisher.source.content import Catalogue, Leaflet
from publisher.source.people import in_language

# Words this order adds, in one place (the languages work translates them with the leaflet's labels).
# Words the reading order adds, marked for the label catalogues and read in the leaflet's language (labels()).
LABELS = {
    "urgent": N_("Urgent"), "action": N_("Action"), "note": N_("Note"),
    "picture": N_("Picture"), "further_reading": N_("Further reading"), "sources": N_("Sources"),
    "about": N_("About this leaflet"), "published": N_("Published"), "last_reviewed": N_("Last reviewed"),
    "next_review": N_("Next review"), "version": N_("Version"), "reference": N_("Reference"), "phone": N_("Phone"),
    "email": N_("Email"), "web": N_("Web"), "address": N_("Address"), "written_by": N_("Written by"),
    "reviewed_by": N_("Reviewed by"), "from": N_("From"), "contents": N_("In this leaflet"),
    "translators": N_("Translated by"), "translation_checkers": N_("Translation checked by"),
    "translated_from": N_("Translated from"),
}
# The print credits' "translated from" line (templates/partials/credits.html), read without its markup.
TRANSLATED_FROM = '<span lang="%(source_lang)s">%(title)s</span> (%(language)s), version %(version)s'


def labels(catalogue: Catalogue, leaflet: Leaflet) -> dict[str, str]:
    """LABELS in the leaflet's language, from the label catalogues (validation has checked they are complete)."""
    found = labels_for(catalogue.project, leaflet)
    return {key: str(found.gettext(text)) for key, text in LABELS.items()}

# A non-breaking hyphen keeps "reward-driven" together in print; braille and speech want the plain one.
_CHARACTERS = str.maketrans({"\u2011": "-", "\u00a0": " ", "\u2019": "'", "\u2018": "'"})


@dataclasses.dataclass(frozen=True)
class Link:
    """A link in a block: the words shown and where it goes."""

    words: str
    url: str

    @property
    def address(self) -> str:
        """The address as a reader would type it: no scheme, no trailing slash."""
        return displayurl(self.url)


@dataclasses.dataclass(frozen=True)
class Block:
    """One thing read in turn: a heading, a paragraph, a list item, a table row or a label."""

    kind: str  # "heading", "paragraph", "item", "row" or "label" (a callout's kind and heading)
    text: str  # plain text, links as their words; for a row, its first cell
    level: int = 0  # heading: 1 chapter, 2 sub-heading, 3 card; item and row: list depth from 0
    marker: str = ""  # an ordered item's number, e.g. "1."
    cells: tuple = ()  # a row's other cells as (header, value) pairs, empty cells left out
    links: tuple = ()  # of Link, in the order written
    bold: tuple = ()  # (start, end) of each **bold** run in `text`, for braille's emphasis indicators


@dataclasses.dataclass(frozen=True)
class Chapter:
    """A part of the leaflet read as a unit: the opening, one section, further reading, sources, about."""

    title: str
    blocks: tuple  # of Block


# Where **bold** starts and ends while an inline token is read; taken out again by _emphasis().
_BOLD_START, _BOLD_END = "\ue000", "\ue001"


def clean(text: str) -> str:
    """One line of plain text: characters print and speech both handle, single spaces."""
    return re.sub(r"\s+", " ", str(text).translate(_CHARACTERS)).strip()


def _emphasis(marked: str) -> tuple[str, tuple]:
    """Text with bold marks: the text without them, and the (start, end) of each bold run."""
    text, spans, start = "", [], None
    for character in marked:
        if character == _BOLD_START:
            start = len(text)
        elif character == _BOLD_END:
            if start is not None and len(text) > start:
                spans.append((start, len(text)))
            start = None
        else:
            text += character
    return text, tuple(spans)


def sentence(text: str) -> str:
    """Text ending in punctuation, so a heading or label is read as a sentence of its own."""
    text = clean(text)
    return text if not text or text[-1] in ".?!:;" else text + "."


def _inline(token) -> tuple[str, tuple]:
    """An inline token's plain text and its links."""
    words: list[str] = []
    links: list[Link] = []
    link_url: str | None = None
    link_words: list[str] = []
    for child in token.children or ():
        if child.type == "link_open":
            link_url, link_words = child.attrGet("href") or "", []
        elif child.type == "link_close" and link_url is not None:
            links.append(Link(clean("".join(link_words)), link_url))
            link_url = None
        elif child.type in ("text", "code_inline"):
            words.append(child.content)
            if link_url is not None:
                link_words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
        elif child.type == "strong_open":
            words.append(_BOLD_START)
        elif child.type == "strong_close":
            words.append(_BOLD_END)
    return clean("".join(words)), tuple(links)


def text_blocks(text: str | None, heading_level: int = 2) -> list[Block]:
    """A Markdown text field as blocks in reading order: paragraphs, sub-headings, list items, table rows."""
    if not text:
        return []
    tokens = markdown.parse(text)
    reader = _Reader(heading_level)
    for index, token in enumerate(tokens):
        if token.type == "inline":
            reader.inline(token, tokens[index - 1].type if index else "")
        elif token.type in _STEPS:
            _STEPS[token.type](reader, token)
    return [b for b in reader.out if b.text or b.cells]


class _Reader:
    """Where text_blocks is in a text field's tokens: the open lists, items and table, and the blocks so far."""

    def __init__(self, heading_level: int):
        self.heading_level = heading_level
        self.out: list[Block] = []
        self.lists: list[list] = []  # per open list: [ordered, next number]
        self.item_open: list[bool] = []  # per open item: whether its first paragraph has been read
        self.header: list[str] = []
        self.row: list[tuple] = []
        self.in_head = False
        self.in_heading = False

    def open_list(self, token) -> None:
        self.lists.append([token.type == "ordered_list_open", int(token.attrGet("start") or 1)])

    def close_list(self, token) -> None:
        self.lists.pop()

    def open_item(self, token) -> None:
        self.item_open.append(False)

    def close_item(self, token) -> None:
        self.item_open.pop()

    def open_heading(self, token) -> None:
        self.in_heading = True

    def open_head(self, token) -> None:
        self.in_head, self.header = True, []

    def close_head(self, token) -> None:
        self.in_head = False

    def open_row(self, token) -> None:
        self.row = []

    def close_row(self, token) -> None:
        """A table row read: its first cell, then each other cell with its column's header."""
        if self.in_head or not self.row:
            return
        header, row = self.header, self.row
        first_text, first_links = row[0]
        if header and clean(header[0]) and first_text:  # "Inhaler: Reliever", as every other cell is read
            first_text = f"{clean(header[0])}: {first_text}"
        cells = tuple((clean(header[i]) if i < len(header) else "", value)
                      for i, (value, _) in enumerate(row) if i and value)
        links = first_links + tuple(link for _, found in row[1:] for link in found)
        self.out.append(Block("row", first_text, len(self.lists), cells=cells, links=links))

    def inline(self, token, previous: str) -> None:
        """A run of text: a header or data cell, a heading, a list item's paragraph or a paragraph."""
        marked, links = _inline(token)
        plain, bold = _emphasis(marked)
        if self.in_head:
            self.header.append(plain)
        elif previous in ("th_open", "td_open"):
            self.row.append((plain, links))  # a table cell's bold is not kept: its header says what it is
        elif self.in_heading:
            self.out.append(Block("heading", plain, self.heading_level, links=links))
            self.in_heading = False
        elif self.item_open and not self.item_open[-1]:
            self.item_open[-1] = True
            ordered, number = self.lists[-1]
            self.lists[-1][1] += 1
            self.out.append(Block("item", plain, len(self.lists) - 1, f"{number}." if ordered else "", links=links,
                                  bold=bold))
        elif self.item_open:  # a later paragraph of the same item: read at the item's depth
            self.out.append(Block("item", plain, len(self.lists) - 1, links=links, bold=bold))
        elif plain:
            self.out.append(Block("paragraph", plain, links=links, bold=bold))


# What each token other than text does to the reader.
_STEPS = {"bullet_list_open": _Reader.open_list, "ordered_list_open": _Reader.open_list,
          "bullet_list_close": _Reader.close_list, "ordered_list_close": _Reader.close_list,
          "list_item_open": _Reader.open_item, "list_item_close": _Reader.close_item,
          "heading_open": _Reader.open_heading, "thead_open": _Reader.open_head, "thead_close": _Reader.close_head,
          "tr_open": _Reader.open_row, "tr_close": _Reader.close_row}


def _label(text: str) -> Block:
    return Block("label", sentence(text))


def _translated_from(leaflet: Leaflet, found_labels, words: dict) -> list[Block]:
    """A translation's "Translated from <title> (English), version 1.0" line, as its print credits have it."""
    about = translation(leaflet)
    if about is None:
        return []
    line = str(found_labels.gettext(TRANSLATED_FROM)) % {
        "source_lang": "", "title": clean(about["source_title"]), "language": about["source_language_name"],
        "version": about["source_version"]}
    return [Block("item", sentence(f"{words['translated_from']}: {re.sub(r'<[^>]*>', '', line)}"))]


def chapters(catalogue: Catalogue, leaflet: Leaflet) -> list[Chapter]:
    """The leaflet in reading order, one chapter per headed section (as its contents list), plus the end matter."""
    project, brand = catalogue.project, catalogue.brand
    assert brand is not None  # rendered only with a valid brand
    found_labels = labels_for(project, leaflet)
    words = labels(catalogue, leaflet)
    data = view(project, leaflet, found_labels)
    found = _sections(leaflet, data, words)
    if data["further_reading"]:
        found.append(_further_reading(data, words))
    found.append(_sources(data, words))
    blocks = _about(data, brand, found_labels, words)
    blocks += _translated_from(leaflet, found_labels, words)
    blocks += _people(leaflet, found_labels, words)
    found.append(Chapter(words["about"], tuple(blocks)))
    return found


def _sections(leaflet: Leaflet, data: dict, words: dict) -> list[Chapter]:
    """The opening (title, summary) and the sections: a chapter for each section the contents list names."""
    title = clean(data["title"])
    opening = [Block("heading", title, 1)] + text_blocks(data["summary"])
    opening += text_blocks(leaflet.data.get("translation_note"))  # as print has it, under the summary
    found: list[Chapter] = []
    current_title, current = title, opening
    for section in data["sections"]:
        if section["toc"]:
            found.append(Chapter(current_title, tuple(current)))
            current_title, current = clean(section["toc"]), []
            if section["heading"]:
                current.append(Block("heading", clean(section["heading"]), 1))
        current += _section(section, words)
    found.append(Chapter(current_title, tuple(current)))
    return found


def _section(section: dict, words: dict) -> list[Block]:
    """A section's picture (by its alt text), body, cards and callouts."""
    blocks: list[Block] = []
    if section["image"]:
        blocks.append(Block("paragraph", sentence(f"{words['picture']}: {clean(section['image']['alt'])}")))
        if section["image"]["caption"]:
            blocks.append(Block("paragraph", sentence(section["image"]["caption"])))
    blocks += text_blocks(section["body"])
    for card in section["cards"]:
        blocks.append(Block("heading", clean(card["heading"]), 3))
        blocks += text_blocks(card["body"], heading_level=3)
    for callout in section["callouts"]:
        heading = clean(callout["heading"])
        if callout["standalone"]:  # it heads its section: the heading says its kind
            blocks.append(Block("heading", f"{words[callout['kind']]}: {heading}", 1))
        else:
            blocks.append(_label(f"{words[callout['kind']]}: {heading}"))
        blocks += text_blocks(callout["body"], heading_level=3)
    return blocks


def _further_reading(data: dict, words: dict) -> Chapter:
    blocks = [Block("heading", words["further_reading"], 1)]
    for link in data["further_reading"]:
        links = (Link(clean(link["title"]), link["url"]),) if link["url"] else ()
        blocks.append(Block("item", sentence(link["title"]), 0, links=links))
        blocks += [dataclasses.replace(b, kind="item", level=1) if b.kind == "paragraph" else b
                   for b in text_blocks(link["note"])]
    return Chapter(words["further_reading"], tuple(blocks))


def _sources(data: dict, words: dict) -> Chapter:
    blocks = [Block("heading", words["sources"], 1)]
    for number, source in enumerate(data["sources"], start=1):
        links = (Link("", source["url"]),) if source["url"] else ()
        blocks.append(Block("item", clean(source["citation"]), 0, f"{number}.", links=links))
    blocks += text_blocks(data["sources_note"])
    return Chapter(words["sources"], tuple(blocks))


def _about(data: dict, brand: dict, found_labels, words: dict) -> list[Block]:
    """The dates, version and reference, the organisation and its contact details, and its words to patients."""
    dates = data["dates"]
    blocks = [Block("heading", words["about"], 1)]
    blocks += [Block("item", f"{words[key]}: {found_labels.date(str(dates[key]))}.")
               for key in ("published", "last_reviewed", "next_review")]
    blocks += [Block("item", f"{words['version']}: {data['version']}."),
               Block("item", f"{words['reference']}: {data['reference']}.")]
    blocks.append(Block("paragraph", sentence(brand["name"])))
    contact = brand["contact"]
    for key, label in (("address", "address"), ("phone", "phone"), ("email", "email"), ("website", "web")):
        if contact.get(key):
            url = {"email": f"mailto:{contact[key]}", "website": f"https://{contact[key]}",
                   "phone": f"tel:{contact[key]}"}.get(key)
            links = (Link(clean(contact[key]), url),) if url else ()
            blocks.append(Block("item", f"{words[label]}: {clean(contact[key])}.", links=links))
    # The brand's words to patients in the leaflet's language, as print has them (brand.yaml's translations).
    language = found_labels.language
    blocks += text_blocks(other_formats(brand, language, lambda s: str(found_labels.gettext(s))))
    blocks += [b for field in ("feedback", "disclaimer") for b in text_blocks(brands.text(brand, field, language))]
    return blocks


def _people(leaflet: Leaflet, found_labels, words: dict) -> list[Block]:
    """The credits: who wrote, reviewed, translated and checked the leaflet."""
    blocks: list[Block] = []
    for role, people in (("written_by", leaflet.authors), ("reviewed_by", leaflet.reviewers),
                         ("translators", leaflet.translators), ("translation_checkers", leaflet.translation_checkers)):
        for person in (in_language(p, found_labels.language) for p in people):  # people.yaml's translations
            named = found_labels.listed(clean(person["name"]), clean(person["credentials"]))
            blocks.append(Block("heading", f"{words[role]} {named}", 3))
            blocks.append(Block("paragraph", sentence(person["role"])))
            blocks += text_blocks(person["biography"])
            statement = " ".join(clean(person[k]) for k in ("verification", "pseudonym") if person.get(k))
            if statement:
                blocks.append(Block("paragraph", statement))
            if person.get("affiliation"):
                blocks.append(Block("paragraph", clean(found_labels.listed(person["name"], person["credentials"],
                                                                           person["affiliation"]))))
    return blocks
