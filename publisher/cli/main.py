"""The command line: parse arguments, call the library, print results once."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import signal
import sys
import threading
from pathlib import Path

from publisher import __version__
from publisher.build import batch, checks, github, progress, reports, settings
from publisher.core import clock, editions
from publisher.core.errors import PublisherError, UsageError
from publisher.mail import send as mail
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.outputs.pdf import engine as pdf
from publisher.source import content

COMMANDS = ("build", "publish", "check", "email", "desk", "serve", "new", "site", "archive")

DESCRIPTION = """\
Build printable patient-information leaflets (PDF) from the YAML files in handouts/.

  python build.py                     build drafts of every leaflet into drafts/ (edit and rebuild freely)
  python build.py handouts/x.yaml     build drafts of only the leaflets named
  python build.py publish [PATH ...]  publish into dist/ and the archive (the version rules apply)
  python build.py check [PATH ...]    validate without rendering
  python build.py email LEAFLET --to ADDRESS    send a leaflet's PDF by email
  python build.py desk                the clinic desk: print and email leaflets from a browser
  python build.py serve               preview in a browser, rebuilt on every save
  python build.py new STEM            start handouts/STEM.yaml from the commented example
  python build.py site --merge DIR ...          merge CI shards' outputs and write the catalogue site
  python build.py archive verify      check every archived file against the SHA-256 its index records

With no command, build.py builds: `python build.py build --help` lists every build option.
Global options (--project, -q) may come before or after the command.

