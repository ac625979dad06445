"""Email a leaflet: against a real SMTP server on localhost (aiosmtpd), with TLS made by the test (trustme)."""

import email
import email.policy
import socket
import ssl
import threading
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import Project, copy_project


PATIENTS = ["pat.one@example.org", "nobody@example.org", "pat.three@example.net"]


class Mailbox:
    """An SMTP handler that keeps what it receives and refuses nobody@."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(rcpt.startswith("over.quota@") for rcpt in envelope.rcpt_tos):
            return f"552 5.2.2 <{envelope.rcpt_tos[0]}>: mailbox full"
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


class AnyPortController(Controller):
    """Listens on a port the system picks when it binds, so no other test worker can take it first."""

    def _create_server(self):
        return self._bound(super()._create_server())

    async def _bound(self, creating):
        server = await creating
        self.port = server.sockets[0].getsockname()[1]  # read before start() connects to it
        return server


@pytest.fixture
def closed_port():
    """A port bound and held but never listening: connections are refused, and nobody else can take it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def ca(tmp_path):
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return tmp_path / "ca.pem", context


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"clinic" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def server():
    started = []

    def start(**kwargs):
        mailbox = Mailbox()
        controller = AnyPortController(mailbox, hostname="127.0.0.1", port=0, **kwargs)
        controller.start()
        started.append(controller)
        return mailbox, controller.port
    yield start
    for controller in started:
        controller.stop()


def smtp_environment(monkeypatch) -> None:
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM",
                 "SMTP_CA_FILE", "SMTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_FROM", "leaflets@clinic.example")


@pytest.fixture
def unbuilt(project, monkeypatch):
    """One leaflet, not built yet: `email` builds its PDF first."""
    project.leaflet("ankle")
    smtp_environment(monkeypatch)
    return project


_built: list[Path] = []  # a clinic's project with its PDF built, made once a test process


@pytest.fixture
def clinic(tmp_path, tmp_path_factory, capsys, monkeypatch):
    """One leaflet with its PDF built and up to date, so `email` sends it without a build: built once a process,
    then copied for each test (test_the_message_arrives_with_the_pdf_and_both_bodies builds its own)."""
    if not _built:
        first = Project(tmp_path_factory.mktemp("clinic") / "proj")
        first.leaflet("ankle")
        assert first.run("--format", "pdf", "--edition", "standard", capsys=capsys)[0] == 0
        _built.append(first.root)
    smtp_environment(monkeypatch)
    return copy_project(_built[0], tmp_path / "proj")


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def no_addresses(*texts):
    joined = "".join(texts)
    return not any(part in joined for address in PATIENTS for part in (address, address.split("@")[0]))


def test_the_message_arrives_with_the_pdf_and_both_bodies(unbuilt, server, capsys, monkeypatch):
    """Built first (the leaflet had no PDF yet), then sent."""
    clinic = unbuilt
    assert not (clinic.root / "dist").exists()
    mailbox, port = server()
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--to", PATIENTS[2], capsys=capsys)
    assert code == 0, err
    assert out.splitlines() == ["recipient 1 of 2: sent", "recipient 2 of 2: sent",
                                "sent TST-0001-v1.0-ankle.pdf (" + out.split("(")[1].split(")")[0] + ") to 2 recipients."]
    assert no_addresses(out, err)
    assert [rcpt for rcpt, _ in mailbox.messages] == [[PATIENTS[0]], [PATIENTS[2]]]  # one message each
    message = parsed(mailbox.messages[0][1])
    assert message["Subject"] == "Looking after a sprained ankle - information from Test Health Trust"
    assert message["From"] == "leaflets@clinic.example" and message["To"] == PATIENTS[0]
    assert message["Date"] and message["Message-ID"].endswith("@clinic.example>")
    text = message.get_body(("plain",)).get_content()
    assert 'We are sending you the leaflet "Looking after a sprained ankle" from Test Health Trust' in text
    assert "Most sprains get better on their own in a few weeks." in text
    assert "This leaflet is available in other formats." in text and "Phone: 0100 000 0000" in text
    page = message.get_body(("html",)).get_content()
    assert "<strong>Looking after a sprained ankle</strong>" in page and "<img" not in page and "http" not in page
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "TST-0001-v1.0-ankle.pdf"
    assert attachment.get_content() == (clinic.root / "dist" / "ankle.pdf").read_bytes()
    for path in (clinic.root / "dist").rglob("*"):  # nothing else holds an address
        assert not any(a.encode() in path.read_bytes() for a in PATIENTS)


def test_login_over_starttls(clinic, server, ca, capsys, monkeypatch):
    ca_file, context = ca
    mailbox, port = server(tls_context=context, require_starttls=True, auth_required=True,
                           authenticator=authenticate)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "starttls")
    monkeypatch.setenv("SMTP_CA_FILE", str(ca_file))
    monkeypatch.setenv("SMTP_USERNAME", "clinic")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 0, err
    assert len(mailbox.messages) == 1


