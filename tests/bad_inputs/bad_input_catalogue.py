"""The catalogue of bad inputs: the helpers its tables share.

Every module in this folder is a table of bad inputs — files, specs, options, CLI calls,
HTTP requests — each with the fragment its message must contain and the exit code or
HTTP status it must give. A case passes only when the message is one clear line of
cosyn's (no traceback, no bare Python error) and no output holds a NaN.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cosyn.cli import main

#: Words that must never reach a user: a traceback, or a Python error shown bare.
FORBIDDEN = (
    "Traceback",
    "KeyError",
    "AttributeError",
    "OverflowError",
    "RecursionError",
    "ZeroDivisionError",
    "IndexError",
    "TypeError",
    "LinAlgError",
    "MemoryError",
)

#: A NaN or an infinity as CSV, JSON or a table prints it (not inside a word: "Hunan").
NON_FINITE = re.compile(r"(?<![A-Za-z])(nan|-?inf|-?infinity)(?![A-Za-z])", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    """One bad input: files to write, the CLI arguments, and what must come out.

    ``files`` maps a file name to its text (str) or bytes; ``{tmp}`` in an argument is the
    folder the files are written to.
    """

    id: str
    args: tuple[str, ...]
    fragment: str
    code: int = 1
    files: dict[str, str | bytes] = field(default_factory=dict)


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def assert_clean_message(text: str) -> None:
    """No traceback and no bare Python exception name in what the user sees."""
    for word in FORBIDDEN:
        assert word not in text, f"{word!r} in the message:\n{text}"


def run_case(case: Case, tmp_path: Path) -> str:
    """Run one CLI case in ``tmp_path``; check its exit code and message; return output."""
    write_files(tmp_path, case.files)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}")
    assert_clean_message(output)
    assert result.exit_code == case.code, f"exit {result.exit_code}, output:\n{output}"
    assert case.fragment.lower() in output.lower(), (
        f"{case.fragment!r} not in the output:\n{output}"
    )
    return output


def assert_no_nan(value: Any, where: str = "output") -> None:
    """No NaN or infinity anywhere in a JSON-like value or a CSV text."""
    if isinstance(value, float):
        assert math.isfinite(value), f"non-finite number in {where}"
    elif isinstance(value, dict):
        for k, v in value.items():
            assert_no_nan(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for n, v in enumerate(value):
            assert_no_nan(v, f"{where}[{n}]")
    elif isinstance(value, str):
        assert not NON_FINITE.search(value), f"non-finite number in {where}: {value[:200]!r}"