Exit status: 0 all well, 1 a leaflet failed (the others are still built), 2 usage error."""


class _Parser(argparse.ArgumentParser):
    hint = "python build.py"  # how the user ran us, for "Try '... --help'"
    commands: dict[str, argparse.ArgumentParser]

    def error(self, message):
        self.print_usage(sys.stderr)
        # An email address typed in the wrong place must not end up in a log.
        print(f"Error: {mail.ADDRESS.sub('<address>', message)}\nTry '{self.hint} --help' for help.",
              file=sys.stderr)
        sys.exit(2)


def _project_option(parser: argparse.ArgumentParser, default, shown: str) -> None:
    parser.add_argument("--project", type=Path, default=default, metavar="DIR",
                        help=f"the project folder holding handouts/, templates/ and styles/ (default: {shown})")


def _global_options(parser: argparse.ArgumentParser, project: Path | None, shown: str) -> None:
    """--version, --project and -q on the main parser; each command repeats them (see _command_options)."""
    parser.add_argument("--version", action="version", version=f"leaflets {__version__}",
                        help="print the version and exit")
    _project_option(parser, project, shown)
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def _command_project(parser: argparse.ArgumentParser, shown: str) -> None:
    # SUPPRESS: a command's own default would overwrite a --project given before the command.
    _project_option(parser, argparse.SUPPRESS, shown)


def _late_global_options(parser: argparse.ArgumentParser) -> None:
    """-q and --version on a command, after its own options, so its usage line starts with what matters."""
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only problems")
    parser.add_argument("--version", action="version", version=f"leaflets {__version__}",
                        help="print the version and exit")


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                        help="leaflet files (default: every handouts/*.yaml)")


def build_parser(prog: str = "build.py", project: Path | None = None) -> _Parser:
    """The whole command line: global options, then `build` (the default), `check` or `email`."""
    parser = _Parser(prog=prog, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.hint = _hint(prog)
    shown = "the current folder" if project is None else str(project)
    _global_options(parser, project, shown)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands_by_name: dict[str, argparse.ArgumentParser] = {}
    for name, adder, summary in (("build", _build_options, "build drafts into drafts/ (the default)"),
                                 ("publish", _build_options, "publish into dist/ and the archive"),
                                 ("check", _check_options, "validate and apply the governance rules, render nothing"),
                                 ("email", _email_options, "email a leaflet's PDF"),
                                 ("desk", _desk_options, "run the clinic desk (or: add-user, verify-log, export, sent-to)"),
                                 ("serve", _serve_options, "preview in a browser, rebuilt on every save"),
                                 ("new", _new_options, "start a leaflet from the commented example"),
                                 ("site", _site_options, "write the catalogue site (index.html) of an output folder"),
                                 ("archive", _archive_options, "verify the archive of published versions")):
        command = adder(commands, name, summary, shown)
        command.hint = parser.hint  # type: ignore[attr-defined]  # a _Parser: add_subparsers makes its own kind
        _late_global_options(command)
        command.set_defaults(run={"build": run_build, "publish": run_build, "check": run_check, "email": run_email,
                                  "desk": run_desk, "serve": run_serve, "new": run_new, "site": run_site,
                                  "archive": run_archive}[name])
        commands_by_name[name] = command
    parser.commands = commands_by_name
    return parser


def _hint(prog: str) -> str:
    return "python build.py" if prog == "build.py" else prog


def _build_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    publishing = name == "publish"
    parser = commands.add_parser(name, help=summary, description=(
        "Publish every leaflet (or the ones named): build into dist/, refuse a changed leaflet whose version (or "
        "translation_revision) was not bumped, and keep every file in the archive." if publishing else
        "Build drafts of every leaflet (or the ones named) into drafts/, rendering only what changed since the last "
        "build; drafts may change freely, and `publish` makes the files patients get."))
    _command_project(parser, shown)
    _paths(parser)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"write into DIR (default: {settings.OUT if publishing else settings.DRAFTS}/ in the "
                             "project)")
    parser.add_argument("--format", type=_formats, default=None, metavar="NAMES",
                        help="the formats to make, comma-separated (default: the brand's formats, else pdf): "
                             + "; ".join(f"{o.name}: {o.summary}" for o in outputs.REGISTRY.values()))
    parser.add_argument("--html", action="store_true",
                        help="also write each edition's print layout as HTML (<stem>.preview.html), "
                             "for preview in a browser")
    parser.add_argument("-j", "--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
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
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction,
                        default=os.environ.get("CI", "").lower() == "true",
                        help="treat warnings (from WeasyPrint or the governance rules) as errors "
                             "(default: on when CI=true)")
    _governance_options(parser)
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
    parser.add_argument("--max-pages", type=_positive, default=pdf.MAX_PAGES, metavar="N",
                        help="fail a leaflet that runs past N pages (default: %(default)s)")
    parser.add_argument("--timeout", type=_positive, default=int(pdf.TIMEOUT), metavar="SECONDS",
                        help="fail an output whose leaflet takes longer to load, check and make (default: %(default)s)")
    parser.add_argument("--lock-timeout", type=_seconds, default=batch.LOCK_TIMEOUT, metavar="SECONDS",
                        help="when another build is writing into the same output folder, wait this long for it, "
                             "then give up (default: %(default)g)")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds - use 0 or more, e.g. 60")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return value


def _formats(text: str) -> tuple:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in outputs.REGISTRY]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"'{unknown[0] if unknown else text}' is not a format - choose from "
                                         + ", ".join(outputs.REGISTRY))
    return names


def _check_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Validate leaflets, people.yaml and brand.yaml and "
                                 "run the governance rules (review dates, sources, readability, clear print) "
                                 "without rendering; report every problem.")
    _command_project(parser, shown)
    _paths(parser)
    _governance_options(parser)
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


def _email_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="Email a leaflet's PDF (or its braille or audio, --format), one message "
                                 "per recipient, building it first if it is missing or out of date.\n\nSMTP settings "
                                 "come from SMTP_HOST, SMTP_PORT, "
                                 "SMTP_SECURITY (starttls, tls, none), SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM (and "
                                 "SMTP_TIMEOUT, SMTP_CA_FILE),\nor from an [smtp] section in smtp.ini in the project "
                                 "(never committed). Passwords are never taken from the command line.")
    parser.add_argument("leaflet", metavar="LEAFLET", help="a leaflet file, or its stem (e.g. looking-after-your-back)")
    parser.add_argument("--to", action="append", required=True, metavar="ADDRESS",
                        help="a recipient; repeat for more (each gets a separate message)")
    _command_project(parser, shown)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the build's output folder, where the PDF is made if missing (default: dist/)")
    parser.add_argument("--edition", choices=tuple(editions.EDITIONS), default="standard",
                        help="attach this edition (default: standard)")
    parser.add_argument("--language", metavar="TAG", default=None,
                        help="attach the leaflet's translation into this language (BCP 47, e.g. cy), "
                             "handouts/<stem>.<TAG>.yaml (default: the leaflet itself)")
    parser.add_argument("--format", choices=tuple(o.name for o in outputs.REGISTRY.values() if o.name != "preview"),
                        default="pdf", help="attach this format, e.g. brf for braille or mp3 for audio (default: pdf)")
    parser.add_argument("--dry-run", type=Path, metavar="DIR", help="write one .eml file per recipient to DIR "
                                                                     "instead of sending")
    parser.add_argument("--secure-subject", action="store_true",
                        help=f"start the subject with {mail.SECURE_MARKER}, for encrypting gateways such as NHSmail")
    parser.add_argument("--max-size", type=_megabytes, default=mail.DEFAULT_MAX_MB, metavar="MB",
                        help="refuse to attach a PDF larger than this (default: %(default)s MB)")
    parser.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                        help=argparse.SUPPRESS)
    return parser


def _translation_path(project: content.Project, source: Path, language: str) -> Path:
    """The file of `source`'s translation into `language` (named <stem>.<language>.yaml), or a usage error."""
    path = source.with_name(f"{source.stem}.{language}.yaml")
    if not path.exists():
        known = sorted(p.stem[len(source.stem) + 1:] for p in source.parent.glob(f"{source.stem}.*.yaml")
                       if "." not in p.stem[len(source.stem) + 1:])
        have = f"it has: {', '.join(known)}" if known else "it has none"
        raise UsageError(f"Error: {project.relative(source)} has no translation into '{language}' "
                         f"({project.relative(path)} does not exist) - {have}")
    return path


