"""The output registry: every format a leaflet is published in.

Naming, the manifest, incremental rebuilds, removal of deleted leaflets,
temporary-file clean-up and reports go through this registry, and email
attaches its "pdf" output. A format is an `Output` defined in its own module;
the registry reads the Outputs named by the `leaflets.outputs` entry points
(ours: OUTPUTS in publisher/outputs/formats.py, one line a format, in order)
the first time it is read, so it never imports its writers back.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, MutableMapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.core.editions import EASY_READ_FORMATS, EDITIONS, is_easy_read_stem
from publisher.core.errors import UsageError

if TYPE_CHECKING:
    from publisher.source.content import Catalogue, Leaflet


class Unavailable(Exception):
    """This format cannot be made for this leaflet (e.g. no braille table for its language): left out, with a note."""


@dataclasses.dataclass(frozen=True)
class Job:
    """One output to make: a validated leaflet in one edition, with the build's print settings."""

    catalogue: Catalogue
    leaflet: Leaflet
    edition: str
    paper: str
    marks: bool = False


@dataclasses.dataclass(frozen=True)
class Output:
    """One format: its name, file suffix, media type, the editions it is made in and how to make it."""

    name: str  # as written in brand.yaml's formats and --format
    suffix: str
    media_type: str
    summary: str  # for --help and the README
    editions: tuple = tuple(EDITIONS)
    # Made in this process from a Job; None: made by the PDF render workers,
    # which keep WeasyPrint's fonts and parsed stylesheets between leaflets.
    render: Callable[[Job], bytes] | None = None
    paged: bool = False  # has pages (reports give their count)
    offered: str = ""  # its name in the brand's "other formats" statement, e.g. "braille" (statement.py)
    # (leaflet name, language, brand) -> why it cannot be made here (no braille table, no voice, audio not approved
    # for the language), or None; `check` says so.
    missing: Callable[[str, str, dict | None], str | None] | None = None
    # The versions of the programs that make it (not WeasyPrint's: the manifest has those), so an upgrade rebuilds.
    engine: Callable[[], str] | None = None
    label: str = ""  # how the catalogue site names it to readers, e.g. "PDF"; empty: the name in capitals
    # (brand, leaflet file stem) -> whether this leaflet has this format at all (bilingual: translations only);
    # None: every leaflet. Others are not planned for it, and nothing is reported.
    applies: Callable[[dict | None, str], bool] | None = None
    # The made file's bytes -> its page count, for the report and manifest of a paged format made in this process.
    count_pages: Callable[[bytes], int] | None = None
    # The pages the preflight reads when the made file imposes them (booklets: the A5 pages before padding and
    # sheets, whose blanks are meant to be blank); None: the made file itself.
    proof: Callable[[Job], bytes] | None = None
    paper: str = ""  # made on this paper whatever the build's (booklets: A5); empty: the build's
    # The leaflet file -> what else this format is made from, as text (the web page: which translations it links);
    # None: the leaflet alone. The manifest rebuilds it when that changes.
    inputs: Callable[[Path], str] | None = None

    def input_digest(self, digest: str, path: Path) -> str:
        """The leaflet's input digest (content.input_digest) as this format's manifest entry records it."""
        if self.inputs is None:
            return digest
        return hashlib.sha256(f"{digest}\n{self.inputs(Path(path))}".encode()).hexdigest()

    def made_for(self, brand: dict | None, stem: str) -> bool:
        """Whether a leaflet file (by its stem) has this format: an Easy Read only its own (pdf, html, preview)."""
        if is_easy_read_stem(stem) and self.name not in EASY_READ_FORMATS:
            return False
        return self.applies is None or self.applies(brand, stem)


GROUP = "leaflets.outputs"
OURS = EntryPoint("standard", "publisher.outputs.formats:OUTPUTS", GROUP)


class Registry(MutableMapping[str, Output]):
    """The formats by name: ours in formats.py's order, then other packages', loaded when first read."""

    def __init__(self) -> None:
        self._outputs: dict[str, Output] = {}
        self._loading = False

    def _load(self) -> None:
        if self._loading:
            return
        self._loading = True
        # Ours first, in formats.py's order; then any other package's, by entry point name. Without installed
        # metadata (a source tree on sys.path), ours alone. An entry point names a sequence of Outputs.
        points = [p for p in entry_points(group=GROUP) if p.value != OURS.value]
        for point in [OURS, *sorted(points, key=lambda p: p.name)]:
            for output in point.load():
                self._outputs.setdefault(output.name, output)

    def __getitem__(self, name: str) -> Output:
        self._load()
        return self._outputs[name]

    def __setitem__(self, name: str, output: Output) -> None:
        self._outputs[name] = output

    def __delitem__(self, name: str) -> None:
        del self._outputs[name]

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(self._outputs)

    def __len__(self) -> int:
        self._load()
        return len(self._outputs)


REGISTRY = Registry()


def register(output: Output) -> Output:
    """Add a format to the registry (by its name), after the shipped ones and those of entry points."""
    REGISTRY._load()
    REGISTRY[output.name] = output
    return output


def chosen(names) -> list[Output]:
    """The outputs named, in registry order; an unknown name is a usage error listing the known ones."""
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UsageError(f"Error: unknown format '{unknown[0]}' - choose from {', '.join(REGISTRY)}")
    return [o for o in REGISTRY.values() if o.name in names]


def engines() -> dict:
    """Every registered format's engine versions, for the manifest: the same whatever a build's --format."""
    return {o.name: o.engine() for o in REGISTRY.values() if o.engine}


def suffixes() -> list[str]:
    """Every file suffix an output may have, longest first (".preview.html" before ".html")."""
    return sorted({o.suffix for o in REGISTRY.values()}, key=len, reverse=True)


