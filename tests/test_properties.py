"""Property tests for the checks that must always hold (METHOD.md, last section).

``0 ≤ u ≤ 1``; ``0 ≤ μ ≤ 1``; ``−1 ≤ U ≤ 1``; with the default options U is unchanged when
an indicator is multiplied by a positive constant (bounds "entity" or "panel"); swapping
subsystems leaves U unchanged; flipping an indicator's direction maps u to 1 − u; weights
sum to 1. Run through :func:`cosyn.fit` on random small panels and through the kernels.

The only error caught is the documented refusal of an indicator whose bounds coincide
(constant at 0, or constant with ``margin = 0``): such draws are rejected, not failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cosyn
from cosyn.methods import efficacy, subsystem_order, synergy_degree

settings.register_profile(
    "cosyn-properties",
    max_examples=60,
    deadline=None,  # the first fit of a run imports pandas machinery; timing is not tested
    suppress_health_check=[HealthCheck.too_slow],
)
PROPERTIES = settings.get_profile("cosyn-properties")
FEW = settings(PROPERTIES, max_examples=40)

pytestmark = pytest.mark.filterwarnings("ignore::cosyn.CosynWarning")

POSITIVE_VALUES = st.floats(0.5, 1e4, allow_nan=False, allow_infinity=False)
SIGNED_VALUES = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, allow_subnormal=False)


# ---------------------------------------------------------------------------------------
# random panels
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A wide panel (entity, period, indicator columns) and its subsystem layout."""

    values: np.ndarray  # (E, T, m), NaN where missing
    sizes: tuple[int, ...]  # indicators per subsystem
    positive: tuple[bool, ...]  # direction of each indicator
    given: tuple[float, ...] | None = None  # subjective weights, if any

    @property
    def columns(self) -> list[str]:
        return [f"x{i}" for i in range(self.values.shape[-1])]

    def groups(self) -> list[list[str]]:
        cols = self.columns
        out, start = [], 0
        for n in self.sizes:
            out.append(cols[start : start + n])
            start += n
        return out

    def frame(self, values: np.ndarray | None = None) -> pd.DataFrame:
        v = self.values if values is None else values
        E, T = v.shape[:2]
        data: dict[str, Any] = {
            "entity": np.repeat([f"e{e}" for e in range(E)], T),
            "period": np.tile(2000 + np.arange(T), E),
        }
        for i, c in enumerate(self.columns):
            data[c] = v[:, :, i].ravel()
        return pd.DataFrame(data)

    def spec(
        self,
        order: list[int] | None = None,
        positive: tuple[bool, ...] | None = None,
        explicit: dict[str, tuple[float, float]] | None = None,
        **method: Any,
    ) -> dict[str, Any]:
        pos = self.positive if positive is None else positive
        groups = self.groups()
        order = list(range(len(groups))) if order is None else order
        subsystems = {}
        for j in order:
            indicators = []
            for c in groups[j]:
                entry: dict[str, Any] = {"column": c, "direction": "+" if pos[int(c[1:])] else "-"}
                if explicit and c in explicit:
                    entry["lower"], entry["upper"] = explicit[c]
                indicators.append(entry)
            subsystems[f"S{j}"] = {"indicators": indicators}
            if self.given is not None:  # subjective weights, for method.weights = "given"
                subsystems[f"S{j}"]["weights"] = {c: self.given[int(c[1:])] for c in groups[j]}
        return {"entity": "entity", "period": "period", "method": method, "subsystems": subsystems}


