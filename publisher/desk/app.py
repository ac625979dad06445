"""The desk's web application (Starlette): sign in, search, open a leaflet, print it or email it, all recorded."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import ipaddress
import json
import logging
import os
import re
import secrets
from pathlib import Path

import jinja2
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from publisher.build import archive
from publisher.core.errors import PublisherError
from publisher.desk import audit, auth, db, library, shelf
from publisher.desk.library import Library
from publisher.i18n import catalogues as i18n
from publisher.mail import send as mail
from publisher.outputs import base as outputs
from publisher.render import html as html_stage
from publisher.source import content

log = logging.getLogger("publisher.desk")

COOKIE = "desk_session"
MAX_RECIPIENTS = 20
FORM_BYTES = 64 * 1024
MAX_FIELDS = 50  # the desk's largest form has 7
SECURITY_HEADERS = {
    # No script at all, inline or not; styles only from the desk itself.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


SIGN_IN_REFUSED = (f"The user name or password is wrong, or the account is locked for {auth.LOCK_SECONDS // 60} "
                   f"minutes after {auth.LOCK_AFTER} failed sign-ins. Try again, wait, or ask an administrator to "
                   "set a new password.")


class ConfigError(PublisherError):
    """The desk cannot start: a secret or setting is missing or wrong."""


@dataclasses.dataclass
class Config:
    """Everything the desk needs, from the command line and DESK_* variables."""

    project: content.Project
    out: Path
    database: str
    secret_key: str  # signs session cookies
    audit_key: bytes  # keys the audit chain and the recipients' hashes
    trusted_proxies: tuple = ()  # addresses (or networks) whose user header and X-Forwarded-For are believed
    user_header: str | None = None  # e.g. X-Remote-User, set by the single sign-on proxy
    send_limit: int = 60  # recipients a user may send to in an hour
    login_limit: int = 10  # sign-in attempts a client address may make in a minute
    smtp: mail.Settings | None = None


def config_from_environment(project: content.Project, out: Path, database: str | None = None,
                            environ=os.environ) -> Config:
    """The desk's settings: secrets and options from DESK_* variables, SMTP as for `build.py email`."""
    secret, key = environ.get("DESK_SECRET_KEY", ""), environ.get("DESK_AUDIT_KEY", "")
    for name, value in (("DESK_SECRET_KEY", secret), ("DESK_AUDIT_KEY", key)):
        if len(value) < 32:
            raise ConfigError(f"Error: {name} is {'not set' if not value else 'shorter than 32 characters'} - set "
                              "it to a long random value, e.g. the output of: python -c \"import secrets; "
                              "print(secrets.token_hex(32))\" (and keep it: the audit log is checked with "
                              "DESK_AUDIT_KEY)")
    proxies = tuple(p.strip() for p in environ.get("DESK_TRUSTED_PROXIES", "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"Error: DESK_TRUSTED_PROXIES: '{proxy}' is not an address or network - "
                              "use e.g. 127.0.0.1 or 10.0.0.0/24")
    header = environ.get("DESK_USER_HEADER") or None
    if header and not proxies:
        raise ConfigError("Error: DESK_USER_HEADER is set but DESK_TRUSTED_PROXIES is not - name the reverse "
                          "proxy's address, or anyone could claim to be anyone")
    try:
        send_limit = int(environ.get("DESK_SEND_LIMIT", "60"))
    except ValueError:
        raise ConfigError("Error: DESK_SEND_LIMIT must be a whole number of recipients an hour")
    return Config(project, Path(out), database or environ.get("DESK_DATABASE_URL")
                  or f"sqlite:///{Path(project.root) / 'desk.sqlite3'}",
                  secret, key.encode("utf-8"), proxies, header, send_limit, smtp=mail.settings(project, environ))


def create_app(config: Config) -> Starlette:
    """The desk as an ASGI application; creates or upgrades its database."""
    eng = db.engine(config.database)
    db.migrate(eng)
    desk = _Desk(config, eng)
    desk.library.refresh()  # read the catalogue (and the brand's name) before the first request
    routes = [
        Route("/", desk.home),
        Route("/login", desk.login_form, methods=["GET"]),
        Route("/login", desk.login, methods=["POST"]),
        Route("/logout", desk.logout, methods=["POST"]),
        Route("/leaflet/{stem}", desk.leaflet),
        Route("/print", desk.print_, methods=["POST"]),
        Route("/send", desk.send, methods=["POST"]),
        Route("/desk.css", desk.stylesheet),
        Route("/admin", desk.admin),
        Route("/admin/add-user", desk.admin_add_user, methods=["POST"]),
        Route("/admin/disable-user", desk.admin_disable_user, methods=["POST"]),
        Route("/admin/verify-log", desk.admin_verify_log, methods=["POST"]),
        Route("/admin/export", desk.admin_export, methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=desk.guard)])
    app.state.desk = desk
    return app


