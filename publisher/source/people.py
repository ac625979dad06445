"""People: the people file, and the credits of a leaflet resolved against it."""

from __future__ import annotations

import difflib

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
