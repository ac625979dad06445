"""Sections matched by identity: each section's key, and what a translation lacks or adds against its source."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from publisher.core.errors import Problem
from publisher.source import markdown, yamlsource

RULE = "translation-structure"  # a step, table or link a translation lacks or adds: a warning check names


def key(section: dict, index: int) -> str:
    """A section's key: its `id:`, else its place ("#2") for leaflets written before sections had ids."""
    return section["id"] if isinstance(section.get("id"), str) else f"#{index + 1}"


def keys(sections: list) -> list[str]:
    """The key of each section, in order."""
    return [key(s, i) for i, s in enumerate(sections)]


def rows(first: list, second: list) -> list[tuple]:
    """(first's section, second's) in reading order, paired (matched()); a section with no partner beside None."""
    return [(first[i] if i is not None else None, second[j] if j is not None else None)
            for i, j in matched(first, second)]


def keyed(sections: list) -> bool:
    """Whether a leaflet's sections have ids (own_problems sees that all or none do)."""
    return any(isinstance(s, dict) and "id" in s for s in sections)


def matched(first: list, second: list) -> list[tuple]:
    """(index in first or None, index in second or None) for every section, in reading order.

    By id where both have them; else by what a translation keeps of its source (numbers, web addresses, the kinds
    of callout, tables, cards and steps), aligned in order, so a section one leaflet lacks leaves a gap, never
    the next section beside the wrong one.
    """
    if keyed(first) and keyed(second):
        theirs = {k: j for j, k in enumerate(keys(second))}
        out = [(i, theirs.pop(k, None)) for i, k in enumerate(keys(first))]
        return out + [(None, j) for j in theirs.values()]
    return _aligned([_fingerprint(s) for s in first], [_fingerprint(s) for s in second])


def _fingerprint(section: dict) -> set:
    """What stays the same in any language: numbers, link targets, callout kinds, counts of tables, cards, steps."""
    shape = _shape(section)
    texts = [section.get("heading") or ""] + _texts(section)
    numbers = {f"n:{n}" for text in texts for n in re.findall(r"\d+", _ascii_digits(text))}
    return numbers | {f"u:{u}" for u in shape.links} | {f"c:{i}:{k}" for i, k in enumerate(shape.callouts)} | {
        f"t:{shape.tables}", f"s:{shape.steps}", f"k:{shape.cards}", f"i:{bool(section.get('image'))}"}


def _ascii_digits(text: str) -> str:
    """Text with every decimal digit (Arabic-Indic, Bengali ...) as its ASCII digit, so numbers compare."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and unicodedata.digit(c, None) is not None else c
                   for c in text)


def _aligned(first: list, second: list) -> list[tuple]:
    """The order-keeping pairing with the greatest likeness (a Needleman-Wunsch alignment, gaps free)."""
    def likeness(a: set, b: set) -> float:
        return 0.3 + len(a & b) / len(a | b)  # pairing at all beats a gap; alike beats unlike

    n, m = len(first), len(second)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + likeness(first[i], second[j]))
    out: list[tuple] = []
    i, j = 0, 0
    while i < n or j < m:
        if i < n and j < m and best[i][j] == best[i + 1][j + 1] + likeness(first[i], second[j]):
            out.append((i, j))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            out.append((i, None))
            i += 1
        else:
            out.append((None, j))
            j += 1
    return out


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
    """What a translation lacks or adds against its source: each section (an error where both have ids, else a
    warning, as the pairing is inferred), and each step, table, card, callout and link of a paired section."""
    theirs = original.data.get("sections") or []
    mine_keyed, their_keyed = keyed(sections), keyed(theirs)
    if mine_keyed and not their_keyed:
        return [source.problem(("sections",), f"these sections have ids but their source's ({relative}) do not - "
                                              "add the same 'id:' to each section of the source")]
    pairs = matched(theirs, sections)
    found = []
    if their_keyed and not mine_keyed:
        hint = ", ".join(f"'id: {keys(theirs)[j]}'" for j, i in pairs if j is not None and i is not None)
        found.append(_level(source.problem(("sections",), f"these sections have no ids but their source's do "
                                                          f"({relative}), so they are paired by what they say - add "
                                                          f"to each section the id of the source section it "
                                                          f"translates, in order: {hint}"), "info"))
    exact = mine_keyed and their_keyed
    for j, i in pairs:
        if j is None:
            k = keys(sections)[i]
            where = ("sections", i, "id") if exact else ("sections", i)
            found.append(_level(source.problem(where, f"adds section '{_name(sections[i], k)}', which its source "
                                                      f"({relative}) does not have - remove it, or give it the id of "
                                                      "the source section it translates "
                                                      f"({', '.join(keys(theirs))})"), "error" if exact else "warning"))
        elif i is None:
            k = keys(theirs)[j]
            at = f"{relative}:{original.mark(('sections', j)).line}"
            hint = f"translate it, with 'id: {k}'" if exact else "translate it"
            found.append(_level(source.problem(("sections",), f"lacks section '{_name(theirs[j], k)}' ({at}) - "
                                                              f"{hint}"), "error" if exact else "warning"))
        else:
            found += _mirror(source, ("sections", i), _shape(sections[i]), _shape(theirs[j]),
                             f"{relative}:{original.mark(('sections', j)).line}", _name(theirs[j], keys(theirs)[j]))
    their_links = [link.get("url") for link in original.data.get("further_reading") or []]
    links = [link.get("url") for link in source.data.get("further_reading") or []]
    return found + _differ(source, ("further_reading",), "link", their_links, links, relative, "further reading")


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
    for text in _texts(section):
        ordered = 0
        for token in markdown.parse(text):
            ordered += {"ordered_list_open": 1, "ordered_list_close": -1}.get(token.type, 0)
            shape.steps += token.type == "list_item_open" and ordered > 0
            shape.tables += token.type == "table_open"
        shape.links += markdown.links(text)
    return shape


def _texts(section: dict) -> list[str]:
    """A section's Markdown texts: its body, then each card's and callout's."""
    parts = [section.get("body")] + [c.get("body") for c in (section.get("cards") or []) + (section.get("callouts")
                                                                                           or [])]
    return [text for text in parts if isinstance(text, str)]


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
    return _level(problem, "warning")


def _level(problem: Problem, level: str) -> Problem:
    """An error as it is, else shown by its rule ("warning: translation-structure: ..."): waivable, and counted by
    --strict."""
    return problem if level == "error" else dataclasses.replace(problem, field="", level=level, rule=RULE)


def _name(section: dict, k: str) -> str:
    """How a section is named in a message: its heading, else its first callout's, else its key."""
    callouts = section.get("callouts") or [{}]
    return section.get("heading") or callouts[0].get("heading") or k


def _suggest(section: dict, index: int) -> str:
    """An id made from a section's heading, to show in a message."""
    words = "".join(c if c.isalnum() else " " for c in _name(section, "").lower()).split()
    return "-".join(words[:4]) if words and all(w.isascii() for w in words) else f"section-{index + 1}"
