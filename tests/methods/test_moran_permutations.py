"""Permutation inference of Moran's I and LISA (cosyn.methods.moran), independent checks.

Independent sources: the exact permutation distributions, enumerated with ``itertools``
on small graphs (every permutation of six values for global Moran's I; every ordered
choice of the neighbours' values among the other entities for local Moran), which the
Monte Carlo p-values must approach within their sampling error; NumPy's legacy
``RandomState`` for the draws; the formula of the pseudo p-value worked by hand. The
comparison with esda itself (same seed, same numbers) is in ``tests/test_space.py``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import sparse

from cosyn.methods import moran as K


def _ring(n: int) -> sparse.csr_matrix:
    """Row-standardised ring: each entity's neighbours are the two next to it."""
    rows = np.repeat(np.arange(n), 2)
    cols = np.column_stack([(np.arange(n) - 1) % n, (np.arange(n) + 1) % n]).ravel()
    return sparse.csr_matrix((np.full(2 * n, 0.5), (rows, cols)), shape=(n, n))


def _path(n: int) -> sparse.csr_matrix:
    """Row-standardised path 0–1–…–(n−1): the ends have one neighbour, the rest two."""
    a = np.zeros((n, n))
    i = np.arange(n - 1)
    a[i, i + 1] = a[i + 1, i] = 1.0
    return sparse.csr_matrix(a / a.sum(axis=1, keepdims=True))


def _fold_bounds(p_gt: float, p_ge: float) -> tuple[float, float]:
    """Range of min(A, 1 − A) for the share A of permuted values ≥ the observed one,
    A between P(>) and P(≥) (a permuted value equal to the observed one may round
    either way)."""
    return min(p_gt, 1 - p_ge), min(p_ge, 1 - p_gt)


def test_folded_p_by_hand() -> None:
    # R = 9: 0 of 9 permuted ≥ → (0 + 1)/10; 9 of 9 ≥ → folded to 0 → 0.1; 4 → 0.5;
    # 5 → min(5, 4) = 4 → 0.5; 7 → 2 → 0.3.
    np.testing.assert_array_equal(K.folded_p([0, 9, 4, 5, 7], 9), [0.1, 0.1, 0.5, 0.5, 0.3])


def test_draws_are_legacy_randomstate_permutations() -> None:
    rs = np.random.RandomState(42)
    expected = np.array([rs.permutation(9)[:3] for _ in range(5)])
    np.testing.assert_array_equal(K.conditional_draws(10, 3, 5, 42), expected)
    rs = np.random.RandomState(42)
    expected = np.array([rs.permutation(10) for _ in range(5)])
    np.testing.assert_array_equal(K.total_permutations(10, 5, 42), expected)
    # Each draw: distinct positions among the n − 1 others.
    d = K.conditional_draws(30, 6, 200, 1)
    assert d.min() >= 0 and d.max() <= 28
    assert all(len(set(row)) == 6 for row in d)
    with pytest.raises(ValueError, match="k_max"):
        K.conditional_draws(5, 5, 3, 0)


def test_global_p_sim_approaches_the_enumerated_permutation_distribution() -> None:
    """Ring of 6, y = 1 … 6 in two arrangements: all 720 permutations enumerated give the
    exact P(I_π ≥ I); 20,000 random permutations must land within 5 standard errors, and
    the reported p_sim must be (min(#≥, R − #≥) + 1)/(R + 1)."""
    w = _ring(6)
    dense = w.toarray()
    y = np.array([[1.0, 1.0], [2.0, 6.0], [3.0, 2.0], [4.0, 5.0], [5.0, 3.0], [6.0, 4.0]])

    def moran_i(v: np.ndarray) -> float:
        z = v - v.mean()
        return float(len(v) / dense.sum() * (z @ dense @ z) / (z @ z))

    observed = np.array([moran_i(y[:, t]) for t in range(2)])
    R = 20_000
    r = K.global_moran_permutations(y, w, observed, R, seed=3, keep=True)
    assert r.sim is not None and r.sim.shape == (R, 2)
    for t in range(2):
        every = np.array([moran_i(y[list(p), t]) for p in itertools.permutations(range(6))])
        tol = 1e-12
        p_gt = float((every > observed[t] + tol).mean())
        p_ge = float((every >= observed[t] - tol).mean())
        lo, hi = _fold_bounds(p_gt, p_ge)
        folded = r.p_sim[t] * (R + 1) - 1  # an integer count
        assert folded == pytest.approx(round(folded), abs=1e-6)
        se = math.sqrt(0.25 / R)
        assert lo - 5 * se <= folded / R <= hi + 5 * se
        # The permuted mean and sd approach the exact ones.
        assert r.EI_sim[t] == pytest.approx(every.mean(), abs=5 * every.std() / math.sqrt(R))
        assert r.z_sim[t] == pytest.approx((observed[t] - r.EI_sim[t]) / r.seI_sim[t])
    # 1…6 around the ring: I > 0; the other arrangement: I < 0, folded from the lower
    # side (an unfolded "greater" p-value would be close to 1 there).
    assert observed[0] > 0 > observed[1]
    assert (r.p_sim <= 0.5 + 1 / (R + 1)).all()


