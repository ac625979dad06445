"""Benchmark: our build against WeasyPrint alone, measured side by side in one run.

    python bench/bench.py [-n 200] [--naive 20] [--scale 5] [--jobs J]

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
then repeats 1, 4 and 5 with scale x N leaflets (--scale 0 skips that).
Machines here are shared and noisy: the ratios matter, not the seconds.

    python bench/bench.py --site [-n 200]

measures only the catalogue site and the live preview, on N leaflets built
once (PDF and web page, standard edition): writing the catalogue (thumbnails
drawn, then reused), the time from starting `build.py serve` to the first
page served, and from saving one leaflet to the reload event every open page
gets (then to that leaflet's preview page served again).
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
    for folder in ("templates", "styles", "schema"):
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


def build(root: Path, jobs: int, report: Path, formats: str = "pdf", out: str = "dist") -> tuple[float, dict]:
    """Run `python build.py` as a user would; (seconds, JSON report)."""
    started = time.perf_counter()
    # One edition and one format, so that every measure renders the same documents once each.
    run = subprocess.run([PYTHON, str(REPO / "build.py"), "--project", str(root), "-j", str(jobs), "-q",
                          "--edition", "standard", "--format", formats, "--out", str(root / out),
                          "--report", str(report)], capture_output=True, text=True)
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


def site_campaign(n: int, jobs: int) -> dict:
    """The catalogue site and the live preview on n leaflets."""
    import datetime
    import http.client
    import re
    import socket

    from publisher import site as site_module
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        project = make_project(root, n)
        brand = root / "brand.yaml"
        brand.write_text(re.sub(r"(?m)^editions: .*$", "editions: [standard]", brand.read_text()))
        figures: dict = {"n": n}
        started = time.perf_counter()
        run = subprocess.run([PYTHON, str(REPO / "build.py"), "--project", str(root), "-j", str(jobs), "-q"],
                             capture_output=True, text=True)
        figures["cold"] = time.perf_counter() - started
        if run.returncode != 0:
            sys.exit(f"build failed:\n{run.stderr}")
        out = root / "dist"
        brand_data = content.load_brand(project)[0]
        shutil.rmtree(out / "thumbs")
        started = time.perf_counter()
        site_module.write(project, out, brand_data, datetime.date.today())
        figures["site_cold"] = time.perf_counter() - started
        started = time.perf_counter()
        site_module.write(project, out, brand_data, datetime.date.today())
        figures["site_warm"] = time.perf_counter() - started
        figures["site_kb"] = sum(p.stat().st_size for p in [out / "index.html", *(out / "catalogue").iterdir(),
                                                            *(out / "thumbs").iterdir()]) / 1024

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        started = time.perf_counter()
        said = open(Path(tmp) / "serve.txt", "w+")  # a file, not a pipe nobody reads: it never fills up
        server = subprocess.Popen([PYTHON, str(REPO / "build.py"), "--project", str(root), "serve", "--port",
                                   str(port), "-j", str(jobs)], stdout=said, stderr=subprocess.STDOUT,
                                  text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                    connection.request("GET", "/index.html")
                    page = connection.getresponse().read().decode()
                    break
                except OSError:
                    if server.poll() is not None:
                        sys.exit(f"serve failed:\n{(Path(tmp) / 'serve.txt').read_text()}")
                    time.sleep(0.02)
            figures["first_page"] = time.perf_counter() - started
            generation = re.search(r'data-generation="(\d+)"', page).group(1)
            touched = sorted((root / "handouts").glob("*.yaml"))[0]
            for save in ("first", "next"):  # the first save may come while serve still sets up its engine
                if save == "next":
                    time.sleep(1)
                saved = None
                # Two reloads: the web edition and the problems first, then the PDFs.
                for reload in ("reload", "pdf_reload"):
                    events = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                    events.request("GET", f"/_preview/events?since={generation}")
                    stream = events.getresponse()
                    stream.readline()  # the retry line: the stream is open
                    if saved is None:
                        saved = time.perf_counter()
                        touch_one(root)
                    while not (line := stream.readline()).startswith(b"data: "):
                        pass
                    generation = line.split()[1].decode()
                    figures[f"{save}_save_to_{reload}"] = time.perf_counter() - saved
                    if reload == "reload":
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                        connection.request("GET", f"/_preview/leaflet/{touched.stem}")
                        assert b"Revised" in connection.getresponse().read()
                        figures[f"{save}_save_to_page"] = time.perf_counter() - saved
        finally:
            server.send_signal(2)  # Ctrl-C, as a user stops it
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            said.close()
        figures["serve_said"] = (Path(tmp) / "serve.txt").read_text()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="leaflets to generate (default 200)")
    parser.add_argument("--naive", type=int, default=20, help="leaflets to run through the naive loop (default 20)")
    parser.add_argument("--scale", type=int, default=5, help="also measure scale x N leaflets (default 5; 0 skips)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="build workers (default: the CPUs)")
    parser.add_argument("--site", action="store_true", help="measure only the catalogue site and the live preview")
    args = parser.parse_args()
    if args.site:
        figures = site_campaign(args.n, args.jobs)
        print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
        print(f"N = {figures['n']} leaflets (PDF and web page, standard edition); cold build {figures['cold']:.2f} s")
        print(f"  catalogue site, thumbnails drawn  {figures['site_cold']:8.2f} s  "
              f"{figures['site_cold'] / figures['n'] * 1000:6.1f} ms/leaflet ({figures['site_kb']:.0f} KB in all)")
        print(f"  catalogue site, thumbnails kept   {figures['site_warm']:8.2f} s  "
              f"= {figures['site_warm'] / figures['cold'] * 100:.2f}% of the cold build")
        print(f"  serve: start to first page        {figures['first_page']:8.2f} s  (output folder already built)")
        print("  serve said: " + "; ".join(figures["serve_said"].splitlines()))
        for save in ("first", "next"):
            print(f"  serve: {save} save to reload event {figures[f'{save}_save_to_reload']:7.2f} s  (one leaflet of "
                  f"{figures['n']}: web edition and problems); to its new preview page "
                  f"{figures[f'{save}_save_to_page']:.2f} s; to the PDF's reload {figures[f'{save}_save_to_pdf_reload']:.2f} s")
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


if __name__ == "__main__":
    main()
