"""Who may use the desk: argon2 password accounts with lock-out, signed session cookies, CSRF tokens, rate limits."""

from __future__ import annotations

import collections
import re
import secrets
import threading
import time

import argon2
import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer

from publisher.desk import db

LOCK_AFTER = 5  # consecutive failed sign-ins lock the account ...
LOCK_SECONDS = 15 * 60  # ... for this long
SESSION_SECONDS = 8 * 3600  # a working day
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,119}\Z")
_hasher = argon2.PasswordHasher()  # argon2id with the library's current recommended parameters
# Checked against when the user does not exist, so a wrong name costs as much time as a wrong password.
_DUMMY = _hasher.hash(secrets.token_hex(16))


class AccountError(Exception):
    """A user could not be added (bad name or password)."""


ROLES = ("clinician", "administrator")  # a clinician prints and sends; an administrator also manages the desk


def add_user(eng: sa.Engine, name: str, password: str, role: str | None = None) -> None:
    """Create the account (a clinician unless `role` says), or set a new password (which also unlocks and enables
    it and ends its sessions), and its role if given."""
    if role is not None and role not in ROLES:
        raise AccountError(f"Error: '{role}' is not a role - use {' or '.join(ROLES)}")
    if not USER_NAME.match(name):
        raise AccountError(f"Error: '{name}' is not a user name - use letters, digits, '.', '_', '-' or '@' "
                           "(up to 120)")
    if len(password) < 12:
        raise AccountError("Error: the password is shorter than 12 characters - choose a longer one")
    hashed = _hasher.hash(password)
    with eng.begin() as conn:
        found = conn.execute(sa.select(db.users.c.epoch).where(db.users.c.name == name)).first()
        if found is None:
            conn.execute(db.users.insert().values(name=name, password=hashed, failures=0, locked_until=0.0, epoch=0,
                                                  role=role or "clinician", disabled=0))
        else:
            conn.execute(db.users.update().where(db.users.c.name == name).values(
                password=hashed, failures=0, locked_until=0.0, epoch=found.epoch + 1, disabled=0,
                **({"role": role} if role else {})))


def disable_user(eng: sa.Engine, name: str) -> bool:
    """Refuse every sign-in of the account and end its sessions (a new password enables it again); False: unknown."""
    with eng.begin() as conn:
        return conn.execute(db.users.update().where(db.users.c.name == name).values(
            disabled=1, epoch=db.users.c.epoch + 1)).rowcount == 1


def role(eng: sa.Engine, name: str) -> str:
    """The user's role; a name from single sign-on with no account here is a clinician."""
    with eng.connect() as conn:
        return conn.execute(sa.select(db.users.c.role).where(db.users.c.name == name)).scalar() or "clinician"


def accounts(eng: sa.Engine) -> list[dict]:
    """Every account's name, role and whether it is disabled, by name (never the password hash)."""
    with eng.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(db.users.c.name, db.users.c.role, db.users.c.disabled).order_by(db.users.c.name))]


def sign_in(eng: sa.Engine, name: str, password: str, clock=time.time) -> tuple[bool, str]:
    """(signed in, why not): a wrong password counts towards the lock-out, a locked account is refused.

    The password is hashed whatever the case (unknown name, locked account), so the time taken tells nothing.
    """
    with eng.begin() as conn:
        user = conn.execute(sa.select(db.users).where(db.users.c.name == name)).first()
        if user is None:
            _verify(_DUMMY, password)
            return False, "wrong"
        if user.locked_until > clock() or user.disabled:
            _verify(user.password, password)
            return False, "locked"
        if _verify(user.password, password):
            values: dict = {"failures": 0, "locked_until": 0.0}
            if _hasher.check_needs_rehash(user.password):
                values["password"] = _hasher.hash(password)
            conn.execute(db.users.update().where(db.users.c.name == name).values(**values))
            return True, ""
        failures = user.failures + 1
        locked = clock() + LOCK_SECONDS if failures >= LOCK_AFTER else 0.0
        conn.execute(db.users.update().where(db.users.c.name == name).values(
            failures=0 if locked else failures, locked_until=locked))
        return False, "locked" if locked else "wrong"


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def epoch(eng: sa.Engine, name: str) -> int | None:
    """The user's session epoch (None: no such account)."""
    with eng.connect() as conn:
        return conn.execute(sa.select(db.users.c.epoch).where(db.users.c.name == name)).scalar()


def sign_out_everywhere(eng: sa.Engine, name: str) -> None:
    with eng.begin() as conn:
        conn.execute(db.users.update().where(db.users.c.name == name).values(epoch=db.users.c.epoch + 1))


class Sessions:
    """Session cookies: signed and dated (itsdangerous), holding the user, their epoch and the CSRF token."""

    def __init__(self, secret: str):
        self.serializer = URLSafeTimedSerializer(secret, salt="desk-session")

    def dump(self, session: dict) -> str:
        return self.serializer.dumps(session)

    def load(self, cookie: str | None) -> dict | None:
        if not cookie:
            return None
        try:
            value = self.serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:  # also SignatureExpired
            return None
        return value if isinstance(value, dict) and isinstance(value.get("csrf"), str) else None


def new_session(user: str | None = None, epoch_: int = 0) -> dict:
    return {"user": user, "epoch": epoch_, "csrf": secrets.token_urlsafe(32)}


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and secrets.compare_digest(str(given), expected)


class RateLimit:
    """At most `limit` events per `window` seconds for each key (in this process)."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self.events: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False when it is over the limit (and then it is not counted)."""
        with self.lock:
            now, events = self.clock(), self.events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True
