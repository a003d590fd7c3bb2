"""Markov and spatial Markov transition matrices of value classes, wrapping giddy.

Classes are either the intervals of a level scale, ``(edges[i-1], edges[i]]`` closed on
the right as cosyn's level tables (values ``≤ edges[0]`` in class 0, values above the
last edge in class ``len(edges)``; :func:`cosyn.methods.levels.classify`, and
mapclassify's ``UserDefined`` which giddy uses), or ``k`` quantiles of all the values
pooled over every entity and period (mapclassify ``Quantiles``; ``scope="period"``
takes the quantiles of each period instead, the relative classes of giddy's example).

Transitions are counted between consecutive periods (the columns of ``wide`` in their
order) and pooled over time: ``n_ij`` is the number of entity-years that go from class i
to class j, ``p_ij = n_ij / Σ_j n_ij`` (the maximum-likelihood estimator; Anderson and
Goodman 1957). A class that is never the origin of a transition has no estimate: its
row of P is NaN (with a note), never a silent row of zeros.

The spatial Markov chain (Rey 2001) conditions each transition on the class of the
entity's spatial lag in the starting period, the row-standardised weighted mean of its
neighbours' values, ``lag_i = Σ_j w_ij y_j``; giddy ``Spatial_Markov`` with
``fixed=True``: the lag classes are the ``m`` quantiles (default ``m = k``) of all the
lags pooled over entities and periods, or the intervals of ``lag_edges`` (default: the
same edges as the values). Homogeneity of the conditional matrices is tested by the
likelihood ratio LR and Pearson's Q (Bickenbach and Bode 2003), χ² with ``dof`` degrees
of freedom corrected for empty cells.

References
----------
Anderson, T. W. and Goodman, L. A. (1957). Statistical inference about Markov chains.
*Annals of Mathematical Statistics* 28(1):89–110.
Rey, S. J. (2001). Spatial empirics for economic growth and convergence. *Geographical
Analysis* 33(3):195–214.
Bickenbach, F. and Bode, E. (2003). Evaluating the Markov property in studies of economic
convergence. *International Regional Science Review* 26(3):363–392.
Rey, S. J., Kang, W. and Wolf, L. (2016). The properties of tests for spatial effects in
discrete Markov chain models of regional income distribution dynamics. *Journal of
Geographical Systems* 18(4):377–398 (giddy).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from cosyn.analysis.space import _as_frame, _pysal, neighbour_weights
from cosyn.errors import CosynWarning, DataError, SpecError, quote
from cosyn.methods.levels import classify

__all__ = ["MarkovResult", "SpatialMarkovResult", "markov", "spatial_markov"]


@dataclass(frozen=True)
class MarkovResult:
    """A Markov chain of value classes.

    Attributes
    ----------
    classes : list of str
        Class labels, lowest first.
    edges : tuple of float
        The upper edges of the classes but the last (``len(classes) - 1`` numbers).
    counts : DataFrame
        ``counts.loc[a, b]``: transitions from class a to class b (rows: from).
    P : DataFrame
        Transition probabilities, rows summing to 1; a row NaN when its class is never
        the origin of a transition.
    steady_state : Series
        The limiting distribution ``π = π P`` (giddy ``steady_state``), computed on the
        classes that start a transition (a class never left has share 0 when no
        transition leads into it); NaN when not unique or not estimable (see ``notes``).
    initial, final : Series
        The share of entities in each class in the first and last period.
    notes : tuple of str
    """

    classes: list[str]
    edges: tuple[float, ...]
    counts: pd.DataFrame
    P: pd.DataFrame
    steady_state: pd.Series
    initial: pd.Series
    final: pd.Series
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)


@dataclass(frozen=True)
class SpatialMarkovResult:
    """Spatial Markov chains: transitions conditioned on the spatial lag's class.

    Attributes
    ----------
    classes, lag_classes : list of str
        Labels of the value classes and of the lag classes.
    edges, lag_edges : tuple of float
    markov : MarkovResult
        The a-spatial (global) chain of the same classes.
    T : ndarray
        ``(m, k, k)`` counts: ``T[l, a, b]`` transitions from a to b of entities whose
        lag was in class l at the start.
    P : ndarray
        ``(m, k, k)`` conditional probabilities; rows with no transition are NaN.
    S : ndarray
        ``(m, k)`` conditional steady states; a row NaN when not unique or not estimable.
    LR, LR_p, Q, Q_p : float
        Homogeneity tests (Bickenbach and Bode 2003) and their χ² p-values.
    dof : int
        Their degrees of freedom, corrected for empty cells.
    notes : tuple of str
    """

    classes: list[str]
    lag_classes: list[str]
    edges: tuple[float, ...]
    lag_edges: tuple[float, ...]
    markov: MarkovResult
    T: np.ndarray
    P: np.ndarray
    S: np.ndarray
    LR: float
    LR_p: float
    Q: float
    Q_p: float
    dof: int
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def table(self) -> pd.DataFrame:
        """Long table: lag_class, from, to, count, probability (every cell)."""
        m, k, _ = self.T.shape
        lag, a, b = np.meshgrid(np.arange(m), np.arange(k), np.arange(k), indexing="ij")
        return pd.DataFrame(
            {
                "lag_class": np.asarray(self.lag_classes, dtype=object)[lag.ravel()],
                "from": np.asarray(self.classes, dtype=object)[a.ravel()],
                "to": np.asarray(self.classes, dtype=object)[b.ravel()],
                "count": self.T.ravel().astype(int),
                "probability": self.P.ravel(),
            }
        )


def _wide(wide: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(wide, pd.DataFrame):
        raise DataError(
            f"wide must be a DataFrame of entities × periods, got {type(wide).__name__}"
        )
    frame, _ = _as_frame(wide, min_entities=1)
    if frame.shape[1] < 2:
        raise DataError(
            f"transitions need at least 2 periods (columns); the values have {frame.shape[1]}"
        )
    return frame


def _check_edges(edges: Any, what: str = "edges") -> tuple[float, ...]:
    try:
        e = tuple(float(x) for x in edges)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a list of numbers, got {edges!r}") from None
    if not e or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise SpecError(f"{what} must be finite and strictly increasing, got {list(edges)!r}")
    return e


def _check_k(k: Any, what: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise SpecError(f"{what} must be a whole number of classes, 2 or more, got {k!r}")
    return int(k)


def _labels(edges: Sequence[float], labels: Sequence[str] | None, what: str) -> list[str]:
    n = len(edges) + 1
    if labels is None:
        if n == 1:
            return ["all"]
        show = [f"{e:.4g}" for e in edges]
        return (
            [f"≤{show[0]}"]
            + [f"({a}, {b}]" for a, b in itertools.pairwise(show)]
            + [f">{show[-1]}"]
        )
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise SpecError(f"{what} needs {n} labels for {n - 1} edges, got {len(labels)}")
    return labels


def _quantile_edges(values: np.ndarray, k: int, what: str, notes: list[str]) -> tuple[float, ...]:
    """Upper edges of ``k`` pooled quantile classes (mapclassify ``Quantiles``) but the
    last; fewer when tied values share a class (noted), an error when one class is left."""
    mc = _pysal("mapclassify", "Quantile classes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not enough unique values": handled below
        bins = np.asarray(mc.Quantiles(values.ravel(), k=k).bins, dtype=float)
    if len(bins) < 2:
        raise DataError(
            f"{what}: every value is {float(values.ravel()[0])!r}; quantile classes need "
            "at least two different values"
        )
    if len(bins) < k:
        notes.append(
            f"Not enough unique values in {what} for {k} quantile classes: {len(bins)} "
            "made (tied values share a class)"
        )
    return tuple(float(b) for b in bins[:-1])


def _classes(
    frame: pd.DataFrame,
    edges: Any,
    k: Any,
    scope: str,
    labels: Sequence[str] | None,
) -> tuple[np.ndarray, tuple[float, ...], list[str], list[str]]:
    """Class ids (entities × periods), the edges, the labels and notes."""
    notes: list[str] = []
    y = frame.to_numpy()
    if scope not in ("pooled", "period"):
        raise SpecError(f"scope must be 'pooled' or 'period', got {scope!r}")
    if (edges is None) == (k is None):
        raise SpecError("give either edges (a level scale) or k (quantile classes), not both")
    if edges is not None:
        e = _check_edges(edges)
        ids = classify(y, e)
        return ids, e, _labels(e, labels, "labels"), notes
    kk = _check_k(k)
    if scope == "pooled":
        e = _quantile_edges(y, kk, "the values", notes)
        ids = classify(y, e)
        names = labels if labels is not None else [f"Q{i + 1}" for i in range(len(e) + 1)]
        return ids, e, _labels(e, names, "labels"), notes
    mc = _pysal("mapclassify", "Quantile classes")
    cols = []
    for j, period in enumerate(frame.columns):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "not enough unique values": refused below
            q = mc.Quantiles(y[:, j], k=kk)
        if len(q.bins) < kk:
            raise DataError(
                f"period {quote(period)} has too many tied values for {kk} quantile classes"
            )
        cols.append(np.asarray(q.yb, dtype=np.intp))
    ids = np.column_stack(cols)
    names = labels if labels is not None else [f"Q{i + 1}" for i in range(kk)]
    notes.append("classes are the quantiles of each period (relative position), not pooled")
    return ids, (), _labels([0.0] * (kk - 1), names, "labels"), notes


def _quiet() -> contextlib.AbstractContextManager[Any]:
    return contextlib.redirect_stdout(io.StringIO())


def _stationary(p: np.ndarray) -> np.ndarray:
    """The stationary distributions of a stochastic matrix, one row per recurrent class.

    The recurrent classes are the strongly connected components of the transition graph
    that no transition leaves (scipy ``connected_components``); on each, π = πP is solved
    by the Grassmann–Taksar–Heyman algorithm (quantecon ``gth_solve``, the solver giddy's
    ``steady_state`` reaches through ``quantecon.MarkovChain``), here without numba
    compilation (``use_jit=False``), which would cost seconds in every new process. Zero
    outside the class.
    """
    from quantecon.markov import gth_solve
    from scipy.sparse.csgraph import connected_components

    edges = p > 0
    n_comp, comp = connected_components(edges, directed=True, connection="strong")
    rows = []
    for c in range(n_comp):
        inside = comp == c
        if edges[np.ix_(inside, ~inside)].any():  # transient: some transition leaves it
            continue
        row = np.zeros(p.shape[0])
        row[inside] = gth_solve(p[np.ix_(inside, inside)], use_jit=False)
        rows.append(row)
    return np.array(rows)


def _steady(p: np.ndarray, classes: Sequence[str]) -> tuple[np.ndarray, str | None]:
    """Steady state of a transition matrix whose empty rows are NaN, and why it is NaN.

    Returns the steady state (NaN where it cannot be given) and ``None``, or NaN and a
    short reason naming the classes concerned.
    """
    _pysal("giddy.ergodic", "The steady state")  # the extra's message when it is missing
    k = p.shape[0]
    seen = ~np.isnan(p).any(axis=1)
    out = np.full(k, np.nan)
    if not seen.any():
        return out, "no transition observed"
    sub = p[np.ix_(seen, seen)]
    if not np.allclose(sub.sum(axis=1), 1.0):
        into = np.flatnonzero((np.nan_to_num(p[seen]) > 0).any(axis=0) & ~seen)
        return out, (
            "not estimable: transitions lead into "
            + ", ".join(str(classes[int(i)]) for i in into)
            + ", never left in the data"
        )
    s = _stationary(sub)
    if s.shape[0] != 1:
        return out, f"not unique: {s.shape[0]} recurrent classes"
    out[:] = 0.0  # nothing flows into a class never left: its long-run share is 0
    out[seen] = s[0]
    return out, None


def _nan_rows(counts: np.ndarray) -> np.ndarray:
    rows = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, counts / np.where(rows > 0, rows, 1.0), np.nan)


def _shares(ids: np.ndarray, k: int, classes: list[str]) -> pd.Series:
    return pd.Series(np.bincount(ids, minlength=k)[:k] / len(ids), index=classes, name="share")


def markov(
    wide: pd.DataFrame,
    *,
    edges: Sequence[float] | None = None,
    k: int | None = None,
    labels: Sequence[str] | None = None,
    scope: Literal["pooled", "period"] = "pooled",
) -> MarkovResult:
    """Markov transition matrix of value classes (giddy ``Markov``).

    Parameters
    ----------
    wide : DataFrame
        Entities × periods, periods in time order (the column order is used).
    edges : sequence of float, optional
        Upper edges of the classes (a level scale), intervals ``(lower, upper]``.
    k : int, optional
        Number of quantile classes instead of edges (pooled over all periods, or per
        period with ``scope="period"``).
    labels : sequence of str, optional
        Class names (one more than the edges); default the intervals or ``Q1…Qk``.
    scope : {"pooled", "period"}
        Where the quantiles are taken (ignored with ``edges``).

    Returns
    -------
    MarkovResult

    Raises
    ------
    DataError
        Fewer than 2 periods, missing values (naming entity and period).
    SpecError
        Both or neither of ``edges`` and ``k``; bad edges; giddy not installed.
    """
    frame = _wide(wide)
    giddy_markov = _pysal("giddy.markov", "Markov chains")
    ids, e, classes, notes = _classes(frame, edges, k, scope, labels)
    n_classes = len(classes)
    with _quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = giddy_markov.Markov(ids, classes=np.arange(n_classes), summary=False)
    counts = np.asarray(m.transitions, dtype=float)
    p = _nan_rows(counts)
    empty = [classes[i] for i in np.flatnonzero(counts.sum(axis=1) == 0)]
    if empty:
        notes.append(
            f"class(es) {', '.join(empty)} never the start of a transition: their row of P "
            "is NaN (no estimate)"
        )
    steady, why = _steady(p, classes)
    if why is not None:
        notes.append(f"no steady state ({why})")
    return MarkovResult(
        classes=classes,
        edges=e,
        counts=pd.DataFrame(
            counts.astype(int),
            index=pd.Index(classes, name="from"),
            columns=pd.Index(classes, name="to"),
        ),
        P=pd.DataFrame(
            p, index=pd.Index(classes, name="from"), columns=pd.Index(classes, name="to")
        ),
        steady_state=pd.Series(steady, index=classes, name="steady_state"),
        initial=_shares(ids[:, 0], n_classes, classes),
        final=_shares(ids[:, -1], n_classes, classes),
        notes=tuple(notes),
    )


def spatial_markov(
    wide: pd.DataFrame,
    neighbours: Any,
    k: int | None = 5,
    *,
    edges: Sequence[float] | None = None,
    m: int | None = None,
    lag_edges: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    island: Literal["error", "keep"] = "error",
) -> SpatialMarkovResult:
    """Spatial Markov matrices conditioned on the class of the spatial lag (Rey 2001).

    giddy ``Spatial_Markov`` with ``fixed=True`` (classes from the values pooled over all
    periods). The value classes are ``k`` pooled quantiles, or the level scale ``edges``
    (then ``k`` is ignored). The spatial lag ``Σ_j w_ij y_ij`` (row-standardised
    weights) is classed by ``m`` pooled quantiles of all the lags (default ``m = k``),
    or by ``lag_edges`` (default: ``edges``, the same scale, when edges are given).

    Parameters
    ----------
    wide : DataFrame
        Entities × periods in time order.
    neighbours : DataFrame, path or libpysal W
        As in :func:`cosyn.analysis.space.neighbour_weights`; row-standardised here.
    k, edges, m, lag_edges, labels
        The classes (see above); ``labels`` name the value classes.
    island : {"error", "keep"}

    Returns
    -------
    SpatialMarkovResult

    Raises
    ------
    DataError, SpecError
        As :func:`markov` and :func:`~cosyn.analysis.space.neighbour_weights`.
    """
    frame = _wide(wide)
    giddy_markov = _pysal("giddy.markov", "Spatial Markov chains")
    notes: list[str] = []
    w = neighbour_weights(neighbours, list(frame.index), island=island, transform="r")
    y = frame.to_numpy()
    # The classes giddy would make itself (mapclassify Quantiles of the pooled values and
    # of the pooled lags W·y), made here so that ties and constant values get a message.
    lags = np.asarray(w.sparse @ y, dtype=float)
    if edges is not None:
        got_e = _check_edges(edges)
        got_le = _check_edges(lag_edges, "lag_edges") if lag_edges is not None else got_e
    else:
        kk = _check_k(k)
        got_e = _quantile_edges(y, kk, "the values", notes)
        if lag_edges is not None:
            got_le = _check_edges(lag_edges, "lag_edges")
        else:
            mm = _check_k(m, "m") if m is not None else kk
            got_le = _quantile_edges(lags, mm, "the spatial lags", notes)
    k_got, m_got = len(got_e) + 1, len(got_le) + 1
    with _quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = giddy_markov.Spatial_Markov(
            y,
            w,
            k=k_got,
            m=m_got,
            fixed=True,
            cutoffs=np.asarray(got_e),
            lag_cutoffs=np.asarray(got_le),
        )
        T = np.asarray(sm.T, dtype=float)
        LR, LR_p, Q, Q_p, dof = sm.LR, sm.LR_p_value, sm.Q, sm.Q_p_value, sm.dof_hom
    if edges is None:
        classes = _labels(got_e, labels or [f"Q{i + 1}" for i in range(k_got)], "labels")
        lag_names = [f"lag Q{i + 1}" for i in range(m_got)]
    else:
        classes = _labels(got_e, labels, "labels")
        lag_names = ["lag " + c for c in _labels(got_le, None, "lag labels")]
    glob = markov(frame, edges=got_e, labels=classes)
    P = _nan_rows(T)
    steadies = [_steady(P[i], classes) for i in range(m_got)]
    S = np.vstack([state for state, _ in steadies])
    why_lags: dict[str, list[str]] = {}
    for name, (_, why) in zip(lag_names, steadies, strict=True):
        if why is not None:
            why_lags.setdefault(why, []).append(name)
    if why_lags:
        notes.append(
            "no steady state for "
            + "; ".join(f"{', '.join(names)} ({why})" for why, names in why_lags.items())
        )
    empty = [
        f"{lag_names[i]}: {classes[a]}"
        for i, a in zip(*np.nonzero(T.sum(axis=2) == 0), strict=True)
    ]
    if empty:
        notes.append(
            f"{len(empty)} conditional row(s) with no transition, NaN in P ("
            + "; ".join(empty[:6])
            + ("; …" if len(empty) > 6 else "")
            + ")"
        )
    if island == "keep" and w.islands:
        notes.append(
            f"entities without neighbours ({', '.join(quote(i) for i in w.islands)}) have a "
            "spatial lag of 0"
        )
        warnings.warn(notes[-1], CosynWarning, stacklevel=2)
    return SpatialMarkovResult(
        classes=classes,
        lag_classes=lag_names,
        edges=got_e,
        lag_edges=got_le,
        markov=glob,
        T=T,
        P=P,
        S=S,
        LR=float(LR),
        LR_p=float(LR_p),
        Q=float(Q),
        Q_p=float(Q_p),
        dof=int(dof),
        notes=tuple(notes),
    )
