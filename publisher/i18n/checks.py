"""A leaflet's language has a catalogue of labels, and the catalogue every label a render may print, checked before rendering."""

from __future__ import annotations

import re
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages import pofile

from publisher.core import caches
from publisher.core.errors import Problem
from publisher.i18n.catalogues import DOMAIN, LOCALES, available, find, folder_names, is_source, read, translated
from publisher.i18n.extraction import needed

_missing_cache: dict = {}
caches.register(_missing_cache.clear)


_WHAT = {
    "absent": ("is not in the {name} catalogue", "run make messages, then translate it"),
    "empty": ("no {name} translation", "add a msgstr, or run make messages"),
    "fuzzy": ("the {name} translation is marked fuzzy (not checked)", "check the msgstr and remove its '#, fuzzy' line"),
    "places": ("the {name} translation has {found} where the label has {wanted}",
               "keep each placeholder of the msgid, exactly as written, in the msgstr"),
}

# %(name)s in Python-format labels, {name} in the email subject's.
_PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)s|\{[A-Za-z_]+\}")


def placeholders(text: str) -> list[str]:
    """The placeholders of a label, sorted: a translation must have the same ones (or rendering would fail)."""
    return sorted(_PLACEHOLDER.findall(text))


def _missing(root: Path, path: Path) -> list[tuple[int, str, str, str, str]]:
    """(line in the .po, message id, which problem, placeholders found, wanted) for every label the catalogue lacks."""
    catalog = read(path)
    out = []
    for message in needed(Path(root)):
        if not message.id:  # the header
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found = catalog.get(message.id, context=message.context)
        if found is None:
            out.append((1, msgid, "absent", "", ""))
        elif found.fuzzy:
            out.append((found.lineno or 1, msgid, "fuzzy", "", ""))
        elif not translated(found):
            out.append((found.lineno or 1, msgid, "empty", "", ""))
        else:
            strings = found.string if isinstance(found.string, (list, tuple)) else [found.string]
            for string in strings:
                if placeholders(string or "") != placeholders(msgid):
                    out.append((found.lineno or 1, msgid, "places", " ".join(placeholders(string or "")) or "none",
                                " ".join(placeholders(msgid)) or "none"))
                    break
    return out


def problems(root: Path, leaflet_name: str, tag, where: tuple[int, int]) -> list[Problem]:
    """Errors for a leaflet whose language has no catalogue, or a catalogue missing labels (none for English)."""
    if not isinstance(tag, str) or is_source(tag):
        return []
    root = Path(root)
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return [Problem(leaflet_name, *where, "language", f"'{tag}' is not a language the tool knows (CLDR) - "
                                                          "use a BCP 47 tag such as en-GB, cy or zh-Hans")]
    path = find(root, tag)
    if path is None:
        have = ", ".join(available(root)) or "none"
        return [Problem(leaflet_name, *where, "language",
                        f"no catalogue of labels for '{tag}' ({locale.english_name}); catalogues: {have} (English "
                        f"needs none) - add {LOCALES}/{folder_names(tag)[-1]}/LC_MESSAGES/{DOMAIN}.po, as the README's "
                        "'Languages of the labels' says")]
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    key = (str(root), str(path))
    try:
        if key not in _missing_cache:
            _missing_cache[key] = _missing(root, path)
    except (OSError, pofile.PoFileError, ValueError) as exc:
        return [Problem(shown, 1, 1, "", f"cannot read the catalogue ({exc}), needed by {leaflet_name} - fix the .po file")]
    out = []
    for line, msgid, kind, found, wanted in _missing_cache[key]:
        what, fix = _WHAT[kind]
        said = what.format(name=locale.english_name, found=found, wanted=wanted)
        out.append(Problem(shown, line, 1, f'msgid "{msgid}"', f"{said}, needed by {leaflet_name} - {fix}"))
    return out
