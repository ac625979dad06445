"""Email a leaflet's PDF (or another of its formats) to patients: one message per recipient, over SMTP, or written as .eml files.

Recipient addresses are personal data: they go into the messages and the
dry-run files and nowhere else. Everything this module says about a
recipient names them by position ("recipient 2 of 3").
"""

from __future__ import annotations

import dataclasses
import email.policy
import email.utils
import functools
import os
import re
import smtplib
import socket
import ssl
from email import errors
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import jinja2

from publisher.build import settings as run_settings
from publisher.core.errors import PublisherError
from publisher.i18n import catalogues as i18n
from publisher.outputs import base as outputs
from publisher.render import html as html_stage
from publisher.source.content import Leaflet, Project

DEFAULT_MAX_MB = 10
SECURE_MARKER = "[secure]"
# TRANSLATORS: the email's subject; keep {title} and {organisation} as they are.
DEFAULT_SUBJECT = i18n.N_("{title} - information from {organisation}")
CONFIG_FILE = run_settings.SMTP_FILE
Settings = run_settings.Smtp  # how to reach the server: resolved with the run's other settings


class MailError(PublisherError):
    """The email could not be prepared or sent; nothing about recipients beyond their position."""


def check_addresses(addresses: list[str]) -> list[str]:
    """Normalised addresses, or one error listing every bad one by position (syntax only, no DNS)."""
    import email_validator
    good, problems = [], []
    for position, address in enumerate(addresses, start=1):
        try:
            good.append(email_validator.validate_email(address, check_deliverability=False).normalized)
        except email_validator.EmailNotValidError as exc:
            problems.append(f"Error: recipient {position} of {len(addresses)} is not a valid email address: "
                            f"{_redact(str(exc), [address])} - check it")
    if problems:
        raise MailError("\n".join(problems))
    return good


# Characters that end, fold or reorder a header line in some program that reads it:
# C0 and C1 controls (CR, LF, NEL), line and paragraph separators, bidi controls.
_UNSAFE_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def header_text(value: str) -> str:
    """A value made safe for a mail header whatever the Python version: one line, no encoded words."""
    text = " ".join(_UNSAFE_IN_HEADER.sub(" ", str(value)).split())
    # "=?" opens an RFC 2047 encoded word, which Python before 3.11.10 and 3.12.5 decodes
    # while writing the header, raw CR and LF included (CVE-2024-6923).
    return text.replace("=?", "= ?")


def attachment_name(leaflet: Leaflet, output_stem: str | None = None, suffix: str = ".pdf") -> str:
    """<reference>-v<version>-<stem><suffix>, the stem being the output's own (x or x.large-print)."""
    return header_text(f"{leaflet.data['reference']}-v{leaflet.data['version']}-{output_stem or leaflet.stem}{suffix}")


# How the message's text names the attachment, by format; other formats by their summary.
ATTACHED = {"pdf": i18n.N_("a PDF"), "brf": i18n.N_("a braille file (BRF, for a braille display or embosser)"),
            "pef": i18n.N_("a braille file (PEF, for an embosser)"),
            "mp3": i18n.N_("an audio file (MP3) with a chapter for each section"),
            "html": i18n.N_("a web page")}
A_FILE = i18n.N_("a file")  # any other format


def subject(leaflet: Leaflet, brand: dict, secure: bool, labels: i18n.Labels | None = None) -> str:
    """The subject, from the brand's template (or ours, in the leaflet's language), with the secure marker when asked."""
    # The marker stays English in every language: it is what encrypting gateways look for.
    default = labels.gettext(DEFAULT_SUBJECT) if labels else DEFAULT_SUBJECT
    template = (brand.get("email") or {}).get("subject", default)
    fields = {"title": leaflet.data["title"], "organisation": brand["name"], "reference": leaflet.data["reference"]}
    try:
        text = template.format_map(fields)
    except (KeyError, ValueError, IndexError) as exc:
        raise MailError(f"Error: brand.yaml: email.subject: '{template}' has an unknown placeholder {exc} - "
                        f"use {{title}}, {{organisation}} or {{reference}}")
    return header_text(f"{SECURE_MARKER} {text}" if secure else text)


def sender_address(sender: str) -> Address:
    """SMTP_FROM (an address, or 'Name <address>') as a header value with a safe display name."""
    # Split at the last '<' ourselves: parseaddr is misled by ':' or '@' in a display name.
    text = header_text(sender)
    named = re.fullmatch(r"(.*?)\s*<([^<>]*)>", text)
    name, address = (named[1].strip('" '), named[2].strip()) if named else ("", text)
    try:
        result = Address(display_name=name, addr_spec=address)
        if not result.username or not result.domain:
            raise ValueError(address)
        return result
    except (ValueError, IndexError, errors.HeaderParseError):
        raise MailError("Error: SMTP_FROM is not an email address - set it to an address such as "
                        "leaflets@example.org, or 'Name <leaflets@example.org>'")


