"""The publication archive: every published version's files, kept read-only, and the "bump the version" rule.

Layout, beside the output folder (archive/ for dist/, <out>-archive for any other --out):

    archive/<stem>/<version>/index.json          what the version said and every file made of it
    archive/<stem>/<version>/<made-by>/<file>    the files, one folder per template/tool version that made them

"Content" is what the leaflet says: its YAML data (not its comments or layout), the entries in
people.yaml of everyone it credits, and the bytes of its images. Templates, styles, fonts, the
brand, the paper and the tool are presentation: with the brand's `archive: {cosmetic: allow}` (the
default) a presentation change keeps the version and adds files under a new <made-by> folder; with
`cosmetic: bump` it is refused until the version is bumped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import re
import stat
from pathlib import Path

from publisher import __version__
from publisher.build import manifest
from publisher.core.errors import Problem
from publisher.source.content import Leaflet, Project

INDEX = "index.json"
FORMAT = 1
TAG = 12  # hex digits of the presentation digest naming a <made-by> folder
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z")


def folder(project: Project, out: Path) -> Path:
    """The archive beside the output folder: archive/ for the project's dist/, '<out>-archive' for another."""
    from publisher.build.settings import OUT
    out = Path(out)
    if out.resolve() == (Path(project.root) / OUT).resolve():
        return Path(project.root) / "archive"
    return out.with_name(out.name + "-archive")


def enabled(brand: dict | None) -> bool:
    """Whether the brand keeps an archive (an `archive:` entry in brand.yaml)."""
    return brand is not None and isinstance(brand.get("archive"), dict)


def cosmetic(brand: dict | None) -> str:
    """'allow' or 'bump': what a presentation-only change to a published version needs."""
    return (brand or {}).get("archive", {}).get("cosmetic", "allow")


def content_digest(project: Project, leaflet: Leaflet, people: dict) -> str:
    """What the leaflet says: its data, the people it credits and its images (never templates or styles)."""
    return manifest.digest_json({
        "leaflet": leaflet.data,
        "people": {pid: people[pid] for pid in leaflet.people_ids()},
        "images": {image: manifest.digest_file(project.root / image) for image in leaflet.images(project)},
    })


def _language(leaflet: Leaflet) -> str:
    """The key of what a leaflet says in its version's index: its language, and a translation's correction after
    the first ('cy r2'), as a translation cannot bump the version it shares with its source."""
    language = str(leaflet.data.get("language", ""))
    revision = leaflet.data.get("translation_revision", 1)
    return language if not leaflet.translation_of or revision == 1 else f"{language} r{revision}"


def safe_version(version) -> bool:
    """Whether a version can name a folder (the schema is looser than a file name)."""
    return isinstance(version, str) and bool(_VERSION.match(version)) and ".." not in version


def version_folder(root: Path, stem: str, version: str) -> Path:
    return Path(root) / stem / version


class Damaged(ValueError):
    """An index.json that exists but cannot be read as one: never a reason to skip a rule."""


def load_index(path: Path) -> dict | None:
    """An index.json, or None when there is none; raises Damaged when it is there but unreadable or malformed."""
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise Damaged(f"cannot be read ({exc.strerror if isinstance(exc, OSError) else 'not JSON'})") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(files, list) \
            or not isinstance(data.get("content"), dict) or not all(
                isinstance(f, dict) and isinstance(f.get("file"), str) and isinstance(f.get("sha256"), str)
                and isinstance(f.get("name"), str) for f in files):
        raise Damaged(f"is not an archive index (format {FORMAT} with content and files)")
    return data


def _damaged_files(home: Path, index: dict) -> list[str]:
    """The kept files of one version whose bytes are not the ones its index records (or that are gone)."""
    found = []
    for entry in index["files"]:
        kept = home / entry["file"]
        if ".." in Path(entry["file"]).parts or Path(entry["file"]).is_absolute():
            found.append(f"{entry['file']}: names a file outside its version's folder")
            continue
        digest = manifest.digest_file(kept)
        if digest is None:
            found.append(f"{entry['file']}: is missing")
        elif digest != entry["sha256"]:
            found.append(f"{entry['file']}: its bytes are not the ones archived (SHA-256 {digest[:12]}..., "
                         f"recorded {entry['sha256'][:12]}...)")
    return found


def verify(root: Path) -> list[str]:
    """Every problem in an archive: a damaged index.json, a kept file changed, appended to or gone ([] when sound)."""
    problems = []
    for index_path in sorted(Path(root).glob(f"*/*/{INDEX}")):
        home, shown = index_path.parent, index_path.parent.relative_to(Path(root).parent).as_posix()
        try:
            index = load_index(index_path)
        except Damaged as exc:
            problems.append(f"{shown}/{INDEX}: {exc} - restore it from a backup")
            continue
        if index is not None:
            problems += [f"{shown}/{line} - restore it from a backup" for line in _damaged_files(home, index)]
    return problems


def holds(root: Path, stem: str, version: str, name: str, data: bytes) -> bool:
    """Whether the archive keeps exactly these bytes as `name` of a leaflet's `version`, and its copy is intact."""
    if not safe_version(version):
        return False
    home = version_folder(root, stem, version)
    try:
        index = load_index(home / INDEX)
    except Damaged:
        return False
    digest = manifest.digest_bytes(data)
    kept = [f for f in (index or {}).get("files", []) if f["name"] == name and f["sha256"] == digest]
    return any(not _damaged_files(home, {"files": [f]}) for f in kept)


