"""Writing outputs: atomically (temp file + rename) and safe to open in a spreadsheet."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_sha256",
    "formula_safe",
    "formula_safe_frame",
    "write_csv",
]

# The process umask, read once: files written through a temporary file get the same
# permissions as files opened the ordinary way (mkstemp would leave them 0600).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

#: A text cell starting with one of these is run as a formula by Excel and LibreOffice
#: (OWASP "CSV injection"); tab and carriage return start DDE payloads too.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """A text that a spreadsheet shows as text and never runs.

    Text starting with ``= + - @`` (or tab / carriage return) is prefixed with an
    apostrophe, the convention Excel and LibreOffice use for "this cell is text" (OWASP,
    CSV injection). Numbers and other values are returned unchanged, so ``-3`` as a
    number stays a number; only text is escaped.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
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


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    A reader never sees a half-written file, and a failure leaves any earlier file at
    ``path`` as it was (the temporary file is removed).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
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


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as UTF-8 CSV, atomically and formula-safe, without the index.

    Floats are written with full precision (``repr``), so the numbers read back equal.
    """
    safe = formula_safe_frame(frame)
    return _atomic_stream(path, False, lambda fh: safe.to_csv(fh, index=False, lineterminator="\n"))


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