def _desk_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="The clinic desk: staff sign in, find a leaflet in the built output "
                                 "folder, print it or email it; every print and send is recorded.\n\nSecrets come "
                                 "from DESK_SECRET_KEY (session cookies) and DESK_AUDIT_KEY (the audit chain and "
                                 "recipients' hashes);\nDESK_DATABASE_URL, DESK_TRUSTED_PROXIES, DESK_USER_HEADER "
                                 "and DESK_SEND_LIMIT are optional; SMTP_* as for `email`.\nSee docs/desk-deployment.md.")
    _command_project(parser, shown)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the built output folder the desk offers (default: dist/)")
    parser.add_argument("--database", metavar="URL", default=None,
                        help="the audit and accounts database (default: DESK_DATABASE_URL, else "
                             "sqlite:///desk.sqlite3 in the project); e.g. postgresql+psycopg://user@host/desk")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_positive, default=8017, help="the port (default: %(default)s)")
    sub = parser.add_subparsers(dest="desk_command", metavar="ACTION", title="actions (default: serve the desk)")
    add = sub.add_parser("add-user", help="add a user, or set a new password (asked for, never on the command line)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=("clinician", "administrator"), default=None,
                     help="a clinician prints and sends; an administrator also adds and disables users, exports and "
                          "verifies the log (default: clinician for a new user, unchanged for an existing one)")
    disable = sub.add_parser("disable-user", help="refuse every sign-in of a user and end their sessions")
    disable.add_argument("name", metavar="NAME")
    verify = sub.add_parser("verify-log", help="check that no audit entry was edited or deleted")
    verify.add_argument("--anchor", nargs="?", const="", default=None, metavar="VALUE",
                        help="alone: print a value to keep elsewhere; with VALUE: check that the log still holds it")
    export = sub.add_parser("export", help="write the audit entries of a date range as CSV")
    export.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD",
                        help="the first day")
    export.add_argument("--to", dest="end", type=_date, required=True, metavar="YYYY-MM-DD", help="the last day")
    export.add_argument("--output", type=Path, default=None, metavar="FILE.csv",
                        help="write to FILE.csv (default: standard output)")
    sub.add_parser("sent-to", help="which leaflets were emailed to an address (asked for, never on the command "
                                   "line; found by its keyed hash)")
    for action in (add, disable, verify, export, sub.choices["sent-to"]):
        action.set_defaults(quiet=False)
    return parser


def run_desk(args) -> int:
    from publisher.desk import commands
    return commands.run(args)
def _serve_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Build every leaflet, then serve the output folder "
                                 "with a live preview: every open page reloads after each save, and problems show on "
                                 "the page. Press Ctrl-C to stop.")
    _command_project(parser, shown)
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s, this "
                                                          "computer only)")
    parser.add_argument("--port", type=_port, default=8000, help="the port to listen on (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the output folder to build into and serve (default: dist/ in the project)")
    parser.add_argument("-j", "--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
                        help="render on N worker processes (default: the number of CPUs, %(default)s here)")
    parser.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port - use a number from 1 to 65535, e.g. 8000")
    return int(text)


def _new_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Start handouts/STEM.yaml from the commented example "
                                 "leaflet (docs/example-leaflet.yaml), with today's dates, the next free reference "
                                 "number and the brand's editions. An existing file is never overwritten.")
    parser.add_argument("stem", metavar="STEM", help="the new leaflet's file name without .yaml, e.g. sprains")
    parser.add_argument("--easy-read", action="store_true", help="start STEM's Easy Read version instead: "
                        "handouts/STEM.easy-read.yaml, a heading for each of its sections (docs/easy-read.md)")
    _command_project(parser, shown)
    parser.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                        help=argparse.SUPPRESS)
    return parser


