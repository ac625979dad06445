"""The build manifest: what shaped each output file, so an unchanged leaflet is not made again."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import importlib.metadata
import json
import math
import os
import re
import tempfile
import time
from pathlib import Path

import filelock

from publisher import __version__
from publisher.core import caches
from publisher.core.errors import PublisherError, from_dict
from publisher.core.files import CODE
from publisher.outputs import base as outputs
from publisher.source.content import Project, read_limited

NAME = ".manifest.json"
FORMAT = 4  # 4: one entry per output file, of any format


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_file(path: Path) -> str | None:
    """The file's SHA-256, or None when it is missing or not a regular file (a FIFO would block)."""
    try:
        return digest_bytes(read_limited(path, 1 << 40))
    except OSError:
        return None


def digest_json(value) -> str:
    return digest_bytes(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))


# Files in templates/ and styles/ that shape no leaflet (the clinic desk's screens): changing them
# rebuilds nothing, and the archive does not take them for a change of presentation.
NOT_LEAFLETS = ("desk/", "desk.css")
# The catalogue site, the preview server and `new` shape no leaflet's output: editing them rebuilds none.
NOT_IN_OUTPUTS = {"site", "site.css", "site.py", "serve.py", "new.py", "preview.js", "preview.css"}


def _tree(hasher, root: Path, now: float, pattern: str = "**/*") -> None:
    for path in sorted(p for p in Path(root).glob(pattern) if p.is_file() and "__pycache__" not in p.parts
                       and not p.relative_to(root).as_posix().startswith(NOT_LEAFLETS)
                       and not NOT_IN_OUTPUTS & set(p.relative_to(root).parts)):
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0")
        hasher.update(_file_digest(path, now).encode() + b"\n")


# SHA-256 of files read before, by device, inode, size and modification time: a process that builds again and
# again (the preview server, the desk) reads the 27 MB of fonts once, and a hard link to a file is that file.
_digests: dict = {}
caches.register(_digests.clear)
# A file changed less than this long ago is read again each time: a second write within the file system's clock
# tick, of the same size, would leave its size and time as they were (git's "racily clean" entries).
RACY_SECONDS = 2.0


def file_system_now() -> float:
    """The time the file system stamps on a file written now: the process's clock may be another (faketime)."""
    try:
        with tempfile.TemporaryFile() as probe:
            probe.write(b"\0")
            probe.flush()
            return os.fstat(probe.fileno()).st_mtime
    except OSError:  # no temporary folder to write in: every file counts as just changed, and is read each time
        return -math.inf


def _file_digest(path: Path, now: float) -> str:
    """The file's SHA-256, kept while it stays the same file, unless it changed in the RACY_SECONDS before `now`."""
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        digest = digest_bytes(path.read_bytes())
        if now - stat.st_mtime < RACY_SECONDS:
            return digest
        _digests[key] = digest
    return _digests[key]


def global_digest(project: Project, options: dict) -> str:
    """Everything that shapes every output: templates, styles and fonts, schemas, label catalogues, our code,
    WeasyPrint, liblouis, espeak-ng and lame (outputs.engines()), options."""
    now = file_system_now()  # once a build: what "changed in the last seconds" is measured against
    hasher = hashlib.sha256()
    for folder in (project.templates, project.styles, project.schemas, project.locales):
        hasher.update(f"[{folder.name}]".encode())
        _tree(hasher, folder, now)
    hasher.update(b"[tool]")
    _tree(hasher, CODE, now, "**/*.py")
    versions = {"tool": __version__, "weasyprint": importlib.metadata.version("weasyprint"),
                "pydyf": importlib.metadata.version("pydyf"), "options": options, "engines": outputs.engines()}
    hasher.update(json.dumps(versions, sort_keys=True).encode())
    return hasher.hexdigest()


def brand_digest(project: Project, brand: dict) -> str:
    """The brand entry and its logo."""
    logo = digest_file(project.brand_file.parent / brand["logo"])
    return digest_json({"brand": brand, "logo": logo})