def _environment(project: Project) -> jinja2.Environment:
    def make() -> jinja2.Environment:
        # Autoescape the HTML part only: the text part is plain text.
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(project.templates), undefined=jinja2.StrictUndefined,
                                 autoescape=jinja2.select_autoescape(["html"]), keep_trailing_newline=True)
        i18n.install(env)
        env.filters.update(html_stage.filters())
        return env
    return html_stage.shared_environment("email", project.templates, make=make)


def compose(project: Project, leaflet: Leaflet, brand: dict, pdf: bytes, recipient: str, sender: str,
            secure: bool = False, output_stem: str | None = None, output: outputs.Output | None = None,
            link: str = "") -> EmailMessage:
    """One message to one recipient: text and HTML bodies from templates/email/, the file (PDF by default) attached,
    or a `link` to it instead."""
    output = output or outputs.REGISTRY["pdf"]
    env = _environment(project)
    try:
        labels = i18n.labels(project.root, leaflet.data["language"])
    except LookupError as exc:
        raise MailError(f"Error: {leaflet.name}: {exc} - run check to see what to add")
    contact = {k: brand["contact"].get(k) for k in ("phone", "email", "website", "address")}
    context = {"leaflet": leaflet.data, "attached": labels.gettext(ATTACHED.get(output.name, A_FILE)),
               "brand": {**brand, "contact": contact},
               "labels": labels, "direction": html_stage.direction(leaflet), "link": link}
    # Headers may run to 998 characters (RFC 5322): no folding inside a short subject,
    # where a gateway looks for the [secure] marker.
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    message["Subject"] = subject(leaflet, brand, secure, labels)
    sender_header = sender_address(sender)
    message["From"] = sender_header
    message["To"] = recipient
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.utils.make_msgid(domain=sender_header.domain)
    try:
        message.set_content(env.get_template("email/body.txt").render(**context))
        message.add_alternative(env.get_template("email/body.html").render(**context), subtype="html")
    except i18n.MissingLabel as exc:
        raise MailError(f"Error: {leaflet.name}: {exc}")
    except jinja2.TemplateError as exc:
        raise MailError(f"Error: email template: {exc} - fix templates/email/")
    if link:
        return message
    maintype, subtype = output.media_type.split("/", 1)
    message.add_attachment(pdf, maintype=maintype, subtype=subtype,
                           filename=attachment_name(leaflet, output_stem, output.suffix))
    return message


@dataclasses.dataclass
class Delivery:
    """What happened to the message for one recipient (by position)."""

    position: int
    sent: bool
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class Parcel:
    """One file of one leaflet to email: what each recipient's message carries (or a link to it)."""

    leaflet: Leaflet
    data: bytes
    output: outputs.Output
    output_stem: str  # the output's own stem: x, or x.large-print
    secure: bool = False  # the [secure] subject marker
    link: str = ""  # a link to the file instead of the file

    @property
    def name(self) -> str:
        """The attachment's file name."""
        return attachment_name(self.leaflet, self.output_stem, self.output.suffix)


def sender(config: Settings, brand: dict | None) -> str:
    """SMTP_FROM, else the brand's contact address."""
    found = config.sender or ((brand or {}).get("contact", {}).get("email") if brand else None)
    if not found:
        raise MailError("Error: SMTP_FROM is not set - set it to the address messages come from")
    return found


def messages(project: Project, brand: dict, parcel: Parcel, recipients: list[str], config: Settings) -> list:
    """One message per recipient, in their order."""
    sent_from = sender(config, brand)
    return [compose(project, parcel.leaflet, brand, parcel.data, recipient, sent_from, parcel.secure,
                    parcel.output_stem, parcel.output, parcel.link) for recipient in recipients]


def deliver(project: Project, brand: dict, parcel: Parcel, recipients: list[str], config: Settings) -> list:
    """Compose and send one message per recipient: what happened to each (MailError if none could be tried)."""
    return send(messages(project, brand, parcel, recipients, config), config)


def send(messages: list[EmailMessage], config: Settings) -> list[Delivery]:
    """Send each message; a refusal of one recipient does not stop the others."""
    if not config.host:
        raise MailError("Error: SMTP_HOST is not set - set SMTP_HOST (and SMTP_PORT, SMTP_SECURITY, SMTP_FROM) "
                        f"or write them in {CONFIG_FILE}; or use --dry-run DIR to write .eml files")
    addresses = [m["To"] for m in messages]
    deliveries = []
    try:
        with _connect(config) as smtp:
            for position, message in enumerate(messages, start=1):
                try:
                    smtp.send_message(message)
                    deliveries.append(Delivery(position, True))
                except smtplib.SMTPNotSupportedError:
                    # Raised before any command is sent, so the connection still serves the others.
                    deliveries.append(Delivery(position, False, "the address has non-ASCII characters and the "
                                                                "server does not accept those (no SMTPUTF8) - "
                                                                "ask for another address"))
                except smtplib.SMTPRecipientsRefused as exc:
                    code, text = next(iter(exc.recipients.values()))
                    deliveries.append(Delivery(position, False, f"the server refused the recipient ({code} "
                                                                f"{_redact(_text(text), addresses)})"))
                except smtplib.SMTPResponseException as exc:
                    deliveries.append(Delivery(position, False, f"the server refused the message ({exc.smtp_code} "
                                                                f"{_redact(_text(exc.smtp_error), addresses)})"))
    except MailError as exc:
        return _remaining(deliveries, len(messages), str(exc))
    except (smtplib.SMTPException, OSError) as exc:
        return _remaining(deliveries, len(messages), _redact(_describe(exc, config), addresses))
    return deliveries


