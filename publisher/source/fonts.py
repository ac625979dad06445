"""Font coverage: the characters the shipped fonts (styles/fonts/) print, and where a file uses one they lack."""

from __future__ import annotations

import bisect
import unicodedata
from pathlib import Path

from publisher.core import caches
from publisher.core.errors import Problem
from publisher.source import cmap, yamlsource

# YAML's own line breaks and tabs: layout, never printed as glyphs.
_LAYOUT = set("\t\n\r")
# Printed differently on purpose (see markdown.py), so never looked up in a font.
_SUBSTITUTED = {"\u2011"}
# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): joiners, variation selectors, soft
# hyphen, bidi marks, emoji tags. They are not glyphs: a shaper uses them to pick or join the glyphs around them
# (the ZWJ in an emoji sequence) or draws nothing, and never looks for a font that has them.
_IGNORABLE = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
              (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
              (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
              (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
_IGNORABLE_STARTS = [start for start, _ in _IGNORABLE]

_cmaps: dict = {}  # (file name, size, mtime) -> characters: test projects copy styles/, keeping both
_unions: dict = {}  # the keys of every font in a folder -> the characters of them all
caches.register(_cmaps.clear)
caches.register(_unions.clear)


def covered_characters(styles: Path) -> frozenset:
    """Every character some font in styles/fonts/ can print."""
    fonts = sorted((Path(styles) / "fonts").glob("*.[ot]tf"))
    keys = tuple(file_key(font) for font in fonts)  # a font added, removed or replaced makes another key
    if keys not in _unions:
        _unions[keys] = frozenset().union(*(file_characters(font) for font in fonts))
    return _unions[keys]


def file_key(font: Path) -> tuple:
    """What tells one font file from another here: its name, size and modification time."""
    stat = font.stat()
    return font.name, stat.st_size, stat.st_mtime_ns


def file_characters(font: Path) -> frozenset:
    """Every character one font file can print."""
    key = file_key(font)
    if key not in _cmaps:
        _cmaps[key] = frozenset(map(chr, cmap.codes(font)))
    return _cmaps[key]


def ignorable(char: str) -> bool:
    """Whether a character is default-ignorable: shaped with its neighbours, never drawn from a font of its own."""
    code = ord(char)
    i = bisect.bisect_right(_IGNORABLE_STARTS, code) - 1
    return i >= 0 and _IGNORABLE[i][0] <= code <= _IGNORABLE[i][1]


def needs_glyph(char: str) -> bool:
    """Whether printing `char` takes a glyph from a font."""
    return char not in _LAYOUT and char not in _SUBSTITUTED and not ignorable(char)


def describe(char: str) -> str:
    """'ŵ' (U+0175 LATIN SMALL LETTER W WITH CIRCUMFLEX), for a message."""
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}" + (f" {name}" if name else "")
    return f"'{char}' ({code})" if char.isprintable() else f"({code})"


def problems(styles: Path, source: yamlsource.Source) -> list[Problem]:
    """An error for each character of each text value that no shipped font has, at the line and column it is written."""
    covered = covered_characters(styles)
    places = None  # made only when a character is missing: it indexes the whole file
    found = []

    def walk(value, path):
        nonlocal places
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, path + (i,))
        elif isinstance(value, str):
            for char in dict.fromkeys(value):  # each missing character once a field, in order
                if char not in covered and needs_glyph(char):
                    places = places or _Places(source)
                    line, column = places.find(path, char)
                    found.append(Problem(source.path, line, column, yamlsource.format_path(path),
                                         f"{describe(char)} is not in any font the project ships (styles/fonts/) - "
                                         "replace it, or add a font that has it to styles/fonts/ and the font list "
                                         "in styles/base.css"))
    walk(source.data, ())
    return found


class _Places:
    """Where a character of a text value is written: its own line and column when it is there as itself."""

    def __init__(self, source: yamlsource.Source):
        self.source = source
        text = source.text
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        marks = set(source.keys.values()) | set(source.values.values())
        self.mark_offsets = sorted(self._offset(m) for m in marks)

    def _offset(self, mark: yamlsource.Mark) -> int:
        return self.line_starts[min(mark.line, len(self.line_starts)) - 1] + mark.column - 1

    def find(self, path, char) -> tuple:
        """(line, column) of `char` within the value at `path`; the value's own place when it was escaped."""
        mark = self.source.mark(path)
        start = self._offset(mark)
        following = bisect.bisect_right(self.mark_offsets, start)
        end = self.mark_offsets[following] if following < len(self.mark_offsets) else len(self.source.text)
        at = self.source.text.find(char, start, end)
        if at < 0:  # written as an escape such as "\u2603"
            return mark.line, mark.column
        line = bisect.bisect_right(self.line_starts, at)
        return line, at - self.line_starts[line - 1] + 1
