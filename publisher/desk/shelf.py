"""A leaflet's files as the desk shows them: grouped by language and named for people, with what each can do."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from publisher.build import archive
from publisher.core.editions import DEFAULT_EDITION, EDITIONS
from publisher.desk.library import File, Item
from publisher.outputs import audio
from publisher.outputs import base as outputs
from publisher.site.catalogue import size_text

# Names staff know, for the formats that have one; any other format is named by its registry label or summary.
NAMES = {"html": "Web page", "preview": "Print layout (HTML)", "brf": "Braille (BRF)", "mp3": "Audio (MP3)"}
DOWNLOADS = {"brf", "pef", "mp3"}  # for an embosser or a player, not the browser's viewer


@dataclasses.dataclass(frozen=True)
class Choice:
    """One file on the leaflet's page: its name for people and what may be done with it."""

    file: File
    label: str
    size: str
    action: str  # "print" (opens in the browser) or "download"
    attachable: bool  # a PDF, sent as an attachment


@dataclasses.dataclass(frozen=True)
class Group:
    heading: str
    language: str  # "" for the leaflet's own language
    choices: tuple


def language_heading(tag: str) -> str:
    """'cy' -> 'Cymraeg (Welsh)'; a language in its own words, then in English when they differ."""
    import babel
    try:
        locale = babel.Locale.parse(tag, sep="-")
    except (ValueError, babel.UnknownLocaleError):
        return tag
    own, english = locale.get_language_name(locale) or tag, locale.get_language_name("en") or tag
    own = own[:1].upper() + own[1:]
    return own if own == english else f"{own} ({english})"


def _edition(edition: str) -> str:
    if edition == DEFAULT_EDITION:
        return "Standard print"
    label = EDITIONS[edition].label.removesuffix(" edition") if edition in EDITIONS else edition.replace("-", " ")
    return label[:1].upper() + label[1:]


def label(file: File, brand: dict | None) -> str:
    """'Large print (PDF)', 'Welsh and English side by side', 'Braille (BRF)': a file's name for people."""
    output = outputs.REGISTRY.get(file.format)
    if file.format == "bilingual":
        setting = (brand or {}).get("bilingual") or {}
        languages = " and ".join(language_heading(t).split(" (")[-1].rstrip(")") for t in setting.get("languages", []))
        how = "one after the other" if setting.get("layout") == "sequential" else "side by side"
        name = f"{languages or 'Two languages'} {how}"
        return name if file.edition == DEFAULT_EDITION else f"{name}, {_edition(file.edition).lower()}"
    if output is not None and output.media_type == "application/pdf":
        kind = output.label.removesuffix(" (PDF)") if output.label and file.format != "pdf" else ""
        return f"{kind or _edition(file.edition)} (PDF)" if not kind or file.edition == DEFAULT_EDITION \
            else f"{kind}, {_edition(file.edition).lower()} (PDF)"
    name = NAMES.get(file.format) or (output.label or output.summary if output else file.format)
    return name if file.edition == DEFAULT_EDITION else f"{name}, {_edition(file.edition).lower()}"


def groups(item: Item, brand: dict | None) -> list[Group]:
    """The leaflet's files by language, its own first: every file the build made, whatever its format."""
    found: dict[str, list[Choice]] = {}
    own = str(item.leaflet.data.get("language", ""))
    for file in item.files:
        if file.format == "mp3" and not audio.approved(brand, file.language or own):
            continue  # made before the brand withdrew its approval: not given out
        choice = Choice(file, label(file, brand), size_text(file.size),
                        "download" if file.format in DOWNLOADS else "print", file.media_type == "application/pdf")
        found.setdefault(file.language, []).append(choice)
    return [Group(language_heading(language or own), language, tuple(choices))
            for language, choices in found.items()]


def link(site_url: str, archive_root: Path, stem: str, version: str, name: str, sha256: str) -> str | None:
    """The address of these exact bytes in the published archive (never "latest"), or None if not archived."""
    if not site_url or not archive.safe_version(version):
        return None
    index = archive.load_index(archive.version_folder(archive_root, stem, version) / archive.INDEX)
    for entry in (index or {}).get("files", []):
        if entry.get("name") == name and entry.get("sha256") == sha256:
            path = "/".join(["archive", stem, version, str(entry["file"])])
            return f"{site_url.rstrip('/')}/{path}"
    return None

