"""`build.py new <stem>`: start a leaflet from the commented example, with today's dates and the next reference,
and the project's brand.yaml and people.yaml when it has none yet."""

from __future__ import annotations

import argparse
import collections
import datetime
import re
from pathlib import Path

from publisher.build import settings
from publisher.cli import options as arguments
from publisher.core import editions
from publisher.core.errors import PublisherError, UsageError
from publisher.govern.rules import MAX_REVIEW_YEARS
from publisher.outputs import naming as names
from publisher.source import content
from publisher.source.project import DEFAULTS

EXAMPLE = Path("docs") / "example-leaflet.yaml"  # in the project; the tool's own copy when the project has none
_TOOL_EXAMPLE = DEFAULTS / EXAMPLE
# What a project needs besides its leaflets, each started (never overwritten) from a commented file of the tool's.
_STARTER = Path(__file__).resolve().parent / "starter"
STARTED = {"brand.yaml": "put your organisation's name, logo, colours and contact details in it",
           "people.yaml": "list the people who write and review your leaflets",
           "handouts/logo.svg": "replace it with your organisation's logo"}
_REFERENCE = re.compile(r"""^reference:[ \t]*["']?([A-Za-z0-9._-]+)["']?[ \t]*(?:#.*)?$""", re.MULTILINE)
_NUMBERED = re.compile(r"(.*?)(\d+)\Z")


class Exists(PublisherError):
    """The leaflet to start is already there: never overwritten."""


def example_text(project: content.Project) -> str:
    """The commented example leaflet: the project's own, else the one shipped with the tool."""
    for path in (project.root / EXAMPLE, _TOOL_EXAMPLE):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise PublisherError(f"Error: the example leaflet {EXAMPLE} is missing - restore it from the tool's repository")


def start_project(project: content.Project) -> list[Path]:
    """Write brand.yaml and people.yaml (and the logo brand.yaml names) where the project has none: what was written."""
    written = []
    for name in STARTED:
        target = project.root / name
        if name == "handouts/logo.svg" and project.brand_file not in written:
            continue  # the logo is the started brand.yaml's: a project's own brand names its own
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "x", encoding="utf-8", newline="\n") as handle:
                handle.write((_STARTER / Path(name).name).read_text(encoding="utf-8"))
        except FileExistsError:
            continue
        written.append(target)
    return written


