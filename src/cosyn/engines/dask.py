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
figures in the same pass.

The robustness Monte Carlo runs by blocks of entities too, each entity's weights drawn
from a stream keyed by its label (so its draws are the NumPy engine's whatever the
partitions); only its ranks compare the entities within a draw, and are found over the
whole panel by blocks of draws (:mod:`cosyn.engines.ranked`). ``[analysis]`` reads the
whole panel at once and is refused here, with a message.
"""

from __future__ import annotations

import functools
import math
import shutil
import uuid
import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.engines.cluster import (
    DASK_EXTRA_MESSAGE,
    connect,
    require_dask,
    worker_errors,
    worker_memory,
)
from cosyn.engines.partitions import (
    BLOCK_CELLS,
    Axes,
    Facts,
    facts_part,
    merge_facts,
    merge_notes,
    mu_part,
    observed_part,
    part_panel,
    pooled_part,
    table_part,
    write_part,
    write_table,
)
from cosyn.engines.ranked import RankedBlocks, budget, ranked_blocks
from cosyn.errors import DataError, SpecError
from cosyn.fit import PanelFigures, as_spec, fit_panel
from cosyn.io.guess import with_long_names
from cosyn.panel import _indicator_keys, _Origin, _period_codes
from cosyn.result import Result
from cosyn.spec import Spec

__all__ = ["DASK_EXTRA_MESSAGE", "DaskResult", "fit_dask", "merge_notes", "require_dask"]


#: Rows of a pandas frame (or CSV/XLSX file) per partition when the Dask engine splits it.
ROWS_PER_PARTITION = 250_000
#: Entities fitted eagerly for the summary and the reports (besides ``[report] entities``).
SAMPLE_ENTITIES = 50
#: Parquet bytes a partition reads, as a share of a worker's memory limit (a partition's
#: working set is 15–20× its Parquet bytes), between 4 and 64 MiB.
READ_SHARE = 1 / 40
#: The tables every fit has, in the order they are written.
CORE_TABLES = ("synergy", "subsystem_order", "weights", "order_degree", "bounds")

Array = NDArray[np.float64]


# -- the cluster ---------------------------------------------------------------------------


# -- the data as a Dask DataFrame of whole entities --------------------------------------


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


def _axes(ddf: Any, spec: Spec, source: str, block_cells: int) -> Axes:
    """The sorted periods of the whole panel, with their numeric positions."""
    values = ddf[spec.period].drop_duplicates().compute().reset_index(drop=True)
    periods, _, time = _period_codes(values, spec.period, _Origin(source, None))
    if len(periods) < 2:
        raise DataError(
            f"{source} has a single period ({periods[0]!r}); synergy compares periods, so "
            "at least 2 are needed"
        )
    return Axes(periods, time, source, block_cells)


# -- what every partition computes -----------------------------------------------------


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
        those entities. The reports draw from it. With ``[diagnostics.robustness]`` its
        ranks are over the whole panel: the Monte Carlo runs over every entity on first
        access, unless :meth:`to_parquet` ran it.
    point_sample : Result
        The same, before the robustness ranks are put in (None there).
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
        axes: Axes,
        bounds: pd.DataFrame | None,
        client: Any,
        close: Callable[[], None],
    ) -> None:
        self.spec = sample.spec
        self.point_sample = sample
        self._sample: Result | None = None if spec.diagnostics.robustness else sample
        self.periods = axes.periods
        self.source = axes.source
        self.table_names = tuple(meta)
        self.client = client
        # as given (each partition drops constants as the panel does), without the Monte
        # Carlo: its table is made by blocks of its own (:mod:`cosyn.engines.ranked`)
        self._fit_spec = replace(spec, diagnostics=replace(spec.diagnostics, robustness=None))
        self._full_spec = spec
        self._ranked: RankedBlocks | None = None
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
            with worker_errors(self.client):
                found = dask.compute(*[delayed(facts_part)(f, *args) for f in self._frames])
            self._facts = merge_facts(found)
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
            elif name == "robustness":
                pieces = self._ranked_blocks().tables or [delayed(self._meta[name])]
                self._tables[name] = dd.from_delayed(pieces, meta=self._meta[name])
            else:
                meta = self._meta[name]
                args = (self._fit_spec, self._axes, self._figures, meta, name)
                pieces = [delayed(table_part)(f, *args) for f in self._frames]
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
        names = [
            n
            for n in self.table_names
            if not (n == "bounds" and self._bounds is not None) and n != "robustness"
        ]
        args = (self._fit_spec, self._axes, self._figures, names, str(staging))
        tasks = [delayed(write_part)(f, *args, i) for i, f in enumerate(self._frames)]
        n_parts = len(tasks)
        if "robustness" in self.table_names:  # its blocks, then the sample's ranks
            ranked = self._ranked_blocks()
            rb_folder = str(staging / "robustness")
            tasks += [delayed(write_table)(t, rb_folder, i) for i, t in enumerate(ranked.tables)]
            tasks += ranked.picked
        try:
            futures = self.client.compute(tasks)
            position = {f.key: i for i, f in enumerate(futures)}
            total, found = len(futures), [None] * len(futures)
            if progress is not None:
                progress(0, total)
            with worker_errors(self.client):
                for done, future in enumerate(as_completed(futures), start=1):
                    found[position[future.key]] = future.result()
                    if progress is not None:
                        progress(done, total)
            self._facts = merge_facts(found[:n_parts])
            if "robustness" in self.table_names:
                self._sample = self._with_ranks(found[n_parts + len(ranked.tables) :])
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

    # -- the robustness Monte Carlo ----------------------------------------------------
    def _ranked_blocks(self) -> RankedBlocks:
        """The robustness table's blocks (counted and built once)."""
        if self._ranked is None:
            sample = self.point_sample
            wanted = frozenset(str(e) for e in sample.entities)
            with worker_errors(self.client):
                self._ranked = ranked_blocks(
                    self._frames,
                    self._full_spec,
                    self._axes,
                    self._figures,
                    (sample.t0, sample.t1),
                    self._meta["robustness"],
                    wanted,
                    budget(worker_memory(self.client)),
                )
        return self._ranked

    @property
    def sample(self) -> Result:
        """The sample of entities the reports draw from (see the class docstring)."""
        if self._sample is None:
            import dask

            with worker_errors(self.client):
                picked = dask.compute(*self._ranked_blocks().picked)
            self._sample = self._with_ranks(list(picked))
        return self._sample

    def _with_ranks(self, picked: list[Any]) -> Result:
        """The sample with the ranks over the whole panel in its robustness result."""
        res = self.point_sample
        assert res.diagnostics is not None and res.diagnostics.robustness is not None
        figures = {}
        for labels, values in picked:
            for n, label in enumerate(labels):
                figures[label] = values[:, :, n]
        stacked = np.stack([figures[str(e)] for e in res.entities], axis=-1)  # (5, P, E)
        rb = replace(
            res.diagnostics.robustness,
            rank=np.ascontiguousarray(stacked[0].T).astype(np.int32),
            rank_p5=np.ascontiguousarray(stacked[1].T),
            rank_median=np.ascontiguousarray(stacked[2].T),
            rank_p95=np.ascontiguousarray(stacked[3].T),
            rank_agreement=np.ascontiguousarray(stacked[4].T),
        )
        return replace(res, diagnostics=replace(res.diagnostics, robustness=rb))

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
    if d.robustness is not None:
        names.append("robustness")
    return names


