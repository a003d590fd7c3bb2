"""Grey system diagnostics: Deng's grey relational grade and the GM(1,1) forecast.

METHOD.md §6 (the grey relational test the paper asks for) and §7 (GM(1,1) forecasts of
the subsystem order degrees and the synergy degree). Every kernel works on leading batch
axes at once — entities, subsystems, indicators — with no Python loop over them.

References
----------
Deng, J.-L. (1982). Control problems of grey systems. *Systems & Control Letters* 1(5),
288–294. Deng, J.-L. (1989). Introduction to grey system theory. *The Journal of Grey
System* 1(1), 1–24. Liu, S. & Lin, Y. (2010). *Grey Systems: Theory and Applications*.
Springer (grey incidence analysis; GM(1,1), its level-ratio test and the posterior-error
check). Xie, N. & Liu, S. (2009). Discrete grey forecasting model and its optimization.
*Applied Mathematical Modelling* 33(2), 1173–1186 (the bias of GM(1,1) on exponential
series).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GM11",
    "GM11_GRADES",
    "GM11_GRADE_LIMITS",
    "GM11_STATUS",
    "GRA_NORMALIZATIONS",
    "SAME",
    "GM11Batch",
    "gm11",
    "gm11_batch",
    "gm11_grade_codes",
    "gm11_status",
    "grey_relational_coefficients",
    "grey_relational_grade",
    "grey_relational_grades",
    "level_ratio_bounds",
    "posterior_error_check",
]

#: Allowed values of ``normalize`` in the grey relational kernels.
GRA_NORMALIZATIONS: tuple[str, ...] = ("none", "initial", "mean", "minmax")

#: A largest difference ``Δmax`` at most this times the largest absolute value of the
#: (normalised) series is rounding: the series count as identical (every ``ξ = 1``).
SAME = 1e-12

#: GM(1,1) accuracy grades by code (``GM11Batch.grade`` holds the index into this tuple).
GM11_GRADES: tuple[str, ...] = ("good", "qualified", "barely", "unqualified")

#: ``|e − ē| < 0.6745·S1`` defines a "small" error: 0.6745 is the 75th percentile of the
#: standard normal, so P estimates how often errors stay within the probable error.
SMALL_ERROR_FACTOR = 0.6745

# Posterior-error-ratio grades (METHOD.md §7): (C below, P above) for each level.
#: (C below, P above) for the grades good, qualified and barely; else unqualified.
GM11_GRADE_LIMITS: tuple[tuple[float, float], ...] = ((0.35, 0.95), (0.5, 0.8), (0.65, 0.7))

#: ``a`` counts as 0 (no exponential trend) where the correlation of x0(2..n) with the
#: background values z is below this in absolute value: ``a = −Σz̃x̃/Σz̃²`` is then
#: rounding noise (about 1e-17 for 1, 3, 1, 3, whose exact ``a`` is 0).
NO_TREND_CORRELATION = 1e-12

#: Why :func:`gm11_status` finds a series unusable (index 0: it can be fitted).
GM11_STATUS: tuple[str, ...] = (
    "fitted",
    "fewer than 4 points",
    "not finite",
    "constant from its second value on",
    "not shiftable to positive values",
    "least squares overflow",
    "no exponential trend (a = 0)",
    "forecast overflows",
)
(
    GM11_OK,
    GM11_SHORT,
    GM11_NOT_FINITE,
    GM11_FLAT,
    GM11_UNSHIFTABLE,
    GM11_LSQ_OVERFLOW,
    GM11_NO_TREND,
    GM11_OVERFLOW,
) = range(len(GM11_STATUS))


# ---------------------------------------------------------------------------------------
# grey relational analysis (METHOD.md §6)
# ---------------------------------------------------------------------------------------


def _where(mask: NDArray[np.bool_], *, columns: bool) -> str:
    """Name the first offending series of ``mask`` (batch axes first, column last)."""
    idx = [int(i) for i in np.argwhere(mask)[0]]
    if columns:
        *batch, col = idx
        text = f"comparison series {col}"
    else:
        batch, text = idx, "the reference series"
    if batch:
        text += f" at batch index {tuple(batch)}"
    more = int(mask.sum()) - 1
    if more:
        text += f" (and {more} more)"
    return text


def _normalize(x: NDArray[np.float64], method: str, axis: int, *, columns: bool) -> NDArray:
    """Normalise every series of ``x`` along ``axis`` (see :func:`grey_relational_grades`)."""
    if method == "none":
        return x
    if method == "initial":
        divisor = np.take(x, [0], axis=axis)
        bad = divisor == 0
        problem = "starts with 0, and normalize='initial' divides a series by its first value"
    elif method == "mean":
        divisor = x.mean(axis=axis, keepdims=True)
        bad = divisor == 0
        problem = "has mean 0, and normalize='mean' divides a series by its mean"
    else:  # minmax
        lo = x.min(axis=axis, keepdims=True)
        divisor = x.max(axis=axis, keepdims=True) - lo
        bad = divisor == 0
        problem = "is constant, and normalize='minmax' divides a series by its range"
        x = x - lo
    if bad.any():
        where = _where(np.squeeze(bad, axis=axis), columns=columns)
        raise ValueError(
            f"{where} {problem}; choose another normalisation (or 'none' for series "
            "already on one scale)"
        )
    with np.errstate(over="ignore"):
        return np.asarray(x / divisor, dtype=float)


def _gra_inputs(
    reference: ArrayLike, comparison: ArrayLike, rho: float, normalize: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x0 = np.asarray(reference, dtype=float)
    xi = np.asarray(comparison, dtype=float)
    if x0.ndim < 1 or xi.ndim < 2:
        raise ValueError(
            "grey relational grades need reference of shape (..., n) and comparison of "
            f"shape (..., n, m), got {x0.shape} and {xi.shape}"
        )
    n, m = xi.shape[-2:]
    if x0.shape[-1] != n:
        raise ValueError(
            f"reference has {x0.shape[-1]} points but the comparison series have {n}; "
            "they must be the same length"
        )
    if n < 1 or m < 1:
        raise ValueError(
            f"need at least one point and one comparison series, got (n, m) = {(n, m)}"
        )
    try:
        np.broadcast_shapes(x0.shape[:-1], xi.shape[:-2])
    except ValueError:
        raise ValueError(
            f"the batch axes of reference {x0.shape[:-1]} and comparison {xi.shape[:-2]} "
            "do not broadcast"
        ) from None
    if isinstance(rho, bool) or not isinstance(rho, Real) or not 0.0 < float(rho) <= 1.0:
        raise ValueError(f"rho (the distinguishing coefficient) must be in (0, 1], got {rho!r}")
    if normalize not in GRA_NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {GRA_NORMALIZATIONS}, got {normalize!r}")
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(xi))):
        raise ValueError("grey relational grades need finite values (no NaN or inf)")
    x0 = _normalize(x0, normalize, -1, columns=False)
    xi = _normalize(xi, normalize, -2, columns=True)
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(xi))):
        raise ValueError(f"normalize={normalize!r} overflowed; rescale the data")
    return x0, xi


def grey_relational_coefficients(
    reference: ArrayLike,
    comparison: ArrayLike,
    rho: float = 0.5,
    normalize: str = "none",
    missing: str = "error",
) -> NDArray[np.float64]:
    """Deng's grey relational coefficients ``ξ_i(t)``.

    .. math::

        Δ_i(t) = |x_0(t) − x_i(t)|,\\qquad
        ξ_i(t) = \\frac{Δ_{min} + ρ Δ_{max}}{Δ_i(t) + ρ Δ_{max}}

    with ``Δmin``/``Δmax`` the two-level minimum/maximum of ``Δ_i(t)`` over every ``i`` and
    ``t`` of one batch element (Deng 1982, 1989; METHOD.md §6).

    Parameters
    ----------
    reference : array_like, shape (..., n)
    comparison : array_like, shape (..., n, m)
        ``m`` comparison series on the last axis; leading axes broadcast with the
        reference's.
    rho, normalize, missing
        As in :func:`grey_relational_grades`.

    Returns
    -------
    ndarray, shape (..., n, m)
        ``ξ ∈ [ρ/(1+ρ), 1]`` (NaN for a series left out with ``missing = "skip"``).
    """
    if missing not in ("error", "skip"):
        raise ValueError(f"missing must be 'error' or 'skip', got {missing!r}")
    skip = None
    if missing == "skip":
        r = np.asarray(reference, dtype=float)
        c = np.asarray(comparison, dtype=float)
        if r.ndim >= 1 and c.ndim >= 2 and r.shape[-1] == c.shape[-2]:
            ref_nan = np.isnan(r).any(axis=-1)
            cmp_nan = np.isnan(c).any(axis=-2)
            skip = ref_nan[..., None] | cmp_nan  # (..., m)
            if skip.any():
                # placeholders 1, 2, …, n (never compared; any normalisation divides them)
                ramp = np.arange(1.0, r.shape[-1] + 1.0)
                reference = np.where(ref_nan[..., None], ramp, r)
                comparison = np.where(cmp_nan[..., None, :], ramp[:, None], c)
            else:
                skip = None
    x0, xi = _gra_inputs(reference, comparison, rho, normalize)
    with np.errstate(over="ignore", invalid="ignore"):
        delta = np.abs(x0[..., :, None] - xi)
    if skip is not None:
        delta = np.where(skip[..., None, :], np.nan, delta)
    finite = np.isfinite(delta) if skip is None else np.isfinite(delta) | np.isnan(delta)
    if not np.all(finite):
        raise ValueError("differences between the series overflow; rescale the data")
    if skip is None:
        dmin = delta.min(axis=(-2, -1), keepdims=True)
        dmax = delta.max(axis=(-2, -1), keepdims=True)
    else:  # over the series in use only; a block with none in use gives NaN throughout
        used = ~skip[..., None, :]
        dmin = np.where(used, delta, np.inf).min(axis=(-2, -1), keepdims=True)
        dmax = np.where(used, delta, -np.inf).max(axis=(-2, -1), keepdims=True)
        dmin, dmax = np.where(np.isfinite(dmax), dmin, 0.0), np.where(np.isfinite(dmax), dmax, 0.0)
    # Differences within round-off of the series' size are no differences: a Δmax that
    # small would turn rounding noise (e.g. of the initial-value division) into grades.
    size = np.maximum(
        np.abs(x0).max(axis=-1, keepdims=True)[..., None],
        np.abs(xi).max(axis=(-2, -1), keepdims=True),
    )
    identical = dmax <= SAME * size
    safe = np.where(identical, 1.0, dmax)
    # Divided through by Δmax (as greytheory does): no overflow of ρ·Δmax + Δ near the
    # largest floats; algebraically the same ratio.
    xi_t = (dmin / safe + rho) / (delta / safe + rho)
    out = np.where(identical, 1.0, xi_t)
    if skip is not None:
        out = np.where(skip[..., None, :], np.nan, out)
    return np.asarray(out, dtype=float)


def grey_relational_grades(
    reference: ArrayLike,
    comparison: ArrayLike,
    rho: float = 0.5,
    normalize: str = "none",
    missing: str = "error",
) -> NDArray[np.float64]:
    """Deng's grey relational grades of comparison series against a reference, batched.

    .. math::

        ξ_i(t) = \\frac{Δ_{min} + ρ Δ_{max}}{Δ_i(t) + ρ Δ_{max}},\\qquad
        r_i = \\frac{1}{n} \\sum_{t=1}^{n} ξ_i(t)

    with ``Δ_i(t) = |x_0(t) − x_i(t)|`` and the two-level minimum and maximum taken over
    every ``i`` and ``t`` of each batch element's ``(n, m)`` block (Deng 1989; Liu & Lin
    2010, Deng's degree of grey incidence; METHOD.md §6).

    Parameters
    ----------
    reference : array_like, shape (..., n)
        The reference (system characteristic) series ``x_0``.
    comparison : array_like, shape (..., n, m)
        ``m`` comparison series ``x_i`` of the same length on the last axis. Leading axes
        broadcast with the reference's, so e.g. ``(E, T)`` against ``(E, T, I)`` grades
        every indicator of every entity at once.
    rho : float
        Distinguishing coefficient ``ρ ∈ (0, 1]`` (default 0.5).
    normalize : {"none", "initial", "mean", "minmax"}
        Applied to every series (the reference too) along its length first:
        ``"initial"`` ``x / x[0]``, ``"mean"`` ``x / mean(x)``, ``"minmax"``
        ``(x − min) / (max − min)``; ``"none"`` (default) for series already on one scale,
        such as the order degrees ``u`` and ``μ``.
    missing : {"error", "skip"}
        ``"error"`` (default): a NaN anywhere is an error. ``"skip"``: a series holding
        a NaN (e.g. an indicator not in use for one entity) is left out — its grade is
        NaN and it does not enter the two-level ``Δmin`` and ``Δmax`` of the others; a
        NaN reference leaves its whole batch element out.

    Returns
    -------
    ndarray, shape (..., m)
        Grades ``r_i ∈ (0, 1]``; ``r_i = 1`` exactly when ``x_i`` coincides with the
        reference after normalisation.

    Notes
    -----
    Conventions:

    * ``Δmax = 0`` (every comparison series equals the reference, e.g. identical constant
      series): every ``ξ = 1`` and every grade is 1, with no division. So is a ``Δmax``
      within :data:`SAME` (1e-12) of the largest absolute value of the series: such
      differences are rounding, e.g. of the division by the initial value.
    * A divisor of 0 is refused with a ValueError naming the series: ``"initial"`` with a
      first value 0, ``"mean"`` with mean 0, ``"minmax"`` with a constant series (never a
      silent NaN). A negative first value or mean is used as it is (the series is
      mirrored, as the formula says).
    * With ``"none"``, zero and negative values are fine: only differences enter.
    * ``ρ`` outside ``(0, 1]``, NaN or inf values, or mismatched lengths: ValueError.
    * Each ``ξ ≥ ρ/(1+ρ)``, so grades are strictly positive. Equal weights over ``t``.
    """
    return np.asarray(
        grey_relational_coefficients(reference, comparison, rho, normalize, missing).mean(axis=-2),
        dtype=float,
    )


def grey_relational_grade(
    reference: ArrayLike, comparison: ArrayLike, rho: float = 0.5, normalize: str = "none"
) -> NDArray[np.float64]:
    """Deng's grey relational grade of ``m`` series against one reference series.

    See :func:`grey_relational_grades` for the formula and the conventions.

    Parameters
    ----------
    reference : array_like, shape (n,)
    comparison : array_like, shape (n, m)
        One comparison series per column.
    rho : float
        Distinguishing coefficient in ``(0, 1]`` (default 0.5).
    normalize : {"none", "initial", "mean", "minmax"}

    Returns
    -------
    ndarray, shape (m,)
        Grades in ``(0, 1]``.
    """
    x0 = np.asarray(reference, dtype=float)
    xi = np.asarray(comparison, dtype=float)
    if x0.ndim != 1 or xi.ndim != 2:
        raise ValueError(
            "grey_relational_grade needs reference of shape (n,) and comparison of shape "
            f"(n, m), got {x0.shape} and {xi.shape} (grey_relational_grades takes batches)"
        )
    return grey_relational_grades(x0, xi, rho, normalize)


# ---------------------------------------------------------------------------------------
# GM(1,1) (METHOD.md §7)
# ---------------------------------------------------------------------------------------


def level_ratio_bounds(n: int) -> tuple[float, float]:
    """Admissible range ``[e^(−2/(n+1)), e^(2/(n+1))]`` of the level ratios of ``n`` points."""
    half_width = 2.0 / (n + 1)
    return float(np.exp(-half_width)), float(np.exp(half_width))


@dataclass(frozen=True)
class GM11Batch:
    """GM(1,1) fits of a batch of series (see :func:`gm11_batch`); arrays are read-only.

    Attributes
    ----------
    a, b : ndarray, shape (...)
        Development coefficient and grey input (of the shifted series when ``shift > 0``).
    fitted : ndarray, shape (..., n)
        ``x̂0(1..n)`` on the original scale; ``fitted[..., 0] == series[..., 0]``.
    forecast : ndarray, shape (..., horizon)
        ``x̂0(n+1..n+horizon)`` on the original scale.
    level_ratio_ok : ndarray of bool, shape (...)
        Whether the original series passed the level-ratio test.
    shift : ndarray, shape (...)
        The constant ``c`` added before fitting (0 when the test passed).
    C, P : ndarray, shape (...)
        Posterior error ratio and small-error probability.
    grade : ndarray of int8, shape (...)
        Index into :data:`GM11_GRADES`.
    """

    a: NDArray[np.float64]
    b: NDArray[np.float64]
    fitted: NDArray[np.float64]
    forecast: NDArray[np.float64]
    level_ratio_ok: NDArray[np.bool_]
    shift: NDArray[np.float64]
    C: NDArray[np.float64]
    P: NDArray[np.float64]
    grade: NDArray[np.int8]

    @property
    def grade_names(self) -> NDArray[np.str_]:
        """The grades as words (``"good"`` … ``"unqualified"``)."""
        return np.asarray(GM11_GRADES)[self.grade]


@dataclass(frozen=True)
class GM11:
    """A GM(1,1) fit of one series (see :func:`gm11`); the arrays are read-only."""

    a: float
    b: float
    fitted: NDArray[np.float64]
    forecast: NDArray[np.float64]
    level_ratio_ok: bool
    shift: float
    C: float
    P: float
    grade: str


def gm11_grade_codes(C: ArrayLike, P: ArrayLike) -> NDArray[np.int8]:
    """Accuracy grade codes from the posterior error ratio ``C`` and probability ``P``.

    The best level whose two conditions both hold, with strict inequalities
    (METHOD.md §7): 0 good (``C < 0.35`` and ``P > 0.95``), 1 qualified (``C < 0.5`` and
    ``P > 0.8``), 2 barely (``C < 0.65`` and ``P > 0.7``), 3 unqualified otherwise. A value
    on a boundary (``C = 0.35``, ``P = 0.95``…) falls to the next level down.

    Returns
    -------
    ndarray of int8
        Indices into :data:`GM11_GRADES`.
    """
    c = np.asarray(C, dtype=float)
    p = np.asarray(P, dtype=float)
    codes = np.full(np.broadcast_shapes(c.shape, p.shape), len(GM11_GRADE_LIMITS), dtype=np.int8)
    for code in reversed(range(len(GM11_GRADE_LIMITS))):  # three levels, each a whole-array step
        c_max, p_min = GM11_GRADE_LIMITS[code]
        codes = np.where((c < c_max) & (p > p_min), np.int8(code), codes).astype(np.int8)
    return codes


def posterior_error_check(
    series: ArrayLike, fitted: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Posterior error ratio ``C`` and small-error probability ``P`` of a fit.

    .. math::

        e(k) = x(k) − \\hat x(k),\\quad C = S_2 / S_1,\\quad
        P = \\frac{1}{n}\\#\\{k : |e(k) − \\bar e| < 0.6745\\,S_1\\}

    (the posterior-error check of grey forecasting; Liu & Lin 2010; METHOD.md §7).

    Parameters
    ----------
    series, fitted : array_like, shape (..., n)
        Observed and fitted values; every ``k = 1..n`` counts (for GM(1,1) ``e(1) = 0``).

    Returns
    -------
    C, P : ndarray, shape (...)

    Notes
    -----
    ``S1`` and ``S2`` are population standard deviations (``ddof = 0``) of ``x`` and ``e``.
    The ddof cancels in ``C`` but not in ``P``, whose threshold is ``0.6745·S1``. The
    comparison is strict (``<``). A constant ``x`` (``S1 = 0``) gives NaN; :func:`gm11`
    refuses constant series before this point.
    """
    x = np.asarray(series, dtype=float)
    residual = x - np.asarray(fitted, dtype=float)
    s1 = x.std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        C = residual.std(axis=-1) / s1
    spread = np.abs(residual - residual.mean(axis=-1, keepdims=True))
    P = (spread < SMALL_ERROR_FACTOR * s1[..., None]).mean(axis=-1)
    return np.asarray(C, dtype=float), np.asarray(P, dtype=float)


