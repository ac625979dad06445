"""Settings: one frozen tree per run, resolved once from the command line, the environment and brand.yaml.

Precedence, applied here and nowhere else: command line > environment > brand.yaml > defaults.
`load()` applies the first two at the edge (the CLI, the desk); brand.yaml is read by the build itself
(its problems are reported with the leaflets'), so `Build.made()` / `resolve()` apply it once it is loaded.
"""

from __future__ import annotations

import configparser
import dataclasses
import datetime
import hashlib
import ipaddress
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.core import clock, editions
from publisher.core.errors import PublisherError, UsageError
from publisher.outputs import base as outputs
from publisher.outputs.pdf import engine as pdf

if TYPE_CHECKING:
    from publisher.source.content import Project

BOOKLET = ("booklet", "print")  # the formats --booklet and brand.yaml's `booklet: true` add
OUT = "dist"  # the published folder, inside the project, unless --out says otherwise (build.py publish)
DRAFTS = "drafts"  # where a plain build and the preview server write drafts: never served to patients
LOCK_TIMEOUT = 600.0  # seconds to wait for another build into the same output folder
SMTP_FILE = "smtp.ini"  # in the project folder, never committed (.gitignore)
DESK_DATABASE = "desk.sqlite3"  # in the project folder, unless DESK_DATABASE_URL or --database say otherwise


class SettingsError(PublisherError):
    """A setting from the environment or a settings file is missing or wrong: nothing was done."""


def published(project, folder: Path) -> bool:
    """Whether `folder` is the project's published folder (what the desk and the catalogue serve)."""
    return Path(folder).resolve() == (Path(project.root) / OUT).resolve()


# --- what to make: the command line's choices, then brand.yaml's ------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Made:
    """What a run makes and where, brand.yaml applied: one object for build, check and email."""

    out: Path
    paper: str
    editions: tuple
    formats: tuple  # of outputs.Output

    def plan(self) -> list:
        """Every output to make of one leaflet, (format, edition), in a stable order."""
        return [(output, edition) for output in self.formats for edition in self.editions
                if edition in output.editions]


def brand_editions(brand: dict | None) -> tuple:
    """The editions brand.yaml asks for, else the standard one."""
    return tuple((brand or {}).get("editions", [editions.DEFAULT_EDITION]))


def resolve(project, brand: dict | None = None, out: Path | None = None, paper: str | None = None,
            editions_: tuple | None = None, formats: tuple | None = None, add_formats: tuple = ()) -> Made:
    """The command line's choices, else the brand's, else the defaults: the one place brand.yaml's are read."""
    brand = brand or {}
    names = list(formats or brand.get("formats", ["pdf"])) + list(add_formats)
    if "mp3" in names:  # the audio's words come with it, as a text alternative (and for checking it says everything)
        names.append("transcript")
    if brand.get("bilingual") and "pdf" in names:  # the brand's bilingual edition comes with its PDFs
        names.append("bilingual")
    if "bilingual" in names and brand and not brand.get("bilingual"):
        raise UsageError("Error: the bilingual format needs brand.yaml's bilingual setting (its two languages "
                         "and layout) - add it as the README's 'Bilingual Welsh/English edition' shows")
    if brand.get("booklet"):  # the brand's A5 booklets and print shop files, with every build
        names += list(BOOKLET)
    if "bilingual" in names:  # the bilingual edition is made as a booklet too, when booklets are
        names += [f"bilingual-{name}" for name in BOOKLET if name in names]
    return Made(
        out=Path(out) if out is not None else Path(project.root) / OUT,
        paper=paper or brand.get("paper", editions.DEFAULT_PAPER),
        editions=tuple(editions_ or brand_editions(brand)),
        formats=tuple(outputs.chosen(names)),
    )


@dataclasses.dataclass(frozen=True)
class Build:
    """How to build: the command line's and the environment's choices (None leaves a choice to brand.yaml)."""

    out: Path
    jobs: int = 1
    force: bool = False
    formats: tuple | None = None  # output names (see outputs.REGISTRY); None: the brand's formats
    add_formats: tuple = ()  # made as well, e.g. ("preview",) for --html
    strict: bool = False
    shard: tuple | None = None  # (k, n), 1-based
    paper: str | None = None  # None: the brand's paper
    editions: tuple | None = None  # None: the brand's editions
    marks: bool = False  # bleed and crop marks
    variant: str = pdf.DEFAULT_VARIANT
    max_pages: int = pdf.MAX_PAGES
    timeout: float = pdf.TIMEOUT
    today: datetime.date = dataclasses.field(default_factory=clock.today)
    allow_expired: bool = False  # build overdue leaflets, marked as overdue
    lock_timeout: float | None = LOCK_TIMEOUT  # seconds to wait for another build into the same folder
    site: bool = True  # a full build (not a shard's) also writes the catalogue site, index.html
    # False for a preview (build.py serve): nothing is archived, and a changed published version is not refused
    # while its author works on it. Its files count as made with other options, so the next publishing build
    # makes them again and checks them against the archive.
    publish: bool = True

    def made(self, project, brand: dict | None) -> Made:
        """What this build makes, brand.yaml's defaults applied under the command line's choices."""
        return resolve(project, brand, self.out, self.paper, self.editions, self.formats, self.add_formats)