def test_local_p_sim_approaches_the_enumerated_conditional_distribution() -> None:
    """Path of 7 (ends: one neighbour): for entity i every ordered choice of k_i values
    among the other six, equally likely under conditional randomisation, gives the exact
    P(I_i,π ≥ I_i); 20,000 draws land within 5 standard errors of it, folded."""
    n = 7
    w = _path(n)
    dense = w.toarray()
    y = np.array([1.0, 2.5, 2.0, 7.0, 4.0, 6.5, 9.0])
    z = (y - y.mean()) / y.std()
    scale = (n - 1) / (z @ z)
    ii = z * (dense @ z) * scale
    R = 20_000
    r = K.local_moran_permutations(z, w, ii, R, seed=11, moments=True)
    assert r.p_sim.shape == (n, 1)
    se = math.sqrt(0.25 / R)
    for i in range(n):
        nbrs = np.flatnonzero(dense[i])
        others = [j for j in range(n) if j != i]
        every = np.array(
            [
                z[i] * (dense[i, nbrs] @ z[list(pick)]) * scale
                for pick in itertools.permutations(others, len(nbrs))
            ]
        )
        p_gt = float((every > ii[i] + 1e-12).mean())
        p_ge = float((every >= ii[i] - 1e-12).mean())
        lo, hi = _fold_bounds(p_gt, p_ge)
        folded = r.p_sim[i, 0] * (R + 1) - 1
        assert folded == pytest.approx(round(folded), abs=1e-6)
        assert lo - 5 * se <= folded / R <= hi + 5 * se, (i, lo, hi, folded / R)
        assert r.EI_sim[i, 0] == pytest.approx(every.mean(), abs=5 * every.std() / math.sqrt(R))


def test_the_plus_one_floor_when_no_permutation_is_as_extreme() -> None:
    """A smooth wave around a ring of 200: at its crest the neighbours are the next
    highest values, which a random pair of the other 199 values almost never matches
    (chance about 1e-4), so of 99 permutations none is as large and p_sim is exactly
    1/(R + 1), never 0; likewise the global I of the wave."""
    n = 200
    y = np.sin(2 * np.pi * np.arange(n) / n)
    z = (y - y.mean()) / y.std()
    w = _ring(n)
    ii = z * (w @ z) * ((n - 1) / (z @ z))
    r = K.local_moran_permutations(z, w, ii, 99, seed=0)
    assert r.p_sim[50, 0] == r.p_sim[150, 0] == r.p_sim.min() == 1 / 100
    observed = n / w.sum() * (z @ (w @ z)) / (z @ z)
    g = K.global_moran_permutations(y, w, [observed], 99, seed=0)
    assert g.p_sim[0] == 1 / 100


def test_periods_at_once_equal_one_at_a_time_and_chunks_change_nothing(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    n, T = 60, 4
    xy = rng.random((n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    a = (d < np.sort(d, axis=1)[:, [4]] + 1e-12) / d  # 5 nearest, inverse distance
    a[np.isinf(a)] = 0
    a[7] = a[:, 7] = 0  # an island
    rs = a.sum(axis=1, keepdims=True)
    w = sparse.csr_matrix(np.divide(a, rs, out=np.zeros_like(a), where=rs > 0))
    y = rng.normal(size=(n, T)) + xy[:, [0]]
    z = (y - y.mean(axis=0)) / y.std(axis=0)
    ii = z * (w @ z) * ((n - 1) / (z * z).sum(axis=0))
    both = K.local_moran_permutations(z, w, ii, 199, seed=9, moments=True)
    for t in range(T):
        one = K.local_moran_permutations(z[:, t], w, ii[:, t], 199, seed=9)
        np.testing.assert_array_equal(one.p_sim[:, 0], both.p_sim[:, t])
    # The island: every permuted I is 0, as esda's island_weight = 0.
    assert both.EI_sim[7].tolist() == [0.0] * T and both.seI_sim[7].tolist() == [0.0] * T
    g = K.global_moran_permutations(y, w, np.zeros(T), 199, seed=9, keep=True)
    monkeypatch.setattr(K, "_CHUNK", 1_000)  # a few entities / permutations per chunk
    small = K.local_moran_permutations(z, w, ii, 199, seed=9, moments=True)
    np.testing.assert_array_equal(small.p_sim, both.p_sim)
    np.testing.assert_allclose(small.z_sim, both.z_sim, rtol=1e-12)
    g_small = K.global_moran_permutations(y, w, np.zeros(T), 199, seed=9, keep=True)
    assert g.sim is not None and g_small.sim is not None
    np.testing.assert_allclose(g_small.sim, g.sim, rtol=1e-12)


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(size=(40, 2))
    w = _ring(40)
    ii = z * (w @ z)
    a = K.local_moran_permutations(z, w, ii, 99, seed=4)
    b = K.local_moran_permutations(z, w, ii, 99, seed=4)
    c = K.local_moran_permutations(z, w, ii, 99, seed=5)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert not np.array_equal(a.p_sim, c.p_sim)


def test_bad_shapes_refused() -> None:
    w = _ring(5)
    with pytest.raises(ValueError, match="observed"):
        K.local_moran_permutations(np.arange(5.0), w, np.zeros(4), 9)
    with pytest.raises(ValueError, match="weights are 5 × 5"):
        K.global_moran_permutations(np.arange(6.0), w, [0.0], 9)
    with pytest.raises(ValueError, match="finite"):
        K.local_moran_permutations(np.r_[np.nan, np.arange(4.0)], w, np.zeros(5), 9)
    with pytest.raises(ValueError, match="permutations"):
        K.global_moran_permutations(np.arange(5.0), w, [0.0], 0)
