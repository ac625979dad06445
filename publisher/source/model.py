"""The content model: a validated leaflet, the catalogue a run loads, and how versions and digests compare."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

from publisher.source import yamlsource
from publisher.source.project import Project


@dataclasses.dataclass
class Leaflet:
    """A validated leaflet, with the people it credits resolved."""

    path: Path
    name: str  # as shown in messages
    stem: str
    data: dict
    authors: list
    reviewers: list
    digest: str = ""  # of the file's bytes
    warnings: list = dataclasses.field(default_factory=list)  # of Diagnostic: Markdown and governance warnings
    source: yamlsource.Source | None = None  # where each value was written, for governance findings
    overdue: bool = False  # past its review date, built anyway with --allow-expired and marked so
    waived: list = dataclasses.field(default_factory=list)  # rules this leaflet waives and breaks
    translators: list = dataclasses.field(default_factory=list)
    translation_checkers: list = dataclasses.field(default_factory=list)
    original: Leaflet | None = None  # for a translation or an Easy Read: the validated leaflet it is made from
    easy_read_checkers: list = dataclasses.field(default_factory=list)

    @property
    def easy_read_of(self) -> str | None:
        """The stem of the leaflet this Easy Read explains; None for any other leaflet."""
        return self.data.get("easy_read_of")

    @property
    def translation_of(self) -> str | None:
        """The source's stem, for a translation; None for a leaflet in its own language."""
        return self.data.get("translation_of")

    @property
    def language(self) -> str:
        return self.data["language"]

    @property
    def output_language(self) -> str | None:
        """The language part of output names: a translation's language; none for a source."""
        return self.language if self.translation_of else None

    @property
    def source_stem(self) -> str:
        """The first part of every output name, (source stem, language) being the output key."""
        return self.translation_of or self.stem

    def people_ids(self) -> list[str]:
        """Everyone credited, authors first, then translators and checkers."""
        return [p["id"] for p in self.authors + self.reviewers + self.translators + self.translation_checkers
                + self.easy_read_checkers]

    def images(self, project: Project) -> list[str]:
        """Project-relative paths of the images this leaflet shows."""
        return [project.relative(self.path.parent / s["image"]["file"]) for s in self.data["sections"] if "image" in s] \
            + [row["picture"]["src"] for s in self.data["sections"] for row in s.get("rows", []) if "picture" in row]


@dataclasses.dataclass
class Catalogue:
    """Everything loaded for one run: the shared files and each leaflet's outcome."""

    project: Project
    brand: dict | None
    people: dict | None
    leaflets: list  # of Leaflet
    failures: dict  # leaflet path -> list[Problem]
    shared_problems: list  # problems in people.yaml and brand.yaml

    def translations_of(self, stem: str) -> list[Leaflet]:
        """The valid translations of the leaflet `stem` in this catalogue, by language (for bilingual editions)."""
        return sorted((t for t in self.leaflets if t.translation_of == stem), key=lambda t: t.language)

    def source_of(self, leaflet: Leaflet) -> Leaflet | None:
        """The leaflet a translation translates (loaded even when only the translation was asked for)."""
        return leaflet.original


def version_key(version: str) -> tuple:
    """A version as something to compare: '1.10' after '1.9'; letters after digits."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.-]", version))


def translation_digest(own: str, source: str) -> str:
    """The digest of a translation as the manifest keeps it: its file's and its source's together."""
    return hashlib.sha256(f"{own}\n{source}".encode()).hexdigest()


def input_digest(path: Path, digest_file) -> str:
    """What an output of the leaflet file `path` is made from, before it is parsed (see translation_digest)."""
    own = digest_file(path) or ""
    stem = Path(path).stem
    source = Path(path).parent / f"{stem.rsplit('.', 1)[0]}.yaml"
    # Only a translation may be named <leaflet>.<x>.yaml beside that leaflet (see _translation_fields_alone).
    if "." in stem and source.exists():
        return translation_digest(own, digest_file(source) or "")
    return own