def _site_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="Write the catalogue site (index.html, filter "
                                 "pages, thumbnails) for what the output folder's manifest lists; with --merge, first "
                                 "copy in the outputs of other output folders, e.g. the shards of a CI build.")
    _command_project(parser, shown)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the output folder (default: dist/ in the project)")
    parser.add_argument("--merge", type=Path, nargs="+", default=[], metavar="DIR",
                        help="output folders whose files and manifests are merged into --out first")
    _governance_options(parser)
    return parser


def run_serve(args) -> int:
    from publisher.site import preview as serve
    project = content.Project(args.project)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"Error: --out '{args.out}' is a file - give a folder")
    out = _drafts(project, args.out, "build.py publish, after the preview")
    serve.run(project, args.host, args.port, out, args.jobs, args.today, say=lambda text: print(text, flush=True))
    return 0


def _archive_options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description="verify: check that every file kept in the archive "
                                 "still has the bytes (SHA-256) its version's index.json records, and that every "
                                 "index is sound.")
    _command_project(parser, shown)
    parser.add_argument("action", choices=("verify",), help="what to do (verify)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the published folder whose archive to verify (default: dist/, whose archive is "
                             "archive/)")
    return parser


def run_archive(args) -> int:
    from publisher.build import archive
    project = content.Project(args.project)
    root = archive.folder(project, settings.resolve(project, out=args.out).out)
    problems = archive.verify(root)
    for line in problems:
        print(f"{line}", file=sys.stderr)
    kept = len(list(root.glob(f"*/*/{archive.INDEX}")))
    print(f"{project.relative(root)}: {kept} version{'s' if kept != 1 else ''} checked, "
          f"{len(problems) or 'no'} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def _drafts(project: content.Project, out: Path | None, instead: str) -> Path:
    """The folder a draft build writes into: drafts/, or --out unless that is the published folder (dist/)."""
    folder = Path(out) if out is not None else project.root / settings.DRAFTS
    if settings.published(project, folder):
        raise UsageError(f"Error: --out '{out}' holds the published leaflets that patients get - drafts go to "
                         f"{settings.DRAFTS}/ (leave out --out); to publish, run {instead}")
    return folder


def run_new(args) -> int:
    from publisher.cli import new
    return new.run(content.Project(args.project), args.stem, args.today, args.easy_read, args.quiet, _hint(_prog()))


def run_site(args) -> int:
    from publisher.site import catalogue as site
    project = content.Project(args.project)
    out = settings.resolve(project, out=args.out).out
    for folder in args.merge:
        if not folder.is_dir():
            raise UsageError(f"Error: --merge '{folder}' is not a folder - give the output folders to merge")
    out.mkdir(parents=True, exist_ok=True)
    with batch.manifest.locked(out, batch.LOCK_TIMEOUT):
        copied = site.merge(args.merge, out) if args.merge else 0
        brand, _ = content.load_brand(project)
        found = site.write(project, out, brand, args.today)
    if not args.quiet:
        print(f"wrote {project.relative(out / site.INDEX)}: {len(found)} leaflet{'s' if len(found) != 1 else ''}"
              + (f" ({copied} files merged)" if args.merge else ""))
    return 0


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size in MB - use a number above 0, e.g. 10")
    return value


def run_email(args) -> int:
    project = content.Project(args.project)
    if mail.ADDRESS.search(args.leaflet):
        # Most likely a recipient typed first; an address must not reach a log, even in an error.
        raise UsageError("Error: LEAFLET looks like an email address - name the leaflet first (a file or its stem), "
                         "then each recipient with --to")
    path = Path(args.leaflet)
    if not path.suffix and not path.exists():
        path = project.handouts / f"{args.leaflet}.yaml"
    if path.is_dir():
        raise UsageError(f"Error: '{args.leaflet}' is a folder - name one leaflet file, or its stem")
    if args.language:
        path = _translation_path(project, path, args.language)
    paths = _leaflet_paths(project, [path])
    assert paths is not None  # one path in, one out
    # Build it if missing or out of date: the manifest makes this a no-op otherwise.
    out = settings.resolve(project, out=args.out).out
    output = outputs.REGISTRY[args.format]
    if args.edition not in output.editions:
        raise UsageError(f"Error: {output.name} is made in the {', '.join(output.editions)} edition only - "
                         f"leave out --edition {args.edition}")
    options = batch.Options(out=out, jobs=1, editions=(args.edition,), formats=(output.name,), today=args.today)
    report = batch.build(project, options, paths, on_wait=lambda holder: _waiting(options, holder))
    for result in report.failed:
        for line in result.errors:
            print(line, file=sys.stderr)
    for line in report.shared_errors:
        print(line, file=sys.stderr)
    if not report.ok:
        print(f"Error: {project.relative(paths[0])} could not be built, so nothing was sent.", file=sys.stderr)
        return 1
    people, _ = content.load_people(project)
    brand, _ = content.load_brand(project)
    leaflet, _ = content.load_leaflet(project, paths[0], people)
    output_stem = batch.output_key(leaflet.stem, args.edition)
    pdf_path = out / naming.name(leaflet.stem, None, args.edition, output)
    if not pdf_path.exists():  # left out for this leaflet (no braille table, no voice): say why, send nothing
        for result in report.results:
            for line in result.warnings if result.status == "skipped" else ():
                print(line, file=sys.stderr)
        print(f"Error: there is no {output.name} of {project.relative(paths[0])}, so nothing was sent.", file=sys.stderr)
        return 1
    data = pdf_path.read_bytes()
    if len(data) > args.max_size * 1024 * 1024:
        raise mail.MailError(f"Error: {project.relative(pdf_path)} is {len(data) / 1024 / 1024:.1f} MB, more than "
                             f"the {args.max_size:g} MB limit for attachments - nothing was sent")
    recipients = mail.check_addresses(args.to)
    config = mail.settings(project)
    sender = config.sender or (brand["contact"].get("email") if brand else None)
    if not sender:
        raise mail.MailError("Error: SMTP_FROM is not set - set it to the address messages come from")
    messages = [mail.compose(project, leaflet, brand, data, recipient, sender, args.secure_subject, output_stem, output)
                for recipient in recipients]
    total = len(messages)
    name = mail.attachment_name(leaflet, output_stem, output.suffix)
    if args.dry_run:
        written = mail.write_dry_run(messages, args.dry_run, leaflet.stem)
        if not args.quiet:
            print(f"wrote {total} message{'s' if total != 1 else ''} ({name}, {len(data) // 1024} KB) to "
                  f"{args.dry_run}: " + ", ".join(p.name for p in written))
        return 0
    deliveries = mail.send(messages, config)
    for delivery in deliveries:
        if delivery.sent:
            if not args.quiet:
                print(f"recipient {delivery.position} of {total}: sent")
        else:
            print(f"recipient {delivery.position} of {total}: not sent: {delivery.reason}", file=sys.stderr)
    sent = [d.position for d in deliveries if d.sent]
    if len(sent) == total:
        if not args.quiet:
            print(f"sent {name} ({len(data) // 1024} KB) to {total} recipient{'s' if total != 1 else ''}.")
        return 0
    print(f"Error: sent to {len(sent)} of {total} recipients"
          + (f" ({', '.join(map(str, sent))})" if sent else "") + "; see above for the others.", file=sys.stderr)
    return 1


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date - use YYYY-MM-DD")


def _governance_options(parser) -> None:
    parser.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                        help=f"the date review rules are checked against (default: {clock.ENV} if set, else today), "
                             "for reproducible checks")
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
    stems: dict[str, Path] = {}
    for path in found:
        if path.stem in stems and stems[path.stem] != path.resolve():
            raise UsageError(f"Error: '{path}' and '{stems[path.stem]}' would both build {path.stem}.pdf - rename one")
        stems[path.stem] = path.resolve()
    return list(dict.fromkeys(p.resolve() for p in found))


