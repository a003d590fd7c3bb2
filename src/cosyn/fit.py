"""``fit(data, spec)``: the composite system synergy pipeline of METHOD.md §0–§5.

impute → bounds and order degrees → weights → subsystem order → synergy → levels and
stages. Each step is an array operation over the whole panel (entity axis first); the
only loop is over the subsystems of the spec.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from cosyn.diagnostics import FitArrays, run_diagnostics
from cosyn.errors import CosynWarning, DataError, SpecError, quote
from cosyn.methods import (
    ahp_weights,
    combine_weights,
    critic_information,
    cv_weights,
    efficacy,
    entropy_divergence,
    equal_weights,
    impute_linear,
    impute_regression,
    normalize_weights,
    subsystem_order,
    synergy_path,
)
from cosyn.methods.efficacy import widen
from cosyn.methods.impute import outside_observed
from cosyn.methods.pooled import ColumnMoments, EntropySums
from cosyn.methods.weights import _LOG_CELLS, _divergence, _sums
from cosyn.panel import Panel, build_panel
from cosyn.result import Result, WeightScores
from cosyn.spec import Method, Spec, Subsystem

if TYPE_CHECKING:
    from cosyn.engines.dask import DaskResult

__all__ = [
    "PanelFigures",
    "as_spec",
    "fit",
    "fit_panel",
    "observed_figures",
    "prepare",
    "weight_statistics",
]

_QUOTE = 5
Array = NDArray[np.float64]


def as_spec(spec: Spec | Mapping[str, Any] | str | Path) -> Spec:
    """A :class:`Spec` from a Spec, a mapping of spec keys, or the path of a TOML file.

    A Spec built directly (not through :meth:`Spec.from_dict` or :meth:`Spec.from_toml`)
    is validated as a whole here, by the same parser: its parts check their own values
    when built, but only the parser sees how they fit together (subjective weights for
    ``weights = "given"``, at least two subsystems, …).
    """
    if isinstance(spec, Spec):
        try:
            as_dict = spec.to_dict()
        except (TypeError, ValueError, AttributeError) as exc:
            raise SpecError(
                f"the cosyn.Spec given is inconsistent ({exc}); build it with "
                "cosyn.Spec.from_dict or from a TOML file to see every problem by key"
            ) from None
        return Spec.from_dict(as_dict, source=spec.source)
    if isinstance(spec, Mapping):
        return Spec.from_dict(spec)
    if isinstance(spec, str | Path):
        return Spec.from_toml(spec)
    raise SpecError(f"spec must be a cosyn.Spec, a dict or a TOML path, got {type(spec).__name__}")


ENGINES = ("numpy", "dask")


@overload
def fit(
    data: Any,
    spec: Spec | Mapping[str, Any] | str | Path,
    *,
    sheet: str | int | None = None,
    engine: Literal["numpy"] = "numpy",
) -> Result: ...


@overload
def fit(
    data: Any,
    spec: Spec | Mapping[str, Any] | str | Path,
    *,
    sheet: str | int | None = None,
    engine: Literal["dask"],
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    partition_entities: int | None = None,
) -> DaskResult: ...


def fit(
    data: Any,
    spec: Spec | Mapping[str, Any] | str | Path,
    *,
    sheet: str | int | None = None,
    engine: str = "numpy",
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    partition_entities: int | None = None,
) -> Result | DaskResult:
    """Fit the composite system synergy model to panel data.

    Parameters
    ----------
    data : path, pandas.DataFrame, xarray.Dataset or xarray.DataArray
        Indicator values by entity and period: a CSV/XLSX/Parquet file, a frame in wide
        layout (one column per indicator) or long layout (``indicator`` and ``value``
        columns), or an xarray object. Never modified. With ``engine="dask"``: a Parquet
        file or dataset folder, a ``dask.dataframe.DataFrame`` or a Dask-backed xarray
        object (and any of the above).
    spec : Spec, dict, or path of a TOML model file
    sheet : str or int, optional
        Worksheet to read when ``data`` is an XLSX file.
    engine : {"numpy", "dask"}
        ``"numpy"`` (the reference) holds the panel in memory; ``"dask"`` maps the same
        pipeline over chunks of whole entities on a Dask cluster (``pip install
        'cosyn[dask]'``; see :func:`cosyn.engines.dask.fit_dask`).
    scheduler, workers, memory_limit, partition_entities
        Dask engine only: the address of a running scheduler; or the number of workers
        and each worker's memory limit (e.g. ``"2GB"``) of the local cluster started for
        the fit; and the entities a chunk holds.

    Returns
    -------
    Result
        Arrays of every step; tidy tables are built on first access. With
        ``engine="dask"``, a :class:`cosyn.engines.dask.DaskResult` (lazy tables).

    Raises
    ------
    SpecError, DataError
        A message naming what is wrong, where, and what to do.

    Notes
    -----
    METHOD.md §0–§5: missing cells are filled per entity and indicator (``impute``);
    order degrees ``u`` by the efficacy coefficient with bounds widened by ``margin``;
    weights per subsystem; subsystem order degrees ``μ`` by ``aggregation``; synergy
    ``U = θ·(Π|Δμ_j|)^(1/k)`` from ``base``; levels and stages with ``(lower, upper]``
    intervals.
    """
    if engine not in ENGINES:
        raise SpecError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    dask_options = {
        "scheduler": scheduler,
        "workers": workers,
        "memory_limit": memory_limit,
        "partition_entities": partition_entities,
    }
    if engine == "dask":
        from cosyn.engines.dask import fit_dask

        return fit_dask(
            data,
            spec,
            scheduler=scheduler,
            workers=workers,
            memory_limit=memory_limit,
            partition_entities=partition_entities,
            sheet=sheet,
        )
    given = [k for k, v in dask_options.items() if v is not None]
    if given:
        raise SpecError(f"{', '.join(given)} apply to engine='dask' only; add engine='dask'")
    spec = as_spec(spec)
    panel = build_panel(data, spec, sheet)
    result = fit_panel(panel, spec)
    for note in result.notes:
        warnings.warn(note, CosynWarning, stacklevel=2)
    return result


@dataclass(frozen=True, eq=False)
class PanelFigures:
    """Figures of the whole panel given to a fit of a part of it (chunks of whole
    entities, :mod:`cosyn.engines.dask`), so that the part's numbers are the whole
    panel's.

    Attributes
    ----------
    low, high : ndarray (I,) or None
        Minimum and maximum of every indicator of the spec over the panel after
        imputation (``bounds = "panel"``, and the scale of the raw-value weight inputs
        with ``weights_scope = "panel"``).
    everywhere : ndarray of bool (I,) or None
        Indicators whose order degree is undefined for every entity
        (``on_constant = "drop"`` drops them from the panel).
    pooled : EntropySums or ColumnMoments or None
        The pooled weight statistics of the kept indicators (``weights_scope =
        "panel"``, :func:`weight_statistics` of every part merged).
    mu_low, mu_high : ndarray (k,) or None
        Minimum and maximum of each subsystem order degree over the panel (coupling).
    """

    low: Array | None = None
    high: Array | None = None
    everywhere: NDArray[np.bool_] | None = None
    pooled: EntropySums | ColumnMoments | None = None
    mu_low: Array | None = None
    mu_high: Array | None = None


@dataclass(frozen=True, eq=False)
class Prepared:
    """A panel up to its order degrees: what the weights start from."""

    spec: Spec  # without the indicators dropped as constant
    panel: Panel
    x: Array
    imputed: NDArray[np.bool_]
    lower: Array
    upper: Array
    u: Array
    positive: NDArray[np.bool_]
    keep: NDArray[np.bool_]
    active: NDArray[np.bool_] | None
    divergence: Array | None
    notes: list[str]
    low: Array | None  # the panel minimum and maximum of the kept indicators, if given
    high: Array | None
    ahead: _AheadOrder | None = None  # μ (and U) computed in the pass over the data


def prepare(panel: Panel, spec: Spec, figures: PanelFigures | None = None) -> Prepared:
    """Impute, bound, check constants and compute the order degrees (METHOD.md §0–§1)."""
    notes: list[str] = []
    positive = np.array([i.positive for i in spec.indicators])
    ahead = _Ahead.plan(spec, positive)
    x, imputed, lower, upper, top, flat = _complete_and_bound(panel, spec, notes, ahead, figures)
    everywhere = None if figures is None else figures.everywhere
    keep, active = _constant_indicators(x, lower, upper, flat, spec, panel, notes, everywhere)
    low = None if figures is None or figures.low is None else figures.low[keep]
    high = None if figures is None or figures.high is None else figures.high[keep]
    if not keep.all():
        spec, x, imputed = _drop(spec, keep, x, imputed)
        lower, upper, top = lower[..., keep], upper[..., keep], top[..., keep]
        positive = positive[keep]
    _check_active(active, spec, panel)
    _warn_outside_explicit(x, lower, upper, spec, panel, notes)
    order = None
    if ahead is not None and ahead.u is not None and keep.all() and active is None:
        u, divergence, order = ahead.u, ahead.divergence, ahead.order_done
    else:
        u = _order_degrees(x, positive, lower, upper, top, spec, active)
        divergence = None
    return Prepared(
        spec,
        panel,
        x,
        imputed,
        lower,
        upper,
        u,
        positive,
        keep,
        active,
        divergence,
        notes,
        low,
        high,
        order,
    )


def fit_panel(panel: Panel, spec: Spec, figures: PanelFigures | None = None) -> Result:
    """The pipeline of :func:`fit` on a :class:`~cosyn.panel.Panel`; notes are in the
    result (no warning is raised). ``figures`` gives the whole panel's figures when
    ``panel`` is a part of it."""
    method = spec.method
    base = _base_index(method.base, panel)
    p = prepare(panel, spec, figures)
    spec, notes = p.spec, p.notes
    pooled = None if figures is None else figures.pooled
    weights, cr, scores, panel_weights = _weights(
        p.x, p.u, p.positive, spec, panel, notes, p.active, p.divergence, pooled, p.low, p.high
    )
    membership = _membership(spec)
    mu, synergy, t0, t1 = _order_and_synergy(
        p.u, weights, membership, method, p.active, base, p.ahead
    )
    _check_synergy(synergy, t1, panel)
    arrays = FitArrays(
        p.x, p.positive, membership, p.u, weights, mu, synergy, base, p.active, panel_weights
    )
    mu_range = None
    if figures is not None and figures.mu_low is not None and figures.mu_high is not None:
        mu_range = (figures.mu_low, figures.mu_high)
    data_range = None if p.low is None or p.high is None else (p.low, p.high)
    diagnostics = run_diagnostics(
        spec, arrays, panel.entities, notes, mu_range, data_range, whole=figures is None
    )
    return Result(
        spec=spec,
        panel=panel,
        x=p.x,
        imputed=p.imputed,
        lower=p.lower,
        upper=p.upper,
        u=p.u,
        weight_values=weights,
        mu=mu,
        synergy_values=synergy,
        t0=t0,
        t1=t1,
        ahp_cr=cr,
        dropped=tuple(c for c, k in zip(panel.indicators, p.keep, strict=True) if not k),
        notes=tuple(notes),
        diagnostics=diagnostics,
        active=p.active,
        weight_scores=scores,
    )


def weight_statistics(p: Prepared) -> EntropySums | ColumnMoments | None:
    """What this part of the panel adds to the pooled weights of ``weights_scope =
    "panel"`` (None when the weights need no pooled figures): the entropy's sums, or the
    moments CRITIC and CV need, of the same matrix the whole-panel fit pools
    (:mod:`cosyn.methods.pooled`). ``p`` must have been prepared with the panel's
    ``low`` and ``high`` where the weight input scales raw values."""
    m = p.spec.method
    scheme = m.weights
    objective = m.objective if scheme == "combined" else scheme
    if m.weights_scope != "panel" or scheme in ("given", "ahp") or objective == "equal":
        return None
    u = p.u if p.active is None else np.where(p.active[:, None, :], p.u, 0.0)
    observed = None if p.low is None or p.high is None else (p.low, p.high)
    if objective == "entropy":
        matrix = _entropy_input(p.x, u, p.positive, m.entropy_input, "panel", observed)
        return EntropySums.of(matrix[0])
    if objective == "critic":
        if m.critic_input == "minmax":
            matrix = _minmax(_in_scope(p.x, "panel"), p.positive, observed)
        else:
            matrix = _in_scope(u, "panel")
        return ColumnMoments.of(matrix[0])
    assert observed is not None, "CV over the panel needs the panel's low and high"
    return ColumnMoments.of(_in_scope(p.x, "panel")[0] / _abs_scale(*observed))


def observed_figures(panel: Panel, spec: Spec) -> tuple[Array, Array, NDArray[np.bool_]]:
    """What a part of the panel adds to :class:`PanelFigures`: the minimum and maximum
    (I,) of every indicator after imputation, and whether each indicator's order degree
    is undefined (upper = lower) for every entity of the part, with bounds per entity."""
    x = panel.values
    if np.isnan(x).any():
        x, _ = _impute(panel, spec.method.impute, [])
        if not np.isfinite(x).all():
            raise _imputation_overflow(x, panel, spec)
    lower, upper = widen(x.min(axis=1), x.max(axis=1), spec.method.margin)
    _set_explicit_bounds(lower, upper, spec)
    with np.errstate(over="ignore", invalid="ignore"):
        undefined = np.asarray((upper - lower <= 0).all(axis=0))
    return x.min(axis=(0, 1)), x.max(axis=(0, 1)), undefined


def _abs_scale(low: Array, high: Array) -> Array:
    """The largest |x| of each column from its minimum and maximum (1 where it is 0)."""
    scale = np.maximum(np.abs(low), np.abs(high))
    return np.asarray(np.where(scale > 0, scale, 1.0))


def _base_index(base: str | int | float, panel: Panel) -> str | int:
    """``"first"``/``"adjacent"``, or the position of the named base period."""
    if base in ("first", "adjacent"):
        return str(base)
    periods = panel.periods
    candidates = [base, str(base)]
    if isinstance(base, str):
        with contextlib.suppress(ValueError):  # "2015" may name the period 2015
            candidates.append(int(base) if base.strip().lstrip("-").isdigit() else float(base))
    for c in candidates:
        try:
            pos = periods.get_loc(c)
        except (KeyError, TypeError, ValueError):
            continue
        if isinstance(pos, int):
            if pos == len(periods) - 1:
                raise SpecError(
                    f"spec key 'method.base': {base!r} is the last period; no later period "
                    "to compare with — choose an earlier base period"
                )
            return pos
    shown = _range(periods)
    raise SpecError(
        f"spec key 'method.base': {base!r} is not a period of the data (periods: {shown}); "
        "use 'first', 'adjacent' or one of the periods"
    )


def _range(index: Any) -> str:
    items = [str(v) for v in index]
    return ", ".join(items) if len(items) <= 8 else f"{items[0]} … {items[-1]} ({len(items)})"


def _complete_and_bound(
    panel: Panel,
    spec: Spec,
    notes: list[str],
    ahead: _Ahead | None = None,
    figures: PanelFigures | None = None,
) -> tuple[Array, NDArray[np.bool_], Array, Array, Array, NDArray[np.bool_]]:
    """Values after imputation, the filled-cell mask, the bounds (METHOD.md §0–§1), the
    largest value and where the data are constant in the bounds scope (max = min; the
    last two shaped as the bounds).

    The observed range of the raw values doubles as the test for missing cells (NaN
    propagates through min and max), so complete data costs no extra pass. Bounds that
    overflow, and explicit bounds that leave no room for the data, are refused here.
    With ``bounds = "panel"`` and ``figures``, the range is the whole panel's.
    With ``ahead``, the same pass over the data also computes what it can of the next
    steps (:class:`_Ahead`).
    """
    x = panel.values
    if x.shape[1] < 2:
        raise DataError(
            f"{panel.source} has a single period ({quote(panel.periods[0])}); synergy compares "
            "periods, so at least 2 are needed"
        )
    if ahead is not None:
        lo, hi, lower, upper = ahead.run(x)
    else:
        lo, hi = _observed_range(x, spec.method)
    if np.isfinite(lo).all() and np.isfinite(hi).all():
        imputed = np.zeros(x.shape, dtype=bool)
    else:
        if ahead is not None:
            ahead.discard()
        x, imputed = _impute(panel, spec.method.impute, notes)
        lo, hi = _observed_range(x, spec.method)
        if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
            raise _imputation_overflow(x, panel, spec)
    if spec.method.bounds == "panel" and figures is not None and figures.low is not None:
        assert figures.high is not None
        lo, hi = figures.low[None, None, :].copy(), figures.high[None, None, :].copy()
    if ahead is None or not ahead.done:
        lower, upper = widen(lo, hi, spec.method.margin)
    _set_explicit_bounds(lower, upper, spec)
    _check_bounds(x, lo, hi, lower, upper, spec, panel)
    return x, imputed, lower, upper, hi, hi == lo


def _set_explicit_bounds(lower: Array, upper: Array, spec: Spec) -> None:
    """Put the spec's explicit bounds in place of the widened ones (METHOD.md §1)."""
    for i, ind in enumerate(spec.indicators):
        if ind.lower is not None:
            lower[..., i] = ind.lower
        if ind.upper is not None:
            upper[..., i] = ind.upper


