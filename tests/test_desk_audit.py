"""The desk's audit trail: hash chain, `desk verify-log`, `desk export`, `desk add-user`, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os

import pytest
import sqlalchemy as sa

import forked
import pgutil
from deskutil import AUDIT_KEY
from publisher.desk import audit, auth, db

KEY = AUDIT_KEY.encode()


def given(n: int, action: str = "print") -> audit.Given:
    outcome = ({"position": 1, "recipient": audit.recipient_hash(KEY, f"p{n}@example.org"), "sent": True,
                "reason": ""},) if action == "email" else ()
    return audit.Given("alice", action, "TST-0001", "ankle", "1.0", "standard", "pdf", "", "ab" * 32,
                       f"req{n}" if action == "email" else "", outcome)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    return pgutil.emptied(request.getfixturevalue("postgres"))  # conftest's cluster, with a fresh schema


def desk(*args, database: str, stdin: str = "", env_key: str | None = AUDIT_KEY):
    """Run `build.py desk ...` in a process of its own, as an administrator would (forked: tests/forked.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    if env_key:
        env["DESK_AUDIT_KEY"] = env_key
    return forked.run(["desk", "--database", database, *args], input=stdin, env=env)


def test_the_chain_is_whole_and_verify_log_says_so(database):
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 4):
        audit.append(eng, KEY, given(n, "email" if n == 2 else "print"))
    assert audit.verify(eng, KEY) == []
    done = desk("verify-log", database=database)
    assert done.returncode == 0, done.stderr
    last = audit.entries(eng)[-1]["hash"]
    assert done.stdout == f"audit log whole: 3 entries, last hash {last}\n"


def test_an_edited_entry_is_found(database):
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 4):
        audit.append(eng, KEY, given(n))
    with eng.begin() as conn:
        conn.execute(db.audit.update().where(db.audit.c.seq == 2).values(version="1.1"))
    done = desk("verify-log", database=database)
    assert done.returncode == 1
    assert done.stderr == ("audit log: entry 2: its contents do not match its hash (edited)\n"
                           "Error: the audit log has been changed (1 problem) - restore it from a back-up and find "
                           "out who changed it\n")


def test_a_deleted_entry_is_found_even_the_last(database):
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 5):
        audit.append(eng, KEY, given(n))
    with eng.begin() as conn:
        conn.execute(db.audit.delete().where(db.audit.c.seq == 2))
    assert audit.verify(eng, KEY) == ["entries 2 to 2 are missing (deleted)"]
    with eng.begin() as conn:
        conn.execute(db.audit.delete().where(db.audit.c.seq == 4))
    assert audit.verify(eng, KEY)[-1] == ("the log should end at entry 4 but ends at entry 3 (the newest entries "
                                          "were deleted, or the head was changed)")
    assert desk("verify-log", database=database).returncode == 1


def test_a_rewritten_chain_needs_the_key(database):
    """Recomputing every hash after an edit is not enough without DESK_AUDIT_KEY."""
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 3):
        audit.append(eng, KEY, given(n))
    rows = audit.entries(eng)
    rows[0]["user"] = "mallory"
    prev = audit.GENESIS
    with eng.begin() as conn:
        for row in rows:
            row["prev"] = prev
            row["hash"] = audit.entry_hash(b"a guessed key of some length!!!!", row)
            conn.execute(db.audit.update().where(db.audit.c.seq == row["seq"]).values(**row))
            prev = row["hash"]
        conn.execute(db.head.update().values(hash=prev))
    assert "entry 1: its contents do not match its hash (edited)" in audit.verify(eng, KEY)


def test_verify_log_needs_the_key(tmp_path):
    done = desk("verify-log", database=f"sqlite:///{tmp_path / 'd.sqlite3'}", env_key=None)
    assert done.returncode == 1
    assert done.stderr == ("Error: DESK_AUDIT_KEY is not set (or shorter than 32 characters) - set it to the desk's "
                           "audit key, the one the desk runs with\n")


