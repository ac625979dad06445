"""`desk`: the clinic desk's command line (the desk itself lives in publisher/desk/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from publisher.cli import options as arguments


def options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="The clinic desk: staff sign in, find a leaflet in the built output "
                                 "folder, print it or email it; every print and send is recorded.\n\nSecrets come "
                                 "from DESK_SECRET_KEY (session cookies) and DESK_AUDIT_KEY (the audit chain and "
                                 "recipients' hashes);\nDESK_DATABASE_URL, DESK_TRUSTED_PROXIES, DESK_USER_HEADER "
                                 "and DESK_SEND_LIMIT are optional; SMTP_* as for `email`.\nSee docs/desk-deployment.md.")
    arguments.command_project(parser, shown)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the built output folder the desk offers (default: dist/)")
    parser.add_argument("--database", metavar="URL", default=None,
                        help="the audit and accounts database (default: DESK_DATABASE_URL, else "
                             "sqlite:///desk.sqlite3 in the project); e.g. postgresql+psycopg://user@host/desk")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=arguments.positive, default=8017, help="the port (default: %(default)s)")
    sub = parser.add_subparsers(dest="desk_command", metavar="ACTION", title="actions (default: serve the desk)")
    add = sub.add_parser("add-user", help="add a user, or set a new password (asked for, never on the command line)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=("clinician", "administrator"), default=None,
                     help="a clinician prints and sends; an administrator also adds and disables users, exports and "
                          "verifies the log (default: clinician for a new user, unchanged for an existing one)")
    disable = sub.add_parser("disable-user", help="refuse every sign-in of a user and end their sessions")
    disable.add_argument("name", metavar="NAME")
    verify = sub.add_parser("verify-log", help="check that no audit entry was edited or deleted")
    verify.add_argument("--anchor", nargs="?", const="", default=None, metavar="VALUE",
                        help="alone: print a value to keep elsewhere; with VALUE: check that the log still holds it")
    export = sub.add_parser("export", help="write the audit entries of a date range as CSV")
    export.add_argument("--from", dest="start", type=arguments.date, required=True, metavar="YYYY-MM-DD",
                        help="the first day")
    export.add_argument("--to", dest="end", type=arguments.date, required=True, metavar="YYYY-MM-DD", help="the last day")
    export.add_argument("--output", type=Path, default=None, metavar="FILE.csv",
                        help="write to FILE.csv (default: standard output)")
    sub.add_parser("sent-to", help="which leaflets were emailed to an address (asked for, never on the command "
                                   "line; found by its keyed hash)")
    for action in (add, disable, verify, export, sub.choices["sent-to"]):
        action.set_defaults(quiet=False)
    return parser


def run(args) -> int:
    """Serve the desk, or one of its actions."""
    from publisher.desk import commands
    return commands.run(args)