def test_implicit_tls(clinic, server, ca, capsys, monkeypatch):
    ca_file, context = ca
    mailbox, port = server(ssl_context=context)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "tls")
    monkeypatch.setenv("SMTP_CA_FILE", str(ca_file))
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 0, err
    assert len(mailbox.messages) == 1


def test_wrong_password(clinic, server, ca, capsys, monkeypatch):
    ca_file, context = ca
    mailbox, port = server(tls_context=context, require_starttls=True, auth_required=True,
                           authenticator=authenticate)
    for name, value in (("SMTP_PORT", str(port)), ("SMTP_SECURITY", "starttls"), ("SMTP_CA_FILE", str(ca_file)),
                        ("SMTP_USERNAME", "clinic"), ("SMTP_PASSWORD", "wrong")):
        monkeypatch.setenv(name, value)
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        f"recipient 1 of 1: not sent: the server at 127.0.0.1:{port} refused the login (535 5.7.8 Authentication "
        "credentials invalid) - check SMTP_USERNAME and SMTP_PASSWORD",
        "Error: sent to 0 of 1 recipients; see above for the others."]
    assert mailbox.messages == []


def test_starttls_certificate_not_trusted(clinic, server, ca, capsys, monkeypatch):
    ca_file, context = ca
    mailbox, port = server(tls_context=context, require_starttls=True)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "starttls")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"recipient 1 of 1: not sent: the TLS connection to 127.0.0.1:{port} failed "
                                   "(CERTIFICATE_VERIFY_FAILED) - check SMTP_SECURITY and the certificate")


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_an_unusable_ca_file_is_named(clinic, server, ca, capsys, monkeypatch, tmp_path, content):
    ca_file, context = ca
    mailbox, port = server(tls_context=context, require_starttls=True)
    bad = tmp_path / "organisation-ca.pem"
    if content:
        bad.write_text(content)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "starttls")
    monkeypatch.setenv("SMTP_CA_FILE", str(bad))
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    why = "No such file or directory" if content is None else "NO_CERTIFICATE_OR_CRL_FOUND"
    assert err.splitlines()[0] == (f"recipient 1 of 1: not sent: SMTP_CA_FILE {bad} cannot be used ({why}) - give "
                                   "the path of a PEM file of certificates, or leave SMTP_CA_FILE unset")
    assert mailbox.messages == []


def test_a_refused_recipient_does_not_stop_the_others(clinic, server, capsys, monkeypatch):
    mailbox, port = server()
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    code, out, err = clinic.run("email", "ankle", *sum((["--to", a] for a in PATIENTS), []), capsys=capsys)
    assert code == 1
    assert out.splitlines() == ["recipient 1 of 3: sent", "recipient 3 of 3: sent"]
    assert err.splitlines() == [
        "recipient 2 of 3: not sent: the server refused the recipient (550 5.1.1 <<recipient>>: no such user here)",
        "Error: sent to 2 of 3 recipients (1, 3); see above for the others."]
    assert no_addresses(out, err)
    assert [rcpt for rcpt, _ in mailbox.messages] == [[PATIENTS[0]], [PATIENTS[2]]]


def test_connection_refused(clinic, capsys, monkeypatch, closed_port):
    port = closed_port
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--to", PATIENTS[2], capsys=capsys)
    assert code == 1
    reason = f"could not connect to 127.0.0.1:{port} (connection refused) - check SMTP_HOST and SMTP_PORT"
    assert err.splitlines() == [f"recipient 1 of 2: not sent: {reason}", f"recipient 2 of 2: not sent: {reason}",
                                "Error: sent to 0 of 2 recipients; see above for the others."]


