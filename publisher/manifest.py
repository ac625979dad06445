"""The build manifest: what shaped each PDF, so an unchanged leaflet is not rendered again."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import importlib.metadata
import json
import os
from pathlib import Path

from . import __version__
from .content import Project

NAME = ".manifest.json"
FORMAT = 3
TOOL_CODE = Path(__file__).resolve().parent


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_file(path: Path) -> str | None:
    """The file's SHA-256, or None when it is missing."""
    try:
        return digest_bytes(Path(path).read_bytes())
    except OSError:
        return None


def digest_json(value) -> str:
    return digest_bytes(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def _tree(hasher, root: Path, pattern: str = "**/*") -> None:
    for path in sorted(p for p in Path(root).glob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0")
        hasher.update(digest_bytes(path.read_bytes()).encode() + b"\n")


def global_digest(project: Project, options: dict) -> str:
    """Everything that shapes every PDF: templates, styles and fonts, schemas, our code, WeasyPrint, options."""
    hasher = hashlib.sha256()
    for folder in (project.templates, project.styles, project.schemas):
        hasher.update(f"[{folder.name}]".encode())
        _tree(hasher, folder)
    hasher.update(b"[tool]")
    _tree(hasher, TOOL_CODE, "*.py")
    versions = {"tool": __version__, "weasyprint": importlib.metadata.version("weasyprint"),
                "pydyf": importlib.metadata.version("pydyf"), "options": options}
    hasher.update(json.dumps(versions, sort_keys=True).encode())
    return hasher.hexdigest()


def brand_digest(project: Project, brand: dict) -> str:
    """The brand entry and its logo."""
    logo = digest_file(project.brand_file.parent / brand["logo"])
    return digest_json({"brand": brand, "logo": logo})


@dataclasses.dataclass
class Entry:
    """What one PDF was made from."""

    source: str  # leaflet path relative to the project
    leaflet: str  # digest of the leaflet file
    people: dict  # person id -> digest of their entry
    images: dict  # image path relative to the project -> digest
    brand: str
    shared: str  # global digest
    pdf: str  # digest of the PDF written
    pages: int
    bytes: int
    html: bool  # whether an HTML preview was written too
    next_review: str = "9999-12-31"  # the leaflet's review date: an unchanged leaflet can still fall due
    overdue: bool = False  # built with the "review overdue" mark
    warnings: list = dataclasses.field(default_factory=list)  # shown again (and failed by --strict) when unchanged
    waived: list = dataclasses.field(default_factory=list)  # governance rules the leaflet waives


class Manifest:
    """The manifest of one output folder; never claims a PDF that is not there."""

    def __init__(self, out: Path, entries: dict | None = None):
        self.out = Path(out)
        self.entries: dict[str, Entry] = entries or {}

    @classmethod
    def load(cls, out: Path) -> "Manifest":
        """The manifest in `out`; an unreadable one is treated as empty (everything rebuilds)."""
        try:
            data = json.loads((Path(out) / NAME).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return cls(out)
            return cls(out, {stem: Entry(**entry) for stem, entry in data["leaflets"].items()})
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(out)

    def save(self) -> None:
        """Write atomically, listing only entries whose PDF is on disk."""
        from .pdf import write_atomic
        live = {stem: dataclasses.asdict(e) for stem, e in sorted(self.entries.items())
                if (self.out / f"{stem}.pdf").exists()}
        text = json.dumps({"format": FORMAT, "leaflets": live}, indent=1, sort_keys=True)
        write_atomic(self.out / NAME, text.encode("utf-8"))

    def unchanged(self, stem: str, leaflet_digest: str, people: dict, brand: str, shared: str,
                  project: Project, want_html: bool) -> Entry | None:
        """The entry if the PDF on disk was made from exactly these inputs, else None."""
        entry = self.entries.get(stem)
        if entry is None or entry.leaflet != leaflet_digest or entry.brand != brand or entry.shared != shared:
            return None
        if want_html and not (entry.html and (self.out / f"{stem}.html").exists()):
            return None
        for person_id, recorded in entry.people.items():
            if person_id not in people or digest_json(people[person_id]) != recorded:
                return None
        for image, recorded in entry.images.items():
            if digest_file(project.root / image) != recorded:
                return None
        if digest_file(self.out / f"{stem}.pdf") != entry.pdf:
            return None
        return entry


def remove_stale_temporaries(out: Path) -> None:
    """Delete the temporary files an interrupted build of ours left behind, and nothing else."""
    for pattern in (".*.pdf.*.tmp", ".*.html.*.tmp", f".{NAME}.*.tmp"):
        for path in Path(out).glob(pattern):
            try:
                os.unlink(path)
            except OSError:
                pass


@contextlib.contextmanager
def locked(out: Path):
    """Hold the output folder's lock: a second build into it waits instead of racing this one."""
    with open(Path(out) / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
