"""The audit trail: every print and send, append-only and hash-chained; recipients only as keyed hashes."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import hmac
import io
import json

import sqlalchemy as sa

from . import db

FIELDS = ("seq", "time", "user", "action", "reference", "leaflet", "version", "edition", "format", "language",
          "sha256", "recipients", "sent", "outcome", "request", "prev", "hash")
GENESIS = "0" * 64


def _key(secret: bytes, purpose: str) -> bytes:
    """A separate key per use, derived from the one secret (DESK_AUDIT_KEY)."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def recipient_hash(secret: bytes, address: str) -> str:
    """The keyed hash of a normalised address: answers "was it sent to X?" without keeping X."""
    normalised = address.strip().lower()
    return hmac.new(_key(secret, "recipient"), normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def entry_hash(secret: bytes, entry: dict) -> str:
    """The chain link: a keyed hash of the previous link and every field of this entry."""
    body = {name: entry[name] for name in FIELDS if name != "hash"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(secret, "chain"), text.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclasses.dataclass(frozen=True)
class Given:
    """What one print or send gave out, before it is numbered and chained."""

    user: str
    action: str  # "print" or "email"
    reference: str
    leaflet: str
    version: str
    edition: str
    format: str
    language: str
    sha256: str
    request: str = ""
    outcome: tuple = ()  # per recipient: {"position", "recipient" (keyed hash), "sent", "reason"}


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


def append(eng: sa.Engine, secret: bytes, given: Given) -> dict:
    """Add one entry at the end of the chain, in one transaction that holds the chain's head; returns it."""
    with eng.begin() as conn:
        last = conn.execute(sa.select(db.head.c.seq, db.head.c.hash).where(db.head.c.id == 1)
                            .with_for_update()).one()
        entry = {
            "seq": last.seq + 1, "time": now(), "user": given.user, "action": given.action,
            "reference": given.reference, "leaflet": given.leaflet, "version": given.version,
            "edition": given.edition, "format": given.format, "language": given.language, "sha256": given.sha256,
            "recipients": len(given.outcome), "sent": sum(1 for o in given.outcome if o["sent"]),
            "outcome": json.dumps(list(given.outcome), sort_keys=True), "request": given.request,
            "prev": last.hash,
        }
        entry["hash"] = entry_hash(secret, entry)
        conn.execute(db.audit.insert().values(**entry))
        conn.execute(db.head.update().where(db.head.c.id == 1).values(seq=entry["seq"], hash=entry["hash"]))
        if given.request:
            conn.execute(db.requests.update().where(db.requests.c.key == given.request).values(seq=entry["seq"]))
        return entry


def entries(eng: sa.Engine, start: str | None = None, end: str | None = None) -> list[dict]:
    """Entries in order; `start` and `end` bound the time (ISO dates or times, `end` exclusive)."""
    query = sa.select(db.audit).order_by(db.audit.c.seq)
    if start:
        query = query.where(db.audit.c.time >= start)
    if end:
        query = query.where(db.audit.c.time < end)
    with eng.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def verify(eng: sa.Engine, secret: bytes) -> list[str]:
    """Every break in the chain, in words (empty when the log is whole)."""
    problems = []
    expected_prev, expected_seq = GENESIS, 1
    rows = entries(eng)
    for entry in rows:
        if entry["seq"] != expected_seq:
            problems.append(f"entries {expected_seq} to {entry['seq'] - 1} are missing (deleted)")
        elif entry["prev"] != expected_prev:
            problems.append(f"entry {entry['seq']}: does not follow entry {entry['seq'] - 1} (an entry was "
                            "deleted or replaced)")
        if entry_hash(secret, entry) != entry["hash"]:
            problems.append(f"entry {entry['seq']}: its contents do not match its hash (edited)")
        expected_prev, expected_seq = entry["hash"], entry["seq"] + 1
    with eng.connect() as conn:
        last = conn.execute(sa.select(db.head.c.seq, db.head.c.hash).where(db.head.c.id == 1)).one()
    if last.seq != expected_seq - 1 or last.hash != expected_prev:
        problems.append(f"the log should end at entry {last.seq} but ends at entry {expected_seq - 1} "
                        "(the newest entries were deleted, or the head was changed)")
    return problems


CSV_COLUMNS = ("seq", "time", "user", "action", "reference", "leaflet", "version", "edition", "format", "language",
               "sha256", "recipients", "sent", "recipient_hashes", "not_sent", "hash")


def to_csv(rows: list[dict]) -> str:
    """Entries as CSV, one a row; recipients as their keyed hashes, those not sent by position and reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        outcome = json.loads(row["outcome"] or "[]")
        cells = {**row, "recipient_hashes": " ".join(o["recipient"] for o in outcome),
                 "not_sent": "; ".join(f"{o['position']}: {o.get('reason', '')}" for o in outcome if not o["sent"])}
        # A cell starting with = + - @ is a formula to a spreadsheet: quote it as text.
        writer.writerow(["'" + str(cells[c]) if str(cells[c])[:1] in "=+-@" else cells[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


def sent_to(eng: sa.Engine, secret: bytes, address: str) -> list[tuple[dict, dict]]:
    """Every entry that emailed `address`, with what happened to that recipient: [(entry, outcome)]."""
    wanted = recipient_hash(secret, address)
    found = []
    with eng.connect() as conn:
        rows = conn.execute(sa.select(db.audit).where(db.audit.c.outcome.contains(wanted)).order_by(db.audit.c.seq))
        for row in rows:
            entry = dict(row._mapping)
            for outcome in json.loads(entry["outcome"] or "[]"):
                if outcome.get("recipient") == wanted:
                    found.append((entry, outcome))
    return found