def _administrators_only(handler):
    """A desk page only an administrator may use: anyone else gets 403 (the server enforces the role)."""
    @functools.wraps(handler)
    async def checked(self, request: Request, *args, **kwargs) -> Response:
        refused = self._refused(request)
        return refused if refused else await handler(self, request, *args, **kwargs)
    return checked


class _Desk:
    def __init__(self, config: Config, eng: sa.Engine):
        self.config, self.eng = config, eng
        self.sessions = auth.Sessions(config.secret_key)
        self.library = Library(config.project, config.out)
        self.archive_root = archive.folder(config.project, config.out)  # where a link's exact bytes are kept
        self.login_limit = auth.RateLimit(config.login_limit, 60)
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(config.project.templates),
                                            autoescape=True, undefined=jinja2.StrictUndefined)
        self.templates.filters.update(html_stage.filters())  # the leaflets' own Markdown subset and dates
        # The desk speaks to staff in English; the filters' dates follow the labels in the context.
        self.templates.globals["labels"] = i18n.labels(config.project.root, "en-GB")
        self.proxies = [ipaddress.ip_network(p, strict=False) for p in config.trusted_proxies]

    # --- the frame around every request -------------------------------------------------------------
    async def guard(self, request: Request, call_next) -> Response:
        """Session, identity, CSRF and security headers for every request."""
        session = self.sessions.load(request.cookies.get(COOKIE))
        fresh = session is None
        if session is None:
            session = auth.new_session()
        request.state.session = session
        request.state.user = self._user(request, session)
        public = request.url.path in ("/login", "/desk.css")
        if request.method == "POST":
            length = request.headers.get("content-length", "")
            if not length.isdigit() or int(length) > FORM_BYTES:  # forms are small; nothing is uploaded
                return self._finish(self._page("error.html", request, status=413, title="Form too large",
                                               message="This form is larger than the desk accepts."), request, fresh)
            try:
                form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=FORM_BYTES)
            except (HTTPException, MultiPartException):  # too many fields, no boundary, a part without a name
                return self._finish(self._page("error.html", request, status=400, title="Form not understood",
                                               message="This form is not one the desk sent. Go back, reload the "
                                                       "page and try again."), request, fresh)
            request.state.form = form
            if not auth.same_token(form.get("csrf"), session["csrf"]):  # type: ignore[arg-type]
                response: Response = self._page("error.html", request, status=403, title="Form expired",
                                                message="This form has expired or did not come from the desk. "
                                                        "Go back, reload the page and try again.")
                return self._finish(response, request, fresh)
        if request.state.user is None and not public:
            response = RedirectResponse("/login", status_code=303)
        else:
            try:
                response = await call_next(request)
            except sa.exc.SQLAlchemyError as exc:  # nothing was given out: each action records before it gives
                log.error("the database failed: %s", type(exc).__name__)
                response = self._page("error.html", request, status=503, title="Not available",
                                      message="The desk cannot reach its records just now, so it gave nothing out. "
                                              "Try again in a few minutes; if it goes on, tell IT.")
        return self._finish(response, request, fresh)

    def _finish(self, response: Response, request: Request, fresh: bool) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        session = request.state.session
        if fresh or getattr(request.state, "new_session", False):
            # Secure even on localhost: browsers accept Secure cookies from http://localhost and 127.0.0.1.
            response.set_cookie(COOKIE, self.sessions.dump(session), max_age=auth.SESSION_SECONDS, path="/",
                                secure=True, httponly=True, samesite="strict")
        return response

    def _peer_trusted(self, request: Request) -> bool:
        host = request.client.host if request.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.proxies)

    def _client(self, request: Request) -> str:
        """The client's address: the proxy's X-Forwarded-For only when the proxy is trusted."""
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded and self._peer_trusted(request):
            return forwarded.split(",")[-1].strip()
        return request.client.host if request.client else "unknown"

    def _user(self, request: Request, session: dict) -> str | None:
        header = self.config.user_header
        if header and self._peer_trusted(request):
            name = request.headers.get(header, "")
            return name if auth.USER_NAME.match(name) else None
        signed = session.get("user")
        if isinstance(signed, str) and auth.epoch(self.eng, signed) == session.get("epoch"):
            return signed
        return None

    def _role(self, request: Request) -> str:
        if not hasattr(request.state, "role"):
            request.state.role = auth.role(self.eng, request.state.user) if request.state.user else ""
        return request.state.role

    def _page(self, template: str, request: Request, status: int = 200, **values) -> HTMLResponse:
        brand = self.library.brand or {}
        html = self.templates.get_template(f"desk/{template}").render(
            csrf=request.state.session["csrf"], user=request.state.user, organisation=brand.get("name", ""),
            role=self._role(request),
            sso=bool(self.config.user_header and self._peer_trusted(request)), **values)
        return HTMLResponse(html, status_code=status)

    # --- signing in and out ------------------------------------------------------------------------
    async def login_form(self, request: Request) -> Response:
        if request.state.user:
            return RedirectResponse("/", status_code=303)
        return self._page("login.html", request, title="Sign in", message="")

    async def login(self, request: Request) -> Response:
        form = request.state.form
        if not self.login_limit.allow(self._client(request)):
            return self._page("login.html", request, status=429, title="Sign in",
                              message="Too many sign-in attempts from this computer. Wait a minute and try again.")
        name, password = str(form.get("user", "")), str(form.get("password", ""))
        ok, why = await run_in_threadpool(auth.sign_in, self.eng, name, password)
        if not ok:
            log.info("sign-in refused (%s)", "locked" if why == "locked" else "wrong name or password")
            # One answer for a wrong password, an unknown name and a locked account: it tells nobody which exist.
            return self._page("login.html", request, status=401, title="Sign in", message=SIGN_IN_REFUSED)
        log.info("user %s signed in", name)
        request.state.session = auth.new_session(name, auth.epoch(self.eng, name) or 0)  # a new CSRF token too
        request.state.new_session = True
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        user = request.state.user
        if user and not self.config.user_header:
            await run_in_threadpool(auth.sign_out_everywhere, self.eng, user)
        request.state.session = auth.new_session()
        request.state.new_session = True
        return RedirectResponse("/login", status_code=303)

    # --- finding a leaflet ------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        query = request.query_params.get("q", "")[:200]
        found = await run_in_threadpool(self.library.search, query)
        return self._page("search.html", request, title="Find a leaflet", query=query, found=found)

    async def leaflet(self, request: Request) -> Response:
        item = await run_in_threadpool(self.library.get, request.path_params["stem"])
        if item is None:
            return self._page("error.html", request, status=404, title="Not found",
                              message="There is no such leaflet on the desk.")
        return self._leaflet_page(request, item)

    def _leaflet_page(self, request: Request, item, status: int = 200, message: str = "", addresses: str = "",
                      key: str = "") -> HTMLResponse:
        groups = shelf.groups(item, self.library.brand)
        return self._page("leaflet.html", request, status=status, title=item.title, item=item, groups=groups,
                          sendable=[c for g in groups for c in g.choices if c.attachable or self._site_url()],
                          links=bool(self._site_url()), request_key=key or secrets.token_urlsafe(24),
                          message=message, addresses=addresses)

    def _site_url(self) -> str:
        return str((self.library.brand or {}).get("site_url", ""))

    def _chosen(self, request: Request):
        form = request.state.form
        item = self.library.get(str(form.get("leaflet", "")))
        file = item.file(str(form.get("file", ""))) if item else None
        return item, file

    # --- giving it out ----------------------------------------------------------------------------
    def _given(self, request: Request, item, file, action: str, data: bytes, key: str = "", outcome=()) -> audit.Given:
        return audit.Given(request.state.user, action, item.reference, item.stem, item.version, file.edition,
                           file.format, file.language, hashlib.sha256(data).hexdigest(), key, tuple(outcome))

    def _published(self, item, file) -> bytes | None:
        """The file's bytes when they are the published ones (checked by SHA-256 at each print and send), else None."""
        try:
            return self.library.read(item, file)
        except library.Unpublished as exc:
            log.warning("refused %s: %s", file.key, exc)
            return None

    def _unpublished(self, request: Request, item) -> Response:
        return self._page("error.html", request, status=409, title="Not published",
                          message=f"This file of {item.title} is not the published version, so it is not given out. "
                                  "Ask the leaflet's editor to publish it again.")

    async def print_(self, request: Request) -> Response:
        item, file = await run_in_threadpool(self._chosen, request)
        if item is None or file is None:
            return self._page("error.html", request, status=404, title="Not found",
                              message="There is no such leaflet or file on the desk.")
        data = await run_in_threadpool(self._published, item, file)
        if data is None:
            return self._unpublished(request, item)
        # Print fits the format: the browser's viewer for a PDF or web page, a download for an embosser or player.
        action = "download" if file.format in shelf.DOWNLOADS else "print"
        entry = await run_in_threadpool(audit.append, self.eng, self.config.audit_key,
                                        self._given(request, item, file, action, data))
        log.info("entry %s: user %s %s %s v%s (%s)", entry["seq"], request.state.user,
                 "downloaded" if action == "download" else "printed", item.reference, item.version, file.key)
        name = re.sub(r"[^A-Za-z0-9._-]", "-", f"{item.reference}-v{item.version}-{file.key}")
        disposition = "attachment" if action == "download" else "inline"
        headers = {"Content-Disposition": f'{disposition}; filename="{name}"',
                   # The browser's own PDF viewer must be allowed to run: no page CSP on the file itself,
                   # but a sandbox for anything else that could be opened inline.
                   "Content-Security-Policy": "sandbox" if file.format != "pdf" else "frame-ancestors 'none'"}
        return Response(data, media_type=file.media_type, headers=headers)

    async def send(self, request: Request) -> Response:
        form = request.state.form
        item, file = await run_in_threadpool(self._chosen, request)
        by_link = form.get("delivery") == "link"
        if item is None or file is None or (by_link and not self._site_url()):
            return self._page("error.html", request, status=404, title="Not found",
                              message="There is no such leaflet or file to send on the desk.")
        user, key = request.state.user, str(form.get("request", ""))[:80]
        raw = str(form.get("addresses", ""))

        def again(message: str, status: int) -> Response:
            return self._leaflet_page(request, item, status, message, raw, key)

        if not by_link and file.media_type != "application/pdf":
            return again("Only a PDF can be attached" + (": choose \"A link to this version\" to send this file."
                                                         if self._site_url() else "."), 400)

        if form.get("consent") != "yes":
            return again("Tick the box to confirm that the patient agreed to receive the leaflet by email.", 400)
        addresses = [a for a in re.split(r"[\s,;]+", raw) if a]
        if not addresses:
            return again("Enter the patient's email address.", 400)
        if len(addresses) > MAX_RECIPIENTS:
            return again(f"Send to at most {MAX_RECIPIENTS} addresses at a time.", 400)
        try:
            recipients = mail.check_addresses(addresses)
        except mail.MailError as exc:
            return again(str(exc).replace("Error: ", ""), 400)
        if not key:
            return again("The form was incomplete: reload the page and try again.", 400)
        data = await run_in_threadpool(self._published, item, file)
        if data is None:
            return self._unpublished(request, item)
        link = ""
        if by_link:  # the archived copy of these very bytes, so the patient keeps what was chosen
            link = shelf.link(self._site_url(), self.archive_root, item.leaflet_for(file).stem, item.version,
                              file.key, hashlib.sha256(data).hexdigest()) or ""
            if not link:
                return again("This file is not in the published archive, so it cannot be sent as a link. "
                             "Send it attached, or ask for it to be published.", 409)
        given = dataclasses.replace(self._given(request, item, file, "email", data, key,
                                                audit.pending_outcome(self.config.audit_key, recipients)),
                                    delivery="link" if link else "attachment", link=link)
        try:  # written (pending) before anything is sent: no mail leaves unrecorded
            entry = await run_in_threadpool(audit.append, self.eng, self.config.audit_key, given,
                                            self.config.send_limit)
        except audit.Refused as refused:
            if refused.why == "limit":
                return again(f"You have sent to {self.config.send_limit} addresses in the last hour, the most "
                             "allowed. Try again later, or ask a colleague.", 429)
            return self._page("sent.html", request, title="Already sent", item=item, entry=refused.entry,
                              again=True, outcome=_outcome(refused.entry))
        outcome = await run_in_threadpool(self._deliver, item, file, data, recipients, link)
        try:
            entry = await run_in_threadpool(audit.finish, self.eng, self.config.audit_key, entry, outcome)
        except sa.exc.SQLAlchemyError as exc:
            log.error("entry %s: the outcome of a send could not be recorded (%s): it stays pending",
                      entry["seq"], type(exc).__name__)
            return self._page("error.html", request, status=500, title="Sent, not recorded",
                              message=f"The desk sent the messages but could not record what happened to each: "
                                      f"entry {entry['seq']} of the audit log shows this send as pending. Do not "
                                      "send again; tell IT that the desk's database is failing.")
        log.info("entry %s: user %s emailed %s v%s (%s) to %d recipient(s): %d sent", entry["seq"], user,
                 item.reference, item.version, file.key, entry["recipients"], entry["sent"])
        return self._page("sent.html", request, status=200 if entry["sent"] == entry["recipients"] else 502,
                          title="Sent" if entry["sent"] == entry["recipients"] else "Not all sent", item=item,
                          entry=entry, again=False, outcome=_outcome(entry))

    def _deliver(self, item, file, data: bytes, recipients: list[str], link: str = "") -> list[dict]:
        """Send one message per recipient; the truth for each, by position, with the address only as a keyed hash."""
        hashes = [audit.recipient_hash(self.config.audit_key, r) for r in recipients]
        config = self.config.smtp or mail.settings(self.config.project)
        brand = self.library.brand
        try:
            sender = config.sender or (brand.get("contact", {}).get("email") if brand else None)
            if not sender:
                raise mail.MailError("Error: SMTP_FROM is not set - set it to the address messages come from")
            output = outputs.REGISTRY[file.format]
            messages = [mail.compose(self.config.project, item.leaflet_for(file), brand, data, r, sender,
                                     output_stem=file.key.removesuffix(output.suffix), output=output, link=link)
                        for r in recipients]
            deliveries = mail.send(messages, config)
        except mail.MailError as exc:
            reason = str(exc).replace("Error: ", "")
            deliveries = [mail.Delivery(p, False, reason) for p in range(1, len(recipients) + 1)]
        return [{"position": d.position, "recipient": hashes[d.position - 1], "sent": d.sent, "reason": d.reason}
                for d in deliveries]

    # --- administration: only for administrators, whatever a page shows -------------------------------------
    def _refused(self, request: Request) -> Response | None:
        if self._role(request) == "administrator":
            return None
        return self._page("error.html", request, status=403, title="Administrators only",
                          message="Only a desk administrator may do this. Ask one if you need it done.")

    @_administrators_only
    async def admin(self, request: Request, message: str = "", problems: tuple = (), status: int = 200) -> Response:
        users = await run_in_threadpool(auth.accounts, self.eng)
        return self._page("admin.html", request, status=status, title="Administration", users=users, roles=auth.ROLES,
                          message=message, problems=problems, today=audit.now()[:10])

    @_administrators_only
    async def admin_add_user(self, request: Request) -> Response:
        form = request.state.form
        name, role = str(form.get("name", "")), str(form.get("role", ""))
        try:
            await run_in_threadpool(auth.add_user, self.eng, name, str(form.get("password", "")), role)
        except auth.AccountError as exc:
            return await self.admin(request, str(exc).removeprefix("Error: "), status=400)
        log.info("user %s added or reset user %s (%s)", request.state.user, name, role)
        return await self.admin(request, f"User {name} can sign in, as {role}.")

    @_administrators_only
    async def admin_disable_user(self, request: Request) -> Response:
        name = str(request.state.form.get("name", ""))
        if name == request.state.user:
            return await self.admin(request, "You cannot disable yourself: ask another administrator.", status=400)
        if not await run_in_threadpool(auth.disable_user, self.eng, name):
            return await self.admin(request, "There is no such user.", status=404)
        log.info("user %s disabled user %s", request.state.user, name)
        return await self.admin(request, f"User {name} is disabled and signed out everywhere.")

    @_administrators_only
    async def admin_verify_log(self, request: Request) -> Response:
        problems = await run_in_threadpool(audit.verify, self.eng, self.config.audit_key)
        rows = await run_in_threadpool(audit.entries, self.eng)
        message = (f"The audit log has been changed ({len(problems)} problems): restore it from a back-up."
                   if problems else f"The audit log is whole: {len(rows)} entries. Anchor: {audit.anchor(rows)}")
        return await self.admin(request, message, tuple(problems))

    @_administrators_only
    async def admin_export(self, request: Request) -> Response:
        form = request.state.form
        start, end = str(form.get("from", "")), str(form.get("to", ""))
        try:
            first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
            if last < first or len(start) != 10 or len(end) != 10:
                raise ValueError(start)
        except ValueError:
            return await self.admin(request, "Give the first and last day as YYYY-MM-DD, the first before the last.",
                                    status=400)
        after = (last + datetime.timedelta(days=1)).isoformat()
        rows = await run_in_threadpool(audit.entries, self.eng, start, after)
        return Response(audit.to_csv(rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="desk-audit-{start}-to-{end}.csv"',
            "Content-Security-Policy": "sandbox"})

    async def stylesheet(self, request: Request) -> Response:
        css = (self.config.project.styles / "desk.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def _outcome(entry: dict | None) -> list[dict]:
    return json.loads(entry["outcome"]) if entry else []