@dataclasses.dataclass
class Entry:
    """What one output file (keyed by its name in the output folder) was made from."""

    source: str  # leaflet path relative to the project
    leaflet: str  # digest of the leaflet file
    people: dict  # person id -> digest of their entry
    images: dict  # image path relative to the project -> digest
    brand: str
    shared: str  # global digest
    digest: str  # of the file written
    pages: int  # 0 for an output without pages
    bytes: int
    next_review: str = "9999-12-31"  # the leaflet's review date: an unchanged leaflet can still fall due
    overdue: bool = False  # built with the "review overdue" mark
    warnings: list = dataclasses.field(default_factory=list)  # Diagnostics as dicts: shown again when unchanged
    waived: list = dataclasses.field(default_factory=list)  # governance rules the leaflet waives
    language: str = ""  # the leaflet's language (BCP 47)
    translation_of: str = ""  # for a translation: its source's stem; outputs are keyed (source stem, language)
    # What the catalogue site shows (title, summary, reference, version, keywords, language), so that
    # writing it after a no-op build reads no leaflet; checked again by site.py before use.
    about: dict = dataclasses.field(default_factory=dict)


# A manifest is input too (a CI cache can be poisoned): an entry whose name could
# point outside the output folder, or whose values have the wrong type, is dropped
# and its leaflet rebuilt. Names are checked again before anything is removed.
SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_TYPES = {f.name: {"str": str, "int": int, "bool": bool, "dict": dict, "list": list}[str(f.type)]
          for f in dataclasses.fields(Entry)}
_REQUIRED = {f.name for f in dataclasses.fields(Entry)
             if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}


def safe_stem(stem) -> bool:
    """Whether `stem` names a file directly inside the output folder."""
    return isinstance(stem, str) and bool(SAFE_STEM.match(stem)) and ".." not in stem


def _relative(path) -> bool:
    return isinstance(path, str) and bool(path) and not path.startswith(("/", "\\")) \
        and ".." not in path.replace("\\", "/").split("/")


def _valid(stem, entry) -> bool:
    """Whether one manifest entry can be trusted as far as its shape goes."""
    if not safe_stem(stem) or not isinstance(entry, dict) or set(entry) - set(_TYPES) or _REQUIRED - set(entry):
        return False
    for name, kind in _TYPES.items():
        value = entry.get(name)
        if name in entry and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            return False
    try:
        datetime.date.fromisoformat(entry.get("next_review", "9999-12-31"))
    except (TypeError, ValueError):
        return False
    return (_relative(entry.get("source")) and all(_relative(p) for p in entry.get("images", {}))
            and all(from_dict(w) for w in entry.get("warnings", []))
            and all(isinstance(w, str) for w in entry.get("waived", [])))


