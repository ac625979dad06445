"""Benchmark: imposing a 40-page A5 booklet, as build.py --booklet does after rendering it.

    python bench/impose.py [--pages 40] [--runs 7]

Builds the shipped leaflet with the most pages as a booklet (once, in a temporary folder), repeats its pages to
--pages (fonts, images and tags as WeasyPrint wrote them), and times the two impositions of that PDF: the A4
booklet sheets and the print shop's single pages with bleed and crop marks. Prints the median of --runs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.outputs import impose  # noqa: E402


def pages(count: int) -> bytes:
    """A real booklet render repeated to `count` A5 pages."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--project", str(ROOT), "--booklet", "--format", "pdf",
                        "--edition", "standard", "--out", out, "-j1", "--quiet",
                        str(ROOT / "handouts" / "managing-type-2-diabetes-day-to-day.yaml")], check=True)
        source = pikepdf.open(Path(out) / "managing-type-2-diabetes-day-to-day.print.pdf")
        made = pikepdf.new()
        with warnings.catch_warnings():  # named destinations are not copied: imposition does not need them
            warnings.simplefilter("ignore")
            while len(made.pages) < count:
                made.pages.extend(source.pages[: count - len(made.pages)])
        buffer = io.BytesIO()
        made.save(buffer)
        return buffer.getvalue()


def timed(make, data: bytes, runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        make(data)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = pages(args.pages)
    print(f"{args.pages} A5 pages, {len(data) // 1024} KB")
    print(f"booklet (A4 sheets):           {timed(impose.booklet, data, args.runs) * 1000:6.0f} ms")
    print(f"print shop (bleed, crop marks): {timed(impose.print_file, data, args.runs) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
