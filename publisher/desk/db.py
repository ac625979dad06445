"""The desk's database (SQLAlchemy Core): tables, connection and numbered migrations.

A small migration table instead of Alembic: the schema is four tables, the desk must create and
upgrade its own database on first start on any machine (no alembic.ini, env.py or script folder to
ship and locate), and each migration is a Python function run once, recorded in `schema_migrations`,
inside the same transaction as the change. tests/test_desk_db.py upgrades from every earlier step.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa

metadata = sa.MetaData()

migrations_table = sa.Table(
    "schema_migrations", metadata,
    sa.Column("step", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied", sa.String(32), nullable=False),
)

users = sa.Table(
    "desk_users", metadata,
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("password", sa.String(200), nullable=False),  # argon2id hash, with its parameters
    sa.Column("failures", sa.Integer, nullable=False, default=0),  # consecutive failed sign-ins
    sa.Column("locked_until", sa.Float, nullable=False, default=0.0),  # Unix time
    sa.Column("epoch", sa.Integer, nullable=False, default=0),  # signing out ends every session of the user
    sa.Column("role", sa.String(16), nullable=False, server_default="administrator"),  # step 3: or clinician
    sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),  # step 3: 1 refuses every sign-in
)

audit = sa.Table(
    "desk_audit", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),  # 1, 2, 3 ... a gap is a deletion
    sa.Column("time", sa.String(32), nullable=False),  # UTC, ISO 8601
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # print or email
    sa.Column("reference", sa.String(80), nullable=False),
    sa.Column("leaflet", sa.String(200), nullable=False),  # the file stem
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("edition", sa.String(40), nullable=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("language", sa.String(40), nullable=False),  # "" for the leaflet's own language
    sa.Column("sha256", sa.String(64), nullable=False),  # of the exact bytes given
    sa.Column("recipients", sa.Integer, nullable=False),  # how many addresses (0 for a print)
    sa.Column("sent", sa.Integer, nullable=False),  # how many messages the server accepted
    sa.Column("outcome", sa.Text, nullable=False),  # JSON: per recipient position, keyed hash and sent or why not
    sa.Column("request", sa.String(80), nullable=False),  # the form's idempotency key
    sa.Column("prev", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # Step 3: a send is written "pending" before any mail leaves, then "done" with what happened (the outbox);
    # the chain covers what was given and to whom, the seal (keyed) covers the outcome written afterwards.
    sa.Column("status", sa.String(16), nullable=False, server_default=""),  # "" for entries before step 3
    sa.Column("seal", sa.String(64), nullable=False, server_default=""),
    sa.Column("delivery", sa.String(16), nullable=False, server_default=""),  # attachment, link or "" (print)
    sa.Column("link", sa.String(400), nullable=False, server_default=""),  # the address sent, for a link
)

# The last entry's sequence number and hash: deleting the newest entries is noticed too.
head = sa.Table(
    "desk_audit_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False, server_default=""),  # step 3: keyed, over seq and hash
)

# A form's idempotency key is claimed before anything is sent: a second submit finds it taken.
requests = sa.Table(
    "desk_requests", metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("seq", sa.Integer, nullable=True),  # the audit entry, once written
)


def _step1(conn: sa.Connection) -> None:
    for table in (users, audit, head):
        table.create(conn)
    conn.execute(head.insert().values(id=1, seq=0, hash="0" * 64))


def _step2(conn: sa.Connection) -> None:
    requests.create(conn)
    conn.execute(sa.text("CREATE INDEX ix_desk_audit_time ON desk_audit (time)"))


def _step3(conn: sa.Connection) -> None:
    # Step 1 creates today's tables, so a new database has these columns already.
    for table, column, kind, default in (("desk_audit", "status", "VARCHAR(16)", "''"),
                                         ("desk_audit", "seal", "VARCHAR(64)", "''"),
                                         ("desk_audit", "delivery", "VARCHAR(16)", "''"),
                                         ("desk_audit", "link", "VARCHAR(400)", "''"),
                                         ("desk_audit_head", "mac", "VARCHAR(64)", "''"),
                                         # Users from before roles could do everything: they stay administrators.
                                         ("desk_users", "role", "VARCHAR(16)", "'administrator'"),
                                         ("desk_users", "disabled", "INTEGER", "0")):
        if column not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
            conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {kind} NOT NULL DEFAULT {default}"))


MIGRATIONS = [_step1, _step2, _step3]


def engine(url: str) -> sa.Engine:
    """An engine for `url`; SQLite writes take the database lock at BEGIN, so the audit chain is serial."""
    if url.startswith("sqlite"):
        eng = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(eng, "connect")
        def _connect(dbapi_connection, record):
            dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        @sa.event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return eng
    return sa.create_engine(url, pool_pre_ping=True)


def migrate(eng: sa.Engine, upto: int | None = None) -> int:
    """Apply every migration not yet applied (up to step `upto`); returns the schema's step."""
    with eng.begin() as conn:
        migrations_table.create(conn, checkfirst=True)
        done = set(conn.execute(sa.select(migrations_table.c.step)).scalars())
        last = len(MIGRATIONS) if upto is None else upto
        for step, function in enumerate(MIGRATIONS[:last], start=1):
            if step in done:
                continue
            function(conn)
            conn.execute(migrations_table.insert().values(
                step=step, applied=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")))
        return max(done | set(range(1, last + 1)), default=0)