def _refuse(spec: Spec) -> None:
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


def _figures(parts: list[Any], spec: Spec, axes: Axes) -> PanelFigures:
    """The whole panel's figures every partition needs (reductions, in order)."""
    import dask
    from dask import delayed

    m, d = spec.method, spec.diagnostics
    figures = PanelFigures()
    if m.bounds == "panel" or _raw_weight_input(spec) or m.on_constant == "drop":
        found = [
            o for o in dask.compute(*[delayed(observed_part)(p, spec, axes) for p in parts]) if o
        ]
        if not found:
            raise DataError(f"{axes.source} has no rows")
        figures = PanelFigures(
            low=np.min([o[0] for o in found], axis=0),
            high=np.max([o[1] for o in found], axis=0),
            everywhere=np.all([o[2] for o in found], axis=0) if m.bounds == "entity" else None,
        )
    if m.weights_scope == "panel":
        stats = dask.compute(*[delayed(pooled_part)(p, spec, axes, figures) for p in parts])
        stats = [s for s in stats if s is not None]
        if stats:
            figures = replace(figures, pooled=functools.reduce(lambda a, b: a.merge(b), stats))
    if d.coupling and d.coupling_input == "rescale":
        ranges = [
            r for r in dask.compute(*[delayed(mu_part)(p, spec, axes, figures) for p in parts]) if r
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
    order): tested to 1e-12 for every option of METHOD.md. ``[analysis]`` needs the
    whole panel at once and is refused with a message.
    """
    require_dask()
    spec = as_spec(spec)
    _refuse(spec)

    client, close = connect(scheduler, workers, memory_limit)
    try:
        with worker_errors(client):
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
    raw, source = _as_dask_frame(data, spec, sheet, worker_memory(client))
    ddf = _check_columns(raw, spec, source)
    ddf = _whole_entities(ddf, spec, partition_entities, client)
    axes = _axes(ddf, spec, source, block_cells)
    frames = ddf.to_delayed()
    figures = _figures(frames, spec, axes)
    sample_panel = part_panel(_sample_frame(ddf, frames, spec, sample_entities), spec, axes)
    if sample_panel is None:
        raise DataError(f"{source} has no rows")
    sample = fit_panel(sample_panel, spec, figures)
    meta = {name: getattr(sample, name).iloc[:0] for name in _tables(spec)}
    if "robustness" in meta:  # the sample's are not ranked yet
        meta["robustness"] = meta["robustness"].astype({"rank": np.int32})
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
