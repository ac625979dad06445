"""The project: where its content, templates and styles live, and reading its files safely."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import stat
from pathlib import Path

from publisher.core.errors import Problem
from publisher.core.files import CODE
from publisher.source import yamlsource

# The tool's own templates, styles (with fonts and pictures) and schemas, used where a project has none of its own:
# an installed wheel carries them in publisher/_defaults (setup.py puts them there); a checkout of the repository
# has them at its top level. They are read-only, and hold no one's content.
_WHEEL_DEFAULTS = CODE / "_defaults"
DEFAULTS = _WHEEL_DEFAULTS if _WHEEL_DEFAULTS.is_dir() else CODE.parent
# The folders a project may leave out, each then taken whole from DEFAULTS (never file by file: a stylesheet's
# fonts and a template's partials must come from the same place as it).
DEFAULT_FOLDERS = ("templates", "styles", "schema")


@dataclasses.dataclass
class Project:
    """Where a project's content, templates and styles live."""

    root: Path

    def __post_init__(self):
        self.root = Path(self.root).resolve()

    handouts = property(lambda self: self.root / "handouts")
    templates = property(lambda self: self.own_or_default("templates"))
    styles = property(lambda self: self.own_or_default("styles"))
    schemas = property(lambda self: self.own_or_default("schema"))
    locales = property(lambda self: self.root / "locales")  # catalogues of the labels in other languages (i18n.py)
    people_file = property(lambda self: self.root / "people.yaml")
    brand_file = property(lambda self: self.root / "brand.yaml")

    def own_or_default(self, folder: str) -> Path:
        """The project's own `folder` when it has one, else the tool's."""
        own = self.root / folder
        return own if own.is_dir() or not (DEFAULTS / folder).is_dir() else DEFAULTS / folder

    def path(self, relative: str) -> Path:
        """A file named from the project's folder ('styles/a4.css'), in the tool's own folder where the project has none."""
        folder, _, rest = relative.partition("/")
        return self.own_or_default(folder) / rest if folder in DEFAULT_FOLDERS and rest else self.root / relative

    def defaults_used(self) -> list[str]:
        """The folders this project takes from the tool, as they are named in a project."""
        return [folder for folder in DEFAULT_FOLDERS if self.own_or_default(folder) != self.root / folder]

    def relative(self, path: Path) -> str:
        """A path as users see it in messages: relative to the project when inside it."""
        path = Path(path)
        try:
            return Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def contains(self, path: Path) -> bool:
        """Whether `path`, with symlinks and '..' resolved, lies inside the project."""
        return Path(path).resolve().is_relative_to(self.root)

    def leaflet_files(self) -> list[Path]:
        """Every leaflet in handouts/, in a stable order (a symlink out of the project is not one)."""
        return sorted(p for p in self.handouts.glob("*.yaml") if self.contains(p))

    def asset_roots(self, leaflet_folder: Path | None = None) -> list[Path]:
        """The folders a render may load files from: the same list for validation and for the sandbox.

        The tool's own templates and styles are among them when the project has none: a leaflet or the brand still
        names only files inside the project (assets.check), so only the tool's templates and stylesheets use them.
        """
        roots = [self.templates, self.styles, self.handouts]
        if leaflet_folder is not None and self.contains(leaflet_folder) \
                and Path(leaflet_folder).resolve() not in (self.root, *roots):
            roots.append(Path(leaflet_folder).resolve())
        return roots


# -- reading files ---------------------------------------------------------


class NotARegularFile(OSError):
    """A FIFO, device or socket where a file was expected: reading it could block for ever."""


def read_limited(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, without ever blocking on a pipe or a device."""
    # O_NONBLOCK and O_CLOEXEC are POSIX; O_BINARY is Windows', where os.read would otherwise translate line ends.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(path)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_source(project: Project, path: Path) -> yamlsource.Source:
    """Read and parse one YAML file, or raise YAMLProblems."""
    name = project.relative(path)
    try:
        raw = read_limited(path, yamlsource.MAX_BYTES + 1)
    except FileNotFoundError:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", "file not found - check the path")])
    except NotARegularFile:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", "not a regular file (a pipe, device or socket?) - "
                                                               "leaflets must be ordinary files")])
    except OSError as exc:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", f"cannot read file: {exc.strerror}")])
    if len(raw) > yamlsource.MAX_BYTES:
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", f"file is {os.stat(path).st_size} bytes, more than the "
                                                               f"limit of {yamlsource.MAX_BYTES} - split it")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise yamlsource.YAMLProblems([Problem(name, line, column, "", f"byte 0x{raw[exc.start]:02x} is not UTF-8 - "
                                                                       "save the file as UTF-8")])
    if text.startswith("\ufeff"):
        raise yamlsource.YAMLProblems([Problem(name, 1, 1, "", "file starts with a byte-order mark - "
                                                               "save it as UTF-8 without BOM")])
    source = yamlsource.load(name, text)
    source.digest = hashlib.sha256(raw).hexdigest()
    return source


def unknown_leaflet(project: Project, source, field: str, file: Path) -> Problem | None:
    """The problem when `file`, the leaflet a translation or Easy Read names in `field`, is not in the project."""
    if file.exists() and project.contains(file):
        return None
    known = sorted(p.stem for p in file.parent.glob("*.yaml") if "." not in p.stem)
    close = difflib.get_close_matches(file.stem, known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "name a leaflet file in the same folder, without .yaml"
    return source.problem((field,), f"unknown leaflet '{file.stem}' ({project.relative(file)} does not exist) - {hint}")


def load_named(project: Project, source, field: str, file: Path, what: str, people, loaded: dict, load_leaflet):
    """The validated leaflet a translation or Easy Read names in `field` (its `what`), or the problem with it.

    `load_leaflet` is content.load_leaflet, passed in: loading a leaflet may load the one it names.
    """
    unknown = unknown_leaflet(project, source, field, file)
    if unknown:
        return None, unknown
    original, _problems = load_leaflet(project, file, people, loaded)  # reported with that file
    if original is None:
        return None, source.problem((field,), f"its {what} {project.relative(file)} has errors - fix them first "
                                              "(they are listed with that file)")
    return original, None
