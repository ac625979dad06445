"""`check --format github`: problems and findings as GitHub Actions workflow commands (pull-request annotations)."""

from __future__ import annotations

from publisher.build.checks import CheckReport

# A finding's level as a workflow command; a waived finding, or a rule not applied to a language, is a notice.
COMMANDS = {"error": "error", "warning": "warning", "waived": "notice", "info": "notice"}
VALIDATION = "validation"  # the title of a schema or cross-reference problem, which has no rule name


def escape_data(text: str) -> str:
    """A message as GitHub's toolkit escapes it: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title) as GitHub's toolkit escapes it: also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, path: str, line: int, column: int, title: str, message: str) -> str:
    """One workflow command, e.g. `::error file=a.yaml,line=3,col=1,title=sources::no source`."""
    properties = ",".join(f"{key}={escape_property(str(value))}"
                          for key, value in (("file", path), ("line", line), ("col", column), ("title", title)))
    return f"::{level} {properties}::{escape_data(message)}"


def workflow_commands(report: CheckReport) -> list[str]:
    """Every problem and finding of a `check` report, in the order the text report prints them."""
    located = report.shared_located + [item for entry in report.entries for item in entry.located]
    lines = []
    for item in located:
        message = f"{item.field}: {item.message}" if item.field else item.message
        message += f" ({item.hint})" if item.hint else ""
        lines.append(command(COMMANDS[item.level], item.path, item.line, item.column, item.rule or VALIDATION, message))
    return lines