def _imputation_overflow(x: Array, panel: Panel, spec: Spec) -> DataError:
    """Filled-in values that do not fit in double precision (values near ±1e308)."""
    bad = ~np.isfinite(x).all(axis=1)  # (E, I)
    series = [
        f"indicator {spec.columns[i]!r}{_of_entity(panel, int(e))}"
        for e, i in np.argwhere(bad)[:_QUOTE]
    ]
    n = int(bad.sum())
    more = f" and {n - _QUOTE} more" if n > _QUOTE else ""
    return DataError(
        f"method.impute = {spec.method.impute!r} gives values too large for double precision "
        f"in {panel.source}: " + ", ".join(series) + more + " — rescale the column (divide it "
        "by a power of ten, e.g. express it in millions); order degrees do not depend on the "
        "unit"
    )


#: Entities a thread of :meth:`_Ahead.run` takes at a time (≈ 2 MiB of 30 × 40 cells):
#: the order degrees and entropy of a piece are computed while it is in cache.
AHEAD_CELLS = 262_144


class _Ahead:
    """Bounds, order degrees and entropy divergences in one pass over the data.

    For the common case — bounds per entity from the data (no explicit bounds) and, for
    the entropy, ``entropy_input = "order"`` per entity — each piece of entities has its
    range, widened bounds, u (METHOD.md §1) and divergence ``d`` (§2) computed while it is
    in cache, by the same kernels and so to the same bits as step by step. ``done`` says
    whether every piece could be (complete data whose spans are finite and positive);
    the checks of :func:`fit` still run on the bounds, and if a series is constant or
    dropped, or data are missing, fit computes u and d again step by step. With plain
    entropy weights (``weights = "entropy"``), each piece's weights and subsystem order
    degrees μ (§3) follow in the same pass, and the synergy path U (§4) from the first or
    adjacent period; :func:`_order_and_synergy` takes them when fit's weights are the
    same bit for bit.
    """

    def __init__(
        self,
        positive: NDArray[np.bool_],
        margin: float,
        entropy: bool,
        order: tuple[NDArray[np.bool_], str, list[slice], str | None] | None = None,
    ) -> None:
        self.positive = positive
        self.margin = margin
        self.entropy = entropy
        #: membership, aggregation, subsystem columns and base ("first", "adjacent" or
        #: None: a period, known with the panel), for μ and U from entropy weights
        self.order = order
        self.order_done: _AheadOrder | None = None
        self.done = False
        self.u: Array | None = None
        self.divergence: Array | None = None

    @classmethod
    def plan(cls, spec: Spec, positive: NDArray[np.bool_]) -> _Ahead | None:
        """An :class:`_Ahead` when the spec's bounds come from each entity's data."""
        m = spec.method
        if m.bounds != "entity" or any(
            i.lower is not None or i.upper is not None for i in spec.indicators
        ):
            return None
        objective = m.objective if m.weights == "combined" else m.weights
        entropy = (
            m.weights not in ("given", "ahp")
            and objective == "entropy"
            and m.entropy_input == "order"
            and m.weights_scope == "entity"
        )
        order = None
        if entropy and m.weights == "entropy":
            sizes = np.cumsum([0, *(len(sub.indicators) for sub in spec.subsystems)])
            cols = [slice(int(a), int(b)) for a, b in itertools.pairwise(sizes)]
            base = str(m.base) if m.base in ("first", "adjacent") else None
            order = (_membership(spec), m.aggregation, cols, base)
        return cls(positive, m.margin, entropy, order)

    def discard(self) -> None:
        """Forget u and d (the data were completed after the pass)."""
        self.done = False
        self.u = self.divergence = None

    def run(self, x: Array) -> tuple[Array, Array, Array, Array]:
        """Observed min and max, and the widened lower and upper bounds, (E, 1, I) each;
        u and d as far as ``done``, and μ and U remembered for :func:`_order_and_synergy`.

        Each piece goes through the operations of :func:`widen`, :func:`efficacy`
        (``clip = False``, ``data_max`` the observed maximum) and
        :func:`entropy_divergence`, written into arrays made once per thread; with plain
        entropy weights, the weights and μ (:func:`subsystem_order`) of the piece follow
        while its u is in cache, and the synergy path of each block after its pieces.
        """
        E, T, n_ind = x.shape
        lo, hi = np.empty((E, 1, n_ind)), np.empty((E, 1, n_ind))
        lower, upper = np.empty((E, 1, n_ind)), np.empty((E, 1, n_ind))
        u = np.empty_like(x)
        d = np.empty((E, n_ind)) if self.entropy else None
        order = self.order
        weights = np.empty((E, n_ind)) if order is not None else None
        mu = np.empty((E, T, order[0].shape[1])) if order is not None else None
        base = order[3] if order is not None else None
        path = (
            None if base is None else np.empty((E, len(synergy_path(np.zeros((1, T, 1)), base)[2])))
        )
        pos = self.positive
        negative = None if pos.all() else ~pos
        margin = self.margin
        if not np.isfinite(margin) or margin < 0:
            raise ValueError(f"margin must be finite and >= 0, got {margin!r}")
        step = max(1, AHEAD_CELLS // max(1, x[0].size))
        failed: list[bool] = []

        def block(s: slice) -> None:
            ok = True
            n = min(step, s.stop - s.start)
            work, span = np.empty((n, 1, n_ind)), np.empty((n, 1, n_ind))
            logs = np.empty((min(n, max(1, _LOG_CELLS // max(1, x[0].size))), T, n_ind))
            sums = np.empty((n, n_ind)), np.empty((n, n_ind))
            with np.errstate(over="ignore", invalid="ignore"):  # checked by the caller
                for a in range(s.start, s.stop, step):
                    c = slice(a, min(a + step, s.stop))
                    xs, lo_c, hi_c, lower_c, upper_c = x[c], lo[c], hi[c], lower[c], upper[c]
                    k = len(xs)
                    w, sp = work[:k], span[:k]
                    np.min(xs, axis=1, keepdims=True, out=lo_c)
                    np.max(xs, axis=1, keepdims=True, out=hi_c)
                    # widen(): lo − a·|lo| and hi + a·|hi|
                    np.subtract(lo_c, np.multiply(margin, np.abs(lo_c, out=w), out=w), out=lower_c)
                    np.add(hi_c, np.multiply(margin, np.abs(hi_c, out=w), out=w), out=upper_c)
                    np.subtract(upper_c, lower_c, out=sp)
                    # every span > 0 (a NaN fails) and finite
                    ok = ok and bool(sp.min() > 0 and sp.max() < np.inf)
                    if not ok:
                        continue  # the bounds still; u and d step by step after the checks
                    # efficacy(): (x − lower)/span, or (x − upper)/(−span)
                    uc = np.subtract(xs, np.where(pos, lower_c, upper_c), out=u[c])
                    uc /= np.where(pos, sp, -sp)
                    if negative is not None and np.any(negative & (hi_c >= upper_c)):
                        uc += 0.0  # x = upper on a negative indicator: +0.0, not −0.0
                    if d is not None:
                        total, xlogx = _sums(uc, sums[0][:k], sums[1][:k], logs)
                        d[c] = _divergence(total, xlogx, T)
                    if (
                        order is not None
                        and d is not None
                        and weights is not None
                        and mu is not None
                    ):
                        membership, aggregation, columns, _ = order
                        for cols in columns:  # entropy weights as _weights makes them
                            weights[c, cols] = normalize_weights(d[c, cols])
                        mu[c] = subsystem_order(uc, weights[c], membership, aggregation)  # type: ignore[arg-type]
                if ok and path is not None and mu is not None and base is not None:
                    path[s] = synergy_path(mu[s], base)[0]  # U of the block, from its μ
            failed.append(not ok)

        _per_entity_block(block, E)
        self.done = not any(failed)
        if self.done:
            self.u, self.divergence = u, d
            if order is not None and weights is not None and mu is not None:
                self.order_done = _AheadOrder(weights, order[0], order[1], mu, order[3], path)
        return lo, hi, lower, upper


@dataclass(frozen=True, eq=False)
class _AheadOrder:
    """μ (and U) that :meth:`_Ahead.run` computed while each piece of u was in cache,
    with the weights, membership and aggregation μ was computed from, and the base and
    path of U (or None). :func:`_order_and_synergy` takes them when it is given the same
    inputs, bit for bit; else it computes μ (and U) itself."""

    weights: Array
    membership: NDArray[np.bool_]
    aggregation: str
    mu: Array
    base: str | None = None
    path: Array | None = None

    def matches(
        self,
        weights: Array,
        membership: NDArray[np.bool_],
        aggregation: str,
        active: NDArray[np.bool_] | None,
    ) -> bool:
        """Whether μ was computed from these inputs (every indicator in use)."""
        w = np.asarray(weights, dtype=float)
        return (
            active is None
            and self.aggregation == aggregation
            and np.array_equal(self.membership, membership)
            and self.weights.shape == w.shape
            and bool(np.all(self.weights.view(np.uint64) == w.view(np.uint64)))
        )


def _observed_range(x: Array, method: Method) -> tuple[Array, Array]:
    """Min and max of the data in the bounds scope, shape (E, 1, I) or (1, 1, I)."""
    if method.bounds == "panel":
        return x.min(axis=(0, 1), keepdims=True), x.max(axis=(0, 1), keepdims=True)
    E, _, n_ind = x.shape
    lo, hi = np.empty((E, 1, n_ind)), np.empty((E, 1, n_ind))

    def step(s: slice) -> None:
        np.min(x[s], axis=1, keepdims=True, out=lo[s])
        np.max(x[s], axis=1, keepdims=True, out=hi[s])

    _per_entity_block(step, E)
    return lo, hi


def _check_bounds(
    x: Array, lo: Array, hi: Array, lower: Array, upper: Array, spec: Spec, panel: Panel
) -> None:
    """Refuse bounds that overflow, and explicit bounds with no room (METHOD.md §8).

    Only small (E, 1, I) arrays are read unless something is wrong.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        span = upper - lower
    finite = np.isfinite(span)
    if not finite.all():
        raise _overflow_error(x, lo, hi, lower, upper, ~finite, spec, panel)
    explicit = [
        n for n, i in enumerate(spec.indicators) if i.lower is not None or i.upper is not None
    ]
    if not explicit:
        return
    shut = np.zeros(span.shape, dtype=bool)
    shut[..., explicit] = span[..., explicit] <= 0
    if shut.any():
        raise _explicit_bound_error(lower, upper, shut, spec, panel)


def _scope_words(panel: Panel, rows: int, r: int) -> str:
    """The words naming the entity of bounds row ``r`` (none over the panel)."""
    if rows == 1 or panel.entity_name is None:
        return ""
    return f" for entity {quote(panel.entities[r])}"


def _overflow_error(
    x: Array,
    lo: Array,
    hi: Array,
    lower: Array,
    upper: Array,
    bad: NDArray[np.bool_],
    spec: Spec,
    panel: Panel,
) -> DataError:
    """Name the cells whose bounds, or whose range, do not fit in double precision."""
    rows = bad.shape[0]
    lines = []
    for r, _, i in np.argwhere(bad)[:_QUOTE]:
        ind = spec.indicators[i]
        where = _scope_words(panel, rows, r)
        series = x if rows == 1 else x[r : r + 1]
        for side, bound, explicit, raw, pick in (
            ("upper", upper, ind.upper, hi, np.argmax),
            ("lower", lower, ind.lower, lo, np.argmin),
        ):
            if explicit is None and not np.isfinite(bound[r, 0, i]):
                e, t = np.unravel_index(int(pick(series[..., i])), series.shape[:2])
                e = r if rows > 1 else e
                lines.append(
                    f"{_entity_words(panel, int(e))}period {quote(panel.periods[int(t)])}, "
                    f"indicator {ind.column!r} = {raw[r, 0, i]:.6g}: widened by method.margin "
                    f"= {spec.method.margin:g}, its {side} bound overflows double precision"
                )
                break
        else:
            keys = [
                f"{k} = {v:g}"
                for k, v in (("lower", ind.lower), ("upper", ind.upper))
                if v is not None
            ]
            given = f" (explicit {', '.join(keys)} in the spec)" if keys else ""
            lines.append(
                f"indicator {ind.column!r}{where} spans {lower[r, 0, i]:.6g} to "
                f"{upper[r, 0, i]:.6g}{given}: upper − lower overflows double precision"
            )
    n = int(bad.sum())
    more = f" and {n - _QUOTE} more" if n > _QUOTE else ""
    return DataError(
        f"values too large to compute with in {panel.source}: "
        + "; ".join(lines)
        + more
        + " — rescale the column (divide it by a power of ten, e.g. express it in millions); "
        "order degrees do not depend on the unit"
    )


def _explicit_bound_error(
    lower: Array, upper: Array, shut: NDArray[np.bool_], spec: Spec, panel: Panel
) -> DataError:
    """An explicit bound on the wrong side of the data's other bound (METHOD.md §8)."""
    rows = shut.shape[0]
    lines = []
    for i in np.flatnonzero(shut.any(axis=(0, 1))):
        ind = spec.indicators[i]
        r = int(np.flatnonzero(shut[:, 0, i])[0])
        n_rows = int(shut[:, 0, i].sum())
        where = _scope_words(panel, rows, r)
        more = f" (and {n_rows - 1} more entities)" if n_rows > 1 else ""
        lo_v, hi_v = lower[r, 0, i], upper[r, 0, i]
        key = f"spec key 'subsystems.{ind.subsystem}.indicators.{ind.column}.upper'"
        if ind.upper is not None and ind.lower is None:
            lines.append(
                f"the explicit upper bound {hi_v:g} ({key}) is not above the lower bound "
                f"{lo_v:g} that the data give{where}{more} (their minimum, widened by the "
                "margin)"
            )
        elif ind.lower is not None and ind.upper is None:
            key = key[: -len("upper'")] + "lower'"
            lines.append(
                f"the explicit lower bound {lo_v:g} ({key}) is not below the upper bound "
                f"{hi_v:g} that the data give{where}{more} (their maximum, widened by the "
                "margin)"
            )
        else:
            lines.append(
                f"the explicit bounds of indicator {ind.column!r} in subsystem "
                f"{ind.subsystem!r} (lower = {lo_v:g}, upper = {hi_v:g}) leave no range"
            )
    return DataError(
        "; ".join(lines)
        + " — the order degree needs upper > lower: give a bound on the other side of the "
        "data, give both bounds, or leave the bound out to use the data's range"
    )


def _impute(panel: Panel, how: str, notes: list[str]) -> tuple[Array, NDArray[np.bool_]]:
    """Fill missing cells (METHOD.md §0); return the values and the filled-cell mask."""
    x = panel.values
    T = x.shape[1]
    missing = np.isnan(x)
    counts = T - missing.sum(axis=1)  # (E, I)
    short = np.argwhere(counts < 2)
    if short.size:
        cells = [
            f"indicator {panel.indicators[i]!r}{_of_entity(panel, e)} has "
            f"{int(counts[e, i])} observed value{'s' if counts[e, i] != 1 else ''}"
            for e, i in short[:_QUOTE]
        ]
        more = f" and {len(short) - _QUOTE} more series" if len(short) > _QUOTE else ""
        raise DataError(
            f"too few observed values in {panel.source}: "
            + "; ".join(cells)
            + more
            + " — a series needs at least 2 observed periods to fill the others; add data "
            "or remove the indicator from the spec"
        )
    if how == "none":
        cells = [
            f"{_entity_words(panel, e)}period {quote(panel.periods[t])}, indicator "
            f"{panel.indicators[i]!r}"
            for e, t, i in np.argwhere(missing)[:_QUOTE]
        ]
        n = int(missing.sum())
        more = f" and {n - _QUOTE} more" if n > _QUOTE else ""
        raise DataError(
            f"missing values in {panel.source} with method.impute = 'none': "
            + "; ".join(cells)
            + more
            + " — fill them, or set method.impute to 'regression' or 'linear'"
        )
    _note_filled(panel, missing, how, notes)
    _note_extrapolation(panel, missing, how, notes)
    filler = impute_regression if how == "regression" else impute_linear
    with np.errstate(over="ignore", invalid="ignore"):  # checked with the bounds
        return filler(x, panel.time), missing


def _note_filled(panel: Panel, missing: NDArray[np.bool_], how: str, notes: list[str]) -> None:
    """Note every missing cell filled (the first few by entity, period and indicator).

    METHOD.md §8: a filled value is not an observed one; the note says how many cells
    were filled and names them, so a reader can find each in the data.
    """
    cells = np.argwhere(missing)
    if not len(cells):
        return
    named = [
        f"{_entity_words(panel, e)}period {quote(panel.periods[t])}, indicator "
        f"{panel.indicators[i]!r}"
        for e, t, i in cells[:_QUOTE]
    ]
    more = f"; and {len(cells) - _QUOTE} more" if len(cells) > _QUOTE else ""
    way = "a regression on time" if how == "regression" else "linear interpolation"
    notes.append(
        f"{len(cells)} missing cell{'s' if len(cells) != 1 else ''} filled by {way} "
        f"(method.impute = {how!r}): "
        + "; ".join(named)
        + more
        + ". The filled cells are flagged 'imputed' in order_degree"
    )


def _note_extrapolation(
    panel: Panel, missing: NDArray[np.bool_], how: str, notes: list[str]
) -> None:
    """Note the entities whose series are filled outside their observed periods.

    METHOD.md §8: a fill before a series' first or after its last observed period is an
    extrapolation (a regression line carried on, or the nearest value repeated), not an
    interpolation; the note names each entity (the first few, and a count) with the
    periods filled that way, and the series filled for more periods than observed.
    """
    observed = ~missing
    T = missing.shape[1]
    outside = outside_observed(missing)  # (E, T, I)
    if not outside.any():
        return
    per_entity: NDArray[np.bool_] = np.asarray(outside.any(axis=2))  # (E, T)
    ents = np.flatnonzero(per_entity.any(axis=1))
    parts = []
    for e in ents[:_QUOTE]:
        runs = _period_runs(panel, np.flatnonzero(per_entity[e]))
        parts.append(runs if panel.entity_name is None else f"{quote(panel.entities[e])} {runs}")
    more = f"; and {len(ents) - _QUOTE} more entities" if len(ents) > _QUOTE else ""
    long = int((outside.sum(axis=1) > observed.sum(axis=1)).sum())
    long_text = (
        f"; {long} series {'is' if long == 1 else 'are'} filled for more periods than observed "
        "— their values, and the synergy there, rest on the fill alone"
        if long
        else ""
    )
    way = "its regression line" if how == "regression" else "the nearest observed value"
    who = (
        ""
        if panel.entity_name is None
        else f" for {len(ents)} entit{'y' if len(ents) == 1 else 'ies'}"
    )
    notes.append(
        f"method.impute = {how!r} extrapolated past the observed periods ({way} carried on)"
        f"{who}, of {T} periods: "
        + "; ".join(parts)
        + more
        + long_text
        + ". The filled cells are flagged 'imputed' in order_degree"
    )


def _period_runs(panel: Panel, ts: NDArray[np.intp]) -> str:
    """ "2006–2025 (20 periods)" for consecutive period positions, runs joined by ", "."""
    breaks = np.flatnonzero(np.diff(ts) > 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(ts) - 1]])
    runs = []
    for a, b in zip(starts, ends, strict=True):
        first, last = quote(panel.periods[ts[a]]), quote(panel.periods[ts[b]])
        runs.append(first if a == b else f"{first}–{last}")
    return ", ".join(runs) + f" ({len(ts)} period{'s' if len(ts) != 1 else ''})"


def _of_entity(panel: Panel, e: int) -> str:
    return "" if panel.entity_name is None else f" of entity {quote(panel.entities[e])}"


def _entity_words(panel: Panel, e: int) -> str:
    return "" if panel.entity_name is None else f"entity {quote(panel.entities[e])}, "


def _constant_indicators(
    x: Array,
    lower: Array,
    upper: Array,
    flat: NDArray[np.bool_],
    spec: Spec,
    panel: Panel,
    notes: list[str],
    everywhere: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_] | None]:
    """Constant series (METHOD.md §8): the indicators to keep, and the (E, I) mask of
    those in use per entity (None when every kept indicator is in use everywhere).

    ``upper == lower`` (a series constant at 0, or any constant with ``margin = 0``): the
    order degree is undefined — an error, or with ``on_constant = "drop"`` the indicator
    is left out in the bounds scope: for every entity with ``bounds = "panel"`` (or when
    it is constant for every entity), else for the entities where it is constant only.
    Any other constant series (``max = min``, ``upper > lower``) carries no change over
    the periods: a note names it. ``everywhere``, when given, says which indicators are
    undefined for every entity of the whole panel (this panel being a part of it).
    """
    E, n_ind = x.shape[0], x.shape[2]
    undefined = np.broadcast_to((upper - lower <= 0)[:, 0, :], (E, n_ind))
    still = np.broadcast_to(flat[:, 0, :], (E, n_ind)) & ~undefined
    if still.any():
        notes.append(
            "; ".join(_constant_lines(x, still, spec, panel, flat.shape[0]))
            + " — a series with no change over the periods: its order degree is the same in "
            "every period, and entropy, CRITIC and CV weights give it 0"
        )
    keep = np.ones(n_ind, dtype=bool)
    if not undefined.any():
        return keep, None
    lines = _constant_lines(x, undefined, spec, panel, flat.shape[0])
    if spec.method.on_constant == "error":
        raise DataError(
            "; ".join(lines)
            + " — its order degree is undefined (upper bound = lower bound). Remove it from "
            "the spec, or set method.on_constant = 'drop' to leave it out"
        )
    if everywhere is None:
        everywhere = np.asarray(undefined.all(axis=0))
    keep = ~everywhere
    partial: NDArray[np.bool_] = np.asarray(undefined[:, keep])
    which = np.flatnonzero(undefined.any(axis=0))
    if partial.any():
        notes.append(
            "left out where constant (method.on_constant = 'drop'): "
            + "; ".join(line for line, i in zip(lines, which, strict=True) if not everywhere[i])
            + " — for those entities its weight is 0, the other indicators of its subsystem "
            "are renormalised, and its order degree u is left empty (in_use = False in "
            "order_degree)"
        )
    if everywhere.any():
        notes.append(
            "dropped (method.on_constant = 'drop'): "
            + "; ".join(line for line, i in zip(lines, which, strict=True) if everywhere[i])
        )
    return keep, (~partial if partial.any() else None)


def _constant_lines(
    x: Array, mask: NDArray[np.bool_], spec: Spec, panel: Panel, rows: int
) -> list[str]:
    """One line per indicator: which constant, and for which entities (the first few)."""
    lines = []
    panel_scope = rows == 1 and spec.method.bounds == "panel"
    for i in np.flatnonzero(mask.any(axis=0)):
        ents = np.flatnonzero(mask[:, i])
        values = x[ents, 0, i]
        if panel_scope or panel.entity_name is None:
            where = " over the panel" if panel.entity_name is not None and panel_scope else ""
            lines.append(
                f"indicator {spec.columns[i]!r} is constant at {x[ents[0], 0, i]:g}{where}"
            )
            continue
        if (values == values[0]).all():
            at = f" at {values[0]:g}"
            shown = ", ".join(quote(panel.entities[e]) for e in ents[:_QUOTE])
        else:
            at = ""
            shown = ", ".join(
                f"{quote(panel.entities[e])} (at {x[e, 0, i]:g})" for e in ents[:_QUOTE]
            )
        more = f" and {len(ents) - _QUOTE} more" if len(ents) > _QUOTE else ""
        lines.append(
            f"indicator {spec.columns[i]!r} is constant{at} for entit"
            f"{'y' if len(ents) == 1 else 'ies'} {shown}{more}"
        )
    return lines


def _check_active(active: NDArray[np.bool_] | None, spec: Spec, panel: Panel) -> None:
    """Every subsystem keeps at least one indicator in use for every entity."""
    if active is None:
        return
    start = 0
    for s in spec.subsystems:
        cols = slice(start, start + len(s.indicators))
        start = cols.stop
        empty = np.flatnonzero(~active[:, cols].any(axis=1))
        if empty.size:
            shown = ", ".join(quote(panel.entities[e]) for e in empty[:_QUOTE])
            more = f" and {empty.size - _QUOTE} more" if empty.size > _QUOTE else ""
            raise DataError(
                f"every indicator of subsystem {s.name!r} is constant for entit"
                f"{'y' if empty.size == 1 else 'ies'} {shown}{more}; the subsystem has no "
                "order degree there — add indicators that vary over the periods, or leave "
                "the entity out"
            )


def _drop(
    spec: Spec, keep: NDArray[np.bool_], x: Array, imputed: NDArray[np.bool_]
) -> tuple[Spec, Array, NDArray[np.bool_]]:
    """The spec without the dropped indicators, and the matching value arrays."""
    from dataclasses import replace

    kept = {c for c, k in zip(spec.columns, keep, strict=True) if k}
    subs = []
    for s in spec.subsystems:
        idx = [n for n, c in enumerate(s.columns) if c in kept]
        if not idx:
            raise DataError(
                f"every indicator of subsystem {s.name!r} is constant; the subsystem has no "
                "order degree — add indicators that vary over the periods"
            )
        if s.weights is not None and not any(s.weights[n] > 0 for n in idx):
            gone = ", ".join(repr(c) for c in s.columns if c not in kept)
            raise DataError(
                f"subsystem {s.name!r}: every indicator with a given weight above 0 is "
                f"constant and was dropped ({gone}; on_constant = 'drop'); the indicators "
                "left all have weight 0 — give them weights, or fix the data"
            )
        subs.append(_subset(s, idx))
    return replace(spec, subsystems=tuple(subs)), x[..., keep], imputed[..., keep]


def _subset(s: Subsystem, idx: list[int]) -> Subsystem:
    from dataclasses import replace

    weights = None if s.weights is None else tuple(s.weights[n] for n in idx)
    ahp = None if s.ahp is None else tuple(tuple(s.ahp[a][b] for b in idx) for a in idx)
    return replace(s, indicators=tuple(s.indicators[n] for n in idx), weights=weights, ahp=ahp)


def _warn_outside_explicit(
    x: Array, lower: Array, upper: Array, spec: Spec, panel: Panel, notes: list[str]
) -> None:
    explicit = [
        n for n, i in enumerate(spec.indicators) if i.lower is not None or i.upper is not None
    ]
    if not explicit:
        return
    outside = (x[..., explicit] < lower[..., explicit]) | (x[..., explicit] > upper[..., explicit])
    if not outside.any():
        return
    cells = [
        f"{_entity_words(panel, e)}period {quote(panel.periods[t])}, indicator "
        f"{spec.columns[explicit[i]]!r} = {x[e, t, explicit[i]]:g}"
        for e, t, i in np.argwhere(outside)[:_QUOTE]
    ]
    n = int(outside.sum())
    more = f" and {n - _QUOTE} more" if n > _QUOTE else ""
    notes.append(
        "values outside the explicit bounds, their order degree clipped to [0, 1]: "
        + "; ".join(cells)
        + more
    )


#: Fewest entities per thread: below twice this, fit runs its per-entity steps on one
#: thread (threads pay off only on large panels).
MIN_BLOCK_ENTITIES = 2048
#: Parts of each thread's share of the entities, handed out to whichever thread is free.
PARTS_PER_THREAD = 4


def _entity_blocks(E: int) -> list[slice]:
    """Blocks of the entity axis, one per available CPU, each ≥ MIN_BLOCK_ENTITIES."""
    n = min(
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
        E // MIN_BLOCK_ENTITIES,
    )
    if n <= 1:
        return [slice(0, E)]
    edges = np.linspace(0, E, n + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _per_entity_block(step: Callable[[slice], None], E: int) -> None:
    """Run ``step`` on blocks of entities, in threads when there are several blocks.

    Only for steps that are independent per entity, each block writing its own part of a
    preallocated output: the result is identical to one call over all entities (NumPy
    releases the GIL in its loops, so the blocks run on the machine's cores at once).
    Each thread's block is cut into :data:`PARTS_PER_THREAD` parts taken in turn by the
    first free thread, so that a thread the system holds back (a machine shared with
    other work) leaves its remaining parts to the others.
    """
    blocks = _entity_blocks(E)
    if len(blocks) == 1:
        step(blocks[0])
        return
    edges = np.linspace(0, E, len(blocks) * PARTS_PER_THREAD + 1).astype(int)
    parts = [slice(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]
    with ThreadPoolExecutor(len(blocks)) as pool:
        for done in [pool.submit(step, p) for p in parts]:
            done.result()


def _order_degrees(
    x: Array,
    positive: NDArray[np.bool_],
    lower: Array,
    upper: Array,
    top: Array,
    spec: Spec,
    active: NDArray[np.bool_] | None,
) -> Array:
    """u of every cell (METHOD.md §1), per block of entities; NaN where not in use.

    ``top`` is the data's maximum in the bounds scope (shaped as the bounds).
    """
    explicit = any(i.lower is not None or i.upper is not None for i in spec.indicators)
    u = np.empty_like(x)
    if active is not None:  # bounds per entity: a left-out series has upper = lower
        upper = np.where(active[:, None, :], upper, lower + 1.0)

    def step(s: slice) -> None:
        lo = lower if lower.shape[0] == 1 else lower[s]
        hi = upper if upper.shape[0] == 1 else upper[s]
        most = top if top.shape[0] == 1 else top[s]
        efficacy(x[s], positive, lower=lo, upper=hi, clip=explicit, out=u[s], data_max=most)

    _per_entity_block(step, x.shape[0])
    if active is not None:
        np.copyto(u, np.nan, where=~active[:, None, :])
    return u


def _order_and_synergy(
    u: Array,
    weights: Array,
    membership: NDArray[np.bool_],
    method: Method,
    active: NDArray[np.bool_] | None,
    base: str | int,
    ahead: _AheadOrder | None = None,
) -> tuple[Array, Array, NDArray[np.intp], NDArray[np.intp]]:
    """Subsystem order degrees μ (METHOD.md §3) and the synergy path U (§4), per block of
    entities; with the base and compared period of each column of U. ``ahead`` holds μ
    (and U) computed in the pass over the data (:class:`_AheadOrder`), taken when it was
    computed from these inputs."""
    E, T = u.shape[:2]
    done = (
        ahead
        if ahead is not None and ahead.matches(weights, membership, method.aggregation, active)
        else None
    )
    mu = done.mu if done is not None else np.empty((E, T, membership.shape[1]))
    _, t0, t1 = synergy_path(np.zeros((1, *mu.shape[1:])), base)  # the periods compared
    if done is not None and done.base == base and done.path is not None:
        return mu, done.path, t0, t1
    synergy = np.empty((E, len(t1)))

    def step(s: slice) -> None:
        if done is None:
            act = None if active is None else active[s]
            mu[s] = subsystem_order(u[s], weights[s], membership, method.aggregation, act)  # type: ignore[arg-type]
        synergy[s] = synergy_path(mu[s], base)[0]

    _per_entity_block(step, E)
    return mu, synergy, t0, t1


def _membership(spec: Spec) -> NDArray[np.bool_]:
    names = [s.name for s in spec.subsystems]
    mem = np.zeros((len(spec.indicators), len(names)), dtype=bool)
    for n, ind in enumerate(spec.indicators):
        mem[n, names.index(ind.subsystem)] = True
    return mem


def _weights(
    x: Array,
    u: Array,
    positive: NDArray[np.bool_],
    spec: Spec,
    panel: Panel,
    notes: list[str],
    active: NDArray[np.bool_] | None = None,
    divergence: Array | None = None,
    pooled: EntropySums | ColumnMoments | None = None,
    low: Array | None = None,
    high: Array | None = None,
) -> tuple[Array, dict[str, float], WeightScores, Array | None]:
    """Weights (E, I), normalised within each subsystem (METHOD.md §2), the AHP
    consistency ratios, the scores the weights were computed from, and — with
    ``weights_scope = "panel"`` and some indicator left out for some entity — the panel's
    weight vector (I,) before any is left out (the robustness draws are made around it).

    Subjective weights (given, AHP) are normalised again here, after any drop. An
    indicator left out for an entity (``active`` False) gets weight 0 there and the
    others of its subsystem are renormalised. Scores come from the weights scope: per
    entity, a left-out series counts as absent; pooled over the panel, the entity's cells
    of it enter as u = 0 (their raw values are 0: the series is constant at 0).
    ``divergence``, when given, holds the entropy divergences already computed per
    entity from u (:class:`_Ahead`). ``pooled`` (with the panel's ``low`` and ``high``)
    holds the whole panel's statistics when ``x`` is a part of it and the weights scope
    is the panel (:func:`weight_statistics`).
    """
    method = spec.method
    E, _, n_ind = x.shape
    scheme = method.weights
    objective = method.objective if scheme == "combined" else scheme
    scope = method.weights_scope
    if active is not None:
        u = np.where(active[:, None, :], u, 0.0)
        if scope == "entity":  # a constant column: no information, and a positive mean
            x = np.where(active[:, None, :], x, 1.0)
    if isinstance(pooled, EntropySums) and scope == "panel":
        divergence = pooled.divergence()[None, :]
    if divergence is None and scheme not in ("given", "ahp") and objective == "entropy":
        # One pass over every column; each subsystem then normalises its own slice.
        matrix = _entropy_input(x, u, positive, method.entropy_input, scope)
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            if scope == "entity":
                d = np.empty((E, n_ind))

                def step(s: slice) -> None:
                    d[s] = entropy_divergence(matrix[s], validate=False)

                _per_entity_block(step, E)
                divergence = d
            else:
                divergence = entropy_divergence(matrix, validate=False)
    weights = np.empty((E, n_ind))
    crs: dict[str, float] = {}
    rows = E if scope == "entity" else 1
    if divergence is not None:
        values: dict[str, Array] = {"e": 1.0 - divergence, "d": divergence}
    else:
        values = {
            name: np.full((rows, n_ind), np.nan)
            for name in {
                "critic": ("sigma", "conflict", "information"),
                "cv": ("mean", "sd", "cv"),
            }.get(objective, ())
        }
    objective_w = np.full((E, n_ind), np.nan) if scheme == "combined" else None
    unmasked = np.empty(n_ind) if scope == "panel" and active is not None else None
    subjective_w = np.full((E, n_ind), np.nan) if scheme in ("given", "ahp", "combined") else None
    start = 0
    for s in spec.subsystems:
        cols = slice(start, start + len(s.indicators))
        start = cols.stop
        act = None if active is None else active[:, cols]
        subjective = whole = None
        if scheme in ("given", "ahp", "combined"):
            if s.weights is not None and scheme != "ahp":
                subjective = normalize_weights(np.asarray(s.weights, dtype=float))
            else:
                assert s.ahp is not None  # guaranteed by Spec validation
                subjective, crs[s.name] = ahp_weights(np.asarray(s.ahp))
            whole = subjective
            if act is not None:
                subjective = normalize_weights(subjective, act)
            assert subjective_w is not None
            subjective_w[:, cols] = np.broadcast_to(subjective, (E, len(s.indicators)))
        if subjective is not None and scheme != "combined":
            w = subjective
        else:
            if divergence is not None:
                _note_equal(divergence[:, cols], "entropy", s, spec, panel, notes, act)
                w = normalize_weights(divergence[:, cols], act if scope == "entity" else None)
            else:
                w = _objective(
                    objective,
                    x[..., cols],
                    u[..., cols],
                    positive[cols],
                    s,
                    spec,
                    panel,
                    notes,
                    act,
                    {name: v[:, cols] for name, v in values.items()},
                    _pooled_columns(pooled, cols, low, high),
                )
            if unmasked is not None:  # one row with the panel scope
                row = np.asarray(w).reshape(-1, len(s.indicators))[0]
                whole = (
                    row
                    if whole is None
                    else combine_weights(whole, row, method.combine_lambda, method.combine)
                )
            if act is not None:
                w = normalize_weights(np.broadcast_to(w, (E, len(s.indicators))), act)
            if objective_w is not None:
                objective_w[:, cols] = np.broadcast_to(w, (E, len(s.indicators)))
            if subjective is not None:
                w = combine_weights(subjective, w, method.combine_lambda, method.combine)
                if act is not None:  # a multiplicative row of zeros: equal over the active
                    w = normalize_weights(w, act)
        weights[:, cols] = np.broadcast_to(w, (E, len(s.indicators)))
        if unmasked is not None and whole is not None:
            unmasked[cols] = whole
    if not np.isfinite(weights).all():
        raise _weights_overflow(weights, x, spec, panel)
    method_name = None if scheme in ("given", "ahp") or objective == "equal" else objective
    scores = WeightScores(method_name, values, objective_w, subjective_w)
    return weights, crs, scores, unmasked


def _weights_overflow(weights: Array, x: Array, spec: Spec, panel: Panel) -> DataError:
    """Weights that could not be computed: raw values so large that the sums overflow."""
    bad = np.flatnonzero(~np.isfinite(weights).all(axis=0))
    m = spec.method
    how = m.weights if m.weights != "combined" else f"combined, objective {m.objective}"
    if "entropy" in how:
        how += f", entropy_input = {m.entropy_input!r}"
    if "critic" in how:
        how += f", critic_input = {m.critic_input!r}"
    cols = ", ".join(
        f"{spec.columns[i]!r} (values as large as {np.abs(x[..., i]).max():.3g})"
        for i in bad[:_QUOTE]
    )
    return DataError(
        f"the weights (method.weights = {how}) overflow double precision in {panel.source} "
        f"for indicator {cols} — rescale the column (divide it by a power of ten, e.g. "
        "express it in millions), or use entropy_input = 'order'"
    )


def _check_synergy(synergy: Array, t1: NDArray[np.intp], panel: Panel) -> None:
    """A NaN synergy never reaches the level lookup (METHOD.md §8)."""
    if np.isfinite(synergy).all():
        return
    e, p = (int(v) for v in np.argwhere(~np.isfinite(synergy))[0])
    n = int((~np.isfinite(synergy)).sum())
    raise DataError(
        f"the synergy degree of {_entity_words(panel, e)}period {quote(panel.periods[t1[p]])} "
        f"is not a number ({n} value(s) in all) — check that entity's data for values near "
        "±1e308 or an indicator that does not vary, and rescale or remove it"
    )


def _in_scope(a: Array, scope: str) -> Array:
    """(E, T, m) as is, or pooled into (1, E·T, m) for ``weights_scope = "panel"``."""
    return a if scope == "entity" else a.reshape(1, -1, a.shape[-1])


def _objective(
    name: str,
    x: Array,
    u: Array,
    positive: NDArray[np.bool_],
    s: Subsystem,
    spec: Spec,
    panel: Panel,
    notes: list[str],
    active: NDArray[np.bool_] | None = None,
    scores: dict[str, Array] | None = None,
    pooled: tuple[ColumnMoments, Array] | None = None,
) -> Array:
    """Equal, CV or CRITIC weights of one subsystem, shape (E, m) or (1, m).

    ``scores`` (views of the subsystem's columns, rows as the weights scope) receive what
    the weights are computed from: CV's mean, sd and ratio; CRITIC's σ, conflict and
    information (:class:`cosyn.result.WeightScores`). ``pooled`` holds the whole panel's
    moments of the subsystem's columns and the CV scale, when ``x`` is a part of the
    panel and the scope is the panel.
    """
    scope = spec.method.weights_scope
    if name == "equal":
        return equal_weights(u.shape[-1])[None, :]
    if pooled is not None and scope == "panel":
        return _pooled_objective(name, pooled, s, spec, panel, notes, scores)
    if name == "cv":
        raw = _in_scope(x, scope)
        # the sign of the mean, on the columns scaled to |x| ≤ 1 (a raw sum can overflow)
        scale = np.abs(raw).max(axis=-2)
        mean = (raw / np.where(scale > 0, scale, 1.0)[..., None, :]).mean(axis=-2)
        if np.any(mean <= 0):
            e, i = (int(v) for v in np.argwhere(mean <= 0)[0])
            who = "" if scope == "panel" else _of_entity(panel, e)
            raise DataError(
                f"method.weights = 'cv' needs positive means, but indicator "
                f"{s.columns[i]!r}{who} has mean {mean[e, i] * scale[e, i]:g} — use another "
                "weighting such as 'entropy' or 'critic'"
            )
        with np.errstate(over="ignore", invalid="ignore"):  # checked by the caller
            if scores is not None:  # on the scaled columns, as cv_weights computes them
                sd = (raw / np.where(scale > 0, scale, 1.0)[..., None, :]).std(axis=-2, ddof=1)
                scores["mean"][...] = mean * scale
                scores["sd"][...] = sd * scale
                scores["cv"][...] = sd / mean
            return cv_weights(raw)
    if spec.method.critic_input == "minmax":
        matrix = _minmax(_in_scope(x, scope), positive)
    else:
        matrix = _in_scope(u, scope)
    act = active if scope == "entity" else None
    with np.errstate(over="ignore", invalid="ignore"):
        info = np.clip(critic_information(matrix, act), 0.0, None)
        if scores is not None:
            constant = matrix.max(axis=-2) == matrix.min(axis=-2)
            sigma = np.where(constant, 0.0, matrix.std(axis=-2, ddof=1))
            scores["sigma"][...] = sigma
            scores["conflict"][...] = np.where(
                sigma > 0, info / np.where(sigma > 0, sigma, 1.0), np.nan
            )
            scores["information"][...] = info
    _note_equal(info, "CRITIC", s, spec, panel, notes, act)
    return normalize_weights(info, act)


def _pooled_columns(
    pooled: EntropySums | ColumnMoments | None,
    cols: slice,
    low: Array | None,
    high: Array | None,
) -> tuple[ColumnMoments, Array] | None:
    """The moments of one subsystem's columns, and their CV scale (the largest |x|)."""
    if not isinstance(pooled, ColumnMoments):
        return None
    part = ColumnMoments(
        pooled.n,
        pooled.mean[cols],
        pooled.comoment[cols, cols],
        pooled.low[cols],
        pooled.high[cols],
    )
    scale = np.ones(part.mean.shape) if low is None or high is None else _abs_scale(low, high)[cols]
    return part, scale


def _pooled_objective(
    name: str,
    pooled: tuple[ColumnMoments, Array],
    s: Subsystem,
    spec: Spec,
    panel: Panel,
    notes: list[str],
    scores: dict[str, Array] | None,
) -> Array:
    """CV or CRITIC weights (1, m) of one subsystem from the panel's pooled moments, as
    :func:`_objective` computes them from the stacked panel."""
    moments, scale = pooled
    sd = moments.std()[None, :]
    if name == "cv":  # the moments are of the columns divided by their largest |x|
        mean = moments.mean[None, :]
        if np.any(mean <= 0):
            i = int(np.argwhere(mean <= 0)[0][1])
            raise DataError(
                f"method.weights = 'cv' needs positive means, but indicator "
                f"{s.columns[i]!r} has mean {mean[0, i] * scale[i]:g} — use another "
                "weighting such as 'entropy' or 'critic'"
            )
        with np.errstate(over="ignore", invalid="ignore"):  # checked by the caller
            if scores is not None:
                scores["mean"][...] = mean * scale
                scores["sd"][...] = sd * scale
                scores["cv"][...] = sd / mean
            return normalize_weights(sd / mean)
    with np.errstate(over="ignore", invalid="ignore"):
        info = np.clip(moments.critic_information(), 0.0, None)[None, :]
        if scores is not None:
            scores["sigma"][...] = sd
            scores["conflict"][...] = np.where(sd > 0, info / np.where(sd > 0, sd, 1.0), np.nan)
            scores["information"][...] = info
    _note_equal(info, "CRITIC", s, spec, panel, notes)
    return normalize_weights(info)


def _note_equal(
    score: Array,
    what: str,
    s: Subsystem,
    spec: Spec,
    panel: Panel,
    notes: list[str],
    active: NDArray[np.bool_] | None = None,
) -> None:
    scope = spec.method.weights_scope
    flat = ~(score > 0).any(axis=-1)
    if active is not None and flat.shape[0] > 1:  # one indicator left: no choice to make
        flat &= active.sum(axis=-1) > 1
    if not flat.any():
        return
    if scope == "panel" or panel.entity_name is None:
        where = ""
    else:
        ents = [quote(panel.entities[int(e)]) for e in np.flatnonzero(flat)]
        where = (
            " for entity "
            + ", ".join(ents[:_QUOTE])
            + (f" and {len(ents) - _QUOTE} more" if len(ents) > _QUOTE else "")
        )
    notes.append(
        f"no indicator of subsystem {s.name!r} carries {what} information{where}: its "
        "weights are equal"
    )


def _entropy_input(
    x: Array,
    u: Array,
    positive: NDArray[np.bool_],
    how: str,
    scope: str,
    observed: tuple[Array, Array] | None = None,
) -> Array:
    """The non-negative matrix the entropy weights are computed from (``entropy_input``).

    ``order``: the order degrees u. ``minmax``: raw values scaled to [0, 1] within the
    weights scope, reversed for negative indicators. ``rescale``: the same into
    [0.002, 0.998]. ``shift`` (SPSSAU's convention): the raw values, negated for negative
    indicators, and a column with any value ≤ 0 shifted by ``|min| + 0.01``.
    ``observed`` — the minimum and maximum (I,) of each column over the whole panel —
    replaces those of ``x`` when ``x`` is a part of the panel.
    """
    if how == "order":
        return _in_scope(u, scope)
    raw = _in_scope(x, scope)
    if how == "shift":
        v = np.where(positive, raw, -raw)
        if observed is None:
            low = v.min(axis=-2, keepdims=True)
            high = v.max(axis=-2, keepdims=True)
        else:  # the extremes of −x are −max and −min
            low = np.where(positive, observed[0], -observed[1])[None, None, :]
            high = np.where(positive, observed[1], -observed[0])[None, None, :]
        with np.errstate(over="ignore"):  # values near 1e308: the weights say so
            shifted = np.where(low <= 0, v + np.abs(low) + 0.01, v)
            # rounding is monotone: the largest shifted value is the largest value shifted
            top = np.where(low <= 0, high + np.abs(low) + 0.01, high)
        # p = x/Σx does not change when a column is divided by its largest value, and
        # Σ x ln x then cannot overflow (a column that overflowed above stays inf).
        return np.asarray(shifted / np.where(np.isfinite(top) & (top > 0), top, 1.0))
    scaled = _minmax(raw, positive, observed)
    if how == "rescale":
        scaled = 0.002 + 0.996 * scaled
    return scaled


def _minmax(
    raw: Array, positive: NDArray[np.bool_], observed: tuple[Array, Array] | None = None
) -> Array:
    """Raw values min-max scaled to [0, 1] along the observation axis (-2), reversed for
    negative indicators; a constant column is 0 (``entropy_input`` and ``critic_input =
    "minmax"``, the published convention: Diakoulaki et al. 1995 scale before CRITIC).

    A range wider than the largest double (−1e308 to 1e308) is scaled in halves, which
    is exact: the result is right for every finite input. ``observed`` gives the minimum
    and maximum (I,) over the whole panel when ``raw`` is a part of it.
    """
    if observed is None:
        low = raw.min(axis=-2, keepdims=True)
        high = raw.max(axis=-2, keepdims=True)
    else:
        low, high = observed[0][None, None, :], observed[1][None, None, :]
    with np.errstate(over="ignore"):
        span = high - low
    if not np.isfinite(span).all():
        raw, low, span = raw / 2.0, low / 2.0, high / 2.0 - low / 2.0
    scaled = np.where(span > 0, (raw - low) / np.where(span > 0, span, 1.0), 0.0)
    scaled = np.where(positive, scaled, np.where(span > 0, 1.0 - scaled, 0.0))
    return np.asarray(scaled, dtype=float)
