"""The brand file: the organisation's name, logo, colours and statements, checked for contrast and safe subjects."""

from __future__ import annotations

from publisher.core import caches
from publisher.core.errors import Problem
from publisher.i18n import catalogues as i18n
from publisher.i18n import checks, languages
from publisher.source import assets, translated, yamlsource
from publisher.source.project import Project, read_source
from publisher.source.schema import BRAND_SCHEMA, load_checked


def load_brand(project: Project):
    """The brand file: (data or None, problems)."""
    source, problems = load_checked(project, project.brand_file, BRAND_SCHEMA)
    if source and not problems:
        # The logo is drawn by the sandboxed render, so it must come from a folder the sandbox serves.
        assets.check(project, source, project.brand_file.parent, ("logo",), source.data["logo"], problems,
                     project.asset_roots())
        problems += _contrast_problems(source) + _subject_problems(source) + _placeholder_problems(source)
    return (source.data if source and not problems else None), problems


SUBJECT_FIELDS = ("title", "organisation", "reference")


def _subject_problems(source: yamlsource.Source) -> list[Problem]:
    """An email subject template whose placeholders the mail step could not fill."""
    template = (source.data.get("email") or {}).get("subject")
    if template is None:
        return []
    try:
        template.format_map({name: "" for name in SUBJECT_FIELDS})
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        what = f"unknown placeholder {exc}" if isinstance(exc, KeyError) else "a stray '{' or '}'"
        return [source.problem(("email", "subject"), f"has {what} - use {{title}}, {{organisation}} or "
                                                     "{reference}, and write a brace as {{ or }}")]
    return []


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (colour, background, minimum ratio, what needs it). Body-size text needs 4.5:1;
# large text (18 pt, or 14 pt bold, like the callout labels) needs 3:1.
_CONTRAST_RULES = (
    ("text", "#ffffff", 4.5, "body text on white"),
    ("text", "tint", 4.5, "body text on the tinted panels"),
    ("primary", "#ffffff", 4.5, "links and headings on white, and white text on the brand band"),
    ("urgent", "#ffffff", 3.0, "the bold 'Get help now' labels (large text)"),
)


def _contrast_problems(source: yamlsource.Source) -> list[Problem]:
    colours = source.data["colours"]
    found = []
    for name, background, need, what in _CONTRAST_RULES:
        if name not in colours:
            continue
        back = colours.get(background, background)
        ratio = contrast(colours[name], back)
        if ratio < need:
            on = "white" if back.lower() == "#ffffff" else f"the tint {back}"
            found.append(source.problem(("colours", name), f"'{colours[name]}' on {on} has a contrast of "
                                        f"{ratio:.1f}:1, below the {need:g}:1 that {what} needs - choose a "
                                        f"{'darker' if name != 'tint' else 'lighter'} colour"))
    return found


# brand.yaml's words to patients: written in English at the top, and in each other language under translations.
TEXTS = ("other_formats", "feedback", "disclaimer")


def texts(brand: dict, tag: str) -> dict:
    """The brand's texts to patients in one language: the English fields for English, else its translations entry."""
    return translated.texts(brand, TEXTS, tag)


def text(brand: dict, field: str, tag: str) -> str:
    """One of the brand's texts in a language ('' for an optional one the brand has not written).

    Raises MissingLabel for a translation without it: check reports that first (language_problems).
    """
    if not brand.get(field):
        return ""
    found = texts(brand, tag).get(field)
    if not found:
        raise i18n.MissingLabel(f"brand.yaml has no {languages.name(tag)} {field} - add it under translations: {tag}")
    return found.strip()


def _placeholder_problems(source: yamlsource.Source) -> list[Problem]:
    """A translated text whose {placeholders} differ from its English one's (the statement's {formats})."""
    data = source.data
    found = []
    for tag, given in (data.get("translations") or {}).items():
        for field, text in given.items():
            wanted, have = checks.placeholders(data.get(field) or ""), checks.placeholders(text)
            if have != wanted:
                found.append(source.problem(("translations", tag, field), f"has {' '.join(have) or 'no placeholder'} "
                                            f"where the English has {' '.join(wanted) or 'none'} - keep each "
                                            "placeholder of the English text, exactly as written"))
    return found


_sources: dict = {}
caches.register(_sources.clear)


def _read(project: Project) -> yamlsource.Source | None:
    """brand.yaml as parsed, once while it is unchanged; None when it cannot be read (load_brand says why)."""
    try:
        stat = project.brand_file.stat()
    except OSError:
        return None
    key = (str(project.brand_file), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if key not in _sources:
        try:
            _sources[key] = read_source(project, project.brand_file)
        except yamlsource.YAMLProblems:
            _sources[key] = None
    return _sources[key]


def language_problems(project: Project, tag, needed_by: str) -> list[Problem]:
    """An error for a leaflet language whose brand texts brand.yaml lacks (none for English)."""
    if not isinstance(tag, str) or i18n.is_source(tag) or not languages.known(tag):
        return []
    source = _read(project)
    data = source.data if source is not None else None
    if source is None or not isinstance(data, dict) or not isinstance(data.get("translations", {}), dict):
        return []  # load_brand reports a brand.yaml that cannot be read, or of the wrong shape
    given = texts(data, tag)
    missing = [f for f in TEXTS if isinstance(data.get(f), str) and data[f].strip()
               and not (isinstance(given.get(f), str) and given[f].strip())]
    if not missing:
        return []
    name, key = languages.name(tag), translated.lookup(data.get("translations") or {}, tag)
    fields = " and ".join(filter(None, (", ".join(missing[:-1]), missing[-1])))
    if key is None:
        where = ("translations",) if "translations" in data else (missing[0],)
        return [source.problem(where, f"no {name} texts for patients ({fields}), needed by {needed_by} - add them "
                                      f"under translations: {tag}:, translated from the English ones above "
                                      "(docs/languages.md)", at_key=True)]
    return [source.problem(("translations", key), f"the {name} texts lack {fields}, needed by {needed_by} - "
                                                  "translate them from the English ones above", at_key=True)]
