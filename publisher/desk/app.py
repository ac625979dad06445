"""The desk's web application (Starlette): sign in, search, open a leaflet, print it or email it, all recorded.

The frame around each request is in frame.py, giving leaflets out in giving.py, administration in admin.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from publisher.build import settings
from publisher.desk import auth, db
from publisher.desk.admin import Administration
from publisher.desk.frame import log
from publisher.desk.giving import Giving
from publisher.source import content

SIGN_IN_REFUSED = (f"The user name or password is wrong, or the account is locked for {auth.LOCK_SECONDS // 60} "
                   f"minutes after {auth.LOCK_AFTER} failed sign-ins. Try again, wait, or ask an administrator to "
                   "set a new password.")


ConfigError = settings.SettingsError  # the desk cannot start: a secret or setting is missing or wrong
Config = settings.Settings  # what the desk runs with: its part (secrets, limits, database), SMTP and the folder


def config_from_environment(project: content.Project, out: Path, database: str | None = None,
                            environ=os.environ) -> settings.Settings:
    """The desk's settings: secrets and options from DESK_* variables, SMTP as for `build.py email`."""
    return settings.load(project, "desk", {"out": Path(out), "database": database}, environ)


def create_app(config: settings.Settings) -> Starlette:
    """The desk as an ASGI application; creates or upgrades its database."""
    assert config.desk is not None  # settings.load() resolves the desk's part for `desk`
    eng = db.engine(config.desk.database)
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


class _Desk(Giving, Administration):
    """The desk's handlers; signing in and out here, the rest in their own modules."""

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
