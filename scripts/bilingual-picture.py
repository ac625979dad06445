"""Make docs/bilingual-page.png: pages one and two of the shipped Welsh sample's bilingual edition, side by side.

Run from the project folder: .venv/bin/python scripts/bilingual-picture.py [OUT.png]
It builds handouts/after-your-wisdom-teeth-are-removed.cy.yaml with brand.yaml's bilingual setting (A4,
standard edition) into a temporary folder. Needs pdftoppm (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
LEAFLET = "handouts/after-your-wisdom-teeth-are-removed.cy.yaml"
HEIGHT = 1000  # pixels a page: both columns' text readable at the width a README shows two pages


def main(out: str = "docs/bilingual-page.png") -> None:
    source = ROOT / LEAFLET
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--project", str(ROOT), "build", "--out", str(folder),
                        "--edition", "standard", "--paper", "a4", "--format", "pdf", "-q", str(source)], check=True)
        pdf = folder / f"{source.stem}.bilingual.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "2", "-scale-to-y", str(HEIGHT),
                        "-scale-to-x", "-1", str(pdf), str(folder / "page")], check=True)
        pages = [Image.open(p).convert("RGB") for p in sorted(folder.glob("page*.png"))]
    gap = 16
    # A thin grey frame round each page, so the white pages stand out on a white README.
    canvas = Image.new("RGB", (sum(p.width + 2 for p in pages) + gap * (len(pages) - 1), pages[0].height + 2), "white")
    x = 0
    for page in pages:
        frame = Image.new("RGB", (page.width + 2, page.height + 2), "#9aa1a7")
        frame.paste(page, (1, 1))
        canvas.paste(frame, (x, 0))
        x += frame.width + gap
    target = ROOT / out
    canvas.save(target, optimize=True)
    print(f"{target.relative_to(ROOT)}: {canvas.width} x {canvas.height}")


if __name__ == "__main__":
    main(*sys.argv[1:])
