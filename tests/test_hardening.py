"""Hardening (issue 12): values that reach a mail header, addresses that must never be printed, and
leaflets that pass validation but could raise later."""

import datetime
import email
import email.policy
import os
import re

import pytest
import test_fuzz
from conftest import MINIMAL
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_email import PATIENTS, clinic, no_addresses, parsed, server  # noqa: F401 (fixtures)

from publisher.build import checks
from publisher.govern import governance
from publisher.mail import send as mail
from publisher.source import content

INJECTED = "=?utf-8?q?Back_pain=0D=0ABcc:_evil@example.org?="


def header_names(raw: bytes) -> list[str]:
    """The names of the top-level headers, read straight from the bytes."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if line and not line[0].isspace()]


def dry_run(clinic, capsys, tmp_path, *extra):  # noqa: F811 (fixture)
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--dry-run", str(tmp_path / "outbox"), *extra,
                                capsys=capsys)
    assert code == 0, err
    return (tmp_path / "outbox" / "ankle-recipient-1.eml").read_bytes()


def assert_intact(raw: bytes):
    """One of each header, no Bcc, and both bodies and the PDF where they belong."""
    names = header_names(raw)
    assert "Bcc" not in names and "bcc" not in [n.lower() for n in names]
    assert sorted(names) == sorted(["Subject", "From", "To", "Date", "Message-ID", "MIME-Version", "Content-Type"])
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in head and b"\rBcc:" not in head  # in the body it would be harmless text
    message = parsed(raw)
    assert message["To"] == PATIENTS[0]
    assert "Most sprains get better on their own in a few weeks." in message.get_body(("plain",)).get_content()
    attachment = next(message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF-")
    return message


@pytest.mark.parametrize("title", [INJECTED, "Back pain =?utf-8?b?DQpCY2M6IGV2aWxAZXhhbXBsZS5vcmc=?= now"])
def test_an_encoded_word_in_the_title_cannot_add_a_header(clinic, capsys, monkeypatch, tmp_path, title):  # noqa: F811
    monkeypatch.delenv("SMTP_HOST")
    clinic.leaflet("ankle", MINIMAL.replace("title: Looking after a sprained ankle", f'title: "{title}"'))
    message = assert_intact(dry_run(clinic, capsys, tmp_path))
    assert str(message["Subject"]) == title.replace("=?", "= ?") + " - information from Test Health Trust"


# Each passes validation (a control character written as an escape would not).
@pytest.mark.parametrize("name", ["Test Trust\u2028Bcc: evil@example.org", "Test Trust\\PBcc: evil@example.org",
                                  "Test Trust\\r\\nBcc: evil@example.org", "Test Trust " + INJECTED])
def test_the_organisation_name_cannot_add_a_header(clinic, capsys, monkeypatch, tmp_path, name):  # noqa: F811
    monkeypatch.delenv("SMTP_HOST")
    brand = clinic.root / "brand.yaml"
    brand.write_text(brand.read_text().replace("name: Test Health Trust", f'name: "{name}"'), encoding="utf-8")
    message = assert_intact(dry_run(clinic, capsys, tmp_path))
    subject = str(message["Subject"])
    assert subject.startswith("Looking after a sprained ankle - information from Test Trust ")
    assert not re.search("[\r\n\x00-\x1f\x85\u2028\u2029]", subject) and "=?" not in subject


def test_the_from_display_name_cannot_add_a_header(clinic, capsys, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.delenv("SMTP_HOST")
    monkeypatch.setenv("SMTP_FROM", f"Clinic {INJECTED} <leaflets@clinic.example>")
    message = assert_intact(dry_run(clinic, capsys, tmp_path))
    assert message["From"].addresses[0].addr_spec == "leaflets@clinic.example"
    assert "=?" not in message["From"].addresses[0].display_name


def test_a_from_that_is_not_an_address_is_refused(clinic, capsys, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.delenv("SMTP_HOST")
    monkeypatch.setenv("SMTP_FROM", "leaflets")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--dry-run", str(tmp_path), capsys=capsys)
    assert code == 1
    assert err == ("Error: SMTP_FROM is not an email address - set it to an address such as leaflets@example.org, "
                   "or 'Name <leaflets@example.org>'\n")


def test_header_text_whatever_the_python_version():
    from publisher.mail.send import header_text
    assert header_text("a\r\nBcc: x\u2028y\u2029z\u0085w\x00v\u202eu =?utf-8?q?x?=") == "a Bcc: x y z w v u = ?utf-8?q?x?="


def test_an_address_given_as_the_leaflet_is_never_printed(clinic, capsys):  # noqa: F811
    code, out, err = clinic.run("email", "patient@example.org", "--to", PATIENTS[0], capsys=capsys)
    assert code == 2
    assert err.splitlines()[-1] == ("Error: LEAFLET looks like an email address - name the leaflet first (a file or "
                                    "its stem), then each recipient with --to")
    assert "patient" not in out + err and no_addresses(out, err)


def test_a_non_ascii_recipient_fails_alone_without_smtputf8(clinic, server, capsys, monkeypatch):  # noqa: F811
    mailbox, port = server(enable_SMTPUTF8=False)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--to", "jos\u00e9@example.org",
                                "--to", PATIENTS[2], capsys=capsys)
    assert code == 1
    assert out.splitlines() == ["recipient 1 of 3: sent", "recipient 3 of 3: sent"]
    assert err.splitlines() == [
        "recipient 2 of 3: not sent: the address has non-ASCII characters and the server does not accept those "
        "(no SMTPUTF8) - ask for another address",
        "Error: sent to 2 of 3 recipients (1, 3); see above for the others."]
    assert [rcpt for rcpt, _ in mailbox.messages] == [[PATIENTS[0]], [PATIENTS[2]]]
    assert "jos" not in out + err


def test_dry_run_into_a_file_is_one_clear_message(clinic, capsys, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.delenv("SMTP_HOST")
    target = tmp_path / "afile"
    target.write_text("keep me")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--dry-run", str(target), capsys=capsys)
    assert code == 1
    assert err == f"Error: --dry-run '{target}' is a file - give a folder\n"
    assert target.read_text() == "keep me"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mounts a read-only folder and a tiny file system")
@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_dry_run_into_a_read_only_or_full_folder_leaves_no_empty_eml(clinic, capsys, monkeypatch, tmp_path,  # noqa: F811
                                                                      kind):
    from faultutil import mounted
    monkeypatch.delenv("SMTP_HOST")
    with mounted(tmp_path / "outbox", kind) as folder:
        code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--to", PATIENTS[2], "--dry-run",
                                    str(folder), capsys=capsys)
        left = sorted(p.name for p in folder.iterdir() if p.name != "filler")
    assert code == 1
    why = "Read-only file system" if kind == "read-only" else "No space left on device"
    assert err == (f"Error: cannot write to --dry-run folder '{folder}': {why} - choose another folder or free some "
                   "space (0 of 2 written)\n")
    assert left == []
    assert no_addresses(out, err)


def test_parsed_eml_policy_is_strict_enough():
    """The test's own reader: a message whose header holds a raw LF is split, so the checks above would see it."""
    raw = b"Subject: a\r\nBcc: x@example.org\r\nTo: y@example.org\r\n\r\nbody\r\n"
    assert email.message_from_bytes(raw, policy=email.policy.default)["Bcc"] == "x@example.org"
    assert header_names(raw) == ["Subject", "Bcc", "To"]


