"""Fonts for the web edition's other scripts: the shipped face, cut down to the characters a page uses, inline."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
from pathlib import Path

from publisher.core import caches

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


def css(text: str, fonts: Path, kept: Kept | None = None) -> str:
    """@font-face rules embedding, for each face whose script `text` uses, just the glyphs it needs (taken from
    `kept`, cut down by an earlier process, when it has them)."""
    rules = []
    characters = set(text)  # a page has a few hundred distinct characters in tens of thousands
    for family, file, ranges in FACES:
        used = "".join(sorted(char for char in characters if any(lo <= ord(char) <= hi for lo, hi in ranges)))
        if used:
            data = kept.get(Path(fonts) / file, used) if kept is not None else _subset(Path(fonts) / file, used)
            rules.append(f'@font-face {{ font-family: "{family}"; '
                         f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    return "\n".join(rules)


class Kept:
    """Fonts cut down by earlier processes, by font digest and characters (`known`), and those used since (`used`):
    the catalogue keeps them for its next build, whose pages print a face or two (the Find tip's "⌘" alone needs
    the emoji face)."""

    def __init__(self, known: dict):
        self.known = known
        self.used: dict = {}

    @classmethod
    def read(cls, path: Path) -> Kept:
        """Those kept in a JSON file (none when it is missing or damaged: they are cut down again)."""
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        return cls(known if isinstance(known, dict) else {})

    def get(self, path: Path, chars: str) -> str:
        """The font at `path` cut down to `chars`, as base64 WOFF2: as kept, else cut down now."""
        stat = path.stat()
        font = _digest(path, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        key = hashlib.sha256(f"{font}\0{chars}".encode()).hexdigest()
        if key not in self.used:
            known = self.known.get(key)
            self.used[key] = known if isinstance(known, str) else _subset(path, chars)
        return self.used[key]


@functools.lru_cache(maxsize=32)
def _digest(path: Path, size: int, mtime_ns: int, inode: int) -> str:
    """A font file's SHA-256, read once a process while its size, time and inode stay the same."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


_cut: dict = {}  # (the font file's device, inode, size and time; characters) -> base64 WOFF2
caches.register(_cut.clear)


def _subset(path: Path, chars: str) -> str:
    """The font cut down to `chars`, once a process for each file: known by its identity, not its path, so the
    same file under another name (a hard link: the tests' projects) is not cut down again, and a replaced or
    rewritten one is."""
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, chars)
    if key not in _cut:
        if len(_cut) >= 64:
            _cut.clear()
        _cut[key] = _cut_down(path, chars)
    return _cut[key]


def _cut_down(path: Path, chars: str) -> str:
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
