"""`build`, `publish` and `serve`: build the catalogue (drafts or published), or preview it live."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from publisher.build import settings
from publisher.cli import options as arguments
from publisher.core import editions
from publisher.outputs import base as outputs
from publisher.outputs.pdf import engine as pdf
from publisher.source import content


def options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    publishing = name == "publish"
    parser = commands.add_parser(name, help=summary, description=(
        "Publish every leaflet (or the ones named): build into dist/, refuse a changed leaflet whose version (or "
        "translation_revision) was not bumped, and keep every file in the archive." if publishing else
        "Build drafts of every leaflet (or the ones named) into drafts/, rendering only what changed since the last "
        "build; drafts may change freely, and `publish` makes the files patients get."))
    arguments.command_project(parser, shown)
    arguments.paths_argument(parser)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"write into DIR (default: {settings.OUT if publishing else settings.DRAFTS}/ in the "
                             "project)")
    parser.add_argument("--format", type=arguments.formats, default=None, metavar="NAMES",
                        help="the formats to make, comma-separated (default: the brand's formats, else pdf): "
                             + "; ".join(f"{o.name}: {o.summary}" for o in outputs.REGISTRY.values()))
    parser.add_argument("--html", action="store_true",
                        help="also write each edition's print layout as HTML (<stem>.preview.html), "
                             "for preview in a browser")
    parser.add_argument("-j", "--jobs", type=arguments.positive, default=os.cpu_count() or 1, metavar="N",
                        help="render on N worker processes (default: the number of CPUs, %(default)s here)")
    parser.add_argument("--force", action="store_true",
                        help="render every leaflet, even those whose inputs have not changed since the last build")
    parser.add_argument("--shard", metavar="K/N", default=None,
                        help="build only the K-th of N stable parts of the catalogue, for a CI matrix "
                             "(default: from CI_NODE_INDEX/CI_NODE_TOTAL, or a Kubernetes Indexed Job's "
                             "JOB_COMPLETION_INDEX with JOB_COMPLETIONS, when set)")
    parser.add_argument("--report", type=Path, metavar="FILE.json",
                        help="write per-leaflet status, pages, bytes, seconds and errors as JSON")
    parser.add_argument("--junit", type=Path, metavar="FILE.xml",
                        help="write a JUnit XML report, one test case per leaflet")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                        help="treat warnings (from WeasyPrint or the governance rules) as errors "
                             "(default: on when CI=true)")
    arguments.governance_options(parser)
    parser.add_argument("--paper", choices=tuple(editions.PAPERS), default=None,
                        help="paper size (default: the brand's, else a4)")
    parser.add_argument("--edition", choices=tuple(editions.EDITIONS), action="append", default=None,
                        help="build this edition; repeat for both (default: the brand's editions, else standard); "
                             "large print goes to dist/<stem>.large-print.pdf")
    parser.add_argument("--print-marks", action="store_true",
                        help="add 3 mm bleed and crop marks for a print shop")
    parser.add_argument("--booklet", action="store_true",
                        help="also make each leaflet an A5 booklet on A4 sheets (<stem>.booklet.pdf) and single A5 "
                             "pages with bleed and crop marks for a print shop (<stem>.print.pdf); "
                             "default: brand.yaml's booklet")
    parser.add_argument("--pdf-variant", choices=pdf.VARIANTS, default=pdf.DEFAULT_VARIANT,
                        help="PDF flavour: tagged, accessible PDF/UA-1 (default) or PDF/A-3u for archives")
    parser.add_argument("--max-pages", type=arguments.positive, default=pdf.MAX_PAGES, metavar="N",
                        help="fail a leaflet that runs past N pages (default: %(default)s)")
    parser.add_argument("--timeout", type=arguments.positive, default=int(pdf.TIMEOUT), metavar="SECONDS",
                        help="fail an output whose leaflet takes longer to load, check and make (default: %(default)s)")
    parser.add_argument("--lock-timeout", type=arguments.seconds, default=settings.LOCK_TIMEOUT, metavar="SECONDS",
                        help="when another build is writing into the same output folder, wait this long for it, "
                             "then give up (default: %(default)g)")
    return parser


def choices(args) -> dict:
    """The build's command-line choices, by settings.Build field (None: not given)."""
    return {"out": args.out, "jobs": args.jobs, "force": args.force, "publish": args.command == "publish",
            "formats": args.format,
            "add_formats": (("preview",) if args.html else ()) + (settings.BOOKLET if args.booklet else ()),
            "strict": args.strict, "shard": args.shard, "max_pages": args.max_pages, "timeout": args.timeout,
            "paper": args.paper, "editions": tuple(dict.fromkeys(args.edition)) if args.edition else None,
            "marks": args.print_marks, "variant": args.pdf_variant, "today": args.today,
            "allow_expired": args.allow_expired, "lock_timeout": args.lock_timeout}


def run(args) -> int:
    """Build drafts, or publish."""
    from publisher.build import batch, progress, reports  # imported when a build runs: `check` and `--help` do not
    project = content.Project(args.project)
    paths = arguments.leaflet_paths(project, args.paths)
    build = settings.load(project, args.command, choices(args)).build
    if args.quiet or not sys.stdout.isatty():
        display = progress.Plain(project.relative, quiet=args.quiet)
    else:
        display = progress.Bar(project.relative)
    report = batch.build(project, build, paths, on_result=display.result, on_start=display.start,
                         on_shared=display.shared, on_wait=lambda holder: arguments.waiting(build, holder))
    display.finish(report)
    if args.report:
        reports.write_json(report, project.root, args.report)
    if args.junit:
        reports.write_junit(report, args.junit)
    return 0 if report.ok else 1


def serve_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Build every leaflet, then serve the output folder "
                                 "with a live preview: every open page reloads after each save, and problems show on "
                                 "the page. Press Ctrl-C to stop.")
    arguments.command_project(parser, shown)
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s, this "
                                                          "computer only)")
    parser.add_argument("--port", type=arguments.port, default=8000, help="the port to listen on (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the output folder to build into and serve (default: dist/ in the project)")
    parser.add_argument("-j", "--jobs", type=arguments.positive, default=os.cpu_count() or 1, metavar="N",
                        help="render on N worker processes (default: the number of CPUs, %(default)s here)")
    parser.add_argument("--today", type=arguments.date, default=None, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    return parser


def serve(args) -> int:
    """Preview in a browser, rebuilt on every save."""
    from publisher.site import preview
    project = content.Project(args.project)
    out = settings.output_folder(project, "serve", args.out)
    # args.today stays None unless given: the preview reads the clock at each build.
    preview.run(project, args.host, args.port, out, args.jobs, args.today, say=lambda text: print(text, flush=True))
    return 0
