"""The Dask engine: :func:`cosyn.fit` over partitions of whole entities (SCALE.md).

With bounds and weights per entity (the defaults) every step of METHOD.md §0–§5 and of
the diagnostics is independent per entity. The panel is therefore split into partitions
that each hold whole entities (every period of an entity in one partition), and each
partition runs the NumPy engine unchanged (:func:`cosyn.fit.fit_panel`). What is
panel-wide is computed first, as reductions over the partitions, and handed to every
partition (:class:`cosyn.fit.PanelFigures`):

1. the periods of the panel (every partition is laid on all of them);
2. with ``bounds = "panel"``, a panel-scope weight input on raw values (entropy's
   ``minmax``/``rescale``/``shift``, CRITIC's ``minmax``, CV) or ``on_constant =
   "drop"``: each indicator's minimum and maximum after imputation, and the indicators
   whose order degree is undefined for every entity;
3. with ``weights_scope = "panel"``: the pooled weight statistics (the entropy's sums
   or the column moments of CRITIC and CV, :mod:`cosyn.methods.pooled`);
4. with ``coupling_input = "rescale"``: each subsystem order degree's minimum and
   maximum.

Then one pass fits every partition. The tables are lazy Dask DataFrames (computed again
when read); :meth:`DaskResult.to_parquet` writes each as a Parquet dataset (one file per
block of entities of each partition, :data:`BLOCK_CELLS`) and gathers the summary's
figures in the same pass. The robustness Monte
Carlo and the ``[analysis]`` table need the whole panel at once and are refused here,
with a message.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import re
import shutil
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.errors import DataError, SpecError
from cosyn.fit import (
    PanelFigures,
    as_spec,
    fit_panel,
    observed_figures,
    prepare,
    weight_statistics,
)
from cosyn.io.guess import with_long_names
from cosyn.panel import Panel, _build, _indicator_keys, _Origin, _period_codes, _PositionOrigin
from cosyn.result import Result
from cosyn.spec import Diagnostics, Spec

__all__ = ["DASK_EXTRA_MESSAGE", "DaskResult", "fit_dask"]

DASK_EXTRA_MESSAGE = (
    "engine='dask' needs Dask and its distributed scheduler, which are not installed: "
    "pip install 'cosyn[dask]'"
)

#: Rows of a pandas frame (or CSV/XLSX file) per partition when the Dask engine splits it.
ROWS_PER_PARTITION = 250_000
#: Entities fitted eagerly for the summary and the reports (besides ``[report] entities``).
SAMPLE_ENTITIES = 50
#: Cells (entity-periods × indicators) a worker fits at a time when it writes or reduces
#: a partition: the fit of a block and its tables take about fifteen times its cube
#: (≈ 4 MB here), so a worker's memory is bounded by the block, not by the partition.
BLOCK_CELLS = 500_000
#: The smallest memory limit of a local worker: Python, pandas, pyarrow and Dask take
#: about 250 MB of it before any data.
MIN_WORKER_MEMORY = 512 * 2**20
#: Parquet bytes a partition reads, as a share of a worker's memory limit (a partition's
#: working set is 15–20× its Parquet bytes), between 4 and 64 MiB.
READ_SHARE = 1 / 40
#: The tables every fit has, in the order they are written.
CORE_TABLES = ("synergy", "subsystem_order", "weights", "order_degree", "bounds")

Array = NDArray[np.float64]

# The scheduler logs each shuffle it starts and ends at WARNING level: not for users.
logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)


def require_dask() -> None:
    """Raise one SpecError naming the extra when Dask is not installed."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise SpecError(DASK_EXTRA_MESSAGE) from None


# -- the cluster ---------------------------------------------------------------------------


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
    import os

    n = workers if workers is not None else max(1, min(2, os.cpu_count() or 1))
    import dask

    # A worker Dask pauses at 80% of its limit while it holds no data it could spill
    # would wait for ever; without pausing, an over-full worker is restarted and the fit
    # stops with a message (:func:`_worker_errors`).
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


# -- the data as a Dask DataFrame of whole entities --------------------------------------


@dataclass(frozen=True, eq=False)
class _Axes:
    """What every partition shares: the periods of the panel, the data's name, and the
    cells a worker fits at a time."""

    periods: pd.Index
    time: Array
    source: str
    block_cells: int = BLOCK_CELLS


