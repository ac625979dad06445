"""Nothing lost: every word of a leaflet's source, counted, against the words of one of its outputs as a reader gets them."""

from __future__ import annotations

import collections
import html.parser
import re
import unicodedata
from pathlib import Path

import yaml
from pdfutil import page_texts

from publisher.outputs import braille, louis
from publisher.render import reading
from publisher.source import markdown

# The fields a leaflet's words are in (Markdown or plain); people, dates and ids are printed from elsewhere.
_TEXTS = ("title", "summary", "translation_note", "heading", "body", "alt", "caption", "note", "citation",
          "sources_note")
# A web address or an e-mail address, printed and read in formats' own ways (broken at '/', spelled out): not a word.
_ADDRESS = re.compile(r"\S*\w[./@]\w\S*")
# Han characters are words of one character each (Chinese has no spaces, and a line may break between any two).
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+")


def words(text: str, letters: bool = False) -> collections.Counter:
    """The words of `text`, folded: NFKC (Arabic presentation forms to letters), case and apostrophes set aside.

    `letters`: words of three letters or more only, for braille read back, where a full stop after a word can
    come back as a digit glued to it ("diwrnod4").
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'").replace("'", "")
    text = _ADDRESS.sub(" ", text)
    if not letters:
        return collections.Counter(_WORD.findall(text))
    # Short words are left to print: a table may read two cells back as a short word of its own (Arabic "ست").
    return collections.Counter(w for w in _WORD.findall(re.sub(r"[\d_]+", " ", text)) if len(w) > 2 or _HAN.match(w))


def _strings(value, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str) and key in _TEXTS:
        yield value


def source_blocks(path: Path) -> list[str]:
    """Each paragraph, item, heading and cell of a leaflet file as plain text (links as their words)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for text in _strings({k: v for k, v in data.items() if k != "credits"}):
        for token in markdown.parse(text):
            if token.type == "inline":
                out.append(" ".join(_BOLD.get(c.type, c.content) for c in markdown.walk(token.children or [])
                                    if c.type in ("text", *_BOLD)))
    return [block for block in out if block.strip()]


# Bold runs kept as reading.py marks them, so braille is compared with its emphasis indicators in place.
_BOLD = {"strong_open": reading._BOLD_START, "strong_close": reading._BOLD_END}


class _Visible(html.parser.HTMLParser):
    """The text a browser shows: no head, script or style."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("head", "script", "style", "template")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("head", "script", "style", "template")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def output_text(path: Path, language: str) -> str:
    """What a reader gets from an output file, as text: PDF text, a page's visible text, braille read back, a transcript."""
    name = path.name
    if name.endswith(".pdf"):
        # A soft hyphen ending a line (PDFium's \x02) joins the word's halves again.
        return " ".join(re.sub(r"\x02\r?\n", "", page) for page in page_texts(path))
    if name.endswith(".html"):
        parser = _Visible()
        parser.feed(path.read_text(encoding="utf-8"))
        return " ".join(parser.parts)
    if name.endswith(".brf"):
        table = braille.table_for(language)
        assert table is not None, language
        lines = path.read_bytes().decode("ascii").replace("\f", "\n").splitlines()
        # Read back as one text, as the source blocks are: a contraction reads the same wherever a line breaks.
        return louis.back_translate(f"{braille.DISPLAY},{table.text}", " ".join(line.strip() for line in lines))
    return path.read_text(encoding="utf-8")


def braille_reading(language: str):
    """A source block as liblouis reads back its own braille: what a braille edition's words are compared with.

    Back-translation is lossy for some tables (Welsh 'mae' comes back as 'm'), so the source goes through the
    same round trip as the edition, and a dropped block still shows.
    """
    table = braille.table_for(language)
    assert table is not None, language
    tables = f"{braille.DISPLAY},{table.text}"

    def read_back(marked: str) -> str:
        # Numbers left out: some tables read a number back as a word ("7" as Arabic "كان"); print checks them.
        text, bold = reading._emphasis(reading.clean(re.sub(r"\d+", " ", _ADDRESS.sub(" ", marked))))
        forms = [0] * len(text)
        for start, end in bold:
            forms[start:end] = [louis.BOLD] * (end - start)
        return louis.back_translate(tables, louis.translate(tables, text, forms))
    return read_back


def lost(sources: list[Path], output: str, rtl: bool = False, through=None, letters: bool | None = None) -> list[str]:
    """The source blocks with a word the output has fewer of than the sources together, each as 'word: block'.

    `rtl`: PDF text of right-to-left script may come out letter-reversed (visual order), so a word counts
    either way round. `through`: what each source block becomes before it is compared (braille_reading, or the
    audio's spelled-out numbers); `letters`: compare words of three letters or more only (braille's default).
    """
    letters = through is not None if letters is None else letters
    have = words(output, letters)
    if rtl:
        have.update({word[::-1]: count for word, count in have.items() if word[::-1] != word})
    wanted: collections.Counter = collections.Counter()
    blocks = [block for path in sources for block in source_blocks(path)]
    if through is not None:
        blocks = [through(block) for block in blocks]
    for block in blocks:
        wanted.update(words(block, letters))
    short = {word for word, count in wanted.items() if have[word] < count}
    return [f"{word}: {block}" for block in blocks for word in words(block, letters) if word in short]
