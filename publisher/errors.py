"""One exception family: raised deep, shown once by the command line."""

from __future__ import annotations

import dataclasses
import sys


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file, located as precisely as we can."""

    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PublisherError(Exception):
    """Base of every error the tool reports to a user (never a bug)."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The lines shown to the user."""
        return [str(self)]

    def show(self, file=None) -> None:
        """Print the error once, to stderr."""
        for line in self.lines():
            print(line, file=file or sys.stderr)


class ContentError(PublisherError):
    """One or more problems in content files (leaflets, people, brand)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class RenderError(PublisherError):
    """A leaflet that validated but could not be turned into a PDF."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}")


class UsageError(PublisherError):
    """The command line asked for something that cannot be done."""

    exit_code = 2
