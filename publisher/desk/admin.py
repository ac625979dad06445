"""The desk's administration pages: users, the audit log's check and export; only for administrators."""

from __future__ import annotations

import datetime
import functools

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from publisher.desk import audit, auth
from publisher.desk.frame import Frame, log


def _administrators_only(handler):
    """A desk page only an administrator may use: anyone else gets 403 (the server enforces the role)."""
    @functools.wraps(handler)
    async def checked(self, request: Request, *args, **kwargs) -> Response:
        refused = self._refused(request)
        return refused if refused else await handler(self, request, *args, **kwargs)
    return checked



class Administration(Frame):
    """Adding and disabling users, verifying and exporting the audit log (the server enforces the role)."""

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