class Manifest:
    """The manifest of one output folder; never claims a PDF that is not there."""

    def __init__(self, out: Path, entries: dict | None = None):
        self.out = Path(out)
        self.entries: dict[str, Entry] = entries or {}
        self._saved: dict = {}  # the entries as the file on disk has them (the same objects), after load or save
        self._people: dict = {}  # person id -> (their entry, its digest): hashed once a build, not once an output

    @classmethod
    def load(cls, out: Path) -> Manifest:
        """The manifest in `out`; an unreadable one is treated as empty (everything rebuilds)."""
        try:
            data = json.loads(read_limited(Path(out) / NAME, 1 << 30).decode("utf-8"))
            if data.get("format") != FORMAT:
                return cls(out)
            record = cls(out, {stem: Entry(**entry) for stem, entry in data["leaflets"].items()
                               if _valid(stem, entry)})
            if len(record.entries) == len(data["leaflets"]):
                record._saved = dict(record.entries)
            return record
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(out)

    def save(self) -> None:
        """Write atomically, listing only entries whose file is on disk."""
        from publisher.core.files import write_atomic
        entries = {key: e for key, e in sorted(self.entries.items()) if (self.out / key).exists()}
        if entries.keys() == self._saved.keys() and all(e is self._saved[key] for key, e in entries.items()):
            return  # a no-op build: the file says this already, and turning it into JSON again is most of its time
        live = {key: dataclasses.asdict(e) for key, e in entries.items()}
        text = json.dumps({"format": FORMAT, "leaflets": live}, indent=1, sort_keys=True).encode("utf-8")
        with contextlib.suppress(OSError):
            if (self.out / NAME).read_bytes() == text:
                self._saved = entries
                return  # nothing changed: a full disk or a read-only folder need not fail the build
        write_atomic(self.out / NAME, text)
        self._saved = entries

    def unchanged(self, key: str, leaflet_digest: str, people: dict, brand: str, shared: str,
                  project: Project) -> Entry | None:
        """The entry if the file `key` on disk was made from exactly these inputs, else None."""
        entry = self.entries.get(key)
        if entry is None or entry.leaflet != leaflet_digest or entry.brand != brand or entry.shared != shared:
            return None
        for person_id, recorded in entry.people.items():
            if person_id not in people or self._person_digest(person_id, people[person_id]) != recorded:
                return None
        for image, recorded in entry.images.items():
            if digest_file(project.root / image) != recorded:
                return None
        if digest_file(self.out / key) != entry.digest:
            return None
        return entry

    def _person_digest(self, person_id: str, person) -> str:
        known = self._people.get(person_id)
        if known is None or known[0] is not person:
            known = self._people[person_id] = (person, digest_json(person))
        return known[1]


def remove_stale_temporaries(out: Path) -> None:
    """Delete the temporary files an interrupted build of ours left behind, and nothing else."""
    from publisher.outputs import base as outputs
    for pattern in [f".*{suffix}.*.tmp" for suffix in outputs.suffixes()] + [f".{NAME}.*.tmp"]:
        for path in Path(out).glob(pattern):
            try:
                os.unlink(path)
            except OSError:
                pass


LOCK = ".lock"
_RECORD = 1  # the holder's process id starts after the byte Windows locks
_held: set = set()  # descriptors of the locks this process holds


def _forget_locks() -> None:
    # A forked worker must not keep the lock alive after its parent dies: flock belongs to the
    # open file, shared by every copy of the descriptor. Closing our copy does not unlock it.
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):  # POSIX only; Windows starts workers afresh, holding nothing
    os.register_at_fork(after_in_child=_forget_locks)


class LockTimeout(PublisherError):
    """Another build held the output folder for longer than --lock-timeout."""


def lock_holder(out: Path) -> str:
    """Who holds the lock, as recorded in the lock file: 'process 123', or 'another build'."""
    try:
        if not (Path(out) / LOCK).is_file():  # a FIFO put there would block the read
            raise OSError("not a regular file")
        with open(Path(out) / LOCK, "rb") as handle:
            # Windows locks byte 0 of the file for the holder and refuses to read it, hence the offset.
            handle.seek(_RECORD)
            pid = handle.read(32).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another build"


@contextlib.contextmanager
def locked(out: Path, timeout: float | None = None, on_wait=None):
    """Hold the output folder's lock: a second build into it waits, says so, and gives up after `timeout` s.

    The lock is the kernel's (flock, or LockFileEx on Windows, through filelock), so a lock left by a
    process that has ended, however it ended, is free again at once; the file only records who holds it.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(Path(out) / LOCK, flags, 0o666)
    try:
        started, told = time.monotonic(), False
        while not filelock.lock_descriptor(fd, blocking=False):
            holder = lock_holder(out)
            if on_wait and not told:
                on_wait(holder)
                told = True
            if timeout is not None and time.monotonic() - started >= timeout:
                raise LockTimeout(f"Error: the output folder {out} is still in use by {holder} after "
                                  f"{timeout:g} s - wait for that build to finish, or raise --lock-timeout")
            time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, b"\n" * _RECORD + f"{os.getpid()}\n".encode())
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing releases the lock
