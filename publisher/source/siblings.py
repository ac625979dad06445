"""A leaflet's other language versions: the translations beside its source, found by their file names alone."""

from __future__ import annotations

from pathlib import Path

from publisher.i18n import languages


def source_stem(path: Path) -> str:
    """The stem of the source leaflet of `path`: its own, or, for '<source>.<x>.yaml' beside '<source>.yaml', that."""
    stem = Path(path).stem
    base = stem.rsplit(".", 1)[0]
    return base if "." in stem and (Path(path).parent / f"{base}.yaml").exists() else stem


def translations(path: Path) -> dict[str, str]:
    """{language tag: file stem} of the translations of `path`'s source, named '<source>.<tag>.yaml', sorted by tag.

    Read from the folder, not from the files, so the manifest can tell when the set changes before parsing anything.
    """
    base = source_stem(path)
    found = {}
    for other in sorted(Path(path).parent.glob(f"{base}.*.yaml")):
        tag = other.stem[len(base) + 1:]
        if "." not in tag and languages.known(tag):  # not an Easy Read ('<source>.easy-read')
            found[tag] = other.stem
    return found


def digest(path: Path) -> str:
    """What a page that links its other languages is made from beside its leaflet: which translations there are."""
    return " ".join(f"{tag}={stem}" for tag, stem in translations(path).items())
