"""Shared fixtures: throwaway projects written by the test, and the shipped catalogue built once."""

from __future__ import annotations

import datetime
import json
import os
import pickle
import re
import shutil
import sys
import textwrap
from pathlib import Path

import filelock
import pytest

from publisher.build import batch
from publisher.cli import main as cli
from publisher.core import clock
from publisher.source import content

REPO = Path(__file__).resolve().parent.parent
# Review rules are checked against this day in every test but the ones about the real clock
# (test_governance.py), so the suite does not start failing as the shipped leaflets fall due.
TODAY = "2026-11-25"
# Pinned for the whole session, subprocesses included: code that reads the date asks publisher/clock.py.
os.environ[clock.ENV] = TODAY
# What a full build writes beside the outputs: the catalogue site (publisher/site.py).
SITE = ["catalogue", "index.html", "thumbs"]

# A valid leaflet crediting people from the shipped people.yaml; tests change one thing at a time.
MINIMAL = """\
title: Looking after a sprained ankle
summary: Most sprains get better on their own in a few weeks.
language: en-GB
reference: TST-0001
version: "1.0"
dates:
  published: 2026-01-10
  last_reviewed: 2026-01-10
  next_review: 2028-01-10
credits:
  authors: [phoebe-carter]
  reviewers: [rebecca-fernandez]
sections:
  - heading: What to do
    body: Rest your ankle and keep it raised when you can.
sources:
  - citation: Example source for tests.
"""


FONTS = REPO / "styles" / "fonts"


def copy_or_link(source: str, target: str) -> None:
    """Copy a file, but hard-link a shipped font: fonts are 26 of the 27 MB each test project would copy.

    A hard link is the same file, so a test that changes a font in its project must replace it (unlink, then
    write), never write into it: _fonts_untouched fails the run if a shipped font changed. A font that is already
    a link to a shipped one (a test project copied whole) is linked too."""
    if Path(source).suffix == ".ttf" and (Path(source).parent == FONTS or _is_shipped_font(Path(source))):
        link_or_copy(source, target)
    else:
        shutil.copy2(source, target)


def link_or_copy(source, target) -> None:
    """A hard link, or a copy where none can be made (another file system)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _is_shipped_font(path: Path) -> bool:
    shipped = FONTS / path.name
    return shipped.exists() and os.path.samefile(path, shipped)


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, copy_function=copy_or_link)


def copy_project(source: Path, target: Path) -> Project:
    """A copy of a test project, outputs and manifests included (mtimes kept, so its builds see it unchanged)."""
    shutil.copytree(source, target, copy_function=copy_or_link, symlinks=True)
    project = Project.__new__(Project)  # the files are there already
    project.root = Path(target)
    return project


def _font_stamps() -> dict:
    return {path.name: (path.stat().st_size, path.stat().st_mtime_ns) for path in sorted(FONTS.glob("*.ttf"))}


@pytest.fixture(scope="session", autouse=True)
def _fonts_untouched():
    """The shipped fonts are linked into test projects: a test that wrote into one would change the repository's."""
    before = _font_stamps()
    yield
    assert _font_stamps() == before, "a test wrote into a hard-linked shipped font: replace the file instead"