def run_check(args) -> int:
    project = content.Project(args.project)
    catalogue = content.load_catalogue(project, _leaflet_paths(project, args.paths))
    report = checks.run(catalogue, args.today, strict=args.strict, allow_expired=args.allow_expired,
                        out=settings.resolve(project, out=args.out).out)
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


def _shard(args):
    if args.shard is not None:
        return batch.parse_shard(args.shard)
    return batch.shard_from_environment(os.environ)


def _waiting(options: batch.Options, holder: str) -> None:
    print(f"Waiting for {options.out}: {holder} is building into it (giving up after {options.lock_timeout:g} s, "
          "--lock-timeout)", file=sys.stderr, flush=True)


def run_build(args) -> int:
    project = content.Project(args.project)
    paths = _leaflet_paths(project, args.paths)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"Error: --out '{args.out}' is a file - give a folder")
    publishing = args.command == "publish"
    out = settings.resolve(project, out=args.out).out if publishing else _drafts(project, args.out, "build.py publish")
    options = batch.Options(out=out, jobs=args.jobs, force=args.force, publish=publishing,
                            formats=args.format,
                            add_formats=(("preview",) if args.html else ()) + (settings.BOOKLET if args.booklet else ()),
                            strict=args.strict, shard=_shard(args),
                            max_pages=args.max_pages, timeout=args.timeout, paper=args.paper,
                            editions=tuple(dict.fromkeys(args.edition)) if args.edition else None,
                            marks=args.print_marks, variant=args.pdf_variant, today=args.today,
                            allow_expired=args.allow_expired, lock_timeout=args.lock_timeout)
    if args.quiet or not sys.stdout.isatty():
        display = progress.Plain(project.relative, quiet=args.quiet)
    else:
        display = progress.Bar(project.relative)
    report = batch.build(project, options, paths, on_result=display.result, on_start=display.start,
                         on_shared=display.shared, on_wait=lambda holder: _waiting(options, holder))
    display.finish(report)
    if args.report:
        reports.write_json(report, project.root, args.report)
    if args.junit:
        reports.write_junit(report, args.junit)
    return 0 if report.ok else 1


