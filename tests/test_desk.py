"""The clinic desk over HTTP: sign-in, lock-out, CSRF, headers, escaping, printing, emailing, idempotency.

Session cookies are always `Secure`, so the test client talks to the app as https://testserver
(the scheme is all the app sees of TLS); over plain http the client would not send them back,
like a browser on any host but localhost.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import logging
import re

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from deskutil import PASSWORD, AnyPortController, Mailbox, built_project, csrf, make_app, request_key, tls
from publisher.desk import audit, auth, db

PATIENT = "pat.one@example.org"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_project(tmp_path_factory.mktemp("desk") / "proj")


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = AnyPortController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def database(tmp_path):
    return f"sqlite:///{tmp_path / 'desk.sqlite3'}"


def client(app, **kwargs) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False, **kwargs)


def signed_in(app, user="alice") -> TestClient:
    browser = client(app)
    page = browser.get("/login")
    response = browser.post("/login", data={"csrf": csrf(page.text), "user": user, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/"
    return browser


def entries(database) -> list[dict]:
    return audit.entries(db.engine(database))


def test_an_anonymous_request_is_sent_to_sign_in(built, database):
    app = make_app(built, database)
    browser = client(app)
    for path in ("/", "/leaflet/ankle", "/?q=ankle"):
        response = browser.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/login")
    page = browser.get("/login")
    response = browser.post("/print", data={"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf"})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert entries(database) == []


def test_cookie_flags_and_security_headers(built, database):
    app = make_app(built, database)
    browser = client(app)
    page = browser.get("/login")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("desk_session=")
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite", "path"} <= set(flags)
    assert flags["samesite"].lower() == "samesite=strict"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    for name, value in (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                        ("referrer-policy", "no-referrer"), ("cache-control", "no-store")):
        assert page.headers[name] == value
    assert "<script" not in page.text and " style=" not in page.text
    assert not re.search(r"\son[a-z]+\s*=", page.text)  # no event handler attributes either


def test_a_missing_or_wrong_csrf_token_is_refused(built, database):
    app = make_app(built, database)
    browser = signed_in(app)
    for token in (None, "wrong", csrf(client(app).get("/login").text)):  # another session's token is wrong too
        data = {"leaflet": "ankle", "file": "ankle.pdf"} | ({"csrf": token} if token else {})
        response = browser.post("/print", data=data)
        assert response.status_code == 403 and "This form has expired" in response.text
        response = browser.post("/send", data={**data, "addresses": PATIENT, "consent": "yes", "request": "k1"})
        assert response.status_code == 403
    anonymous = client(app)
    anonymous.get("/login")
    assert anonymous.post("/login", data={"user": "alice", "password": PASSWORD}).status_code == 403
    assert entries(database) == []


@pytest.mark.real_password_cost
def test_passwords_are_stored_as_argon2id_at_the_recommended_cost_and_cheaper_ones_are_upgraded(database):
    """The other tests hash at argon2's cheapest (conftest); the desk's own hasher is RFC 9106's second choice."""
    import argon2
    eng = db.engine(database)
    db.migrate(eng)
    auth.add_user(eng, "alice", PASSWORD)

    def stored() -> str:
        with eng.connect() as conn:
            return conn.execute(sa.select(db.users.c.password)).scalar()
    assert stored().startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    cheap = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST).hash(PASSWORD)
    with eng.begin() as conn:
        conn.execute(db.users.update().values(password=cheap))
    assert auth.sign_in(eng, "alice", PASSWORD) == (True, "")
    assert stored().startswith("$argon2id$v=19$m=65536,t=3,p=4$") and auth._verify(stored(), PASSWORD)
    assert auth.sign_in(eng, "alice", "not the password") == (False, "wrong")


def test_wrong_password_then_lock_out(built, database):
    app = make_app(built, database)
    browser = client(app)
    token = csrf(browser.get("/login").text)
    for _ in range(auth.LOCK_AFTER):
        response = browser.post("/login", data={"csrf": token, "user": "alice", "password": "not it at all"})
        assert response.status_code == 401 and REFUSED in response.text
    # Locked: even the right password is refused now, with the same answer.
    response = browser.post("/login", data={"csrf": token, "user": "alice", "password": PASSWORD})
    assert response.status_code == 401 and REFUSED in response.text
    assert browser.get("/").status_code == 303
    # A new password (set by an administrator) unlocks the account.
    auth.add_user(db.engine(database), "alice", PASSWORD + "!")
    response = browser.post("/login", data={"csrf": token, "user": "alice", "password": PASSWORD + "!"})
    assert response.status_code == 303


REFUSED = ("The user name or password is wrong, or the account is locked for 15 minutes after 5 failed sign-ins. "
           "Try again, wait, or ask an administrator to set a new password.")


