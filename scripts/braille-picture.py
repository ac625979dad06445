"""Make docs/braille-page.png: one page of a leaflet's BRF drawn as raised dots, beside the same page as BRF text.

Run from the project folder: .venv/bin/python scripts/braille-picture.py [STEM] [PAGE]
Needs liblouis (the braille edition) and DejaVu Sans Mono (fonts-dejavu-core) for the text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.outputs import braille, base as outputs
from publisher.source import content  # noqa: E402

CELL_W, CELL_H, DOT = 22, 30, 3  # pixels: a braille cell and a dot's radius
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
# Dot positions in a cell: 1 2 3 down the left, 4 5 6 down the right.
_DOTS = {1: (0, 0), 2: (0, 1), 3: (0, 2), 4: (1, 0), 5: (1, 1), 6: (1, 2)}


def dots_panel(page: list[str]) -> Image.Image:
    """The page as embossed: every cell's raised dots, cells wider apart than the dots within one."""
    image = Image.new("RGB", (braille.WIDTH * CELL_W + 40, braille.LINES * CELL_H + 40), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, image.width - 10, image.height - 10), outline="#9aa4ab")
    for row, line in enumerate(page):
        for column, character in enumerate(line):
            bits = ord(braille.unicode_braille(character)) - 0x2800
            for dot, (x, y) in _DOTS.items():
                cx, cy = 20 + column * CELL_W + 5 + x * 8, 20 + row * CELL_H + 5 + y * 8
                if bits & (1 << (dot - 1)):
                    draw.ellipse((cx - DOT, cy - DOT, cx + DOT, cy + DOT), fill="#1f2328")
    return image


def text_panel(page: list[str], height: int) -> Image.Image:
    """The page as its BRF text: 40 columns of North American ASCII braille."""
    font = ImageFont.truetype(MONO, 19)
    width = int(font.getlength("M") * braille.WIDTH) + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, width - 10, height - 10), outline="#9aa4ab")
    for row, line in enumerate(page):
        draw.text((20, 20 + row * CELL_H + 4), line, font=font, fill="#1f2328")
    return image


def main() -> None:
    stem = sys.argv[1] if len(sys.argv) > 1 else "using-your-asthma-inhalers"
    number = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    catalogue = content.load_catalogue(content.Project(ROOT))
    leaflet = next(x for x in catalogue.leaflets if x.stem == stem)
    pages, _ = braille.pages(outputs.Job(catalogue, leaflet, "standard", "a4"))
    page = pages[number - 1]
    left = dots_panel(page)
    right = text_panel(page, left.height)
    picture = Image.new("RGB", (left.width + right.width + 24, left.height), "white")
    picture.paste(left, (0, 0))
    picture.paste(right, (left.width + 24, 0))
    out = ROOT / "docs" / "braille-page.png"
    picture.save(out, optimize=True)
    print(f"wrote {out.relative_to(ROOT)} ({stem}, braille page {number})")


if __name__ == "__main__":
    main()
