"""Fonts for the web edition's other scripts: the shipped face, cut down to the characters a page uses, inline."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import io
from pathlib import Path

from publisher.core.files import write_atomic

# (family in web.css, file in styles/fonts/, the characters it is embedded for). Noto Nastaliq Urdu is not
# here: cutting it down takes half a minute (its joining rules reach every glyph); an Urdu page names the
# reader's Nastaliq fonts first and falls back to this Naskh, which draws Urdu too.
FACES = (
    ("Leaflet Naskh Arabic", "NotoNaskhArabic-Regular.ttf",
     ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("Leaflet Bengali", "NotoSansBengali-Regular.ttf", ((0x0964, 0x0965), (0x0980, 0x09FE))),
    ("Leaflet Chinese", "NotoSansSC-Regular.ttf",
     ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))),
    # Emoji in outline (the PDF's face too): a reader whose system has no emoji font sees a picture, not a box.
    ("Leaflet Emoji", "NotoEmoji-Regular.ttf",
     ((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))),
)


def css(text: str, fonts: Path, cache: Path | None = None) -> str:
    """@font-face rules embedding, for each face whose script `text` uses, just the glyphs it needs (cut down
    once for every process when `cache`, a folder in the output folder, is given)."""
    rules = []
    characters = set(text)  # a page has a few hundred distinct characters in tens of thousands
    for family, file, ranges in FACES:
        used = "".join(sorted(char for char in characters if any(lo <= ord(char) <= hi for lo, hi in ranges)))
        if used:
            data = _kept(Path(fonts) / file, used, cache) if cache else _subset(Path(fonts) / file, used)
            rules.append(f'@font-face {{ font-family: "{family}"; '
                         f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    return "\n".join(rules)


def _kept(path: Path, chars: str, cache: Path) -> str:
    """_subset's answer, kept in `cache` under the font's digest and the characters, for the next build's process:
    the catalogue's pages all print a face or two (the Find tip's "⌘" alone needs the emoji face)."""
    stat = path.stat()
    font = _digest(path, stat.st_size, stat.st_mtime_ns, stat.st_ino)
    kept = cache / (hashlib.sha256(f"{font}\0{chars}".encode()).hexdigest() + ".woff2.b64")
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return kept.read_text(encoding="ascii")
    data = _subset(path, chars)
    with contextlib.suppress(OSError):  # not kept: the next build cuts it down again
        cache.mkdir(exist_ok=True)
        write_atomic(kept, data.encode("ascii"))
    return data


@functools.lru_cache(maxsize=32)
def _digest(path: Path, size: int, mtime_ns: int, inode: int) -> str:
    """A font file's SHA-256, read once a process while its size, time and inode stay the same."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=64)
def _subset(path: Path, chars: str) -> str:
    """The font cut down to `chars` and the glyphs its shaping rules reach from them, as base64 WOFF2."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # joining forms, ligatures, mark positions: all the shaping it does
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep the copyright and licence entries the OFL asks to keep
    font = TTFont(path, recalcTimestamp=False)  # the same bytes every build
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
