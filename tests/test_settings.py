"""One settings object per run (issue 23): command line > environment > brand.yaml > defaults, resolved once."""

import dataclasses
import datetime
import re
from pathlib import Path

import pytest

from publisher.build import settings
from publisher.core.errors import UsageError
from publisher.source import content

KEY = "k" * 32
DESK = {"DESK_SECRET_KEY": KEY, "DESK_AUDIT_KEY": KEY}
TODAY = datetime.date(2026, 12, 4)


@pytest.fixture
def project(tmp_path):
    return content.Project(tmp_path)


def build(project, command="build", environ=None, **choices):
    return settings.load(project, command, {"today": TODAY, **choices}, environ or {}).build


def test_strict_comes_from_the_command_line_then_ci(project):
    assert build(project, strict=None).strict is False
    assert build(project, strict=None, environ={"CI": "true"}).strict is True
    assert build(project, strict=False, environ={"CI": "true"}).strict is False  # --no-strict wins
    assert build(project, "publish", strict=True).strict is True
    # Only a build is strict by default in CI: check keeps its own --strict.
    assert build(project, "check", strict=False, environ={"CI": "true"}).strict is False


def test_the_shard_comes_from_the_command_line_then_the_ci_matrix(project):
    matrix = {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4"}
    assert build(project, shard=None, environ=matrix).shard == (2, 4)
    assert build(project, shard="1/3", environ=matrix).shard == (1, 3)
    assert build(project, shard=None, environ={"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "2"}).shard == (1, 2)
    assert build(project, "email", environ=matrix).shard is None  # an email builds one leaflet, whole
    with pytest.raises(UsageError) as error:
        build(project, shard="5/4")
    assert str(error.value) == "Error: shard '5/4' must be K/N with 1 <= K <= N, e.g. 1/4"


def test_each_command_has_its_output_folder(project):
    assert build(project).out == project.root / "drafts"
    assert build(project, "publish").out == project.root / "dist"
    assert build(project, "email").out == project.root / "dist"
    assert build(project, "publish", out=project.root / "elsewhere").out == project.root / "elsewhere"
    with pytest.raises(UsageError) as error:
        build(project, out=project.root / "dist")
    assert str(error.value) == (f"Error: --out '{project.root / 'dist'}' holds the published leaflets that patients "
                                "get - drafts go to drafts/ (leave out --out); to publish, run build.py publish")


def test_the_settings_are_frozen(project):
    chosen = settings.load(project, "build", {"today": TODAY}, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.build.jobs = 4  # type: ignore[misc]


def test_the_brand_comes_under_the_command_line(project):
    brand = {"formats": ["html"], "paper": "a5", "editions": ["large-print"]}
    made = build(project).made(project, brand)
    assert ([o.name for o in made.formats], made.paper, made.editions) == (["html"], "a5", ("large-print",))
    made = build(project, formats=("pdf",), paper="a4", editions=("standard",)).made(project, brand)
    assert ([o.name for o in made.formats], made.paper, made.editions) == (["pdf"], "a4", ("standard",))
    made = build(project).made(project, None)
    assert ([o.name for o in made.formats], made.paper, made.editions) == (["pdf"], "a4", ("standard",))


def test_smtp_comes_from_the_environment_then_smtp_ini(project):
    (project.root / "smtp.ini").write_text("[smtp]\nhost = ini.example\nport = 2525\nfrom = ini@example.org\n")
    mail = settings.load(project, "email", {"today": TODAY}, {"SMTP_HOST": "env.example"}).smtp
    assert (mail.host, mail.port, mail.security, mail.sender, mail.timeout) == (
        "env.example", 2525, "starttls", "ini@example.org", 30.0)
    with pytest.raises(settings.SettingsError) as error:
        settings.load(project, "email", {"today": TODAY}, {"SMTP_SECURITY": "ssl"})
    assert str(error.value) == "Error: SMTP_SECURITY is 'ssl' - use starttls, tls or none"


def test_a_build_does_not_read_the_mail_or_desk_settings(project):
    (project.root / "smtp.ini").write_text("host = no section\n")
    chosen = settings.load(project, "build", {"today": TODAY}, {"SMTP_PORT": "x"})
    assert (chosen.smtp, chosen.desk) == (None, None)
    with pytest.raises(settings.SettingsError) as error:
        settings.load(project, "email", {"today": TODAY}, {})
    assert str(error.value) == ("Error: smtp.ini: File contains no section headers. - it needs an [smtp] section of "
                                "key = value lines")


def test_the_desk_checks_its_secrets_before_its_mail(project):
    with pytest.raises(settings.SettingsError) as error:
        settings.load(project, "desk", {"today": TODAY}, {"SMTP_SECURITY": "ssl"})
    assert str(error.value).startswith("Error: DESK_SECRET_KEY is not set - set it to a long random value")
    chosen = settings.load(project, "desk", {"today": TODAY, "database": "sqlite:///x.db"},
                           {**DESK, "DESK_SEND_LIMIT": "5", "DESK_DATABASE_URL": "sqlite:///y.db"})
    assert (chosen.desk.database, chosen.desk.send_limit, chosen.desk.audit_key, chosen.smtp.port) == (
        "sqlite:///x.db", 5, KEY.encode(), 587)  # --database wins over DESK_DATABASE_URL


def test_a_desk_action_needs_only_its_database_and_asks_for_the_key_when_it_uses_it(project):
    chosen = settings.load(project, "desk", {"today": TODAY, "desk_command": "add-user"}, {})
    assert (chosen.desk.database, chosen.smtp) == (f"sqlite:///{project.root / 'desk.sqlite3'}", None)
    with pytest.raises(Exception) as error:
        chosen.desk.key()
    assert str(error.value) == ("Error: DESK_AUDIT_KEY is not set (or shorter than 32 characters) - set it to the "
                                "desk's audit key, the one the desk runs with")


def test_the_environment_and_the_mail_server_are_reached_from_one_place_each():
    """Settings are read from the environment in settings.py (and the few process-level knobs docs/settings.md
    lists); only mail/send.py speaks SMTP, for the CLI and the desk alike."""
    package = Path(settings.__file__).parents[1]
    reads, smtp = set(), set()
    for path in package.rglob("*.py"):
        text = path.read_text("utf-8")
        name = path.relative_to(package).as_posix()
        if re.search(r"environ(\.get\(|\[)|getenv\(", text):
            reads.add(name)
        if "smtplib" in text:
            smtp.add(name)
    assert reads == {"build/settings.py", "core/clock.py", "outputs/audio.py", "outputs/pdf/workers.py",
                     "outputs/pdf/tempfolders.py", "outputs/pdf/quickimport.py"}
    assert smtp == {"mail/send.py"}
