"""Each fit in a child process: a wall-time limit, a memory limit, memory given back.

A fit that runs past its time is killed, and whatever memory any fit took is returned to
the system when its process ends — the server itself never grows with the work it does.
Children are forked from a *fork server* that has already imported pandas, NumPy and
cosyn, so a child starts in milliseconds (where ``spawn`` is the only method, as on
Windows, each child imports them anew: about a second more per fit). As always with
:mod:`multiprocessing`, a script that runs the app itself must start it under
``if __name__ == "__main__":`` (a child imports the main script again).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from cosyn.web.work import UserError

__all__ = ["PRELOAD", "Runner"]

log = logging.getLogger("cosyn.web")

#: Modules the fork server imports once, so children start with them loaded.
PRELOAD = [
    "numpy",
    "pandas",
    "openpyxl",
    "cosyn",
    "cosyn.cli",
    "cosyn.fit",
    "cosyn.io.sheets",
    "cosyn.report",
    "cosyn.report.figures",
    "cosyn.report.workbook",
    "cosyn.report.html",
    "cosyn.report.tables",
    "cosyn.report.text",
    "cosyn.check",
    "cosyn.io.guess",
    "cosyn.web.work",
    "cosyn.summary",
    "tomli_w",
    "encodings.utf_8_sig",
    "pandas.io.formats.string",
    "pyarrow.pandas_compat",  # pandas imports it when pyarrow is installed
    "pyarrow.vendored.version",
    # [analysis]: PySAL takes seconds to import (skipped without the spatial extra)
    "libpysal",
    "esda",
    "giddy",
    "cosyn.analysis.run",
    "cosyn.analysis.space",
    "cosyn.analysis.markov",
    "cosyn.report.analysis_figures",
    "cosyn.report.analysis_tables",
    "cosyn.web.warmup",  # last: one small fit, so children start with warm caches
]

_MiB = 1024 * 1024


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)  # no effect once the fork server runs
        return ctx
    return multiprocessing.get_context("spawn")


def _child(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], memory: int) -> None:
    """Run ``func(*args)`` and send back ``(status, payload)``."""
    if memory > 0:
        # Where the system has no RLIMIT_DATA (not Linux or macOS), the time limit and the
        # child's exit still bound the work; only the memory cap is missing.
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    try:
        reply: tuple[str, Any] = ("ok", func(*args))
    except UserError as exc:
        reply = ("user", (exc.message, exc.kind, exc.status))
    except MemoryError:
        reply = ("memory", None)
    except BaseException as exc:  # reported to the parent, which logs it
        reply = ("crash", (type(exc).__name__, traceback.format_exc()))
    try:
        conn.send(reply)
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


class Runner:
    """Runs jobs in child processes, at most ``workers`` at a time.

    Parameters
    ----------
    timeout : float
        Wall-time limit of one job in seconds; past it the child is killed and the
        request answered 422.
    memory_mb : int
        Data-segment limit (``RLIMIT_DATA``: heap and arrays) of a child in MiB. It
        counts the child's whole private writable address space, so it includes what the
        child inherits from the fork server — about 1.2 GiB on a 2-core Linux machine,
        most of it address space NumPy's BLAS reserves for its threads, not memory in
        use (``VmData`` in ``/proc/PID/status``, against ~110 MiB resident). 0, or a
        system without it, has none. A job that needs more is answered 413.
    workers : int
        Jobs run at once; further requests wait for a free slot.
    """

    def __init__(self, timeout: float, memory_mb: int, workers: int) -> None:
        self.timeout = timeout
        self.memory = memory_mb * _MiB
        self.memory_mb = memory_mb
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._ctx = _context()

    def warm(self) -> None:
        """Start the fork server now (it imports pandas once, about a second)."""
        self.run(_noop)

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in a child process; its result, or :class:`UserError`."""
        with self._slots:
            receiver, sender = self._ctx.Pipe(duplex=False)
            process = self._ctx.Process(
                target=_child, args=(sender, func, args, self.memory), daemon=True
            )
            try:
                process.start()
            except BaseException:
                sender.close()
                receiver.close()
                raise
            status: str = "died"
            payload: Any = None
            try:
                sender.close()
                if not receiver.poll(self.timeout):
                    raise UserError(
                        f"error: the work took longer than this server's limit of "
                        f"{self.timeout:g} s and was stopped; use less data, fewer "
                        "robustness draws or a shorter forecast, run it with the command "
                        "line (cosyn run), or raise the limit (cosyn serve --fit-timeout)",
                        "TimeLimit",
                        422,
                    )
                try:
                    status, payload = receiver.recv()
                except (EOFError, OSError):
                    process.join()
                    if process.exitcode == -signal.SIGKILL:  # by the system: out of memory
                        status = "memory"
            finally:
                if process.is_alive():
                    process.kill()
                process.join()
                process.close()
                receiver.close()
        if status == "ok":
            return payload
        if status == "user":
            message, kind, code = payload
            raise UserError(message, kind, code)
        if status == "memory":
            limit = (
                f"this server's limit of {self.memory_mb:,} MiB"
                if self.memory_mb
                else "the memory this machine could give"
            )
            raise UserError(
                f"error: the work needed more memory than {limit} and was stopped; use less "
                "data or fewer robustness draws, run it with the command line (cosyn run), or "
                "raise the limit (cosyn serve --max-memory-mb)",
                "TooLarge",
                413,
            )
        if status == "crash":
            name, text = payload
            log.error("cosyn serve: a request failed with %s\n%s", name, text)
            raise InternalError(name)
        log.error("cosyn serve: the worker process ended without an answer")
        raise InternalError("the worker process ended without an answer")


class InternalError(Exception):
    """A failure that is cosyn's, not the request's (logged; answered 500)."""


def _noop() -> None:
    return None
