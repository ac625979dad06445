"""Show a build as it goes: a progress bar on a terminal, one line per leaflet otherwise."""

from __future__ import annotations

import sys

from publisher.build.batch import Report, Result


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def describe(result: Result, shown) -> str:
    """One line for a finished leaflet, e.g. 'built dist/x.pdf (3 pages, 19 KB, 1.2 s)'."""
    if result.status == "built":
        pages = f"{_plural(result.pages, 'page')}, " if result.pages else ""  # a web page has none
        return f"built {shown(result.output)} ({pages}{result.bytes // 1024} KB, {result.seconds:.1f} s)"
    if result.status == "unchanged":
        return f"unchanged {shown(result.output)}"
    if result.status == "removed":
        return f"removed {shown(result.output)} ({result.name} no longer exists)"
    if result.status == "skipped":
        return f"left out {shown(result.output)} (see the note above)"
    return f"failed {result.name}"


def summary(report: Report) -> str:
    """The closing line of a build."""
    # An error shared by a leaflet's editions is shown, and counted, once.
    errors = len({(r.name, line) for r in report.failed for line in r.errors}) + len(report.shared_errors)
    failed = f"failed {len(report.failed)}" + (f" ({_plural(errors, 'error')})" if errors else "")
    left_out = f", left out {report.count('skipped')}" if report.count("skipped") else ""
    return (f"built {report.count('built')}, unchanged {report.count('unchanged')}, "
            f"removed {report.count('removed')}{left_out}, {failed} in {report.seconds:.1f} s")


class Plain:
    """One line per leaflet on stdout; errors and warnings on stderr as they happen."""

    def __init__(self, shown, quiet: bool = False):
        self.shown = shown
        self.quiet = quiet
        self.said: dict = {}  # leaflet -> lines already shown

    def new(self, result: Result, lines: list) -> list:
        """Those of a result's warnings or errors not yet shown for its leaflet: its editions share most of them."""
        said = self.said.setdefault(result.name, set())
        fresh = [line for line in dict.fromkeys(lines) if line not in said]
        said.update(fresh)
        return fresh

    def start(self, total: int) -> None:
        pass

    def shared(self, lines: list) -> None:
        """Problems in people.yaml or brand.yaml, shown before any leaflet's."""
        for line in lines:
            print(line, file=sys.stderr)

    def result(self, result: Result) -> None:
        for line in self.new(result, result.warnings) + self.new(result, result.errors):
            print(line, file=sys.stderr)
        if not self.quiet and result.status != "failed":
            print(describe(result, self.shown), flush=True)

    def finish(self, report: Report) -> None:
        if not self.quiet or not report.ok:
            print(summary(report), file=sys.stdout if report.ok else sys.stderr)


class Bar(Plain):
    """A rich progress bar with ETA; messages scroll above it."""

    def __init__(self, shown):
        super().__init__(shown)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=self.console, transient=True)
        self.task = None

    def start(self, total: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("leaflets", total=total)

    def shared(self, lines: list) -> None:
        for line in lines:
            self.console.print(line, markup=False, highlight=False, style="red")

    def result(self, result: Result) -> None:
        for line in self.new(result, result.warnings):
            self.console.print(line, markup=False, highlight=False, style="yellow")
        for line in self.new(result, result.errors):
            self.console.print(line, markup=False, highlight=False, style="red")
        if result.status in ("built", "removed", "skipped"):
            self.console.print(describe(result, self.shown), markup=False, highlight=False)
        if result.status != "removed":
            assert self.task is not None  # start() ran
            self.progress.advance(self.task)

    def finish(self, report: Report) -> None:
        self.progress.stop()
        self.console.print(summary(report), markup=False, highlight=False, style=None if report.ok else "bold red")
