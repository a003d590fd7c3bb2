"""The outcome of :func:`cosyn.fit`: arrays of every step, tidy tables on first access."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosyn.methods.levels import classify
from cosyn.panel import Panel
from cosyn.spec import Spec

__all__ = ["Result"]

Array = NDArray[np.float64]


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
        """entity, period, subsystem, indicator, value, imputed, u — one row per cell."""
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
                "order": (("entity", "period", "subsystem"), self.mu),
                "synergy": (("entity", "compared"), self.synergy_values),
                "base_period": ("compared", np.asarray(self.periods.take(self.t0))),
            },
            coords=coords,
        )

    # -- reading ------------------------------------------------------------------------
    def summary(self) -> str:
        """The one screen a user reads first (see :mod:`cosyn.summary`)."""
        from cosyn.summary import render_summary

        return render_summary(self)

    def __repr__(self) -> str:
        E, T, n_ind = self.u.shape
        return (
            f"<cosyn.Result: {E} entities × {T} periods × {n_ind} indicators, "
            f"{len(self.subsystems)} subsystems; .summary() for the overview>"
        )
