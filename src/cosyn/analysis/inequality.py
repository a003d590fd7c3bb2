"""Regional differences of a series across entities: Dagum Gini, Theil, σ/β-convergence.

pandas in, pandas out, around the NumPy kernels of :mod:`cosyn.methods.inequality`.
``values`` is a Series indexed by entity (one period) or a DataFrame entities × periods
(a "wide" table: one row per entity, one column per period); ``groups`` a Series
entity → group label. Groups are reported in the order of their first appearance in
``groups`` (restricted to the groups that have an entity in ``values``).

References
----------
Dagum C. (1997). A new approach to the decomposition of the Gini income inequality ratio.
*Empirical Economics* 22(4), 515–531.

Theil H. (1967). *Economics and Information Theory*. Amsterdam: North-Holland.

Barro R. J. & Sala-i-Martin X. (1992). Convergence. *Journal of Political Economy*
100(2), 223–251.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from cosyn.errors import DataError, quote
from cosyn.methods import inequality as kernels

__all__ = [
    "BetaConvergence",
    "DagumGini",
    "SigmaConvergence",
    "Theil",
    "beta_convergence",
    "dagum_gini",
    "sigma_convergence",
    "theil",
]


class _Fields:
    """``r["G"]`` as well as ``r.G``."""

    def __getitem__(self, key: str) -> Any:
        names = [f.name for f in fields(self)]  # type: ignore[arg-type]
        if key not in names:
            raise KeyError(f"{key!r}; the fields are {', '.join(names)}")
        return getattr(self, key)

    def keys(self) -> list[str]:
        return [f.name for f in fields(self)]  # type: ignore[arg-type]


def _wide(values: pd.Series | pd.DataFrame, what: str) -> tuple[pd.DataFrame, bool]:
    """``values`` as a float DataFrame entities × periods; whether it was one period."""
    if isinstance(values, pd.Series):
        frame = values.to_frame(name=values.name if values.name is not None else 0)
        single = True
    elif isinstance(values, pd.DataFrame):
        frame = values
        single = False
    else:
        raise DataError(
            f"{what}: values must be a Series indexed by entity or a DataFrame "
            f"entities × periods, got {type(values).__name__}"
        )
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"{what}: no values (shape {frame.shape})")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()
        raise DataError(f"{what}: entities appear more than once: {_names(dup)}")
    try:
        numeric = frame.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what}: values must be numbers ({exc})") from None
    missing = ~np.isfinite(numeric.to_numpy())
    if missing.any():
        cells = [
            f"entity {quote(numeric.index[i])}, period {quote(numeric.columns[t])}"
            for i, t in np.argwhere(missing)[:5]
        ]
        more = f" and {int(missing.sum()) - 5} more" if missing.sum() > 5 else ""
        raise DataError(
            f"{what}: missing or non-finite values at {'; '.join(cells)}{more}; "
            "fill or drop them first"
        )
    return numeric, single


def _names(labels: Any, limit: int = 10) -> str:
    items = [quote(x) for x in list(labels)[:limit]]
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(items) + more


def _nonnegative(frame: pd.DataFrame, what: str) -> None:
    a = frame.to_numpy()
    if (a < 0).any():
        i, t = np.argwhere(a < 0)[0]
        raise DataError(
            f"{what}: {kernels.NEGATIVE_MESSAGE} (entity {quote(frame.index[i])}, period "
            f"{quote(frame.columns[t])} is {a[i, t]!r})"
        )
    zero = ~(a > 0).any(axis=0)
    if zero.any():
        t = int(np.flatnonzero(zero)[0])
        raise DataError(
            f"{what}: every value in period {quote(frame.columns[t])} is 0, so the mean is 0 "
            "and the index is undefined (0/0); drop that period"
        )


def _codes(
    index: pd.Index, groups: pd.Series | dict[Hashable, Hashable], what: str
) -> tuple[np.ndarray, pd.Index]:
    """Integer group codes of the entities and the group labels in order of appearance."""
    if isinstance(groups, dict):
        groups = pd.Series(groups)
    if not isinstance(groups, pd.Series):
        raise DataError(f"{what}: groups must be a Series entity → group")
    if groups.index.has_duplicates:
        dup = groups.index[groups.index.duplicated()].unique()
        raise DataError(f"{what}: entities listed more than once in groups: {_names(dup)}")
    absent = index.difference(groups.index, sort=False)
    if len(absent) == 0:
        labels = groups.reindex(index)
        unset = labels.index[labels.isna()]
    else:
        unset = absent
    if len(unset):
        raise DataError(
            f"{what}: {len(unset)} entit{'y has' if len(unset) == 1 else 'ies have'} no group: "
            f"{_names(unset)}; add {'it' if len(unset) == 1 else 'them'} to groups"
        )
    labels = groups.reindex(index)
    used = set(labels)
    order = pd.Index([g for g in pd.unique(groups.to_numpy()) if g in used])
    codes = order.get_indexer(labels.to_numpy())
    return codes.astype(np.intp), order


def _by_period(arr: np.ndarray, columns: pd.Index, single: bool) -> Any:
    """A per-period array (T,) as a float (one period) or a Series over periods."""
    if single:
        return float(arr[0])
    return pd.Series(arr, index=columns, dtype=float)


def _per_group(arr: np.ndarray, columns: pd.Index, labels: pd.Index, single: bool) -> Any:
    """``(k, T)`` as a Series over groups (one period) or a DataFrame periods × groups."""
    if single:
        return pd.Series(arr[:, 0], index=labels, dtype=float)
    return pd.DataFrame(arr.T, index=columns, columns=labels, dtype=float)


def _per_pair(arr: np.ndarray, columns: pd.Index, labels: pd.Index, single: bool) -> Any:
    """``(k, k, T)`` symmetric → Series over pairs j < h or a DataFrame periods × pairs."""
    j, h = np.triu_indices(len(labels), 1)
    pairs = pd.MultiIndex.from_arrays([labels[j], labels[h]], names=["group_j", "group_h"])
    values = arr[j, h, :]  # (pairs, T)
    if single:
        return pd.Series(values[:, 0], index=pairs, dtype=float)
    return pd.DataFrame(values.T, index=columns, columns=pairs, dtype=float)


@dataclass(frozen=True)
class DagumGini(_Fields):
    """Dagum's Gini decomposition (see :func:`dagum_gini`).

    For one period (Series input) ``G``, ``Gw``, ``Gnb``, ``Gt`` are floats, ``shares`` a
    Series (Gw, Gnb, Gt), ``G_jj``/``mean`` Series over groups, ``G_jh``/``D_jh`` Series
    over group pairs (MultiIndex ``group_j``, ``group_h``). For a panel (DataFrame input)
    each is indexed by period: Series, and DataFrames periods × (components | groups |
    pairs). ``p`` is each group's share of entities (same in every period).
    """

    G: Any
    Gw: Any
    Gnb: Any
    Gt: Any
    shares: Any
    G_jj: Any
    G_jh: Any
    D_jh: Any
    mean: Any
    p: pd.Series


def dagum_gini(
    values: pd.Series | pd.DataFrame, groups: pd.Series | dict[Hashable, Hashable]
) -> DagumGini:
    """Dagum's (1997) decomposition of the Gini ratio by groups, per period.

    ``G = G_w + G_nb + G_t``: within-group inequality ``G_w = Σ_j G_jj p_j s_j``, the net
    between-group part ``G_nb = Σ_{j>h} G_jh (p_j s_h + p_h s_j) D_jh`` and the
    transvariation (overlap) ``G_t = Σ_{j>h} G_jh (p_j s_h + p_h s_j)(1 − D_jh)``, with
    ``p_j = n_j/n``, ``s_j = n_j μ_j/(n μ)``, groups ordered by mean. The formulas are in
    :func:`cosyn.methods.inequality.dagum_gini`.

    Parameters
    ----------
    values : Series or DataFrame
        Non-negative values: a Series indexed by entity (one period) or a DataFrame
        entities × periods.
    groups : Series or dict
        Entity → group label. Entities of ``groups`` absent from ``values`` are ignored.

    Returns
    -------
    DagumGini
        ``r.G`` or ``r["G"]``; ``shares`` are ``G_w/G``, ``G_nb/G``, ``G_t/G``.

    Raises
    ------
    DataError
        An entity without a group (all named), a missing value (entity and period named),
        a negative value (Gini needs y ≥ 0; U can be negative — analyse μ or D), or a
        period whose values are all 0 (the Gini ratio is 0/0 there).

    Notes
    -----
    A group with one entity (or all values equal) has ``G_jj = 0``; with one group,
    ``G_w = G``. In a period where every value is equal (but not 0), ``G = 0`` and the
    shares are NaN (0/0). ``D_jh`` (relative economic affluence) is reported ≥ 0 for each pair,
    the richer group of the period taken as ``j``; ``G_jh`` and ``D_jh`` are symmetric.
    """
    what = "dagum_gini"
    frame, single = _wide(values, what)
    codes, labels = _codes(frame.index, groups, what)
    _nonnegative(frame, what)
    r = kernels.dagum_gini(frame.to_numpy(), codes, len(labels))
    cols = frame.columns
    G = _by_period(r.G, cols, single)
    parts = np.stack([r.Gw, r.Gnb, r.Gt])  # (3, T)
    names = pd.Index(["Gw", "Gnb", "Gt"])
    G_all = np.atleast_1d(r.G)
    shares = _per_group(parts / np.where(G_all > 0, G_all, np.nan), cols, names, single)
    return DagumGini(
        G=G,
        Gw=_by_period(r.Gw, cols, single),
        Gnb=_by_period(r.Gnb, cols, single),
        Gt=_by_period(r.Gt, cols, single),
        shares=shares,
        G_jj=_per_group(r.G_jj, cols, labels, single),
        G_jh=_per_pair(r.G_jh, cols, labels, single),
        D_jh=_per_pair(r.D_jh, cols, labels, single),
        mean=_per_group(r.mean, cols, labels, single),
        p=pd.Series(r.p, index=labels, dtype=float),
    )


@dataclass(frozen=True)
class Theil(_Fields):
    """Theil's index and its decomposition (see :func:`theil`).

    ``T``, ``Tw``, ``Tb``: floats (one period) or Series over periods; ``shares``
    (Tw/T, Tb/T) a Series or DataFrame periods × (Tw, Tb); ``T_g`` per group (Series, or
    DataFrame periods × groups).
    """

    T: Any
    Tw: Any
    Tb: Any
    shares: Any
    T_g: Any


def theil(values: pd.Series | pd.DataFrame, groups: pd.Series | dict[Hashable, Hashable]) -> Theil:
    """Theil's T index per period with its within/between decomposition by groups.

    ``T = (1/n) Σ (y_i/μ) ln(y_i/μ) = T_w + T_b``, ``T_w = Σ_g s_g T_g``,
    ``T_b = Σ_g s_g ln(μ_g/μ)``, ``s_g = n_g μ_g/(n μ)`` (Theil 1967). A value of 0
    contributes ``0 · ln 0 = 0``.

    Parameters and errors as for :func:`dagum_gini`.
    """
    what = "theil"
    frame, single = _wide(values, what)
    codes, labels = _codes(frame.index, groups, what)
    _nonnegative(frame, what)
    r = kernels.theil(frame.to_numpy(), codes, len(labels))
    cols = frame.columns
    T = np.atleast_1d(r.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = np.stack([np.atleast_1d(r.Tw), np.atleast_1d(r.Tb)]) / np.where(T > 0, T, np.nan)
    return Theil(
        T=_by_period(T, cols, single),
        Tw=_by_period(np.atleast_1d(r.Tw), cols, single),
        Tb=_by_period(np.atleast_1d(r.Tb), cols, single),
        shares=_per_group(parts, cols, pd.Index(["Tw", "Tb"]), single),
        T_g=_per_group(r.T_g.reshape(len(labels), -1), cols, labels, single),
    )


@dataclass(frozen=True)
class SigmaConvergence(_Fields):
    """σ-convergence tables (see :func:`sigma_convergence`).

    ``panel``: DataFrame periods × (mean, sd, cv) over all entities. ``by_group``:
    DataFrame periods × MultiIndex (statistic, group), or None without groups.
    ``ddof``: the divisor convention of ``sd``.
    """

    panel: pd.DataFrame
    by_group: pd.DataFrame | None
    ddof: int


def sigma_convergence(
    wide: pd.DataFrame | pd.Series,
    groups: pd.Series | dict[Hashable, Hashable] | None = None,
    ddof: int = 0,
) -> SigmaConvergence:
    """Standard deviation and coefficient of variation per period (σ-convergence).

    ``σ_t = sqrt(Σ_i (y_it − ȳ_t)² / (n − ddof))``, ``CV_t = σ_t / ȳ_t``; a falling σ or
    CV over the periods is σ-convergence. ``ddof = 0`` (divisor ``n``) by default, the
    form the regional-convergence papers print; ``ddof = 1`` for the sample form.

    Parameters
    ----------
    wide : DataFrame or Series
        Entities × periods (a Series is one period).
    groups : Series or dict, optional
        Entity → group: the same statistics per group as well.
    ddof : {0, 1}

    Returns
    -------
    SigmaConvergence
        ``cv`` is NaN where the mean is 0. A group with fewer than ``ddof + 1`` entities
        has NaN ``sd`` and ``cv`` (one entity, ``ddof = 0``: ``sd = 0``).
    """
    what = "sigma_convergence"
    frame, _ = _wide(wide, what)
    if ddof not in (0, 1):
        raise DataError(f"{what}: ddof must be 0 or 1, got {ddof!r}")
    a = frame.to_numpy()
    mean, sd, cv = kernels.sigma_convergence(a, ddof)
    panel = pd.DataFrame({"mean": mean, "sd": sd, "cv": cv}, index=frame.columns)
    by_group = None
    if groups is not None:
        codes, labels = _codes(frame.index, groups, what)
        stats: dict[str, list[np.ndarray]] = {"mean": [], "sd": [], "cv": []}
        for j in range(len(labels)):  # one call per group, vectorised over periods
            rows = a[codes == j]
            if rows.shape[0] > ddof:
                m, s, c = kernels.sigma_convergence(rows, ddof)
            else:
                m, s, c = (
                    rows.mean(axis=0),
                    np.full(a.shape[1], np.nan),
                    np.full(a.shape[1], np.nan),
                )
            for key, v in zip(("mean", "sd", "cv"), (m, s, c), strict=True):
                stats[key].append(np.atleast_1d(v))
        columns = pd.MultiIndex.from_product(
            [["mean", "sd", "cv"], labels], names=["statistic", "group"]
        )
        data = np.concatenate([np.stack(stats[key], axis=1) for key in ("mean", "sd", "cv")], 1)
        by_group = pd.DataFrame(data, index=frame.columns, columns=columns)
    return SigmaConvergence(panel=panel, by_group=by_group, ddof=ddof)


@dataclass(frozen=True)
class BetaConvergence(_Fields):
    """Absolute β-convergence (see :func:`beta_convergence`).

    ``speed`` is NaN when ``1 + β·T ≤ 0`` (``note`` says so); ``growth`` the average
    log growth rate per entity.
    """

    beta: float
    se: float
    t: float
    p: float
    alpha: float
    alpha_se: float
    r2: float
    n: int
    span: float
    speed: float
    converging: bool
    note: str
    growth: pd.Series


def beta_convergence(wide: pd.DataFrame, span: float | None = None) -> BetaConvergence:
    """Absolute β-convergence between the first and last period.

    OLS across entities of ``(1/T) ln(y_iT / y_i0)`` on ``ln y_i0``: ``β``, its standard
    error, ``t``, the two-sided ``p`` (Student's t, ``n − 2`` degrees of freedom), ``R²``
    and the speed of convergence ``−ln(1 + β·T)/T`` (Barro & Sala-i-Martin 1992).
    ``converging`` is ``β < 0`` with ``p < 0.05``.

    Parameters
    ----------
    wide : DataFrame
        Entities × periods, values > 0; only the first and the last column are used.
    span : float, optional
        ``T``, the time from the first to the last period. Default: the number of period
        steps, ``columns − 1`` (e.g. 10 for 2010…2020 yearly).

    Raises
    ------
    DataError
        Fewer than 2 periods or 3 entities, a value ≤ 0 (named), all initial values equal.
    """
    what = "beta_convergence"
    frame, single = _wide(wide, what)
    if single or frame.shape[1] < 2:
        raise DataError(f"{what} needs at least 2 periods (a DataFrame entities × periods)")
    T = float(frame.shape[1] - 1) if span is None else float(span)
    first, last = frame.iloc[:, 0], frame.iloc[:, -1]
    for col in (first, last):
        bad = col.index[~(col > 0)]
        if len(bad):
            raise DataError(
                f"{what}: log growth needs values > 0; period {quote(col.name)} has "
                + ", ".join(f"{quote(e)} = {quote(col[e])}" for e in bad[:10])
                + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            )
    try:
        r = kernels.beta_convergence(first.to_numpy(), last.to_numpy(), T)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    note = ""
    if not np.isfinite(r.speed):
        note = (
            f"1 + β·T = {1 + r.beta * T:.4g} ≤ 0: the speed of convergence −ln(1 + β·T)/T "
            "is undefined"
        )
    return BetaConvergence(
        beta=r.beta,
        se=r.se,
        t=r.t,
        p=r.p,
        alpha=r.alpha,
        alpha_se=r.alpha_se,
        r2=r.r2,
        n=r.n,
        span=r.span,
        speed=r.speed,
        converging=bool(r.beta < 0 and r.p < 0.05),
        note=note,
        growth=pd.Series(r.growth, index=frame.index, name="growth"),
    )
