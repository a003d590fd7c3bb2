"""Dagum Gini decomposition, Theil index, σ- and β-convergence (kernels and pandas level).

Independent sources: direct O(n²) double sums written here from Dagum (1997)'s
definitions; the published closed forms for groups that do not overlap (Costa 2004;
Bhattacharya & Mahalanobis 1967); worked examples checked by hand on paper (in the
comments); PySAL's ``inequality`` package (``Gini``, ``TheilD``) as a peer;
``scipy.stats.linregress`` for the β regression.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cosyn.analysis.inequality import beta_convergence, dagum_gini, sigma_convergence, theil
from cosyn.errors import DataError
from cosyn.methods import inequality as K


def direct_dagum(y: np.ndarray, codes: np.ndarray) -> dict[str, object]:
    """Dagum (1997) term by term with explicit n × n matrices and groups sorted by mean."""
    k = codes.max() + 1
    n, mu = y.size, y.mean()
    diff = np.abs(y[:, None] - y[None, :])
    G = diff.sum() / (2 * n * n * mu)
    groups = [y[codes == j] for j in range(k)]
    order = sorted(range(k), key=lambda j: groups[j].mean())  # ascending mean
    n_j = np.array([g.size for g in groups], float)
    mu_j = np.array([g.mean() for g in groups])
    p, s = n_j / n, n_j * mu_j / (n * mu)
    G_jh = np.zeros((k, k))
    D_jh = np.zeros((k, k))
    for j in range(k):
        for h in range(k):
            d = groups[j][:, None] - groups[h][None, :]
            G_jh[j, h] = np.abs(d).sum() / (n_j[j] * n_j[h] * (mu_j[j] + mu_j[h]))
    # on the diagonal, n_j² (μ_j + μ_j) = 2 n_j² μ_j: G_jh[j, j] is G_jj
    Gw = sum(G_jh[j, j] * p[j] * s[j] for j in range(k))
    Gnb = Gt = 0.0
    for a in range(k):
        for b in range(a):
            j, h = order[a], order[b]  # μ_j ≥ μ_h
            d = groups[j][:, None] - groups[h][None, :]
            djh, pjh = np.maximum(d, 0).mean(), np.maximum(-d, 0).mean()
            D = (djh - pjh) / (djh + pjh) if djh + pjh > 0 else 0.0
            D_jh[j, h] = D_jh[h, j] = D
            w = G_jh[j, h] * (p[j] * s[h] + p[h] * s[j])
            Gnb += w * D
            Gt += w * (1 - D)
    G_jj = np.diag(G_jh).copy()
    return {"G": G, "Gw": Gw, "Gnb": Gnb, "Gt": Gt, "G_jj": G_jj, "G_jh": G_jh, "D_jh": D_jh}


# ---------------------------------------------------------------- Dagum: kernel


def test_dagum_worked_example_by_hand():
    # Group A = {1, 7}, group B = {4, 10}; n = 4, μ = 22/4 = 5.5, μ_A = 4, μ_B = 7.
    # All values 1, 4, 7, 10: unordered |differences| 3, 6, 9, 3, 6, 3 sum to 30, the
    # ordered double sum is 60: G = 60 / (2 · 4² · 5.5) = 60/176 = 15/44.
    # G_AA = 2·|1−7| / (2 · 2² · 4) = 12/32 = 3/8;  G_BB = 2·|4−10| / (2 · 2² · 7) = 3/14.
    # p_A = p_B = 1/2; s_A = 2·4/22 = 4/11, s_B = 2·7/22 = 7/11.
    # G_w = 3/8 · 1/2 · 4/11 + 3/14 · 1/2 · 7/11 = 3/44 + 3/44 = 3/22.
    # B − A over the 4 pairs: 4−1 = 3, 4−7 = −3, 10−1 = 9, 10−7 = 3; Σ|·| = 18, so
    # G_BA = 18 / (2 · 2 · (7 + 4)) = 9/22; d_BA = (3 + 9 + 3)/4 = 15/4, p_BA = 3/4,
    # D_BA = (15/4 − 3/4) / (15/4 + 3/4) = 2/3; p_B s_A + p_A s_B = 1/2.
    # G_nb = 9/22 · 1/2 · 2/3 = 3/22;  G_t = 9/22 · 1/2 · 1/3 = 3/44.
    # Check: 3/22 + 3/22 + 3/44 = 15/44 = G.
    r = K.dagum_gini([1.0, 7.0, 4.0, 10.0], np.array([0, 0, 1, 1]))
    assert r.G == pytest.approx(15 / 44, abs=1e-15)
    assert r.Gw == pytest.approx(3 / 22, abs=1e-15)
    assert r.Gnb == pytest.approx(3 / 22, abs=1e-15)
    assert r.Gt == pytest.approx(3 / 44, abs=1e-15)
    np.testing.assert_allclose(r.G_jj, [3 / 8, 3 / 14], atol=1e-15)
    assert r.G_jh[0, 1] == pytest.approx(9 / 22, abs=1e-15)
    assert r.G_jh[1, 0] == pytest.approx(9 / 22, abs=1e-15)
    assert r.D_jh[0, 1] == pytest.approx(2 / 3, abs=1e-15)
    np.testing.assert_allclose(r.s, [4 / 11, 7 / 11], atol=1e-15)


def test_dagum_separated_groups_have_no_transvariation():
    # A = {1, 3}, B = {6, 10}: every B above every A, so p_BA = 0, D_BA = 1, G_t = 0.
    # μ = 5: G = 2·(2+5+9+3+7+4) / (2·16·5) = 60/160 = 3/8; G_AA = 4/16 = 1/4,
    # G_BB = 8/64 = 1/8; s_A = 1/5, s_B = 4/5; G_w = 1/4·1/2·1/5 + 1/8·1/2·4/5 = 3/40;
    # G_BA = (5+9+3+7)/(2·2·10) = 3/5; G_nb = 3/5 · (1/10 + 4/10) = 3/10.
    r = K.dagum_gini([1.0, 3.0, 6.0, 10.0], np.array([0, 0, 1, 1]))
    assert (r.G, r.Gw, r.Gnb, r.Gt) == pytest.approx((3 / 8, 3 / 40, 3 / 10, 0.0), abs=1e-15)


def test_dagum_two_separated_groups_published_closed_form():
    # Costa, M. (2004). Gini index decomposition for the case of two subgroups.
    # Statistica 64(3), 431-440, doi:10.6092/issn.1973-2201/1238: when every value of the
    # poorer group h lies below every value of the richer one, there is no transvariation
    # and the inequality between the groups is the poorer group's share of the population
    # minus its share of the variable, G_nb = p_h - s_h.
    rng = np.random.default_rng(11)
    for n_low, n_high in [(7, 5), (1, 30), (16, 15)]:
        low, high = rng.uniform(1, 3, n_low), rng.uniform(4, 9, n_high)
        y = np.r_[high, low]  # the richer group first: the order of the rows must not matter
        codes = np.r_[np.zeros(n_high, np.intp), np.ones(n_low, np.intp)]
        r = K.dagum_gini(y, codes)
        p_h, s_h = n_low / y.size, low.sum() / y.sum()
        assert r.Gt == 0.0
        assert r.Gnb == pytest.approx(p_h - s_h, rel=1e-13)
        assert r.G == pytest.approx(r.Gw + p_h - s_h, rel=1e-13)


@given(
    st.lists(st.integers(1, 8), min_size=2, max_size=5),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=80, deadline=None)
def test_dagum_separated_groups_between_is_gini_of_group_means(sizes, seed):
    # Dagum (1997) §4 and Bhattacharya & Mahalanobis (1967): without overlap between the
    # groups, G_t = 0 and the between-group Gini G_nb is the Gini of the group means with
    # population weights, sum_j sum_h p_j p_h |mu_j - mu_h| / (2 mu).
    rng = np.random.default_rng(seed)
    parts = [rng.uniform(10.0 * j + 1, 10.0 * j + 9, size) for j, size in enumerate(sizes)]
    y = np.concatenate(parts)
    codes = np.repeat(np.arange(len(sizes)), sizes)
    order = rng.permutation(y.size)
    r = K.dagum_gini(y[order], codes[order])
    p = np.array(sizes) / y.size
    mu_j = np.array([part.mean() for part in parts])
    between = (p[:, None] * p[None, :] * np.abs(mu_j[:, None] - mu_j[None, :])).sum() / (
        2 * y.mean()
    )
    assert r.Gt == pytest.approx(0.0, abs=1e-15)
    assert r.Gnb == pytest.approx(between, rel=1e-12)


@given(
    st.integers(min_value=2, max_value=40).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.floats(0, 1e3, allow_nan=False, allow_subnormal=False), min_size=n, max_size=n
            ),
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
        )
    )
)
@settings(max_examples=150, deadline=None)
def test_dagum_identity_property(data):
    values, groups = data
    y = np.array(values)
    if not (y > 0).any():
        y[0] = 1.0
    codes = np.unique(groups, return_inverse=True)[1].astype(np.intp)  # no empty group
    r = K.dagum_gini(y, codes)
    assert abs(r.G - (r.Gw + r.Gnb + r.Gt)) <= 1e-12
    assert min(r.Gw, r.Gnb, r.Gt) >= -1e-15
    assert ((r.D_jh >= 0) & (r.D_jh <= 1 + 1e-15)).all()


def test_dagum_against_direct_definitions():
    rng = np.random.default_rng(7)
    for n, k in [(5, 2), (30, 3), (61, 4), (12, 5)]:
        y = rng.gamma(2.0, 1.0, n)
        y[rng.integers(n)] = 0.0  # a zero value is allowed
        codes = np.arange(n) % k
        rng.shuffle(codes)
        got = K.dagum_gini(y, codes)
        want = direct_dagum(y, codes)
        for key in ("G", "Gw", "Gnb", "Gt", "G_jj", "D_jh"):
            np.testing.assert_allclose(getattr(got, key), want[key], rtol=1e-12, atol=1e-14)
        offdiag = ~np.eye(k, dtype=bool)
        np.testing.assert_allclose(got.G_jh[offdiag], want["G_jh"][offdiag], rtol=1e-12)


def test_dagum_vectorised_periods_equal_one_at_a_time():
    rng = np.random.default_rng(3)
    y = rng.random((50, 6))
    codes = rng.integers(0, 3, 50)
    codes[:3] = [0, 1, 2]
    panel = K.dagum_gini(y, codes)
    for t in range(6):
        one = K.dagum_gini(y[:, t], codes)
        assert panel.G[t] == pytest.approx(one.G, abs=1e-15)
        np.testing.assert_allclose(panel.G_jh[..., t], one.G_jh, atol=1e-15)
        assert panel.Gt[t] == pytest.approx(one.Gt, abs=1e-15)


def test_dagum_county_scale_panel():
    # 2,800 entities × 20 periods in 4 groups: no n × n matrix, the identity holds and G
    # equals the direct O(n²) Gini in a sampled period
    rng = np.random.default_rng(12)
    y = rng.lognormal(0, 0.6, (2800, 20))
    codes = rng.integers(0, 4, 2800)
    r = K.dagum_gini(y, codes)
    np.testing.assert_allclose(r.G, r.Gw + r.Gnb + r.Gt, rtol=0, atol=1e-12)
    col = y[:, 13]
    direct = np.abs(col[:, None] - col[None, :]).sum() / (2 * col.size**2 * col.mean())
    assert r.G[13] == pytest.approx(direct, rel=1e-12)


def test_gini_against_pysal_inequality():
    inequality = pytest.importorskip("inequality")
    rng = np.random.default_rng(11)
    y = rng.lognormal(0, 0.8, 200)
    codes = rng.integers(0, 3, 200)
    r = K.dagum_gini(y, codes)
    assert r.G == pytest.approx(inequality.gini.Gini(y).g, abs=1e-12)
    for j in range(3):  # G_jj is the plain Gini of the group's own values
        assert r.G_jj[j] == pytest.approx(inequality.gini.Gini(y[codes == j]).g, abs=1e-12)
    # G_jh from three PySAL Ginis: pooling groups j and h (N = n_j + n_h, mean m),
    # 2N²m·G_pool = S_jj + S_hh + 2 S_jh with S_jj = 2 n_j² μ_j G_j, so
    # G_jh = S_jh / (n_j n_h (μ_j + μ_h)).
    for j, h in [(0, 1), (0, 2), (1, 2)]:
        a, b = y[codes == j], y[codes == h]
        pool = np.concatenate([a, b])
        S_pool = 2 * pool.size**2 * pool.mean() * inequality.gini.Gini(pool).g
        S_a = 2 * a.size**2 * a.mean() * inequality.gini.Gini(a).g
        S_b = 2 * b.size**2 * b.mean() * inequality.gini.Gini(b).g
        G_jh = (S_pool - S_a - S_b) / 2 / (a.size * b.size * (a.mean() + b.mean()))
        assert r.G_jh[j, h] == pytest.approx(G_jh, rel=1e-11)


def test_dagum_degenerate_cases():
    # one group: G_w = G, nothing between
    r = K.dagum_gini([1.0, 2.0, 5.0], np.zeros(3, dtype=int))
    assert r.Gw == pytest.approx(r.G) and r.Gnb == 0 and r.Gt == 0
    # a one-entity group has G_jj = 0; all-equal groups: D_jh = 0 where d + p = 0
    r = K.dagum_gini([4.0, 1.0, 3.0, 2.0, 2.0], np.array([0, 1, 1, 2, 2]))
    assert r.G_jj[0] == 0 and r.G_jj[2] == 0
    assert r.G == pytest.approx(r.Gw + r.Gnb + r.Gt, abs=1e-15)
    r = K.dagum_gini([2.0, 2.0, 2.0, 2.0], np.array([0, 0, 1, 1]))
    assert (r.G, r.Gw, r.Gnb, r.Gt, r.D_jh[0, 1]) == (0, 0, 0, 0, 0)
    # a group whose values are all 0: G_jj = 0 and s_j = 0
    r = K.dagum_gini([0.0, 0.0, 1.0, 3.0], np.array([0, 0, 1, 1]))
    assert r.G_jj[0] == 0 and r.s[0] == 0
    assert r.G == pytest.approx(r.Gw + r.Gnb + r.Gt, abs=1e-15)
    with pytest.raises(ValueError, match="Gini needs y ≥ 0; U can be negative"):
        K.dagum_gini([1.0, -0.5], np.array([0, 1]))
    with pytest.raises(ValueError, match="every value in period 1 is 0"):
        K.dagum_gini(np.array([[1.0, 0.0], [2.0, 0.0]]), np.array([0, 1]))


# ---------------------------------------------------------------- Theil


def test_theil_by_hand():
    # y = 1, 1 (A) and 2, 4 (B); μ = 2. T = ¼[2·½ln½ + 1·ln1 + 2ln2] = ¼ ln 2.
    # T_A = 0 (equal values); μ_B = 3, T_B = ½[⅔ln⅔ + (4/3)ln(4/3)].
    # s_A = 2·1/8 = ¼, s_B = ¾; T_w = ¾ T_B = 1.25 ln2 − 0.75 ln3;
    # T_b = ¼ ln½ + ¾ ln(3/2) = −ln2 + 0.75 ln3; T_w + T_b = ¼ ln2.
    r = K.theil([1.0, 1.0, 2.0, 4.0], np.array([0, 0, 1, 1]))
    ln2, ln3 = math.log(2), math.log(3)
    assert r.T == pytest.approx(ln2 / 4, abs=1e-15)
    assert r.Tw == pytest.approx(1.25 * ln2 - 0.75 * ln3, abs=1e-15)
    assert r.Tb == pytest.approx(-ln2 + 0.75 * ln3, abs=1e-15)
    T_B = 0.5 * (2 / 3 * math.log(2 / 3) + 4 / 3 * math.log(4 / 3))
    np.testing.assert_allclose(r.T_g, [0.0, T_B], atol=1e-15)


def test_theil_zero_value_convention():
    # 0 · ln 0 = 0: y = (0, 2), μ = 1, T = ½(0 + 2 ln 2) = ln 2 = ln n, the maximum
    assert K.theil([0.0, 2.0]).T == pytest.approx(math.log(2), abs=1e-15)


@given(
    st.lists(st.floats(0, 1e3, allow_nan=False, allow_subnormal=False), min_size=2, max_size=40),
    st.randoms(use_true_random=False),
)
@settings(max_examples=100, deadline=None)
def test_theil_identity_property(values, rnd):
    y = np.array(values)
    if not (y > 0).any():
        y[0] = 1.0
    codes = np.unique([rnd.randrange(3) for _ in y], return_inverse=True)[1]
    r = K.theil(y, codes)
    assert abs(r.T - (r.Tw + r.Tb)) <= 1e-12
    assert r.Tb >= -1e-15 and r.Tw >= -1e-15


def test_theil_against_pysal_inequality():
    inequality = pytest.importorskip("inequality")
    rng = np.random.default_rng(5)
    y = rng.lognormal(0, 1, (80, 4))
    codes = rng.integers(0, 4, 80)
    r = K.theil(y, codes)
    for t in range(4):
        peer = inequality.theil.TheilD(y[:, t], codes)
        assert r.T[t] == pytest.approx(float(np.squeeze(peer.T)), abs=1e-12)
        assert r.Tb[t] == pytest.approx(float(np.squeeze(peer.bg)), abs=1e-12)
        assert r.Tw[t] == pytest.approx(float(np.squeeze(peer.wg)), abs=1e-12)


# ---------------------------------------------------------------- σ and β


def test_sigma_convergence_by_hand_and_ddof():
    # values 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14;
    # ddof 0: sd = sqrt(14/4), cv = sd/3; ddof 1: sqrt(14/3)
    mean, sd, cv = K.sigma_convergence([1.0, 2.0, 3.0, 6.0])
    assert (mean, sd, cv) == pytest.approx((3, math.sqrt(3.5), math.sqrt(3.5) / 3))
    assert K.sigma_convergence([1.0, 2.0, 3.0, 6.0], ddof=1)[1] == pytest.approx(math.sqrt(14 / 3))


def test_beta_convergence_by_hand():
    # ln y0 = x = 0, 1, 2; span 1; growth g = 0.3, 0.1, 0.2.
    # x̄ = 1, ḡ = 0.2, Sxy = (−1)(0.1) + 0 + (1)(0) = −0.1, Sxx = 2: β = −0.05, α = 0.25.
    # Residuals 0.05, −0.1, 0.05: SSR = 0.015, s² = 0.015/1, se = sqrt(0.015/2).
    # t = −0.05/0.0866 = −1/√3; with 1 df, p = 1 − (2/π)·arctan(1/√3) = 1 − 1/3 = 2/3.
    # SST = 0.02: R² = 1 − 0.015/0.02 = 0.25. Speed = −ln(1 − 0.05) = −ln 0.95.
    x = np.array([0.0, 1.0, 2.0])
    g = np.array([0.3, 0.1, 0.2])
    r = K.beta_convergence(np.exp(x), np.exp(x + g), 1.0)
    assert r.beta == pytest.approx(-0.05, abs=1e-14)
    assert r.alpha == pytest.approx(0.25, abs=1e-14)
    assert r.se == pytest.approx(math.sqrt(0.0075), abs=1e-14)
    assert r.t == pytest.approx(-1 / math.sqrt(3), abs=1e-12)
    assert r.p == pytest.approx(2 / 3, abs=1e-12)
    assert r.r2 == pytest.approx(0.25, abs=1e-12)
    assert r.speed == pytest.approx(-math.log(0.95), abs=1e-14)


def test_beta_convergence_against_scipy_linregress():
    rng = np.random.default_rng(2)
    y0 = rng.lognormal(0, 0.5, 60)
    y1 = y0 * np.exp(0.4 - 0.3 * np.log(y0) + rng.normal(0, 0.1, 60))
    r = K.beta_convergence(y0, y1, 8.0)
    lr = stats.linregress(np.log(y0), np.log(y1 / y0) / 8.0)
    assert (r.beta, r.alpha, r.se, r.alpha_se, r.p, r.r2) == pytest.approx(
        (lr.slope, lr.intercept, lr.stderr, lr.intercept_stderr, lr.pvalue, lr.rvalue**2),
        rel=1e-10,
    )
    assert r.speed == pytest.approx(-math.log(1 + lr.slope * 8) / 8, rel=1e-12)


def test_beta_speed_undefined_when_one_plus_beta_t_not_positive():
    # β = −0.2 over T = 10: 1 + βT = −1 ≤ 0
    x = np.array([0.0, 1.0, 2.0, 3.0])
    r = K.beta_convergence(np.exp(x), np.exp(x - 0.2 * 10 * x), 10.0)
    assert r.beta == pytest.approx(-0.2) and math.isnan(r.speed)
    with pytest.raises(ValueError, match="values > 0"):
        K.beta_convergence([1.0, 0.0, 2.0], [1.0, 1.0, 1.0], 1.0)


# ---------------------------------------------------------------- pandas level


def wide_panel() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    entities = [f"e{i}" for i in range(12)]
    wide = pd.DataFrame(rng.uniform(0.1, 1, (12, 3)), index=entities, columns=[2020, 2021, 2022])
    groups = pd.Series(["East"] * 5 + ["West"] * 4 + ["Central"] * 3, index=entities)
    return wide, groups


def test_dagum_gini_pandas_series_and_frame():
    wide, groups = wide_panel()
    one = dagum_gini(wide[2021], groups)
    assert isinstance(one.G, float) and one["G"] == one.G
    assert list(one.G_jj.index) == ["East", "West", "Central"]  # order of appearance
    assert list(one.G_jh.index) == [("East", "West"), ("East", "Central"), ("West", "Central")]
    assert one.shares.sum() == pytest.approx(1.0)
    panel = dagum_gini(wide, groups)
    assert list(panel.G.index) == [2020, 2021, 2022]
    assert panel.G[2021] == pytest.approx(one.G, abs=1e-15)
    assert panel.G_jh.loc[2021, ("West", "Central")] == pytest.approx(one.G_jh[("West", "Central")])
    assert panel.G_jj.shape == (3, 3) and panel.shares.shape == (3, 3)
    # groups listing entities not in the data are fine; the extra groups are dropped
    extra = pd.concat([groups, pd.Series({"x": "North"})])
    assert list(dagum_gini(wide, extra).G_jj.columns) == ["East", "West", "Central"]


def test_pandas_errors_name_entities_and_periods():
    wide, groups = wide_panel()
    with pytest.raises(DataError, match=r"2 entities have no group: 'e0', 'e3'"):
        dagum_gini(wide, groups.drop(["e0", "e3"]))
    bad = wide.copy()
    bad.loc["e4", 2022] = np.nan
    with pytest.raises(DataError, match=r"entity 'e4', period 2022"):
        theil(bad, groups)
    neg = wide.copy()
    neg.loc["e2", 2020] = -0.1
    with pytest.raises(DataError, match=r"Gini needs y ≥ 0.*entity 'e2', period 2020"):
        dagum_gini(neg, groups)
    zero = wide.copy()
    zero[2021] = 0.0
    with pytest.raises(DataError, match="every value in period 2021 is 0"):
        dagum_gini(zero, groups)
    # every value equal (not 0): G = 0 exactly, its shares undefined (NaN), not 0/0 noise
    flat = wide.copy()
    flat[2021] = 0.5
    r = dagum_gini(flat, groups)
    assert r.G[2021] == 0 and r.shares.loc[2021].isna().all()
    assert r.shares.loc[2020].sum() == pytest.approx(1.0)


def test_theil_and_sigma_pandas():
    wide, groups = wide_panel()
    r = theil(wide, groups)
    assert (r.T - r.Tw - r.Tb).abs().max() < 1e-15
    assert list(r.T_g.columns) == ["East", "West", "Central"]
    s = sigma_convergence(wide, groups)
    assert s.panel.loc[2020, "sd"] == pytest.approx(wide[2020].std(ddof=0))
    assert s.panel.loc[2020, "cv"] == pytest.approx(wide[2020].std(ddof=0) / wide[2020].mean())
    east = wide.loc[groups[groups == "East"].index, 2022]
    assert s.by_group.loc[2022, ("cv", "East")] == pytest.approx(east.std(ddof=0) / east.mean())
    assert sigma_convergence(wide, ddof=1).panel.loc[2021, "sd"] == pytest.approx(wide[2021].std())


def test_beta_convergence_pandas():
    wide, _ = wide_panel()
    r = beta_convergence(wide)
    assert r.span == 2.0 and r.n == 12
    lr = stats.linregress(np.log(wide[2020]), np.log(wide[2022] / wide[2020]) / 2)
    assert r.beta == pytest.approx(lr.slope) and r.p == pytest.approx(lr.pvalue)
    assert r["growth"].index.equals(wide.index)
    zero = wide.copy()
    zero.loc["e5", 2022] = 0.0
    with pytest.raises(DataError, match=r"period 2022 has 'e5' = 0.0"):
        beta_convergence(zero)