def test_export_a_date_range_as_csv(database, tmp_path):
    eng = db.engine(database)
    db.migrate(eng)
    audit.append(eng, KEY, given(1))
    audit.append(eng, KEY, given(2, "email"))
    with eng.begin() as conn:  # the first entry was made last month
        conn.execute(db.audit.update().where(db.audit.c.seq == 1).values(time="2026-10-02T09:00:00+00:00"))
    today = audit.now()[:10]
    done = desk("export", "--from", today, "--to", today, database=database)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["seq"] for r in rows] == ["2"]
    assert (rows[0]["action"], rows[0]["recipients"], rows[0]["sent"]) == ("email", "1", "1")
    assert rows[0]["recipient_hashes"] == audit.recipient_hash(KEY, "P2@Example.org ")  # normalised
    assert "example.org" not in done.stdout
    done = desk("export", "--from", "2026-10-01", "--to", "2026-10-31", "--output", str(tmp_path / "oct.csv"),
                database=database)
    assert done.stdout == f"wrote 1 entry to {tmp_path / 'oct.csv'}\n"
    assert [r["seq"] for r in csv.DictReader(open(tmp_path / "oct.csv", encoding="utf-8"))] == ["1"]
    done = desk("export", "--from", "2026-10-31", "--to", "2026-10-01", database=database)
    assert done.returncode == 2 and "Error: --to is before --from" in done.stderr


def test_a_spreadsheet_formula_is_exported_as_text():
    row = {name: "" for name in audit.FIELDS} | {"seq": 1, "user": "=HYPERLINK(\"x\")", "outcome": "[]",
                                                  "recipients": 0, "sent": 0}
    assert "'=HYPERLINK" in audit.to_csv([row])


def test_add_user_asks_for_the_password_twice_never_on_the_command_line(database):
    done = desk("add-user", "alice", database=database, stdin="a long password\na long password\n")
    assert (done.returncode, done.stdout) == (0, "added user alice (clinician)\n"), done.stderr
    eng = db.engine(database)
    assert auth.sign_in(eng, "alice", "a long password") == (True, "")
    with eng.connect() as conn:
        stored = conn.execute(sa.select(db.users.c.password)).scalar()
    assert stored.startswith("$argon2id$") and "a long password" not in stored
    done = desk("add-user", "alice", database=database, stdin="another password\nnot the same one\n")
    assert done.returncode == 2 and done.stderr.endswith("Error: the two passwords differ - run the command again\n")
    done = desk("add-user", "alice", database=database, stdin="short\nshort\n")
    assert done.returncode == 1
    assert done.stderr == "Error: the password is shorter than 12 characters - choose a longer one\n"
    done = desk("add-user", "alice", database=database, stdin="a newer password\na newer password\n")
    assert done.stdout == "set a new password for user alice (clinician)\n"


def test_concurrent_appends_keep_one_chain(database):
    """Several threads appending at once (as desk workers do) still make one unbroken chain."""
    import concurrent.futures
    eng = db.engine(database)
    db.migrate(eng)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: audit.append(eng, KEY, given(n)), range(40)))
    assert [e["seq"] for e in audit.entries(eng)] == list(range(1, 41))
    assert audit.verify(eng, KEY) == []


def test_sent_to_answers_from_the_keyed_hash_alone(database):
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 4):
        audit.append(eng, KEY, given(n, "email"))
    with eng.begin() as conn:
        time_of_2 = conn.execute(sa.select(db.audit.c.time).where(db.audit.c.seq == 2)).scalar()
    done = desk("sent-to", database=database, stdin=" P2@EXAMPLE.org\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"entry 2, {time_of_2[:16].replace('T', ' ')} UTC: alice emailed TST-0001 version 1.0 "
                           "(standard pdf, SHA-256 abababababab...): sent\n")
    done = desk("sent-to", database=database, stdin="p9@example.org\n")
    assert done.stdout == "no leaflet was emailed to that address (as far as this audit log and its key know)\n"
    done = desk("sent-to", database=database, stdin="not an address\n")
    assert done.returncode == 2 and "Error: that is not an email address" in done.stderr


def test_a_cut_back_log_with_its_head_set_back_is_found(database):
    """#5: delete the newest entries and set the head back to the last one left: before, verify-log said OK."""
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 6):
        audit.append(eng, KEY, given(n))
    third = audit.entries(eng)[2]
    with eng.begin() as conn:
        conn.execute(db.audit.delete().where(db.audit.c.seq > 3))
        conn.execute(db.head.update().values(seq=3, hash=third["hash"]))
    assert audit.verify(eng, KEY) == ["the head of the log (entry 3) does not match its seal (the newest entries "
                                      "were deleted and the head set back)"]
    done = desk("verify-log", database=database)
    assert done.returncode == 1 and "does not match its seal" in done.stderr


