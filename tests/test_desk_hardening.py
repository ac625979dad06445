"""Issue 22's desk items over a real uvicorn server: the send limit under concurrency, the outbox, odd forms, logs."""

from __future__ import annotations

import concurrent.futures
import logging

import httpx
import pytest
import sqlalchemy as sa

import pgutil
from deskutil import AUDIT_KEY, AnyPortController, Mailbox, Served, Staff, built_project, csrf, make_app, tls
from publisher.desk import app as desk_app
from publisher.desk import audit, commands, db


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_project(tmp_path_factory.mktemp("hardening") / "proj")


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = AnyPortController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def fresh(request, tmp_path, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    return pgutil.emptied(request.getfixturevalue("postgres"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_sends_stay_within_the_hourly_limit(built, smtp, tmp_path, request, backend):
    """#4: ten clients at once, limit 5: before, each checked the count before any had recorded its send."""
    mailbox, port = smtp
    database = fresh(request, tmp_path, backend)
    app = make_app(built, database, port, DESK_SEND_LIMIT="5")
    with Served(app) as served:
        staff = [Staff(served.url) for _ in range(10)]  # ten sessions of one user, as ten browser tabs
        forms = [s.send_form("ankle", "ankle.pdf", f"patient{i}@example.org") for i, s in enumerate(staff)]
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(lambda n: staff[n].post("/send", forms[n]).status_code, range(10)))
    assert sorted(codes) == [200] * 5 + [429] * 5
    assert len({rcpt for rcpts, _ in mailbox.messages for rcpt in rcpts}) == 5
    eng = db.engine(database)
    assert sum(e["recipients"] for e in audit.entries(eng)) == 5
    assert audit.verify(eng, AUDIT_KEY.encode()) == []


def refuse(database: str, what: str) -> None:
    """A database fault: from now on SQLite refuses every INSERT or UPDATE on the audit table."""
    with db.engine(database).begin() as conn:
        conn.execute(sa.text(f"CREATE TRIGGER refuse_{what} BEFORE {what} ON desk_audit "
                             "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"))


def test_a_send_the_log_cannot_record_sends_nothing(built, smtp, tmp_path):
    """#8: before, the mail went out first and the refused insert left it unrecorded."""
    mailbox, port = smtp
    database = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    app = make_app(built, database, port)
    with Served(app) as served:
        staff = Staff(served.url)
        form = staff.send_form("ankle", "ankle.pdf", "pat@example.org")
        refuse(database, "INSERT")
        response = staff.post("/send", form)
    assert response.status_code == 503
    assert "The desk cannot reach its records just now, so it gave nothing out." in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert mailbox.messages == [] and audit.entries(db.engine(database)) == []


def test_a_database_failing_mid_send_leaves_the_send_recorded_as_pending(built, smtp, tmp_path):
    """#8: the entry is written before the mail leaves; if the outcome cannot be written, the entry says pending."""
    mailbox, port = smtp
    database = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    app = make_app(built, database, port)
    with Served(app) as served:
        staff = Staff(served.url)
        form = staff.send_form("ankle", "ankle.pdf", "pat@example.org")
        refuse(database, "UPDATE")
        response = staff.post("/send", form)
    assert response.status_code == 500
    assert "entry 1 of the audit log shows this send as pending. Do not send again" in response.text
    assert len(mailbox.messages) == 1
    [entry] = audit.entries(db.engine(database))
    assert (entry["status"], entry["recipients"], entry["sent"]) == ("pending", 1, 0)
    assert audit.verify(db.engine(database), AUDIT_KEY.encode()) == []
    assert audit.pending(audit.entries(db.engine(database))) == [1]


HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy", "cache-control",
           "cross-origin-opener-policy", "strict-transport-security", "permissions-policy")


@pytest.mark.parametrize("case", ["5000 fields", "no boundary", "part without a name"])
def test_odd_forms_get_400_with_every_security_header_before_sign_in(built, tmp_path, case, caplog):
    """#10: before, starlette's parser raised inside the middleware: 500, a traceback and no headers."""
    app = make_app(built, f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    caplog.set_level(logging.INFO)
    with Served(app) as served, httpx.Client(base_url=served.url, verify=tls()) as http:
        page = http.get("/login")
        cookie = {"Cookie": f"desk_session={page.cookies['desk_session']}"}
        token = csrf(page.text)
        if case == "5000 fields":
            body, kind = "&".join(f"f{n}=x" for n in range(5000)).encode(), "application/x-www-form-urlencoded"
        elif case == "no boundary":
            body, kind = b"--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nt\r\n--x--\r\n", \
                "multipart/form-data"
        else:
            body = (f"--xyz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
                    "--xyz\r\nContent-Disposition: form-data\r\n\r\nwho am I\r\n--xyz--\r\n").encode()
            kind = "multipart/form-data; boundary=xyz"
        response = http.post("/login", content=body, headers=cookie | {"Content-Type": kind})
    assert response.status_code == 400
    assert "This form is not one the desk sent." in response.text
    assert all(name in response.headers for name in HEADERS), sorted(response.headers)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("path", ["/leaflet/patient%40example.org", "/?q=patient%40example.org",
                                  "/?q=patient%2540example.org", "/?x=1&q=patient%40example.org%20y"])
def test_percent_encoded_addresses_never_reach_the_access_log(built, tmp_path, path, caplog):
    """#6: `patient%40example.org` in a path or query was logged as it came."""
    app = make_app(built, f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    commands.quiet_addresses()
    caplog.set_level(logging.INFO)
    with Served(app) as served:
        assert httpx.get(served.url + path, verify=tls()).status_code == 303
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "uvicorn.access")
    assert "<address>" in logged
    assert "example.org" not in logged and "patient" not in logged


def test_redact_leaves_other_text_as_it_came():
    assert commands.redact("GET /?q=sprain%20ankle") == "GET /?q=sprain%20ankle"
    assert commands.redact('"GET /leaflet/a%40b.org?q=1 HTTP/1.1"') == '"GET <address> HTTP/1.1"'


def test_refused_sign_in_page_is_one_message():
    assert desk_app.SIGN_IN_REFUSED.startswith("The user name or password is wrong, or the account is locked")
