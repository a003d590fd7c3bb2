"""What each partition of whole entities computes on a worker (:mod:`cosyn.engines.dask`):
the partition as Panels laid on every period of the panel, in blocks of entities; its
share of the panel-wide figures; its tables, written or returned; and the summary's
figures (:class:`Facts`), merged over the partitions with their notes.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.errors import DataError
from cosyn.fit import PanelFigures, fit_panel, observed_figures, prepare, weight_statistics
from cosyn.io.guess import with_long_names
from cosyn.panel import Panel, _build, _PositionOrigin
from cosyn.result import Result
from cosyn.spec import Diagnostics, Spec

__all__ = [
    "BAND_ROWS",
    "BLOCK_CELLS",
    "MAX_NOTES",
    "Axes",
    "Facts",
    "block_labels",
    "entity_count_part",
    "facts_part",
    "merge_facts",
    "merge_notes",
    "mu_part",
    "observed_part",
    "part_panel",
    "pooled_part",
    "robustness_part",
    "table_part",
    "write_part",
    "write_table",
]

Array = NDArray[np.float64]


#: Cells (entity-periods × indicators) a worker fits at a time when it writes or reduces
#: a partition: the fit of a block and its tables take about fifteen times its cube
#: (≈ 4 MB here), so a worker's memory is bounded by the block, not by the partition.
BLOCK_CELLS = 500_000


@dataclass(frozen=True, eq=False)
class Axes:
    """What every partition shares: the periods of the panel, the data's name, and the
    cells a worker fits at a time."""

    periods: pd.Index
    time: Array
    source: str
    block_cells: int = BLOCK_CELLS


def part_panel(frame: pd.DataFrame, spec: Spec, axes: Axes) -> Panel | None:
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


def _blocks(frame: pd.DataFrame, spec: Spec, axes: Axes) -> Iterator[Panel]:
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
        panel = part_panel(frame, spec, axes)
        if panel is not None:
            yield panel
        return
    for _, rows in frame.groupby(codes // per_block, sort=True):
        panel = part_panel(rows, spec, axes)
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


def observed_part(frame: pd.DataFrame, spec: Spec, axes: Axes) -> Any:
    blocks = (observed_figures(panel, spec) for panel in _blocks(frame, spec, axes))
    return _merged(blocks, _merge_observed)


def pooled_part(frame: pd.DataFrame, spec: Spec, axes: Axes, figures: PanelFigures) -> Any:
    blocks = (
        weight_statistics(prepare(panel, spec, figures)) for panel in _blocks(frame, spec, axes)
    )
    return _merged((b for b in blocks if b is not None), lambda a, b: a.merge(b))


def mu_part(frame: pd.DataFrame, spec: Spec, axes: Axes, figures: PanelFigures) -> Any:
    plain = replace(spec, diagnostics=Diagnostics())

    def ranges() -> Iterator[Any]:
        for panel in _blocks(frame, spec, axes):
            mu = fit_panel(panel, plain, figures).mu
            yield mu.min(axis=(0, 1)), mu.max(axis=(0, 1))

    return _merged(ranges(), lambda a, b: (np.minimum(a[0], b[0]), np.maximum(a[1], b[1])))


def entity_count_part(frame: pd.DataFrame, spec: Spec) -> int:
    """Entities in one partition."""
    if len(frame) == 0:
        return 0
    return 1 if spec.entity is None else int(frame[spec.entity].nunique(dropna=False))


#: What a block's robustness array holds after U of every draw and the point U: the
#: point U again and its bands (they pass the ranking unchanged).
BAND_ROWS = ("synergy", "median", "p5", "p95", "stage_agreement")


def _block_rows(frame: pd.DataFrame, spec: Spec, start: int, stop: int) -> pd.DataFrame:
    """The rows of entities ``start..stop−1`` of a partition (in the order they first
    appear)."""
    if spec.entity is None:
        return frame
    codes, _ = pd.factorize(frame[spec.entity])
    return frame[(codes >= start) & (codes < stop)]


def block_labels(frame: pd.DataFrame, spec: Spec, axes: Axes, start: int, stop: int) -> pd.Index:
    """The labels of entities ``start..stop−1`` of a partition, in the order of their
    Panel (that of :func:`robustness_part`'s arrays)."""
    panel = part_panel(_block_rows(frame, spec, start, stop), spec, axes)
    assert panel is not None
    return panel.entities


def robustness_part(
    frame: pd.DataFrame, spec: Spec, axes: Axes, figures: PanelFigures, start: int, stop: int
) -> Array:
    """The robustness Monte Carlo of entities ``start..stop−1`` of a partition, without
    the ranks: shape ``(D + 1 + 5, P, n)``, U of every draw, the point U, then the rows of
    :data:`BAND_ROWS`. One array, so that nothing of the block waits for the ranks."""
    panel = part_panel(_block_rows(frame, spec, start, stop), spec, axes)
    assert panel is not None
    only = replace(spec, diagnostics=Diagnostics(robustness=spec.diagnostics.robustness))
    res = fit_panel(panel, only, figures)
    assert res.diagnostics is not None and res.diagnostics.robustness is not None
    rb = res.diagnostics.robustness
    assert rb.synergy_draws is not None
    bands = (rb.synergy, rb.synergy_median, rb.synergy_p5, rb.synergy_p95, rb.stage_agreement)
    out = np.concatenate(
        [
            rb.synergy_draws.transpose(0, 2, 1),
            rb.synergy.T[None],
            np.stack(bands).transpose(0, 2, 1),
        ]
    )
    _release_arrow_memory()
    return out


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


def table_part(
    frame: pd.DataFrame,
    spec: Spec,
    axes: Axes,
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


def facts_part(frame: pd.DataFrame, spec: Spec, axes: Axes, figures: PanelFigures) -> Any:
    """The :class:`Facts` of one partition (None when it is empty)."""
    blocks = (Facts.of(fit_panel(panel, spec, figures)) for panel in _blocks(frame, spec, axes))
    return _merged(blocks, Facts.merge)


def write_part(
    frame: pd.DataFrame,
    spec: Spec,
    axes: Axes,
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


def write_table(table: pd.DataFrame, folder: str, index: int) -> None:
    """Write one block of a table as ``folder/part.<index>.parquet``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    table.to_parquet(Path(folder) / f"part.{index:06d}.parquet", index=False)


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


def merge_facts(parts: Sequence[Facts | None]) -> Facts:
    found = [p for p in parts if p is not None]
    if not found:
        raise DataError("the data has no rows")
    return functools.reduce(Facts.merge, found)
