"""The diagnostics users run beside the synergy model (METHOD.md §6–§8).

:func:`run_diagnostics` takes the arrays of a fit and the spec's ``[diagnostics]`` table
and computes, as asked: grey relational grades, coupling coordination (with the relative
development degree and its lag type), obstacle degrees, GM(1,1) forecasts and the
robustness Monte Carlo. Like :mod:`cosyn.fit` it works on the whole panel at once (entity
axis first), except the robustness Monte Carlo, which runs its draws in chunks of entities
and keeps only their percentiles and agreement figures
(:func:`~cosyn.methods.robustness.robustness_draws`); the tidy tables are built by
:class:`~cosyn.result.Result` on first access.

Every failure a user can cause here is a :class:`~cosyn.errors.DataError` naming the spec
key, the entity and the series, and what to do; every fallback is a note.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosyn.errors import CosynError, DataError, quote
from cosyn.methods.coupling import coupling_arrays, relative_development, rescale_scores
from cosyn.methods.grey import (
    GM11_STATUS,
    GM11Batch,
    gm11_batch,
    gm11_status,
    grey_relational_grades,
)
from cosyn.methods.obstacle import obstacle_terms
from cosyn.methods.robustness import CHUNK_BYTES, RobustnessResult, robustness_draws
from cosyn.spec import Diagnostics, Spec

__all__ = ["DiagnosticArrays", "FitArrays", "Forecast", "run_diagnostics"]

Array = NDArray[np.float64]
#: GM(1,1) needs at least this many points.
MIN_FORECAST_POINTS = 4
#: Ranges of the forecast quantities: μ ∈ [0, 1] and U ∈ [−1, 1] (METHOD.md §8).
ORDER_RANGE: tuple[float, float] = (0.0, 1.0)
SYNERGY_RANGE: tuple[float, float] = (-1.0, 1.0)
_QUOTE = 5


@dataclass(frozen=True, eq=False)
class Forecast:
    """GM(1,1) fits of the subsystem order degrees and of the synergy path.

    ``order`` holds the fits of the series μ_j of every entity — the (E·k) series, entity
    by entity, of which ``order_fitted`` says which could be fitted; ``synergy`` those of
    the synergy paths over the compared periods. Series GM(1,1) cannot fit (too short,
    flat, no exponential trend, an overflowing forecast) are left out and named in
    ``skipped``; a batch with none is None. Fitted values and forecasts are clipped to
    the range of their quantity (μ ∈ [0, 1], U ∈ [−1, 1]); ``order_clipped`` and
    ``synergy_clipped`` (one row per fitted series, one column per fitted and forecast
    period) say where.
    """

    horizon: int
    order: GM11Batch | None
    order_fitted: NDArray[np.bool_]  # (E·k,): which μ series were fitted
    synergy: GM11Batch | None
    synergy_fitted: NDArray[np.bool_]  # (E,)
    skipped: tuple[str, ...]
    order_clipped: NDArray[np.bool_] | None = None  # (fitted series, n + horizon)
    synergy_clipped: NDArray[np.bool_] | None = None


@dataclass(frozen=True, eq=False)
class DiagnosticArrays:
    """Array results of the diagnostics asked for; None where not asked for."""

    gra: Array | None = None  # (E, I): each indicator against its subsystem's μ (NaN: unused)
    gra_cross: dict[tuple[int, int], Array] | None = None  # (j1, j2) → (E, m_j1, m_j2)
    coupling: tuple[Array, Array, Array] | None = None  # C, T, D, each (E, T)
    obstacles: Array | None = None  # (E, T, I) shares O
    forecast: Forecast | None = None
    robustness: RobustnessResult | None = None
    #: Relative development degree E — (E, T) for k = 2, (E, T, k) for k > 2 (NaN where
    #: its denominator is 0) — and its lag codes (METHOD.md §8;
    #: :func:`cosyn.methods.coupling.relative_development`).
    development: tuple[Array, NDArray[np.int8]] | None = None
    #: (E, T, I): unscaled obstacle terms F·I.
    obstacle_fi: Array | None = None
    #: (E, T, k): the comprehensive indices the coupling used (μ, or μ rescaled).
    coupling_scores: Array | None = None


@contextlib.contextmanager
def _as_data_error(key: str, what: str) -> Iterator[None]:
    """Turn a kernel's ValueError into a DataError naming the spec key."""
    try:
        yield
    except CosynError:
        raise
    except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError) as exc:
        raise DataError(
            f"diagnostics.{key}: {what} failed: {exc} — check the data of this diagnostic, "
            f"or leave diagnostics.{key} out of the spec"
        ) from None


