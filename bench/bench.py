"""Benchmark: our build against WeasyPrint alone, measured side by side in one run.

    python bench/bench.py [-n 200] [--naive 20] [--scale 5] [--jobs J]
    python bench/bench.py --scripts 4 [--jobs J]

Generates N realistic leaflets (one to three pages each) in a temporary
project and measures, on this machine and in this run:
  1. a cold `python build.py publish` of all of them (J workers, default: the CPUs);
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
`--desk SENDS` instead measures the clinic desk alone: page latency, printing,
and SENDS concurrent sends to a local SMTP server.
`--fixed-cost ROUNDS [--against COMMIT]` measures only the fixed cost of one
leaflet (publish, check, --help) in fresh processes, now against COMMIT
(bench/fixed_cost.py).
`--bilingual COPIES` measures only the bilingual Welsh/English edition: COPIES
of the shipped Welsh sample and its source, built cold as PDFs without and
with brand.yaml's bilingual setting, side by side and one after the other.
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
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import yaml  # noqa: E402

from publisher.build import batch
from publisher.render import html
from publisher.source import content  # noqa: E402

PYTHON = sys.executable


def make_project(root: Path, count: int, seed: int = 1) -> content.Project:
    """A copy of the real project with `count` leaflets remixed from the shipped ones (1-3 pages each)."""
    for folder in ("templates", "styles", "schema", "locales"):
        shutil.copytree(REPO / folder, root / folder)
    for name in ("brand.yaml", "people.yaml"):
        shutil.copy(REPO / name, root / name)
    (root / "handouts").mkdir()
    shipped = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "handouts").glob("*.yaml"))]
    shipped = [leaflet for leaflet in shipped if "dates" in leaflet]  # translations take theirs from their source
    # Without their ids: a leaflet gives every section an id or none, and remixed ones come from several.
    sections = [{k: v for k, v in s.items() if k != "id"} for leaflet in shipped for s in leaflet["sections"]]
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
          env: dict | None = None, edition: str = "standard") -> tuple[float, dict]:
    """Run `python build.py` as a user would; (seconds, JSON report)."""
    started = time.perf_counter()
    # One edition and one format, so that every measure renders the same documents once each.
    run = subprocess.run([PYTHON, str(REPO / "build.py"), "--project", str(root), "publish", "-j", str(jobs), "-q",
                          "--edition", edition, "--format", formats, "--out", str(root / out),
                          "--report", str(report)], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"build failed:\n{run.stderr}")
    return seconds, json.loads(report.read_text())


def touch_one(root: Path) -> None:
    """Change one leaflet's words, as an editor would, with a new version (the archive refuses it otherwise)."""
    path = sorted((root / "handouts").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8").replace("title: ", "title: Revised ", 1)
    path.write_text(re.sub(r"^version: .*$", "version: '9.9'", text, count=1, flags=re.M), encoding="utf-8")


def desk(sends: int) -> dict:
    """The clinic desk on a real uvicorn server: page latency, and `sends` concurrent sends to a local SMTP server."""
    import concurrent.futures
    import datetime
    import socket
    import statistics
    import threading

    import httpx
    import uvicorn
    from aiosmtpd.controller import Controller

    from publisher.build import batch
    from publisher.desk import app as desk_app
    from publisher.desk import audit, auth, db

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        project = make_project(root, 20)
        batch.build(project, batch.Options(out=root / "dist", jobs=os.cpu_count() or 1, formats=("pdf",),
                                           editions=("standard",), today=datetime.date(2026, 11, 25)))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            smtp_port = probe.getsockname()[1]
        smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
        smtp.start()
        database = f"sqlite:///{tmp}/desk.sqlite3"
        env = {"DESK_SECRET_KEY": "s" * 40, "DESK_AUDIT_KEY": "a" * 40, "SMTP_HOST": "127.0.0.1",
               "SMTP_PORT": str(smtp_port), "SMTP_SECURITY": "none", "SMTP_FROM": "bench@example.org",
               "DESK_SEND_LIMIT": str(sends * 10)}
        app = desk_app.create_app(desk_app.config_from_environment(project, root / "dist", database, env))
        auth.add_user(db.engine(database), "bench", "a long bench password")
        listener = socket.socket()
        # As uvicorn does for the sockets it makes itself: no Nagle delay on kept-alive connections.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
        threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True).start()
        while not server.started:
            time.sleep(0.02)
        http = httpx.Client(base_url=f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=120)
        page = http.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        # Secure cookies are kept for https only by httpx: sent by hand over this local http.
        signed = http.post("/login", data={"csrf": token, "user": "bench", "password": "a long bench password"},
                           headers={"Cookie": f"desk_session={page.cookies['desk_session']}"})
        cookie = {"Cookie": f"desk_session={signed.cookies['desk_session']}"}
        figures: dict = {"sends": sends}
        for name, path in (("search_ms", "/?q=back"), ("leaflet_ms", "/leaflet/leaflet-0001")):
            times = []
            for _ in range(50):
                started = time.perf_counter()
                assert http.get(path, headers=cookie).status_code == 200
                times.append((time.perf_counter() - started) * 1000)
            figures[name] = statistics.median(times)
        forms = []
        for i in range(sends):
            text = http.get("/leaflet/leaflet-0001", headers=cookie).text
            forms.append({"csrf": re.search(r'name="csrf" value="([^"]+)"', text)[1], "leaflet": "leaflet-0001",
                          "file": "leaflet-0001.pdf", "request": re.search(r'name="request" value="([^"]+)"', text)[1],
                          "addresses": f"patient{i}@example.org", "consent": "yes"})
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(min(sends, 50)) as pool:
            codes = list(pool.map(lambda form: http.post("/send", data=form, headers=cookie).status_code, forms))
        figures["send_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(20):
            text = http.post("/print", data={"csrf": forms[0]["csrf"], "leaflet": "leaflet-0001",
                                             "file": "leaflet-0001.pdf"}, headers=cookie)
        figures["print_ms"] = (time.perf_counter() - started) / 20 * 1000
        server.should_exit = True
        smtp.stop()
        assert codes == [200] * sends and Sink.count == sends, (codes, Sink.count)
        figures["entries"] = len(audit.entries(db.engine(database)))
        return figures


def print_desk(figures: dict) -> None:
    print(f"desk (SQLite, uvicorn, one process): search page {figures['search_ms']:.1f} ms, leaflet page "
          f"{figures['leaflet_ms']:.1f} ms (medians of 50); print {figures['print_ms']:.1f} ms a PDF")
    print(f"  {figures['sends']} concurrent sends in {figures['send_seconds']:.2f} s = "
          f"{figures['sends'] / figures['send_seconds']:.1f} sends/s; {figures['entries']} audit entries")


def memory(sizes: list, jobs: int) -> list:
    """Peak memory per worker of a cold build at each catalogue size: RSS (which counts the pages a worker shares
    with the build process it was forked from) and private memory (what the worker itself holds)."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            make_project(Path(tmp) / "project", n)
            seconds, report = build(Path(tmp) / "project", jobs, Path(tmp) / "cold.json")
            summary = report["summary"]
            rows.append({"n": n, "seconds": seconds, "rss": summary["worker_peak_rss_mb"],
                         "private": summary["worker_peak_private_mb"]})
    return rows


def print_memory(rows: list, jobs: int) -> None:
    print(f"peak memory per worker, cold builds on {jobs} workers (PDF, standard edition; target < 250 MB, flat):")
    print("       N   seconds   peak RSS   peak private")
    for row in rows:
        print(f"  {row['n']:6d}  {row['seconds']:8.1f}  {row['rss']:6.1f} MB  {row['private']:8.1f} MB")


def campaign(n: int, jobs: int, naive: int, floor: bool) -> dict:
    """Every measure for one catalogue size."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        project = make_project(root, n)
        figures = {"n": n}
        figures["cold"], report = build(root, jobs, Path(tmp) / "cold.json")
        figures["pages"] = sum(item["pages"] for item in report["leaflets"])
        figures["peak_rss_mb"] = report["summary"]["worker_peak_rss_mb"]
        figures["peak_private_mb"] = report["summary"]["worker_peak_private_mb"]
        figures["laid_out"] = report["summary"].get("pages_laid_out", 0)
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
        for name, formats, env in (("pdf", "pdf", None), ("large", "pdf", None), ("html", "html", None),
                                   ("brf", "brf", None), ("pef", "pef", None),
                                   ("mp3", "mp3", {"LEAFLETS_AUDIO_THREADS": "1"}),
                                   ("mp3x2", "mp3", {"LEAFLETS_AUDIO_THREADS": "2"}),
                                   ("before", "pdf,html", None), ("after", "pdf,html,brf,mp3", None)):
            figures[name], report = build(root, jobs, Path(tmp) / f"{name}.json", formats=formats, out=name, env=env,
                                          edition="large-print" if name == "large" else "standard")
            assert report["summary"]["failed"] == 0 and report["summary"]["left_out"] == 0, report["summary"]
            figures[f"{name}_kb"] = sum(item["bytes"] for item in report["leaflets"]) / n / 1024
            if name == "pdf":
                figures["pdf_laid_out"] = report["summary"].get("pages_laid_out", 0) / max(
                    1, sum(item["pages"] for item in report["leaflets"]))
        # The catalogue site of the PDFs, written cold (every thumbnail drawn), as a full build writes it.
        import datetime

        from publisher.site import catalogue as site_module
        project = content.Project(root)
        brand = content.load_brand(project)[0]
        for folder in ("thumbs", "catalogue"):
            shutil.rmtree(root / "pdf" / folder, ignore_errors=True)
        (root / "pdf" / "index.html").unlink()
        started = time.perf_counter()
        site_module.write(project, root / "pdf", brand, datetime.date.today())
        figures["site"], figures["site_kb"] = time.perf_counter() - started, 0.0
        return figures


def print_editions(figures: dict, jobs: int) -> None:
    n = figures["n"]
    print(f"  7. braille and audio, N = {n} leaflets, {jobs} build workers, each format cold on its own:")
    print(f"     (pdf: {figures['pdf_laid_out']:.2f} layouts a page)")
    for name, label in (("pdf", "pdf (standard)"), ("large", "pdf (large print)"), ("html", "html (web)"),
                        ("brf", "brf"), ("pef", "pef"), ("mp3", "mp3, 1 espeak-ng"), ("mp3x2", "mp3, 2 espeak-ng"),
                        ("site", "catalogue site, cold")):
        print(f"     {label:22} {figures[name]:8.2f} s  {figures[name] / n * 1000:6.0f} ms/leaflet"
              f"  {figures[name] / figures['pdf']:5.2f}x the PDF  {figures[name + '_kb']:6.0f} KB a leaflet")
    print(f"     brand default before (pdf, html)          {figures['before']:8.2f} s")
    print(f"     brand default after (pdf, html, brf, mp3) {figures['after']:8.2f} s"
          f"  = {figures['after'] / figures['before']:.2f}x")


def site_campaign(n: int, jobs: int) -> dict:
    """The catalogue site and the live preview on n leaflets."""
    import datetime
    import http.client
    import re
    import socket

    from publisher.site import catalogue as site_module
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        project = make_project(root, n)
        brand = root / "brand.yaml"
        brand.write_text(re.sub(r"(?m)^editions: .*$", "editions: [standard]", brand.read_text()))
        figures: dict = {"n": n}
        started = time.perf_counter()
        run = subprocess.run([PYTHON, str(REPO / "build.py"), "--project", str(root), "publish", "-j", str(jobs),
                              "-q"], capture_output=True, text=True)
        figures["cold"] = time.perf_counter() - started
        if run.returncode != 0:
            sys.exit(f"build failed:\n{run.stderr}")
        out = root / "dist"
        brand_data = content.load_brand(project)[0]
        shutil.rmtree(out / "thumbs")
        shutil.rmtree(out / "catalogue")  # its pages too: with what they were made from, they would be kept
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


def preflight_cost(jobs: int) -> dict:
    """The shipped leaflets in every paper and edition, with the bilingual edition: render time against preflight time."""
    from publisher.outputs.pdf import preflight
    times = {"render": 0.0, "preflight": 0.0, "pdfs": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for paper in ("a4", "a5"):
            out = Path(tmp) / paper
            options = batch.Options(out=out, jobs=jobs, paper=paper, editions=("standard", "large-print"),
                                    formats=("pdf", "bilingual"), site=False, publish=False)
            report = batch.build(content.Project(REPO), options)
            times["render"] += sum(r.seconds for r in report.results if r.status == "built")
            for pdf in sorted(out.glob("*.pdf")):
                data = pdf.read_bytes()
                started = time.perf_counter()
                preflight.check(data, pdf.name, paper, preflight.shipped_fonts(REPO / "styles"))
                times["preflight"] += time.perf_counter() - started
                times["pdfs"] += 1
    return times


REFERENCE = REPO / "handouts" / "adhd-neurotransmitter-imaging.yaml"


def _collector_during_render():
    """As before this round: Python's cycle collector left to run inside each render."""
    import contextlib

    from publisher.outputs.pdf import engine as pdf

    @contextlib.contextmanager
    def during():
        saved = pdf._collect_once
        pdf._collect_once = contextlib.nullcontext
        try:
            yield
        finally:
            pdf._collect_once = saved
    return during()


def _as_first():
    """As when issue 24 was filed: WeasyPrint's own relayout passes, and the cycle collector inside the render."""
    import contextlib

    from publisher.outputs.pdf import pagenumbers
    stack = contextlib.ExitStack()
    stack.enter_context(pagenumbers.weasyprint_passes())
    stack.enter_context(_collector_during_render())
    return stack


# Our engine as it was and as it is, each beside the Typst twin: (key, label, how to render like that).
OURS = (("first", "ours, as when issue 24 was filed (relayouts, collector)", _as_first),
        ("before", "ours, one layout a page, collector inside (last round)", _collector_during_render),
        ("ours", "ours, now", lambda: __import__("contextlib").nullcontext()))

# Where a warm render's time goes: WeasyPrint's entry point for each stage (cProfile cumulative time).
STAGES = (("parse the HTML (tinyhtml5)", "tinyhtml5/parser.py", "parse"),
          ("match the stylesheets (cascade)", "weasyprint/document.py", "_build_layout_context"),
          ("build the box tree", "weasyprint/formatting_structure/build.py", "build_formatting_structure"),
          ("lay out the pages", "weasyprint/layout/__init__.py", "layout_document"),
          ("draw the pages (PDF operators)", "weasyprint/document.py", "paint"),
          ("write the PDF (serialise, compress)", "pydyf/__init__.py", "write"),
          ("our finishing (tags, links)", "publisher/outputs/pdf/tagging.py", "finish"))


def render_shares(engine, leaflet, document: str, styles: tuple, count: int = 5) -> dict:
    """The share of a warm render each stage takes, and the lazy style computation spread through them."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        engine.render(leaflet.name, document, styles, leaflet.path.parent)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(cumulative for (file, _, function), (_, _, _, cumulative, _) in stats.items()
                if file.endswith("publisher/outputs/pdf/engine.py") and function == "render")
    shares = {}
    for label, file, function in STAGES:
        shares[label] = max((cumulative for (f, _, name), (_, _, _, cumulative, _) in stats.items()
                             if f.endswith(file) and name == function), default=0.0) / total
    shares["of which: computing styles lazily (ComputedStyle)"] = sum(
        own for (f, _, name), (_, _, own, _, _) in stats.items()
        if f.endswith("weasyprint/css/__init__.py") and name in ("__missing__", "__init__")) / total
    return shares


def typst_side_by_side(count: int, rounds: int = 3) -> dict:
    """The reference leaflet `count` times by our engine (as it was and as it is) and by its Typst twin, warm, in
    one process, alternating; wall time, and CPU time (which other processes on a busy machine disturb less)."""
    import statistics

    import typst_twin

    from publisher.outputs.pdf import engine as pdf

    project = content.Project(REPO)
    catalogue = content.load_catalogue(project, [REFERENCE])
    leaflet, = catalogue.leaflets
    document = html.render_html(catalogue, leaflet, link_styles=False)
    styles = tuple(html.stylesheets("a4", "standard", False, html.direction(leaflet)))
    twin = typst_twin.source(REFERENCE)
    engine = pdf.Engine(project)
    ours = engine.render(leaflet.name, document, styles, leaflet.path.parent)  # warm both up
    typst_pdf = typst_twin.compile_pdf(twin)
    runs: dict = {key: [] for key, _, _ in OURS}
    runs["typst"] = []
    layouts = {}

    def timed(key, render) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            result = render()
        runs[key].append(((time.perf_counter() - wall) / count, (time.process_time() - cpu) / count))
        layouts[key] = getattr(result, "layouts", 0)

    for _ in range(rounds):
        for key, _, like in OURS:
            with like():
                timed(key, lambda: engine.render(leaflet.name, document, styles, leaflet.path.parent))
        timed("typst", lambda: typst_twin.compile_pdf(twin))
    figures: dict = {"count": count, "rounds": rounds, "pages": ours.pages, "layouts": layouts,
                     "typst_pages": len(__import__("pypdf").PdfReader(__import__("io").BytesIO(typst_pdf)).pages)}
    for key, times in runs.items():
        for clock, index in (("wall", 0), ("cpu", 1)):
            figures[f"{key}_{clock}"] = statistics.median(t[index] for t in times)
            figures[f"{key}_{clock}_ratios"] = [t[index] / typst[index] for t, typst in zip(times, runs["typst"],
                                                                                            strict=True)]
    figures["shares"] = render_shares(engine, leaflet, document, styles)
    figures["collector"] = {key: collector_time(engine, leaflet, document, styles, like)
                            for key, _, like in OURS if key != "first"}
    return figures


def collector_time(engine, leaflet, document: str, styles: tuple, like, count: int = 10) -> float:
    """CPU seconds Python's cycle collector takes a render (its own time, from gc.callbacks)."""
    import gc

    spent, began = [0.0], [0.0]

    def watch(phase, info):
        if phase == "start":
            began[0] = time.process_time()
        else:
            spent[0] += time.process_time() - began[0]
    gc.callbacks.append(watch)
    try:
        with like():
            for _ in range(count):
                engine.render(leaflet.name, document, styles, leaflet.path.parent)
    finally:
        gc.callbacks.remove(watch)
    return spent[0] / count


def print_typst(figures: dict) -> None:
    print(f"  reference leaflet, warm, one process, {figures['count']} renders x {figures['rounds']} rounds, "
          "alternating (median ms a leaflet; x Typst in each round):")
    for key, label, _ in (*OURS, ("typst", "Typst twin", None)):
        pages = figures["typst_pages"] if key == "typst" else figures["pages"]
        laid = "" if key == "typst" else f", {figures['layouts'][key] / figures['pages']:.2f} layouts a page"
        print(f"     {label}: {pages} pages{laid}")
        for clock in ("wall", "cpu"):
            print(f"        {clock:4} {figures[f'{key}_{clock}'] * 1000:6.0f} ms  "
                  + ", ".join(f"{r:.2f}" for r in figures[f"{key}_{clock}_ratios"]) + "x Typst")
    for clock in ("wall", "cpu"):
        print(f"     now / before this round ({clock}) {figures[f'ours_{clock}'] / figures[f'before_{clock}']:.2f}; "
              f"now / as filed {figures[f'ours_{clock}'] / figures[f'first_{clock}']:.2f}  (target <= 4.5x Typst)")
    print("  the cycle collector's own CPU time a render: " + ", ".join(
        f"{key} {seconds * 1000:.1f} ms" for key, seconds in figures["collector"].items()))
    print("  where a warm render's time goes now (cProfile, cumulative; profiling inflates Python's share):")
    for label, share in figures["shares"].items():
        print(f"     {label:48} {share * 100:5.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="leaflets to generate (default 200)")
    parser.add_argument("--naive", type=int, default=20, help="leaflets to run through the naive loop (default 20)")
    parser.add_argument("--no-floor", action="store_true", help="skip the engine floor and the naive loop (long on a "
                                                                     "busy machine)")
    parser.add_argument("--scale", type=int, default=5, help="also measure scale x N leaflets (default 5; 0 skips)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="build workers (default: the CPUs)")
    parser.add_argument("--scripts", type=int, default=0, metavar="COPIES",
                        help="measure only leaflets in other scripts, COPIES of each fixture (default: skip)")
    parser.add_argument("--bilingual", type=int, default=0, metavar="COPIES",
                        help="measure only the bilingual edition, COPIES of the Welsh sample (default: skip)")
    parser.add_argument("--editions", type=int, default=20, help="leaflets for the braille and audio measure "
                                                                   "(default 20; 0 skips)")
    parser.add_argument("--editions-only", action="store_true", help="measure braille and audio alone")
    parser.add_argument("--desk", type=int, default=0, metavar="SENDS",
                        help="measure the clinic desk alone (page latency, SENDS concurrent sends), nothing else")
    parser.add_argument("--site", action="store_true", help="measure only the catalogue site and the live preview")
    parser.add_argument("--preflight", action="store_true", help="measure only the preflight's share of the build")
    parser.add_argument("--memory", metavar="SIZES", help="measure only peak memory per worker, at these catalogue "
                        "sizes (comma-separated, e.g. 200,600,1000)")
    parser.add_argument("--render-start", type=int, default=0, metavar="ROUNDS",
                        help="measure only a fresh worker's first render beside a warm one, before and now")
    parser.add_argument("--typst", type=int, default=0, metavar="RENDERS",
                        help="measure only the reference leaflet against its Typst twin, RENDERS a round")
    parser.add_argument("--fixed-cost", type=int, default=0, metavar="ROUNDS",
                        help="measure only one leaflet's publish, check and --help in fresh processes, now and at "
                             "--against, ROUNDS alternating rounds")
    parser.add_argument("--against", default=None, metavar="COMMIT",
                        help="the commit --fixed-cost compares with (default: before the fixed-cost work)")
    args = parser.parse_args()
    if args.memory:
        print_memory(memory([int(size) for size in args.memory.split(",")], args.jobs), args.jobs)
        return
    if args.fixed_cost:
        import fixed_cost
        fixed_cost.print_fixed_cost(fixed_cost.fixed_cost(args.fixed_cost, args.against or fixed_cost.BEFORE))
        return
    if args.render_start:
        import render_start
        render_start.print_render_start(render_start.render_start(args.render_start, REPO, REFERENCE))
        return
    if args.typst:
        print_typst(typst_side_by_side(args.typst))
        return
    if args.preflight:
        figures = preflight_cost(args.jobs)
        print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
        print(f"preflight: {figures['pdfs']} PDFs (shipped leaflets, A4 and A5, both editions, bilingual): "
              f"{figures['preflight']:.2f} s read back and checked, {figures['preflight'] / figures['pdfs'] * 1000:.0f} "
              f"ms a PDF; = {figures['preflight'] / figures['render'] * 100:.1f}% of the {figures['render']:.2f} s "
              "their renders took (target <= 10%)")
        return
    if args.desk:
        print_desk(desk(args.desk))
        return
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

    small = campaign(args.n, args.jobs, args.naive, floor=not args.no_floor)
    big = campaign(args.n * args.scale, args.jobs, args.naive, floor=False) if args.scale else None

    print(f"machine: {os.cpu_count()} CPUs; build workers: {args.jobs}")
    print(f"N = {small['n']} leaflets, {small['pages']} pages")
    print(f"  1. cold build             {small['cold']:8.2f} s  {small['cold'] / small['n'] * 1000:6.0f} ms/leaflet")
    if "floor" in small:
        print(f"  2. engine floor           {small['floor']:8.2f} s  {small['floor'] / small['n'] * 1000:6.0f} ms/leaflet")
        print(f"  3. naive CLI loop         {small['naive']:8.2f} s  {small['naive'] / small['n'] * 1000:6.0f} ms/leaflet"
              f" (timed on {small['naive_sample']}, scaled)")
    print(f"  4. no-op rebuild          {small['noop']:8.2f} s   one leaflet changed {small['one']:6.2f} s")
    print(f"  5. peak RSS per worker    {small['peak_rss_mb']:8.0f} MB   private {small['peak_private_mb']:.0f} MB")
    print(f"     pages laid out         {small['laid_out'] / small['pages']:8.2f} a page   (target <= 1.2)")
    print(f"  6. web edition, cold      {small['web']:8.2f} s  {small['web'] / small['n'] * 1000:6.0f} ms/leaflet"
          f" ({small['web_kb']:.0f} KB a page; {small['web'] / small['cold']:.2f}x the PDF build)")
    if "floor" in small:
        print(f"  cold / engine floor       {small['cold'] / small['floor']:8.2f}x   (target <= 0.6)")
        print(f"  naive loop / cold         {small['naive'] / small['cold']:8.1f}x   (target >= 12)")
    for figures in filter(None, [big]):
        print(f"N = {figures['n']} leaflets, {figures['pages']} pages")
        print(f"  1. cold build             {figures['cold']:8.2f} s  {figures['cold'] / figures['n'] * 1000:6.0f} ms/leaflet")
        print(f"  4. no-op rebuild          {figures['noop']:8.2f} s   = {figures['noop'] / figures['cold'] * 100:.2f}% of cold (target <= 1%)")
        print(f"     one leaflet changed    {figures['one']:8.2f} s   = {figures['one'] / figures['cold'] * 100:.2f}% of cold (target <= 2%)")
        print(f"  5. peak RSS per worker    {figures['peak_rss_mb']:8.0f} MB   (at N: {small['peak_rss_mb']:.0f} MB; target < 250, flat)")
        print(f"     peak private a worker  {figures['peak_private_mb']:8.0f} MB   (at N: {small['peak_private_mb']:.0f} MB)")
    if args.editions:
        print_editions(alternative_editions(args.editions, args.jobs), args.jobs)


if __name__ == "__main__":
    main()