def _as_dask_frame(
    data: Any, spec: Spec, sheet: str | int | None = None, memory: int | None = None
) -> tuple[Any, str]:
    """A Dask DataFrame of the data, and its name for messages. A Parquet file or folder
    is read in partitions of about :data:`READ_SHARE` of a worker's ``memory`` limit."""
    import dask.dataframe as dd

    if isinstance(data, dd.DataFrame):
        return data, "the Dask DataFrame"
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.exists():
            raise DataError(f"data file {str(data)!r} does not exist")
        if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
            try:
                size = int(min(64 * 2**20, max(4 * 2**20, (memory or 2**40) * READ_SHARE)))
                return dd.read_parquet(str(path), blocksize=size), f"data file {str(data)!r}"
            except Exception as exc:  # pyarrow's errors name no cosyn key
                raise DataError(f"cannot read {str(data)!r} as Parquet ({exc})") from None
        from cosyn.io.read import read_table

        frame = read_table(path, sheet, na_values=spec.na_values)
        return _from_pandas(frame), f"data file {str(data)!r}"
    if isinstance(data, pd.DataFrame):
        return _from_pandas(data), "the DataFrame"
    import xarray as xr

    if isinstance(data, xr.DataArray):
        name = str(data.name) if data.name is not None else "value"
        if "indicator" in data.dims:
            data = data.to_dataset(dim="indicator")
        else:
            data = data.to_dataset(name=name)
    if isinstance(data, xr.Dataset):
        dims = [d for d in (spec.entity, spec.period) if d is not None and d in data.dims]
        other = [d for d in data.dims if d not in dims]
        return data.to_dask_dataframe(dim_order=[*dims, *other]), "the xarray Dataset"
    raise DataError(
        f"engine='dask' cannot read data of type {type(data).__name__}; give a Parquet file "
        "or dataset folder, a dask.dataframe.DataFrame, a Dask-backed xarray object, or "
        "any input of the NumPy engine"
    )


def _from_pandas(frame: pd.DataFrame) -> Any:
    import dask.dataframe as dd

    n = max(1, math.ceil(len(frame) / ROWS_PER_PARTITION))
    return dd.from_pandas(frame.reset_index(drop=not _named_index(frame)), npartitions=n)


def _named_index(frame: pd.DataFrame) -> bool:
    return any(n is not None for n in frame.index.names)


def _worker_memory(client: Any) -> int | None:
    """The smallest memory limit of the cluster's workers (None when unlimited)."""
    limits = [w.get("memory_limit") for w in client.scheduler_info().get("workers", {}).values()]
    found = [int(m) for m in limits if m]
    return min(found) if found else None


@contextlib.contextmanager
def _worker_errors(client: Any) -> Iterator[None]:
    """A worker the cluster had to restart while it fitted (out of memory) is one
    DataError that says what to do."""
    from distributed import KilledWorker

    try:
        yield
    except KilledWorker:
        limit = _worker_memory(client)
        shown = "no limit" if limit is None else f"a limit of {limit / 2**20:,.0f} MiB"
        raise DataError(
            f"a Dask worker ({shown}) ran out of memory and was restarted while it fitted a "
            "partition of entities, and again on each retry — give the workers more memory "
            "(--memory-limit 2GB), or write the data as more, smaller Parquet files or row "
            "groups of whole entities"
        ) from None


def _check_columns(ddf: Any, spec: Spec, source: str) -> Any:
    """The frame with long-layout names read as cosyn's; a DataError naming each spec
    key whose column is missing."""
    names = with_long_names(ddf._meta).columns
    ddf = ddf.rename(columns=dict(zip(ddf.columns, names, strict=True)))
    columns = set(map(str, ddf.columns))
    long = {"indicator", "value"} <= columns
    needed = {spec.period: "period"}
    if spec.entity is not None:
        needed[spec.entity] = "entity"
    if not long:
        needed.update(_indicator_keys(spec))
    missing = [f"{c!r} (spec key {k!r})" for c, k in needed.items() if c not in columns]
    if missing:
        raise DataError(
            f"{source} has no column "
            + ", ".join(missing)
            + "; its columns are "
            + ", ".join(repr(c) for c in list(ddf.columns)[:20])
        )
    return ddf