class _Stopped(BaseException):
    """SIGTERM or SIGHUP: stop as after Ctrl-C, so workers are stopped and finished PDFs recorded."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stopped_by_signals():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise _Stopped(signum)
    # SIGHUP is POSIX only; Windows has SIGTERM alone.
    signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    saved = {signum: signal.signal(signum, stop) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _prog() -> str:
    """How we were started, for the usage line: build.py, the `leaflets` command or `python -m publisher`."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    name = started.name
    if name == "__main__.py" and started.parent.name == "publisher":  # not another module's, e.g. pytest's
        return "python -m publisher"
    if name.startswith("leaflets"):  # leaflets, leaflets.exe, leaflets-script.py
        return "leaflets"
    return "build.py"


def _with_command(parser: _Parser, argv: list[str]) -> list[str]:
    """`argv` with `build` put first when it names no command: a bare `build.py [PATH ...]` builds."""
    actions = [a for p in (parser, parser.commands["build"]) for a in p._actions]
    longs = {o: a.nargs != 0 for a in actions for o in a.option_strings if o.startswith("--")}

    def takes_value(option: str) -> bool:
        if option.startswith("--"):  # argparse accepts any unambiguous prefix
            matches = {v for name, v in longs.items() if name.startswith(option)}
            return longs.get(option, matches == {True})
        return any(option in a.option_strings and a.nargs != 0 for a in actions)

    asks_help, i = False, 0
    while i < len(argv) and argv[i] != "--":
        token = argv[i]
        if token.startswith("-") and token != "-":
            asks_help = asks_help or token in ("-h", "--help")
            i += 1 if "=" in token or not takes_value(token) else 2
            continue
        if token in COMMANDS:
            return argv
        break
    else:
        if asks_help:  # `build.py --help`: the overview of every command
            return argv
    return ["build", *argv]


def main(argv: list[str] | None = None, *, project: Path | None = None) -> int:
    """Run the command line; `project` is the default project folder (build.py passes its own, else the current one)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_prog(), project)
    args = parser.parse_args(_with_command(parser, argv))
    if args.project is None:
        args.project = Path.cwd()
    try:
        if getattr(args, "today", False) is None and args.command != "serve":  # serve reads the clock at each build
            args.today = clock.today()
        with _stopped_by_signals():
            return args.run(args)
    except KeyboardInterrupt:
        print("Interrupted." if args.command == "desk" else "Interrupted: finished PDFs are kept and recorded; "
              "unfinished ones keep their previous version.", file=sys.stderr)
        return 130
    except _Stopped as exc:
        name = signal.Signals(exc.signum).name
        print(f"Stopped by {name}." if args.command == "desk" else f"Stopped by {name}: finished PDFs are kept and "
              "recorded; unfinished ones keep their previous version.", file=sys.stderr)
        return 128 + exc.signum
    except UsageError as exc:
        parser.commands[args.command].print_usage(sys.stderr)
        exc.show()
        return exc.exit_code
    except PublisherError as exc:
        exc.show()
        return exc.exit_code
