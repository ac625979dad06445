"""Today's date for the review rules: the system clock, or LEAFLETS_TODAY (YYYY-MM-DD) where it is pinned."""

from __future__ import annotations

import datetime
import os

from publisher.core.errors import UsageError

ENV = "LEAFLETS_TODAY"


def today() -> datetime.date:
    """The date review rules are checked against: LEAFLETS_TODAY when set (tests, reproducible CI), else the clock."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"Error: {ENV}='{value}' is not a date - use YYYY-MM-DD, or unset it for the real date") from None
