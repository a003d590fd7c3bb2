"""Weights of the order parameters within a subsystem (METHOD.md §2).

Every kernel takes a matrix ``X`` of shape ``(..., n, m)`` — ``n`` observations (periods,
or entity-periods when pooled) of ``m`` indicators, with any leading batch axes (e.g.
entities) — and returns weights of shape ``(..., m)`` that are ``≥ 0`` and sum to 1 over
the last axis. Leading axes are computed at once, with no Python loop.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ENTROPY_ROUNDOFF",
    "RANDOM_INDEX",
    "ahp_weights",
    "combine_weights",
    "critic_information",
    "critic_weights",
    "cv_weights",
    "entropy_divergence",
    "entropy_weights",
    "equal_weights",
    "normalize_weights",
]

#: Saaty's random consistency index RI by matrix order n (Saaty 1980, *The Analytic
#: Hierarchy Process*, table 1.7; orders 11–15 from Saaty 1994).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}


def _matrix(X: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(X, dtype=float)
    if arr.ndim < 2:
        raise ValueError(f"{name} needs a matrix of shape (..., n, m), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} needs finite values (no NaN or inf)")
    return arr


def normalize_weights(d: ArrayLike, active: ArrayLike | None = None) -> NDArray[np.float64]:
    """Scale non-negative scores to sum to 1 over the last axis.

    Where every score of a row is 0, the row gets equal weights ``1/m`` (the convention
    of METHOD.md §2 for "no indicator carries information"; callers warn about it). A
    row with a NaN score stays NaN (never equal weights in disguise).

    Parameters
    ----------
    d : array_like, shape (..., m)
        Non-negative scores (or weights to renormalise).
    active : array_like of bool, shape (..., m), optional
        The columns in use (``on_constant = "drop"`` leaves an indicator out for some
        entities, METHOD.md §8): the others get weight 0 and the rest are renormalised
        among themselves; a row whose active scores are all 0 gets ``1/n_active`` on its
        active columns. Every row needs at least one active column.
    """
    arr = np.asarray(d, dtype=float)
    if active is None:
        total = arr.sum(axis=-1, keepdims=True)
        m = arr.shape[-1]
        if np.all(total > 0):  # the usual case: no row to fill in
            return np.divide(arr, total)
        safe = np.where(total > 0, total, 1.0)
        return np.where(total > 0, arr / safe, np.where(np.isnan(total), np.nan, 1.0 / m))
    act = np.broadcast_to(
        np.asarray(active, dtype=bool), np.broadcast_shapes(arr.shape, np.shape(active))
    )
    n = act.sum(axis=-1, keepdims=True)
    if np.any(n == 0):
        raise ValueError("every row needs at least one active column")
    arr = np.where(act, arr, 0.0)
    total = arr.sum(axis=-1, keepdims=True)
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, arr / safe, np.where(np.isnan(total), np.nan, act / n))


#: Divergences ``d = 1 − E`` at or below this are round-off of a uniform column: 0.
ENTROPY_ROUNDOFF = 1e-12


def entropy_divergence(X: ArrayLike, *, validate: bool = True) -> NDArray[np.float64]:
    """Degree of divergence ``d = 1 − E`` of each column of a non-negative matrix.

    ``p[t,i] = X[t,i] / S_i`` with ``S_i = Σ_t X[t,i]`` and
    ``E_i = −(1/ln n) Σ_t p ln p``, computed as
    ``Σ_t p ln p = (Σ_t x ln x)/S − ln S`` (one logarithm per cell, no ``p`` array).

    Conventions: ``0·ln 0 = 0`` exactly. A column that sums to 0, or whose values are all
    equal, carries no information: ``d = 0``. A ``d`` at or below
    :data:`ENTROPY_ROUNDOFF` (``1e-12``, far below what n·eps round-off can reach for a
    uniform column, far above any information a column can hold at double precision)
    is set to 0, so a constant column gets weight exactly 0. A column whose sums
    ``Σx`` or ``Σ x ln x`` overflow double precision (values beyond about 1e305) gives
    NaN; divide it by a constant first (``p`` does not change).

    Parameters
    ----------
    X : array_like, shape (..., n, m)
    validate : bool
        Check that ``X`` is finite and non-negative with ``n ≥ 2`` (callers that build
        ``X`` themselves, such as :func:`cosyn.fit`, may skip the two extra passes).
    """
    arr = _matrix(X, "entropy_weights") if validate else np.asarray(X, dtype=float)
    n = arr.shape[-2]
    if n < 2:
        raise ValueError(f"entropy weights need at least 2 observations, got {n}")
    if validate and np.any(arr < 0):
        raise ValueError("entropy weights need non-negative values")
    with np.errstate(over="ignore", invalid="ignore"):  # overflow gives NaN below
        total, xlogx = _sums(arr)
    return _divergence(total, xlogx, n)


def _divergence(
    total: NDArray[np.float64], xlogx: NDArray[np.float64], n: int
) -> NDArray[np.float64]:
    """``d = 1 − E`` from the sums ``Σ_t x`` and ``Σ_t x ln x`` of ``n`` observations
    (:func:`entropy_divergence`; :func:`_sums` computes the sums)."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow gives NaN below
        safe = np.where(total > 0, total, 1.0)
        e = -(xlogx / safe - np.log(safe)) / np.log(n)
    d = 1.0 - e
    out = np.where((total > 0) & (d > ENTROPY_ROUNDOFF), d, 0.0)
    # A column whose sums overflow (values near 1e308) has no computable entropy: NaN,
    # never a silent 0 (callers refuse it; dividing a column by a constant leaves p as is).
    overflow = ~(np.isfinite(total) & np.isfinite(xlogx))
    return np.asarray(np.where(overflow, np.nan, out), dtype=float)