def test_the_documented_email_subject_in_brand_yaml_is_accepted_and_used(clinic, capsys, monkeypatch,  # noqa: F811
                                                                         tmp_path):
    monkeypatch.delenv("SMTP_HOST")
    brand = clinic.root / "brand.yaml"
    brand.write_text(brand.read_text() + 'email:\n  subject: "{reference}: {title} ({organisation})"\n')
    message = assert_intact(dry_run(clinic, capsys, tmp_path))
    assert str(message["Subject"]) == "TST-0001: Looking after a sprained ankle (Test Health Trust)"


# -- a leaflet that passes validation never raises later ----------------------------------------------------------


# Values that once passed validation and raised later, and their neighbours.
HOSTILE_VALUES = ["2029-11-25\n", "9998-01-01", "9999-12-31", "0001-01-01", "2028-02-29", "2028-02-30", "hugenumber",
                  "1.0\n", "TST-0001\n", "Back pain\u2028Bcc: x@example.org", "=?utf-8?q?a=0D=0ABcc:_x@example.org?=",
                  "a\r\nBcc: x@example.org", "\u202eevil", "x\u0085y", "**" * 200 + "x" + "**" * 200, "1e400", "-.inf",
                  "{title}", "%s%s", "\ufeff", "\u2029", "a\n", "\n", " ", "'", '"', "\\", "a" * 300]
FIELDS = [("title",), ("reference",), ("version",), ("dates", "published"), ("dates", "last_reviewed"),
          ("dates", "next_review"), ("summary",), ("sections", 0, "heading"), ("sections", 0, "body")]


@st.composite
def hostile_fields(draw):
    """The minimal leaflet with the fields that reach dates, headers and file names set to hostile values."""
    import yaml
    data = yaml.safe_load(MINIMAL)
    data["dates"] = {k: str(v) for k, v in data["dates"].items()}
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(FIELDS))
        target = data
        for part in path[:-1]:
            target = target[part]
        value = draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=12)))
        target[path[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000) if draw(st.booleans()) else \
        yaml.safe_dump(data, sort_keys=False)
    return text.replace("hugenumber", "1" * 5000)  # a plain number Python will not convert


@settings(test_fuzz.FUZZ, max_examples=max(50, test_fuzz.EXAMPLES // 2))
@given(st.one_of(test_fuzz.mutated(), test_fuzz.hostile_content(), hostile_fields()))
def test_a_leaflet_that_validates_never_raises_in_governance_or_email(text):
    leaflet = test_fuzz.load(text)
    if leaflet is None:
        event("refused at validation")
        return
    event("valid")
    proj = test_fuzz.project()
    brand, problems = content.load_brand(proj)
    assert not problems
    for today in ("2026-11-25", "0001-01-01", "9999-12-31"):
        day = datetime.date.fromisoformat(today)
        review = governance.review(leaflet, brand, day)
        assert all(f.rule in governance.RULES for f in review.findings)
        catalogue = content.Catalogue(proj, brand, {}, [leaflet], {}, [])
        report = checks.run(catalogue, day, strict=True, allow_expired=True)
        report.as_dict(), report.table(), report.closing()
    for secure in (False, True):
        message = mail.compose(proj, leaflet, brand, b"%PDF-1.7 test", "pat@example.org",
                               "Clinic <leaflets@example.org>", secure, leaflet.stem)
        raw = bytes(message)
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        names = [line.split(":", 1)[0] for line in head.split("\r\n") if line and not line[0].isspace()]
        assert sorted(names) == ["Content-Type", "Date", "From", "MIME-Version", "Message-ID", "Subject", "To"]
        assert "=?" not in mail.subject(leaflet, brand, secure)