def check(root: Path, project: Project, leaflet: Leaflet, people: dict, made_by: str | None,
          policy: str) -> list[Problem]:
    """Problems publishing `leaflet` would cause: its version was archived with other content (or presentation)."""
    version = leaflet.data.get("version")
    if not isinstance(version, str) or not safe_version(version):
        return [leaflet.source.problem(("version",), f"'{version}' cannot name an archive folder - use letters, "
                                                     "digits, '.', '-' and '_', e.g. \"1.1\"")
                ] if leaflet.source else []
    if leaflet.source is None:
        return []
    home = version_folder(root, leaflet.stem, version)
    shown = home.relative_to(Path(root).parent).as_posix()  # the same on Windows
    try:
        index = load_index(home / INDEX)
    except Damaged as exc:
        return [leaflet.source.problem(("version",), f"the archive's {shown}/{INDEX} "
                                                     f"{exc} - restore it from a backup; nothing is published until "
                                                     "it is sound")]
    if index is None:
        return []
    damaged = _damaged_files(home, index)
    if damaged:
        return [leaflet.source.problem(("version",), f"the archive of version {version} was changed: "
                                                     f"{shown}/{damaged[0]} - restore it "
                                                     f"from a backup (build.py archive verify lists every problem)")]
    recorded = index["content"].get(_language(leaflet))
    if recorded is not None and recorded != content_digest(project, leaflet, people):
        if leaflet.translation_of:  # its version is its source's: a correction is a new translation_revision
            revision = leaflet.data.get("translation_revision", 1)
            return [leaflet.source.problem(("source_version",), f"the published translation of version {version} "
                                           f"(translation_revision {revision}) differed: set translation_revision: "
                                           f"{revision + 1}, or revert")]
        return [leaflet.source.problem(("version",), f"the published version {version} differed: bump `version` "
                                                     "or revert")]
    tags = {f.get("made_by") for f in index["files"]}
    if policy == "bump" and made_by is not None and tags and made_by[:TAG] not in tags:
        return [leaflet.source.problem(("version",), f"the published version {version} was made with other "
                                                     "templates, styles or tool: bump `version`, or set "
                                                     "archive: {cosmetic: allow} in brand.yaml")]
    return []


@dataclasses.dataclass(frozen=True)
class Made:
    """One file a build wrote, to be archived with its leaflet's version."""

    leaflet: Leaflet
    key: str  # the file's name in the output folder
    output: str  # format name
    edition: str
    language: str | None
    sha256: str


def keep(root: Path, out: Path, project: Project, made: list[Made], people: dict, made_by: str,
         today: datetime.date) -> None:
    """Copy each file from `out` into the archive (read-only) and record it in its version's index; raises OSError."""
    by_version: dict[tuple, list[Made]] = {}
    for item in made:
        version = item.leaflet.data.get("version")
        if safe_version(version):
            by_version.setdefault((item.leaflet.stem, version), []).append(item)
    for (stem, version), items in sorted(by_version.items(), key=lambda kv: kv[0]):
        home = version_folder(root, stem, version)
        leaflet = items[0].leaflet
        index = load_index(home / INDEX) or {
            "format": FORMAT, "stem": stem, "version": version, "reference": leaflet.data.get("reference"),
            "title": leaflet.data.get("title"), "published": leaflet.data.get("dates", {}).get("published"),
            "archived": today.isoformat(), "content": {}, "files": []}
        # One content hash per language: a translation is the same version in other words, not a change.
        for each in {id(item.leaflet): item.leaflet for item in items}.values():
            if _language(each) not in index["content"]:
                index["content"][_language(each)] = content_digest(project, each, people)
        known = {(f["file"], f["sha256"]) for f in index["files"]}
        tag = made_by[:TAG]
        for item in items:
            relative = f"{tag}/{item.key}"
            if (home / relative).exists() and manifest.digest_file(home / relative) != item.sha256:
                relative = f"{tag}/{item.sha256[:TAG]}/{item.key}"  # never overwrite what was given out
            if (relative, item.sha256) in known and (home / relative).exists():
                continue
            if not (home / relative).exists():  # already there (an index rebuilt): never write over a kept file
                _copy_read_only(out / item.key, home / relative, item.sha256)
            index["files"] = [f for f in index["files"] if f["file"] != relative] + [{
                "file": relative, "name": item.key, "format": item.output, "edition": item.edition,
                "language": item.language, "sha256": item.sha256, "made_by": tag, "tool": __version__,
                "archived": today.isoformat()}]
        _write_index(home / INDEX, index)


def _copy_read_only(source: Path, target: Path, sha256: str) -> None:
    """Copy a file the build just wrote into the archive, checking its bytes are the ones recorded."""
    from publisher.core.files import write_atomic
    data = source.read_bytes()
    if manifest.digest_bytes(data) != sha256:
        raise OSError(f"{source.name} changed while it was being archived")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    make_read_only(target)


def _write_index(path: Path, index: dict) -> None:
    from publisher.core.files import write_atomic
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(index, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def versions(root: Path, stem: str) -> list[dict]:
    """Every archived version of a leaflet, oldest first: index.json contents."""
    found = []
    with contextlib.suppress(OSError):
        for child in sorted(Path(root, stem).iterdir()):
            with contextlib.suppress(Damaged):  # listed only; building or publishing it reports the damage
                index = load_index(child / INDEX)
                if index:
                    found.append(index)
    return sorted(found, key=lambda i: (i.get("archived", ""), i.get("version", "")))


def make_read_only(path: Path) -> None:
    """Remove every write permission (the archive is not to be edited; a person can still delete on purpose)."""
    mode = os.stat(path).st_mode
    os.chmod(path, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))