def _remaining(deliveries, total, reason):
    done = {d.position for d in deliveries}
    return deliveries + [Delivery(p, False, reason) for p in range(1, total + 1) if p not in done]


def _tls(config: Settings) -> ssl.SSLContext:
    """The TLS settings: the system's authorities and the organisation's own (SMTP_CA_FILE)."""
    if not config.ca_file:
        return _tls_context(None, None)
    try:
        found = os.stat(config.ca_file)
        return _tls_context(config.ca_file, (found.st_ino, found.st_size, found.st_mtime_ns))
    except (OSError, ssl.SSLError) as exc:
        why = (exc.reason if isinstance(exc, ssl.SSLError) else None) or exc.strerror or exc
        raise MailError(f"SMTP_CA_FILE {config.ca_file} cannot be used ({why}) - give the path of a PEM file of "
                        "certificates, or leave SMTP_CA_FILE unset") from None


@functools.lru_cache(maxsize=8)
def _tls_context(ca_file: str | None, stamp: tuple | None) -> ssl.SSLContext:
    # Loading the system's authorities takes about 0.1 s of CPU: once a process (the desk sends many messages),
    # again only when the organisation's file changes (`stamp`).
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _connect(config: Settings) -> smtplib.SMTP:
    host = config.host or ""  # send() has refused an unset host already
    smtp: smtplib.SMTP
    # No TLS settings for a plain connection (SMTP_SECURITY=none, a local relay).
    context = _tls(config) if config.security in ("tls", "starttls") else None
    if config.security == "tls":
        smtp = smtplib.SMTP_SSL(host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError("the server does not offer STARTTLS - set SMTP_SECURITY=tls for implicit TLS, "
                                "or none for a local relay")
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.username:
            smtp.login(config.username, config.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(exc: BaseException, config: Settings) -> str:
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"the server at {where} refused the login ({exc.smtp_code} {_text(exc.smtp_error)}) - "
                "check SMTP_USERNAME and SMTP_PASSWORD")
    if isinstance(exc, (socket.timeout, TimeoutError)) or (
            isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)):
        return f"the server at {where} did not answer within {config.timeout:g} s - check SMTP_HOST and SMTP_PORT"
    if isinstance(exc, ConnectionRefusedError):
        return f"could not connect to {where} (connection refused) - check SMTP_HOST and SMTP_PORT"
    if isinstance(exc, ssl.SSLError):
        return f"the TLS connection to {where} failed ({exc.reason or exc}) - check SMTP_SECURITY and the certificate"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the server at {where} closed the connection ({exc}) - check SMTP_SECURITY and SMTP_PORT"
    if isinstance(exc, smtplib.SMTPException):
        return f"the server at {where} reported an error: {exc}"
    return f"could not reach {where} ({getattr(exc, 'strerror', None) or exc}) - check SMTP_HOST and SMTP_PORT"


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _redact(text: str, addresses: list[str]) -> str:
    """Server replies and library messages may quote an address, in any case; logs must not."""
    text = ADDRESS.sub("<recipient>", text)
    for address in addresses:
        for part in (address, address.split("@")[0]):
            if len(part) > 2:
                text = re.sub(re.escape(part), "<recipient>", text, flags=re.IGNORECASE)
    return text


# Anything shaped like an address, for messages that may quote one we were not told about.
ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def write_dry_run(messages: list[EmailMessage], folder: Path, stem: str) -> list[Path]:
    """One .eml file per recipient (the only file recipients' addresses are ever written to)."""
    from publisher.core.files import write_atomic
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MailError(f"Error: --dry-run '{folder}' is a file - give a folder")
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for position, message in enumerate(messages, start=1):
            path = folder / f"{stem}-recipient-{position}.eml"
            # Atomic: a full disk or a read-only folder leaves no empty or half-written .eml behind.
            write_atomic(path, bytes(message))
            written.append(path)
    except OSError as exc:
        raise MailError(f"Error: cannot write to --dry-run folder '{folder}': {exc.strerror or exc} - choose "
                        f"another folder or free some space ({len(written)} of {len(messages)} written)")
    return written
