"""`site` and `archive`: write the catalogue site of an output folder; verify the archive of published versions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from publisher.build import settings
from publisher.cli import options as arguments
from publisher.core.errors import UsageError
from publisher.source import content


def options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Write the catalogue site (index.html, filter "
                                 "pages, thumbnails) for what the output folder's manifest lists; with --merge, first "
                                 "copy in the outputs of other output folders, e.g. the shards of a CI build.")
    arguments.command_project(parser, shown)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the output folder (default: dist/ in the project)")
    parser.add_argument("--merge", type=Path, nargs="+", default=[], metavar="DIR",
                        help="output folders whose files and manifests are merged into --out first")
    arguments.governance_options(parser)
    return parser


def run(args) -> int:
    """Write the catalogue site of an output folder, after merging others into it."""
    from publisher.build import manifest
    from publisher.site import catalogue as site
    project = content.Project(args.project)
    out = settings.output_folder(project, "site", args.out)
    for folder in args.merge:
        if not folder.is_dir():
            raise UsageError(f"Error: --merge '{folder}' is not a folder - give the output folders to merge")
    out.mkdir(parents=True, exist_ok=True)
    with manifest.locked(out, settings.LOCK_TIMEOUT):
        copied = site.merge(args.merge, out) if args.merge else 0
        brand, _ = content.load_brand(project)
        found = site.write(project, out, brand, args.today)
    if not args.quiet:
        print(f"wrote {project.relative(out / site.INDEX)}: {len(found)} leaflet{'s' if len(found) != 1 else ''}"
              + (f" ({copied} files merged)" if args.merge else ""))
    return 0


def archive_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="verify: check that every file kept in the archive "
                                 "still has the bytes (SHA-256) its version's index.json records, and that every "
                                 "index is sound.")
    arguments.command_project(parser, shown)
    parser.add_argument("action", choices=("verify",), help="what to do (verify)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the published folder whose archive to verify (default: dist/, whose archive is "
                             "archive/)")
    return parser


def archive(args) -> int:
    """Verify every archived file against its recorded SHA-256."""
    from publisher.build import archive as archived
    project = content.Project(args.project)
    root = archived.folder(project, settings.output_folder(project, "site", args.out))
    problems = archived.verify(root)
    for line in problems:
        print(f"{line}", file=sys.stderr)
    kept = len(list(root.glob(f"*/*/{archived.INDEX}")))
    print(f"{project.relative(root)}: {kept} version{'s' if kept != 1 else ''} checked, "
          f"{len(problems) or 'no'} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0
