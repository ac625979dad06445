"""Caches kept for the life of a process (schema validators, font coverage, template environments), and one
call that forgets them all, for a long-running process whose project files change under it."""

from __future__ import annotations

from collections.abc import Callable

_clearers: list[Callable[[], None]] = []


def register(clear: Callable[[], None]) -> Callable[[], None]:
    """Remember how to empty one cache."""
    _clearers.append(clear)
    return clear


def clear() -> None:
    """Empty every cache, so the next use reads the project's files afresh."""
    for clear_one in _clearers:
        clear_one()
