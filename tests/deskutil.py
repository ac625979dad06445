"""Shared by the desk's tests: a built project, the desk app on it, an SMTP server, a real uvicorn server."""

from __future__ import annotations

import datetime
import functools
import re
import socket
import ssl
import threading
import time

import uvicorn

from conftest import MINIMAL, TODAY, Project, copy_project
from test_email import AnyPortController  # noqa: F401 - the desk's tests start their SMTP server with it
from publisher.build import batch
from publisher.source import content
from publisher.desk import app as desk_app
from publisher.desk import auth, db

SECRET = "s" * 40
AUDIT_KEY = "a" * 40
PASSWORD = "correct horse battery"
HOSTILE = MINIMAL.replace("title: Looking after a sprained ankle",
                          "title: '<script>alert(\"desk\")</script> Sprains'").replace("TST-0001", "TST-0666")


_built: list = []  # the first project this process built, kept as built for the next callers


def built_project(root) -> Project:
    """A project with two leaflets (one with a hostile title), built as PDF (both editions) and web page.

    Built once a test process and then copied, output folder and manifest included: each caller gets its own."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path
    if _built:
        return copy_project(_built[0], root)
    project = Project(root)
    project.leaflet("ankle")
    project.leaflet("hostile", HOSTILE)
    options = batch.Options(out=project.root / "dist", jobs=2, formats=("pdf", "html"),
                            editions=("standard", "large-print"), today=datetime.date.fromisoformat(TODAY))
    report = batch.build(content.Project(project.root), options)
    assert report.ok, [r.errors for r in report.failed] + report.shared_errors
    kept = Path(tempfile.mkdtemp(prefix="desk-built-"))
    atexit.register(shutil.rmtree, kept, True)
    copy_project(project.root, kept / "proj")
    _built.append(kept / "proj")
    return project


def environment(project: Project, smtp_port: int | None = None, **extra) -> dict:
    env = {"DESK_SECRET_KEY": SECRET, "DESK_AUDIT_KEY": AUDIT_KEY, "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp_port or 1), "SMTP_SECURITY": "none", "SMTP_FROM": "leaflets@clinic.example",
           "SMTP_TIMEOUT": "5"}
    env.update(extra)
    return env


def make_app(project: Project, database: str, smtp_port: int | None = None, users=("alice",), **extra):
    config = desk_app.config_from_environment(content.Project(project.root), project.root / "dist", database,
                                              environment(project, smtp_port, **extra))
    application = desk_app.create_app(config)
    eng = db.engine(database)
    for user in users:
        if auth.epoch(eng, user) is None:
            auth.add_user(eng, user, PASSWORD)
    eng.dispose()
    return application


class Mailbox:
    """Keeps every message; refuses nobody@ at RCPT, like a real server refusing an unknown user."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


class Served:
    """The desk on a real uvicorn server on 127.0.0.1, on a port the system picks."""

    def __init__(self, application):
        self.socket = socket.socket()
        # As uvicorn does for sockets it makes: without it a kept-alive connection waits ~40 ms (Nagle, delayed ACK).
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(application, log_level="info", proxy_headers=False,
                                                    log_config=None))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the desk did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def request_key(html: str) -> str:
    return re.search(r'name="request" value="([^"]+)"', html)[1]


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every HTTP client of a test process: httpx otherwise reads certifi's CA bundle again
    for each client (30 ms of CPU; about 1.6 s of a run), though the desk is plain HTTP on 127.0.0.1 here."""
    return ssl.create_default_context()


class Staff:
    """A member of staff over real HTTP (httpx): the session cookie is sent by hand, because the desk's cookie is
    Secure and httpx, unlike Chromium on localhost, keeps Secure cookies for https only."""

    def __init__(self, url: str, user: str = "alice", password: str = PASSWORD):
        import httpx
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=60, verify=tls())
        page = self.http.get("/login")
        self.cookie = page.cookies["desk_session"]
        response = self.post("/login", {"csrf": csrf(page.text), "user": user, "password": password})
        assert response.status_code == 303, response.text
        self.cookie = response.cookies["desk_session"]

    def get(self, path: str, **kwargs):
        return self.http.get(path, headers={"Cookie": f"desk_session={self.cookie}"}, **kwargs)

    def post(self, path: str, data: dict):
        return self.http.post(path, data=data, headers={"Cookie": f"desk_session={self.cookie}"})

    def send_form(self, stem: str, file: str, addresses: str) -> dict:
        page = self.get(f"/leaflet/{stem}")
        return {"csrf": csrf(page.text), "leaflet": stem, "file": file, "request": request_key(page.text),
                "addresses": addresses, "consent": "yes"}
