"""The robustness Monte Carlo on the Dask engine (METHOD.md §7, SCALE.md).

What is per entity is done by blocks of entities, as the NumPy engine does it by chunks:
each block fits its entities, draws their weights (each entity from its own stream,
keyed by its label, so the draws are those of the NumPy engine whatever the partitions),
computes μ and U of every draw and reduces them to the bands of U and the stage
agreement (:func:`cosyn.engines.partitions.robustness_part`). It returns one array,
``(D + 1 + 5, P, n)``: U of every draw, the point U, then the point U again and its
bands.

The ranks compare every entity within a draw, so they need the whole panel. Each block's
array is cut at once into pieces of a few draws (and compared periods); the pieces of
the same draws from every block are put side by side and ranked
(:func:`cosyn.methods.robustness.min_rank`); each ranked piece is cut again by blocks of
entities, and each block gathers its ranks of every draw and reduces them to its rank
bands and rank agreement (:func:`cosyn.methods.robustness.rank_figures`), beside its
bands. Every piece is a copy, not a view: a piece Dask spills to disk frees its memory,
so a worker holds a few pieces of :data:`RANK_BYTES` and the Dask data it has not
spilled, whatever ``D × E``. Between the workers, U of every draw and the ranks move
once each (``8·(D + 1)·P·E`` bytes and half or a quarter of it). The numbers are the
NumPy engine's: the same kernels on the same values.

The tasks number about twice the blocks of entities times the pieces of draws, both of
which grow with the entities: some 10^4 for 10^4 entities and 1,000 draws on workers of
1 GB, 1.5·10^6 for 10^5 — where Dask's scheduler overhead starts to tell — and too
many for millions of entities, whose ranks would need a shuffle through the workers'
disks (Dask's peer-to-peer rechunk held its pieces in memory and stopped 1 GB workers
here, distributed 2026.8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.engines.partitions import (
    BAND_ROWS,
    Axes,
    block_labels,
    entity_count_part,
    robustness_part,
)
from cosyn.fit import PanelFigures
from cosyn.methods.robustness import min_rank, rank_figures
from cosyn.spec import Spec

__all__ = ["RANK_BYTES", "RANK_SHARE", "RankedBlocks", "budget", "ranked_blocks"]

Array = NDArray[np.float64]

#: Bytes of U a block holds, of the entities of a partition or of the draws over every
#: entity (at least one entity, or one draw of one compared period), at most; and the
#: share of a worker's memory limit they take (:func:`budget`).
RANK_BYTES = 32 * 2**20
RANK_SHARE = 1 / 48


def budget(worker_memory: int | None) -> int:
    """Bytes of U a block or a piece holds on workers of this memory limit: a
    :data:`RANK_SHARE` of it, between 4 MiB and :data:`RANK_BYTES`."""
    if worker_memory is None:
        return RANK_BYTES
    return int(min(RANK_BYTES, max(4 * 2**20, worker_memory * RANK_SHARE)))


#: Rows of the rank figures of a block: the point rank, its 5th percentile, median and
#: 95th percentile over the draws, and the share of draws with the point rank; then the
#: rows of :data:`BAND_ROWS`.
FIGURES = ("rank", "rank_p5", "rank_median", "rank_p95", "rank_agreement", *BAND_ROWS)


@dataclass(frozen=True)
class RankedBlocks:
    """The robustness table of every block of entities, as Dask delayed objects.

    Attributes
    ----------
    tables : list of dask.delayed.Delayed
        Each block's rows of ``Result.robustness``, ranks over the whole panel included,
        in the order of the blocks (partition by partition).
    picked : list of dask.delayed.Delayed
        Each block's labels (as text) and figures ``(10, P, n)`` (:data:`FIGURES`) of the
        entities asked for (a sample of entities takes its ranks from them).
    """

    tables: list[Any]
    picked: list[Any]


def ranked_blocks(
    frames: list[Any],
    spec: Spec,
    axes: Axes,
    figures: PanelFigures,
    compared: tuple[NDArray[np.intp], NDArray[np.intp]],
    meta: pd.DataFrame,
    wanted: frozenset[str],
    block_bytes: int = RANK_BYTES,
) -> RankedBlocks:
    """The robustness rows of every entity, ranked over the panel (lazy; one eager pass
    over the entity column to count the entities of each partition).

    ``compared`` holds the base and compared period index of each compared period
    (``Result.t0``, ``Result.t1``), ``meta`` the table's columns and types, ``wanted`` the
    labels (as text) of the entities whose figures are picked out, ``block_bytes`` the
    bytes of U a block or a piece holds (:func:`budget`).
    """
    import dask
    from dask import delayed

    rb = spec.diagnostics.robustness
    assert rb is not None
    D, P = rb.draws, len(compared[1])
    rows = D + 1 + len(BAND_ROWS)
    counts = dask.compute(*[delayed(entity_count_part)(f, spec) for f in frames])
    E = sum(counts)
    cells = len(axes.periods) * len(spec.columns)  # of one entity
    size = max(1, min(block_bytes // (8 * rows * P), axes.block_cells // max(1, cells)))
    blocks = [(f, start, min(n, start + size)) for f, n in zip(frames, counts, strict=True)
              for start in range(0, n, size)]  # fmt: skip
    if not blocks:
        return RankedBlocks([], [])
    # pieces of every entity and a few draws (and compared periods): block_bytes at most
    row = 8 * E  # one draw of one compared period, every entity
    periods = max(1, min(P, block_bytes // row))
    draws = max(1, min(D + 1, block_bytes // (row * periods)))
    cuts = [(d0, min(D + 1, d0 + draws), p0, min(P, p0 + periods))
            for d0 in range(0, D + 1, draws) for p0 in range(0, P, periods)]  # fmt: skip
    rank_dtype = np.uint16 if E <= np.iinfo(np.uint16).max else np.int32
    drawn, bands, labels, edges = [], [], [], [0]
    for frame, start, stop in blocks:
        u = delayed(robustness_part)(frame, spec, axes, figures, start, stop)
        drawn.append([delayed(_piece)(u, d0, d1, p0, p1) for d0, d1, p0, p1 in cuts])
        bands.append(delayed(_piece)(u, D + 1, rows, 0, P))
        labels.append(delayed(block_labels)(frame, spec, axes, start, stop))
        edges.append(edges[-1] + stop - start)
    ranked = [
        delayed(_ranked)([pieces[c] for pieces in drawn], rank_dtype) for c in range(len(cuts))
    ]
    t0, t1 = compared
    tables, picked = [], []
    for b in range(len(blocks)):
        mine = [delayed(_columns)(r, edges[b], edges[b + 1]) for r in ranked]
        found = delayed(_figures)(mine, cuts, bands[b], D, P)
        tables.append(delayed(_table)(found, labels[b], axes.periods, t0, t1, meta))
        picked.append(delayed(_pick)(found, labels[b], wanted))
    return RankedBlocks(tables, picked)


def _piece(values: Array, d0: int, d1: int, p0: int, p1: int) -> Array:
    """Rows ``d0..d1−1`` and compared periods ``p0..p1−1`` of a block's array, as a copy
    (a view would keep the whole array alive while Dask spills the piece)."""
    return np.array(values[d0:d1, p0:p1])


def _ranked(pieces: list[Array], dtype: Any) -> NDArray[Any]:
    """The pieces of the same draws of every block, side by side, ranked over the
    entities (last axis)."""
    return min_rank(np.concatenate(pieces, axis=-1)).astype(dtype)


def _columns(ranks: NDArray[Any], e0: int, e1: int) -> NDArray[Any]:
    """Entities ``e0..e1−1`` of a ranked piece, as a copy."""
    return np.array(ranks[..., e0:e1])


def _figures(
    pieces: list[NDArray[Any]], cuts: list[tuple[int, int, int, int]], bands: Array, D: int, P: int
) -> Array:
    """(10, P, n) figures of a block of entities (:data:`FIGURES`) from its ranks of
    every draw and the point (its pieces) and its bands ``(5, P, n)``."""
    n = bands.shape[-1]
    ranks = np.empty((D + 1, P, n), dtype=pieces[0].dtype)
    for (d0, d1, p0, p1), piece in zip(cuts, pieces, strict=True):
        ranks[d0:d1, p0:p1] = piece
    found, agreement = rank_figures(ranks[:-1], ranks[-1])  # (3, n, P), (n, P)
    out = np.empty((len(FIGURES), P, n))
    out[0] = ranks[-1]
    out[1:4] = found.transpose(0, 2, 1)
    out[4] = agreement.T
    out[5:] = bands
    return out


def _table(
    figures: Array,
    labels: pd.Index,
    periods: pd.Index,
    t0: NDArray[np.intp],
    t1: NDArray[np.intp],
    meta: pd.DataFrame,
) -> pd.DataFrame:
    """A block's rows of ``Result.robustness`` (entity by entity, compared periods
    within), in the columns and types of ``meta``."""
    row = dict(zip(FIGURES, (f.T.ravel() for f in figures), strict=True))
    n, P = len(labels), len(t1)
    e, p = np.repeat(np.arange(n), P), np.tile(np.arange(P), n)
    columns = {
        "entity": labels.take(e),
        "base_period": periods.take(t0[p]),
        "period": periods.take(t1[p]),
        **row,
        "rank": row["rank"].astype(np.int32),
    }
    return pd.DataFrame({c: columns[c] for c in meta.columns})


def _pick(figures: Array, labels: pd.Index, wanted: frozenset[str]) -> tuple[list[str], Array]:
    """The labels (as text) and figures of the block's entities in ``wanted``."""
    keep = np.flatnonzero([str(label) in wanted for label in labels])
    return [str(label) for label in labels[keep]], figures[:, :, keep]