def parse_shard(text: str) -> tuple:
    """'2/4' -> (2, 4)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"Error: shard '{text}' must be K/N with 1 <= K <= N, e.g. 1/4")
    return int(match[1]), int(match[2])


def shard_from_environment(environ) -> tuple | None:
    """This machine's shard from a CI matrix (CI_NODE_INDEX/CI_NODE_TOTAL, 1-based) or a Kubernetes Indexed Job
    (JOB_COMPLETION_INDEX, 0-based, with the completion count in JOB_COMPLETIONS), or None outside both."""
    index, total = environ.get("CI_NODE_INDEX"), environ.get("CI_NODE_TOTAL")
    if index and total:
        return parse_shard(f"{index}/{total}")
    index = environ.get("JOB_COMPLETION_INDEX")
    if index is None:
        return None
    total = environ.get("JOB_COMPLETIONS", "")
    if not total:
        raise UsageError("Error: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but JOB_COMPLETIONS is not - "
                         "set it to the Job's completions, e.g. 8, or give --shard K/N")
    if not (index.isdigit() and total.isdigit() and int(index) < int(total)):
        raise UsageError(f"Error: JOB_COMPLETION_INDEX={index} with JOB_COMPLETIONS={total}: the index must be "
                         "0 to JOB_COMPLETIONS - 1 - give the Job's completions in JOB_COMPLETIONS")
    return int(index) + 1, int(total)


def in_shard(stem: str, shard: tuple | None) -> bool:
    """Whether a leaflet belongs to this shard: by a hash of its stem, so adding one never moves the others."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(stem.encode()).hexdigest(), 16) % n == k - 1


# --- how to send e-mail --------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Smtp:
    """How to reach the SMTP server, from SMTP_* variables or smtp.ini."""

    host: str | None
    port: int
    security: str  # "starttls", "tls" or "none"
    username: str | None
    password: str | None
    sender: str | None
    timeout: float
    ca_file: str | None  # an extra certificate authority to trust (e.g. an organisation's own)


def _smtp_file(project) -> configparser.SectionProxy | dict:
    config = configparser.ConfigParser(interpolation=None)  # a password may contain '%'
    path = Path(project.root) / SMTP_FILE
    if path.exists():
        try:
            config.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise SettingsError(f"Error: {SMTP_FILE}: {str(exc).splitlines()[0]} - it needs an [smtp] section of "
                                "key = value lines")
    return config["smtp"] if config.has_section("smtp") else {}


def smtp(project, environ=os.environ) -> Smtp:
    """SMTP settings: environment variables first, then [smtp] in smtp.ini."""
    section = _smtp_file(project)

    def get(name, key):
        return environ.get(name) or section.get(key) or None

    security = (get("SMTP_SECURITY", "security") or "starttls").lower()
    if security not in ("starttls", "tls", "none"):
        raise SettingsError(f"Error: SMTP_SECURITY is '{security}' - use starttls, tls or none")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    try:
        port = int(get("SMTP_PORT", "port") or default_port)
        timeout = float(get("SMTP_TIMEOUT", "timeout") or 30)
    except ValueError:
        raise SettingsError("Error: SMTP_PORT and SMTP_TIMEOUT must be numbers")
    if not 0 < port < 65536 or timeout <= 0:
        raise SettingsError("Error: SMTP_PORT must be between 1 and 65535 and SMTP_TIMEOUT above 0")
    return Smtp(get("SMTP_HOST", "host"), port, security, get("SMTP_USERNAME", "username"),
                get("SMTP_PASSWORD", "password"), get("SMTP_FROM", "from"), timeout, get("SMTP_CA_FILE", "ca_file"))


# --- the clinic desk -----------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Desk:
    """The desk's secrets and limits, from DESK_* variables (and --database)."""

    database: str
    secret_key: str = ""  # signs session cookies
    audit_key: bytes = b""  # keys the audit chain and the recipients' hashes
    trusted_proxies: tuple = ()  # addresses (or networks) whose user header and X-Forwarded-For are believed
    user_header: str | None = None  # e.g. X-Remote-User, set by the single sign-on proxy
    send_limit: int = 60  # recipients a user may send to in an hour
    login_limit: int = 10  # sign-in attempts a client address may make in a minute

    def key(self) -> bytes:
        """The audit key, for the commands that check the log or look up an address."""
        if len(self.audit_key) < 32:
            raise PublisherError("Error: DESK_AUDIT_KEY is not set (or shorter than 32 characters) - set it to the "
                                 "desk's audit key, the one the desk runs with")
        return self.audit_key


def database(project, environ=os.environ, given: str | None = None) -> str:
    """The desk's database: --database, else DESK_DATABASE_URL, else SQLite in the project."""
    return given or environ.get("DESK_DATABASE_URL") or f"sqlite:///{Path(project.root) / DESK_DATABASE}"


