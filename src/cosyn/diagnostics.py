"""The diagnostics users run beside the synergy model (METHOD.md §6–§7).

:func:`run_diagnostics` takes the arrays of a fit and the spec's ``[diagnostics]`` table
and computes, as asked: grey relational grades, coupling coordination, obstacle degrees,
GM(1,1) forecasts and the robustness Monte Carlo. Like :mod:`cosyn.fit` it works on the
whole panel at once (entity axis first); the tidy tables are built by
:class:`~cosyn.result.Result` on first access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosyn.errors import DataError
from cosyn.methods.coupling import coupling_arrays
from cosyn.methods.grey import GM11Batch, gm11_batch, grey_relational_grades
from cosyn.methods.obstacle import obstacle_degree
from cosyn.methods.robustness import RobustnessResult, robustness_draws
from cosyn.spec import Diagnostics, Spec

__all__ = ["DiagnosticArrays", "FitArrays", "Forecast", "run_diagnostics"]

Array = NDArray[np.float64]
#: GM(1,1) needs at least this many points.
MIN_FORECAST_POINTS = 4


@dataclass(frozen=True, eq=False)
class Forecast:
    """GM(1,1) fits of the subsystem order degrees and of the synergy path.

    ``order`` holds the fits of the series μ_j of every entity — the (E·k) series, entity
    by entity, of which ``order_fitted`` says which could be fitted; ``synergy`` those of
    the synergy paths over the compared periods. Series too short or flat to fit are left
    out (and named in ``skipped``); a batch with none is None.
    """

    horizon: int
    order: GM11Batch | None
    order_fitted: NDArray[np.bool_]  # (E·k,): which μ series were fitted
    synergy: GM11Batch | None
    synergy_fitted: NDArray[np.bool_]  # (E,)
    skipped: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class DiagnosticArrays:
    """Array results of the diagnostics asked for; None where not asked for."""

    gra: Array | None = None  # (E, I): each indicator against its subsystem's μ
    gra_cross: dict[tuple[int, int], Array] | None = None  # (j1, j2) → (E, m_j1, m_j2)
    coupling: tuple[Array, Array, Array] | None = None  # C, T, D, each (E, T)
    obstacles: Array | None = None  # (E, T, I) shares
    forecast: Forecast | None = None
    robustness: RobustnessResult | None = None


def _subsystem_slices(spec: Spec) -> list[slice]:
    out, start = [], 0
    for s in spec.subsystems:
        out.append(slice(start, start + len(s.indicators)))
        start += len(s.indicators)
    return out


def _gra(u: Array, mu: Array, spec: Spec, d: Diagnostics) -> tuple[Array, dict]:
    """Grades of each indicator against its subsystem's μ, and the cross matrices."""
    slices = _subsystem_slices(spec)
    E, _, n_ind = u.shape
    grades = np.empty((E, n_ind))
    for j, cols in enumerate(slices):  # k subsystems: a handful of whole-panel calls
        grades[:, cols] = grey_relational_grades(
            mu[:, :, j], u[:, :, cols], rho=d.gra_rho, normalize=d.gra_normalize
        )
    cross: dict[tuple[int, int], Array] = {}
    for j1, a in enumerate(slices):
        for j2, b in enumerate(slices[j1 + 1 :], start=j1 + 1):
            # every indicator of j1 as reference (E, m1, T) against j2's (E, 1, T, m2)
            reference = np.swapaxes(u[:, :, a], 1, 2)
            cross[(j1, j2)] = grey_relational_grades(
                reference, u[:, None, :, b], rho=d.gra_rho, normalize=d.gra_normalize
            )
    return grades, cross


def _obstacles(u: Array, weights: Array, spec: Spec, d: Diagnostics) -> Array:
    """Obstacle shares O (E, T, I) with F_i = W_j·φ_i (W equal unless given)."""
    k = len(spec.subsystems)
    w_sub = np.asarray(d.obstacle_weights or (1.0 / k,) * k)
    per_indicator = np.concatenate(
        [np.full(len(s.indicators), w_sub[j]) for j, s in enumerate(spec.subsystems)]
    )
    factor = weights * per_indicator  # (E, I)
    return obstacle_degree(u, factor[:, None, :])


