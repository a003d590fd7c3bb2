"""Cases of the robustness Monte Carlo, and their stored outputs (``robustness_reference.npz``).

The stored outputs of the cases whose draws share weights over the panel (or draw none)
are those of the robustness kernel of commit 85b1dc3 (every draw of every entity held in
memory at once, the percentiles taken at the end); those with weights drawn per entity
were written again when each entity came to draw from its own stream (METHOD.md §7).
Running this file again writes them all with the kernel of the working tree::

    python tests/methods/robustness_cases.py

Two kinds of case:

- ``KERNEL_CASES``: :func:`cosyn.methods.robustness.robustness_draws` on random panels,
  over the options that change what a draw shares — bounds per entity or over the panel,
  weights per entity or one panel vector, the three aggregations, explicit bounds,
  indicators left out, the base period, tiny and infinite concentrations, margin 0 with a
  constant series, ties between entities;
- ``FIT_CASES``: ``cosyn.fit`` with ``[diagnostics.robustness]`` on a panel with missing
  values, for each weighting method, imputation, bounds and weights scope; the stored
  output is the ``Result.robustness`` table.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).with_name("robustness_reference.npz")

#: Arrays of a RobustnessResult compared with the stored outputs.
FIELDS = (
    "margins",
    "synergy",
    "synergy_p5",
    "synergy_median",
    "synergy_p95",
    "stage",
    "stage_agreement",
    "rank",
    "rank_p5",
    "rank_median",
    "rank_p95",
    "rank_agreement",
    "mu",
    "mu_p5",
    "mu_median",
    "mu_p95",
)
#: Columns of Result.robustness compared with the stored outputs.
TABLE_COLUMNS = (
    "synergy",
    "median",
    "p5",
    "p95",
    "stage_agreement",
    "rank",
    "rank_p5",
    "rank_p95",
)

# indicators 0, 1, 2 → subsystem 0; indicators 3, 4 → subsystem 1
MEMBERSHIP = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)
POSITIVE = np.array([True, False, True, True, False])


def panel(seed: int, E: int = 7, T: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Values with trends (indicator 1 negative-valued) and per-entity weights, one zero."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(1.0, 0.6, size=(E, 1, 5)) * np.exp(
        rng.normal(0.1, 0.1, size=(E, 1, 5)) * np.arange(T)[None, :, None]
        + rng.normal(0, 0.1, size=(E, T, 5))
    )
    x[..., 1] -= 3.0
    w = rng.uniform(0.2, 1.0, size=(E, 5))
    w[2, 0] = 0.0
    w /= (w @ MEMBERSHIP)[:, MEMBERSHIP.argmax(axis=1)]
    return x, w


def _explicit(x: np.ndarray) -> dict[str, np.ndarray]:
    """Explicit bounds on some indicators, one inside the data (so u is clipped there)."""
    lo, hi = x.min(axis=(0, 1)), x.max(axis=(0, 1))
    lower = np.array([np.nan, lo[1], np.nan, 0.0, np.nan])
    upper = np.array([np.nan, np.nan, hi[2] - 0.03 * (hi[2] - lo[2]), np.nan, hi[4] * 1.5])
    return {"lower": lower, "upper": upper}


def kernel_cases() -> dict[str, Callable[[], tuple[tuple[Any, ...], dict[str, Any]]]]:
    """Name → a function returning the (args, kwargs) of one ``robustness_draws`` call."""
    cases: dict[str, Callable[[], tuple[tuple[Any, ...], dict[str, Any]]]] = {}

    def grid(axis: Any, scope: str, aggregation: str, explicit: bool, vector: bool) -> Any:
        def make() -> tuple[tuple[Any, ...], dict[str, Any]]:
            x, w = panel(11)
            weights = w[0] if vector else w
            kw: dict[str, Any] = {
                "bounds_axis": axis,
                "draws": 30,
                "seed": 4,
                "aggregation": aggregation,
                "weights_scope": scope,
            }
            if explicit:
                kw.update(_explicit(x))
            return (x, POSITIVE, weights, MEMBERSHIP), kw

        return make

    for axis, axis_name in ((1, "entity"), ((0, 1), "panel")):
        for scope in ("entity", "panel"):
            for aggregation in ("weighted_sum", "weighted_geometric", "geometric"):
                for explicit in (False, True):
                    name = f"bounds_{axis_name}-weights_{scope}-{aggregation}" + (
                        "-explicit" if explicit else ""
                    )
                    cases[name] = grid(axis, scope, aggregation, explicit, False)
        cases[f"bounds_{axis_name}-panel_vector"] = grid(axis, "panel", "weighted_sum", 0, 1)

    def left_out(scope: str, aggregation: str, axis: Any) -> Any:
        def make() -> tuple[tuple[Any, ...], dict[str, Any]]:
            x, w = panel(12)
            x[1, :, 3] = 0.0  # constant at 0 for entity 1: left out there
            active = np.ones(w.shape, dtype=bool)
            active[1, 3] = False
            active[4, 0] = False
            w = np.where(active, w, 0.0)
            w /= (w @ MEMBERSHIP)[:, MEMBERSHIP.argmax(axis=1)]
            kw = {
                "bounds_axis": axis,
                "draws": 25,
                "seed": 8,
                "aggregation": aggregation,
                "weights_scope": scope,
                "active": active,
            }
            return (x, POSITIVE, w, MEMBERSHIP), kw

        return make

    for scope in ("entity", "panel"):
        for aggregation in ("weighted_sum", "geometric"):
            cases[f"left_out-weights_{scope}-{aggregation}"] = left_out(scope, aggregation, 1)

    def simple(seed: int, **extra: Any) -> Any:
        def make() -> tuple[tuple[Any, ...], dict[str, Any]]:
            x, w = panel(seed)
            kw = {"bounds_axis": 1, "draws": 30, "seed": seed, **extra}
            return (x, POSITIVE, w, MEMBERSHIP), kw

        return make

    cases["base_adjacent"] = simple(13, base="adjacent")
    cases["base_2-geometric"] = simple(14, base=2, aggregation="weighted_geometric")
    cases["tiny_concentration-weights_entity"] = simple(15, concentration=1e-3)
    cases["tiny_concentration-weights_panel"] = simple(
        16, concentration=2e-3, weights_scope="panel", bounds_axis=(0, 1)
    )
    cases["infinite_concentration"] = simple(17, concentration=math.inf)
    cases["wide_margin_range"] = simple(18, margin_range=(0.0, 0.5), point_margin=0.25)

    def constant_series(aggregation: str) -> Any:
        def make() -> tuple[tuple[Any, ...], dict[str, Any]]:
            x, w = panel(19)
            x[3, :, 2] = 7.5  # constant ≠ 0: u = 1/2 for every margin > 0
            kw = {
                "bounds_axis": 1,
                "draws": 20,
                "seed": 19,
                "margin_range": (0.0, 0.1),
                "aggregation": aggregation,
            }
            return (x, POSITIVE, w, MEMBERSHIP), kw

        return make

    cases["margin_from_0-constant_series"] = constant_series("weighted_sum")
    cases["margin_from_0-constant_series-geometric"] = constant_series("weighted_geometric")

    def interleaved() -> tuple[tuple[Any, ...], dict[str, Any]]:
        order = [0, 3, 1, 4, 2]
        x, w = panel(20)
        args = (x[..., order], POSITIVE[order], w[:, order], MEMBERSHIP[order])
        return args, {"bounds_axis": 1, "draws": 30, "seed": 20}

    cases["interleaved_subsystems"] = interleaved

    def ties() -> tuple[tuple[Any, ...], dict[str, Any]]:
        x, w = panel(21)
        x[1], x[5] = x[0], x[0]  # three identical entities: tied ranks in every draw
        return (x, POSITIVE, w[0], MEMBERSHIP), {"bounds_axis": 1, "draws": 30, "seed": 21}

    cases["tied_entities"] = ties

    def unnormalised() -> tuple[tuple[Any, ...], dict[str, Any]]:
        x, w = panel(22)
        return (x, POSITIVE, w * 3.0, MEMBERSHIP), {"bounds_axis": (0, 1), "draws": 30}

    cases["weights_not_summing_to_1"] = unnormalised
    return cases


# -- through cosyn.fit ---------------------------------------------------------------------


def fit_panel() -> pd.DataFrame:
    """8 entities × 7 periods, 5 indicators, a few missing values (imputed by the fit)."""
    rng = np.random.default_rng(30)
    E, T = 8, 7
    t = np.arange(T, dtype=float)
    rows = []
    for e in range(E):
        level = rng.lognormal(2.0, 0.5, size=5)
        trend = rng.normal(0.08, 0.05, size=5)
        values = level * np.exp(trend * t[:, None] + rng.normal(0, 0.05, size=(T, 5)))
        for n in range(T):
            cells = dict(zip("abcde", values[n], strict=True))
            rows.append({"region": f"r{e}", "year": 2010 + n, **cells})
    frame = pd.DataFrame(rows)
    frame.loc[[3, 17, 30], "b"] = np.nan
    frame.loc[[8, 44], "d"] = np.nan
    return frame


def fit_spec(**method: Any) -> dict[str, Any]:
    """Subsystems A (a+, b−, c+) and B (d+, e+); robustness with 40 draws."""
    subsystems: dict[str, Any] = {
        "A": {"indicators": {"a": "+", "b": "-", "c": "+"}},
        "B": {"indicators": {"d": "+", "e": "+"}},
    }
    extra = method.pop("subsystems", None)
    if extra:
        for name, more in extra.items():
            subsystems[name].update(more)
    return {
        "entity": "region",
        "period": "year",
        "method": method,
        "subsystems": subsystems,
        "diagnostics": {"robustness": {"draws": 40, "seed": 6, "concentration": 30}},
    }


AHP = {
    "A": {"ahp": [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]},
    "B": {"ahp": [[1, 2], [1 / 2, 1]]},
}
GIVEN = {"A": {"weights": {"a": 0.5, "b": 0.3, "c": 0.2}}, "B": {"weights": {"d": 0.4, "e": 0.6}}}


def fit_cases() -> dict[str, dict[str, Any]]:
    """Name → spec of one ``cosyn.fit`` with robustness."""
    bounds_a = {"A": {"indicators": {"a": {"direction": "+", "lower": 0.0}, "b": "-", "c": "+"}}}
    return {
        "entropy": fit_spec(),
        "critic": fit_spec(weights="critic"),
        "cv": fit_spec(weights="cv"),
        "equal": fit_spec(weights="equal"),
        "given": fit_spec(weights="given", subsystems=GIVEN),
        "ahp": fit_spec(weights="ahp", subsystems=AHP),
        "combined": fit_spec(weights="combined", subsystems=GIVEN),
        "entropy-panel_scope": fit_spec(weights_scope="panel"),
        "entropy-panel_bounds": fit_spec(bounds="panel"),
        "entropy-panel_bounds-panel_scope": fit_spec(bounds="panel", weights_scope="panel"),
        "critic-panel_scope": fit_spec(weights="critic", weights_scope="panel"),
        "impute_linear": fit_spec(impute="linear"),
        "explicit_bounds": fit_spec(subsystems=bounds_a),
        "weighted_geometric": fit_spec(aggregation="weighted_geometric"),
        "geometric-panel_bounds": fit_spec(aggregation="geometric", bounds="panel"),
    }


def fit_result(spec: dict[str, Any]) -> Any:
    import cosyn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(fit_panel(), spec)


def main() -> int:
    from cosyn.methods.robustness import robustness_draws

    out: dict[str, np.ndarray] = {}
    for name, make in kernel_cases().items():
        args, kw = make()
        res = robustness_draws(*args, **kw)
        for field in FIELDS:
            out[f"kernel/{name}/{field}"] = np.asarray(getattr(res, field))
    for name, spec in fit_cases().items():
        table = fit_result(spec).robustness
        for column in TABLE_COLUMNS:
            out[f"fit/{name}/{column}"] = table[column].to_numpy()
    np.savez_compressed(REFERENCE, **out)
    print(f"wrote {len(out)} arrays to {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
