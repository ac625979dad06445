"""What the commands share: argument types, common options, and leaflet paths checked against the project."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from publisher import __version__
from publisher.build import settings
from publisher.core import clock
from publisher.core.errors import UsageError
from publisher.outputs import base as outputs
from publisher.source import content


def project_option(parser: argparse.ArgumentParser, default, shown: str) -> None:
    parser.add_argument("--project", type=Path, default=default, metavar="DIR",
                        help=f"the project folder holding handouts/, templates/ and styles/ (default: {shown})")


def command_project(parser: argparse.ArgumentParser, shown: str) -> None:
    # SUPPRESS: a command's own default would overwrite a --project given before the command.
    project_option(parser, argparse.SUPPRESS, shown)


def late_global_options(parser: argparse.ArgumentParser) -> None:
    """-q and --version on a command, after its own options, so its usage line starts with what matters."""
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only problems")
    parser.add_argument("--version", action="version", version=f"leaflets {__version__}",
                        help="print the version and exit")


def paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                        help="leaflet files (default: every handouts/*.yaml)")


def _number(text: str, convert, fits, problem: str):
    """`text` as a number that `fits`, or argparse's error saying `problem` about it."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not fits(value):
        raise argparse.ArgumentTypeError(f"'{text}' {problem}")
    return value


def seconds(text: str) -> float:
    return _number(text, float, lambda v: 0 <= v < float("inf"), "is not a number of seconds - use 0 or more, e.g. 60")


def positive(text: str) -> int:
    return _number(text, int, lambda v: v >= 1, "is not a whole number of 1 or more")


def formats(text: str) -> tuple:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in outputs.REGISTRY]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"'{unknown[0] if unknown else text}' is not a format - choose from "
                                         + ", ".join(outputs.REGISTRY))
    return names


def megabytes(text: str) -> float:
    return _number(text, float, lambda v: v > 0, "is not a size in MB - use a number above 0, e.g. 10")


def date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date - use YYYY-MM-DD")


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port - use a number from 1 to 65535, e.g. 8000")
    return int(text)


def governance_options(parser) -> None:
    parser.add_argument("--today", type=date, default=None, metavar="YYYY-MM-DD",
                        help=f"the date review rules are checked against (default: {clock.ENV} if set, else today), "
                             "for reproducible checks")
    parser.add_argument("--allow-expired", action="store_true",
                        help="build leaflets past their review date anyway, marked 'review overdue'")


def leaflet_paths(project: content.Project, paths: list[Path]) -> list[Path] | None:
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
    stems: dict[str, Path] = {}
    for path in found:
        if path.stem in stems and stems[path.stem] != path.resolve():
            raise UsageError(f"Error: '{path}' and '{stems[path.stem]}' would both build {path.stem}.pdf - rename one")
        stems[path.stem] = path.resolve()
    return list(dict.fromkeys(p.resolve() for p in found))


def waiting(options: settings.Build, holder: str) -> None:
    """Say who holds the output folder while this build waits for it."""
    print(f"Waiting for {options.out}: {holder} is building into it (giving up after {options.lock_timeout:g} s, "
          "--lock-timeout)", file=sys.stderr, flush=True)
