"""Column statistics of a matrix pooled from pieces: what panel-wide weights need.

With ``weights_scope = "panel"`` the weights come from one matrix of every entity-period
(METHOD.md §2). When the panel is held in pieces of whole entities (the Dask engine,
docs/method.md "Engines"), each piece reduces its rows to the few sums below, the sums
of all pieces are merged, and the weights are computed from the merged sums — the same
numbers as from the stacked matrix, up to the order of floating-point additions.

- :class:`EntropySums`: ``n``, ``Σx`` and ``Σ x ln x`` per column (the entropy needs no
  more: ``Σ p ln p = (Σ x ln x)/S − ln S``, :func:`cosyn.entropy_divergence`).
- :class:`ColumnMoments`: ``n``, the means, the co-moment matrix
  ``C = Σ (x − x̄)(x − x̄)ᵀ`` and the column minima and maxima; pieces are merged by
  Chan, Golub & LeVeque's pairwise update (1979, "Updating formulae and a pairwise
  algorithm for computing sample variances"), which is as accurate as two passes over
  the stacked matrix. CRITIC needs σ and Pearson's r, CV needs the mean and σ.

Kernels: no labels, no files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosyn.methods.weights import _divergence, _sums

__all__ = ["ColumnMoments", "EntropySums"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class EntropySums:
    """``n`` rows, ``Σx`` and ``Σ x ln x`` (with ``0·ln 0 = 0``) of each column."""

    n: int
    total: Array
    xlogx: Array

    @classmethod
    def of(cls, matrix: ArrayLike) -> EntropySums:
        """The sums of a non-negative ``(n, m)`` matrix."""
        arr = np.asarray(matrix, dtype=float)
        total, xlogx = _sums(arr)
        return cls(arr.shape[0], total, xlogx)

    def merge(self, other: EntropySums) -> EntropySums:
        """The sums of the two matrices stacked."""
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow stays inf/NaN
            return EntropySums(self.n + other.n, self.total + other.total, self.xlogx + other.xlogx)

    def divergence(self) -> Array:
        """``d = 1 − E`` of each column, as :func:`cosyn.entropy_divergence` of the
        stacked matrix: ``E = −((Σ x ln x)/S − ln S)/ln n``; 0 for a column summing to 0
        or with ``d ≤`` :data:`~cosyn.methods.weights.ENTROPY_ROUNDOFF`; NaN where a sum
        overflowed."""
        if self.n < 2:
            raise ValueError(f"entropy weights need at least 2 observations, got {self.n}")
        return _divergence(self.total, self.xlogx, self.n)


@dataclass(frozen=True)
class ColumnMoments:
    """``n`` rows; the mean, minimum and maximum of each column; the co-moment matrix
    ``C[i, j] = Σ_t (x_ti − x̄_i)(x_tj − x̄_j)``."""

    n: int
    mean: Array
    comoment: Array
    low: Array
    high: Array

    @classmethod
    def of(cls, matrix: ArrayLike) -> ColumnMoments:
        """The moments of an ``(n, m)`` matrix with ``n ≥ 1``."""
        arr = np.asarray(matrix, dtype=float)
        mean = arr.mean(axis=0)
        centred = arr - mean
        return cls(arr.shape[0], mean, centred.T @ centred, arr.min(axis=0), arr.max(axis=0))

    def merge(self, other: ColumnMoments) -> ColumnMoments:
        """The moments of the two matrices stacked (Chan, Golub & LeVeque 1979):
        ``x̄ = x̄_a + δ·n_b/n``, ``C = C_a + C_b + δδᵀ·n_a·n_b/n`` with ``δ = x̄_b − x̄_a``."""
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        comoment = self.comoment + other.comoment + np.outer(delta, delta) * (self.n * other.n / n)
        return ColumnMoments(
            n, mean, comoment, np.minimum(self.low, other.low), np.maximum(self.high, other.high)
        )

    def std(self) -> Array:
        """Sample standard deviations (``ddof = 1``); 0 for a constant column."""
        if self.n < 2:
            raise ValueError(f"a standard deviation needs at least 2 observations, got {self.n}")
        ss = np.sqrt(np.clip(np.diag(self.comoment), 0.0, None))
        return np.asarray(np.where(self.high == self.low, 0.0, ss / np.sqrt(self.n - 1)))

    def critic_information(self) -> Array:
        """``C_i = σ_i · Σ_m (1 − r_im)`` as :func:`cosyn.critic_information` of the
        stacked matrix: a correlation with a constant column counts as 0."""
        constant = self.high == self.low
        ss = np.where(constant, 0.0, np.sqrt(np.clip(np.diag(self.comoment), 0.0, None)))
        inv = 1.0 / np.where(ss > 0, ss, 1.0)
        r = np.where(np.outer(ss > 0, ss > 0), self.comoment * np.outer(inv, inv), 0.0)
        sigma = ss / np.sqrt(self.n - 1)
        return np.asarray(sigma * (1.0 - r).sum(axis=-1), dtype=float)
