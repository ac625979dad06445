"""Make docs/arabic-page.png: page one of a right-to-left leaflet on A4, standard edition, as printed.

Run from the project folder: .venv/bin/python scripts/script-picture.py [LEAFLET.yaml [OUT.png]]
(default: the Arabic test fixture tests/data/pages/scripts-arabic.yaml). Needs pdftoppm (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
HEIGHT = 1100  # pixels: readable Arabic at the size a README shows it


def main(leaflet: str = "tests/data/pages/scripts-arabic.yaml", out: str = "docs/arabic-page.png") -> None:
    source = ROOT / leaflet
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--project", str(ROOT), "build", "--out", str(folder),
                        "--edition", "standard", "--paper", "a4", "--format", "pdf", "-q", str(source)], check=True)
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-scale-to-y", str(HEIGHT),
                        "-scale-to-x", "-1", str(folder / f"{source.stem}.pdf"), str(folder / "page")], check=True)
        page = Image.open(next(folder.glob("page*.png"))).convert("RGB")
    # A thin grey frame, so the white page stands out on a white README.
    canvas = Image.new("RGB", (page.width + 2, page.height + 2), "#9aa1a7")
    canvas.paste(page, (1, 1))
    target = ROOT / out
    canvas.save(target, optimize=True)
    print(f"{target.relative_to(ROOT)}: {canvas.width} x {canvas.height}")


if __name__ == "__main__":
    main(*sys.argv[1:])
