"""Load: 50 concurrent sends through the desk (a real uvicorn server) to a real SMTP server, each delivered once."""

from __future__ import annotations

import collections
import concurrent.futures
import time

import pytest

import pgutil
from deskutil import AUDIT_KEY, AnyPortController, Mailbox, Served, Staff, built_project, make_app
from publisher.desk import audit, db

SENDS = 50


@pytest.mark.slow  # about 15 s on two shared cores
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fifty_concurrent_sends_deliver_each_once_with_fifty_entries(tmp_path, request, backend):
    project = built_project(tmp_path / "proj")
    if backend == "sqlite":
        database = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    else:
        database = pgutil.emptied(request.getfixturevalue("postgres"))
    mailbox = Mailbox()
    smtp = AnyPortController(mailbox, hostname="127.0.0.1", port=0)
    smtp.start()
    try:
        app = make_app(project, database, smtp.port, DESK_SEND_LIMIT="1000")
        with Served(app) as served:
            staff = Staff(served.url)
            forms = [staff.send_form("ankle", "ankle.pdf", f"patient{i}@example.org") for i in range(SENDS)]
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(SENDS) as pool:
                responses = list(pool.map(lambda form: staff.post("/send", form), forms))
                # The same forms again, at once: every one is a double submit and sends nothing.
                again = list(pool.map(lambda form: staff.post("/send", form), forms[:10]))
            seconds = time.perf_counter() - started
    finally:
        smtp.stop()
    assert [r.status_code for r in responses] == [200] * SENDS, [r.text for r in responses if r.status_code != 200]
    assert all("This form was already sent" in r.text for r in again)
    delivered = collections.Counter(rcpt for rcpts, _ in mailbox.messages for rcpt in rcpts)
    assert delivered == {f"patient{i}@example.org": 1 for i in range(SENDS)}
    eng = db.engine(database)
    rows = audit.entries(eng)
    assert len(rows) == SENDS and all((r["recipients"], r["sent"]) == (1, 1) for r in rows)
    assert sorted(r["request"] for r in rows) == sorted(f["request"] for f in forms)
    assert audit.verify(eng, AUDIT_KEY.encode()) == []
    print(f"{SENDS} concurrent sends ({backend}) in {seconds:.1f} s")
