"""Sections matched by identity: each section's key, and what a translation lacks or adds against its source."""

from __future__ import annotations

import dataclasses

from . import markdown, yamlsource
from .errors import Problem

RULE = "translation-structure"  # a step, table or link a translation lacks or adds: a warning check names


def key(section: dict, index: int) -> str:
    """A section's key: its `id:`, else its place ("#2") for leaflets written before sections had ids."""
    return section["id"] if isinstance(section.get("id"), str) else f"#{index + 1}"


def keys(sections: list) -> list[str]:
    """The key of each section, in order."""
    return [key(s, i) for i, s in enumerate(sections)]


def rows(first: list, second: list) -> list[tuple]:
    """(first's section, second's) paired by key in the first's order; a section with no partner beside None."""
    theirs = dict(zip(keys(second), second, strict=True))
    out = [(section, theirs.pop(k, None)) for k, section in zip(keys(first), first, strict=True)]
    return out + [(None, section) for section in theirs.values()]


def own_problems(source: yamlsource.Source, sections: list) -> list[Problem]:
    """A leaflet's ids: all or none of its sections have one, and no two the same."""
    given = [i for i, s in enumerate(sections) if isinstance(s, dict) and "id" in s]
    found = []
    if given and len(given) < len(sections):
        for i, section in enumerate(sections):
            if i not in given:
                found.append(source.problem(("sections", i), "this section has no id while others have - give every "
                                                             "section an 'id:' (e.g. 'id: "
                                                             f"{_suggest(section, i)}') or none"))
    seen: dict = {}
    for i in given:
        value = sections[i]["id"]
        if value in seen:
            found.append(source.problem(("sections", i, "id"), f"'{value}' is also the id of sections[{seen[value]}] "
                                                               "- give each section its own id"))
        seen.setdefault(value, i)
    return found


def translation_problems(source: yamlsource.Source, sections: list, original: yamlsource.Source,
                         relative: str) -> list[Problem]:
    """Errors for each section a translation lacks or adds against its source, paired by key; warnings for what
    a paired section's steps, tables and links lack or add."""
    theirs = original.data.get("sections") or []
    found = _key_problems(source, sections, original, relative)
    if found:
        return found
    mine_by_key = dict(zip(keys(sections), enumerate(sections), strict=True))
    for their_index, (k, their_section) in enumerate(zip(keys(theirs), theirs, strict=True)):
        index, section = mine_by_key[k]
        found += _mirror(source, ("sections", index), _shape(section), _shape(their_section),
                         f"{relative}:{original.mark(('sections', their_index)).line}", _name(their_section, k))
    their_links = [link.get("url") for link in original.data.get("further_reading") or []]
    links = [link.get("url") for link in source.data.get("further_reading") or []]
    return found + _differ(source, ("further_reading",), "link", their_links, links, relative, "further reading")


def _key_problems(source: yamlsource.Source, sections: list, original: yamlsource.Source,
                  relative: str) -> list[Problem]:
    """Sections the translation lacks or adds, or an old translation's missing ids."""
    theirs = original.data.get("sections") or []
    mine_ids, their_ids = any("id" in s for s in sections), any("id" in s for s in theirs)
    if their_ids and not mine_ids:
        hint = ", ".join(f"'id: {k}'" for k in keys(theirs))
        return [source.problem(("sections",), f"these sections have no ids but their source's do ({relative}) - add "
                                              f"to each section the id of the source section it translates: {hint}")]
    if mine_ids and not their_ids:
        return [source.problem(("sections",), f"these sections have ids but their source's ({relative}) do not - "
                                              "add the same 'id:' to each section of the source")]
    if not mine_ids and len(sections) != len(theirs):
        return [source.problem(("sections",), f"{len(sections)} sections, but the source ({relative}) has "
                                              f"{len(theirs)}; without ids they are paired by place - give each "
                                              "section of both files an 'id:' (e.g. 'id: "
                                              f"{_suggest(theirs[0], 0)}'), the same in the section and its "
                                              "translation, and translate every section")]
    found = []
    mine_keys, their_keys = keys(sections), keys(theirs)
    for i, k in enumerate(mine_keys):
        if k not in their_keys:
            found.append(source.problem(("sections", i, "id"), f"adds section '{k}', which its source ({relative}) "
                                                               "does not have - remove it, or give it the id of the "
                                                               f"source section it translates ({', '.join(their_keys)})"))
    for j, k in enumerate(their_keys):
        if k not in mine_keys:
            at = f"{relative}:{original.mark(('sections', j)).line}"
            found.append(source.problem(("sections",), f"lacks section '{k}' ({_name(theirs[j], k)}, {at}) - "
                                                       f"translate it, with 'id: {k}'"))
    return found


@dataclasses.dataclass
class Shape:
    """What a translation of a section must mirror: its numbered steps, tables and link targets."""

    steps: int = 0
    tables: int = 0
    links: list = dataclasses.field(default_factory=list)
    cards: int = 0
    callouts: list = dataclasses.field(default_factory=list)


def _shape(section: dict) -> Shape:
    shape = Shape(cards=len(section.get("cards") or []),
                  callouts=[c.get("kind") for c in section.get("callouts") or []])
    texts = [section.get("body")] + [c.get("body") for c in (section.get("cards") or []) + (section.get("callouts")
                                                                                           or [])]
    for text in filter(None, texts):
        ordered = 0
        for token in markdown.parse(text):
            ordered += {"ordered_list_open": 1, "ordered_list_close": -1}.get(token.type, 0)
            shape.steps += token.type == "list_item_open" and ordered > 0
            shape.tables += token.type == "table_open"
        shape.links += markdown.links(text)
    return shape


def _mirror(source: yamlsource.Source, path: tuple, mine: Shape, theirs: Shape, at: str, name: str) -> list[Problem]:
    found = []
    for what, a, b in (("numbered steps", mine.steps, theirs.steps), ("tables", mine.tables, theirs.tables),
                       ("cards", mine.cards, theirs.cards), ("callouts", len(mine.callouts), len(theirs.callouts))):
        if a != b:
            found.append(_warning(source.problem(path, f"section '{name}' has {a} {what}, its source {b} ({at}) - "
                                                       f"a translation has the {what} of its source")))
    return found + _differ(source, path, "link", theirs.links, mine.links, at, f"section '{name}'")


def _differ(source, path: tuple, what: str, theirs: list, mine: list, at: str, name: str) -> list[Problem]:
    found = [_warning(source.problem(path, f"{name} lacks the {what} to {url} that its source has ({at}) - "
                                           f"translate it too")) for url in theirs if url not in mine]
    return found + [_warning(source.problem(path, f"{name} adds a {what} to {url} that its source does not have "
                                                  f"({at}) - add it to the source too, or remove it"))
                    for url in mine if url not in theirs]


def _warning(problem: Problem) -> Problem:
    # Shown by its rule ("warning: translation-structure: ..."), so a leaflet may waive it and --strict counts it.
    return dataclasses.replace(problem, field="", level="warning", rule=RULE)


def _name(section: dict, k: str) -> str:
    """How a section is named in a message: its heading, else its first callout's, else its key."""
    callouts = section.get("callouts") or [{}]
    return section.get("heading") or callouts[0].get("heading") or k


def _suggest(section: dict, index: int) -> str:
    """An id made from a section's heading, to show in a message."""
    words = "".join(c if c.isalnum() else " " for c in _name(section, "").lower()).split()
    return "-".join(words[:4]) if words and all(w.isascii() for w in words) else f"section-{index + 1}"
