"""The time limit of the output being made in this process: --timeout covers the web page, braille and audio too."""

from __future__ import annotations

import contextlib
import time

from publisher.core.errors import RenderError

# One output is made in this process at a time (a build makes them in turn; the preview server under its lock),
# while its steps may run on threads (audio's chapters): so one limit, for the whole process.
_until: float | None = None
_said = ("", 0.0)  # the leaflet and its limit, for the message


class Expired(RenderError):
    """The output's time ran out between or during its steps."""


@contextlib.contextmanager
def within(seconds: float, name: str, limit: float):
    """Give the steps inside `seconds` (none when 0 or less); `limit` is the leaflet's, named in the message."""
    global _until, _said
    before = _until, _said
    _until, _said = (time.monotonic() + seconds if seconds > 0 else None), (name, limit)
    try:
        yield
    finally:
        _until, _said = before


def check() -> None:
    """Raise Expired when the time is up."""
    if _until is not None and time.monotonic() >= _until:
        name, limit = _said
        raise Expired(name, f"took more than {limit:g} s to make, the limit - shorten the leaflet, or raise the "
                            "limit with --timeout")


def left(default: float) -> float:
    """The seconds a step may take: `default`, or what is left when that is sooner (raises Expired when none is)."""
    check()
    return default if _until is None else min(default, _until - time.monotonic())
