"""People: the people file, and the credits of a leaflet resolved against it."""

from __future__ import annotations

import difflib

from publisher.i18n import catalogues as i18n
from publisher.source import translated
from publisher.source.project import Project
from publisher.source.schema import PEOPLE_SCHEMA, load_checked


def load_people(project: Project):
    """The people file: (id -> person, or None, problems)."""
    source, problems = load_checked(project, project.people_file, PEOPLE_SCHEMA)
    return (source.data["people"] if source and not problems else None), problems


def _unknown_person(person_id: str, people: dict) -> str:
    """What to do about a credit whose id is not in people.yaml: the id it was probably meant to be, or the list."""
    close = difflib.get_close_matches(person_id, sorted(people), n=1, cutoff=0.6)
    if close:
        return f"unknown person '{person_id}' - did you mean '{close[0]}'?"
    return (f"unknown person '{person_id}' - use an id from people.yaml ({', '.join(sorted(people))}), "
            "or add the person there")


def resolve_credits(source, data, people: dict | None, flagged: set, roles: tuple, problems: list) -> dict:
    """role -> the people.yaml entries credited in it; an unknown id is added to `problems` at its line."""
    credits = given if isinstance(given := data.get("credits"), dict) else {}
    resolved: dict[str, list] = {role: [] for role in roles}
    for role in resolved:
        ids = given if isinstance(given := credits.get(role), list) else []
        for i, person_id in enumerate(ids):
            if people is None or not isinstance(person_id, str) or f"credits.{role}[{i}]" in flagged:
                continue  # a broken people.yaml is reported once, on its own
            if person_id not in people:
                problems.append(source.problem(("credits", role, i), _unknown_person(person_id, people)))
            else:
                resolved[role].append({"id": person_id, **people[person_id]})
    return resolved


# What people.yaml says about a person in words, which its translations: may give in a leaflet's language.
TEXTS = ("role", "biography", "affiliation", "verification", "pseudonym")


def in_language(person: dict, tag: str) -> dict:
    """A person's entry with their texts in `tag` where people.yaml's translations give them, and under "english"
    the texts printed in English instead (marked lang="en", so a screen reader switches voice)."""
    given = translated.texts(person, TEXTS, tag)
    english = [] if i18n.is_source(tag) else [f for f in TEXTS if person.get(f) and not given.get(f)]
    return {**person, **given, "english": english}