class Project:
    """A project in a temporary folder: the repository's templates, styles and schemas, and leaflets the test writes."""

    def __init__(self, root: Path):
        self.root = root
        for folder in ("templates", "styles", "schema", "locales"):
            copy_tree(REPO / folder, root / folder)
        for name in ("brand.yaml", "people.yaml"):
            shutil.copy(REPO / "tests" / "data" / name, root / name)
        (root / "handouts").mkdir()

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def catalogue(self, folder: str) -> Path:
        """Labels for a language in this project: the shipped catalogue (or, for a language the project ships none
        for, each label as its English), with the test brand's texts in it (as their English) so they print."""
        from babel.messages.pofile import read_po, write_po
        path = self.root / "locales" / folder / "LC_MESSAGES" / "leaflets.po"
        if path.exists():
            catalog = read_po(path.open("rb"))
        else:
            catalog = read_po((REPO / "locales" / "leaflets.pot").open("rb"))
            for message in catalog:
                if message.id:
                    message.string = message.id
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog)
        self.brand_texts(folder.replace("_", "-"))
        return path

    def brand_texts(self, tag: str, texts: dict | None = None) -> None:
        """brand.yaml's texts to patients in one language (each as its English unless `texts` gives them)."""
        import yaml
        brand = self.root / "brand.yaml"
        data = yaml.safe_load(brand.read_text(encoding="utf-8"))
        if tag in (data.get("translations") or {}):
            return
        given = texts or {f: data[f].strip() for f in ("feedback", "other_formats", "disclaimer") if data.get(f)}
        entry = "".join(f"    {field}: {json.dumps(text, ensure_ascii=False)}\n" for field, text in given.items())
        with brand.open("a", encoding="utf-8") as handle:
            handle.write(("" if "translations" in data else "translations:\n") + f"  {tag}:\n{entry}")

    def leaflet(self, stem: str, text: str = MINIMAL) -> Path:
        return self.write(f"handouts/{stem}.yaml", text)

    def run(self, *args, capsys):
        """Run the command line in-process; returns (exit code, stdout, stderr) with timings replaced by 'T'."""
        args = list(args)
        if "--help" not in args and args[:1] not in ([c] for c in cli.COMMANDS):
            args.insert(0, "publish")  # the tests' builds publish into dist/ unless they ask for drafts ("build")
        where = 1 if args[:1] in ([c] for c in cli.COMMANDS) else 0
        args[where:where] = ["--project", str(self.root)]
        if args[:1] in (["publish"], ["build"]) and not any(a.startswith(("-j", "--jobs")) for a in args):
            args.append("-j1")
        if "--help" not in args and args[:1] != ["archive"] and not any(a.startswith("--today") for a in args):
            args.append(f"--today={TODAY}")
        code = cli.main(args)
        out, err = capsys.readouterr()
        return code, seconds(out), seconds(err)


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path / "proj")


def with_three(project: Project) -> Project:
    """Three one-page leaflets, alpha, beta and gamma: a batch in small."""
    for stem in ("alpha", "beta", "gamma"):
        project.leaflet(stem, MINIMAL.replace("Looking after a sprained ankle", f"Leaflet {stem}"))
    return project


@pytest.fixture
def three(project) -> Project:
    return with_three(project)


# Modules whose module-scoped fixtures make something costly (a built project, Chromium, a PostgreSQL cluster, a
# preview server): each runs whole on one xdist worker (make test: --dist loadgroup), so each fixture is made once.
GROUPED = {"test_desk", "test_desk_audit", "test_desk_browser", "test_i18n", "test_pdfua", "test_scripts",
           "test_serve", "test_site", "test_web"}


# What needs liblouis: a braille module, or a test whose name says braille (a .brf parameter included). liblouis has
# no Windows package (docs/platforms.md): there, and only where it cannot be loaded, these tests are skipped; on
# Linux a missing liblouis fails them.
BRAILLE_MODULES = {"test_braille", "test_desk_editions"}
BRAILLE_TESTS = {"test_every_shipped_leaflet_is_identical_across_processes",
                 "test_pictures_nested_lists_and_notes_are_read_in_order"}


def needs_liblouis(item) -> bool:
    return item.module.__name__ in BRAILLE_MODULES or item.originalname in BRAILLE_TESTS or \
        any(word in item.name for word in ("braille", "brf"))


# Whether WeasyPrint was imported while this process collected the tests, other than as the build imports it
# (test_weasyfixes.py fails then): it finds its C libraries the slow way, running ldconfig, gcc and ld 86 times,
# 1.2 s in each test process before its first test (docs/weasyprint-workarounds.md, workaround 11).
WEASYPRINT_IMPORTED_PLAINLY: list = []


