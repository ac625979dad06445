"""A throwaway PostgreSQL cluster for the desk's tests: one a test process (conftest.postgres), a fresh schema a test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_BIN = Path("/usr/lib/postgresql/15/bin")
if not PG_BIN.exists() and not sys.platform.startswith("linux"):  # GitHub's macOS and Windows runners: PGBIN or PATH
    PG_BIN = Path(os.environ.get("PGBIN") or Path(shutil.which("pg_ctl") or "pg_ctl").parent)


@contextlib.contextmanager
def cluster(tmp_path_factory):
    """A throwaway PostgreSQL 15 cluster in a temporary folder, on 127.0.0.1 and a free port: its URL."""
    if not any((PG_BIN / name).exists() for name in ("initdb", "initdb.exe")):
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb missing): scripts/system-deps.sh installs it")
    run_as = ["runuser", "-u", "postgres", "--"] if os.name == "posix" and os.geteuid() == 0 else []
    # initdb refuses to run as root: as root, the cluster belongs to the postgres user, in a folder of
    # its own (pytest's temporary folders are private to root).
    data = Path(tempfile.mkdtemp(prefix="desk-pg-")) / "data" if run_as else tmp_path_factory.mktemp("pg") / "data"
    if run_as:
        shutil.chown(data.parent, "postgres")
    subprocess.run(run_as + [str(PG_BIN / "initdb"), "-D", str(data), "-U", "desk", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(run_as + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(data.parent / "log"),
                             "-o", f"-h 127.0.0.1 -p {port} -k {data.parent}", "start"], check=True,
                   capture_output=True)
    try:
        url = f"postgresql+psycopg://desk@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 20
        while True:
            try:
                with sa.create_engine(url).connect():
                    break
            except sa.exc.OperationalError:
                assert time.monotonic() < deadline, "PostgreSQL did not start"
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(run_as + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data.parent, ignore_errors=True)


def emptied(url: str) -> str:
    """The cluster's database with nothing in it: what an earlier test (of any module) made is dropped."""
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    eng.dispose()
    return url
