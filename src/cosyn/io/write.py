"""Writing outputs: atomically (temp file + rename) and safe to open in a spreadsheet.

Temporary files
---------------
Every output is first written to a temporary file beside its target, named
``.<target name>.cosyn-<host>-<pid>-<random>.tmp`` (``<host>`` is a short hash of the
machine's name, ``<pid>`` the writing process), then renamed onto the target in one step,
so a file under its final name is always complete. A process killed mid-write (SIGKILL,
power loss) leaves its temporary file behind; the first write of a later process into
the same folder removes such leftovers: a temporary file of this machine whose process is
no longer running, or any temporary file untouched for :data:`STALE_AFTER` seconds (a
writer on another machine sharing the folder, or a process id reused since).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "STALE_AFTER",
    "TEMP_PATTERN",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_sha256",
    "formula_safe",
    "formula_safe_frame",
    "remove_stale_temporaries",
    "write_csv",
]

# The process umask, read once: files written through a temporary file get the same
# permissions as files opened the ordinary way (mkstemp would leave them 0600).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

#: A text cell starting with one of these is run as a formula by Excel and LibreOffice
#: (OWASP "CSV injection"); tab and carriage return start DDE payloads too.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: A line break (CR LF, CR or LF) followed by a character that starts a formula.
_BREAK_THEN_FORMULA = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t])")


def formula_safe(value: Any) -> Any:
    """A text that a spreadsheet shows as text and never runs.

    Text starting with ``= + - @`` (or tab / carriage return) is prefixed with an
    apostrophe, the convention Excel and LibreOffice use for "this cell is text" (OWASP,
    CSV injection). A text of several lines gets the same apostrophe at the start of
    every line that starts with ``= + - @`` or tab, after its line break (CR LF, CR or
    LF), so that a reader that splits the cell at a line break never sees a formula
    either. Numbers and other values are returned unchanged, so ``-3`` as a number stays
    a number; only text is escaped.
    """
    if not isinstance(value, str):
        return value
    if "\n" in value or "\r" in value:
        value = _BREAK_THEN_FORMULA.sub(r"\1'", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`formula_safe`."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(formula_safe)
    out.columns = [formula_safe(str(c)) for c in out.columns]
    return out


#: Seconds after which any leftover temporary file is removed, whoever wrote it.
STALE_AFTER = 3600.0

_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]

#: The name of a temporary file: ``.<target>.cosyn-<host>-<pid>-<random>.tmp``.
TEMP_PATTERN = re.compile(r"^\..+\.cosyn-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-f]{12}\.tmp$")

#: Folders already cleared by this process (each is cleared once, at its first write).
_CLEARED: set[str] = set()


def _running(pid: int) -> bool:
    """True when a process with this id exists on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # it exists (another user's), or we cannot tell: keep its file
    return True


def remove_stale_temporaries(folder: str | Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files that interrupted writes left in ``folder``.

    A file named like :data:`TEMP_PATTERN` is removed when it was written on this machine
    by a process that is no longer running, or when it has not been touched for
    :data:`STALE_AFTER` seconds. Other files are never touched.

    Returns
    -------
    list of Path
        The files removed.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = TEMP_PATTERN.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
        except OSError:
            continue
        dead = match["host"] == _HOST and not _running(int(match["pid"]))
        if old or dead:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _clear_once(folder: Path) -> None:
    key = os.path.abspath(folder)
    if key in _CLEARED:
        return
    if len(_CLEARED) > 1024:  # a long-lived server writes into many folders
        _CLEARED.clear()
    _CLEARED.add(key)
    remove_stale_temporaries(folder)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    A reader never sees a half-written file, and a failure leaves any earlier file at
    ``path`` as it was (the temporary file is removed). A process killed mid-write
    leaves its temporary file, which the next process to write into that folder removes
    (:func:`remove_stale_temporaries`; see the module's notes).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clear_once(target.parent)
    stem = target.name.encode()[:120].decode(errors="ignore")  # names end at 255 bytes
    while True:
        name = f".{stem}.cosyn-{_HOST}-{os.getpid()}-{secrets.token_hex(6)}.tmp"
        tmp_path = target.parent / name
        try:
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        break
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_UMASK)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _atomic_stream(path: str | Path, binary: bool, write: Callable[[IO[Any]], object]) -> Path:
    with atomic_path(path) as tmp:
        fh: IO[Any]
        with open(tmp, "wb") if binary else open(tmp, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return _atomic_stream(path, True, lambda fh: fh.write(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return _atomic_stream(path, False, lambda fh: fh.write(text))


def _holds_cr(frame: pd.DataFrame) -> bool:
    """True when a text cell or a column name of ``frame`` holds a carriage return."""
    if any("\r" in str(c) for c in frame.columns):
        return True
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if values.map(lambda v: isinstance(v, str) and "\r" in v).any():
            return True
    return False


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as UTF-8 CSV, atomically and formula-safe, without the index.

    Floats are written with full precision (``repr``), so the numbers read back equal.
    Lines end with LF. A field holding a line break is quoted (RFC 4180), so ``csv`` and
    pandas read it back as one cell; when some text holds a carriage return, the file's
    lines end with CR LF instead, because the writer quotes a field for the characters of
    the line ending it uses. Text cells pass through :func:`formula_safe` (every line of
    a cell included).
    """
    safe = formula_safe_frame(frame)
    ending = "\r\n" if _holds_cr(safe) else "\n"
    return _atomic_stream(
        path, False, lambda fh: safe.to_csv(fh, index=False, lineterminator=ending)
    )


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