def _subsystem_slices(spec: Spec) -> list[slice]:
    out, start = [], 0
    for s in spec.subsystems:
        out.append(slice(start, start + len(s.indicators)))
        start += len(s.indicators)
    return out


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:_QUOTE])
    return shown + (f" and {len(items) - _QUOTE} more" if len(items) > _QUOTE else "")


# -- grey relational analysis (METHOD.md §6) --------------------------------------------

_GRA_PROBLEM = {
    "initial": ("are 0 in the first period", "divides each series by its first value"),
    "mean": ("have mean 0 (0 in every period)", "divides each series by its mean"),
    "minmax": ("are constant", "divides each series by its range"),
}


def _gra_unusable(series: Array, how: str) -> NDArray[np.bool_]:
    """Series (period axis 1) that ``gra_normalize = how`` cannot divide (NaN: not used)."""
    if how == "initial":
        return np.asarray(series[:, 0] == 0)
    if how == "mean":
        return np.asarray(series.mean(axis=1) == 0)
    return np.asarray(series.max(axis=1) == series.min(axis=1))


def _check_gra_input(u: Array, mu: Array, spec: Spec, entities: Any, how: str) -> None:
    """A DataError naming the first series ``gra_normalize`` cannot normalise."""
    if how == "none":
        return
    problem, action = _GRA_PROBLEM[how]
    found: list[str] = []
    bad_mu = _gra_unusable(mu, how)  # (E, k)
    for e, j in np.argwhere(bad_mu):
        found.append(f"subsystem {spec.subsystems[j].name!r} of entity {quote(entities[e])}")
    bad_u = _gra_unusable(u, how)  # (E, I)
    for e, i in np.argwhere(bad_u):
        found.append(f"indicator {spec.columns[i]!r} of entity {quote(entities[e])}")
    if not found:
        return
    raise DataError(
        f"diagnostics.gra_normalize = {how!r} {action}, but these order degrees {problem}: "
        f"{_names(found)}"
        " — use gra_normalize = 'none' (the default: order degrees are already on one scale)"
        + (" or 'mean'" if how == "initial" else "")
    )


def _gra(
    u: Array, mu: Array, spec: Spec, d: Diagnostics, active: NDArray[np.bool_] | None
) -> tuple[Array, dict[tuple[int, int], Array]]:
    """Grades of each indicator against its subsystem's μ, and the cross matrices.

    An indicator left out for an entity (``active`` False) takes no part there: it has
    no grade (NaN) and does not enter the two-level minimum and maximum of the others.
    """
    slices = _subsystem_slices(spec)
    E, _, n_ind = u.shape
    if active is not None:
        u = np.where(active[:, None, :], u, np.nan)
    grades = np.empty((E, n_ind))
    for j, cols in enumerate(slices):  # k subsystems: a handful of whole-panel calls
        grades[:, cols] = _grades(mu[:, :, j], u[:, :, cols], d)
    cross: dict[tuple[int, int], Array] = {}
    for j1, a in enumerate(slices):
        for j2, b in enumerate(slices[j1 + 1 :], start=j1 + 1):
            # every indicator of j1 as reference (E, m1, T) against j2's (E, 1, T, m2)
            reference = np.swapaxes(u[:, :, a], 1, 2)
            cross[(j1, j2)] = _grades(reference, u[:, None, :, b], d)
    return grades, cross


def _grades(reference: Array, comparison: Array, d: Diagnostics) -> Array:
    """Grey relational grades where some series may be NaN (left out for an entity)."""
    return grey_relational_grades(
        reference, comparison, rho=d.gra_rho, normalize=d.gra_normalize, missing="skip"
    )


# -- coupling coordination (METHOD.md §7–§8) -----------------------------------------------


def coupling_zero_note(names: list[str]) -> str:
    """The note for subsystems whose order degree is 0 throughout the panel."""
    return (
        "coupling: the order degree of subsystem "
        + ", ".join(repr(n) for n in names)
        + " is 0 in every entity and period, so C = 0 and D = 0 throughout (the "
        "relative development degree E is undefined where the denominator is 0)"
    )