@st.composite
def panels(draw: st.DrawFn, signed: bool | None = False, missing: bool = False) -> Case:
    """1–4 entities, 3–8 periods, 2–3 subsystems of 1–4 indicators each.

    ``signed``: False for values in [0.5, 1e4], True for [−1e4, 1e4], None to draw which.
    ``missing``: blank some cells (every series keeps at least 2 observed values).
    """
    if signed is None:
        signed = draw(st.booleans())
    E = draw(st.integers(1, 4))
    T = draw(st.integers(3, 8))
    sizes = tuple(draw(st.lists(st.integers(1, 4), min_size=2, max_size=3)))
    m = sum(sizes)
    elements = SIGNED_VALUES if signed else POSITIVE_VALUES
    values = draw(hnp.arrays(np.float64, (E, T, m), elements=elements))
    if missing:
        one_in_four = st.sampled_from([False, False, False, True])
        holes = draw(hnp.arrays(np.bool_, (E, T, m), elements=one_in_four))
        holes &= (~holes).sum(axis=1, keepdims=True) >= 2  # a series keeps ≥ 2 observations
        values = np.where(holes, np.nan, values)
    positive = tuple(draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    return Case(values, sizes, positive)


def fit(frame: pd.DataFrame, spec: dict[str, Any]) -> cosyn.Result:
    """``cosyn.fit``, rejecting the draw where it refuses a constant indicator (documented)."""
    try:
        return cosyn.fit(frame, spec)
    except cosyn.DataError as exc:
        if "constant" not in str(exc):
            raise
        reject()


METHOD_OPTIONS = st.fixed_dictionaries(
    {
        "bounds": st.sampled_from(["entity", "panel"]),
        "margin": st.sampled_from([0.0, 0.1, 0.3]),
        "weights": st.sampled_from(["entropy", "critic", "equal"]),
        "weights_scope": st.sampled_from(["entity", "panel"]),
        "entropy_input": st.sampled_from(["order", "minmax", "shift", "rescale"]),
        "aggregation": st.sampled_from(["weighted_sum", "geometric", "weighted_geometric"]),
        "base": st.sampled_from(["first", "adjacent", 2001]),
        "impute": st.sampled_from(["regression", "linear"]),
        "on_constant": st.sampled_from(["error", "drop"]),
    }
)


def subsystem_sums(res: cosyn.Result) -> np.ndarray:
    """Σ φ over the indicators of each subsystem, shape (E, k)."""
    names = [s.name for s in res.spec.subsystems]
    mem = np.array([[i.subsystem == n for n in names] for i in res.spec.indicators], dtype=float)
    return np.asarray(res.weight_values @ mem)


# ---------------------------------------------------------------------------------------
# ranges: 0 ≤ u ≤ 1, 0 ≤ μ ≤ 1, −1 ≤ U ≤ 1
# ---------------------------------------------------------------------------------------


def assert_ranges(res: cosyn.Result) -> None:
    # u is NaN exactly where on_constant = "drop" left an indicator out for an entity
    # (res.active False); μ and U never are.
    in_use = np.ones(res.u.shape, bool) if res.active is None else res.active[:, None, :]
    in_use = np.broadcast_to(in_use, res.u.shape)
    np.testing.assert_array_equal(np.isfinite(res.u), in_use)
    u = res.u[in_use]
    assert np.all((u >= 0.0) & (u <= 1.0)), (u.min(), u.max())
    if res.active is not None:
        assert np.all(res.weight_values[~res.active] == 0.0)
    assert np.all(np.isfinite(res.mu))
    assert np.all((res.mu >= 0.0) & (res.mu <= 1.0)), (res.mu.min(), res.mu.max())
    assert np.all(np.isfinite(res.synergy_values))
    U = res.synergy_values
    assert np.all((U >= -1.0) & (U <= 1.0)), (U.min(), U.max())
    # METHOD.md §8: round-off never shows as a tiny synergy, and 0 is never −0.0
    assert not np.any((U != 0) & (np.abs(U) <= 1e-12)), U
    assert not np.any((U == 0) & np.signbit(U))


# Three years, two subsystems of two rising indicators each: with margin = 0 every u is 0
# in the first year and 1 in the last. Given weights 0.03 : 0.29 in each subsystem
# normalise to 0.03/0.32 = 0.09375000000000001 and 0.29/0.32 = 0.9062500000000001 in
# floating point, which add up to 1.0000000000000002.
PEAK_TOGETHER = Case(
    values=np.array([[[1.0, 1.0, 1.0, 1.0], [2.0, 3.0, 2.0, 3.0], [3.0, 4.0, 3.0, 4.0]]]),
    sizes=(2, 2),
    positive=(True, True, True, True),
    given=(0.03, 0.29, 0.03, 0.29),
)


@PROPERTIES
@given(case=panels(signed=None, missing=True), method=METHOD_OPTIONS)
@example(case=PEAK_TOGETHER, method={"margin": 0.0, "weights": "given"})
def test_fit_order_degrees_and_synergy_stay_in_range(case, method):
    res = fit(case.frame(), case.spec(**method))
    assert_ranges(res)


def test_fit_mu_and_synergy_do_not_exceed_one_when_weights_round_above_one():
    """Every indicator of both subsystems at its maximum in the last period, margin 0.

    u = (x − min)/(max − min) = 1 for every indicator in the last year, so
    μ = Σ φ·1 = Σ φ and U(first → last) = sqrt(μ_A·μ_B) must be 1 at most (METHOD.md:
    0 ≤ μ ≤ 1, −1 ≤ U ≤ 1). The weights sum to 1 only up to rounding:
    0.09375000000000001 + 0.9062500000000001 = 1.0000000000000002, and that excess reaches
    μ (and, where every subsystem's μ exceeds 1, can reach U). With margin 0 the same
    happens with entropy or CRITIC weights for about one rising panel in 25.
    """
    res = cosyn.fit(PEAK_TOGETHER.frame(), PEAK_TOGETHER.spec(margin=0.0, weights="given"))
    np.testing.assert_array_equal(res.u[0, -1], 1.0)  # every indicator at its maximum
    assert res.mu.max() <= 1.0, repr(res.mu.max())
    assert res.synergy_values.max() <= 1.0, repr(res.synergy_values.max())


@PROPERTIES
@given(case=panels(signed=None), method=METHOD_OPTIONS, data=st.data())
def test_fit_ranges_hold_with_explicit_bounds_and_clipping(case, method, data):
    """Explicit bounds inside the data range: cells outside are clipped to [0, 1]."""
    x = case.values
    i = data.draw(st.integers(0, x.shape[-1] - 1), label="indicator")
    lo_q, hi_q = sorted(data.draw(st.tuples(st.floats(0, 1), st.floats(0, 1)), label="quantiles"))
    lo, hi = np.quantile(x[..., i], [lo_q, hi_q])
    if not hi > lo:
        hi = lo + 1.0  # explicit bounds need upper > lower
    res = fit(case.frame(), case.spec(explicit={f"x{i}": (float(lo), float(hi))}, **method))
    assert_ranges(res)


# ---------------------------------------------------------------------------------------
# on_constant = "drop" per entity: the entity's fit is that of the entity alone
# ---------------------------------------------------------------------------------------


@FEW
@given(
    case=panels(),
    weighting=st.sampled_from(["entropy", "critic", "equal", "cv"]),
    aggregation=st.sampled_from(["weighted_sum", "geometric", "weighted_geometric"]),
    data=st.data(),
)
def test_fit_drop_per_entity_is_the_entity_fitted_without_the_indicator(
    case, weighting, aggregation, data
):
    """METHOD.md §8: with bounds and weights per entity, an indicator constant at 0 for
    one entity is left out for that entity only — its results are those of a fit of the
    entity alone, without the indicator, whatever the weights and the aggregation."""
    E, _, m = case.values.shape
    e = data.draw(st.integers(0, E - 1), label="entity")
    i = data.draw(st.integers(0, m - 1), label="indicator")
    values = case.values.copy()
    values[e, :, i] = 0.0
    spec = case.spec(on_constant="drop", weights=weighting, aggregation=aggregation)
    res = fit(case.frame(values), spec)
    alone = fit(case.frame(values[e : e + 1]), spec)  # i constant for every entity: dropped
    assert alone.dropped == (f"x{i}",)
    if E == 1:  # constant for every entity: dropped from the spec, as alone
        assert res.dropped == (f"x{i}",)
        others = list(range(m - 1))
    else:
        assert res.dropped == () and res.weight_values[e, i] == 0.0
        others = [n for n in range(m) if n != i]
    np.testing.assert_allclose(res.weight_values[e, others], alone.weight_values[0], rtol=1e-12)
    np.testing.assert_allclose(res.mu[e], alone.mu[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        res.synergy_values[e], alone.synergy_values[0], rtol=1e-9, atol=1e-12
    )
    assert_ranges(res)


# ---------------------------------------------------------------------------------------
# U unchanged when an indicator is multiplied by a positive constant (default options)
# ---------------------------------------------------------------------------------------


def assert_same_synergy(a: cosyn.Result, b: cosyn.Result) -> None:
    """Same μ; same U wherever U is well conditioned.

    Where some subsystem barely moves (|Δ| < 1e-7), rounding at the 1e-16 level can flip
    the sign θ and is magnified by the k-th root, so U is compared only where every
    |Δ_j| ≥ 1e-7; μ, from which Δ is taken, is compared everywhere.
    """
    np.testing.assert_allclose(b.mu, a.mu, rtol=1e-9, atol=1e-12)
    delta = a.mu[:, a.t1, :] - a.mu[:, a.t0, :]
    ok = np.abs(delta).min(axis=-1) >= 1e-7
    np.testing.assert_allclose(b.synergy_values[ok], a.synergy_values[ok], rtol=1e-9, atol=1e-12)


@PROPERTIES
@pytest.mark.parametrize("bounds", ["entity", "panel"])
@given(case=panels(signed=None), data=st.data())
def test_fit_synergy_unchanged_by_scaling_an_indicator(bounds, case, data):
    m = case.values.shape[-1]
    i = data.draw(st.integers(0, m - 1), label="indicator")
    c = data.draw(st.floats(1e-3, 1e3), label="constant")
    spec = case.spec(bounds=bounds)  # every other option at its default
    scaled = case.values.copy()
    scaled[..., i] *= c
    a = fit(case.frame(), spec)
    b = fit(case.frame(scaled), spec)
    np.testing.assert_allclose(b.u, a.u, rtol=1e-9, atol=1e-12)
    assert_same_synergy(a, b)


# ---------------------------------------------------------------------------------------
# swapping subsystems leaves U unchanged
# ---------------------------------------------------------------------------------------


@PROPERTIES
@given(case=panels(signed=None), method=METHOD_OPTIONS, data=st.data())
def test_fit_synergy_unchanged_by_the_order_of_the_subsystems(case, method, data):
    k = len(case.sizes)
    order = data.draw(st.permutations(range(k)), label="order")
    a = fit(case.frame(), case.spec(**method))
    b = fit(case.frame(), case.spec(order=order, **method))
    np.testing.assert_allclose(b.mu, a.mu[..., order], rtol=1e-12, atol=0)
    np.testing.assert_allclose(b.synergy_values, a.synergy_values, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(np.sign(b.synergy_values), np.sign(a.synergy_values))


# ---------------------------------------------------------------------------------------
# flipping an indicator's direction maps u to 1 − u
# ---------------------------------------------------------------------------------------


@PROPERTIES
@given(case=panels(signed=None), method=METHOD_OPTIONS, data=st.data())
def test_fit_flipping_a_direction_maps_u_to_one_minus_u(case, method, data):
    m = case.values.shape[-1]
    i = data.draw(st.integers(0, m - 1), label="indicator")
    flipped = tuple(not p if n == i else p for n, p in enumerate(case.positive))
    a = fit(case.frame(), case.spec(**method))
    b = fit(case.frame(), case.spec(positive=flipped, **method))
    if a.dropped:  # on_constant = "drop" removed columns: compare by name
        assert b.dropped == a.dropped
    j = a.indicators.index(f"x{i}") if f"x{i}" in a.indicators else None
    others = [n for n in range(len(a.indicators)) if n != j]
    if j is not None:
        np.testing.assert_allclose(b.u[..., j], 1.0 - a.u[..., j], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(b.u[..., others], a.u[..., others])


# ---------------------------------------------------------------------------------------
# weights sum to 1 within each subsystem for every entity
# ---------------------------------------------------------------------------------------

WEIGHTING = [
    pytest.param({"weights": "entropy", "entropy_input": e}, id=f"entropy-{e}")
    for e in ("order", "minmax", "shift", "rescale")
] + [
    pytest.param({"weights": "critic"}, id="critic"),
    pytest.param({"weights": "equal"}, id="equal"),
]


def assert_weights_sum_to_one(res: cosyn.Result) -> None:
    w = res.weight_values
    assert np.all(np.isfinite(w))
    assert np.all(w >= 0.0)
    np.testing.assert_allclose(subsystem_sums(res), 1.0, rtol=0, atol=1e-12)


@FEW
@pytest.mark.parametrize("scope", ["entity", "panel"])
@pytest.mark.parametrize("weighting", WEIGHTING)
@given(case=panels(signed=None))
def test_fit_weights_sum_to_one(weighting, scope, case):
    res = fit(case.frame(), case.spec(weights_scope=scope, **weighting))
    assert_weights_sum_to_one(res)


@FEW
@pytest.mark.parametrize("scope", ["entity", "panel"])
@given(case=panels(signed=False))
def test_fit_cv_weights_sum_to_one_on_positive_data(scope, case):
    res = fit(case.frame(), case.spec(weights="cv", weights_scope=scope))
    assert_weights_sum_to_one(res)


# ---------------------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------------------

UNIT = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def order_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """μ before and after, shape (n, k) with k = 2..4."""
    n = draw(st.integers(1, 6))
    k = draw(st.integers(2, 4))
    before = draw(hnp.arrays(np.float64, (n, k), elements=UNIT))
    after = draw(hnp.arrays(np.float64, (n, k), elements=UNIT))
    return before, after


@PROPERTIES
@given(pair=order_pairs(), data=st.data())
def test_synergy_degree_symmetric_in_the_subsystems(pair, data):
    before, after = pair
    k = before.shape[-1]
    perm = data.draw(st.permutations(range(k)), label="permutation")
    u = synergy_degree(before, after)
    v = synergy_degree(before[:, perm], after[:, perm])
    np.testing.assert_array_equal(np.sign(v), np.sign(u))
    np.testing.assert_allclose(v, u, rtol=1e-12, atol=0)


def one_ulp_apart(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Pairs where some subsystem moves by a few ulps only (round-off of a weighted sum)."""
    before, after = draw(order_pairs())
    j = draw(st.integers(0, before.shape[-1] - 1))
    steps = draw(st.integers(-4, 4))
    after[:, j] = before[:, j] + steps * np.spacing(np.maximum(before[:, j], 1e-300))
    return before, np.clip(after, 0.0, 1.0)


@PROPERTIES
@given(pair=st.one_of(order_pairs(), st.composite(one_ulp_apart)()))
@example(pair=(np.zeros((1, 2)), np.full((1, 2), 1e-200)))  # every Δ = 1e-200: round-off
@example(pair=(np.array([[1 / 13, 6 / 13]]), np.array([[12 / 13, 6 / 13 + 2**-53]])))
def test_synergy_degree_positive_iff_every_subsystem_moved_up(pair):
    """U > 0 iff every Δ_j > 1e-12 (METHOD.md §8); U is never in (0, 1e-12] through
    round-off, and never −0.0."""
    before, after = pair
    delta = after - before
    U = synergy_degree(before, after)
    np.testing.assert_array_equal(U > 0, np.all(delta > 1e-12, axis=-1))
    np.testing.assert_array_equal(U == 0, np.any(np.abs(delta) <= 1e-12, axis=-1))
    assert not np.any((U != 0) & (np.abs(U) <= 1e-12)), U
    assert np.all((U >= -1.0) & (U <= 1.0))
    # never −0.0
    assert not np.any((U == 0) & np.signbit(U))


@PROPERTIES
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 8), st.integers(1, 4)),
        elements=SIGNED_VALUES,
    ),
    margin=st.sampled_from([0.0, 0.1, 0.5]),
    data=st.data(),
)
def test_efficacy_range_flip_and_scale(x, margin, data):
    m = x.shape[-1]
    positive = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    try:
        u = efficacy(x, positive, margin)
    except ValueError:
        # documented: a column with upper == lower (constant at 0, or constant, margin 0)
        lo, hi = x.min(axis=0), x.max(axis=0)
        assert np.any((hi + margin * np.abs(hi)) - (lo - margin * np.abs(lo)) <= 0)
        reject()
    assert np.all((u >= 0.0) & (u <= 1.0))
    np.testing.assert_allclose(efficacy(x, ~positive, margin), 1.0 - u, rtol=0, atol=1e-12)
    c = data.draw(st.floats(1e-3, 1e3), label="constant")
    np.testing.assert_allclose(efficacy(c * x, positive, margin), u, rtol=1e-9, atol=1e-12)


@PROPERTIES
@given(data=st.data())
def test_subsystem_order_in_unit_interval(data):
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=3), label="sizes")
    m, k = sum(sizes), len(sizes)
    T = data.draw(st.integers(1, 5), label="T")
    u = data.draw(hnp.arrays(np.float64, (T, m), elements=UNIT), label="u")
    raw = data.draw(hnp.arrays(np.float64, m, elements=st.floats(0.0, 1.0)), label="raw")
    mem = np.zeros((m, k), dtype=bool)
    mem[np.arange(m), np.repeat(np.arange(k), sizes)] = True
    share = raw @ mem  # raw weight per subsystem
    raw = np.where((share @ mem.T) > 0, raw, 1.0)  # no subsystem with all weights 0
    w = raw / ((raw @ mem) @ mem.T)  # φ summing to 1 within each subsystem
    for how in ("weighted_sum", "geometric", "weighted_geometric"):
        mu = subsystem_order(u, w, mem, how)  # type: ignore[arg-type]
        assert np.all((mu >= 0.0) & (mu <= 1.0)), (how, mu.min(), mu.max())
