"""`email`: send a leaflet's file to patients, one message per recipient (publisher/mail/ composes and sends)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from publisher.build import settings
from publisher.cli import options as arguments
from publisher.core import editions
from publisher.core.errors import UsageError
from publisher.mail import send as mail
from publisher.outputs import base as outputs
from publisher.outputs import naming
from publisher.source import content


def options(commands, name: str, summary: str, shown: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="Email a leaflet's PDF (or its braille or audio, --format), one message "
                                 "per recipient, building it first if it is missing or out of date.\n\nSMTP settings "
                                 "come from SMTP_HOST, SMTP_PORT, "
                                 "SMTP_SECURITY (starttls, tls, none), SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM (and "
                                 "SMTP_TIMEOUT, SMTP_CA_FILE),\nor from an [smtp] section in smtp.ini in the project "
                                 "(never committed). Passwords are never taken from the command line.")
    parser.add_argument("leaflet", metavar="LEAFLET", help="a leaflet file, or its stem (e.g. looking-after-your-back)")
    parser.add_argument("--to", action="append", required=True, metavar="ADDRESS",
                        help="a recipient; repeat for more (each gets a separate message)")
    arguments.command_project(parser, shown)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="the build's output folder, where the PDF is made if missing (default: dist/)")
    parser.add_argument("--edition", choices=tuple(editions.EDITIONS), default="standard",
                        help="attach this edition (default: standard)")
    parser.add_argument("--language", metavar="TAG", default=None,
                        help="attach the leaflet's translation into this language (BCP 47, e.g. cy), "
                             "handouts/<stem>.<TAG>.yaml (default: the leaflet itself)")
    parser.add_argument("--format", choices=tuple(o.name for o in outputs.REGISTRY.values() if o.name != "preview"),
                        default="pdf", help="attach this format, e.g. brf for braille or mp3 for audio (default: pdf)")
    parser.add_argument("--dry-run", type=Path, metavar="DIR", help="write one .eml file per recipient to DIR "
                                                                     "instead of sending")
    parser.add_argument("--secure-subject", action="store_true",
                        help=f"start the subject with {mail.SECURE_MARKER}, for encrypting gateways such as NHSmail")
    parser.add_argument("--max-size", type=arguments.megabytes, default=mail.DEFAULT_MAX_MB, metavar="MB",
                        help="refuse to attach a PDF larger than this (default: %(default)s MB)")
    parser.add_argument("--today", type=arguments.date, default=None, metavar="YYYY-MM-DD",
                        help=argparse.SUPPRESS)
    return parser


def run(args) -> int:
    """Email a leaflet's file, one message per recipient, building it first if it is missing or out of date."""
    project = content.Project(args.project)
    path = _leaflet(project, args)
    output = outputs.REGISTRY[args.format]
    if args.edition not in output.editions:
        raise UsageError(f"Error: {output.name} is made in the {', '.join(output.editions)} edition only - "
                         f"leave out --edition {args.edition}")
    chosen = settings.load(project, "email", {"out": args.out, "jobs": 1, "editions": (args.edition,),
                                              "formats": (output.name,), "today": args.today})
    # Build it if missing or out of date: the manifest makes this a no-op otherwise.
    from publisher.build import batch  # imported when an email runs: other commands do not need the build
    report = batch.build(project, chosen.build, [path], on_wait=lambda holder: arguments.waiting(chosen.build, holder))
    if not _built(project, report, path):
        return 1
    found = _parcel(project, chosen.out, path, output, args, report)
    if found is None:
        return 1
    parcel, brand = found
    recipients = mail.check_addresses(args.to)
    assert chosen.smtp is not None  # load() resolves it for email
    if args.dry_run:
        return _dry_run(mail.messages(project, brand, parcel, recipients, chosen.smtp), parcel, args)
    return _said(mail.deliver(project, brand, parcel, recipients, chosen.smtp), parcel, args)