def test_a_locked_account_and_an_unknown_name_get_the_same_answer_after_the_same_work(built, database, monkeypatch):
    """Issue 22 #14: a locked-out user got 403 at once, an unknown one 401 after hashing: it told who exists."""
    app = make_app(built, database)
    browser = client(app)
    token = csrf(browser.get("/login").text)
    for _ in range(auth.LOCK_AFTER):
        browser.post("/login", data={"csrf": token, "user": "alice", "password": "not it at all"})
    hashed = []
    real_verify = auth._verify
    monkeypatch.setattr(auth, "_verify", lambda h, p: hashed.append(p) or real_verify(h, p))
    answers = []
    for name in ("alice", "nobody-here"):
        response = browser.post("/login", data={"csrf": token, "user": name, "password": PASSWORD})
        answers.append((response.status_code, response.text))
    assert answers[0] == answers[1] and answers[0][0] == 401
    assert hashed == [PASSWORD, PASSWORD]  # the password hash ran for the locked account as for the unknown name


def test_sign_in_attempts_are_rate_limited_per_address(built, database):
    app = make_app(built, database)
    browser = client(app)
    token = csrf(browser.get("/login").text)
    codes = [browser.post("/login", data={"csrf": token, "user": f"nobody{i}", "password": "x" * 12}).status_code
             for i in range(12)]
    assert codes == [401] * 10 + [429] * 2


def test_signing_out_ends_the_session(built, database):
    app = make_app(built, database)
    browser = signed_in(app)
    stolen = browser.cookies.get("desk_session")
    page = browser.get("/")
    assert page.status_code == 200 and "Signed in as <strong>alice</strong>" in page.text
    assert browser.post("/logout", data={"csrf": csrf(page.text)}).status_code == 303
    thief = client(app, cookies={"desk_session": stolen})
    assert thief.get("/").status_code == 303  # the old cookie no longer works anywhere


def test_search_and_a_hostile_title_shown_as_text(built, database):
    app = make_app(built, database)
    browser = signed_in(app)
    page = browser.get("/", params={"q": "sprains"})
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#34;desk&#34;)&lt;/script&gt; Sprains" in page.text
    assert '<a href="/leaflet/hostile">' in page.text
    page = browser.get("/", params={"q": "TST-0001"})
    assert '<a href="/leaflet/ankle">Looking after a sprained ankle</a>' in page.text
    assert "1 leaflet for" in page.text
    page = browser.get("/", params={"q": "<b>x</b>"})
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text and "<b>x</b>" not in page.text
    page = browser.get("/leaflet/hostile")
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


@pytest.mark.parametrize("path", ["/leaflet/..%2F..%2Fpeople.yaml", "/leaflet/..%2Fankle", "/leaflet/ankle.pdf",
                                  "/leaflet/%2Fetc%2Fpasswd"])
def test_path_traversal_is_refused(built, database, path):
    app = make_app(built, database)
    browser = signed_in(app)
    assert browser.get(path).status_code == 404


def test_path_traversal_in_a_form_is_refused(built, database):
    app = make_app(built, database)
    browser = signed_in(app)
    token = csrf(browser.get("/leaflet/ankle").text)
    for leaflet, file in (("ankle", "../people.yaml"), ("ankle", "/etc/passwd"), ("ankle", ".manifest.json"),
                          ("../ankle", "ankle.pdf"), ("ankle", "hostile.pdf")):
        response = browser.post("/print", data={"csrf": token, "leaflet": leaflet, "file": file})
        assert response.status_code == 404, (leaflet, file)
    assert entries(database) == []


