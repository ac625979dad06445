"""The command line: parse arguments, call the library, print results once."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from . import batch, checks, content, html, pdf, progress, reports
from .errors import PublisherError, UsageError

HERE = Path(__file__).resolve().parent.parent

DESCRIPTION = """\
Build printable patient-information leaflets (PDF) from the YAML files in handouts/.

  python build.py                     build every leaflet into dist/
  python build.py handouts/x.yaml     build only the leaflets named
  python build.py check [PATH ...]    validate without rendering

Exit status: 0 all well, 1 a leaflet failed (the others are still built), 2 usage error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"Error: {message}\nTry 'python build.py --help' for help.", file=sys.stderr)
        sys.exit(2)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                        help="leaflet files (default: every handouts/*.yaml)")
    parser.add_argument("--project", type=Path, default=HERE, metavar="DIR",
                        help="the project folder holding handouts/, templates/ and styles/ (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="build.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(parser)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="write PDFs into DIR (default: dist/ in the project)")
    parser.add_argument("--html", action="store_true",
                        help="also write each leaflet's HTML next to its PDF, for preview in a browser")
    parser.add_argument("-j", "--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
                        help="render on N worker processes (default: the number of CPUs, %(default)s here)")
    parser.add_argument("--force", action="store_true",
                        help="render every leaflet, even those whose inputs have not changed since the last build")
    parser.add_argument("--shard", metavar="K/N", default=None,
                        help="build only the K-th of N stable parts of the catalogue, for a CI matrix "
                             "(default: from CI_NODE_INDEX/CI_NODE_TOTAL when set)")
    parser.add_argument("--report", type=Path, metavar="FILE.json",
                        help="write per-leaflet status, pages, bytes, seconds and errors as JSON")
    parser.add_argument("--junit", type=Path, metavar="FILE.xml",
                        help="write a JUnit XML report, one test case per leaflet")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction,
                        default=os.environ.get("CI", "").lower() == "true",
                        help="treat warnings (from WeasyPrint, or characters the fonts lack) as errors "
                             "(default: on when CI=true)")
    _governance_options(parser)
    parser.add_argument("--paper", choices=html.PAPERS, default=None,
                        help="paper size (default: the brand's, else a4)")
    parser.add_argument("--edition", choices=html.EDITIONS, action="append", default=None,
                        help="build this edition; repeat for both (default: the brand's editions, else standard); "
                             "large print goes to dist/<stem>.large-print.pdf")
    parser.add_argument("--print-marks", action="store_true",
                        help="add 3 mm bleed and crop marks for a print shop")
    parser.add_argument("--pdf-variant", choices=pdf.VARIANTS, default=pdf.DEFAULT_VARIANT,
                        help="PDF flavour: tagged, accessible PDF/UA-1 (default) or PDF/A-3u for archives")
    parser.add_argument("--max-pages", type=_positive, default=pdf.MAX_PAGES, metavar="N",
                        help="fail a leaflet that runs past N pages (default: %(default)s)")
    parser.add_argument("--timeout", type=_positive, default=int(pdf.TIMEOUT), metavar="SECONDS",
                        help="fail a leaflet that takes longer to render (default: %(default)s)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return value


def check_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="build.py check", description="Validate leaflets, people.yaml and brand.yaml and run the "
                     "governance rules (review dates, sources, readability, clear print) without rendering; "
                     "report every problem.")
    _common(parser)
    _governance_options(parser)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--summary", action="store_true",
                        help="also print a table of the catalogue: reference, title, pages, reading ease, "
                             "reading age, next review, findings")
    return parser


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date - use YYYY-MM-DD")


def _governance_options(parser) -> None:
    parser.add_argument("--today", type=_date, default=datetime.date.today(), metavar="YYYY-MM-DD",
                        help="the date review rules are checked against (default: today), for reproducible checks")
    parser.add_argument("--allow-expired", action="store_true",
                        help="build leaflets past their review date anyway, marked 'review overdue'")


def _leaflet_paths(project: content.Project, paths: list[Path]) -> list[Path] | None:
    if not paths:
        return None
    found = []
    for path in paths:
        if not project.contains(path):
            raise UsageError(f"Error: '{path}' is outside the project folder {project.root} - leaflets must live in the project")
        if path.is_dir():
            found += sorted(path.glob("*.yaml"))
        elif not path.exists():
            raise UsageError(f"Error: '{path}' does not exist")
        elif path.suffix != ".yaml":
            raise UsageError(f"Error: '{path}' is not a leaflet - leaflet files end in .yaml")
        else:
            found.append(path)
    stems = {}
    for path in found:
        if path.stem in stems and stems[path.stem] != path.resolve():
            raise UsageError(f"Error: '{path}' and '{stems[path.stem]}' would both build {path.stem}.pdf - rename one")
        stems[path.stem] = path.resolve()
    return list(dict.fromkeys(p.resolve() for p in found))


def run_check(args) -> int:
    project = content.Project(args.project)
    catalogue = content.load_catalogue(project, _leaflet_paths(project, args.paths))
    report = checks.run(catalogue, args.today, strict=args.strict, allow_expired=args.allow_expired)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for line in report.lines():
            print(line, file=sys.stderr if report.errors else sys.stdout)
        if args.summary:
            print(report.table())
        print(report.closing(), file=sys.stderr if report.errors else sys.stdout)
    return 1 if report.errors else 0


def _shard(args):
    if args.shard is not None:
        return batch.parse_shard(args.shard)
    index, total = os.environ.get("CI_NODE_INDEX"), os.environ.get("CI_NODE_TOTAL")
    if index and total:
        return batch.parse_shard(f"{index}/{total}")
    return None


def run_build(args) -> int:
    project = content.Project(args.project)
    paths = _leaflet_paths(project, args.paths)
    options = batch.Options(out=args.out or project.root / "dist", jobs=args.jobs, force=args.force,
                            write_html=args.html, strict=args.strict, shard=_shard(args),
                            max_pages=args.max_pages, timeout=args.timeout, paper=args.paper,
                            editions=tuple(dict.fromkeys(args.edition)) if args.edition else None,
                            marks=args.print_marks, variant=args.pdf_variant, today=args.today,
                            allow_expired=args.allow_expired)
    if args.quiet or not sys.stdout.isatty():
        display = progress.Plain(project.relative, quiet=args.quiet)
    else:
        display = progress.Bar(project.relative)
    report = batch.build(project, options, paths, on_result=display.result, on_start=display.start,
                         on_shared=display.shared)
    display.finish(report)
    if args.report:
        reports.write_json(report, project.root, args.report)
    if args.junit:
        reports.write_junit(report, args.junit)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        parser, runner, argv = check_parser(), run_check, argv[1:]
    else:
        parser, runner = build_parser(), run_build
    args = parser.parse_args(argv)
    try:
        return runner(args)
    except KeyboardInterrupt:
        print("Interrupted: finished PDFs are kept and recorded; unfinished ones keep their previous version.",
              file=sys.stderr)
        return 130
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        exc.show()
        return exc.exit_code
    except PublisherError as exc:
        exc.show()
        return exc.exit_code
