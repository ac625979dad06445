"""Results: what happened to each leaflet in a build, and the run's Report."""

from __future__ import annotations

import dataclasses

from publisher.core.errors import PublisherError


@dataclasses.dataclass
class Result:
    """What happened to one leaflet."""

    name: str  # the leaflet file as shown to users
    status: str  # "built", "unchanged", "removed", "skipped" (format unavailable for it, with a note) or "failed"
    output: str | None = None
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    errors: list = dataclasses.field(default_factory=list)  # of str
    warnings: list = dataclasses.field(default_factory=list)  # of str
    language: str = ""  # of the output: the leaflet's language tag (empty when the leaflet could not be read)
    # The errors that are located in a file, kept structured (for the preview server's pages).
    diagnostics: list = dataclasses.field(default_factory=list)  # of Diagnostic


@dataclasses.dataclass
class Report:
    """The outcome of one run over the catalogue."""

    results: list
    shared_errors: list  # of str: problems in people.yaml and brand.yaml
    seconds: float = 0.0
    workers: int = 1
    worker_peak_rss_mb: dict = dataclasses.field(default_factory=dict)  # pid -> MB
    layouts: int = 0  # PDF pages laid out by the workers; more than the pages made when some were laid out again
    worker_peak_private_mb: dict = dataclasses.field(default_factory=dict)  # pid -> MB no other process shares

    @property
    def failed(self) -> list:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.shared_errors

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


class OutputError(PublisherError):
    """The output folder cannot be written (read-only, full, not a folder)."""