def _coupling(
    mu: Array,
    spec: Spec,
    d: Diagnostics,
    notes: list[str],
    mu_range: tuple[Array, Array] | None = None,
) -> tuple[tuple[Array, Array, Array], tuple[Array, NDArray[np.int8]], Array]:
    """C, T, D; the relative development degree and lag; the scores used. ``mu_range``
    is the whole panel's minimum and maximum of each μ when ``mu`` is a part of it."""
    scores = mu
    if d.coupling_input == "rescale":
        scores, constant = rescale_scores(mu, observed=mu_range)
        if constant.any():
            names = [spec.subsystems[j].name for j in np.flatnonzero(constant)]
            notes.append(
                "diagnostics.coupling_input = 'rescale': the order degree of subsystem "
                + ", ".join(repr(n) for n in names)
                + " is the same in every entity and period, so min-max rescaling is 0/0; "
                "it is set to 0.5, the middle of [0.01, 0.99]"
            )
    if mu_range is None:
        top = scores.max(axis=(0, 1))
    else:  # rescaled scores are ≥ 0.01 everywhere
        top = mu_range[1] if d.coupling_input != "rescale" else np.ones(scores.shape[-1])
    if not (top > 0).all():
        notes.append(
            coupling_zero_note([spec.subsystems[j].name for j in np.flatnonzero(~(top > 0))])
        )
    c, t, dd = coupling_arrays(scores, d.coupling, d.coupling_weights)  # type: ignore[arg-type]
    development = relative_development(scores, d.lag_edges)
    return (c, t, dd), development, scores


# -- obstacle degree (METHOD.md §7) -----------------------------------------------------


def _obstacles(
    u: Array, weights: Array, spec: Spec, d: Diagnostics, active: NDArray[np.bool_] | None
) -> tuple[Array, Array]:
    """Unscaled terms F·I and shares O (E, T, I) with F_i = W_j·φ_i (W equal unless given).

    An indicator left out for an entity has weight 0 there: F·I = 0 and O = 0.
    """
    k = len(spec.subsystems)
    w_sub = np.asarray(d.obstacle_weights or (1.0 / k,) * k)
    per_indicator = np.concatenate(
        [np.full(len(s.indicators), w_sub[j]) for j, s in enumerate(spec.subsystems)]
    )
    factor = weights * per_indicator  # (E, I)
    if active is not None:
        factor = np.where(active, factor, 0.0)
        u = np.where(active[:, None, :], u, 1.0)  # no shortfall, and no NaN
    return obstacle_terms(u, factor[:, None, :])


# -- GM(1,1) (METHOD.md §7–§8) -----------------------------------------------------------


def _fit_gm11(
    series: Array, horizon: int, bounds: tuple[float, float]
) -> tuple[GM11Batch | None, NDArray[np.bool_], NDArray[np.int8], NDArray[np.bool_] | None]:
    """GM(1,1) of every series along the last axis that can be fitted.

    Returns the batch fit of the usable series (or None), the mask of those series, the
    status of every series (:data:`cosyn.methods.grey.GM11_STATUS`) and where the fitted
    values and forecasts were clipped to ``bounds``.
    """
    flat = series.reshape(-1, series.shape[-1])
    status = gm11_status(flat, horizon)
    ok = status == 0
    if not ok.any():
        return None, ok, status, None
    fit = gm11_batch(flat[ok], horizon)
    lo, hi = bounds
    values = np.concatenate([fit.fitted, fit.forecast], axis=-1)
    clipped = (values < lo) | (values > hi)
    if clipped.any():
        n = fit.fitted.shape[-1]
        fitted, forecast = np.clip(fit.fitted, lo, hi), np.clip(fit.forecast, lo, hi)
        for arr in (fitted, forecast):
            arr.flags.writeable = False
        fit = replace(fit, fitted=fitted, forecast=forecast)
        assert fit.fitted.shape[-1] == n
    return fit, ok, status, clipped


