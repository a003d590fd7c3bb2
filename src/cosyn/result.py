"""The outcome of :func:`cosyn.fit`: arrays of every step, tidy tables on first access."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.diagnostics import DiagnosticArrays
from cosyn.errors import SpecError
from cosyn.methods.grey import GM11_GRADES, GM11Batch
from cosyn.methods.levels import classify
from cosyn.methods.obstacle import top_obstacles
from cosyn.panel import Panel
from cosyn.spec import Spec

if TYPE_CHECKING:
    from cosyn.analysis.run import AnalysisResult

__all__ = ["Result", "WeightScores"]

Array = NDArray[np.float64]
_FORECAST_COLUMNS = [
    "entity",
    "series",
    "period",
    "kind",
    "observed",
    "value",
    "a",
    "b",
    "C",
    "P",
    "grade",
    "level_ratio",
    "level_ratio_ok",
    "shift",
    "clipped",
]
#: The lag types of the relative development degree E for k = 2 (codes 0, 1, 2 of
#: :func:`cosyn.methods.coupling.relative_development`); ``{1}``/``{2}`` are the labels
#: of subsystems 1 and 2.
LAG_TEXT: tuple[str, str, str] = ("{1} lags", "synchronous", "{2} lags")
#: For k > 2, per subsystem: lags, synchronous, leads.
LAG_WORDS: tuple[str, str, str] = ("lags", "synchronous", "leads")


@dataclass(frozen=True, eq=False)
class WeightScores:
    """The per-indicator quantities the weights were computed from (METHOD.md §2).

    Rows are entities with ``weights_scope = "entity"`` (shape ``(E, I)``) and one pooled
    row with ``"panel"`` (shape ``(1, I)``); columns follow ``Result.indicators``. They are
    the arrays :func:`cosyn.fit` normalised into the weights, kept as computed, so a table
    printed from them agrees with ``Result.weights`` to round-off.

    Attributes
    ----------
    method : str or None
        The objective method: ``"entropy"``, ``"critic"`` or ``"cv"`` (also the
        objective part of ``weights = "combined"``); None for ``equal``, ``given`` and
        ``ahp``, whose weights come from no scores.
    values : dict of str to ndarray
        ``entropy``: ``"e"`` the information entropy ``E_i`` and ``"d"`` the utility
        ``d_i = 1 − E_i`` (``d`` as :func:`cosyn.methods.weights.entropy_divergence`
        gives it, round-off below 1e-12 set to 0, and ``e = 1 − d``); ``critic``:
        ``"sigma"`` the sample standard deviation (ddof = 1) of the CRITIC input,
        ``"conflict"`` ``Σ_m (1 − r_im)`` over the indicators of the subsystem (NaN for
        a column with σ = 0) and ``"information"`` ``C_i = σ_i·Σ_m (1 − r_im)``; ``cv``:
        ``"mean"``, ``"sd"`` (ddof = 1) of the raw values and ``"cv"`` = sd / mean.
    objective : ndarray (E, I) or None
        The objective weights before they were combined (``weights = "combined"`` only).
    subjective : ndarray (E, I) or None
        The subjective weights: given (normalised) or AHP, per entity after any
        indicator left out there (``given``, ``ahp`` and ``combined``).
    """

    method: str | None
    values: dict[str, Array]
    objective: Array | None = None
    subjective: Array | None = None


@dataclass(frozen=True, eq=False)
class Result:
    """Everything :func:`cosyn.fit` computed, entity axis first.

    Attributes
    ----------
    spec : Spec
        The specification used (without indicators dropped as constant).
    panel : Panel
        The data as read (before imputation), with its labels.
    x : ndarray (E, T, I)
        Values after imputation.
    imputed : ndarray of bool (E, T, I)
        True where a value was filled in.
    lower, upper : ndarray (E or 1, 1, I)
        Bounds of each indicator (per entity, or one set for the panel).
    u : ndarray (E, T, I)
        Order degrees of the order parameters.
    weight_values : ndarray (E, I)
        Weights φ, summing to 1 within each subsystem for every entity.
    mu : ndarray (E, T, k)
        Subsystem order degrees.
    synergy_values : ndarray (E, P)
        Synergy degree U of each compared period.
    t0, t1 : ndarray of int (P,)
        Base and compared period positions of each column of ``synergy_values``.
    ahp_cr : dict
        Consistency ratio of each subsystem's AHP matrix, where one was used.
    dropped : tuple of str
        Indicators left out as constant (``on_constant = "drop"``).
    notes : tuple of str
        Warnings raised while fitting.
    diagnostics : DiagnosticArrays or None
        Arrays of the diagnostics the spec asked for (METHOD.md §6–§7).
    active : ndarray of bool (E, I) or None
        False where ``on_constant = "drop"`` left an indicator out for one entity (its
        series is constant at 0 there; u is NaN, the weight 0); None when every
        indicator is in use for every entity.
    weight_scores : WeightScores or None
        What the weights were computed from (the entropy e and d, CRITIC's σ, conflict
        and information, CV's mean, sd and ratio), for the weight tables of the reports.
    """

    spec: Spec
    panel: Panel
    x: Array
    imputed: NDArray[np.bool_]
    lower: Array
    upper: Array
    u: Array
    weight_values: Array
    mu: Array
    synergy_values: Array
    t0: NDArray[np.intp]
    t1: NDArray[np.intp]
    ahp_cr: dict[str, float]
    dropped: tuple[str, ...]
    notes: tuple[str, ...]
    diagnostics: DiagnosticArrays | None = None
    active: NDArray[np.bool_] | None = None
    weight_scores: WeightScores | None = None

    # -- labels -------------------------------------------------------------------------
    @property
    def entities(self) -> pd.Index:
        return self.panel.entities

    @property
    def periods(self) -> pd.Index:
        return self.panel.periods

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.spec.columns

    @property
    def subsystems(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.spec.subsystems)

    @cached_property
    def level_codes(self) -> NDArray[np.intp]:
        """Index into ``spec.levels.names`` of each synergy value (E, P)."""
        return classify(self.synergy_values, self.spec.levels.edges)

    @cached_property
    def stage_codes(self) -> NDArray[np.intp]:
        """Index into ``spec.stages.names`` of each synergy value (E, P)."""
        return classify(self.synergy_values, self.spec.stages.edges)

    # -- tidy tables --------------------------------------------------------------------
    def _grid(self, *sizes: int) -> list[NDArray[np.intp]]:
        """Row-major codes of a full grid, one array per axis."""
        return [g.ravel() for g in np.indices(sizes)]

    @cached_property
    def order_degree(self) -> pd.DataFrame:
        """entity, period, subsystem, indicator, value, imputed, u, in_use — one row per
        cell; ``in_use`` is False (and u empty) where an indicator was left out for the
        entity (``on_constant = "drop"``)."""
        E, T, n_ind = self.u.shape
        e, t, i = self._grid(E, T, n_ind)
        ind_sub = np.array([ind.subsystem for ind in self.spec.indicators], dtype=object)
        return pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "period": self.periods.take(t),
                "subsystem": ind_sub[i],
                "indicator": np.asarray(self.indicators, dtype=object)[i],
                "value": self.x.ravel(),
                "imputed": self.imputed.ravel(),
                "u": self.u.ravel(),
                "in_use": (
                    np.ones(self.u.size, dtype=bool)
                    if self.active is None
                    else np.repeat(self.active[:, None, :], T, axis=1).ravel()
                ),
            }
        )

    @cached_property
    def weights(self) -> pd.DataFrame:
        """entity, subsystem, indicator, weight."""
        E, n_ind = self.weight_values.shape
        e, i = self._grid(E, n_ind)
        ind_sub = np.array([ind.subsystem for ind in self.spec.indicators], dtype=object)
        return pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "subsystem": ind_sub[i],
                "indicator": np.asarray(self.indicators, dtype=object)[i],
                "weight": self.weight_values.ravel(),
            }
        )

    @cached_property
    def bounds(self) -> pd.DataFrame:
        """entity, indicator, lower, upper (entity ``"*"`` for bounds over the panel)."""
        n_ind = self.lower.shape[-1]
        rows = self.lower.shape[0]
        e, i = self._grid(rows, n_ind)
        ents = self.entities.take(e) if rows == len(self.entities) else np.full(e.size, "*")
        return pd.DataFrame(
            {
                "entity": ents,
                "indicator": np.asarray(self.indicators, dtype=object)[i],
                "lower": self.lower[:, 0, :].ravel(),
                "upper": self.upper[:, 0, :].ravel(),
            }
        )

    @cached_property
    def subsystem_order(self) -> pd.DataFrame:
        """entity, period, subsystem, order."""
        E, T, k = self.mu.shape
        e, t, j = self._grid(E, T, k)
        return pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "period": self.periods.take(t),
                "subsystem": np.asarray(self.subsystems, dtype=object)[j],
                "order": self.mu.ravel(),
            }
        )

    @cached_property
    def synergy(self) -> pd.DataFrame:
        """entity, base_period, period, synergy, level, stage."""
        E, P = self.synergy_values.shape
        e, p = self._grid(E, P)
        levels = np.asarray(self.spec.levels.names, dtype=object)
        stages = np.asarray(self.spec.stages.names, dtype=object)
        return pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "base_period": self.periods.take(self.t0[p]),
                "period": self.periods.take(self.t1[p]),
                "synergy": self.synergy_values.ravel(),
                "level": levels[self.level_codes.ravel()],
                "stage": stages[self.stage_codes.ravel()],
            }
        )

    # -- diagnostics (METHOD.md §6–§7) -------------------------------------------------
    def _diagnostic(self, name: str, key: str) -> Any:
        value = None if self.diagnostics is None else getattr(self.diagnostics, name)
        if value is None:
            raise SpecError(
                f"Result.{name} was not computed: add {key} under [diagnostics] in the spec"
            )
        return value

    def _subsystem_of(self) -> NDArray[np.object_]:
        return np.array([ind.subsystem for ind in self.spec.indicators], dtype=object)

    @cached_property
    def grey_relation(self) -> pd.DataFrame:
        """entity, subsystem, indicator, grade, weak — each indicator against its
        subsystem's order degree; ``weak`` when the grade is below ``gra_threshold``."""
        grades = self._diagnostic("gra", "gra = true")
        E, n_ind = grades.shape
        e, i = self._grid(E, n_ind)
        frame = pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "subsystem": self._subsystem_of()[i],
                "indicator": np.asarray(self.indicators, dtype=object)[i],
                "grade": grades.ravel(),
                "weak": grades.ravel() < self.spec.diagnostics.gra_threshold,
            }
        )
        # an indicator left out for an entity (on_constant = "drop") has no grade there
        return frame[~np.isnan(grades.ravel())].reset_index(drop=True)

    @cached_property
    def grey_cross(self) -> pd.DataFrame:
        """entity, subsystem, indicator, other_subsystem, other_indicator, grade — every
        indicator of one subsystem (reference) against every indicator of another."""
        self._diagnostic("gra", "gra = true")
        assert self.diagnostics is not None and self.diagnostics.gra_cross is not None
        subs = self.spec.subsystems
        parts = []
        for (j1, j2), grades in self.diagnostics.gra_cross.items():
            E, m1, m2 = grades.shape
            e, a, b = self._grid(E, m1, m2)
            parts.append(
                pd.DataFrame(
                    {
                        "entity": self.entities.take(e),
                        "subsystem": subs[j1].name,
                        "indicator": np.asarray(subs[j1].columns, dtype=object)[a],
                        "other_subsystem": subs[j2].name,
                        "other_indicator": np.asarray(subs[j2].columns, dtype=object)[b],
                        "grade": grades.ravel(),
                    }
                )[~np.isnan(grades.ravel())]
            )
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def coupling(self) -> pd.DataFrame:
        """entity, period, C, T, D, level, coupling_stage, E, lag (METHOD.md §7–§8).

        ``level`` and ``coupling_stage`` come from the spec's ``coupling_levels`` and
        ``coupling_stages`` scales. ``E`` is the relative development degree: for two
        subsystems ``E = U_1/U_2`` (empty where ``U_2 = 0``) and ``lag`` reads "<label of
        subsystem 1> lags", "synchronous" or "<label of subsystem 2> lags" (``E`` below,
        within or above ``lag_edges``); for k > 2 there is one column ``E_<subsystem>``
        = ``U_j / mean U`` per subsystem and ``lag`` names the subsystems that lag (or
        lead), or says "synchronous"."""
        c, t, d = self._diagnostic("coupling", 'coupling = "classic"')
        diag = self.spec.diagnostics
        E, T = c.shape
        e, p = self._grid(E, T)
        levels, stages = diag.coupling_levels, diag.coupling_stages
        frame = pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "period": self.periods.take(p),
                "C": c.ravel(),
                "T": t.ravel(),
                "D": d.ravel(),
                "level": np.asarray(levels.names, dtype=object)[classify(d.ravel(), levels.edges)],
                "coupling_stage": np.asarray(stages.names, dtype=object)[
                    classify(c.ravel(), stages.edges)
                ],
            }
        )
        assert self.diagnostics is not None
        if self.diagnostics.development is not None:
            ratio, lag = self.diagnostics.development
            labels = [s.label or s.name for s in self.spec.subsystems]
            if ratio.ndim == 2:
                frame["E"] = ratio.ravel()
                texts = [w.format("", *labels) for w in LAG_TEXT]
                frame["lag"] = np.asarray(texts, dtype=object)[lag.ravel()]
            else:
                for j, s in enumerate(self.spec.subsystems):
                    frame[f"E_{s.name}"] = ratio[..., j].ravel()
                frame["lag"] = _lag_words(lag.reshape(-1, lag.shape[-1]), labels)
        return frame

    @cached_property
    def obstacles(self) -> pd.DataFrame:
        """entity, period, rank, subsystem, indicator, obstacle, FI — the top-N indicators
        that hold each entity back in each period (``obstacles = N``), largest share
        first; ``obstacle`` is the share O = F·I / Σ F·I, ``FI`` the unscaled product
        F·I = W_j·φ_i·(1 − u_i) (METHOD.md §8: published work reports either)."""
        shares = self._diagnostic("obstacles", "obstacles = 5")
        n = self.spec.diagnostics.obstacles
        top = top_obstacles(shares, n)  # (E, T, n)
        E, T, keep = top.shape
        e, p, r = self._grid(E, T, keep)
        idx = top.ravel()
        return pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "period": self.periods.take(p),
                "rank": r + 1,
                "subsystem": self._subsystem_of()[idx],
                "indicator": np.asarray(self.indicators, dtype=object)[idx],
                "obstacle": np.take_along_axis(shares, top, axis=-1).ravel(),
                "FI": np.take_along_axis(self._obstacle_fi(), top, axis=-1).ravel(),
            }
        )

    def _obstacle_fi(self) -> Array:
        assert self.diagnostics is not None and self.diagnostics.obstacle_fi is not None
        return self.diagnostics.obstacle_fi

    def _future_periods(self, horizon: int) -> pd.Index:
        """Labels of the forecast periods: the periods continued when they are evenly
        spaced numbers, pandas periods or dates of a regular frequency; else
        ``"t+1"``, ``"t+2"``…"""
        periods = self.periods
        steps = range(1, horizon + 1)
        if isinstance(periods, pd.PeriodIndex):
            return pd.PeriodIndex([periods[-1] + h for h in steps])
        if isinstance(periods, pd.DatetimeIndex) and len(periods) >= 3:
            freq = pd.infer_freq(periods)
            if freq is not None:
                return pd.date_range(periods[-1], periods=horizon + 1, freq=freq)[1:]
        values = np.asarray(periods)
        if np.issubdtype(values.dtype, np.number) and len(values) >= 2:
            diffs = np.diff(values)
            if np.all(diffs == diffs[0]):
                return pd.Index([values[-1] + diffs[0] * h for h in steps])
        return pd.Index([f"t+{h}" for h in steps])

    def _forecast_rows(
        self,
        fit: GM11Batch,
        ok: NDArray[np.bool_],
        observed: Array,
        entity_codes: NDArray[np.intp],
        labels: NDArray[np.object_],
        periods: pd.Index,
        clip: NDArray[np.bool_] | None = None,
    ) -> pd.DataFrame:
        """Rows of the series of ``observed`` (S, n) that could be fitted (``ok``; the
        others, which GM(1,1) cannot fit, were skipped by the diagnostics)."""
        obs = observed[ok]
        S, n = obs.shape
        horizon = fit.forecast.shape[-1]
        s, q = self._grid(S, n + horizon)
        grades = np.asarray(GM11_GRADES, dtype=object)[fit.grade]
        outcome = np.where(fit.level_ratio_ok, "passed", "shifted").astype(object)
        clipped = np.zeros((S, n + horizon), dtype=bool) if clip is None else clip
        return pd.DataFrame(
            {
                "entity": self.entities.take(entity_codes[ok][s]),
                "series": labels[ok][s],
                "period": periods.take(q),
                "kind": np.array(["fit"] * n + ["forecast"] * horizon, dtype=object)[q],
                "observed": np.concatenate([obs, np.full((S, horizon), np.nan)], -1).ravel(),
                "value": np.concatenate([fit.fitted, fit.forecast], axis=-1).ravel(),
                "a": fit.a[s],
                "b": fit.b[s],
                "C": fit.C[s],
                "P": fit.P[s],
                "grade": grades[s],
                "level_ratio": outcome[s],
                "level_ratio_ok": fit.level_ratio_ok[s],
                "shift": fit.shift[s],
                "clipped": clipped.ravel(),
            }
        )

    @cached_property
    def forecast(self) -> pd.DataFrame:
        """entity, series, period, kind, observed, value, a, b, C, P, grade, level_ratio,
        level_ratio_ok, shift, clipped — GM(1,1) fitted values and forecasts of every
        subsystem order degree (series = the subsystem's name) and synergy path (series =
        "synergy"); ``kind`` is "fit" or "forecast". ``level_ratio`` is "passed" or
        "shifted" (the series failed the level-ratio test and was fitted after a shift by
        ``shift``); ``clipped`` is True where the value left the range of its quantity
        (μ in [0, 1], U in [−1, 1]) and was clipped to it."""
        fc = self._diagnostic("forecast", "forecast = 3")
        future = self._future_periods(fc.horizon)
        E, T, k = self.mu.shape
        parts = []
        if fc.order is not None:
            codes = np.repeat(np.arange(E), k)
            labels = np.tile(np.asarray(self.subsystems, dtype=object), E)
            series = np.swapaxes(self.mu, 1, 2).reshape(E * k, T)
            parts.append(
                self._forecast_rows(
                    fc.order,
                    fc.order_fitted,
                    series,
                    codes,
                    labels,
                    self.periods.append(future),
                    fc.order_clipped,
                )
            )
        if fc.synergy is not None:
            labels = np.full(E, "synergy", dtype=object)
            compared = self.periods.take(self.t1).append(future)
            parts.append(
                self._forecast_rows(
                    fc.synergy,
                    fc.synergy_fitted,
                    self.synergy_values,
                    np.arange(E),
                    labels,
                    compared,
                    fc.synergy_clipped,
                )
            )
        if not parts:  # GM(1,1) could fit no series (each named in the notes)
            return pd.DataFrame(columns=_FORECAST_COLUMNS)
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def robustness(self) -> pd.DataFrame:
        """entity, base_period, period, synergy, median, p5, p95, stage_agreement, rank,
        rank_p5, rank_p95 — the synergy degree over the Monte Carlo draws of weights and
        margin: its median and 90% band, the share of draws that keep the point estimate's
        stage, and the entity's rank among all entities (1 = highest) with its band."""
        rb = self._diagnostic("robustness", "robustness = true")
        E, P = rb.synergy.shape
        e, p = self._grid(E, P)
        unranked = np.full(E * P, np.nan)  # a part of a panel, ranked over the whole elsewhere
        return pd.DataFrame(
            {
                "entity": self.entities.take(e),
                "base_period": self.periods.take(rb.t0[p]),
                "period": self.periods.take(rb.t1[p]),
                "synergy": rb.synergy.ravel(),
                "median": rb.synergy_median.ravel(),
                "p5": rb.synergy_p5.ravel(),
                "p95": rb.synergy_p95.ravel(),
                "stage_agreement": rb.stage_agreement.ravel(),
                "rank": unranked if rb.rank is None else rb.rank.ravel(),
                "rank_p5": unranked if rb.rank_p5 is None else rb.rank_p5.ravel(),
                "rank_p95": unranked if rb.rank_p95 is None else rb.rank_p95.ravel(),
            }
        )

    @cached_property
    def analysis(self) -> AnalysisResult | None:
        """The spatio-temporal analysis the spec's ``[analysis]`` asks for, computed on
        first access (:func:`cosyn.analysis.analyse`); None when the spec has none."""
        from cosyn.analysis.run import analyse

        return analyse(self)

    def to_xarray(self) -> Any:
        """Every array as an :class:`xarray.Dataset` with labelled dimensions."""
        import xarray as xr

        ind = list(self.indicators)
        coords = {
            "entity": np.asarray(self.entities),
            "period": np.asarray(self.periods),
            "indicator": ind,
            "subsystem": list(self.subsystems),
            "subsystem_of": ("indicator", [i.subsystem for i in self.spec.indicators]),
            "direction": ("indicator", [i.direction for i in self.spec.indicators]),
            "compared": np.asarray(self.periods.take(self.t1)),
        }
        bounds_dims = ("entity", "indicator") if self.lower.shape[0] > 1 else ("indicator",)
        lower = self.lower[:, 0, :] if self.lower.shape[0] > 1 else self.lower[0, 0, :]
        upper = self.upper[:, 0, :] if self.upper.shape[0] > 1 else self.upper[0, 0, :]
        return xr.Dataset(
            {
                "value": (("entity", "period", "indicator"), self.x),
                "imputed": (("entity", "period", "indicator"), self.imputed),
                "u": (("entity", "period", "indicator"), self.u),
                "lower": (bounds_dims, lower),
                "upper": (bounds_dims, upper),
                "weight": (("entity", "indicator"), self.weight_values),
                "in_use": (
                    ("entity", "indicator"),
                    np.ones(self.weight_values.shape, bool) if self.active is None else self.active,
                ),
                "order": (("entity", "period", "subsystem"), self.mu),
                "synergy": (("entity", "compared"), self.synergy_values),
                "base_period": ("compared", np.asarray(self.periods.take(self.t0))),
            },
            coords=coords,
        )

    # -- reading ------------------------------------------------------------------------
    def summary(self, lang: str = "en") -> str:
        """The one screen a user reads first, in English or Chinese (``lang="zh"``; see
        :func:`cosyn.summary.render_summary`)."""
        from cosyn.summary import render_summary

        return render_summary(self, lang)

    def __repr__(self) -> str:
        E, T, n_ind = self.u.shape
        return (
            f"<cosyn.Result: {E} entities × {T} periods × {n_ind} indicators, "
            f"{len(self.subsystems)} subsystems; .summary() for the overview>"
        )


def _lag_words(codes: NDArray[np.int8], labels: list[str]) -> NDArray[np.object_]:
    """For k > 2: "A, C lag", or "B leads" when none lags, or "synchronous"."""
    patterns, inverse = np.unique(codes, axis=0, return_inverse=True)
    texts = []
    for row in patterns.tolist():  # one text per distinct pattern (at most 3^k)
        lagging = [labels[j] for j, c in enumerate(row) if c == 0]
        leading = [labels[j] for j, c in enumerate(row) if c == 2]
        if lagging:
            texts.append(", ".join(lagging) + (" lags" if len(lagging) == 1 else " lag"))
        elif leading:
            texts.append(", ".join(leading) + (" leads" if len(leading) == 1 else " lead"))
        else:
            texts.append(LAG_WORDS[1])
    return np.asarray(texts, dtype=object)[np.ravel(inverse)]