#: Cells of the logarithm buffer of :func:`_sums` (512 KiB: it stays in cache).
_LOG_CELLS = 65_536


def _sums(
    arr: NDArray[np.float64],
    total: NDArray[np.float64] | None = None,
    out: NDArray[np.float64] | None = None,
    logs: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``Σ_t x`` and ``Σ_t x ln x`` over axis -2, with ``0·ln 0 = 0``.

    One logarithm per cell; for a C-ordered stack of matrices, a few matrices of the
    leading axis at a time into one small buffer while they are in cache (each matrix is
    summed as on its own, so the sums do not depend on the stack); the few
    columns that hold a 0 (their sum comes out NaN from ``0·(−inf)``) are summed again
    with the 0 cells left out. For a stack, ``total`` and ``out`` may be given to write
    the sums into, and ``logs`` as the buffer (matrices as ``arr``'s, any number).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if arr.ndim < 3 or arr.shape[0] < 2 or not arr.flags.c_contiguous:
            total = np.sum(arr, axis=-2, out=total)
            out = np.einsum("...ti,...ti->...i", arr, np.log(arr), out=out)
        else:
            n = arr.shape[0]
            if total is None:
                total = np.empty(arr.shape[:-2] + arr.shape[-1:])
            if out is None:
                out = np.empty_like(total)
            if logs is None:
                step = max(1, _LOG_CELLS // max(1, arr[0].size))
                logs = np.empty((min(step, n), *arr.shape[1:]))
            step = len(logs)
            # Σ_t by einsum: the additions of np.sum over the periods, in the same order
            # (row after row into each column's total; from +0.0, so a total of zeros
            # is +0.0 where np.sum may give −0.0, which no caller tells apart), in half
            # the time
            wide = arr.shape[-1] > 1
            for a in range(0, n, step):
                part = arr[a : a + step]
                buf = logs[: len(part)]
                if wide:
                    np.einsum("...ti->...i", part, out=total[a : a + step])
                else:
                    np.sum(part, axis=-2, out=total[a : a + step])
                np.log(part, out=buf)
                np.einsum("...ti,...ti->...i", part, buf, out=out[a : a + step])
    redo = np.isnan(out)
    if redo.any():
        cols = np.moveaxis(arr, -2, -1)[redo]  # (r, n): the series that hold a 0
        safe = np.where(cols > 0, cols, 1.0)
        out[redo] = (cols * np.log(safe)).sum(axis=-1)
    return total, np.asarray(out, dtype=float)


def entropy_weights(X: ArrayLike) -> NDArray[np.float64]:
    """Entropy weights of the columns of a non-negative matrix.

    .. math::

        p_{ti} = x_{ti} / \\sum_t x_{ti},\\quad
        E_i = -\\frac{1}{\\ln n} \\sum_t p_{ti} \\ln p_{ti},\\quad
        w_i = (1 − E_i) / \\sum_m (1 − E_m)

    (Shannon entropy weighting; Zeleny 1982; METHOD.md §2.)

    Parameters
    ----------
    X : array_like, shape (..., n, m)
        Non-negative values, ``n ≥ 2`` observations of ``m`` criteria.

    Returns
    -------
    ndarray, shape (..., m)

    Notes
    -----
    Conventions: ``0·ln 0 = 0``; a constant column (one that sums to 0 included) has
    ``E = 1`` and weight exactly 0 (see :func:`entropy_divergence`); if
    every column has ``E = 1`` the weights are equal (``1/m``). ``ln`` is natural, and
    ``E`` is normalised by ``ln n`` so that ``E ∈ [0, 1]`` (as scikit-criteria's
    ``entropy_weights``, which uses ``scipy.stats.entropy`` with base ``n``).
    """
    return normalize_weights(entropy_divergence(X))


def _sample_std(arr: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(arr.std(axis=-2, ddof=1), dtype=float)


def critic_information(X: ArrayLike, active: ArrayLike | None = None) -> NDArray[np.float64]:
    """CRITIC information ``C_i = σ_i · Σ_m (1 − r_im)`` of each column.

    ``σ`` is the sample standard deviation (``ddof = 1``) and ``r`` Pearson's
    correlation. A correlation that involves a constant column is taken as 0 (no linear
    relation); the constant column itself has ``σ = 0`` and so ``C = 0``.

    Parameters
    ----------
    X : array_like, shape (..., n, m)
    active : array_like of bool, shape (..., m), optional
        The columns in use: an inactive column (an indicator dropped for this entity,
        METHOD.md §8) gets ``C = 0`` and is left out of every other column's sum
        ``Σ_m (1 − r_im)``, exactly as if it were not in the matrix.
    """
    arr = _matrix(X, "critic_weights")
    n = arr.shape[-2]
    if n < 2:
        raise ValueError(f"CRITIC weights need at least 2 observations, got {n}")
    constant = arr.max(axis=-2) == arr.min(axis=-2)
    centred = arr - arr.mean(axis=-2, keepdims=True)
    ss = np.where(constant, 0.0, np.sqrt((centred * centred).sum(axis=-2)))  # (..., m)
    z = centred / np.where(ss > 0, ss, 1.0)[..., None, :]
    r = np.swapaxes(z, -1, -2) @ z  # (..., m, m); 0 where a column is constant
    sigma = ss / np.sqrt(n - 1)
    if active is None:
        return np.asarray(sigma * (1.0 - r).sum(axis=-1), dtype=float)
    act = np.asarray(active, dtype=bool)
    conflict = ((1.0 - r) * act[..., None, :]).sum(axis=-1)
    return np.asarray(np.where(act, sigma * conflict, 0.0), dtype=float)


def critic_weights(X: ArrayLike) -> NDArray[np.float64]:
    """CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    .. math::

        C_i = σ_i \\sum_m (1 − r_{im}),\\qquad w_i = C_i / \\sum_m C_m

    Parameters
    ----------
    X : array_like, shape (..., n, m)
        Scores already on a common scale (in cosyn: the order degrees ``u``).

    Returns
    -------
    ndarray, shape (..., m)

    Notes
    -----
    ``σ`` uses ``ddof = 1``; correlations with a constant column count as 0; if every
    column is constant the weights are equal. The matrix is used as given (not min-max
    scaled again, unlike scikit-criteria's ``critic_weights(scale=True)``).
    """
    return normalize_weights(np.clip(critic_information(X), 0.0, None))


def cv_weights(X: ArrayLike) -> NDArray[np.float64]:
    """Coefficient-of-variation weights: ``w_i ∝ σ_i / mean_i``.

    Parameters
    ----------
    X : array_like, shape (..., n, m)
        Raw values of each indicator; every column mean must be positive.

    Returns
    -------
    ndarray, shape (..., m)

    Notes
    -----
    ``σ`` is the sample standard deviation (``ddof = 1``). A column with a mean ≤ 0 has
    no meaningful coefficient of variation and is refused (ValueError). If every column
    is constant the weights are equal. Each column is divided by its largest ``|x|``
    first (``σ/mean`` is scale free), so values near ±1e308 give the right weights
    instead of overflowing.
    """
    arr = _matrix(X, "cv_weights")
    if arr.shape[-2] < 2:
        raise ValueError(f"CV weights need at least 2 observations, got {arr.shape[-2]}")
    # σ/mean does not change when a column is divided by a positive number: dividing by
    # the column's largest |x| keeps the squares of σ from overflowing for any finite x.
    scale = np.abs(arr).max(axis=-2, keepdims=True)
    arr = arr / np.where(scale > 0, scale, 1.0)
    mean = arr.mean(axis=-2)
    if np.any(mean <= 0):
        raise ValueError("CV weights need every column mean to be positive")
    return normalize_weights(_sample_std(arr) / mean)


def equal_weights(m: int) -> NDArray[np.float64]:
    """Equal weights ``1/m``."""
    if m < 1:
        raise ValueError(f"need at least one indicator, got {m}")
    return np.full(m, 1.0 / m)


def ahp_weights(P: ArrayLike) -> tuple[NDArray[np.float64], float]:
    """AHP weights from a pairwise comparison matrix, with the consistency ratio.

    The weights are the principal right eigenvector of ``P`` scaled to sum to 1;
    ``CI = (λ_max − n)/(n − 1)`` and ``CR = CI / RI(n)`` with Saaty's random index
    :data:`RANDOM_INDEX` (Saaty 1980). For ``n ≤ 2`` a reciprocal matrix is always
    consistent and ``CR = 0``.

    Parameters
    ----------
    P : array_like, shape (n, n)
        Positive reciprocal matrix: ``P[i, j] = 1 / P[j, i]``, ``P[i, i] = 1``.

    Returns
    -------
    weights : ndarray, shape (n,)
    cr : float
        Consistency ratio; ``CR < 0.1`` is Saaty's rule for acceptable consistency.

    Raises
    ------
    ValueError
        If ``P`` is not square, not positive, not reciprocal, or larger than 15×15 (no
        random index).
    """
    arr = np.asarray(P, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"AHP matrix must be square, got shape {arr.shape}")
    n = arr.shape[0]
    if n not in RANDOM_INDEX:
        raise ValueError(f"AHP matrix order must be 1..15 (Saaty's RI table), got {n}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("AHP matrix entries must be positive and finite")
    if not np.allclose(np.diag(arr), 1.0):
        i = int(np.flatnonzero(~np.isclose(np.diag(arr), 1.0))[0])
        raise ValueError(f"AHP matrix diagonal must be 1: P[{i},{i}] = {arr[i, i]:g}")
    if not np.allclose(arr * arr.T, 1.0, rtol=1e-3, atol=1e-3):
        bad = np.argwhere(~np.isclose(arr * arr.T, 1.0, rtol=1e-3, atol=1e-3))[0]
        i, j = int(bad[0]), int(bad[1])
        raise ValueError(
            f"AHP matrix must be reciprocal: P[{i},{j}] = {arr[i, j]:g} but "
            f"P[{j},{i}] = {arr[j, i]:g} (expected {1 / arr[i, j]:g})"
        )
    eigvals, eigvecs = np.linalg.eig(arr)
    k = int(np.argmax(eigvals.real))
    lam = float(eigvals[k].real)
    vec = np.abs(eigvecs[:, k].real)
    w = vec / vec.sum()
    if n <= 2:
        return w, 0.0
    ci = (lam - n) / (n - 1)
    return w, float(max(ci, 0.0) / RANDOM_INDEX[n])


def combine_weights(
    subjective: ArrayLike,
    objective: ArrayLike,
    lam: float = 0.5,
    form: str = "additive",
) -> NDArray[np.float64]:
    """Combine subjective and objective weights (METHOD.md §2, ``combined``).

    ``additive``: ``w = λ·w_s + (1 − λ)·w_o``; ``multiplicative``:
    ``w ∝ w_s·w_o`` (normalised; equal weights if every product is 0).

    Parameters
    ----------
    subjective, objective : array_like, shape (..., m)
        Weight vectors, each summing to 1 over the last axis; broadcast together.
    lam : float
        λ in [0, 1], the share of the subjective weights (additive form only).
    form : {"additive", "multiplicative"}
    """
    ws = np.asarray(subjective, dtype=float)
    wo = np.asarray(objective, dtype=float)
    if form == "additive":
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f"lambda must be in [0, 1], got {lam!r}")
        return np.asarray(lam * ws + (1.0 - lam) * wo, dtype=float)
    if form == "multiplicative":
        return normalize_weights(ws * wo)
    raise ValueError(f"form must be 'additive' or 'multiplicative', got {form!r}")