def test_an_anchor_kept_elsewhere_finds_a_log_cut_back_with_the_key(database):
    """#5: someone with the key can reseal the head; the anchor an operator kept still finds the cut."""
    eng = db.engine(database)
    db.migrate(eng)
    for n in range(1, 5):
        audit.append(eng, KEY, given(n))
    done = desk("verify-log", "--anchor", database=database)
    assert done.returncode == 0, done.stderr
    rows = audit.entries(eng)
    anchor = f"4:{rows[-1]['hash']}"
    assert done.stdout.splitlines()[1] == f"anchor: {anchor}"
    audit.append(eng, KEY, given(5))  # the log grows: the anchor still holds
    done = desk("verify-log", "--anchor", anchor, database=database)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "the log still holds entry 4 as the anchor recorded it"
    with eng.begin() as conn:  # cut back to entry 2, head resealed with the key
        conn.execute(db.audit.delete().where(db.audit.c.seq > 2))
        conn.execute(db.head.update().values(seq=2, hash=rows[1]["hash"], mac=audit.head_mac(KEY, 2, rows[1]["hash"])))
    assert audit.verify(eng, KEY) == []
    done = desk("verify-log", "--anchor", anchor, database=database)
    assert done.returncode == 1
    assert done.stderr.startswith("audit log: entry 4, which the anchor names, is missing (the log was cut back "
                                  "before it)\n")
    done = desk("verify-log", "--anchor", "nonsense", database=database)
    assert done.returncode == 1 and "'nonsense' is not an anchor - give the value" in done.stderr


def test_verify_log_without_its_head_row_says_so(database):
    """#9: deleting the head row gave a traceback."""
    eng = db.engine(database)
    db.migrate(eng)
    audit.append(eng, KEY, given(1))
    with eng.begin() as conn:
        conn.execute(db.head.delete())
    done = desk("verify-log", database=database)
    assert done.returncode == 1
    assert done.stderr == ("audit log: the head of the log (the newest entry's number and hash) is missing (deleted)\n"
                           "Error: the audit log has been changed (1 problem) - restore it from a back-up and find "
                           "out who changed it\n")


def test_an_edited_outcome_is_found(database):
    eng = db.engine(database)
    db.migrate(eng)
    entry = audit.append(eng, KEY, given(1, "email"))
    recipient = audit.recipient_hash(KEY, "p1@example.org")
    audit.finish(eng, KEY, entry, [{"position": 1, "recipient": recipient, "sent": False, "reason": "refused"}])
    assert audit.verify(eng, KEY) == []
    with eng.begin() as conn:
        conn.execute(db.audit.update().values(sent=1))
    assert audit.verify(eng, KEY) == ["entry 1: its outcome does not match its seal (edited)"]


def test_only_formula_cells_are_quoted_in_the_export():
    """#11: an empty cell was written as a lone `'`."""
    row = {name: "" for name in audit.FIELDS} | {"seq": 1, "user": "-x", "reference": "\tTAB", "edition": "a-b",
                                                  "outcome": "[]", "recipients": 0, "sent": 0}
    [header, line] = audit.to_csv([row]).splitlines()
    cells = dict(zip(header.split(","), next(csv.reader([line])), strict=True))
    assert (cells["user"], cells["reference"], cells["edition"]) == ("'-x", "'\tTAB", "a-b")
    assert cells["language"] == "" and cells["link"] == "" and "'" not in line.replace("'-x", "").replace("'\t", "")


def test_add_user_with_a_role_and_disable_user(database):
    done = desk("add-user", "bob", "--role", "administrator", database=database, stdin="a long password\n" * 2)
    assert done.stdout == "added user bob (administrator)\n", done.stderr
    done = desk("add-user", "bob", database=database, stdin="a newer password\n" * 2)  # the role stays
    assert done.stdout == "set a new password for user bob (administrator)\n"
    done = desk("add-user", "bob", "--role", "nurse", database=database, stdin="a newer password\n" * 2)
    assert done.returncode == 2 and "invalid choice: 'nurse'" in done.stderr
    done = desk("disable-user", "bob", database=database)
    assert done.stdout.startswith("disabled user bob: every session ended")
    assert auth.sign_in(db.engine(database), "bob", "a newer password") == (False, "locked")
    done = desk("disable-user", "nobody", database=database)
    assert done.returncode == 1
    assert done.stderr == "Error: there is no user 'nobody' - check the name (add-user adds one)\n"