def test_printing_opens_the_exact_pdf_inline_and_records_it(built, database):
    app = make_app(built, database)
    browser = signed_in(app)
    page = browser.get("/leaflet/ankle")
    assert 'action="/print" target="_blank"' in page.text
    assert 'value="ankle.large-print.pdf"' in page.text and 'value="ankle.html"' in page.text
    response = browser.post("/print", data={"csrf": csrf(page.text), "leaflet": "ankle",
                                            "file": "ankle.large-print.pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="TST-0001-v1.0-ankle.large-print.pdf"'
    assert response.headers["x-content-type-options"] == "nosniff"
    exact = (built.root / "dist" / "ankle.large-print.pdf").read_bytes()
    assert response.content == exact
    [entry] = entries(database)
    assert {k: entry[k] for k in ("seq", "user", "action", "reference", "leaflet", "version", "edition", "format",
                                  "language", "sha256", "recipients", "sent")} == {
        "seq": 1, "user": "alice", "action": "print", "reference": "TST-0001", "leaflet": "ankle", "version": "1.0",
        "edition": "large-print", "format": "pdf", "language": "", "sha256": hashlib.sha256(exact).hexdigest(),
        "recipients": 0, "sent": 0}


def test_emailing_sends_the_exact_pdf_records_it_and_logs_no_address(built, database, smtp, caplog):
    mailbox, port = smtp
    app = make_app(built, database, port)
    browser = signed_in(app)
    page = browser.get("/leaflet/ankle")
    form = {"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf", "request": request_key(page.text)}
    caplog.set_level(logging.DEBUG)
    # Without the patient's agreement nothing is sent, and the address typed is kept in the form.
    response = browser.post("/send", data={**form, "addresses": PATIENT})
    assert response.status_code == 400 and "Tick the box to confirm that the patient agreed" in response.text
    assert PATIENT in response.text and mailbox.messages == []
    response = browser.post("/send", data={**form, "addresses": f"{PATIENT}\nPat.Two@Example.org", "consent": "yes"})
    assert response.status_code == 200, response.text
    assert "went to 2 of 2 recipients" in response.text
    exact = (built.root / "dist" / "ankle.pdf").read_bytes()
    assert sorted(rcpt for rcpts, _ in mailbox.messages for rcpt in rcpts) == ["Pat.Two@example.org", PATIENT]
    for _, raw in mailbox.messages:
        [attachment] = list(email.message_from_bytes(raw, policy=email.policy.default).iter_attachments())
        assert attachment.get_content() == exact
        assert attachment.get_filename() == "TST-0001-v1.0-ankle.pdf"
    [entry] = entries(database)
    assert (entry["action"], entry["recipients"], entry["sent"], entry["sha256"]) == \
        ("email", 2, 2, hashlib.sha256(exact).hexdigest())
    outcome = json.loads(entry["outcome"])
    key = built_key()
    assert [o["recipient"] for o in outcome] == [audit.recipient_hash(key, PATIENT),
                                                 audit.recipient_hash(key, "pat.two@example.org")]
    everything = json.dumps(entries(database))
    assert "example.org" not in everything and "pat." not in everything.lower()
    # Every log line but the test's own SMTP server's (which is the patient's mailbox, not the desk).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert caplog.records and any(r.name == "httpx" for r in caplog.records)
    assert "emailed TST-0001 v1.0 (ankle.pdf) to 2 recipient(s): 2 sent" in logged
    assert "example.org" not in logged


def built_key() -> bytes:
    from deskutil import AUDIT_KEY
    return AUDIT_KEY.encode()


def test_a_double_submit_sends_once(built, database, smtp):
    mailbox, port = smtp
    app = make_app(built, database, port)
    browser = signed_in(app)
    page = browser.get("/leaflet/ankle")
    form = {"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf", "request": request_key(page.text),
            "addresses": PATIENT, "consent": "yes"}
    first, second = browser.post("/send", data=form), browser.post("/send", data=form)
    assert first.status_code == 200 and second.status_code == 200
    assert "This form was already sent: nothing was sent again." in second.text
    assert len(mailbox.messages) == 1 and len(entries(database)) == 1


def test_an_smtp_failure_midway_is_recorded_truthfully(built, database, smtp):
    mailbox, port = smtp
    app = make_app(built, database, port)
    browser = signed_in(app)
    page = browser.get("/leaflet/ankle")
    addresses = f"{PATIENT}\nnobody@example.org\npat.three@example.net"
    response = browser.post("/send", data={"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf",
                                           "request": request_key(page.text), "addresses": addresses,
                                           "consent": "yes"})
    assert response.status_code == 502
    assert "went to 2 of 3 recipients" in response.text
    assert "Recipient 2: <strong>not sent</strong>: the server refused the recipient (550 5.1.1" in response.text
    assert "nobody@" not in response.text.split("<textarea")[0]
    [entry] = entries(database)
    assert (entry["recipients"], entry["sent"]) == (3, 2)
    assert [o["sent"] for o in json.loads(entry["outcome"])] == [True, False, True]


def test_a_server_that_is_down_is_recorded_as_nothing_sent(built, database):
    app = make_app(built, database, 1)  # nothing listens on port 1
    browser = signed_in(app)
    page = browser.get("/leaflet/ankle")
    response = browser.post("/send", data={"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf",
                                           "request": request_key(page.text), "addresses": PATIENT,
                                           "consent": "yes"})
    assert response.status_code == 502 and "went to 0 of 1 recipient" in response.text
    [entry] = entries(database)
    assert (entry["recipients"], entry["sent"]) == (1, 0)


def test_sends_are_rate_limited_per_user(built, database, smtp):
    mailbox, port = smtp
    app = make_app(built, database, port, users=("alice", "bob"), DESK_SEND_LIMIT="2")
    alice = signed_in(app)
    codes = []
    for _ in range(3):
        page = alice.get("/leaflet/ankle")
        codes.append(alice.post("/send", data={"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf",
                                               "request": request_key(page.text), "addresses": PATIENT,
                                               "consent": "yes"}).status_code)
    assert codes == [200, 200, 429]
    bob = signed_in(app, "bob")
    page = bob.get("/leaflet/ankle")
    assert bob.post("/send", data={"csrf": csrf(page.text), "leaflet": "ankle", "file": "ankle.pdf",
                                   "request": request_key(page.text), "addresses": PATIENT,
                                   "consent": "yes"}).status_code == 200
    assert len(mailbox.messages) == 3


def test_a_user_header_counts_only_from_the_trusted_proxy(built, database):
    app = make_app(built, database, DESK_TRUSTED_PROXIES="10.0.0.5", DESK_USER_HEADER="X-Remote-User")
    proxy = client(app, client=("10.0.0.5", 40000))
    page = proxy.get("/", headers={"X-Remote-User": "carol"})
    assert page.status_code == 200 and "Signed in as <strong>carol</strong>" in page.text
    elsewhere = client(app, client=("10.0.0.6", 40000))
    assert elsewhere.get("/", headers={"X-Remote-User": "carol"}).status_code == 303
    assert proxy.get("/", headers={"X-Remote-User": "<script>"}).status_code == 303


def test_the_desk_refuses_to_start_without_its_secrets(built, database):
    from publisher.source import content
    from publisher.desk import app as desk_app
    with pytest.raises(desk_app.ConfigError) as error:
        desk_app.config_from_environment(content.Project(built.root), built.root / "dist", database, {})
    assert str(error.value).startswith("Error: DESK_SECRET_KEY is not set - set it to a long random value")
    with pytest.raises(desk_app.ConfigError) as error:
        desk_app.config_from_environment(content.Project(built.root), built.root / "dist", database,
                                         {"DESK_SECRET_KEY": "s" * 40, "DESK_AUDIT_KEY": "a" * 40,
                                          "DESK_USER_HEADER": "X-Remote-User"})
    assert "DESK_TRUSTED_PROXIES is not" in str(error.value)


def test_the_audit_table_is_what_the_migrations_made(database):
    eng = db.engine(database)
    assert db.migrate(eng, upto=1) == 1
    assert "desk_requests" not in sa.inspect(eng).get_table_names()
    assert db.migrate(eng, upto=2) == 2
    with eng.begin() as conn:  # as a database made before step 3 was
        for table, column in (("desk_audit", "status"), ("desk_audit", "seal"), ("desk_audit", "delivery"),
                              ("desk_audit", "link"), ("desk_audit_head", "mac"), ("desk_users", "role")):
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(sa.text("INSERT INTO desk_users (name, password, failures, locked_until, epoch) "
                             "VALUES ('old', 'x', 0, 0, 0)"))
    assert db.migrate(eng) == 3 and db.migrate(eng) == 3  # upgrades once, then nothing to do
    assert {"desk_users", "desk_audit", "desk_audit_head", "desk_requests"} <= set(sa.inspect(eng).get_table_names())
    assert {"status", "seal", "delivery", "link"} <= {c["name"] for c in sa.inspect(eng).get_columns("desk_audit")}
    with eng.connect() as conn:  # users from before roles could do everything
        assert conn.execute(sa.select(db.users.c.role)).scalar() == "administrator"


def test_a_huge_form_is_refused_before_it_is_read(built, database):
    app = make_app(built, database)
    browser = client(app)
    token = csrf(browser.get("/login").text)
    response = browser.post("/login", data={"csrf": token, "user": "alice", "password": "x" * 100_000})
    assert response.status_code == 413 and "larger than the desk accepts" in response.text


def test_build_py_desk_serves_and_refuses_to_start_without_secrets(built, tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from conftest import REPO
    from deskutil import AUDIT_KEY, SECRET
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESK_", "SMTP_"))}
    command = [sys.executable, str(REPO / "build.py"), "desk", "--project", str(built.root),
               "--database", f"sqlite:///{tmp_path / 'desk.sqlite3'}"]
    import forked
    done = forked.run(command[2:], env=env)  # the refusal needs no fresh interpreter; the server below has one
    assert done.returncode == 1
    assert done.stderr.startswith("Error: DESK_SECRET_KEY is not set - set it to a long random value, e.g. the "
                                  "output of: python -c")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(command + ["--port", str(port)], env=env | {"DESK_SECRET_KEY": SECRET,
                                                                         "DESK_AUDIT_KEY": AUDIT_KEY},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, verify=tls())
                break
            except httpx.ConnectError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.05)
        assert page.status_code == 200 and "<h1>Sign in</h1>" in page.text
        assert str(page.url) == f"http://127.0.0.1:{port}/login"
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert out.startswith(f"The desk is at http://127.0.0.1:{port}/ serving {built.root / 'dist'} (Ctrl-C stops it)")
    assert "Traceback" not in err and "PDFs" not in err
