"""The frame around every desk request: session, identity, CSRF, form limits, security headers, and its pages."""

from __future__ import annotations

import ipaddress
import logging

import jinja2
import sqlalchemy as sa
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from publisher.build import archive, settings
from publisher.desk import auth
from publisher.desk.library import Library
from publisher.i18n import catalogues as i18n
from publisher.render import html as html_stage

log = logging.getLogger("publisher.desk")

COOKIE = "desk_session"
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


class Frame:
    """What every handler shares: the settings, the database, the sessions, the library and the page renderer."""

    def __init__(self, chosen: settings.Settings, eng: sa.Engine):
        assert chosen.desk is not None  # settings.load() resolves the desk's part for `desk`
        self.settings, self.config, self.eng = chosen, chosen.desk, eng
        self.project = chosen.project
        self.smtp = chosen.smtp
        config = chosen.desk
        self.sessions = auth.Sessions(config.secret_key)
        self.library = Library(self.project, chosen.out)
        self.archive_root = archive.folder(self.project, chosen.out)  # where a link's exact bytes are kept
        self.login_limit = auth.RateLimit(config.login_limit, 60)
        self.templates = html_stage.shared_environment("desk", self.project.templates, self.project.root,
                                                       make=self._environment)
        self.proxies = [ipaddress.ip_network(p, strict=False) for p in config.trusted_proxies]

    def _environment(self) -> jinja2.Environment:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(self.project.templates),
                                 autoescape=True, undefined=jinja2.StrictUndefined)
        env.filters.update(html_stage.filters())  # the leaflets' own Markdown subset and dates
        # The desk speaks to staff in English; the filters' dates follow the labels in the context.
        env.globals["labels"] = i18n.labels(self.project.root, "en-GB")
        return env

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

    async def stylesheet(self, request: Request) -> Response:
        css = (self.project.styles / "desk.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})
