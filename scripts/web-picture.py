"""Make docs/web-320-and-a4.png: a leaflet's web edition at 320 CSS px beside page one of its A4 PDF.

Run from the project folder: .venv/bin/python scripts/web-picture.py [STEM]
Needs chromium, chromium-driver and pdftoppm (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parent.parent

HEIGHT = 1600  # pixels: the A4 page, and the web page drawn at 2 device pixels a CSS pixel beside it
SCALE = 2
GAP = 48


def web_picture(page: Path, out: Path) -> Image.Image:
    """The top of the web page at 320 CSS px wide, as a phone shows it."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 320, "height": HEIGHT // SCALE, "deviceScaleFactor": SCALE, "mobile": False})
        driver.get(page.resolve().as_uri())
        driver.save_screenshot(str(out))
    finally:
        driver.quit()
    return Image.open(out).convert("RGB")


def pdf_picture(stem: str, folder: Path) -> Image.Image:
    """Page one of the leaflet's standard A4 PDF, as built by build.py."""
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--project", str(ROOT), "--out", str(folder),
                    "--edition", "standard", "--paper", "a4", "-q", str(ROOT / "handouts" / f"{stem}.yaml")], check=True)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-scale-to-y", str(HEIGHT), "-scale-to-x", "-1",
                    str(folder / f"{stem}.pdf"), str(folder / "page")], check=True)
    return Image.open(next(folder.glob("page*.png"))).convert("RGB")


def main(stem: str = "looking-after-your-back") -> None:
    sys.path.insert(0, str(ROOT))  # the script runs from a clone, where publisher is not installed
    from publisher.outputs import web
    from publisher.source import content

    catalogue = content.load_catalogue(content.Project(ROOT))
    leaflet = next(item for item in catalogue.leaflets if item.stem == stem)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        page = folder / f"{stem}.html"
        page.write_bytes(web.render_web(catalogue, leaflet))
        phone, paper = web_picture(page, folder / "web.png"), pdf_picture(stem, folder)
    font = ImageFont.truetype(str(ROOT / "styles" / "fonts" / "AtkinsonHyperlegible-Bold.ttf"), 34)
    caption = 70
    canvas = Image.new("RGB", (GAP + phone.width + GAP + paper.width + GAP, caption + HEIGHT + GAP), "#d9dde0")
    draw = ImageDraw.Draw(canvas)
    draw.text((GAP, 18), "Web edition, 320 CSS px", font=font, fill="#1f2328")
    draw.text((2 * GAP + phone.width, 18), "PDF, A4 page one", font=font, fill="#1f2328")
    canvas.paste(phone, (GAP, caption))
    canvas.paste(paper, (2 * GAP + phone.width, caption))
    target = ROOT / "docs" / "web-320-and-a4.png"
    canvas.save(target, optimize=True)
    print(f"{target.relative_to(ROOT)}: {canvas.width} x {canvas.height}")


if __name__ == "__main__":
    main(*sys.argv[1:])
