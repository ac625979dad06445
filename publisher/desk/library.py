"""What the desk offers: the leaflets of a built output folder, read through its manifest, any format or language."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from pathlib import Path

from publisher.build import archive, manifest
from publisher.core.editions import EDITIONS
from publisher.core.errors import PublisherError
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.source import content

# Short names for the formats staff choose between; a format not named here shows its registry summary.
SHORT = {"pdf": "PDF", "html": "Web page", "preview": "Print layout (HTML)", "brf": "Braille (BRF)",
         "mp3": "Audio (MP3)"}


@dataclasses.dataclass(frozen=True)
class File:
    """One built file of a leaflet."""

    key: str  # its name in the output folder, and the only way a request names it
    format: str
    edition: str
    language: str  # "" for the leaflet's own language
    media_type: str
    size: int = 0  # bytes

    @property
    def label(self) -> str:
        output = outputs.REGISTRY.get(self.format)
        name = SHORT.get(self.format) or (output.summary if output else self.format)
        parts = [name, EDITIONS[self.edition].label if self.edition in EDITIONS else self.edition]
        return ", ".join(parts + ([f"language {self.language}"] if self.language else []))


@dataclasses.dataclass(frozen=True)
class Item:
    """One leaflet on the desk."""

    stem: str
    leaflet: content.Leaflet
    files: tuple
    translations: tuple = ()  # its translations' leaflets, each with its own title, for the files in their language

    def leaflet_for(self, file: File) -> content.Leaflet:
        """The leaflet a file was made from: the translation in the file's language, else the source."""
        return next((t for t in self.translations if t.language == file.language), self.leaflet)

    @property
    def title(self) -> str:
        return str(self.leaflet.data.get("title", self.stem))

    @property
    def reference(self) -> str:
        return str(self.leaflet.data.get("reference", ""))

    @property
    def version(self) -> str:
        return str(self.leaflet.data.get("version", ""))

    def file(self, key: str) -> File | None:
        return next((f for f in self.files if f.key == key), None)

    def matches(self, words: list[str]) -> bool:
        data = self.leaflet.data
        text = " ".join([self.stem, self.title, self.reference, str(data.get("summary", "")),
                         " ".join(map(str, data.get("keywords", [])))]).casefold()
        return all(word in text for word in words)


class Unpublished(PublisherError):
    """A file on the desk whose bytes are not the ones published for its leaflet's current version."""


class Library:
    """The leaflets in `out`, reloaded when its manifest changes."""

    def __init__(self, project: content.Project, out: Path):
        self.project, self.out = project, Path(out)
        self.items: dict[str, Item] = {}
        self.brand: dict = {}
        self.stamp: tuple | None = None
        self.published: dict[str, tuple[str, str]] = {}  # file name -> (version, SHA-256) the publishing build made
        self.lock = threading.Lock()

    def refresh(self) -> None:
        """Read the manifest again if it changed since last time."""
        stamp = None
        with contextlib.suppress(OSError):
            info = (self.out / manifest.NAME).stat()
            stamp = (info.st_mtime_ns, info.st_size)
        with self.lock:
            if stamp == self.stamp and (self.items or self.brand):
                return
            self.items = self._load()
            self.stamp = stamp

    def _load(self) -> dict[str, Item]:
        record = manifest.Manifest.load(self.out)
        self.published = {key: (str(entry.about.get("version", "")), entry.digest) for key, entry in record.entries.items()}
        people, _ = content.load_people(self.project)
        brand, _ = content.load_brand(self.project)
        self.brand = brand or {}
        by_source: dict[str, list] = {}
        for key, entry in record.entries.items():
            by_source.setdefault(entry.source, []).append(key)
        loaded: dict[str, tuple] = {}  # source stem -> (its leaflet, its translations, [(key, described)])
        for source, keys in sorted(by_source.items()):
            path = self.project.root / source
            if not self.project.contains(path) or not path.is_file():
                continue
            leaflet, problems = content.load_leaflet(self.project, path, people)
            if leaflet is None:
                continue  # a leaflet that no longer validates is not offered
            # A translation's files are offered with its source's: '<source stem>.<language>...'.
            stem = leaflet.source_stem
            own, translations, found = loaded.get(stem, (None, [], []))
            if leaflet.translation_of:
                translations.append(leaflet)
            else:
                own = leaflet
            found += [(key, naming.parsed(key, stem)) for key in sorted(keys)]
            loaded[stem] = (own, translations, found)
        items = {}
        for stem, (own, translations, found) in sorted(loaded.items()):
            if own is None:
                continue
            files = []
            for key, named in found:
                if named and (self.out / key).is_file():
                    files.append(File(key, named.output.name, named.edition, named.language or "",
                                      named.output.media_type, (self.out / key).stat().st_size))
            # The leaflet's own language first, then the registry's order of formats and editions.
            formats, editions = list(outputs.REGISTRY), list(EDITIONS)
            files.sort(key=lambda f: (f.language != "", f.language, formats.index(f.format),
                                      editions.index(f.edition) if f.edition in editions else len(editions)))
            if files:
                items[stem] = Item(stem, own, tuple(files), tuple(sorted(translations, key=lambda t: t.language)))
        return items

    def search(self, query: str) -> list[Item]:
        self.refresh()
        words = query.casefold().split()
        return sorted((i for i in self.items.values() if i.matches(words)), key=lambda i: i.title.casefold())

    def get(self, stem: str) -> Item | None:
        self.refresh()
        return self.items.get(stem)

    def read(self, item: Item, file: File) -> bytes:
        """The file's bytes, read at each print and send and given out only when they are the published ones.

        With an archive, the archive must hold these exact bytes (SHA-256) for the version the publishing build
        made; without one, they must be the bytes that build recorded. Its name came from the manifest.
        """
        data = (self.out / file.key).read_bytes()
        version, digest = self.published.get(file.key, ("", ""))
        if archive.enabled(self.brand):
            # A translation's files are archived under its own stem (x.cy), beside its source's.
            ok = archive.holds(archive.folder(self.project, self.out), item.leaflet_for(file).stem, version, file.key,
                               data)
        else:
            ok = bool(digest) and manifest.digest_bytes(data) == digest
        if not ok:
            raise Unpublished(f"{file.key} is not the published version {version or item.version} of "
                              f"{item.reference or item.stem}: publish it again (build.py publish)")
        return data