def _series(series: ArrayLike) -> NDArray[np.float64]:
    x = np.asarray(series, dtype=float)
    if x.ndim < 1:
        raise ValueError(f"GM(1,1) needs series of shape (..., n), got shape {x.shape}")
    n = x.shape[-1]
    if n < 4:
        raise ValueError(f"GM(1,1) needs at least 4 points per series, got {n}")
    if not np.all(np.isfinite(x)):
        raise ValueError("GM(1,1) needs finite values (no NaN or inf)")
    tail = x[..., 1:]
    flat = tail.max(axis=-1) == tail.min(axis=-1)
    if flat.any():
        where = _batch_where(flat)
        first = np.take(x, [0], axis=-1).reshape(flat.shape)
        constant = flat & (first == tail[..., 0])
        what = "is constant" if constant[flat].all() else "is constant after its first value"
        raise ValueError(
            f"the series{where} {what}: the least squares of x0(2..n) on the background "
            "values then give a = 0, the whitened equation degenerates and b/a is "
            "undefined (a constant series is its own forecast)"
        )
    return x


def _batch_where(mask: NDArray[np.bool_]) -> str:
    if mask.ndim == 0:
        return ""
    return f" at batch index {tuple(int(i) for i in np.argwhere(mask)[0])}"


def _level_ratio_ok(x: NDArray[np.float64]) -> NDArray[np.bool_]:
    """All values > 0 and every ``σ(k) = x(k−1)/x(k)`` within the closed bounds."""
    lo, hi = level_ratio_bounds(x.shape[-1])
    positive = np.all(x > 0, axis=-1)
    later = x[..., 1:]
    with np.errstate(over="ignore"):  # a ratio past the float range is inf: inadmissible
        sigma = x[..., :-1] / np.where(later > 0, later, 1.0)
    return np.asarray(positive & np.all((sigma >= lo) & (sigma <= hi), axis=-1))


