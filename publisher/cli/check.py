"""`check`: validate leaflets and apply the governance rules without rendering; text, JSON or GitHub annotations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from publisher.build import checks, github, settings
from publisher.cli import options as arguments
from publisher.source import content


def options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Validate leaflets, people.yaml and brand.yaml and "
                                 "run the governance rules (review dates, sources, readability, clear print) "
                                 "without rendering; report every problem.")
    arguments.command_project(parser, shown)
    arguments.paths_argument(parser)
    arguments.governance_options(parser)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the build's output folder, for page counts in --summary (default: dist/)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="output format: text (default), json, or github (GitHub Actions workflow commands, "
                             "shown as annotations on a pull request)")
    parser.add_argument("--summary", action="store_true",
                        help="also print a table of the catalogue: reference, title, pages, reading ease, "
                             "reading age, next review, findings")
    return parser


def run(args) -> int:
    """Validate and govern, render nothing."""
    project = content.Project(args.project)
    catalogue = content.load_catalogue(project, arguments.leaflet_paths(project, args.paths))
    report = checks.run(catalogue, args.today, strict=args.strict, allow_expired=args.allow_expired,
                        out=settings.output_folder(project, "check", args.out))
    stream = sys.stderr if report.errors else sys.stdout
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2))
    elif args.format == "github":
        # The runner reads workflow commands from stdout only.
        for line in github.workflow_commands(report):
            print(line)
        if not args.quiet or report.errors:
            print(report.closing(), file=stream)
    else:
        for line in _quiet_lines(report) if args.quiet else report.lines():
            print(line, file=stream)
        if args.summary:
            print(report.table())
        if not args.quiet or report.errors:
            print(report.closing(), file=stream)
    return 1 if report.errors else 0


def _quiet_lines(report: checks.CheckReport) -> list[str]:
    """The report's lines less waived findings and notes (info), which are not problems."""
    lines = list(report.shared)
    for entry in report.entries:
        kept = [item for item in entry.located if getattr(item, "level", "error") not in ("waived", "info")]
        lines += [str(item) for item in kept] if entry.located else entry.lines
    return lines
