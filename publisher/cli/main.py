"""The command line: the parser and the dispatch to one module per command group; results printed once."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from publisher import __version__
from publisher.cli import build, check, desk, email, new, site
from publisher.cli import options as arguments
from publisher.core import clock
from publisher.core.errors import PublisherError, UsageError

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


# Each command: how its options are added, what runs it, and its line in --help.
TABLE = {
    "build": (build.options, build.run, "build drafts into drafts/ (the default)"),
    "publish": (build.options, build.run, "publish into dist/ and the archive"),
    "check": (check.options, check.run, "validate and apply the governance rules, render nothing"),
    "email": (email.options, email.run, "email a leaflet's PDF"),
    "desk": (desk.options, desk.run, "run the clinic desk (or: add-user, verify-log, export, sent-to)"),
    "serve": (build.serve_options, build.serve, "preview in a browser, rebuilt on every save"),
    "new": (new.options, new.run, "start a leaflet from the commented example"),
    "site": (site.options, site.run, "write the catalogue site (index.html) of an output folder"),
    "archive": (site.archive_options, site.archive, "verify the archive of published versions"),
}
COMMANDS = tuple(TABLE)


class _Parser(argparse.ArgumentParser):
    hint = "python build.py"  # how the user ran us, for "Try '... --help'"
    commands: dict[str, argparse.ArgumentParser]

    def error(self, message):
        from publisher.mail import send as mail
        self.print_usage(sys.stderr)
        # An email address typed in the wrong place must not end up in a log.
        print(f"Error: {mail.ADDRESS.sub('<address>', message)}\nTry '{self.hint} --help' for help.",
              file=sys.stderr)
        sys.exit(2)


def _global_options(parser: argparse.ArgumentParser, project: Path | None, shown: str) -> None:
    """--version, --project and -q on the main parser; each command repeats them (see _command_options)."""
    parser.add_argument("--version", action="version", version=f"leaflets {__version__}",
                        help="print the version and exit")
    arguments.project_option(parser, project, shown)
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def build_parser(prog: str = "build.py", project: Path | None = None) -> _Parser:
    """The whole command line: global options, then `build` (the default), `check` or `email`."""
    parser = _Parser(prog=prog, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.hint = _hint(prog)
    shown = "the current folder" if project is None else str(project)
    _global_options(parser, project, shown)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands_by_name: dict[str, argparse.ArgumentParser] = {}
    for name, (adder, run, summary) in TABLE.items():
        command = adder(commands, name, summary, shown)
        command.hint = parser.hint  # type: ignore[attr-defined]  # a _Parser: add_subparsers makes its own kind
        arguments.late_global_options(command)
        command.set_defaults(run=run)
        commands_by_name[name] = command
    parser.commands = commands_by_name
    return parser


def _hint(prog: str) -> str:
    return "python build.py" if prog == "build.py" else prog


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
    args.hint = parser.hint  # how to run the tool again, for messages that say what to run next
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