def _admissible_shift(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The smallest ``c`` with ``x + c > 0`` and every level ratio of ``x + c`` admissible.

    With ``p = x(k−1)``, ``q = x(k)`` and ``q + c > 0``, the two sides of
    ``L ≤ (p + c)/(q + c) ≤ U`` are the lower limits ``c ≥ (L·q − p)/(1 − L)`` and
    ``c ≥ (p − U·q)/(U − 1)``; ``c`` is the largest of them over ``k``. For a series that
    is not constant this also exceeds ``−min(x)`` (a minimum next to a larger value
    forces it), so every shifted value is positive.
    """
    lo, hi = level_ratio_bounds(x.shape[-1])
    p, q = x[..., :-1], x[..., 1:]
    c = np.maximum((lo * q - p) / (1.0 - lo), (p - hi * q) / (hi - 1.0)).max(axis=-1)
    return np.asarray(c, dtype=float)


def gm11_batch(series: ArrayLike, horizon: int = 0) -> GM11Batch:
    """GM(1,1) fits and forecasts of a batch of series, in closed form over the batch.

    For each series ``x0`` (after a shift ``c``, below):

    .. math::

        x^{(1)}(k) = \\sum_{i \\le k} x^{(0)}(i),\\quad
        z(k) = \\tfrac12\\big(x^{(1)}(k) + x^{(1)}(k−1)\\big),\\quad
        x^{(0)}(k) + a\\,z(k) = b \\;\\; (k = 2..n, \\text{ OLS}),

        \\hat x^{(1)}(k+1) = \\big(x^{(0)}(1) − b/a\\big) e^{−ak} + b/a,\\qquad
        \\hat x^{(0)}(k+1) = \\hat x^{(1)}(k+1) − \\hat x^{(1)}(k),\\quad
        \\hat x^{(0)}(1) = x^{(0)}(1)

    (Deng 1989; Liu & Lin 2010; METHOD.md §7). The OLS of ``x0(2..n)`` on
    ``B = [−z, 1]`` is written in closed form (centred sums), and the restored values are
    computed as ``(b − a·x0(1))·(e^a − 1)/a·e^(−ak)``, the same number without the
    cancellation of ``x̂1(k+1) − x̂1(k)``.

    Parameters
    ----------
    series : array_like, shape (..., n)
        ``n ≥ 4`` finite values per series, not constant.
    horizon : int
        Number of periods to forecast after the last observation.

    Returns
    -------
    GM11Batch
        ``a``, ``b``, ``fitted (..., n)``, ``forecast (..., horizon)``,
        ``level_ratio_ok``, ``shift``, ``C``, ``P`` and ``grade`` codes.

    Notes
    -----
    *Level-ratio test.* ``σ(k) = x0(k−1)/x0(k)``, ``k = 2..n``, must lie in the closed
    interval ``[e^(−2/(n+1)), e^(2/(n+1))]`` and every value must be positive (a series
    with a value ≤ 0 fails by definition). ``level_ratio_ok`` reports the original series.

    *Shift.* When the test fails, the series is shifted by the smallest constant ``c``
    that makes every value positive and every level ratio admissible (solved in closed
    form: each ratio ``(x(k−1)+c)/(x(k)+c)`` moves monotonically towards 1 as ``c``
    grows, so each bound is a lower limit on ``c``). The model is fitted to ``x0 + c``
    and ``c`` is subtracted from ``fitted`` and ``forecast``; ``a`` and ``b`` are those of
    the shifted series. Such a ``c`` exists for every non-constant finite series, so the
    "no admissible shift" case cannot arise. The shifted series sits on the edge of the
    admissible range by construction (the least change to the data).

    *Posterior-error check* (:func:`posterior_error_check`). Residuals
    ``e(k) = x0(k) − x̂0(k)`` for ``k = 1..n`` (``e(1) = 0``), on the original scale.
    ``S1`` and ``S2`` are the population standard deviations (``ddof = 0``) of ``x0`` and
    of ``e``; ``C = S2/S1``; ``P`` is the share of ``k`` with ``|e(k) − ē| < 0.6745·S1``
    (strict). Grades by :func:`gm11_grade_codes`. Both are unchanged by the shift.

    *Refused* (ValueError): fewer than 4 points, NaN or inf, a series constant from its
    second value on (the least squares use ``x0(2..n)`` only, so its ``a`` is 0:
    ``x0(k) + a·z(k) = b`` holds with ``a = 0, b = x0(2)``, and ``b/a`` in the time
    response is undefined — a constant series is its own forecast), a fitted ``a = 0``
    for any other reason — up to rounding: ``|corr(z, x0(2..n))| ≤ 1e-12``
    (:data:`NO_TREND_CORRELATION`), as for ``1, 3, 1, 3``, whose exact ``a`` is 0 and
    whose computed one is 0 or about 1e-17 — and a forecast that overflows. The error
    names the first offending batch index; :func:`gm11_status` tells, series by series,
    which can be fitted. A small ``a`` that is a real trend is fine: the restored values
    are computed without ``b/a``.

    GM(1,1) does not reproduce a pure exponential ``x0(k) = c·e^(βk)`` exactly: the
    trapezoid background value gives ``a = −2·tanh(β/2)`` (not ``−β``), so the fitted
    growth factor is ``e^(−a)`` instead of ``e^β`` — the known bias of the classic model
    (the reason for the discrete DGM(1,1) of Xie & Liu 2009).
    """
    h = _horizon(horizon)
    x = _series(series)
    core = _gm11_core(x, h)
    status = core.status
    if np.any(status == GM11_UNSHIFTABLE):
        raise ValueError(
            f"the series{_batch_where(status == GM11_UNSHIFTABLE)} could not be shifted to "
            "positive values (it is constant up to rounding)"
        )
    if np.any(status == GM11_LSQ_OVERFLOW):
        raise ValueError("GM(1,1) least squares overflowed; rescale the data")
    if np.any(status == GM11_NO_TREND):
        raise ValueError(
            f"GM(1,1) fitted a = 0 for the series{_batch_where(status == GM11_NO_TREND)}: "
            "x0(2..n) shows no trend against the background values (their correlation is 0 "
            "up to rounding), and the time response (x0(1) − b/a)·e^(−ak) + b/a is undefined"
        )
    if np.any(status == GM11_OVERFLOW):
        raise ValueError(
            f"GM(1,1) forecast overflows for the series{_batch_where(status == GM11_OVERFLOW)}"
            "; shorten the horizon or rescale the data"
        )
    return _batch(x, core)


def _horizon(horizon: int) -> int:
    if isinstance(horizon, bool):
        raise ValueError(f"horizon must be a whole number ≥ 0, got {horizon!r}")
    try:
        h = operator.index(horizon)
    except TypeError:
        raise ValueError(f"horizon must be a whole number ≥ 0, got {horizon!r}") from None
    if h < 0:
        raise ValueError(f"horizon must be a whole number ≥ 0, got {horizon!r}")
    return h


@dataclass(frozen=True)
class _Core:
    """GM(1,1) arrays of a batch, with the status of each series (no error raised)."""

    a: NDArray[np.float64]
    b: NDArray[np.float64]
    restored: NDArray[np.float64]  # x̂0(2..n+h) of the shifted series
    ok: NDArray[np.bool_]
    shift: NDArray[np.float64]
    status: NDArray[np.int8]


def _gm11_core(x: NDArray[np.float64], h: int) -> _Core:
    """The fit of every series of ``x`` (..., n), n ≥ 4 and finite; ``status`` says which
    could not be fitted and why (:data:`GM11_STATUS`)."""
    n = x.shape[-1]
    status = np.zeros(x.shape[:-1], dtype=np.int8)
    tail = x[..., 1:]
    status[tail.max(axis=-1) == tail.min(axis=-1)] = GM11_FLAT
    ok = _level_ratio_ok(x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        shift = np.where(ok, 0.0, _admissible_shift(x))
    shift = np.where(status == GM11_FLAT, 0.0, shift)
    y = x + shift[..., None]
    status[(status == 0) & ~np.all(y > 0, axis=-1)] = GM11_UNSHIFTABLE

    # OLS of y(2..n) on [-z, 1], in centred closed form over the batch.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        y1 = np.cumsum(y, axis=-1)
        z = 0.5 * (y1[..., 1:] + y1[..., :-1])
        target = y[..., 1:]
        zc = z - z.mean(axis=-1, keepdims=True)
        tc = target - target.mean(axis=-1, keepdims=True)
        szt, szz, stt = (zc * tc).sum(axis=-1), (zc * zc).sum(axis=-1), (tc * tc).sum(axis=-1)
        a = -szt / szz
        b = target.mean(axis=-1) + a * z.mean(axis=-1)
        # a = 0 up to rounding: x0(2..n) uncorrelated with the background values
        trendless = ~(np.abs(szt) > NO_TREND_CORRELATION * np.sqrt(szz) * np.sqrt(stt))
    status[(status == 0) & ~(np.isfinite(a) & np.isfinite(b))] = GM11_LSQ_OVERFLOW
    status[(status == 0) & trendless] = GM11_NO_TREND

    # Restored values x̂0(k+1), k = 1..n−1+h: (b − a·y(1))·expm1(a)/a·e^(−ak).
    k = np.arange(1, n + h, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        level = (b - a * y[..., 0]) * (np.expm1(a) / a)
        restored = level[..., None] * np.exp(-a[..., None] * k)
    status[(status == 0) & ~np.all(np.isfinite(restored), axis=-1)] = GM11_OVERFLOW
    return _Core(a, b, restored, np.asarray(ok, dtype=bool), shift, status)


def _batch(x: NDArray[np.float64], core: _Core) -> GM11Batch:
    """The GM11Batch of series that were all fitted (status 0)."""
    n = x.shape[-1]
    shift, restored = core.shift, core.restored
    fitted = np.concatenate([x[..., :1], restored[..., : n - 1] - shift[..., None]], axis=-1)
    forecast = restored[..., n - 1 :] - shift[..., None]

    C, P = posterior_error_check(x, fitted)

    out = GM11Batch(
        a=np.asarray(core.a, dtype=float),
        b=np.asarray(core.b, dtype=float),
        fitted=np.asarray(fitted, dtype=float),
        forecast=np.asarray(forecast, dtype=float),
        level_ratio_ok=np.asarray(core.ok, dtype=bool),
        shift=np.asarray(shift, dtype=float),
        C=np.asarray(C, dtype=float),
        P=np.asarray(P, dtype=float),
        grade=gm11_grade_codes(C, P),
    )
    arrays: tuple[np.ndarray, ...] = (
        out.a, out.b, out.fitted, out.forecast, out.level_ratio_ok, out.shift, out.C, out.P,
        out.grade,
    )  # fmt: skip
    for arr in arrays:
        arr.flags.writeable = False
    return out


def gm11_status(series: ArrayLike, horizon: int = 0) -> NDArray[np.int8]:
    """Which series of a batch GM(1,1) can fit, and why not (never raises on the data).

    Parameters
    ----------
    series : array_like, shape (..., n)
        Any values; ``n`` may be below 4.
    horizon : int
        Periods to forecast (an overflow of the forecast is a status).

    Returns
    -------
    ndarray of int8, shape (...)
        0 where :func:`gm11_batch` fits the series, else the first reason it refuses it,
        as an index into :data:`GM11_STATUS`: too short (fewer than 4 points), not
        finite, constant from its second value on, not shiftable to positive values, the
        least squares overflow, development coefficient ``a = 0`` (no exponential trend,
        e.g. ``1, 3, 1, 3``), or the forecast overflows ``e^(−a·k)``.

    Notes
    -----
    ``gm11_batch(series[status == 0], horizon)`` then fits exactly the usable series, so
    a caller can fit those and name the others.
    """
    h = _horizon(horizon)
    x = np.asarray(series, dtype=float)
    if x.ndim < 1:
        raise ValueError(f"GM(1,1) needs series of shape (..., n), got shape {x.shape}")
    if x.shape[-1] < 4:
        return np.full(x.shape[:-1], GM11_SHORT, dtype=np.int8)
    finite = np.all(np.isfinite(x), axis=-1)
    status = np.full(x.shape[:-1], GM11_NOT_FINITE, dtype=np.int8)
    if finite.any():
        status[finite] = _gm11_core(x[finite], h).status
    return status


def gm11(series: ArrayLike, horizon: int = 0) -> GM11:
    """GM(1,1) fit and forecast of one series.

    See :func:`gm11_batch` for the model, the level-ratio test and shift, the
    posterior-error check and the refusals.

    Parameters
    ----------
    series : array_like, shape (n,)
        ``n ≥ 4`` finite values, not constant.
    horizon : int
        Number of periods to forecast.

    Returns
    -------
    GM11
        ``a``, ``b``, ``fitted`` (n,), ``forecast`` (horizon,), ``level_ratio_ok``,
        ``shift`` (0 if none), ``C``, ``P`` and ``grade`` (``"good"``, ``"qualified"``,
        ``"barely"`` or ``"unqualified"``).
    """
    x = np.asarray(series, dtype=float)
    if x.ndim != 1:
        raise ValueError(
            f"gm11 needs one series of shape (n,), got shape {x.shape} (gm11_batch takes batches)"
        )
    fit = gm11_batch(x, horizon)
    return GM11(
        a=float(fit.a),
        b=float(fit.b),
        fitted=fit.fitted,
        forecast=fit.forecast,
        level_ratio_ok=bool(fit.level_ratio_ok),
        shift=float(fit.shift),
        C=float(fit.C),
        P=float(fit.P),
        grade=GM11_GRADES[int(fit.grade)],
    )