def _forecast(
    mu: Array, synergy: Array, horizon: int, spec: Spec, entities: Any, notes: list[str]
) -> Forecast:
    T = mu.shape[1]
    if T < MIN_FORECAST_POINTS:
        raise DataError(
            f"diagnostics.forecast needs at least {MIN_FORECAST_POINTS} periods for GM(1,1); "
            f"the data has {T} — add periods or set forecast = 0"
        )
    names = [s.label or s.name for s in spec.subsystems]
    order, ok_order, st_order, clip_order = _fit_gm11(np.swapaxes(mu, 1, 2), horizon, ORDER_RANGE)
    syn, ok_syn, st_syn, clip_syn = _fit_gm11(synergy, horizon, SYNERGY_RANGE)
    skipped = [
        f"{names[i % len(names)]} of {quote(entities[i // len(names)])} "
        f"({GM11_STATUS[st_order[i]]})"
        for i in np.flatnonzero(~ok_order)
    ] + [
        f"synergy of {quote(entities[e])} ({GM11_STATUS[st_syn[e]]})"
        for e in np.flatnonzero(~ok_syn)
    ]
    if skipped:
        notes.append(
            "GM(1,1) forecast skipped for series it cannot fit: "
            + _names(skipped)
            + " — these series have no forecast rows"
        )
    shifted = sum(int((~b.level_ratio_ok).sum()) for b in (order, syn) if b)
    if shifted:
        notes.append(
            f"{shifted} forecast series failed GM(1,1)'s level-ratio test and were fitted "
            "after a shift by a constant (undone in the forecast; level_ratio 'shifted' in "
            "the forecast table); read them with care"
        )
    clipped_names = []
    if clip_order is not None and clip_order.any():
        idx = np.flatnonzero(ok_order)[clip_order.any(axis=-1)]
        clipped_names += [
            f"{names[i % len(names)]} of {quote(entities[i // len(names)])}" for i in idx
        ]
    if clip_syn is not None and clip_syn.any():
        idx = np.flatnonzero(ok_syn)[clip_syn.any(axis=-1)]
        clipped_names += [f"synergy of {quote(entities[e])}" for e in idx]
    if clipped_names:
        notes.append(
            "GM(1,1) values outside the range of their quantity (order degree μ in [0, 1], "
            "synergy U in [−1, 1]) were clipped to it (clipped = true in the forecast "
            "table): " + _names(clipped_names)
        )
    return Forecast(horizon, order, ok_order, syn, ok_syn, tuple(skipped), clip_order, clip_syn)


@dataclass(frozen=True, eq=False)
class FitArrays:
    """The arrays of a point fit that the diagnostics start from."""

    x: Array  # (E, T, I) values after imputation
    positive: NDArray[np.bool_]  # (I,)
    membership: NDArray[np.bool_]  # (I, k)
    u: Array  # (E, T, I)
    weights: Array  # (E, I)
    mu: Array  # (E, T, k)
    synergy: Array  # (E, P)
    base: str | int  # as synergy_path takes it
    #: (E, I): the indicators in use for each entity (False where ``on_constant = "drop"``
    #: left an indicator out for that entity); None when every indicator is in use.
    active: NDArray[np.bool_] | None = None
    #: (I,): with ``weights_scope = "panel"`` and ``active``, the panel's weight vector
    #: before any indicator is left out for an entity.
    panel_weights: Array | None = None


# -- robustness (METHOD.md §7–§8) ---------------------------------------------------------


#: Memory budget of the robustness draws of a part of a panel (a Dask task), in bytes.
PART_CHUNK_BYTES = 16 * 2**20


def entity_keys(labels: Any) -> NDArray[np.uint32]:
    """The key of each entity's random streams in the robustness Monte Carlo: the first
    16 bytes of the BLAKE2b digest of its label as text (UTF-8), as four 32-bit words.

    The same label gives the same key in any panel, on any machine and either engine, so
    an entity's draws do not depend on the other entities or their order (METHOD.md §7).
    """
    digests = b"".join(
        hashlib.blake2b(str(label).encode("utf-8"), digest_size=16).digest() for label in labels
    )
    return np.frombuffer(digests, dtype="<u4").reshape(-1, 4).astype(np.uint32)


def _check_robustness_bounds(
    fit: FitArrays,
    spec: Spec,
    entities: Any,
    low: float,
    high: float,
    data_range: tuple[Array, Array] | None,
) -> None:
    """A DataError naming the first indicator whose order degree the margin range leaves
    undefined: an explicit bound beyond the data's widened other bound at margin ``low``."""
    axes = 1 if spec.method.bounds == "entity" else (0, 1)
    if data_range is not None and axes == (0, 1):
        lo0, hi0 = data_range
    else:
        lo0 = fit.x.min(axis=axes)  # (E or 1... ) over the bounds scope
        hi0 = fit.x.max(axis=axes)
    if lo0.ndim == 1:
        lo0, hi0 = lo0[None, :], hi0[None, :]
    found = []
    for i, ind in enumerate(spec.indicators):
        if ind.lower is None and ind.upper is None:
            continue
        lower = ind.lower if ind.lower is not None else lo0[:, i] - low * np.abs(lo0[:, i])
        upper = ind.upper if ind.upper is not None else hi0[:, i] + low * np.abs(hi0[:, i])
        bad = ~(np.asarray(upper - lower) > 0)
        bad = np.broadcast_to(bad, (lo0.shape[0],))
        if fit.active is not None and lo0.shape[0] == fit.active.shape[0]:
            bad = bad & fit.active[:, i]
        for e in np.flatnonzero(bad):
            who = f" of entity {quote(entities[e])}" if lo0.shape[0] > 1 else ""
            found.append(f"indicator {ind.column!r}{who}")
    if found:
        raise DataError(
            f"diagnostics.robustness.margin = [{low:g}, {high:g}]: at margin {low:g} the "
            f"bounds of {_names(found)} meet or cross (an explicit bound on the far side of "
            "the data's widened other bound), so the order degree is undefined — raise the "
            "lower end of the margin range, or revise the explicit bounds"
        )