def _fit_gm11(series: Array, horizon: int) -> tuple[GM11Batch | None, NDArray[np.bool_]]:
    """GM(1,1) of every series along the last axis that can be fitted.

    Returns the batch fit of the usable series (or None) and the mask of those series.
    A series is usable when it has at least 4 points and is not constant from its
    second point on (GM(1,1)'s development coefficient would be 0).
    """
    flat = series.reshape(-1, series.shape[-1])
    ok = (
        np.ptp(flat[:, 1:], axis=-1) > 0
        if flat.shape[-1] >= MIN_FORECAST_POINTS
        else (np.zeros(flat.shape[0], dtype=bool))
    )
    if not ok.any():
        return None, ok
    return gm11_batch(flat[ok], horizon), ok


def _forecast(mu: Array, synergy: Array, horizon: int, spec: Spec, entities: Any) -> Forecast:
    T = mu.shape[1]
    if T < MIN_FORECAST_POINTS:
        raise DataError(
            f"diagnostics.forecast needs at least {MIN_FORECAST_POINTS} periods for GM(1,1); "
            f"the data has {T} — add periods or set forecast = 0"
        )
    names = [s.name for s in spec.subsystems]
    order, ok_order = _fit_gm11(np.swapaxes(mu, 1, 2), horizon)  # (E·k, T)
    syn, ok_syn = _fit_gm11(synergy, horizon)
    skipped = [
        f"{names[i % len(names)]} of {entities[i // len(names)]!s}"
        for i in np.flatnonzero(~ok_order)
    ] + [f"synergy of {entities[e]!s}" for e in np.flatnonzero(~ok_syn)]
    return Forecast(horizon, order, ok_order, syn, ok_syn, tuple(skipped))


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


def _robustness(fit: FitArrays, spec: Spec) -> RobustnessResult:
    """Monte Carlo over weights and margin around the point fit (METHOD.md §7)."""
    rb = spec.diagnostics.robustness
    assert rb is not None
    m = spec.method
    return robustness_draws(
        fit.x,
        fit.positive,
        fit.weights,
        fit.membership,
        bounds_axis=1 if m.bounds == "entity" else (0, 1),
        margin_range=rb.margin,
        point_margin=m.margin,
        draws=rb.draws,
        concentration=rb.concentration,
        seed=rb.seed,
        base=fit.base,
        aggregation=m.aggregation,  # type: ignore[arg-type]
        stage_edges=spec.stages.edges,
    )


def run_diagnostics(
    spec: Spec, fit: FitArrays, entities: Any, notes: list[str]
) -> DiagnosticArrays | None:
    """Compute every diagnostic the spec asks for (None when it asks for none)."""
    d = spec.diagnostics
    if not d.any:
        return None
    u, weights, mu, synergy = fit.u, fit.weights, fit.mu, fit.synergy
    gra = cross = coupling = obstacles = forecast = robustness = None
    if d.gra:
        gra, cross = _gra(u, mu, spec, d)
    if d.coupling:
        coupling = coupling_arrays(mu, d.coupling, d.coupling_weights)  # type: ignore[arg-type]
    if d.obstacles:
        obstacles = _obstacles(u, weights, spec, d)
    if d.forecast:
        forecast = _forecast(mu, synergy, d.forecast, spec, entities)
        if forecast.skipped:
            shown = ", ".join(forecast.skipped[:5])
            more = f" and {len(forecast.skipped) - 5} more" if len(forecast.skipped) > 5 else ""
            notes.append(
                f"GM(1,1) forecast skipped for series that are too short or flat: {shown}{more}"
            )
        shifted = sum(
            int((~b.level_ratio_ok).sum()) for b in (forecast.order, forecast.synergy) if b
        )
        if shifted:
            notes.append(
                f"{shifted} forecast series failed GM(1,1)'s level-ratio test and were fitted "
                "after a shift by a constant (undone in the forecast); read them with care"
            )
    if d.robustness is not None:
        robustness = _robustness(fit, spec)
    return DiagnosticArrays(gra, cross, coupling, obstacles, forecast, robustness)