#: A shuffled frame is kept in the workers' memory (rather than shuffled again by each
#: pass) when its numbers take at most this share of their total memory limit.
PERSIST_SHARE = 0.25


def _whole_entities(ddf: Any, spec: Spec, partition_entities: int | None, client: Any) -> Any:
    """The frame with every entity's rows in one partition: as it is when they already
    are (files written entity by entity), else shuffled on the entity column — and then
    held in the workers' memory when it is small beside it (every pass reads it)."""
    if spec.entity is None:
        return ddf.repartition(npartitions=1)
    column = ddf[spec.entity]
    if partition_entities is not None:
        if partition_entities < 1:
            raise SpecError(f"partition_entities must be at least 1, got {partition_entities}")
        entities = int(column.nunique().compute())
        n = max(1, math.ceil(entities / partition_entities))
    elif ddf.npartitions == 1:
        return ddf
    else:
        spread = column.map_partitions(lambda s: s.drop_duplicates(), meta=column._meta)
        if int(spread.value_counts().max().compute()) <= 1:
            return ddf
        n = ddf.npartitions
    shuffled = ddf.shuffle(on=spec.entity, npartitions=n)
    workers = client.scheduler_info().get("workers", {}).values()
    memory = sum(w.get("memory_limit") or 0 for w in workers)
    size = int(ddf.shape[0].compute()) * len(ddf.columns) * 16
    return shuffled.persist() if size <= PERSIST_SHARE * memory else shuffled


def _axes(ddf: Any, spec: Spec, source: str, block_cells: int) -> _Axes:
    """The sorted periods of the whole panel, with their numeric positions."""
    values = ddf[spec.period].drop_duplicates().compute().reset_index(drop=True)
    periods, _, time = _period_codes(values, spec.period, _Origin(source, None))
    if len(periods) < 2:
        raise DataError(
            f"{source} has a single period ({periods[0]!r}); synergy compares periods, so "
            "at least 2 are needed"
        )
    return _Axes(periods, time, source, block_cells)


def _part_panel(frame: pd.DataFrame, spec: Spec, axes: _Axes) -> Panel | None:
    """One partition as a Panel laid on every period of the panel (None when empty)."""
    if len(frame) == 0:
        return None
    frame = with_long_names(frame.reset_index(drop=True))
    source = f"{axes.source} (rows counted from 0 within a partition of entities)"
    panel = _build(frame, spec, _PositionOrigin(source))
    if panel.periods.equals(axes.periods):
        return replace(panel, source=axes.source, time=axes.time)
    where = axes.periods.get_indexer(panel.periods)
    values = np.full((panel.values.shape[0], len(axes.periods), panel.values.shape[2]), np.nan)
    values[:, where] = panel.values
    return replace(panel, values=values, periods=axes.periods, time=axes.time, source=axes.source)


# -- what every partition computes -----------------------------------------------------


