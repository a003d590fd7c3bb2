"""Kernel density per period and its peaks (kernels and pandas level).

Independent sources: ``scipy.stats.gaussian_kde`` with the same bandwidth (its factor is
``h / σ``, σ with ddof 1); R's ``bw.nrd0`` / Silverman (1986, eq. 3.31) worked by hand;
a known bimodal mixture for the peaks; a closed-form Gaussian half-height width.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cosyn.analysis.density import kernel_density
from cosyn.errors import DataError
from cosyn.methods import density as K


def test_silverman_and_scott_by_hand():
    # y = 1, 2, 3, 4, 10 (n = 5): sample sd = sqrt(((−3)² + (−2)² + (−1)² + 0 + 6²)/4)
    # = sqrt(50/4); percentiles (linear) 25% = 2, 75% = 4, IQR/1.34 = 1.4925…;
    # Silverman h = 0.9 · min(3.5355, 1.4925) · 5^(−1/5); Scott h = 1.06 · 3.5355 · 5^(−1/5).
    y = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    sd = math.sqrt(50 / 4)
    assert K.bandwidth(y) == pytest.approx(0.9 * (2 / 1.34) * 5**-0.2, rel=1e-14)
    assert K.bandwidth(y, "scott") == pytest.approx(1.06 * sd * 5**-0.2, rel=1e-14)
    assert K.bandwidth(y, 0.3) == 0.3
    # IQR 0 with sd > 0: σ alone (as R's bw.nrd0)
    z = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5.0])
    assert K.bandwidth(z) == pytest.approx(0.9 * z.std(ddof=1) * 7**-0.2, rel=1e-14)
    with pytest.raises(ValueError, match="every value in period 0 is the same"):
        K.bandwidth(np.ones(4))
    with pytest.raises(ValueError, match="unknown bandwidth"):
        K.bandwidth(y, "silvermann")


@pytest.mark.parametrize("method", ["silverman", "scott", 0.25])
def test_kde_against_scipy_gaussian_kde(method):
    rng = np.random.default_rng(4)
    y = rng.normal(0, 1, (150, 3)) * [1, 2, 0.5] + [0, 1, 3]
    grid, f, h = K.kde_grid(y, method)
    assert f.shape == (256, 3)
    assert grid[0] == pytest.approx(y.min() - 3 * h.max())
    assert grid[-1] == pytest.approx(y.max() + 3 * h.max())
    for t in range(3):
        peer = stats.gaussian_kde(y[:, t], bw_method=h[t] / y[:, t].std(ddof=1))
        np.testing.assert_allclose(f[:, t], peer(grid), rtol=0, atol=1e-10)


def test_scipy_names_differ_from_ours():
    # scipy's "scott" factor is n^(−1/5) (no 1.06); ours follows Scott (1992), 1.06σn^(−1/5)
    y = np.random.default_rng(1).normal(size=100)
    peer = stats.gaussian_kde(y, bw_method="scott")
    assert peer.factor * y.std(ddof=1) == pytest.approx(K.bandwidth(y, "scott") / 1.06)


def test_peaks_of_a_bimodal_mixture():
    # Two well-separated normal components (weights 0.6 / 0.4 at −2 and 3, sd 0.5):
    # the exact mixture density on a grid has 2 peaks, the main one at −2 with height
    # 0.6 φ(0)/0.5 (the other component adds ~e^−50), and a half-height width of the
    # main peak 2·sqrt(2 ln 2)·0.5 (a Gaussian's FWHM).
    x = np.linspace(-6, 7, 2601)  # step 0.005
    f = 0.6 * stats.norm.pdf(x, -2, 0.5) + 0.4 * stats.norm.pdf(x, 3, 0.5)
    p = K.density_peaks(x, f)
    assert p.count == 2
    assert p.location == pytest.approx(-2, abs=0.005)
    assert p.height == pytest.approx(0.6 / (0.5 * math.sqrt(2 * math.pi)), rel=1e-6)
    assert p.width == pytest.approx(2 * math.sqrt(2 * math.log(2)) * 0.5, abs=1e-4)
    # a small third bump below 5% of the main height is not counted; above it is
    bump = 0.005 * stats.norm.pdf(x, 6, 0.2)  # height 0.00997: < 5%, > 1% of 0.479
    assert K.density_peaks(x, f + bump).count == 2
    assert K.density_peaks(x, f + bump, threshold=0.01).count == 3


def test_peaks_on_sampled_bimodal_density_per_period():
    # a sample of the mixture 2/3 N(0.3, 0.04²) + 1/3 N(0.7, 0.04²) next to a period of
    # one tight normal sample: two peaks (main near 0.3) in the first period, one peak at
    # 0.5 in the second when the bandwidth is wide enough to smooth the sample's noise
    rng = np.random.default_rng(8)
    one = np.concatenate([rng.normal(0.3, 0.04, 200), rng.normal(0.7, 0.04, 100)])
    uni = rng.normal(0.5, 0.05, 300)
    grid, f, _ = K.kde_grid(np.column_stack([one, uni]), 0.04)
    p = K.density_peaks(grid, f)
    assert list(p.count) == [2, 1]
    assert p.location[0] == pytest.approx(0.3, abs=0.02)
    assert p.location[1] == pytest.approx(0.5, abs=0.02)
    grid, f, _ = K.kde_grid(one)  # Silverman's rule on the mixture alone
    assert K.density_peaks(grid, f).count == 2


def test_kernel_density_pandas():
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(
        rng.normal(0.5, 0.1, (40, 3)),
        index=[f"e{i}" for i in range(40)],
        columns=[2019, 2020, 2021],
    )
    r = kernel_density(wide)
    density, peaks = r
    assert density.shape == (256, 3) and list(density.columns) == [2019, 2020, 2021]
    assert list(peaks.columns) == ["bandwidth", "peak_location", "peak_height", "n_peaks", "width"]
    step = density.index[1] - density.index[0]
    for year in wide.columns:  # each curve integrates to ~1 on the grid
        assert density[year].sum() * step == pytest.approx(1.0, abs=1e-3)
    assert r["peaks"] is r.peaks
    assert peaks.loc[2020, "bandwidth"] == pytest.approx(K.bandwidth(wide[2020].to_numpy()))
    single = kernel_density(wide[2020], bandwidth=0.05)
    assert single.peaks["bandwidth"].iloc[0] == 0.05


def test_kernel_density_errors():
    wide = pd.DataFrame({"2020": [0.1, 0.2, 0.4], "2021": [0.3, 0.3, 0.3]}, index=list("abc"))
    with pytest.raises(DataError, match="every value in period '2021' is the same"):
        kernel_density(wide)
    assert kernel_density(wide, bandwidth=0.1).peaks.loc["2021", "n_peaks"] == 1
    wide.loc["b", "2020"] = np.nan
    with pytest.raises(DataError, match="entity 'b', period '2020'"):
        kernel_density(wide, bandwidth=0.1)
    with pytest.raises(DataError, match="unknown bandwidth 'silvermann'"):
        kernel_density(wide.fillna(0.2), bandwidth="silvermann")
