"""Limits that keep one upload from exhausting the machine: body size, zip bombs, cells.

Each guard raises :class:`TooLarge` (answered with HTTP 413) with a message that says
which limit was hit and how to change it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException

from cosyn.errors import DataError

__all__ = [
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_UNCOMPRESSED",
    "DEFAULT_MAX_UPLOAD",
    "BodyLimitMiddleware",
    "TooLarge",
    "check_cells",
    "check_zip_members",
]

#: Largest request body accepted (bytes): 20 MiB.
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
#: Largest number of data cells (rows × columns) fitted: 2 million.
DEFAULT_MAX_CELLS = 2_000_000
#: Largest total uncompressed size of the members of an XLSX upload: 200 MiB.
DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Largest compression ratio of one XLSX member (real sheets stay far below).
MAX_RATIO = 200

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TooLarge(Exception):
    """An upload over one of the limits (HTTP 413)."""


def check_zip_members(
    path: str | Path, max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED, name: str = "workbook"
) -> None:
    """Refuse an XLSX whose members would inflate beyond ``max_uncompressed`` bytes.

    Reads only the zip's central directory (the declared sizes) — nothing is inflated.
    A member whose declared ratio of uncompressed to compressed size exceeds
    :data:`MAX_RATIO` is refused too (a zip bomb lies about nothing but its ratio).
    The declared sizes bind the reader: :mod:`zipfile` stops with an error when a member
    inflates past its declared size.

    Raises
    ------
    TooLarge
        Total declared size over the limit, or a member with an absurd ratio.
    DataError
        The file is not a zip archive (so not an XLSX workbook).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise DataError(
            f"workbook {name!r} is not an XLSX file (it may be password-protected, an old "
            "XLS file or damaged); save it as .xlsx without a password"
        ) from None
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise TooLarge(
            f"workbook {name!r} unpacks to {total:,} bytes, over the limit of "
            f"{max_uncompressed:,}; split the data or raise the limit (cosyn serve "
            "--max-upload-mb)"
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise TooLarge(
                f"workbook {name!r}: part {m.filename!r} expands {m.file_size:,} bytes from "
                f"{m.compress_size:,} — refused as a possible zip bomb; save the workbook "
                "again from a spreadsheet program"
            )


def check_cells(rows: int, columns: int, max_cells: int = DEFAULT_MAX_CELLS) -> None:
    """Refuse a table of more than ``max_cells`` cells (raises :class:`TooLarge`)."""
    cells = rows * columns
    if cells > max_cells:
        raise TooLarge(
            f"the data has {rows:,} rows × {columns:,} columns = {cells:,} cells, over the "
            f"limit of {max_cells:,}; run it with the command line (cosyn run) or raise the "
            "limit (cosyn serve --max-cells)"
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
    import json

    body = json.dumps({"error": f"error: {message}", "kind": "TooLarge"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