def _blocks(frame: pd.DataFrame, spec: Spec, axes: _Axes) -> Iterator[Panel]:
    """The entities of a partition as Panels of at most :data:`BLOCK_CELLS` cells (at
    least one entity each), in the order the entities first appear."""
    if len(frame) == 0:
        return
    per_entity = len(axes.periods) * len(spec.columns)
    per_block = max(1, axes.block_cells // max(1, per_entity))
    if spec.entity is None:
        codes = np.zeros(len(frame), dtype=np.intp)
    else:
        codes, _ = pd.factorize(frame[spec.entity])
    if codes.max(initial=0) < per_block:
        panel = _part_panel(frame, spec, axes)
        if panel is not None:
            yield panel
        return
    for _, rows in frame.groupby(codes // per_block, sort=True):
        panel = _part_panel(rows, spec, axes)
        if panel is not None:
            yield panel


def _release_arrow_memory() -> None:
    """Give back what pyarrow's memory pool keeps after a partition (it grows a worker's
    memory partition after partition otherwise)."""
    with contextlib.suppress(ImportError):
        import pyarrow

        pyarrow.default_memory_pool().release_unused()


def _merged(values: Iterator[Any], merge: Callable[[Any, Any], Any]) -> Any:
    """``merge`` folded over ``values`` (None when there are none)."""
    out = None
    for v in values:
        out = v if out is None else merge(out, v)
    return out


def _merge_observed(a: Any, b: Any) -> Any:
    return np.minimum(a[0], b[0]), np.maximum(a[1], b[1]), a[2] & b[2]


def _observed_part(frame: pd.DataFrame, spec: Spec, axes: _Axes) -> Any:
    blocks = (observed_figures(panel, spec) for panel in _blocks(frame, spec, axes))
    return _merged(blocks, _merge_observed)


def _pooled_part(frame: pd.DataFrame, spec: Spec, axes: _Axes, figures: PanelFigures) -> Any:
    blocks = (
        weight_statistics(prepare(panel, spec, figures)) for panel in _blocks(frame, spec, axes)
    )
    return _merged((b for b in blocks if b is not None), lambda a, b: a.merge(b))


def _mu_part(frame: pd.DataFrame, spec: Spec, axes: _Axes, figures: PanelFigures) -> Any:
    plain = replace(spec, diagnostics=Diagnostics())

    def ranges() -> Iterator[Any]:
        for panel in _blocks(frame, spec, axes):
            mu = fit_panel(panel, plain, figures).mu
            yield mu.min(axis=(0, 1)), mu.max(axis=(0, 1))

    return _merged(ranges(), lambda a, b: (np.minimum(a[0], b[0]), np.maximum(a[1], b[1])))


@dataclass(frozen=True, eq=False)
class Facts:
    """The summary's figures of a set of entities, merged over the partitions."""

    entities: int
    stage_counts: NDArray[np.int64]  # at the last compared period
    level_counts: NDArray[np.int64]
    weight_sum: Array  # (I,) over entities
    weight_min: Array
    weight_max: Array
    mu_max: Array  # (k,)
    imputed: int  # cells filled in
    cells: int
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, res: Result) -> Facts:
        stages = res.stage_codes[:, -1]
        levels = res.level_codes[:, -1]
        w = res.weight_values
        return cls(
            len(res.entities),
            np.bincount(stages[stages >= 0], minlength=len(res.spec.stages.names)),
            np.bincount(levels[levels >= 0], minlength=len(res.spec.levels.names)),
            w.sum(axis=0),
            w.min(axis=0),
            w.max(axis=0),
            res.mu.max(axis=(0, 1)),
            int(res.imputed.sum()),
            int(res.imputed.size),
            res.notes,
        )

    def merge(self, other: Facts) -> Facts:
        return Facts(
            self.entities + other.entities,
            self.stage_counts + other.stage_counts,
            self.level_counts + other.level_counts,
            self.weight_sum + other.weight_sum,
            np.minimum(self.weight_min, other.weight_min),
            np.maximum(self.weight_max, other.weight_max),
            np.maximum(self.mu_max, other.mu_max),
            self.imputed + other.imputed,
            self.cells + other.cells,
            (*self.notes, *other.notes),  # merged for reading by merge_notes
        )


def _table_part(
    frame: pd.DataFrame,
    spec: Spec,
    axes: _Axes,
    figures: PanelFigures,
    meta: pd.DataFrame,
    name: str,
) -> pd.DataFrame:
    """One table of one partition (the partition's entities, block by block)."""
    pieces = [
        getattr(fit_panel(panel, spec, figures), name) for panel in _blocks(frame, spec, axes)
    ]
    _release_arrow_memory()
    return pd.concat(pieces, ignore_index=True) if pieces else meta


def _facts_part(frame: pd.DataFrame, spec: Spec, axes: _Axes, figures: PanelFigures) -> Any:
    """The :class:`Facts` of one partition (None when it is empty)."""
    blocks = (Facts.of(fit_panel(panel, spec, figures)) for panel in _blocks(frame, spec, axes))
    return _merged(blocks, Facts.merge)


def _write_part(
    frame: pd.DataFrame,
    spec: Spec,
    axes: _Axes,
    figures: PanelFigures,
    names: Sequence[str],
    folder: str,
    index: int,
) -> Any:
    """Write one partition's tables, block by block, as
    ``folder/<table>/part.<index>.<block>.parquet``; return its :class:`Facts`."""
    facts = None
    for block, panel in enumerate(_blocks(frame, spec, axes)):
        res = fit_panel(panel, spec, figures)
        for name in names:
            target = Path(folder) / name
            target.mkdir(parents=True, exist_ok=True)
            getattr(res, name).to_parquet(
                target / f"part.{index:05d}.{block:04d}.parquet", index=False
            )
        found = Facts.of(res)
        facts = found if facts is None else facts.merge(found)
    _release_arrow_memory()
    return facts


#: Notes shown; the others are counted.
MAX_NOTES = 20
_COUNTED = re.compile(r"(\d+)(\D.*)", re.DOTALL)
_NAMES_AND_NUMBERS = re.compile(r"'[^']*'|\d+(?:\.\d+)?")


def merge_notes(notes: Sequence[str]) -> tuple[str, ...]:
    """The notes of every partition, merged for reading.

    - The same note from several partitions (a panel-wide note) is shown once.
    - Notes that differ only in the count they start with ("24 forecast series failed
      …", "15 forecast series failed …") are one note with the counts added.
    - Notes that say the same of other entities (the same words once the quoted names
      and the numbers are left out: "1 missing cell filled …: entity '北京' …") are
      shown by the first, which says how many more there are.
    - Past :data:`MAX_NOTES`, the rest are counted.
    """
    groups: dict[str, list[str]] = {}
    for note in notes:
        groups.setdefault(_NAMES_AND_NUMBERS.sub("#", note), []).append(note)
    merged = []
    for group in groups.values():
        counted = [_COUNTED.fullmatch(n) for n in group]
        if all(counted) and len({c.group(2) for c in counted if c}) == 1:
            total = sum(int(c.group(1)) for c in counted if c)
            merged.append(f"{total}{counted[0].group(2) if counted[0] else ''}")
            continue
        distinct = list(dict.fromkeys(group))
        more = len(distinct) - 1
        merged.append(
            distinct[0]
            if more == 0
            else f"{distinct[0]} (and {more} more note{'s' if more > 1 else ''} like it, "
            "from other partitions of entities)"
        )
    if len(merged) > MAX_NOTES:
        rest = len(merged) - MAX_NOTES
        merged = [*merged[:MAX_NOTES], f"… and {rest} more notes from other partitions of entities"]
    return tuple(merged)


def _merge_facts(parts: Sequence[Facts | None]) -> Facts:
    found = [p for p in parts if p is not None]
    if not found:
        raise DataError("the data has no rows")
    return functools.reduce(Facts.merge, found)


# -- the result --------------------------------------------------------------------------


class DaskResult:
    """What ``cosyn.fit(..., engine="dask")`` computed: lazy tables, an eager summary.

    Attributes
    ----------
    spec : Spec
        The specification used (without indicators dropped as constant from the panel).
    sample : Result
        A NumPy-engine result of the first entities (and of those ``[report] entities``
        names), with the whole panel's figures: its numbers are the whole fit's for
        those entities. The reports draw from it.
    periods : pandas.Index
    n_entities : int
        Entities in the panel (known once :attr:`facts` is).
    notes : tuple of str
        Every note of every partition (each once).
    table_names : tuple of str
        The tables: ``synergy``, ``subsystem_order``, ``weights``, ``order_degree``,
        ``bounds`` and those of the diagnostics the spec asks for.
    """

    def __init__(
        self,
        spec: Spec,
        frames: list[Any],
        figures: PanelFigures,
        meta: dict[str, pd.DataFrame],
        sample: Result,
        axes: _Axes,
        bounds: pd.DataFrame | None,
        client: Any,
        close: Callable[[], None],
    ) -> None:
        self.spec = sample.spec
        self.sample = sample
        self.periods = axes.periods
        self.source = axes.source
        self.table_names = tuple(meta)
        self.client = client
        self._fit_spec = spec  # as given: each partition drops constants as the panel does
        self._frames = frames
        self._figures = figures
        self._axes = axes
        self._meta = meta
        self._bounds = bounds
        self._facts: Facts | None = None
        self._tables: dict[str, Any] = {}
        self._finalizer = weakref.finalize(self, close)

    # -- life ----------------------------------------------------------------------------
    def close(self) -> None:
        """Close the cluster started for this fit (a client given or found is left)."""
        self._finalizer()

    def __enter__(self) -> DaskResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- eager figures -------------------------------------------------------------------
    @property
    def facts(self) -> Facts:
        """The summary's figures over every entity (one pass over the data when not yet
        gathered by :meth:`to_parquet`)."""
        if self._facts is None:
            import dask
            from dask import delayed

            args = (self._fit_spec, self._axes, self._figures)
            with _worker_errors(self.client):
                found = dask.compute(*[delayed(_facts_part)(f, *args) for f in self._frames])
            self._facts = _merge_facts(found)
        return self._facts

    @property
    def n_entities(self) -> int:
        return self.facts.entities

    @property
    def notes(self) -> tuple[str, ...]:
        return merge_notes((*self.facts.notes, *_panel_notes(self.facts, self.spec)))

    def stage_counts(self) -> pd.Series:
        """Entities per development stage at the last compared period."""
        return pd.Series(self.facts.stage_counts, index=list(self.spec.stages.names))

    def level_counts(self) -> pd.Series:
        """Entities per synergy level at the last compared period."""
        return pd.Series(self.facts.level_counts, index=list(self.spec.levels.names))

    # -- lazy tables ---------------------------------------------------------------------
    def table(self, name: str) -> Any:
        """One table as a lazy Dask DataFrame (partition by partition of entities)."""
        if name not in self._meta:
            raise SpecError(
                f"DaskResult has no table {name!r}; it has " + ", ".join(self.table_names)
            )
        if name not in self._tables:
            import dask.dataframe as dd
            from dask import delayed

            if name == "bounds" and self._bounds is not None:
                self._tables[name] = dd.from_pandas(self._bounds, npartitions=1)
            else:
                meta = self._meta[name]
                args = (self._fit_spec, self._axes, self._figures, meta, name)
                pieces = [delayed(_table_part)(f, *args) for f in self._frames]
                self._tables[name] = dd.from_delayed(pieces, meta=meta, verify_meta=False)
        return self._tables[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self.__dict__.get("_meta", {}):
            raise AttributeError(name)
        return self.table(name)

    def to_parquet(
        self, folder: str | Path, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, Path]:
        """Write every table as a Parquet dataset ``folder/<table>/`` (one file per
        partition), and gather the summary's figures in the same pass.

        Each dataset appears under its final name only when complete (written beside it
        and moved in); ``progress(done, total)`` is called as partitions finish.
        """
        from dask import delayed
        from distributed import as_completed

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".cosyn-partial-{uuid.uuid4().hex}"
        names = [n for n in self.table_names if not (n == "bounds" and self._bounds is not None)]
        args = (self._fit_spec, self._axes, self._figures, names, str(staging))
        tasks = [delayed(_write_part)(f, *args, i) for i, f in enumerate(self._frames)]
        try:
            futures = self.client.compute(tasks)
            total, facts = len(futures), []
            if progress is not None:
                progress(0, total)
            with _worker_errors(self.client):
                for done, future in enumerate(as_completed(futures), start=1):
                    facts.append(future.result())
                    if progress is not None:
                        progress(done, total)
            self._facts = _merge_facts(facts)
            if self._bounds is not None:
                (staging / "bounds").mkdir(parents=True, exist_ok=True)
                self._bounds.to_parquet(staging / "bounds" / "part.00000.parquet", index=False)
            written = {}
            for name in self.table_names:
                source, target = staging / name, folder / name
                if not source.exists():  # no partition at all: an empty dataset
                    source.mkdir(parents=True)
                    self._meta[name].to_parquet(source / "part.00000.parquet", index=False)
                if target.exists():
                    old = folder / f".cosyn-old-{uuid.uuid4().hex}"
                    target.rename(old)
                    source.rename(target)
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    source.rename(target)
                written[name] = target
            return written
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------
    def summary(self, lang: str = "en") -> str:
        """The overview of :meth:`cosyn.Result.summary` over every entity: the counts and
        notes are the whole panel's; the synergy table shows the first entities."""
        from cosyn.summary import PanelTotals, render_summary

        f = self.facts
        totals = PanelTotals(
            entities=f.entities,
            stage_counts=f.stage_counts,
            weight_mean=f.weight_sum / max(f.entities, 1),
            weight_min=f.weight_min,
            weight_max=f.weight_max,
            notes=self.notes,
            sample=len(self.sample.entities),
            imputed=f.imputed,
            cells=f.cells,
        )
        return render_summary(self.sample, lang, totals=totals)

    def __repr__(self) -> str:
        shown = f"{self._facts.entities} entities" if self._facts else "entities not counted yet"
        return (
            f"<cosyn.DaskResult: {shown} × {len(self.periods)} periods, tables "
            f"{', '.join(self.table_names)} (lazy Dask DataFrames); .summary() for the "
            "overview>"
        )


# -- fit -------------------------------------------------------------------------------


def _tables(spec: Spec) -> list[str]:
    d = spec.diagnostics
    names = list(CORE_TABLES)
    if d.gra:
        names += ["grey_relation"] + (["grey_cross"] if len(spec.subsystems) > 1 else [])
    if d.coupling:
        names.append("coupling")
    if d.obstacles:
        names.append("obstacles")
    if d.forecast:
        names.append("forecast")
    return names


def _refuse(spec: Spec) -> None:
    if spec.diagnostics.robustness is not None:
        raise SpecError(
            "[diagnostics.robustness] ranks every entity among all entities in every draw, "
            "which needs the whole panel at once: it runs on engine='numpy' only. Remove it "
            "for the Dask engine, or run it with the NumPy engine on the entities that fit "
            "in memory"
        )
    if spec.analysis is not None:
        raise SpecError(
            "[analysis] (regional differences, distributions, Moran's I, Markov chains) "
            "reads the whole panel at once and runs on engine='numpy' only: fit with the "
            "Dask engine without it, then run the analysis on the synergy table "
            "(res.synergy.compute()) with the NumPy engine"
        )


def _raw_weight_input(spec: Spec) -> bool:
    m = spec.method
    objective = m.objective if m.weights == "combined" else m.weights
    if m.weights_scope != "panel" or m.weights in ("given", "ahp"):
        return False
    return (
        objective == "cv"
        or (objective == "entropy" and m.entropy_input != "order")
        or (objective == "critic" and m.critic_input == "minmax")
    )


def _figures(parts: list[Any], spec: Spec, axes: _Axes) -> PanelFigures:
    """The whole panel's figures every partition needs (reductions, in order)."""
    import dask
    from dask import delayed

    m, d = spec.method, spec.diagnostics
    figures = PanelFigures()
    if m.bounds == "panel" or _raw_weight_input(spec) or m.on_constant == "drop":
        found = [
            o for o in dask.compute(*[delayed(_observed_part)(p, spec, axes) for p in parts]) if o
        ]
        if not found:
            raise DataError(f"{axes.source} has no rows")
        figures = PanelFigures(
            low=np.min([o[0] for o in found], axis=0),
            high=np.max([o[1] for o in found], axis=0),
            everywhere=np.all([o[2] for o in found], axis=0) if m.bounds == "entity" else None,
        )
    if m.weights_scope == "panel":
        stats = dask.compute(*[delayed(_pooled_part)(p, spec, axes, figures) for p in parts])
        stats = [s for s in stats if s is not None]
        if stats:
            figures = replace(figures, pooled=functools.reduce(lambda a, b: a.merge(b), stats))
    if d.coupling and d.coupling_input == "rescale":
        ranges = [
            r
            for r in dask.compute(*[delayed(_mu_part)(p, spec, axes, figures) for p in parts])
            if r
        ]
        figures = replace(
            figures,
            mu_low=np.min([r[0] for r in ranges], axis=0),
            mu_high=np.max([r[1] for r in ranges], axis=0),
        )
    elif d.coupling:  # μ is used as it is; the zero test is made on the merged facts
        k = len(spec.subsystems)
        figures = replace(figures, mu_low=np.zeros(k), mu_high=np.ones(k))
    return figures


#: Partitions read at most to find the sample's entities, and read at a time.
SAMPLE_PARTITIONS = 16
SAMPLE_BATCH = 4


def _sample_frame(ddf: Any, frames: list[Any], spec: Spec, n: int) -> pd.DataFrame:
    """The rows of the first ``n`` entities (of the first partitions) and of the
    entities ``[report] entities`` names."""
    import dask

    if spec.entity is None:
        return pd.concat(dask.compute(*frames), ignore_index=True)
    pieces, seen = [], 0
    for start in range(0, min(len(frames), SAMPLE_PARTITIONS), SAMPLE_BATCH):
        for part in dask.compute(*frames[start : start + SAMPLE_BATCH]):
            keep = pd.unique(part[spec.entity])[: n - seen]
            pieces.append(part[part[spec.entity].isin(keep)])
            seen += len(keep)
        if seen >= n:
            break
    rows = pd.concat(pieces, ignore_index=True)
    keep = pd.unique(rows[spec.entity])
    named = [e for e in spec.report.entities if e not in set(map(str, keep))]
    if named:
        column = ddf[spec.entity].astype(str)
        extra = ddf[column.isin(named)].compute()
        rows = pd.concat([rows, extra], ignore_index=True)
    return rows


def fit_dask(
    data: Any,
    spec: Spec | Any,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    partition_entities: int | None = None,
    sample_entities: int = SAMPLE_ENTITIES,
    eager: bool = True,
    sheet: str | int | None = None,
    block_cells: int = BLOCK_CELLS,
) -> DaskResult:
    """:func:`cosyn.fit` on a Dask cluster, partition by partition of whole entities.

    Parameters
    ----------
    data : path, dask.dataframe.DataFrame, xarray object or pandas.DataFrame
        A Parquet file or dataset folder (wide or long layout), a Dask DataFrame, a
        Dask-backed xarray Dataset or DataArray, or any input of the NumPy engine.
    spec : Spec, dict, or path of a TOML model file
    scheduler : str, optional
        Address of a running Dask scheduler. Without it, a client already connected in
        this process is used, else a :class:`distributed.LocalCluster` is started and
        closed with the result (:meth:`DaskResult.close`, or a ``with`` block).
    workers, memory_limit : optional
        Workers (processes of one thread) and the memory limit of each (``"2GB"``) of
        the local cluster.
    partition_entities : int, optional
        Entities per partition (the data are shuffled on the entity column); by default
        the data's own partitions when each holds whole entities, else shuffled into as
        many partitions.
    sample_entities : int
        Entities fitted eagerly for the summary and the reports.
    eager : bool
        Gather the summary's figures now (one pass over the data); with False they are
        gathered by :meth:`DaskResult.to_parquet` in its pass, or on first use.
    sheet : str or int, optional
        Worksheet to read when ``data`` is an XLSX file.
    block_cells : int
        Cells (entity-periods × indicators) a worker fits at a time when it writes the
        tables or reduces a partition (:data:`BLOCK_CELLS`); at least one entity.

    Returns
    -------
    DaskResult

    Notes
    -----
    Every table equals the NumPy engine's to round-off (pooled sums are added in another
    order): tested to 1e-12 for every option of METHOD.md. ``[diagnostics.robustness]``
    and ``[analysis]`` need the whole panel at once and are refused with a message.
    """
    require_dask()
    spec = as_spec(spec)
    _refuse(spec)

    client, close = connect(scheduler, workers, memory_limit)
    try:
        with _worker_errors(client):
            result = _fit(
                data,
                spec,
                client,
                close,
                sheet,
                partition_entities,
                block_cells,
                sample_entities,
                eager,
            )
    except BaseException:
        close()
        raise
    return result


def _fit(
    data: Any,
    spec: Spec,
    client: Any,
    close: Callable[[], None],
    sheet: str | int | None,
    partition_entities: int | None,
    block_cells: int,
    sample_entities: int,
    eager: bool,
) -> DaskResult:
    """The steps of :func:`fit_dask` on a connected client."""
    raw, source = _as_dask_frame(data, spec, sheet, _worker_memory(client))
    ddf = _check_columns(raw, spec, source)
    ddf = _whole_entities(ddf, spec, partition_entities, client)
    axes = _axes(ddf, spec, source, block_cells)
    frames = ddf.to_delayed()
    figures = _figures(frames, spec, axes)
    sample_panel = _part_panel(_sample_frame(ddf, frames, spec, sample_entities), spec, axes)
    if sample_panel is None:
        raise DataError(f"{source} has no rows")
    sample = fit_panel(sample_panel, spec, figures)
    meta = {name: getattr(sample, name).iloc[:0] for name in _tables(spec)}
    bounds = sample.bounds if spec.method.bounds == "panel" else None
    result = DaskResult(spec, frames, figures, meta, sample, axes, bounds, client, close)
    if eager:
        _ = result.facts
    return result


def _panel_notes(facts: Facts, spec: Spec) -> tuple[str, ...]:
    """Notes only the whole panel can tell (made on the merged figures)."""
    d = spec.diagnostics
    if not d.coupling or d.coupling_input == "rescale":
        return ()
    from cosyn.diagnostics import coupling_zero_note

    zero = [s.name for s, top in zip(spec.subsystems, facts.mu_max, strict=True) if top <= 0]
    return (coupling_zero_note(zero),) if zero else ()