def test_a_message_refused_at_data_does_not_stop_the_others(clinic, server, capsys, monkeypatch):
    mailbox, port = server()
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    full = "over.quota@example.org"
    code, out, err = clinic.run("email", "ankle", "--to", full, "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    assert out.splitlines() == ["recipient 2 of 2: sent"]
    assert err.splitlines() == [
        "recipient 1 of 2: not sent: the server refused the message (552 5.2.2 <<recipient>>: mailbox full)",
        "Error: sent to 1 of 2 recipients (2); see above for the others."]
    assert "over.quota" not in out + err
    assert [rcpt for rcpt, _ in mailbox.messages] == [[PATIENTS[0]]]


SMTP_INI = """\
[smtp]
host = 127.0.0.1
port = {port}
security = none
from = ini-sender@clinic.example
"""


def test_settings_from_smtp_ini(clinic, server, capsys, monkeypatch):
    mailbox, port = server()
    monkeypatch.delenv("SMTP_HOST")
    monkeypatch.delenv("SMTP_FROM")
    (clinic.root / "smtp.ini").write_text(SMTP_INI.format(port=port))
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 0, err
    assert parsed(mailbox.messages[0][1])["From"] == "ini-sender@clinic.example"


def test_environment_variables_win_over_smtp_ini(clinic, server, capsys, monkeypatch, closed_port):
    mailbox, port = server()
    (clinic.root / "smtp.ini").write_text(SMTP_INI.format(port=closed_port))  # would be refused
    monkeypatch.setenv("SMTP_PORT", str(port))
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 0, err
    assert parsed(mailbox.messages[0][1])["From"] == "leaflets@clinic.example"


def test_a_broken_smtp_ini_says_what_it_needs(clinic, capsys):
    (clinic.root / "smtp.ini").write_text("host = 127.0.0.1\n")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    assert err.splitlines() == ["Error: smtp.ini: File contains no section headers. - it needs an [smtp] section "
                                "of key = value lines"]


def test_a_leaflet_that_fails_its_checks_is_not_sent(clinic, server, capsys, monkeypatch):
    """Not even its last good PDF: what fails the checks today must not reach a patient."""
    mailbox, port = server()
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    assert clinic.run(capsys=capsys)[0] == 0
    assert (clinic.root / "dist" / "ankle.pdf").exists()
    path = clinic.root / "handouts" / "ankle.yaml"
    path.write_text(path.read_text().replace("next_review: 2028-01-10", "next_review: 2026-11-01"))
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/ankle.yaml:9:16: error: review-overdue: the review was due on 2026-11-01 and is overdue - review "
        "the leaflet and update its dates (or build with --allow-expired to mark it overdue)",
        "Error: handouts/ankle.yaml could not be built, so nothing was sent."]
    assert out == "" and mailbox.messages == []


def test_a_server_that_never_answers_times_out(clinic, capsys, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    port = listener.getsockname()[1]
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("SMTP_TIMEOUT", "1")
    try:
        code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    finally:
        listener.close()
    assert code == 1
    assert err.splitlines()[0] == (f"recipient 1 of 1: not sent: the server at 127.0.0.1:{port} "
                                   "did not answer within 1 s - check SMTP_HOST and SMTP_PORT")


def test_invalid_addresses_by_position(clinic, capsys):
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--to", "pat.two@", capsys=capsys)
    assert code == 1
    assert err.splitlines() == ["Error: recipient 2 of 2 is not a valid email address: There must be something "
                                "after the @-sign. - check it"]


def test_attachment_size_limit(clinic, capsys):
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], "--max-size", "0.001", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].startswith("Error: dist/ankle.pdf is 0.")
    assert err.splitlines()[0].endswith(" MB, more than the 0.001 MB limit for attachments - nothing was sent")


def test_dry_run_writes_one_eml_per_recipient(clinic, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("SMTP_HOST")
    code, out, err = clinic.run("email", str(clinic.root / "handouts" / "ankle.yaml"), "--to", PATIENTS[0],
                                "--to", PATIENTS[2], "--secure-subject", "--edition", "large-print",
                                "--dry-run", str(tmp_path / "outbox"), capsys=capsys)
    assert code == 0, err
    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.name for f in files] == ["ankle-recipient-1.eml", "ankle-recipient-2.eml"]
    message = parsed(files[1].read_bytes())
    assert message["To"] == PATIENTS[2]
    assert str(message["Subject"]).strip() == "[secure] Looking after a sprained ankle - information from Test Health Trust"
    assert b"Subject: [secure] Looking after a sprained ankle - information from Test Health Trust\r\n" in \
        files[1].read_bytes()
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "TST-0001-v1.0-ankle.large-print.pdf"
    assert attachment.get_content() == (clinic.root / "dist" / "ankle.large-print.pdf").read_bytes()
    assert no_addresses(out, err)


def test_no_smtp_host_says_what_to_set(clinic, capsys, monkeypatch):
    monkeypatch.delenv("SMTP_HOST")
    code, out, err = clinic.run("email", "ankle", "--to", PATIENTS[0], capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("Error: SMTP_HOST is not set - set SMTP_HOST (and "
                                   "SMTP_PORT, SMTP_SECURITY, SMTP_FROM) or write them in smtp.ini; or use --dry-run "
                                   "DIR to write .eml files")


def test_unknown_leaflet_is_a_usage_error(clinic, capsys):
    code, out, err = clinic.run("email", "no-such-leaflet", "--to", PATIENTS[0], capsys=capsys)
    assert code == 2
    assert err.splitlines()[-1] == f"Error: '{clinic.root / 'handouts' / 'no-such-leaflet.yaml'}' does not exist"


def test_an_address_in_the_wrong_place_is_not_echoed(clinic, capsys):
    with pytest.raises(SystemExit) as exit_info:
        clinic.run("email", "ankle", "--to", PATIENTS[0], PATIENTS[2], capsys=capsys)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert err.splitlines()[-2:] == ["Error: unrecognized arguments: <address>",
                                     "Try 'python build.py --help' for help."]
    assert no_addresses(out, err)


def test_redaction_ignores_case():
    from publisher.mail import send as mail
    assert mail._redact("550 <ALICE.Smith@Example.org> unknown", ["alice.smith@example.org"]) == "550 <<recipient>> unknown"
