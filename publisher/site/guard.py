"""What the preview server may serve and to whom: files inside the output folder only, its own address only."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from pathlib import Path

from starlette.responses import PlainTextResponse, Response

from publisher.core.errors import UsageError

HOST = "127.0.0.1"
PORT = 8000
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Only the server's own script may run; the web edition's inline styles are allowed, nothing else is fetched.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "frame-src 'self'; object-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'self'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "x-frame-options": "SAMEORIGIN", "cross-origin-resource-policy": "same-origin", "cache-control": "no-store"}


def safe_file(out: Path, path: str) -> Path | None:
    """The file in `out` that a request path names, or None: no '..', no hidden files, nothing outside `out`.

    `path` is the decoded request path; each check stands on its own, so a trick one misses the next catches.
    """
    if "\\" in path or "\0" in path or ":" in path:  # Windows separators, drives and streams
        return None
    parts = path.lstrip("/").split("/")
    if not parts or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None  # also the manifest, the lock and temporary files, which all start with '.'
    root = Path(out).resolve()
    candidate = root.joinpath(*parts)
    if Path(os.path.normpath(candidate)) != candidate:
        return None
    try:
        real = candidate.resolve(strict=True)  # follows symlinks: one pointing outside is refused below
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers this server answers: its own address (and the loopback names when bound to loopback)."""
    names = {host if ":" not in host else f"[{host}]"}
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            names.update(LOOPBACK_NAMES)
    if host == "localhost":
        names.update(LOOPBACK_NAMES)
    return {f"{name}:{port}" for name in names} | ({name for name in names} if port == 80 else set())


class Guard:
    """ASGI middleware: refuse a foreign Host (DNS rebinding) and add the security headers to every response."""

    def __init__(self, app, hosts: set[str]):
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        if host not in self.hosts:
            response = PlainTextResponse("This preview answers only at its own address.\n", status_code=421)
            return await self._secured(response)(scope, receive, send)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in HEADERS]
                message = {**message, "headers": headers + [(k.encode(), v.encode()) for k, v in HEADERS.items()]}
            await send(message)
        await self.app(scope, receive, send_secured)

    @staticmethod
    def _secured(response: Response) -> Response:
        response.headers.update(HEADERS)
        return response


def check_host(host: str) -> str:
    """The address to bind: an IP address or 'localhost' (a name could resolve to anything)."""
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.is_unspecified:
        raise UsageError(f"Error: --host '{host}' is not the address of one interface - use 127.0.0.1 (the default), "
                         "or the IP address of one of this machine's network interfaces") from None
    return host
