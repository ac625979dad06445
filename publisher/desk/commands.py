"""`build.py desk ...`: serve the desk, add a user, verify the audit log, export it (the CLI parses, this acts)."""

from __future__ import annotations

import datetime
import getpass
import logging
import os
import sys
import urllib.parse
from pathlib import Path

from publisher.build import settings
from publisher.core.errors import PublisherError, UsageError
from publisher.mail import send as mail
from publisher.source import content


def redact(text: str) -> str:
    """`text` with every address replaced, also when percent-encoded (once or more: %40, %2540) in a URL."""
    decoded = text
    for _ in range(4):  # each round undoes one layer of encoding
        decoded, before = urllib.parse.unquote_plus(decoded), decoded
        if decoded == before:
            break
    if mail.ADDRESS.search(decoded):
        return mail.ADDRESS.sub("<address>", decoded)
    return text


class _NoAddresses(logging.Filter):
    """Replace anything that looks like an email address in a log line (a search box can be misused)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def quiet_addresses() -> None:
    """Keep addresses out of every log the desk writes: ours and the server's access log."""
    for name in ("publisher.desk", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoAddresses) for f in logger.filters):
            logger.addFilter(_NoAddresses())


def _desk(args, project: content.Project) -> settings.Desk:
    """The desk's settings for an action: its database, and its audit key when the action needs it."""
    return settings.desk(project, os.environ, args.database, serving=False)


def _database(args, project: content.Project) -> str:
    return _desk(args, project).database


def _audit_key(args, project: content.Project) -> bytes:
    return _desk(args, project).key()


def run(args) -> int:
    """Dispatch `desk` and its sub-commands."""
    project = content.Project(args.project)
    return {None: serve, "add-user": add_user, "disable-user": disable_user, "verify-log": verify_log,
            "export": export, "sent-to": sent_to}[args.desk_command](
        args, project)


def serve(args, project: content.Project) -> int:
    import uvicorn

    from publisher.desk.app import create_app
    config = settings.load(project, "desk", {"out": args.out, "database": args.database})
    out = config.out
    app = create_app(config)
    quiet_addresses()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    print(f"The desk is at http://{args.host}:{args.port}/ serving {out} (Ctrl-C stops it)", flush=True)
    # proxy_headers off: the desk itself decides which proxy to believe (DESK_TRUSTED_PROXIES).
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=False, server_header=False, log_config=None)
    return 0


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password (12 characters or more): ")
        second = getpass.getpass("The same password again: ")
    else:  # scripted: two lines on standard input, never on the command line
        first, second = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    if first != second:
        raise UsageError("Error: the two passwords differ - run the command again")
    return first


def add_user(args, project: content.Project) -> int:
    from publisher.desk import auth, db
    eng = db.engine(_database(args, project))
    db.migrate(eng)
    existed = auth.epoch(eng, args.name) is not None
    try:
        auth.add_user(eng, args.name, _password(), args.role)
    except auth.AccountError as exc:
        raise PublisherError(str(exc))
    if not args.quiet:
        print(f"{'set a new password for' if existed else 'added'} user {args.name} ({auth.role(eng, args.name)})")
    return 0


def disable_user(args, project: content.Project) -> int:
    from publisher.desk import auth, db
    eng = db.engine(_database(args, project))
    db.migrate(eng)
    if not auth.disable_user(eng, args.name):
        raise PublisherError(f"Error: there is no user '{args.name}' - check the name (add-user adds one)")
    if not args.quiet:
        print(f"disabled user {args.name}: every session ended; add-user {args.name} sets a new password and "
              "enables it again")
    return 0


def verify_log(args, project: content.Project) -> int:
    from publisher.desk import audit, db
    eng = db.engine(_database(args, project))
    db.migrate(eng)
    checking = args.anchor or None  # `--anchor` alone prints one, `--anchor VALUE` checks it
    problems = audit.verify(eng, _audit_key(args, project), checking)
    rows = audit.entries(eng)
    if problems:
        for problem in problems:
            print(f"audit log: {problem}", file=sys.stderr)
        print(f"Error: the audit log has been changed ({len(problems)} problem{'s' if len(problems) != 1 else ''}) "
              "- restore it from a back-up and find out who changed it", file=sys.stderr)
        return 1
    for seq in audit.pending(rows):
        print(f"audit log: entry {seq}: a send that never finished (the desk stopped, or its database failed, "
              "while sending): its messages may or may not have gone out", file=sys.stderr)
    last = rows[-1]["hash"] if rows else audit.GENESIS
    print(f"audit log whole: {len(rows)} entr{'y' if len(rows) == 1 else 'ies'}, last hash {last}")
    if checking:
        print(f"the log still holds entry {checking.split(':')[0]} as the anchor recorded it")
    elif args.anchor is not None:
        print(f"anchor: {audit.anchor(rows)}\n(keep it away from the desk's database and its back-ups; "
              "`verify-log --anchor VALUE` checks later that the log still holds it)")
    return 0


def export(args, project: content.Project) -> int:
    from publisher.desk import audit, db
    if args.end < args.start:
        raise UsageError("Error: --to is before --from - give the first day, then the last")
    eng = db.engine(_database(args, project))
    db.migrate(eng)
    rows = audit.entries(eng, args.start.isoformat(), (args.end + datetime.timedelta(days=1)).isoformat())
    text = audit.to_csv(rows)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        if not args.quiet:
            print(f"wrote {len(rows)} entr{'y' if len(rows) == 1 else 'ies'} to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def sent_to(args, project: content.Project) -> int:
    """Which leaflets were emailed to one address (asked for, never on the command line, never printed)."""
    from publisher.desk import audit, db
    key = _audit_key(args, project)
    address = (input("Address: ") if sys.stdin.isatty() else sys.stdin.readline()).strip()
    if not mail.ADDRESS.fullmatch(address):
        raise UsageError("Error: that is not an email address - type the patient's address")
    eng = db.engine(_database(args, project))
    db.migrate(eng)
    found = audit.sent_to(eng, key, address)
    for entry, outcome in found:
        what = "sent" if outcome["sent"] else f"not sent: {outcome.get('reason', '')}"
        print(f"entry {entry['seq']}, {entry['time'][:16].replace('T', ' ')} UTC: {entry['user']} emailed "
              f"{entry['reference']} version {entry['version']} ({entry['edition']} {entry['format']}"
              f"{', ' + entry['language'] if entry['language'] else ''}, SHA-256 {entry['sha256'][:12]}...): {what}")
    if not found:
        print("no leaflet was emailed to that address (as far as this audit log and its key know)")
    return 0
