"""Giving a leaflet out at the desk: find it, open it, print it or email it; every print and send is recorded."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from publisher.build import settings
from publisher.desk import audit, library, shelf
from publisher.desk.frame import Frame, log
from publisher.mail import send as mail
from publisher.outputs import base as outputs

MAX_RECIPIENTS = 20


class Giving(Frame):
    """Search, a leaflet's page, print and send."""

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
        key, raw = str(form.get("request", ""))[:80], str(form.get("addresses", ""))

        def again(message: str, status: int) -> Response:
            return self._leaflet_page(request, item, status, message, raw, key)

        refused, recipients = self._recipients(form, file, by_link, raw, key)
        if refused:
            return again(*refused)
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
        except audit.Refused as refusal:
            if refusal.why == "limit":
                return again(f"You have sent to {self.config.send_limit} addresses in the last hour, the most "
                             "allowed. Try again later, or ask a colleague.", 429)
            return self._page("sent.html", request, title="Already sent", item=item, entry=refusal.entry,
                              again=True, outcome=_outcome(refusal.entry))
        outcome = await run_in_threadpool(self._deliver, item, file, data, recipients, link)
        return await self._recorded(request, item, file, entry, outcome)

    def _recipients(self, form, file, by_link: bool, raw: str, key: str) -> tuple[tuple | None, list]:
        """The checked addresses of a send form, or why it is refused: ((message, status) or None, addresses)."""
        if not by_link and file.media_type != "application/pdf":
            return ("Only a PDF can be attached" + (": choose \"A link to this version\" to send this file."
                                                    if self._site_url() else "."), 400), []
        if form.get("consent") != "yes":
            return ("Tick the box to confirm that the patient agreed to receive the leaflet by email.", 400), []
        addresses = [a for a in re.split(r"[\s,;]+", raw) if a]
        if not addresses:
            return ("Enter the patient's email address.", 400), []
        if len(addresses) > MAX_RECIPIENTS:
            return (f"Send to at most {MAX_RECIPIENTS} addresses at a time.", 400), []
        try:
            recipients = mail.check_addresses(addresses)
        except mail.MailError as exc:
            return (str(exc).replace("Error: ", ""), 400), []
        if not key:
            return ("The form was incomplete: reload the page and try again.", 400), []
        return None, recipients

    async def _recorded(self, request: Request, item, file, entry: dict, outcome: list) -> Response:
        """Record what happened to each recipient, and say it."""
        try:
            entry = await run_in_threadpool(audit.finish, self.eng, self.config.audit_key, entry, outcome)
        except sa.exc.SQLAlchemyError as exc:
            log.error("entry %s: the outcome of a send could not be recorded (%s): it stays pending",
                      entry["seq"], type(exc).__name__)
            return self._page("error.html", request, status=500, title="Sent, not recorded",
                              message=f"The desk sent the messages but could not record what happened to each: "
                                      f"entry {entry['seq']} of the audit log shows this send as pending. Do not "
                                      "send again; tell IT that the desk's database is failing.")
        log.info("entry %s: user %s emailed %s v%s (%s) to %d recipient(s): %d sent", entry["seq"], request.state.user,
                 item.reference, item.version, file.key, entry["recipients"], entry["sent"])
        return self._page("sent.html", request, status=200 if entry["sent"] == entry["recipients"] else 502,
                          title="Sent" if entry["sent"] == entry["recipients"] else "Not all sent", item=item,
                          entry=entry, again=False, outcome=_outcome(entry))

    def _deliver(self, item, file, data: bytes, recipients: list[str], link: str = "") -> list[dict]:
        """Send one message per recipient; the truth for each, by position, with the address only as a keyed hash."""
        hashes = [audit.recipient_hash(self.config.audit_key, r) for r in recipients]
        output = outputs.REGISTRY[file.format]
        parcel = mail.Parcel(item.leaflet_for(file), data, output, file.key.removesuffix(output.suffix), link=link)
        try:
            deliveries = mail.deliver(self.project, self.library.brand, parcel, recipients,
                                      self.smtp or settings.smtp(self.project))
        except mail.MailError as exc:
            reason = str(exc).replace("Error: ", "")
            deliveries = [mail.Delivery(p, False, reason) for p in range(1, len(recipients) + 1)]
        return [{"position": d.position, "recipient": hashes[d.position - 1], "sent": d.sent, "reason": d.reason}
                for d in deliveries]


def _outcome(entry: dict | None) -> list[dict]:
    return json.loads(entry["outcome"]) if entry else []
