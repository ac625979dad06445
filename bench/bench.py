"""Benchmark: our build against WeasyPrint alone, measured side by side in one run.

    python bench/bench.py [-n 200] [--naive 20] [--scale 5] [--jobs J]
    python bench/bench.py --scripts 4 [--jobs J]

Generates N realistic leaflets (one to three pages each) in a temporary
project and measures, on this machine and in this run:
  1. a cold `python build.py` of all of them (J workers, default: the CPUs);
  2. the engine floor: the same final HTML rendered by WeasyPrint in one
     process, one after another, as the same tagged PDF/UA-1 we produce;
  3. the naive CI loop: `weasyprint in.html out.pdf` once per leaflet (run on
     a sample of --naive leaflets and scaled, because it is slow);
  4. a no-op rebuild, and a rebuild after changing one leaflet;
  5. peak memory per worker (from the build report);
  6. the web edition of all of them (`--format html`), cold, beside the PDFs;
then repeats 1, 4 and 5 with scale x N leaflets (--scale 0 skips that), and
  7. braille (brf, pef) and audio (mp3) of --editions leaflets (default 20;
     0 skips), each format cold on its own beside the PDF, audio with one and
     two espeak-ng processes a leaflet, and the brand's default formats before
     (pdf, html) and after (pdf, html, brf, mp3) braille and audio joined them.
     `--editions-only` runs this part alone:
         python bench/bench.py --editions-only --editions 10
`--scripts COPIES` measures only leaflets in other scripts (the test fixtures,
COPIES of each) beside the English one, PDF and web.
`--bilingual COPIES` measures only the bilingual Welsh/English edition: COPIES
of the shipped Welsh sample and its source, built cold as PDFs without and
with brand.yaml's bilingual setting, side by side and one after the other.
Machines here are shared and noisy: the ratios matter, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

PYTHON = sys.executable


def make_project(root: Path, count: int, seed: int = 1) -> content.Project:
    """A copy of the real project with `count` leaflets remixed from the shipped ones (1-3 pages each)."""
    for folder in ("templates", "styles", "schema", "locales"):
        shutil.copytree(REPO / folder, root / folder)
    for name in ("brand.yaml", "people.yaml"):
        shutil.copy(REPO / name, root / name)
    (root / "handouts").mkdir()
    shipped = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "handouts").glob("*.yaml"))]
    sections = [s for leaflet in shipped for s in leaflet["sections"]]
    rng = random.Random(seed)
    for i in range(count):
        leaflet = dict(rng.choice(shipped))
        leaflet["title"] = f"{leaflet['title']} ({i + 1})"
        leaflet["reference"] = f"BEN-{i + 1:04d}"
        leaflet["sections"] = rng.sample(sections, k=rng.randint(1, 4))
        leaflet["dates"] = {k: str(v) for k, v in leaflet["dates"].items()}
        text = yaml.safe_dump(leaflet, sort_keys=False, allow_unicode=True)
        (root / "handouts" / f"leaflet-{i + 1:04d}.yaml").write_text(text, encoding="utf-8")
    return content.Project(root)


def build(root: Path, jobs: int, report: Path, formats: str = "pdf", out: str = "dist",
          env: dict | None = None) -> tuple[float, dict]:
    """Run `python build.py` as a user would; (seconds, JSON report)."""
    started = time.perf_counter()
    # One edition and one format, so that every measure renders the same documents once each.
    run = subprocess.run([PYTHON, str(REPO / "build.py"), "--project", str(root), "-j", str(jobs), "-q",
                          "--edition", "standard", "--format", formats, "--out", str(root / out),
                          "--report", str(report)], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"build failed:\n{run.stderr}")
    return seconds, json.loads(report.read_text())


def touch_one(root: Path) -> None:
    """Change one leaflet's words, as an editor would."""
    path = sorted((root / "handouts").glob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Revised ", 1), encoding="utf-8")


def campaign(n: int, jobs: int, naive: int, floor: bool) -> dict:
    """Every measure for one catalogue size."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        project = make_project(root, n)
        figures = {"n": n}
        figures["cold"], report = build(root, jobs, Path(tmp) / "cold.json")
        figures["pages"] = sum(item["pages"] for item in report["leaflets"])
        figures["peak_rss_mb"] = report["summary"]["worker_peak_rss_mb"]
        figures["noop"], report = build(root, jobs, Path(tmp) / "noop.json")
        assert report["summary"]["unchanged"] == n, report["summary"]
        touch_one(root)
        figures["one"], report = build(root, jobs, Path(tmp) / "one.json")
        assert report["summary"]["built"] == 1, report["summary"]
        figures["web"], report = build(root, jobs, Path(tmp) / "web.json", formats="html", out="web")
        assert report["summary"]["built"] == n, report["summary"]
        figures["web_kb"] = sum(item["bytes"] for item in report["leaflets"]) / n / 1024
        if floor:
            # The final HTML of every leaflet, stylesheet link included, for WeasyPrint alone.
            catalogue = content.load_catalogue(project)
            html_dir = root / "html"
            html_dir.mkdir()
            for leaflet in catalogue.leaflets:
                (html_dir / f"{leaflet.stem}.html").write_text(html.render_html(catalogue, leaflet), encoding="utf-8")
            # The same output as our build: tagged PDF/UA-1.
            script = ("import sys, pathlib, weasyprint\n"
                      "root = pathlib.Path(sys.argv[1])\n"
                      "for f in sorted((root / 'html').glob('*.html')):\n"
                      "    weasyprint.HTML(string=f.read_text(), base_url=root.as_uri() + '/')"
                      ".write_pdf(f.with_suffix('.pdf'), pdf_variant='pdf/ua-1', pdf_tags=True)\n")
            started = time.perf_counter()
            subprocess.run([PYTHON, "-c", script, str(root)], check=True, capture_output=True)
            figures["floor"] = time.perf_counter() - started
            sample = sorted(html_dir.glob("*.html"))[:naive]
            started = time.perf_counter()
            for f in sample:
                subprocess.run([PYTHON, "-m", "weasyprint", "--pdf-variant", "pdf/ua-1", "-u", root.as_uri() + "/",
                                str(f), str(f.with_suffix(".naive.pdf"))], check=True, capture_output=True)
            figures["naive"] = (time.perf_counter() - started) / len(sample) * n
            figures["naive_sample"] = len(sample)
        return figures


def scripts(copies: int, jobs: int) -> dict:
    """Leaflets in other scripts (the tests' fixtures: Arabic, Urdu, Bengali, Chinese, English with inline
    phrases), `copies` of each, built cold as PDF and as web pages; the English fixture alone beside them."""
    figures = {}
    for name, stems in (("scripts", ("arabic", "urdu", "bengali", "chinese", "inline")), ("english", ("inline",))):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "project"
            for folder in ("templates", "styles", "schema", "locales"):
                shutil.copytree(REPO / folder, root / folder)
            for file in ("brand.yaml", "people.yaml"):
                shutil.copy(REPO / file, root / file)
            (root / "handouts").mkdir()
            for stem in stems:
                text = (REPO / "tests" / "data" / "pages" / f"scripts-{stem}.yaml").read_text(encoding="utf-8")
                for i in range(copies):
                    (root / "handouts" / f"{stem}-{i}.yaml").write_text(text, encoding="utf-8")
            count = len(stems) * copies
            seconds, report = build(root, jobs, Path(tmp) / "pdf.json")
            figures[name] = {"n": count, "pdf": seconds, "pdf_kb": sum(i["bytes"] for i in report["leaflets"]) / count / 1024}
            seconds, report = build(root, jobs, Path(tmp) / "web.json", formats="html", out="web")
            figures[name].update(web=seconds, web_kb=sum(i["bytes"] for i in report["leaflets"]) / count / 1024)
    return figures


def print_scripts(figures: dict) -> None:
    for name, label in (("scripts", "other scripts"), ("english", "English fixture")):
        f = figures[name]
        print(f"  {label:16} N = {f['n']:3}: PDF {f['pdf']:6.2f} s ({f['pdf'] / f['n'] * 1000:5.0f} ms/leaflet, "
              f"{f['pdf_kb']:.0f} KB)  web {f['web']:6.2f} s ({f['web'] / f['n'] * 1000:5.0f} ms/leaflet, "
              f"{f['web_kb']:.0f} KB)")
    per = {name: figures[name]["pdf"] / figures[name]["n"] for name in figures}
    print(f"  other scripts / English, PDF per leaflet {per['scripts'] / per['english']:5.2f}x")
SAMPLE = "after-your-wisdom-teeth-are-removed"


def bilingual(copies: int, jobs: int) -> dict:
    """`copies` of the shipped Welsh sample and its source, PDFs built cold without and with a bilingual edition."""
    figures = {"n": copies}
    source = (REPO / "handouts" / f"{SAMPLE}.yaml").read_text(encoding="utf-8")
    welsh = (REPO / "handouts" / f"{SAMPLE}.cy.yaml").read_text(encoding="utf-8")
    brand = (REPO / "brand.yaml").read_text(encoding="utf-8")
    start, end = brand.index("bilingual:"), brand.index("contact:")
    for name, setting in (("without", ""), ("side-by-side", brand[start:end]),
                          ("sequential", brand[start:end].replace("layout: side-by-side", "layout: sequential"))):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "project"
            for folder in ("templates", "styles", "schema", "locales"):
                shutil.copytree(REPO / folder, root / folder)
            shutil.copy(REPO / "people.yaml", root / "people.yaml")
            (root / "brand.yaml").write_text(brand[:start] + setting + brand[end:], encoding="utf-8")
            (root / "handouts").mkdir()
            for i in range(copies):
                stem = f"leaflet-{i}"
                (root / "handouts" / f"{stem}.yaml").write_text(
                    source.replace("reference: MPA-0005", f"reference: MPA-9{i:03d}"), encoding="utf-8")
                (root / "handouts" / f"{stem}.cy.yaml").write_text(
                    welsh.replace(f"translation_of: {SAMPLE}", f"translation_of: {stem}"), encoding="utf-8")
            seconds, report = build(root, jobs, Path(tmp) / "report.json")
            made = [item for item in report["leaflets"] if str(item.get("output", "")).endswith(".bilingual.pdf")]
            assert len(made) == (copies if setting else 0), report["summary"]
            figures[name] = seconds
            figures[f"{name}_kb"] = sum(item["bytes"] for item in made) / copies / 1024 if made else 0
    return figures


def print_bilingual(figures: dict) -> None:
    n = figures["n"]
    print(f"  bilingual, {n} leaflets and their Welsh translations, PDFs cold (standard edition):")
    for name in ("without", "side-by-side", "sequential"):
        extra = f"  {figures[name + '_kb']:4.0f} KB a bilingual PDF" if name != "without" else ""
        print(f"     {name:14} {figures[name]:7.2f} s  {figures[name] / figures['without']:5.2f}x{extra}")


def alternative_editions(n: int, jobs: int) -> dict:
    """Braille and audio beside the PDF, each format built cold on its own; and the brand's default before and after."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        make_project(root, n)
        figures: dict = {"n": n}
        for name, formats, env in (("pdf", "pdf", None), ("brf", "brf", None), ("pef", "pef", None),
                                   ("mp3", "mp3", {"LEAFLETS_AUDIO_THREADS": "1"}),
                                   ("mp3x2", "mp3", {"LEAFLETS_AUDIO_THREADS": "2"}),
                                   ("before", "pdf,html", None), ("after", "pdf,html,brf,mp3", None)):
            figures[name], report = build(root, jobs, Path(tmp) / f"{name}.json", formats=formats, out=name, env=env)
            assert report["summary"]["failed"] == 0 and report["summary"]["left_out"] == 0, report["summary"]
            figures[f"{name}_kb"] = sum(item["bytes"] for item in report["leaflets"]) / n / 1024
        return figures


def print_editions(figures: dict, jobs: int) -> None:
    n = figures["n"]
    print(f"  7. braille and audio, N = {n} leaflets, {jobs} build workers, each format cold on its own:")
    for name, label in (("pdf", "pdf (standard)"), ("brf", "brf"), ("pef", "pef"), ("mp3", "mp3, 1 espeak-ng"),
                        ("mp3x2", "mp3, 2 espeak-ng")):
        print(f"     {label:22} {figures[name]:8.2f} s  {figures[name] / n * 1000:6.0f} ms/leaflet"
              f"  {figures[name] / figures['pdf']:5.2f}x the PDF  {figures[name + '_kb']:6.0f} KB a leaflet")
    print(f"     brand default before (pdf, html)          {figures['before']:8.2f} s")
    print(f"     brand default after (pdf, html, brf, mp3) {figures['after']:8.2f} s"
          f"  = {figures['after'] / figures['before']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="leaflets to generate (default 200)")
    parser.add_argument("--naive", type=int, default=20, help="leaflets to run through the naive loop (default 20)")
    parser.add_argument("--scale", type=int, default=5, help="also measure scale x N leaflets (default 5; 0 skips)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="build workers (default: the CPUs)")
    parser.add_argument("--scripts", type=int, default=0, metavar="COPIES",
                        help="measure only leaflets in other scripts, COPIES of each fixture (default: skip)")
    parser.add_argument("--bilingual", type=int, default=0, metavar="COPIES",
                        help="measure only the bilingual edition, COPIES of the Welsh sample (default: skip)")
    parser.add_argument("--editions", type=int, default=20, help="leaflets for the braille and audio measure "
                                                                   "(default 20; 0 skips)")
    parser.add_argument("--editions-only", action="store_true", help="measure braille and audio alone")
    args = parser.parse_args()
    if args.scripts:
        print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
        print_scripts(scripts(args.scripts, args.jobs))
        return
    if args.bilingual:
        print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
        print_bilingual(bilingual(args.bilingual, args.jobs))
        return
    if args.editions_only:
        print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
        print_editions(alternative_editions(args.editions, args.jobs), args.jobs)
        return

    small = campaign(args.n, args.jobs, args.naive, floor=True)
    big = campaign(args.n * args.scale, args.jobs, args.naive, floor=False) if args.scale else None

    print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
    print(f"N = {small['n']} leaflets, {small['pages']} pages")
    print(f"  1. cold build             {small['cold']:8.2f} s  {small['cold'] / small['n'] * 1000:6.0f} ms/leaflet")
    print(f"  2. engine floor           {small['floor']:8.2f} s  {small['floor'] / small['n'] * 1000:6.0f} ms/leaflet")
    print(f"  3. naive CLI loop         {small['naive']:8.2f} s  {small['naive'] / small['n'] * 1000:6.0f} ms/leaflet"
          f" (timed on {small['naive_sample']}, scaled)")
    print(f"  4. no-op rebuild          {small['noop']:8.2f} s   one leaflet changed {small['one']:6.2f} s")
    print(f"  5. peak RSS per worker    {small['peak_rss_mb']:8.0f} MB")
    print(f"  6. web edition, cold      {small['web']:8.2f} s  {small['web'] / small['n'] * 1000:6.0f} ms/leaflet"
          f" ({small['web_kb']:.0f} KB a page; {small['web'] / small['cold']:.2f}x the PDF build)")
    print(f"  cold / engine floor       {small['cold'] / small['floor']:8.2f}x   (target <= 0.6)")
    print(f"  naive loop / cold         {small['naive'] / small['cold']:8.1f}x   (target >= 12)")
    for figures in filter(None, [big]):
        print(f"N = {figures['n']} leaflets, {figures['pages']} pages")
        print(f"  1. cold build             {figures['cold']:8.2f} s  {figures['cold'] / figures['n'] * 1000:6.0f} ms/leaflet")
        print(f"  4. no-op rebuild          {figures['noop']:8.2f} s   = {figures['noop'] / figures['cold'] * 100:.2f}% of cold (target <= 1%)")
        print(f"     one leaflet changed    {figures['one']:8.2f} s   = {figures['one'] / figures['cold'] * 100:.2f}% of cold (target <= 2%)")
        print(f"  5. peak RSS per worker    {figures['peak_rss_mb']:8.0f} MB   (at N: {small['peak_rss_mb']:.0f} MB; target < 250, flat)")
    if args.editions:
        print_editions(alternative_editions(args.editions, args.jobs), args.jobs)


if __name__ == "__main__":
    main()
