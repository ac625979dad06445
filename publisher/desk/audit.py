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

from publisher.desk import db

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


def _mac(secret: bytes, purpose: str, value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(secret, purpose), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _recipients(entry: dict) -> list[str]:
    return [o["recipient"] for o in json.loads(entry["outcome"] or "[]")]


def entry_hash(secret: bytes, entry: dict) -> str:
    """The chain link: a keyed hash of the previous link and what this entry gave, to whom."""
    if not entry.get("status"):  # written before the outbox (migration step 3): every field, outcome included
        return _mac(secret, "chain", {name: entry[name] for name in FIELDS if name != "hash"})
    # The outcome is written after the mail went out, so the chain holds the recipients and the seal the rest.
    body = {name: entry[name] for name in FIELDS if name not in ("hash", "sent", "outcome")}
    return _mac(secret, "chain", body | {"to": _recipients(entry), "delivery": entry["delivery"],
                                         "link": entry["link"]})


def seal(secret: bytes, entry: dict) -> str:
    """The keyed seal over an entry's outcome, which is written once more when a send finishes."""
    return _mac(secret, "outcome", {name: entry[name] for name in ("seq", "hash", "status", "sent", "outcome")})


def head_mac(secret: bytes, seq: int, last: str) -> str:
    """The keyed seal over the head: resetting it to an earlier entry (a truncated log) needs the key."""
    return _mac(secret, "head", {"seq": seq, "hash": last})


@dataclasses.dataclass(frozen=True)
class Given:
    """What one print or send gave out, before it is numbered and chained."""

    user: str
    action: str  # "print", "download" or "email"
    reference: str
    leaflet: str
    version: str
    edition: str
    format: str
    language: str
    sha256: str
    request: str = ""
    outcome: tuple = ()  # per recipient: {"position", "recipient" (keyed hash), "sent", "reason"}
    delivery: str = ""  # for an email: "attachment" or "link"
    link: str = ""  # the address sent, for a link


class Refused(Exception):
    """A send the log will not record: over the user's hourly limit, or its form was sent before."""

    def __init__(self, why: str, entry: dict | None = None):
        super().__init__(why)
        self.why, self.entry = why, entry


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


def _sent_this_hour(conn: sa.Connection, user: str) -> int:
    since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).isoformat()
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(db.audit.c.recipients), 0)).where(
        db.audit.c.user == user, db.audit.c.action == "email", db.audit.c.time >= since)).scalar() or 0)


def _entry_for(conn: sa.Connection, key: str) -> dict | None:
    row = conn.execute(sa.select(db.audit).join(db.requests, db.requests.c.seq == db.audit.c.seq)
                       .where(db.requests.c.key == key)).first()
    return dict(row._mapping) if row else None


def append(eng: sa.Engine, secret: bytes, given: Given, limit: int | None = None) -> dict:
    """Add one entry at the end of the chain, in one transaction that holds the chain's head; returns it.

    A send is written "pending" before any mail leaves (finish() records what happened); its form's key and the
    user's hourly `limit` are checked under the same lock, so concurrent sends cannot pass either.
    """
    with eng.begin() as conn:
        last = conn.execute(sa.select(db.head.c.seq, db.head.c.hash).where(db.head.c.id == 1)
                            .with_for_update()).one()
        if given.request and conn.execute(sa.select(db.requests.c.key)
                                          .where(db.requests.c.key == given.request)).first():
            raise Refused("again", _entry_for(conn, given.request))
        if limit is not None and _sent_this_hour(conn, given.user) + len(given.outcome) > limit:
            raise Refused("limit")
        entry = {
            "seq": last.seq + 1, "time": now(), "user": given.user, "action": given.action,
            "reference": given.reference, "leaflet": given.leaflet, "version": given.version,
            "edition": given.edition, "format": given.format, "language": given.language, "sha256": given.sha256,
            "recipients": len(given.outcome), "sent": sum(1 for o in given.outcome if o["sent"]),
            "outcome": json.dumps(list(given.outcome), sort_keys=True), "request": given.request,
            "prev": last.hash, "status": "pending" if given.outcome else "done", "delivery": given.delivery,
            "link": given.link,
        }
        entry["hash"] = entry_hash(secret, entry)
        entry["seal"] = seal(secret, entry)
        conn.execute(db.audit.insert().values(**entry))
        conn.execute(db.head.update().where(db.head.c.id == 1).values(
            seq=entry["seq"], hash=entry["hash"], mac=head_mac(secret, entry["seq"], entry["hash"])))
        if given.request:
            conn.execute(db.requests.insert().values(key=given.request, user=given.user, seq=entry["seq"]))
        return entry


