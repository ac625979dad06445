"""The brand file: the organisation's name, logo, colours and statements, checked for contrast and safe subjects."""

from __future__ import annotations

from publisher.core.errors import Problem
from publisher.source import assets, yamlsource
from publisher.source.project import Project
from publisher.source.schema import BRAND_SCHEMA, load_checked


def load_brand(project: Project):
    """The brand file: (data or None, problems)."""
    source, problems = load_checked(project, project.brand_file, BRAND_SCHEMA)
    if source and not problems:
        # The logo is drawn by the sandboxed render, so it must come from a folder the sandbox serves.
        assets.check(project, source, project.brand_file.parent, ("logo",), source.data["logo"], problems,
                     project.asset_roots())
        problems += _contrast_problems(source) + _subject_problems(source)
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
