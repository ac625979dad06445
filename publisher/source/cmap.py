"""The characters a font file maps, read straight from its `cmap` table: what fontTools' getBestCmap() gives, in
a few milliseconds instead of decoding every glyph name."""

from __future__ import annotations

import array
import struct
import sys
from pathlib import Path

# The Unicode subtables getBestCmap() prefers, best first (HarfBuzz's order).
PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
_SFNT = (b"\x00\x01\x00\x00", b"OTTO", b"true")


def codes(font: Path) -> set[int]:
    """The code points `font` maps to a glyph; fontTools reads the rare layouts this reader does not."""
    found = read(font)
    if found is None:
        from fontTools.ttLib import TTFont
        return set(TTFont(font, lazy=True).getBestCmap() or ())
    return found


def read(font: Path) -> set[int] | None:
    """The best Unicode subtable's code points, or None for anything but a plain format 4 or 12 subtable."""
    table = _cmap_table(Path(font))
    return None if table is None else _best(table)


def _cmap_table(font: Path) -> bytes | None:
    """The bytes of the font's `cmap` table alone (the Chinese fonts are 10 MB, their cmap 0.2 MB)."""
    with font.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] not in _SFNT:  # a collection, WOFF or unknown file
            return None
        (tables,) = struct.unpack_from(">H", head, 4)
        directory = handle.read(16 * tables)
        for i in range(len(directory) // 16):
            tag, offset, length = struct.unpack_from(">4s4xLL", directory, 16 * i)
            if tag == b"cmap":
                handle.seek(offset)
                return handle.read(length)
    return None


def _best(data: bytes) -> set[int] | None:
    (count,) = struct.unpack_from(">2xH", data, 0)
    subtables: dict = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", data, 4 + 8 * i)
        subtables.setdefault((platform, encoding), offset)  # the first one, as fontTools' getcmap()
    best = next((subtables[key] for key in PREFERENCES if key in subtables), None)
    if best is None:
        return None
    (kind,) = struct.unpack_from(">H", data, best)
    return _format_4(data, best) if kind == 4 else _format_12(data, best) if kind == 12 else None


def _words(data: bytes, start: int, count: int, code: str) -> array.array:
    values = array.array(code, data[start:start + count * array.array(code).itemsize])
    if sys.byteorder != "big":
        values.byteswap()
    return values


def _format_4(data: bytes, at: int) -> set[int] | None:
    """Segments of 16-bit codes; a code whose glyph works out as 0 (the missing glyph) is not mapped."""
    length, segments = struct.unpack_from(">2xH2xH", data, at)
    segments //= 2
    words = _words(data, at + 14, (length - 14) // 2, "H")
    ends, starts = words[:segments], words[segments + 1:2 * segments + 1]
    deltas, range_offsets = words[2 * segments + 1:3 * segments + 1], words[3 * segments + 1:4 * segments + 1]
    glyphs = words[4 * segments + 1:]
    found: set[int] = set()
    for i in range(segments - 1):  # the last segment is the 0xFFFF sentinel
        start, end, delta, range_offset = starts[i], ends[i], deltas[i], range_offsets[i]
        if range_offset == 0:
            found.update(c for c in range(start, end + 1) if (c + delta) & 0xFFFF)
            continue
        shift = range_offset // 2 - start + i - segments
        for c in range(start, end + 1):
            index = c + shift
            if not 0 <= index < len(glyphs):
                return None  # malformed: fontTools says why
            if glyphs[index] and (glyphs[index] + delta) & 0xFFFF:
                found.add(c)
    return found


def _format_12(data: bytes, at: int) -> set[int]:
    """Groups of 32-bit codes, clamped and skipped as fontTools (after HarfBuzz) does."""
    (groups,) = struct.unpack_from(">12xL", data, at)
    values = _words(data, at + 16, groups * 3, "I")
    found: set[int] = set()
    last_end = 0
    for i in range(0, len(values), 3):
        start, end, glyph = values[i], min(values[i + 1], 0x10FFFF), values[i + 2]
        if start > end or start < last_end:
            continue
        last_end = end
        found.update(range(start + (glyph == 0), end + 1))
    return found