def finish(eng: sa.Engine, secret: bytes, entry: dict, outcome: list[dict]) -> dict:
    """Record what happened to each recipient of a pending send: the entry becomes "done", freshly sealed."""
    done = entry | {"status": "done", "sent": sum(1 for o in outcome if o["sent"]),
                    "outcome": json.dumps(outcome, sort_keys=True)}
    done["seal"] = seal(secret, done)
    with eng.begin() as conn:
        conn.execute(db.audit.update().where(db.audit.c.seq == entry["seq"], db.audit.c.status == "pending")
                     .values(status="done", sent=done["sent"], outcome=done["outcome"], seal=done["seal"]))
    return done


def pending_outcome(secret: bytes, recipients: list[str]) -> tuple:
    """Each recipient by position and keyed hash, not (yet) sent: what a send records before it starts."""
    return tuple({"position": n, "recipient": recipient_hash(secret, r), "sent": False, "reason": "pending"}
                 for n, r in enumerate(recipients, start=1))


def entries(eng: sa.Engine, start: str | None = None, end: str | None = None) -> list[dict]:
    """Entries in order; `start` and `end` bound the time (ISO dates or times, `end` exclusive)."""
    query = sa.select(db.audit).order_by(db.audit.c.seq)
    if start:
        query = query.where(db.audit.c.time >= start)
    if end:
        query = query.where(db.audit.c.time < end)
    with eng.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def verify(eng: sa.Engine, secret: bytes, anchor: str | None = None) -> list[str]:
    """Every break in the chain, in words (empty when the log is whole); `anchor` as anchor() printed it."""
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
        elif entry["status"] and seal(secret, entry) != entry["seal"]:
            problems.append(f"entry {entry['seq']}: its outcome does not match its seal (edited)")
        expected_prev, expected_seq = entry["hash"], entry["seq"] + 1
    with eng.connect() as conn:
        last = conn.execute(sa.select(db.head.c.seq, db.head.c.hash, db.head.c.mac).where(db.head.c.id == 1)).first()
    if last is None:
        problems.append("the head of the log (the newest entry's number and hash) is missing (deleted)")
    elif last.seq != expected_seq - 1 or last.hash != expected_prev:
        problems.append(f"the log should end at entry {last.seq} but ends at entry {expected_seq - 1} "
                        "(the newest entries were deleted, or the head was changed)")
    # Heads written before migration step 3 have no seal; once any entry has a status, the head must have one.
    elif (last.mac or any(r["status"] for r in rows)) and last.mac != head_mac(secret, last.seq, last.hash):
        problems.append(f"the head of the log (entry {last.seq}) does not match its seal (the newest entries were "
                        "deleted and the head set back)")
    if anchor is not None:
        problems += _check_anchor(rows, anchor)
    return problems


def anchor(rows: list[dict]) -> str:
    """A value to keep away from the database: the newest entry's number and keyed hash."""
    return f"{rows[-1]['seq'] if rows else 0}:{rows[-1]['hash'] if rows else GENESIS}"


def _check_anchor(rows: list[dict], value: str) -> list[str]:
    seq, _, wanted = value.strip().partition(":")
    if not seq.isdigit() or len(wanted) != 64:
        return [f"'{value}' is not an anchor - give the value `verify-log --anchor` printed, e.g. 42:<64 hex digits>"]
    found = next((r["hash"] for r in rows if r["seq"] == int(seq)), None)
    if int(seq) == 0 and wanted == GENESIS:
        return []
    if found is None:
        return [f"entry {seq}, which the anchor names, is missing (the log was cut back before it)"]
    if found != wanted:
        return [f"entry {seq} is not the one the anchor names (the log was rewritten since)"]
    return []


def pending(rows: list[dict]) -> list[int]:
    """Sends that never finished: the desk stopped, or its database failed, between writing and sending."""
    return [r["seq"] for r in rows if r["status"] == "pending"]


CSV_COLUMNS = ("seq", "time", "user", "action", "reference", "leaflet", "version", "edition", "format", "language",
               "sha256", "delivery", "link", "status", "recipients", "sent", "recipient_hashes", "not_sent", "hash")


def _cell(value) -> str:
    text = str(value)
    # A cell starting with = + - @ (or a tab or CR, which some spreadsheets skip) is a formula: quote it as text.
    return "'" + text if text[:1] and text[0] in "=+-@\t\r" else text


def to_csv(rows: list[dict]) -> str:
    """Entries as CSV, one a row; recipients as their keyed hashes, those not sent by position and reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        outcome = json.loads(row["outcome"] or "[]")
        cells = {"delivery": "", "link": "", "status": ""} | row | {
            "recipient_hashes": " ".join(o["recipient"] for o in outcome),
            "not_sent": "; ".join(f"{o['position']}: {o.get('reason', '')}" for o in outcome if not o["sent"])}
        writer.writerow([_cell(cells[c]) for c in CSV_COLUMNS])
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