def next_reference(project: content.Project, example: str) -> str:
    """One more than the highest reference of the most used prefix in handouts/ (the example's prefix if none)."""
    found = []
    for path in project.leaflet_files():
        try:
            match = _REFERENCE.search(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        numbered = _NUMBERED.match(match.group(1)) if match else None
        if numbered:
            found.append((numbered.group(1), numbered.group(2)))
    if not found:
        reference = _REFERENCE.search(example)
        numbered = _NUMBERED.match(reference.group(1)) if reference else None
        prefix, digits = (numbered.group(1), "0" * len(numbered.group(2))) if numbered else ("REF-", "0000")
        return f"{prefix}{1:0{len(digits)}d}"
    prefix = collections.Counter(p for p, _ in found).most_common(1)[0][0]
    numbers = [d for p, d in found if p == prefix]
    width = max(len(d) for d in numbers)
    return f"{prefix}{max(int(d) for d in numbers) + 1:0{width}d}"


def _title(stem: str) -> str:
    words = re.sub(r"[-_.]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def _review_date(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year + MAX_REVIEW_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_REVIEW_YEARS, day=28)


def check_stem(project: content.Project, stem: str) -> None:
    """Refuse a name that cannot name a leaflet's files, with the reason, as the build would."""
    problem = names.stem_problem(stem)
    if problem and problem.startswith("use "):
        raise UsageError(f"Error: '{stem}' cannot name a leaflet - {problem}, starting with a letter or digit")
    if problem:
        raise UsageError(f"Error: '{stem}' cannot name a leaflet: {problem} - choose another name")


def _free_target(project: content.Project, stem: str) -> Path:
    """handouts/<stem>.yaml, refused when the name cannot name a leaflet or the file is there."""
    check_stem(project, stem)
    target = project.handouts / f"{stem}.yaml"
    if target.exists() or target.is_symlink():
        raise Exists(f"Error: {project.relative(target)} already exists - choose another name, or edit that file")
    return target


def start(project: content.Project, stem: str, today: datetime.date, easy_read: bool = False, quiet: bool = False,
          command: str = "python build.py") -> int:
    """`new`: start the leaflet (or its Easy Read), and the project's brand and people files if it has none.

    `command` is how the tool was started, for the check to run next (`leaflets` when installed).
    """
    if easy_read:
        path = create_easy_read(project, stem)
        if not quiet:
            print(f"created {project.relative(path)} for handouts/{stem}.yaml - write its rows, then check it: "
                  f"{command} check {project.relative(path)}")
        return 0
    _free_target(project, stem)  # before starting anything else
    started = start_project(project)
    path, reference = create(project, stem, today)
    if quiet:
        return 0
    for written in started:
        print(f"created {project.relative(written)} - {STARTED[project.relative(written)]}")
    if started and project.defaults_used():
        shown = ", ".join(f"{folder}/" for folder in project.defaults_used())
        print(f"the tool's own {shown} serve this project, which has none - to change them, copy them from "
              f"{DEFAULTS} into it")
    print(f"created {project.relative(path)} ({reference}) from the example - replace its words, then check it: "
          f"{command} check {project.relative(path)}")
    return 0


def create(project: content.Project, stem: str, today: datetime.date) -> tuple[Path, str]:
    """Write handouts/<stem>.yaml from the example: (its path, its reference). Never overwrites."""
    target = _free_target(project, stem)
    example = example_text(project)
    reference = next_reference(project, example)
    brand, _ = content.load_brand(project)
    chosen = [e for e in settings.brand_editions(brand) if e in editions.EDITIONS]
    text = example
    replacements = [
        (r"^title: .*$", f"title: {_title(stem)}"),
        (r"^reference: .*$", f"reference: {reference}"),
        (r"^(\s+published:\s*)\d{4}-\d{2}-\d{2}", rf"\g<1>{today}"),
        (r"^(\s+last_reviewed:\s*)\d{4}-\d{2}-\d{2}", rf"\g<1>{today}"),
        (r"^(\s+next_review:\s*)\d{4}-\d{2}-\d{2}", rf"\g<1>{_review_date(today)}"),
    ]
    # Page limits for the brand's editions only: a limit for an edition never built would only confuse.
    limits = {"standard": 4, "large-print": 8}
    replacements.append((r"^max_pages: .*$", "max_pages: {" + ", ".join(f"{e}: {limits.get(e, 8)}" for e in chosen)
                         + "}"))
    # The example credits people of the shipped people.yaml; another project's people stand in for them.
    people, _ = content.load_people(project)
    ids = sorted(people or {})
    for role, pick in (("authors", 0), ("reviewers", 1)):
        named = re.search(rf"^  {role}: \[([^\]]*)\]", text, re.MULTILINE)
        if ids and named and any(i.strip() not in ids for i in named.group(1).split(",")):
            replacements.append((rf"^  {role}: \[[^\]]*\]", f"  {role}: [{ids[min(pick, len(ids) - 1)]}]"))
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert count == 1, pattern  # the shipped example has every one of these lines
    project.handouts.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:  # "x": never over a file made meanwhile
            handle.write(text)
    except FileExistsError:
        raise Exists(f"Error: {project.relative(target)} already exists - choose another name, or edit that file") \
            from None
    return target, reference


def create_easy_read(project: content.Project, stem: str) -> Path:
    """Write handouts/<stem>.easy-read.yaml for the leaflet <stem>, a section heading each to write under."""
    from publisher.source import easyread
    source = project.handouts / f"{stem}.yaml"
    target = project.handouts / f"{stem}.{easyread.PART}.yaml"
    if target.exists() or target.is_symlink():
        raise Exists(f"Error: {project.relative(target)} already exists - edit that file")
    people, _ = content.load_people(project)
    leaflet, problems = content.load_leaflet(project, source, people) if source.is_file() else (None, [])
    if not source.is_file() or "." in stem:
        known = ", ".join(sorted(p.stem for p in project.leaflet_files() if "." not in p.stem))
        raise UsageError(f"Error: no leaflet '{stem}' in {project.relative(project.handouts)} - name one of {known}")
    if leaflet is None or people is None:
        raise UsageError(f"Error: {project.relative(source)} has errors - fix them first (python build.py check "
                         f"{project.relative(source)})")
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(easyread.starter(leaflet, people))
    except FileExistsError:
        raise Exists(f"Error: {project.relative(target)} already exists - edit that file") from None
    return target


def options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Start handouts/STEM.yaml from the commented example "
                                 "leaflet (docs/example-leaflet.yaml), with today's dates, the next free reference "
                                 "number and the brand's editions. An existing file is never overwritten.")
    parser.add_argument("stem", metavar="STEM", help="the new leaflet's file name without .yaml, e.g. sprains")
    parser.add_argument("--easy-read", action="store_true", help="start STEM's Easy Read version instead: "
                        "handouts/STEM.easy-read.yaml, a heading for each of its sections (docs/easy-read.md)")
    arguments.command_project(parser, shown)
    parser.add_argument("--today", type=arguments.date, default=None, metavar="YYYY-MM-DD",
                        help=argparse.SUPPRESS)
    return parser


def run(args) -> int:
    """Start a leaflet (or its Easy Read version) from the commented example."""
    return start(content.Project(args.project), args.stem, args.today, args.easy_read, args.quiet, args.hint)