def _leaflet(project: content.Project, args) -> Path:
    """The leaflet file named (a file or its stem, or its translation with --language)."""
    if mail.ADDRESS.search(args.leaflet):
        # Most likely a recipient typed first; an address must not reach a log, even in an error.
        raise UsageError("Error: LEAFLET looks like an email address - name the leaflet first (a file or its stem), "
                         "then each recipient with --to")
    path = Path(args.leaflet)
    if not path.suffix and not path.exists():
        path = project.handouts / f"{args.leaflet}.yaml"
    if path.is_dir():
        raise UsageError(f"Error: '{args.leaflet}' is a folder - name one leaflet file, or its stem")
    if args.language:
        path = _translation_path(project, path, args.language)
    paths = arguments.leaflet_paths(project, [path])
    assert paths is not None  # one path in, one out
    return paths[0]


def _built(project: content.Project, report, path: Path) -> bool:
    """Whether the build of the leaflet succeeded; its problems printed if not."""
    for result in report.failed:
        for line in result.errors:
            print(line, file=sys.stderr)
    for line in report.shared_errors:
        print(line, file=sys.stderr)
    if not report.ok:
        print(f"Error: {project.relative(path)} could not be built, so nothing was sent.", file=sys.stderr)
    return report.ok


def _parcel(project: content.Project, out: Path, path: Path, output, args, report):
    """(what to send, the brand), or None when this format is left out for the leaflet (why is printed)."""
    from publisher.build import batch
    people, _ = content.load_people(project)
    brand, _ = content.load_brand(project)
    leaflet, _ = content.load_leaflet(project, path, people)
    made = out / naming.name(leaflet.stem, None, args.edition, output)
    if not made.exists():  # left out for this leaflet (no braille table, no voice): say why, send nothing
        for result in report.results:
            for line in result.warnings if result.status == "skipped" else ():
                print(line, file=sys.stderr)
        print(f"Error: there is no {output.name} of {project.relative(path)}, so nothing was sent.", file=sys.stderr)
        return None
    data = made.read_bytes()
    if len(data) > args.max_size * 1024 * 1024:
        raise mail.MailError(f"Error: {project.relative(made)} is {len(data) / 1024 / 1024:.1f} MB, more than "
                             f"the {args.max_size:g} MB limit for attachments - nothing was sent")
    return mail.Parcel(leaflet, data, output, batch.output_key(leaflet.stem, args.edition), args.secure_subject), brand


def _dry_run(messages: list, parcel, args) -> int:
    """Write the messages as .eml files instead of sending them."""
    written = mail.write_dry_run(messages, args.dry_run, parcel.leaflet.stem)
    if not args.quiet:
        total = len(messages)
        print(f"wrote {total} message{'s' if total != 1 else ''} ({parcel.name}, {len(parcel.data) // 1024} KB) to "
              f"{args.dry_run}: " + ", ".join(p.name for p in written))
    return 0


def _said(deliveries: list, parcel, args) -> int:
    """Say what happened to each recipient, by position, and overall."""
    total = len(deliveries)
    for delivery in deliveries:
        if not delivery.sent:
            print(f"recipient {delivery.position} of {total}: not sent: {delivery.reason}", file=sys.stderr)
        elif not args.quiet:
            print(f"recipient {delivery.position} of {total}: sent")
    sent = [d.position for d in deliveries if d.sent]
    if len(sent) == total:
        if not args.quiet:
            print(f"sent {parcel.name} ({len(parcel.data) // 1024} KB) to {total} recipient{'s' if total != 1 else ''}.")
        return 0
    print(f"Error: sent to {len(sent)} of {total} recipients"
          + (f" ({', '.join(map(str, sent))})" if sent else "") + "; see above for the others.", file=sys.stderr)
    return 1


def _translation_path(project: content.Project, source: Path, language: str) -> Path:
    """The file of `source`'s translation into `language` (named <stem>.<language>.yaml), or a usage error."""
    path = source.with_name(f"{source.stem}.{language}.yaml")
    if not path.exists():
        known = sorted(p.stem[len(source.stem) + 1:] for p in source.parent.glob(f"{source.stem}.*.yaml")
                       if "." not in p.stem[len(source.stem) + 1:])
        have = f"it has: {', '.join(known)}" if known else "it has none"
        raise UsageError(f"Error: {project.relative(source)} has no translation into '{language}' "
                         f"({project.relative(path)} does not exist) - {have}")
    return path
