"""Limits that keep one request from exhausting the machine, and the checks of its source.

Body size (checked while the body streams in), zip bombs (:mod:`cosyn.io.archive`), the
size of the table, and the size-driving options of the spec (robustness draws, forecast
horizon, the permutations of the analysis). Each guard raises :class:`TooLarge`
(answered with HTTP 413) or a message answered 422 that says which limit was hit and how
to change it. :class:`HostGuard` answers only requests addressed to the server's own
names and refuses cross-origin requests that change state (DNS rebinding, a page of
another site posting to the API).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

__all__ = [
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_DRAWS",
    "DEFAULT_MAX_DRAW_CELLS",
    "DEFAULT_MAX_FORECAST",
    "DEFAULT_MAX_MEMORY_MB",
    "DEFAULT_MAX_PERMUTATION_CELLS",
    "DEFAULT_MAX_UNCOMPRESSED",
    "DEFAULT_MAX_UPLOAD",
    "DEFAULT_TIMEOUT",
    "LOOPBACK_NAMES",
    "BodyLimitMiddleware",
    "HostGuard",
    "TooLarge",
    "check_cells",
]

#: Largest request body accepted (bytes): 20 MiB.
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
#: Largest number of data cells (rows × columns) fitted: 2 million.
DEFAULT_MAX_CELLS = 2_000_000
#: Largest total uncompressed size of the members of an XLSX upload: 200 MiB.
DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Largest number of robustness draws a fit may ask for (the spec allows more).
DEFAULT_MAX_DRAWS = 2_000
#: Largest forecast horizon in periods (the spec allows more).
DEFAULT_MAX_FORECAST = 20
#: Largest draws × rows × indicators of a robustness run: 50 million (a few hundred MB).
DEFAULT_MAX_DRAW_CELLS = 50_000_000
#: Largest rows × series × permutations of the permutation inference of ``[analysis]``
#: (Moran's I and LISA draw that many values): 20 million, about 9 times the 31 provinces ×
#: 12 years × 6 series × 999 permutations of the province example.
DEFAULT_MAX_PERMUTATION_CELLS = 20_000_000
#: Wall-time limit of one request's work, in seconds.
DEFAULT_TIMEOUT = 60.0
#: Memory limit (``RLIMIT_DATA``: heap and arrays) of the process doing one request's work, MiB.
DEFAULT_MAX_MEMORY_MB = 4096
#: Host names every server answers to (besides the one it is bound to).
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TooLarge(Exception):
    """An upload over one of the limits (HTTP 413)."""


def check_cells(
    rows: int, columns: int, max_cells: int = DEFAULT_MAX_CELLS, cells: int | None = None
) -> None:
    """Refuse a table of more than ``max_cells`` cells (raises :class:`TooLarge`).

    ``cells`` (default ``rows × columns``) is the count to check when it is known to be
    larger, e.g. a sheet whose cells carry no position.
    """
    grid = rows * columns
    count = grid if cells is None else max(cells, grid)
    if count > max_cells:
        size = (
            f"{rows:,} rows × {columns:,} columns = {count:,} cells"
            if count == grid
            else f"{count:,} cells"
        )
        raise TooLarge(
            f"the data has {size}, over the limit of {max_cells:,}; run it with the "
            "command line (cosyn run) or raise the limit (cosyn serve --max-cells)"
        )


class BodyLimitMiddleware:
    """Answer 413 as soon as a request body passes ``max_bytes``, while it streams in.

    A declared ``Content-Length`` over the limit is refused before any byte is read;
    otherwise the bytes are counted as the application receives them, and the request
    is cut off at the first chunk past the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (
            f"the upload is larger than the limit of {self.max_bytes:,} bytes; use a smaller "
            "file or raise the limit (cosyn serve --max-upload-mb)"
        )
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await _send_413(send, message)
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    # an HTTPException, which FastAPI's form parser lets through
                    raise HTTPException(413, detail=message)
            return msg

        async def watched(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, watched)
        except HTTPException as exc:
            if started or exc.status_code != 413:
                raise
            await _send_413(send, str(exc.detail))


async def _send_413(send: Send, message: str) -> None:
    await _send_json(send, 413, f"error: {message}", "TooLarge")


async def _send_json(send: Send, status: int, message: str, kind: str) -> None:
    import json

    body = json.dumps({"error": message, "kind": kind}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


#: Methods that only read: allowed from any origin (the browser keeps the answer from a
#: page of another origin unless the server allows it, and this server never does).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(value: str) -> str:
    """The name part of a ``Host`` header or URL authority, lower case, without port.

    ``"[::1]:8000"`` → ``"::1"``, ``"LocalHost:80"`` → ``"localhost"``.
    """
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostGuard:
    """Answer only requests to the server's own names, and only same-origin writes.

    ``Host`` must name one of ``hosts`` (any port): anything else — a DNS rebinding
    attack, where an attacker's name resolves to 127.0.0.1 — is answered 400. A request
    that changes state (any method but GET, HEAD, OPTIONS) is answered 403 when it comes
    from a page of another origin: an ``Origin`` header other than the server's own
    ``scheme://host[:port]`` (``null`` included), or ``Sec-Fetch-Site`` saying
    ``cross-site`` or ``same-site``. Requests without these headers (curl, scripts) pass.
    """

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = frozenset(host_name(h) for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            shown = host[:100] or "(none)"
            await _send_json(
                send,
                400,
                f"error: this server does not answer to the host name {shown!r}; open it as "
                f"http://127.0.0.1:PORT/ (names it answers to: {', '.join(sorted(self.hosts))};"
                " cosyn serve --allow-host NAME adds one)",
                "BadHost",
            )
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            own = f"{scope.get('scheme', 'http')}://{host.strip().lower()}"
            site = headers.get("sec-fetch-site", "").lower()
            if (origin is not None and _origin(origin) != _origin(own)) or site in (
                "cross-site",
                "same-site",
            ):
                await _send_json(
                    send,
                    403,
                    f"error: a page of another origin ({(origin or site)[:100]}) may not "
                    f"send {scope['method']} requests to this server; use the page the "
                    "server itself serves (its own address), or call the API from a script",
                    "CrossOrigin",
                )
                return
        await self.app(scope, receive, send)


def _origin(value: str) -> str:
    """``scheme://host:port`` with the default port made explicit, lower case."""
    value = value.strip().lower().rstrip("/")
    scheme, sep, authority = value.partition("://")
    if not sep:
        return value
    if not authority.endswith("]") and ":" in authority.rsplit("]", 1)[-1]:
        return value
    port = {"http": "80", "https": "443"}.get(scheme, "")
    return f"{scheme}://{authority}:{port}"