def _robustness(
    fit: FitArrays, spec: Spec, entities: Any, data_range: tuple[Array, Array] | None, whole: bool
) -> RobustnessResult:
    """Monte Carlo over weights and margin around the point fit (METHOD.md §7–§8); each
    entity's weights drawn from a stream keyed by its label (:func:`entity_keys`). On a
    part of the panel (``whole`` False) the entities are not ranked: the Dask engine
    ranks them over the whole panel from U of every draw."""
    rb = spec.diagnostics.robustness
    assert rb is not None
    m = spec.method
    low, high = rb.margin
    if m.bounds != "panel":
        data_range = None
    _check_robustness_bounds(fit, spec, entities, low, high, data_range)
    lower = np.array([np.nan if i.lower is None else i.lower for i in spec.indicators])
    upper = np.array([np.nan if i.upper is None else i.upper for i in spec.indicators])
    with _as_data_error("robustness", "the Monte Carlo over weights and margin"):
        return robustness_draws(
            fit.x,
            fit.positive,
            fit.weights,
            fit.membership,
            bounds_axis=1 if m.bounds == "entity" else (0, 1),
            margin_range=(low, high),
            point_margin=m.margin,
            draws=rb.draws,
            concentration=rb.concentration,
            seed=rb.seed,
            base=fit.base,
            aggregation=m.aggregation,  # type: ignore[arg-type]
            stage_edges=spec.stages.edges,
            lower=lower,
            upper=upper,
            active=fit.active,
            weights_scope=m.weights_scope,  # type: ignore[arg-type]
            entity_keys=entity_keys(entities),
            panel_weights=fit.panel_weights,
            data_range=data_range,
            ranks=whole,
            # a part of the panel is one task of a Dask worker, on its one thread
            workers=None if whole else 1,
            chunk_bytes=CHUNK_BYTES if whole else PART_CHUNK_BYTES,
        )


def run_diagnostics(
    spec: Spec,
    fit: FitArrays,
    entities: Any,
    notes: list[str],
    mu_range: tuple[Array, Array] | None = None,
    data_range: tuple[Array, Array] | None = None,
    whole: bool = True,
) -> DiagnosticArrays | None:
    """Compute every diagnostic the spec asks for (None when it asks for none).

    When ``fit`` holds a part of the panel (``whole`` False), ``mu_range`` gives the
    whole panel's minimum and maximum of each subsystem order degree (the coupling's
    panel-wide figures) and ``data_range`` each indicator's (the robustness bounds with
    ``bounds = "panel"``); the robustness Monte Carlo then leaves the ranks out.

    Raises
    ------
    DataError
        Naming the spec key, the entity and the series, when a diagnostic cannot be
        computed on these data (e.g. ``gra_normalize = "initial"`` on a series that
        starts at 0).
    """
    d = spec.diagnostics
    if not d.any:
        return None
    u, weights, mu, synergy = fit.u, fit.weights, fit.mu, fit.synergy
    gra = cross = coupling = obstacles = fi = forecast = robustness = None
    development = scores = None
    if d.gra:
        u_used = u if fit.active is None else np.where(fit.active[:, None, :], u, np.nan)
        _check_gra_input(u_used, mu, spec, entities, d.gra_normalize)
        with _as_data_error("gra", "the grey relational analysis"):
            gra, cross = _gra(u, mu, spec, d, fit.active)
    if d.coupling:
        with _as_data_error("coupling", "the coupling coordination"):
            coupling, development, scores = _coupling(mu, spec, d, notes, mu_range)
    if d.obstacles:
        with _as_data_error("obstacles", "the obstacle degree"):
            fi, obstacles = _obstacles(u, weights, spec, d, fit.active)
    if d.forecast:
        with _as_data_error("forecast", "the GM(1,1) forecast"):
            forecast = _forecast(mu, synergy, d.forecast, spec, entities, notes)
    if d.robustness is not None:
        robustness = _robustness(fit, spec, entities, data_range, whole)
    return DiagnosticArrays(
        gra, cross, coupling, obstacles, forecast, robustness, development, fi, scores
    )
