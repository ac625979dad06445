"""One exception family: raised deep, shown once by the command line."""

from __future__ import annotations

import dataclasses
import sys


@dataclasses.dataclass(frozen=True, order=True)
class Diagnostic:
    """One thing to tell a user about one input, kept structured until it is printed.

    Content problems name the field ("file:line:col: field: message"); governance
    findings name their rule ("file:line:col: level: rule: message"). A line of 0
    means the file as a whole.
    """

    path: str
    line: int
    column: int
    field: str
    message: str
    level: str = "error"  # "error", "warning" or "waived"
    rule: str = ""  # the rule broken, for findings check counts and a leaflet can waive
    hint: str = ""  # why the level is what it is, e.g. "--strict turns warnings into errors"

    def __str__(self) -> str:
        parts = [f"{self.path}:{self.line}:{self.column}" if self.line else self.path]
        if self.rule and not self.field:
            parts += [self.level, self.rule]
        else:
            parts += [self.field] if self.field else []
            parts += [self.level] if self.level != "error" or self.hint else []
        return ": ".join(parts + [self.message]) + (f" ({self.hint})" if self.hint else "")


Problem = Diagnostic  # a content problem: an error located in a file, with no rule of its own

STRICT_HINT = "--strict turns warnings into errors"
PUBLISH_HINT = "a published leaflet may not have this; a draft build only warns"


def policy(found: list, strict: bool = False, allow_expired: bool = False, waivers: dict | None = None,
           refused: frozenset = frozenset()) -> list:
    """Apply --allow-expired, a leaflet's waivers, --strict and publishing to diagnostics: the one place levels change.

    `waivers` maps a waivable rule to its reason; `refused` names the rules that are errors here whatever
    --strict says (publishing refuses a split urgent callout); a level raised says why.
    """
    out = []
    for d in found:
        if allow_expired and d.rule == "review-overdue" and d.level == "error":
            d = dataclasses.replace(d, level="warning")
        if waivers and d.rule in waivers and d.level != "waived":
            d = dataclasses.replace(d, level="waived", message=f"{d.message} [waived: {waivers[d.rule]}]")
        if strict and d.level == "warning":
            d = dataclasses.replace(d, level="error", hint=STRICT_HINT)
        if d.rule in refused and d.level == "warning":
            d = dataclasses.replace(d, level="error", hint=PUBLISH_HINT)
        out.append(d)
    return out


def from_dict(value) -> Diagnostic | None:
    """A Diagnostic from its dataclasses.asdict() form (as a manifest keeps it), or None if it is not one."""
    types = {f.name: f.type for f in dataclasses.fields(Diagnostic)}
    if not isinstance(value, dict) or set(value) != set(types):
        return None
    for name, kind in types.items():
        wanted = int if kind == "int" else str
        if not isinstance(value[name], wanted) or isinstance(value[name], bool):
            return None
    return Diagnostic(**value)


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
