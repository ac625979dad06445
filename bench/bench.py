"""Benchmark: our build against WeasyPrint alone, measured side by side in one run.

    python bench/bench.py [-n 40] [--naive 10]

Generates N realistic leaflets (one to three pages) in a temporary project,
then times, in this order and on this machine only:
  1. a cold `python build.py` of all of them;
  2. the engine floor: the same final HTML rendered by WeasyPrint in one
     process, one after another, with WeasyPrint's defaults;
  3. the naive CI loop: `weasyprint in.html out.pdf` once per leaflet
     (run on a sample and scaled per leaflet, because it is slow).
Machines here are shared and noisy: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from publisher import content, html  # noqa: E402


def make_project(root: Path, count: int, seed: int = 1) -> content.Project:
    """A copy of the real project with `count` leaflets remixed from the shipped ones."""
    for folder in ("templates", "styles", "schema"):
        shutil.copytree(REPO / folder, root / folder)
    for name in ("brand.yaml", "people.yaml"):
        shutil.copy(REPO / name, root / name)
    (root / "handouts").mkdir()
    shipped = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "handouts").glob("*.yaml"))]
    sections = [s for leaflet in shipped for s in leaflet["sections"]]
    rng = random.Random(seed)
    for i in range(count):
        base = dict(rng.choice(shipped))
        base["title"] = f"{base['title']} ({i + 1})"
        base["reference"] = f"BEN-{i + 1:04d}"
        base["sections"] = rng.sample(sections, k=rng.randint(2, min(7, len(sections))))
        for key in ("dates",):
            base[key] = {k: str(v) for k, v in base[key].items()}
        text = yaml.safe_dump(base, sort_keys=False, allow_unicode=True)
        (root / "handouts" / f"leaflet-{i + 1:04d}.yaml").write_text(text, encoding="utf-8")
    return content.Project(root)


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40, help="leaflets to generate (default 40)")
    parser.add_argument("--naive", type=int, default=10, help="leaflets to run through the naive CLI loop (default 10)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        project = make_project(root, args.n)
        python = sys.executable

        # 1. Our cold build, as a user runs it.
        cold, run = timed(lambda: subprocess.run([python, str(REPO / "build.py"), "--project", str(root)],
                                                 capture_output=True, text=True))
        if run.returncode != 0:
            sys.exit(f"build failed:\n{run.stderr}")

        # The final HTML of every leaflet, for the two WeasyPrint-only measures.
        catalogue = content.load_catalogue(project)
        pages_html = [html.render_html(catalogue, leaflet) for leaflet in catalogue.leaflets]
        html_dir = root / "html"
        html_dir.mkdir()
        for i, document in enumerate(pages_html):
            (html_dir / f"{i:04d}.html").write_text(document, encoding="utf-8")

        # 2. Engine floor: WeasyPrint in one process, defaults, one leaflet after another.
        floor_script = (
            "import sys, pathlib, weasyprint\n"
            "root = pathlib.Path(sys.argv[1])\n"
            "for f in sorted((root / 'html').glob('*.html')):\n"
            "    weasyprint.HTML(string=f.read_text(), base_url=root.as_uri() + '/').write_pdf(f.with_suffix('.pdf'))\n"
        )
        floor, run = timed(lambda: subprocess.run([python, "-c", floor_script, str(root)], capture_output=True, text=True))
        if run.returncode != 0:
            sys.exit(f"engine floor failed:\n{run.stderr}")

        # 3. Naive CI loop: one `weasyprint` process per leaflet, on a sample.
        sample = sorted(html_dir.glob("*.html"))[: args.naive]
        cli = [python, "-m", "weasyprint", "-u", root.as_uri() + "/"]
        naive, _ = timed(lambda: [subprocess.run(cli + [str(f), str(f.with_suffix(".naive.pdf"))], check=True,
                                                 capture_output=True) for f in sample])
        naive_per = naive / len(sample)

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    n = args.n
    print(f"leaflets: {n} (naive loop sampled on {len(sample)})")
    print(f"  cold build        {cold:7.2f} s   {cold / n * 1000:6.0f} ms/leaflet")
    print(f"  engine floor      {floor:7.2f} s   {floor / n * 1000:6.0f} ms/leaflet")
    print(f"  naive CLI loop    {naive_per * n:7.2f} s   {naive_per * 1000:6.0f} ms/leaflet (scaled)")
    print(f"  cold / floor      {cold / floor:7.2f}x")
    print(f"  naive / cold      {naive_per * n / cold:7.2f}x")
    print(f"  peak RSS of any child process: {children:.0f} MB")


if __name__ == "__main__":
    main()
