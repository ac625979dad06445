"""The braille edition: the reading order in contracted braille, paged as UKAAF asks, as BRF and PEF.

40 cells by 25 lines; line 1 of every page carries the braille page number at
the right. A title page gives the title, organisation and reference, then a
contents list gives each chapter's braille page (if the leaflet lists its contents); main
headings are centred with a blank line either side, minor ones start in cell 5;
paragraphs start in cell 3; list items and table rows hang (first line out,
runovers in); bold keeps UEB's bold indicators; links are written as addresses
in uncontracted braille.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import xml.etree.ElementTree as ET

from publisher.core.editions import DEFAULT_EDITION
from publisher.i18n import catalogues as i18n
from publisher.i18n import languages
from publisher.i18n.catalogues import N_
from publisher.outputs import louis
from publisher.outputs.base import Job, Output, Unavailable
from publisher.render import html, reading

WIDTH = 40  # cells a line
LINES = 25  # lines a page, the page-number line included
DISPLAY = "en-us-brf.dis"  # North American ASCII braille, the characters of a BRF file
GUIDE_DOT = '"'  # dots 5, leading the eye from a contents entry to its page number
_BRF_CHARACTERS = frozenset(chr(c) for c in range(0x20, 0x60)) | frozenset("abcdefghijklmnopqrstuvwxyz{|}~`")


@dataclasses.dataclass(frozen=True)
class Table:
    """The liblouis tables for one language: contracted for text, uncontracted for addresses."""

    text: str
    addresses: str
    name: str  # for the title page and the README


# By the leaflet's language: the full tag, else its primary language subtag. Where a language's own
# uncontracted table cannot write a web address in 6-dot ASCII braille (Urdu, Persian, Gaelic), UEB grade 1 does;
# the Urdu and Gaelic tables leave Latin punctuation and digits undefined, so UEB's character definitions add them.
TABLES = {
    "en": Table("en-ueb-g2.ctb", "en-ueb-g1.ctb", "Unified English Braille, grade 2"),
    "cy": Table("cy-cy-g2.ctb", "cy-cy-g1.utb", "Welsh braille, grade 2"),
    "ar": Table("ar-ar-g2.ctb", "ar-ar-g1.utb", "Arabic braille, grade 2"),
    "pl": Table("Pl-Pl-g1.utb", "Pl-Pl-g1.utb", "Polish braille, grade 1"),
    "ur": Table("ur-pk-g2.ctb,en-ueb-chardefs.uti", "en-ueb-g1.ctb", "Urdu braille, grade 2"),
    "hi": Table("hi-in-g1.utb", "hi-in-g1.utb", "Hindi (Bharati) braille"),
    "bn": Table("bn.tbl", "bn.tbl", "Bengali (Bharati) braille"),
    "zh": Table("zh-chn.ctb", "zh-chn.ctb", "Chinese (Mandarin) braille"),
    "zh-hk": Table("zh-hk.ctb", "zh-hk.ctb", "Cantonese braille"),
    "zh-tw": Table("zh-tw.ctb", "zh-tw.ctb", "Taiwanese braille"),
    "fr": Table("fr-bfu-g2.ctb", "fr-bfu-comp6.utb", "French braille, grade 2"),
    "de": Table("de-g2.ctb", "de-g0.utb", "German braille, grade 2"),
    "es": Table("es-g2.ctb", "es-g1.ctb", "Spanish braille, grade 2"),
    "fa": Table("fa-ir-g1.utb", "en-ueb-g1.ctb", "Persian braille, grade 1"),
    "ga": Table("ga-g2.ctb", "ga-g1.utb", "Irish braille, grade 2"),
    "gd": Table("gd.ctb,en-ueb-chardefs.uti", "en-ueb-g1.ctb", "Scottish Gaelic braille"),
    "gu": Table("gu-in-g1.utb", "gu-in-g1.utb", "Gujarati (Bharati) braille"),
    "lt": Table("lt.ctb", "lt.ctb", "Lithuanian braille"),
    "pa": Table("pa.tbl", "pa.tbl", "Punjabi (Bharati) braille"),
    "pt": Table("pt-pt-g2.ctb", "pt-pt-g1.utb", "Portuguese braille, grade 2"),
    "ro": Table("ro.ctb", "ro.ctb", "Romanian braille"),
    "ta": Table("ta-ta-g1.ctb", "ta-ta-g1.ctb", "Tamil (Bharati) braille"),
    "tr": Table("tr-g2.ctb", "tr-g1.ctb", "Turkish braille, grade 2"),
}


def table_for(language: str) -> Table | None:
    """The tables for a BCP 47 language tag, if liblouis here has them; None if not."""
    tag = language.lower()
    table = TABLES.get(tag) or TABLES.get(tag.split("-")[0])
    if table is None or not (louis.has_table(f"{DISPLAY},{table.text}") and louis.has_table(f"{DISPLAY},{table.addresses}")):
        return None
    return table


def missing(name: str, language: str) -> str | None:
    """Why this leaflet cannot have braille here (liblouis or its table missing), or None if it can."""
    if not louis.available():
        return f"{name}: no braille: {louis.MISSING}"
    if table_for(language) is None:
        return (f"{name}: no braille: liblouis has no table for language '{language}' here, so the braille edition "
                f"is left out - ask a transcription service, or add the table to braille.TABLES if liblouis-data "
                "has one")
    return None


class Writer:
    """Lines of braille (ASCII) laid out into pages of WIDTH x LINES, the page number on each page's first line."""

    def __init__(self, tables: str):
        self.tables = tables
        self.pages: list[list[str]] = [[]]

    @property
    def room(self) -> int:
        return LINES - 1 - len(self.pages[-1])

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])

    def line(self, text: str) -> None:
        if self.room <= 0:
            self.pages.append([])
        self.pages[-1].append(text.rstrip())

    def blank(self) -> None:
        """A blank line, except at the top of a page, where it would only waste a line."""
        if self.pages[-1] and self.pages[-1][-1] and self.room > 0:
            self.line("")

    def keep(self, lines: int) -> None:
        """Start a new page unless `lines` more fit on this one."""
        if self.room < lines:
            self.new_page()

    def centred(self, braille: str) -> list[str]:
        return [" " * ((WIDTH - len(line)) // 2) + line for line in wrap(braille, 0, 0)]

    def finish(self) -> list[list[str]]:
        """Every page with its number at the right of line 1."""
        out = []
        for number, lines in enumerate(self.pages, start=1):
            label = louis.translate(self.tables, str(number))
            out.append([label.rjust(WIDTH)] + lines)
        return out


def wrap(braille: str, first: int, runover: int, width: int = WIDTH) -> list[str]:
    """Braille words into lines: the first indented `first` cells, the rest `runover`; never a line over `width`."""
    lines: list[str] = []
    current, indent = "", first
    for word in braille.split():
        while True:
            room = width - indent
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= room:
                current = candidate
                break
            if current:
                lines.append(" " * indent + current)
                current, indent = "", runover
                continue
            # A word longer than a whole line (an address): break it after a '/' or '.' if one is near the end.
            cut = max(word.rfind("/", 0, room), word.rfind("4", 0, room))  # '4' is the braille full stop in BRF
            cut = cut + 1 if cut > room // 2 else room
            lines.append(" " * indent + word[:cut])
            word, indent = word[cut:], runover
    if current:
        lines.append(" " * indent + current)
    return lines


def _block_braille(block: reading.Block, table: Table, prefix: str = "") -> str:
    """A block's text (after `prefix`, e.g. a list number) in braille: bold marked with the table's emphasis
    indicators, each link's address after its words in uncontracted braille."""
    text = prefix + block.text
    forms = [0] * len(text)
    for start, end in block.bold:
        forms[len(prefix) + start:len(prefix) + end] = [louis.BOLD] * (end - start)
    out = ""
    for link in block.links:
        address = link.address
        if address in text:
            continue  # the words are the address already
        at = text.find(link.words) + len(link.words) if link.words and link.words in text else len(text.rstrip("."))
        out = _join(out, text[:at], louis.translate(f"{DISPLAY},{table.text}", text[:at], forms[:at]))
        out = _join(out, " (", louis.translate(f"{DISPLAY},{table.addresses}", f"({address})"))
        text, forms = text[at:], forms[at:]
    return _join(out, text, louis.translate(f"{DISPLAY},{table.text}", text, forms)).strip()


def _join(braille: str, printed: str, more: str) -> str:
    """Braille so far and the braille of the next printed piece, with a space between only where print has one."""
    if not more.strip():
        return braille
    return braille + (" " if printed[:1].isspace() and braille else "") + more.strip()


def pages(job: Job) -> tuple[list[list[str]], Table]:
    """The leaflet as braille pages of ASCII lines, and the table used; Unavailable if its language has none."""
    language = job.leaflet.data["language"]
    note = missing(job.leaflet.name, language)
    table = table_for(language) if note is None else None
    if table is None:
        raise Unavailable(note or f"{job.leaflet.name}: no braille")
    chapters = reading.chapters(job.catalogue, job.leaflet)
    listed = chapters[1:] if job.leaflet.data.get("contents", True) else []
    # The contents list gives each chapter's braille page, which depends on how long the list is:
    # lay out with a guess, then with the pages found, until they agree (twice at most in practice).
    numbers = [99] * len(listed)
    for _ in range(4):
        found, starts = _layout(job, table, chapters, numbers)
        if starts[1:len(listed) + 1] == numbers:
            break
        numbers = starts[1:len(listed) + 1]
    odd = sorted({c for page in found for line in page for c in line if c not in _BRF_CHARACTERS})
    if odd:  # the table writes some of this text as 8-dot or Unicode cells, which a BRF cannot hold: say so
        raise Unavailable(f"{job.leaflet.name}: no braille: liblouis's {table.text} table cannot write some of this "
                          "leaflet's characters in 6-dot braille, so the braille edition is left out - ask a "
                          "transcription service")
    return found, table


# What the title page says the braille is, in the reader's language ("Braille Cymraeg, gradd 2").
# TRANSLATORS: the braille code on a braille edition's title page; language is the language's own name.
GRADED = N_("%(language)s braille, grade %(grade)s")
# TRANSLATORS: the braille code on a braille edition's title page, for a code without grades.
UNGRADED = N_("%(language)s braille")


def title(table: Table, language: str, labels: i18n.Labels) -> str:
    """The title page's name of the braille code: the table's own name in English, else from the catalogue."""
    if languages.primary(language).lower() == "en":
        return table.name  # "Unified English Braille" is the code's name, not "English braille"
    grade = re.search(r"grade (\d)", table.name)
    named = {"language": languages.name_in(languages.primary(language), language)}
    if grade:
        return str(labels.gettext(GRADED)) % {**named, "grade": labels.number(int(grade.group(1)))}
    return str(labels.gettext(UNGRADED)) % named


def _contents(writer: Writer, heading: str, titles: list[str], numbers: list[int]) -> None:
    """'In this leaflet': each chapter's heading, guide dots, and its braille page number at the right."""
    for line in writer.centred(louis.translate(writer.tables, heading)):
        writer.line(line)
    writer.line("")
    for title, number in zip(titles, numbers, strict=True):
        label = louis.translate(writer.tables, str(number))
        # Room for a space, at least one guide dot (dots 5) and a space before the number on the last line.
        lines = wrap(louis.translate(writer.tables, title), 0, 2, WIDTH - len(label) - 3)
        last = lines.pop()
        writer.keep(len(lines) + 1)
        for line in lines:
            writer.line(line)
        writer.line(f"{last} {GUIDE_DOT * (WIDTH - len(last) - len(label) - 2)} {label}")
    writer.new_page()


def _layout(job: Job, table: Table, chapters: list, numbers: list[int]) -> tuple[list[list[str]], list[int]]:
    """The pages, with a contents list giving `numbers`; and the braille page each chapter starts on."""
    writer = Writer(f"{DISPLAY},{table.text}")
    words = reading.labels(job.catalogue, job.leaflet)
    _title_page(writer, job, table, words)
    if numbers:
        _contents(writer, words["contents"], [chapter.title for chapter in chapters[1:]], numbers)
    starts = _body(writer, table, chapters)
    return writer.finish(), starts


def _title_page(writer: Writer, job: Job, table: Table, words: dict) -> None:
    """Title, organisation, reference (and what the braille is), centred a blank line apart; nothing else."""
    brand = job.catalogue.brand
    assert brand is not None
    data = job.leaflet.data
    code = title(table, job.leaflet.language, html.labels_for(job.catalogue.project, job.leaflet))
    for _ in range(3):
        writer.line("")
    for index, text in enumerate((reading.clean(data["title"]), reading.clean(brand["name"]),
                                  f"{words['reference']}: {data['reference']}, {words['version']} {data['version']}",
                                  code)):
        if index:
            writer.line("")
        for line in writer.centred(louis.translate(writer.tables, text)):
            writer.line(line)
    writer.new_page()


def _body(writer: Writer, table: Table, chapters: list) -> list[int]:
    """Write every chapter's blocks; the braille page each chapter starts on."""
    starts: list[int] = []
    previous = ""
    for chapter in chapters:
        for block in chapter.blocks:
            # A list or table set apart from the paragraphs around it by a blank line, as headings are.
            listed = block.kind in ("item", "row")
            if previous in ("paragraph", "item", "row") and listed != (previous in ("item", "row")):
                writer.blank()
            previous = block.kind
            if block.kind == "heading" and block.level <= 2:
                page = _main_heading(writer, block, table)
                if block is chapter.blocks[0]:
                    starts.append(page)
            elif block.kind in _BLOCKS:
                _BLOCKS[block.kind](writer, block, table)
    return starts


def _main_heading(writer: Writer, block: reading.Block, table: Table) -> int:
    """A main heading, centred, a blank line either side; the page it is on."""
    lines = writer.centred(_block_braille(block, table))
    writer.keep(len(lines) + 3)
    writer.blank()
    page = len(writer.pages)
    for line in lines:
        writer.line(line)
    writer.line("")
    return page


def _set_apart(writer: Writer, block: reading.Block, table: Table) -> None:
    """A minor heading (from cell 5) or a callout's kind and heading (at the margin): kept whole, after a blank line."""
    lines = wrap(_block_braille(block, table), *((4, 4) if block.kind == "heading" else (0, 2)))
    writer.keep(len(lines) + 2)
    writer.blank()
    for line in lines:
        writer.line(line)


def _paragraph(writer: Writer, block: reading.Block, table: Table) -> None:
    for line in wrap(_block_braille(block, table), 2, 0):
        writer.line(line)


def _item(writer: Writer, block: reading.Block, table: Table) -> None:
    prefix = f"{block.marker} " if block.marker else ""
    for line in wrap(_block_braille(block, table, prefix), 2 * block.level, 2 * block.level + 2):
        writer.line(line)


def _row(writer: Writer, block: reading.Block, table: Table) -> None:
    """Linearised: the row's first cell hangs, then each other cell with its column's header."""
    depth = 2 * block.level
    for line in wrap(_block_braille(block, table), depth, depth + 4):
        writer.line(line)
    for header, value in block.cells:
        cell = dataclasses.replace(block, text=f"{header}: {value}" if header else value, bold=())
        for line in wrap(_block_braille(cell, table), depth + 2, depth + 4):
            writer.line(line)


# How each kind of block is written (main headings apart: they start chapters).
_BLOCKS = {"heading": _set_apart, "label": _set_apart, "paragraph": _paragraph, "item": _item, "row": _row}


def brf(job: Job) -> bytes:
    """The braille edition as a BRF file: ASCII braille, CR LF line ends, a form feed after each page."""
    return "".join("\r\n".join(page) + "\r\n\f" for page in pages(job)[0]).encode("ascii")


# North American ASCII braille: the character for each 6-dot cell, by dot bits (dot 1 = 1 ... dot 6 = 32).
_ASCII_CELLS = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="
_UNICODE = {ord(c): chr(0x2800 + bits) for bits, c in enumerate(_ASCII_CELLS)}
_UNICODE.update({ord(c.lower()): chr(0x2800 + bits) for bits, c in enumerate(_ASCII_CELLS) if c.isalpha()})
_UNICODE.update({ord(a): _UNICODE[ord(b)] for a, b in zip("`{|}~", "@[\\]^", strict=True)})

PEF = "http://www.daisy.org/ns/2008/pef"
DC = "http://purl.org/dc/elements/1.1/"


def unicode_braille(line: str) -> str:
    """An ASCII braille line as Unicode braille cells."""
    return line.translate(_UNICODE)


def pef(job: Job) -> bytes:
    """The braille edition as PEF 1.0 (Portable Embosser Format): the same pages, in Unicode braille."""
    found, table = pages(job)
    data = job.leaflet.data
    ET.register_namespace("", PEF)
    ET.register_namespace("dc", DC)
    root = ET.Element(f"{{{PEF}}}pef", version="2008-1")
    meta = ET.SubElement(ET.SubElement(root, f"{{{PEF}}}head"), f"{{{PEF}}}meta")
    published = data["dates"]["published"]
    for name, value in (("format", "application/x-pef+xml"), ("identifier", f"{data['reference']}-v{data['version']}"),
                        ("title", reading.clean(data["title"])), ("language", data["language"]),
                        ("date", str(published) if isinstance(published, (str, datetime.date)) else ""),
                        ("description", table.name)):
        ET.SubElement(meta, f"{{{DC}}}{name}").text = value
    volume = ET.SubElement(ET.SubElement(root, f"{{{PEF}}}body"), f"{{{PEF}}}volume", cols=str(WIDTH),
                           rows=str(LINES), rowgap="0", duplex="false")
    section = ET.SubElement(volume, f"{{{PEF}}}section")
    for page in found:
        element = ET.SubElement(section, f"{{{PEF}}}page")
        for line in page:
            ET.SubElement(element, f"{{{PEF}}}row").text = unicode_braille(line).rstrip("\u2800")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _louis_version() -> str:
    return louis.version() if louis.available() else "none"


def _missing(name: str, language: str, brand: dict | None = None) -> str | None:
    return missing(name, language)


BRF_OUTPUT = Output("brf", ".brf", "application/x-brf", "braille, UEB grade 2 (or the language's table), 40 x 25 pages",
                    editions=(DEFAULT_EDITION,), render=brf, offered="braille", missing=_missing, engine=_louis_version,
                    label="Braille (BRF)")
PEF_OUTPUT = Output("pef", ".pef", "application/x-pef+xml", "the braille pages as PEF, for embossers",
                    editions=(DEFAULT_EDITION,), render=pef, missing=_missing, engine=_louis_version,
                    label="Braille for embossers (PEF)")