def pytest_collection_modifyitems(items):
    from publisher.outputs import louis
    from publisher.outputs.pdf import weasyfixes
    if "weasyprint" in sys.modules and not weasyfixes.install.cache_info().currsize:
        WEASYPRINT_IMPORTED_PLAINLY.append(True)
    no_braille = not sys.platform.startswith("linux") and not louis.available()
    for item in items:
        if item.module.__name__ in GROUPED:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
        if no_braille and needs_liblouis(item):
            item.add_marker(pytest.mark.skip(reason=f"liblouis cannot be loaded on {sys.platform}: no package there "
                                                    "makes braille (docs/platforms.md)"))


def shared_folder(tmp_path_factory) -> Path:
    """A folder every xdist worker of this run shares: the parent of the workers' own base folders."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """Every shipped leaflet built once a run, into a temporary folder all xdist workers share: {stem: Result}.

    The first worker to ask builds (on two processes: the others wait for it); the rest read its results.
    The bilingual editions (brand.yaml's bilingual: a leaflet and its translation in one PDF) are built into
    the same folder but left out here, one PDF a leaflet and edition; tests/test_bilingual.py reads them there.
    Tests only read these files: one that changes an output builds its own.
    """
    shared = shared_folder(tmp_path_factory)
    saved = shared / "shipped.pickle"
    with filelock.FileLock(shared / "shipped.lock"):
        if not saved.exists():
            options = batch.Options(out=shared / "shipped-dist", jobs=2, today=datetime.date.fromisoformat(TODAY))
            report = batch.build(content.Project(REPO), options)
            assert report.ok, [r.errors for r in report.failed] + report.shared_errors
            results = {Path(r.output).stem: r for r in report.results
                       if r.output.endswith(".pdf") and not r.output.endswith(".bilingual.pdf")}
            saved.write_bytes(pickle.dumps(results))
    return pickle.loads(saved.read_bytes())


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A throwaway PostgreSQL cluster, one a test process for every desk module (initdb takes seconds): its URL.

    Tests take a fresh schema in it with pgutil.emptied()."""
    import pgutil
    with pgutil.cluster(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
def chromium_for_run():
    """Chromium started once a test process, for the files whose tests use a browser (test_web.browser)."""
    from test_web import start_chromium
    yield from start_chromium()


# Fixture leaflets built on every paper beside the shipped ones (tests/test_pages.py).
PAGE_FIXTURES = REPO / "tests" / "data" / "pages"
PAPER_EDITIONS = ("standard", "large-print")
# What each paper's build makes besides the PDFs: the web edition (any paper's: A4's) for tests/test_scripts.py,
# the bilingual editions on A5 for the A5 preflight (tests/test_preflight.py).
PAPER_FORMATS = {"a4": ("pdf", "html"), "letter": ("pdf",), "a5": ("pdf", "bilingual")}


@pytest.fixture(scope="session")
def on_paper(tmp_path_factory, request):
    """paper -> (output folder, [Result]): every shipped leaflet and the fixtures of data/pages/, in both editions
    (and PAPER_FORMATS), built once a run per paper into a folder all xdist workers share.

    The first worker to ask for a paper builds it on two processes (one engine each for all its leaflets);
    the others wait for it and read its results. Tests only read these files. A4 starts from the shipped
    build's PDFs and web pages (the same paper, editions, inputs and code: the build finds them unchanged).
    """
    shared = shared_folder(tmp_path_factory)
    root = shared / "papers"

    def build(paper: str):
        saved = shared / f"paper-{paper}.pickle"
        with filelock.FileLock(shared / "papers.lock"):
            if not root.exists():
                for folder in ("templates", "styles", "schema", "handouts", "locales"):
                    copy_tree(REPO / folder, root / folder)
                for name in ("brand.yaml", "people.yaml"):
                    shutil.copy(REPO / name, root / name)
                for fixture in PAGE_FIXTURES.glob("*.yaml"):
                    shutil.copy(fixture, root / "handouts" / fixture.name)
        with filelock.FileLock(shared / f"paper-{paper}.lock"):
            if not saved.exists():
                if paper == "a4":
                    _start_from(Path(next(iter(request.getfixturevalue("shipped").values())).output).parent,
                                root / "dist-a4")
                options = batch.Options(out=root / f"dist-{paper}", jobs=2, paper=paper, editions=PAPER_EDITIONS,
                                        formats=PAPER_FORMATS[paper], site=False,
                                        today=datetime.date.fromisoformat(TODAY))
                report = batch.build(content.Project(root), options)
                assert report.ok, [r.errors for r in report.failed] + report.shared_errors
                saved.write_bytes(pickle.dumps(report.results))
        return root / f"dist-{paper}", pickle.loads(saved.read_bytes())
    return build


def _start_from(built: Path, out: Path) -> None:
    """An output folder that starts with another build's PDFs, web pages and manifest, hard-linked."""
    out.mkdir(parents=True, exist_ok=True)
    for path in built.iterdir():
        if path.is_file() and (path.suffix in (".pdf", ".html") and path.name != "index.html"
                               or path.name == ".manifest.json"):
            link_or_copy(path, out / path.name)  # the build replaces a file it makes again, never writes into it


@pytest.fixture(scope="session", autouse=True)
def _shared_builds_split(request):
    """With two xdist workers, each makes half of the run's shared builds before its first test, both at once:
    left to the tests, one worker sat idle, waiting for the build the other was making (32 s of a run)."""
    worker, items = os.environ.get("PYTEST_XDIST_WORKER"), request.session.items
    # Only for a run wide enough to need them all: a run of a few files builds only what its tests ask for.
    if os.environ.get("PYTEST_XDIST_WORKER_COUNT") != "2" or worker not in ("gw0", "gw1") or \
            len({item.module.__name__ for item in items}) < 10:
        return
    used = set().union(*(item.fixturenames for item in items))
    try:  # about 25 s of CPU each: the shipped catalogue, then A4 from it; A5 and Letter
        if worker == "gw0" and "shipped" in used:
            request.getfixturevalue("shipped")
        if "on_paper" in used:
            for paper in (("a4",) if worker == "gw0" else ("a5", "letter")):
                request.getfixturevalue("on_paper")(paper)
    except Exception:  # a build that fails fails the tests that use it, not every test of this worker
        pass


def seconds(text: str) -> str:
    """Output with timings made comparable: '1.2 s' -> 'T s'."""
    return re.sub(r"\b\d+\.\d s\b", "T s", text)


def normalise(text: str) -> str:
    """Text as a reader sees it: one space between words, lines joined, typographic variants folded."""
    # PDFium reports a hyphen that ends a line as \x02.
    text = text.replace("\u2011", "-").replace("\x02", "-").replace("\r", "")
    text = re.sub(r"(?<=\w[-/])[ \t]*\n\s*", "", text)  # a line broken after a hyphen or slash inside a word
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(autouse=True)
def _cheapest_password_hashing(request, monkeypatch):
    """The desk's passwords hashed with argon2id at argon2-cffi's cheapest parameters (argon2.profiles.CHEAPEST,
    made for tests) in this process: the recommended 64 MiB and 3 passes cost 0.15 s a sign-in, about 25 s of a
    run's CPU. Tests marked real_password_cost keep the desk's own hasher (tests/test_desk.py checks it)."""
    auth = sys.modules.get("publisher.desk.auth")
    if auth is None or request.node.get_closest_marker("real_password_cost"):
        return
    import argon2
    cheapest = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    monkeypatch.setattr(auth, "_hasher", cheapest)
    monkeypatch.setattr(auth, "_DUMMY", cheapest.hash("not a password"))


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch):
    """Tests set CI themselves where it matters: CI=true makes builds strict by default."""
    for name in ("CI", "CI_NODE_INDEX", "CI_NODE_TOTAL", "JOB_COMPLETION_INDEX", "JOB_COMPLETIONS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _terminal_width(monkeypatch):
    """argparse wraps help to COLUMNS; exact usage lines must not depend on the developer's terminal."""
    monkeypatch.setenv("COLUMNS", "80")  # what a process without a terminal gets
