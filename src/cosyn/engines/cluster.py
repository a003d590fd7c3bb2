"""The Dask cluster the engine runs on: connect, start a local one, and say what went
wrong with it in one message (:mod:`cosyn.engines.dask`)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from cosyn.errors import DataError, SpecError

__all__ = [
    "DASK_EXTRA_MESSAGE",
    "MIN_WORKER_MEMORY",
    "connect",
    "require_dask",
    "worker_errors",
    "worker_memory",
]

# The scheduler logs each shuffle it starts and ends at WARNING level: not for users.
logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)


DASK_EXTRA_MESSAGE = (
    "engine='dask' needs Dask and its distributed scheduler, which are not installed: "
    "pip install 'cosyn[dask]'"
)


#: The smallest memory limit of a local worker: Python, pandas, pyarrow and Dask take
#: about 250 MB of it before any data.
MIN_WORKER_MEMORY = 512 * 2**20


def require_dask() -> None:
    """Raise one SpecError naming the extra when Dask is not installed."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise SpecError(DASK_EXTRA_MESSAGE) from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep the cluster's start-up chatter off the user's terminal."""
    names = ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker")
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for n, level in old.items():
            logging.getLogger(n).setLevel(level)


def connect(
    scheduler: str | None = None, workers: int | None = None, memory_limit: str | None = None
) -> tuple[Any, Callable[[], None]]:
    """The client to run on, and what closes what was started for it.

    A scheduler address connects to it; otherwise a client already connected in this
    process is used as is (unless ``workers`` or ``memory_limit`` ask for a cluster of
    their own); otherwise a :class:`distributed.LocalCluster` is started on this machine
    (one thread per worker, ``workers`` processes, default 2 or the number of CPUs if
    fewer) and closed with the result.
    """
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if workers is not None or memory_limit is not None:
            raise SpecError(
                "--scheduler connects to a running cluster, whose workers and memory are "
                "its own; leave out --workers and --memory-limit, or leave out --scheduler"
            )
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise DataError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({exc}) — check the "
                "address (e.g. tcp://10.0.0.5:8786) and that the scheduler is running"
            ) from None
        return client, client.close
    if workers is None and memory_limit is None:
        from distributed import get_client

        with contextlib.suppress(ValueError):
            return get_client(), lambda: None
    if workers is not None and workers < 1:
        raise SpecError(f"workers must be at least 1, got {workers}")
    from dask.utils import parse_bytes

    if memory_limit is not None:
        try:
            limit = parse_bytes(memory_limit)
        except (ValueError, TypeError):
            raise SpecError(
                f"memory limit {memory_limit!r} is not a size; write it like 2GB or 512MiB"
            ) from None
        if limit < MIN_WORKER_MEMORY:
            raise SpecError(
                f"memory limit {memory_limit!r} per worker is too small: a worker holds about "
                "250 MB of Python, pandas, pyarrow and Dask before any data — give 1GB or "
                "more (at least 512MiB)"
            )
    n = workers if workers is not None else max(1, min(2, os.cpu_count() or 1))
    import dask

    # A worker Dask pauses at 80% of its limit while it holds no data it could spill
    # would wait for ever; without pausing, an over-full worker is restarted and the fit
    # stops with a message (:func:`worker_errors`).
    with _quiet(), dask.config.set({"distributed.worker.memory.pause": False}):
        try:
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                memory_limit=memory_limit if memory_limit is not None else "auto",
                dashboard_address=":0",
                silence_logs=logging.CRITICAL,  # a failed task reaches the caller as its error
            )
        except (RuntimeError, OSError, TimeoutError) as exc:
            raise DataError(
                f"could not start a local Dask cluster of {n} worker(s) ({exc}). In a "
                "Python script, call cosyn.fit(..., engine='dask') under "
                '`if __name__ == "__main__":` — each worker process imports the script — '
                "or connect to a running scheduler (scheduler='tcp://…')"
            ) from None
        client = Client(cluster)

    def close() -> None:
        with _quiet():
            client.close()
            cluster.close()

    return client, close


def worker_memory(client: Any) -> int | None:
    """The smallest memory limit of the cluster's workers (None when unlimited)."""
    limits = [w.get("memory_limit") for w in client.scheduler_info().get("workers", {}).values()]
    found = [int(m) for m in limits if m]
    return min(found) if found else None


@contextlib.contextmanager
def worker_errors(client: Any) -> Iterator[None]:
    """A worker the cluster had to restart while it fitted (out of memory) is one
    DataError that says what to do."""
    from distributed import KilledWorker

    try:
        yield
    except KilledWorker:
        limit = worker_memory(client)
        shown = "no limit" if limit is None else f"a limit of {limit / 2**20:,.0f} MiB"
        raise DataError(
            f"a Dask worker ({shown}) ran out of memory and was restarted while it fitted a "
            "partition of entities, and again on each retry — give the workers more memory "
            "(--memory-limit 2GB), or write the data as more, smaller Parquet files or row "
            "groups of whole entities"
        ) from None