def _secrets(environ) -> tuple[str, str]:
    secret, key = environ.get("DESK_SECRET_KEY", ""), environ.get("DESK_AUDIT_KEY", "")
    for name, value in (("DESK_SECRET_KEY", secret), ("DESK_AUDIT_KEY", key)):
        if len(value) < 32:
            raise SettingsError(f"Error: {name} is {'not set' if not value else 'shorter than 32 characters'} - set "
                                "it to a long random value, e.g. the output of: python -c \"import secrets; "
                                "print(secrets.token_hex(32))\" (and keep it: the audit log is checked with "
                                "DESK_AUDIT_KEY)")
    return secret, key


def _proxies(environ) -> tuple:
    proxies = tuple(p.strip() for p in environ.get("DESK_TRUSTED_PROXIES", "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(f"Error: DESK_TRUSTED_PROXIES: '{proxy}' is not an address or network - "
                                "use e.g. 127.0.0.1 or 10.0.0.0/24")
    return proxies


def desk(project, environ=os.environ, given_database: str | None = None, serving: bool = True) -> Desk:
    """The desk's settings; `serving` checks what serving needs (both secrets, the proxy and the limits)."""
    if not serving:  # add-user, verify-log, export, sent-to: the database, and the audit key when asked for
        return Desk(database(project, environ, given_database),
                    audit_key=environ.get("DESK_AUDIT_KEY", "").encode("utf-8"))
    secret, key = _secrets(environ)
    proxies = _proxies(environ)
    header = environ.get("DESK_USER_HEADER") or None
    if header and not proxies:
        raise SettingsError("Error: DESK_USER_HEADER is set but DESK_TRUSTED_PROXIES is not - name the reverse "
                            "proxy's address, or anyone could claim to be anyone")
    try:
        send_limit = int(environ.get("DESK_SEND_LIMIT", "60"))
    except ValueError:
        raise SettingsError("Error: DESK_SEND_LIMIT must be a whole number of recipients an hour")
    return Desk(database(project, environ, given_database), secret, key.encode("utf-8"), proxies, header, send_limit)


# --- one run -------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything one run needs, resolved once and passed down: the build, and for email and the desk, theirs."""

    project: Project
    build: Build
    smtp: Smtp | None = None
    desk: Desk | None = None

    @property
    def out(self) -> Path:
        """The output folder the run writes into or serves."""
        return Path(self.build.out)


def strict(given: bool | None, environ=os.environ) -> bool:
    """--strict or --no-strict, else on when CI=true."""
    return given if given is not None else environ.get("CI", "").lower() == "true"


def drafts(project, out: Path | None, instead: str) -> Path:
    """The folder a draft build writes into: drafts/, or --out unless that is the published folder (dist/)."""
    folder = Path(out) if out is not None else Path(project.root) / DRAFTS
    if published(project, folder):
        raise UsageError(f"Error: --out '{out}' holds the published leaflets that patients get - drafts go to "
                         f"{DRAFTS}/ (leave out --out); to publish, run {instead}")
    return folder


# The commands that write drafts (the others use the published folder), and what publishes instead.
_DRAFTS_INSTEAD = {"build": "build.py publish", "serve": "build.py publish, after the preview"}


def output_folder(project, command: str, out: Path | None) -> Path:
    """The command's output folder: --out (never a file), else drafts/ or dist/ in the project."""
    if command in ("build", "publish", "serve") and out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"Error: --out '{out}' is a file - give a folder")
    if command in _DRAFTS_INSTEAD:
        return drafts(project, out, _DRAFTS_INSTEAD[command])
    return Path(out) if out is not None else Path(project.root) / OUT


def _build(project, command: str, choices: dict, environ) -> Build:
    """The build's part: the command line's choices, the environment's shard and strictness, the folder."""
    given = {k: v for k, v in choices.items() if k in _BUILD_FIELDS and v is not None}
    if command in ("build", "publish"):  # only a build is sharded, and strict by default in CI
        shard = choices.get("shard")
        given["shard"] = parse_shard(shard) if shard is not None else shard_from_environment(environ)
        given["strict"] = strict(choices.get("strict"), environ)
    given["out"] = output_folder(project, command, choices.get("out"))
    return Build(**given)


def load(project, command: str, choices: dict, environ=os.environ) -> Settings:
    """The one resolver: `command`'s command-line `choices` over the environment over the defaults.

    `choices` holds the command line's values by Build field name (None or absent: not given), and the desk's
    `database` and `desk_command`. brand.yaml comes last, once the build has read it (Build.made).
    """
    build = _build(project, command, choices, environ)
    serving = command == "desk" and choices.get("desk_command") is None
    desk_part = desk(project, environ, choices.get("database"), serving) if command == "desk" else None
    mail = smtp(project, environ) if command == "email" or serving else None  # the desk's secrets are checked first
    return Settings(project, build, mail, desk_part)


_BUILD_FIELDS = {field.name for field in dataclasses.fields(Build)}
