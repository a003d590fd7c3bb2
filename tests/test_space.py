"""Spatial weights, Moran's I and LISA (cosyn.analysis.space) against published values.

Published reference: the Columbus, Ohio neighbourhood crime data of Anselin (1988,
*Spatial Econometrics*, Table 12.1; bundled with libpysal as the ``columbus`` example),
CRIME with first-order queen contiguity (GeoDa's ``columbus.gal``, 236 links),
row-standardised. R spdep's ``moran.test`` on the same data and weights prints
I = 0.500188557, E[I] = -0.020833333, Var = 0.008689289 (randomisation),
standard deviate 5.5894, one-sided p = 1.139e-08, and sum(localmoran Ii) / S0 =
0.5001886 (Bivand, R., "R: Interoperability", workshop notes, 5 September 2019:
``poly2nb`` queen neighbours of spData's columbus.shp, ``nb2listw(style="W")``).
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cosyn.errors import CosynWarning, DataError, SpecError

libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")

from cosyn.analysis import space  # noqa: E402
from cosyn.analysis.space import (  # noqa: E402
    MoranResult,
    local_moran,
    moran,
    neighbour_weights,
    weights_from_coordinates,
    weights_from_geometry,
)


@pytest.fixture(scope="module")
def columbus(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.Series, str, object]:
    """CRIME by neighbourhood and the queen pairs written to a CSV (each pair once)."""
    from libpysal.examples import get_path

    gal = libpysal.io.open(get_path("columbus.gal")).read()
    db = libpysal.io.open(get_path("columbus.dbf"))
    ids = [str(p) for p in db.by_col("POLYID")]
    crime = pd.Series(np.asarray(db.by_col("CRIME"), dtype=float), index=ids, name="CRIME")
    pairs = sorted(
        {(min(int(a), int(b)), max(int(a), int(b))) for a, nb in gal.neighbors.items() for b in nb}
    )
    path = tmp_path_factory.mktemp("columbus") / "columbus_queen.csv"
    pd.DataFrame(pairs, columns=["entity_a", "entity_b"]).to_csv(path, index=False)
    return crime, str(path), gal


# --------------------------------------------------------------- published values


def test_moran_columbus_crime_spdep_bivand2019(columbus) -> None:
    crime, path, _ = columbus
    r = moran(crime, path, permutations=99, seed=0)
    assert isinstance(r, MoranResult)
    assert r.n == 49
    assert r.I == pytest.approx(0.500188557, abs=5e-10)
    assert r.EI == pytest.approx(-0.020833333, abs=5e-10)
    assert r.VI_rand == pytest.approx(0.008689289, abs=5e-10)
    assert r.z_rand == pytest.approx(5.5894, abs=5e-5)
    assert r.p_rand / 2 == pytest.approx(1.139e-08, rel=1e-3)  # spdep prints one-sided
    assert r.p_sim == pytest.approx(0.01)  # I beats every one of 99 permutations


def test_moran_normality_inference_by_the_formula(columbus) -> None:
    """VI_norm = (n²S1 − nS2 + 3S0²) / ((n² − 1) S0²) − E[I]² (Cliff and Ord 1981, p. 21)."""
    crime, path, _ = columbus
    r = moran(crime, path, permutations=0)
    w = neighbour_weights(path, list(crime.index)).full()[0]
    n = len(crime)
    s0 = w.sum()
    s1 = 0.5 * ((w + w.T) ** 2).sum()
    s2 = ((w.sum(axis=0) + w.sum(axis=1)) ** 2).sum()
    ei = -1 / (n - 1)
    vi = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - ei * ei
    z = (r.I - ei) / np.sqrt(vi)
    assert r.VI_norm == pytest.approx(vi, rel=1e-12)
    assert r.z == pytest.approx(z, rel=1e-12)
    assert r.p_norm == pytest.approx(2 * stats.norm.sf(z), rel=1e-9)
    assert np.isnan(r.p_sim) and np.isnan(r.z_sim)


def test_lisa_columbus_sum_of_ii_bivand2019_and_esda_peer(columbus) -> None:
    crime, path, gal = columbus
    out = local_moran(crime, path, permutations=0)
    n = len(crime)
    # spdep's Ii = esda's Ii · n/(n−1); spdep prints sum(Ii)/S0 = 0.5001886 (S0 = n here).
    assert out["Ii"].sum() * n / (n - 1) / n == pytest.approx(0.5001886, abs=5e-8)
    gal.transform = "r"
    peer = esda.Moran_Local(crime.to_numpy(), gal, permutations=0)
    np.testing.assert_array_equal(out["Ii"].to_numpy(), peer.Is)
    np.testing.assert_array_equal(out["z"].to_numpy(), peer.z)
    assert list(out["quadrant"]) == [space.QUADRANTS[int(q)] for q in peer.q]
    assert out.index.name == "entity" and list(out.index) == list(crime.index)
    assert not out["significant"].any() and out["p_sim"].isna().all()


def test_lisa_quadrants_by_sign_of_value_and_lag(columbus) -> None:
    crime, path, _ = columbus
    out = local_moran(crime, path, permutations=0)
    hi, lag_hi = out["z"] > 0, out["lag"] > 0
    expected = np.select(
        [hi & lag_hi, ~hi & lag_hi, ~hi & ~lag_hi, hi & ~lag_hi], ["HH", "LH", "LL", "HL"], ""
    )
    assert list(out["quadrant"]) == list(expected)
    assert set(out["quadrant"]) == {"HH", "LH", "LL", "HL"}
    # Ii > 0 exactly in HH and LL (value and lag on one side of the mean).
    assert ((out["Ii"] > 0) == out["quadrant"].isin(["HH", "LL"])).all()


# esda 2.8.2 (numba 0.68.1, NumPy 2.4.6): Moran_Local(CRIME, columbus.gal row-standardised,
# permutations=R, seed=12345); p_sim = (count + 1)/(R + 1), the counts listed in the
# order of POLYID 1…49.
ESDA_COLUMBUS_COUNTS = {
    999: [193, 166, 231, 450, 153, 318, 36, 159, 393, 103, 17, 89, 345, 97, 7, 0, 44, 17,
          101, 216, 186, 481, 36, 0, 1, 20, 412, 5, 0, 19, 38, 1, 389, 59, 370, 4, 7, 88,
          17, 15, 64, 74, 415, 489, 347, 47, 63, 214, 200],
    9999: [1804, 1640, 2355, 4653, 1539, 3297, 373, 1656, 3866, 1098, 158, 923, 3539, 1046,
           87, 1, 322, 238, 1176, 2263, 1896, 4583, 341, 2, 12, 186, 4208, 53, 12, 200, 376,
           15, 3955, 522, 3680, 75, 51, 856, 181, 183, 614, 789, 4363, 4819, 3442, 413, 580,
           2027, 1943],
}  # fmt: skip


def test_lisa_p_sim_equals_esda_columbus_same_seed(columbus) -> None:
    """Same seed, same permutations as esda: the p-values are esda's, exactly."""
    crime, path, _ = columbus
    out = local_moran(crime, path, permutations=999, seed=12345)
    expected = (np.array(ESDA_COLUMBUS_COUNTS[999]) + 1) / 1000
    np.testing.assert_array_equal(out["p_sim"].to_numpy(), expected)
    sig = expected < 0.05
    assert list(out["cluster"]) == list(np.where(sig, out["quadrant"], "not significant"))
    assert out["significant"].sum() == 20  # counts up to 48 of 999
    again = local_moran(crime, path, permutations=999, seed=12345)
    pd.testing.assert_frame_equal(out, again)


def test_lisa_p_sim_agrees_with_esda_within_monte_carlo_error(columbus) -> None:
    """Another seed (other permutations), R = 9,999: each p-value within 4.5 standard
    errors of esda's (two independent estimates of one folded tail probability). Counting
    the other side without folding (p near 1 for negative Ii), or a p-value that is not
    (count + 1)/(R + 1), fails here."""
    crime, path, _ = columbus
    R = 9999
    out = local_moran(crime, path, permutations=R, seed=2024)
    esda_p = (np.array(ESDA_COLUMBUS_COUNTS[R]) + 1) / (R + 1)
    ours = out["p_sim"].to_numpy()
    counts = ours * (R + 1) - 1
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-6)
    assert (ours >= 1 / (R + 1)).all() and (ours <= 0.5 + 1 / (R + 1)).all()
    mean = (ours + esda_p) / 2
    se = np.sqrt(2 * mean * (1 - mean) / R)
    assert (np.abs(ours - esda_p) <= 4.5 * se + 2 / (R + 1)).all()
    assert not np.array_equal(ours, esda_p)  # another stream indeed
    # Ii < 0 too are judged on their own (lower) side: as small as esda's there.
    neg = out["Ii"].to_numpy() < 0
    assert neg.any() and (ours[neg] <= 0.5 + 1 / (R + 1)).all()


def test_moran_permutation_inference_equals_esda_every_period(columbus) -> None:
    """esda's Moran permutes in a Python loop from NumPy's global generator seeded with the
    seed; cosyn evaluates the same permutations for all periods at once."""
    crime, path, gal = columbus
    wide = pd.DataFrame(
        {2001: crime, 2002: np.sqrt(crime), 2003: crime.iloc[::-1].to_numpy()},
        index=crime.index,
    )
    table = moran(wide, path, permutations=499, seed=5)
    gal.transform = "r"
    for period in wide.columns:
        np.random.seed(5)  # noqa: NPY002 - esda's global generator
        peer = esda.Moran(wide[period].to_numpy(), gal, permutations=499)
        assert table.loc[period, "p_sim"] == peer.p_sim
        assert table.loc[period, "z_sim"] == pytest.approx(peer.z_sim, rel=1e-12)
        assert table.loc[period, "I"] == peer.I


def test_lisa_wide_equals_each_period_and_seed_none_is_esdas_global_draw(columbus) -> None:
    crime, path, _ = columbus
    wide = pd.DataFrame({"a": crime, "b": -crime + 3 * np.sqrt(crime)}, index=crime.index)
    long = local_moran(wide, path, permutations=199, seed=8)
    for period in wide.columns:
        one = local_moran(wide[period], path, permutations=199, seed=8)
        part = long[long["period"] == period].set_index("entity").drop(columns="period")
        pd.testing.assert_frame_equal(part, one)
    # seed None: esda draws its seed with np.random.randint(12345, 12345000).
    np.random.seed(21)  # noqa: NPY002
    drawn = int(np.random.randint(12345, 12345000))  # noqa: NPY002
    np.random.seed(21)  # noqa: NPY002
    free = local_moran(crime, path, permutations=199, seed=None)
    assert np.random.randint(12345, 12345000) == drawn  # noqa: NPY002 - state restored
    fixed = local_moran(crime, path, permutations=199, seed=drawn)
    pd.testing.assert_frame_equal(free, fixed)


def _lattice(n: int = 200, seed: int = 4) -> tuple[pd.DataFrame, object]:
    """Three periods on random points; inverse-distance weights within a band (unequal
    weights, varying neighbour counts, some islands)."""
    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2))
    ids = [f"r{i}" for i in range(n)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal's 0 ** −1 on the diagonal; islands
        band = libpysal.weights.DistanceBand.from_array(
            xy, threshold=0.1, binary=False, alpha=-1.0, ids=ids, silence_warnings=True
        )
    noise = rng.normal(scale=0.4, size=(n, 3))
    wide = pd.DataFrame(xy[:, [0]] + noise, index=ids, columns=[2020, 2021, 2022])
    return wide, band


def test_moran_every_field_equals_esda_per_period() -> None:
    wide, band = _lattice()
    assert band.islands  # kept, with a zero lag
    table = moran(wide, band, permutations=0)  # a given W's islands stay islands
    band.transform = "r"
    for period in wide.columns:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            peer = esda.Moran(wide[period].to_numpy(), band, permutations=0)
        row = table.loc[period]
        for ours, theirs in (
            ("I", "I"),
            ("EI", "EI"),
            ("VI_norm", "VI_norm"),
            ("z", "z_norm"),
            ("p_norm", "p_norm"),
            ("VI_rand", "VI_rand"),
            ("z_rand", "z_rand"),
            ("p_rand", "p_rand"),
        ):
            assert row[ours] == pytest.approx(getattr(peer, theirs), rel=1e-12), ours
        assert row["n"] == peer.n


def test_lisa_ii_z_lag_quadrant_equal_esda_per_period() -> None:
    wide, band = _lattice()
    long = local_moran(wide, band, permutations=0)
    band.transform = "r"
    for period in wide.columns:
        part = long[long["period"] == period]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer = esda.Moran_Local(wide[period].to_numpy(), band, permutations=0)
        np.testing.assert_allclose(part["Ii"].to_numpy(), peer.Is, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(part["z"].to_numpy(), peer.z, rtol=1e-12)
        lag = np.asarray(band.sparse @ peer.z).ravel()
        np.testing.assert_allclose(part["lag"].to_numpy(), lag, rtol=1e-12, atol=1e-15)
        assert list(part["quadrant"]) == [space.QUADRANTS[int(q)] for q in peer.q]
        isl = part["entity"].isin(band.islands).to_numpy()
        assert (part.loc[isl, "cluster"] == "no neighbours").all()


@pytest.mark.slow
def test_lisa_p_sim_equals_live_esda_on_a_lattice_with_unequal_weights() -> None:
    """Live peer (esda compiles its numba code here: tens of seconds): inverse-distance
    weights within a band (unequal weights, 1 to ~20 neighbours), three seeds."""
    rng = np.random.default_rng(3)
    xy = rng.random((300, 2))
    ids = [f"r{i}" for i in range(300)]
    y = pd.Series(xy[:, 0] + rng.normal(scale=0.3, size=300), index=ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal's 0 ** −1 on the diagonal; islands
        band = libpysal.weights.DistanceBand.from_array(
            xy, threshold=0.12, binary=False, alpha=-1.0, ids=ids, silence_warnings=True
        )
        for seed in (0, 1, 12345):
            out = local_moran(y, band, permutations=999, seed=seed, island="keep")
            band.transform = "r"
            peer = esda.Moran_Local(y.to_numpy(), band, permutations=999, seed=seed)
            keep = ~out["p_sim"].isna().to_numpy()
            np.testing.assert_array_equal(out["p_sim"].to_numpy()[keep], peer.p_sim[keep])
            np.testing.assert_array_equal(out["Ii"].to_numpy(), peer.Is)


# ---------------------------------------------------------------- hand calculation


def test_moran_four_regions_by_hand() -> None:
    """Path a–b–c–d, y = 1, 2, 3, 4: z = (−1.5, −0.5, 0.5, 1.5), z'z = 5; row-standardised
    Wz = (−0.5, −0.5, 0.5, 0.5), z'Wz = 0.75 + 0.25 + 0.25 + 0.75 = 2, S0 = 4, so
    I = (4/4)·(2/5) = 0.4."""
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd"))
    pairs = pd.DataFrame({"entity_a": ["a", "c", "c"], "entity_b": ["b", "b", "d"]})
    r = moran(y, pairs, permutations=0)
    assert r.I == pytest.approx(0.4, abs=1e-15)
    assert r.EI == pytest.approx(-1 / 3)
    w = np.array([[0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0.5, 0, 0.5], [0, 0, 1, 0]])
    z = y.to_numpy() - y.mean()
    assert r.I == pytest.approx(len(y) / w.sum() * (z @ w @ z) / (z @ z), abs=1e-15)


# ---------------------------------------------------------------- weights


def test_weights_symmetrised_aligned_and_row_standardised() -> None:
    one_way = pd.DataFrame({"entity_a": ["a", "b"], "entity_b": ["b", "c"]})
    both = pd.DataFrame({"entity_a": ["b", "a", "c", "b"], "entity_b": ["a", "b", "b", "c"]})
    w1 = neighbour_weights(one_way, ["c", "b", "a"])
    w2 = neighbour_weights(both, ["c", "b", "a"])
    assert w1.id_order == ["c", "b", "a"]
    np.testing.assert_array_equal(w1.full()[0], w2.full()[0])
    np.testing.assert_allclose(w1.full()[0], [[0, 1, 0], [0.5, 0, 0.5], [0, 1, 0]])
    binary = neighbour_weights(one_way, ["a", "b", "c"], transform="b")
    np.testing.assert_array_equal(binary.full()[0], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])


def test_weight_column_kept_and_conflicts_refused() -> None:
    pairs = pd.DataFrame({"entity_a": ["a", "b"], "entity_b": ["b", "c"], "weight": [3.0, 1.0]})
    w = neighbour_weights(pairs, ["a", "b", "c"])
    np.testing.assert_allclose(w.full()[0][1], [0.75, 0, 0.25])
    bad = pd.DataFrame({"entity_a": ["a", "b"], "entity_b": ["b", "a"], "weight": [1.0, 2.0]})
    with pytest.raises(DataError, match="different weights"):
        neighbour_weights(bad, ["a", "b"])
    neg = pd.DataFrame({"entity_a": ["a"], "entity_b": ["b"], "weight": [0.0]})
    with pytest.raises(DataError, match="positive"):
        neighbour_weights(neg, ["a", "b"])


def test_unknown_names_listed_with_nearest() -> None:
    pairs = pd.DataFrame({"entity_a": ["Beijing", "Tianjn"], "entity_b": ["Hebei", "Hebie"]})
    with pytest.raises(DataError, match=r"'Tianjn' \(nearest: 'Tianjin'\).*'Hebie'"):
        neighbour_weights(pairs, ["Beijing", "Tianjin", "Hebei"])


def test_islands_named_or_kept_with_a_note() -> None:
    pairs = pd.DataFrame({"entity_a": ["a", "b"], "entity_b": ["b", "c"]})
    y = pd.Series([1.0, 3.0, 2.0, 5.0], index=["a", "b", "c", "Hainan"])
    with pytest.raises(DataError, match=r"no neighbour: 'Hainan'.*island='keep'"):
        neighbour_weights(pairs, list(y.index))
    with pytest.warns(CosynWarning, match="Hainan"):
        r = moran(y, pairs, permutations=0, island="keep")
    assert "Hainan" in r.notes[0]
    # PySAL's island handling: the island's row of W is zero, n still counts it.
    z = y.to_numpy() - y.mean()
    w = np.array([[0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    assert r.I == pytest.approx(4 / w.sum() * (z @ w @ z) / (z @ z), rel=1e-12)


def test_islands_of_a_given_w_stay_islands() -> None:
    pairs = pd.DataFrame({"entity_a": ["a", "b"], "entity_b": ["b", "c"]})
    with pytest.warns(CosynWarning):
        w = neighbour_weights(pairs, ["a", "b", "c", "d"], island="keep")
    y = pd.Series([1.0, 3.0, 2.0, 5.0], index=["d", "c", "b", "a"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # accepted when w was built: no second warning
        r = moran(y, w, permutations=0)
    assert r.notes and "'d'" in r.notes[0]
    # An entity left without neighbours by the subset is still an error.
    with pytest.raises(DataError, match="no neighbour: 'a'"):
        neighbour_weights(w, ["a", "c", "d"])


def test_self_link_and_duplicate_entities_refused() -> None:
    with pytest.raises(DataError, match="with itself"):
        neighbour_weights(pd.DataFrame({"a": ["x", "x"], "b": ["x", "y"]}), ["x", "y"])
    with pytest.raises(DataError, match="appears twice"):
        neighbour_weights(pd.DataFrame({"a": ["x"], "b": ["y"]}), ["x", "y", "x"])


def test_gb18030_csv_with_chinese_names(tmp_path) -> None:
    path = tmp_path / "邻接.csv"
    path.write_bytes("entity_a,entity_b\n北京,天津\n北京,河北\n天津,河北\n".encode("gb18030"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CosynWarning)  # the reader says it used GB18030
        w = neighbour_weights(path, ["河北", "天津", "北京"])
    assert w.neighbors["北京"] == ["天津", "河北"] or set(w.neighbors["北京"]) == {"天津", "河北"}
    assert w.cardinalities == {"河北": 2, "天津": 2, "北京": 2}


def test_numeric_names_match_as_text(tmp_path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("entity_a,entity_b\n1,2\n2,3\n")
    w = neighbour_weights(path, ["1", "2", "3"])
    assert set(w.neighbors["2"]) == {"1", "3"}


def test_given_knn_w_keeps_its_asymmetry() -> None:
    pts = pd.DataFrame({"x": [0.0, 1.0, 3.0, 7.0], "y": [0.0, 0.0, 0.0, 0.0]}, index=list("abcd"))
    knn = weights_from_coordinates(pts, "x", "y", k=1)  # d → c, but c → b
    w = neighbour_weights(knn, list("dcba"))
    assert w.neighbors == {"d": ["c"], "c": ["b"], "b": ["a"], "a": ["b"]}
    y = pd.Series([1.0, 2.0, 4.0, 8.0], index=list("abcd"))
    full = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=float)
    z = y.to_numpy() - y.mean()
    assert moran(y, knn, permutations=0).I == pytest.approx(
        4 / full.sum() * (z @ full @ z) / (z @ z), rel=1e-12
    )


def test_given_w_is_realigned(columbus) -> None:
    crime, _, gal = columbus
    shuffled = crime.iloc[::-1]
    r = moran(shuffled, gal, permutations=0)
    assert r.I == pytest.approx(0.500188557, abs=5e-10)


def test_coordinates_knn_and_inverse_distance_by_hand() -> None:
    pts = pd.DataFrame({"x": [0.0, 1.0, 3.0, 7.0], "y": [0.0, 0.0, 0.0, 0.0]}, index=list("abcd"))
    knn = weights_from_coordinates(pts, "x", "y", k=1)
    assert knn.neighbors == {"a": ["b"], "b": ["a"], "c": ["b"], "d": ["c"]}
    inv = weights_from_coordinates(pts.iloc[:3], "x", "y", distance="inverse")
    # a: distances 1 (b) and 3 (c): weights 1 and 1/3, row-standardised 0.75 and 0.25.
    np.testing.assert_allclose(inv.full()[0][0], [0, 0.75, 0.25])
    with pytest.raises(DataError, match="same point"):
        weights_from_coordinates(
            pd.DataFrame({"x": [0.0, 0.0, 1.0], "y": [1.0, 1.0, 0.0]}, index=list("abc")),
            "x",
            "y",
            distance="inverse",
        )
    with pytest.raises(SpecError, match="k must"):
        weights_from_coordinates(pts, "x", "y", k=4)


def test_inverse_distance_among_the_k_nearest_by_hand() -> None:
    """Points at x = 0, 1, 3, 7 on a line, k = 2: a's nearest are b (d = 1) and c (d = 3),
    weights 1 and 1/3, row-standardised 0.75 and 0.25; d's nearest are c (4) and b (6),
    weights 1/4 and 1/6, i.e. 0.6 and 0.4. With power 2: a gets 1 and 1/9 → 0.9, 0.1."""
    pts = pd.DataFrame({"x": [0.0, 1.0, 3.0, 7.0], "y": [0.0, 0.0, 0.0, 0.0]}, index=list("abcd"))
    w = weights_from_coordinates(pts, "x", "y", k=2, distance="inverse")
    full = w.full()[0]
    np.testing.assert_allclose(full[0], [0, 0.75, 0.25, 0])
    np.testing.assert_allclose(full[3], [0, 0.4, 0.6, 0])
    knn = weights_from_coordinates(pts, "x", "y", k=2)
    assert {e: set(v) for e, v in w.neighbors.items()} == {
        e: set(v) for e, v in knn.neighbors.items()
    }  # the same neighbours, weighted
    sq = weights_from_coordinates(pts, "x", "y", k=2, distance="inverse", power=2)
    np.testing.assert_allclose(sq.full()[0][0], [0, 0.9, 0.1, 0])
    five = pd.concat([pts, pd.DataFrame({"x": [9.0], "y": [1.0]}, index=["e"])])
    default = weights_from_coordinates(five, "x", "y")  # k = 4 without distance
    assert all(len(v) == 4 for v in default.neighbors.values())
    with pytest.raises(DataError, match="same point"):
        weights_from_coordinates(
            pd.DataFrame({"x": [0.0, 0.0, 5.0], "y": [1.0, 1.0, 0.0]}, index=list("abc")),
            "x",
            "y",
            k=1,
            distance="inverse",
        )


def test_inverse_distance_between_every_pair_warns_above_the_limit(monkeypatch) -> None:
    pts = pd.DataFrame({"x": [0.0, 1.0, 3.0, 7.0], "y": [0.0, 2.0, 1.0, 0.0]}, index=list("abcd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 4 entities: below the limit, no warning
        w = weights_from_coordinates(pts, "x", "y", distance="inverse")
    assert all(len(v) == 3 for v in w.neighbors.values())
    monkeypatch.setattr(space, "DENSE_WARNING", 3)
    with pytest.warns(CosynWarning, match=r"every pair of the 4 entities.*give k"):
        weights_from_coordinates(pts, "x", "y", distance="inverse")


def test_geometry_queen_matches_the_gal_file(columbus) -> None:
    pytest.importorskip("geopandas")
    from libpysal.examples import get_path

    crime, path, _ = columbus
    w = weights_from_geometry(get_path("columbus.shp"), "POLYID", list(crime.index))
    ref = neighbour_weights(path, list(crime.index))
    np.testing.assert_allclose(w.full()[0], ref.full()[0])
    with pytest.raises(DataError, match="no feature for 1 entity: '99'"):
        weights_from_geometry(get_path("columbus.shp"), "POLYID", [*crime.index, "99"])
    with pytest.raises(DataError, match="no column 'NAME'"):
        weights_from_geometry(get_path("columbus.shp"), "NAME", list(crime.index))


# ---------------------------------------------------------------- values and seeds


def test_wide_input_gives_one_row_per_period(columbus) -> None:
    crime, path, _ = columbus
    wide = pd.DataFrame({2001: crime, 2002: crime * 2 + 1, 2003: crime.iloc[::-1].to_numpy()})
    wide.index = crime.index
    table = moran(wide, path, permutations=99, seed=3)
    assert list(table.index) == [2001, 2002, 2003] and table.index.name == "period"
    one = moran(crime, path, permutations=99, seed=3)
    assert table.loc[2001, "I"] == one.I and table.loc[2001, "p_sim"] == one.p_sim
    assert table.loc[2002, "I"] == pytest.approx(one.I)  # I is invariant to y → a·y + b
    long = local_moran(wide, path, permutations=0)
    assert list(long.columns[:2]) == ["entity", "period"] and len(long) == 3 * 49


def test_same_seed_same_p_sim_and_global_state_restored(columbus) -> None:
    crime, path, _ = columbus
    noise = pd.Series(np.random.default_rng(1).normal(size=49), index=crime.index)
    np.random.seed(7)  # noqa: NPY002 - checking that cosyn leaves the global state alone
    before = np.random.random()  # noqa: NPY002
    np.random.seed(7)  # noqa: NPY002
    a = moran(noise, path, permutations=199, seed=11)
    after = np.random.random()  # noqa: NPY002
    assert after == before
    b = moran(noise, path, permutations=199, seed=11)
    assert a.p_sim == b.p_sim and a.z_sim == b.z_sim


def test_missing_and_constant_values_named(columbus) -> None:
    crime, path, _ = columbus
    wide = pd.DataFrame({"2019": crime, "2020": crime})
    wide.loc["7", "2020"] = np.nan
    with pytest.raises(DataError, match="'7' in '2020'"):
        moran(wide, path)
    flat = pd.DataFrame({"2019": crime, "2020": 0.5})
    with pytest.raises(DataError, match=r"same value in period '2020'.*undefined"):
        moran(flat, path, permutations=0)
    with pytest.raises(DataError, match="undefined"):
        local_moran(flat["2020"], path, permutations=0)


def test_bad_options_refused(columbus) -> None:
    crime, path, _ = columbus
    with pytest.raises(SpecError, match="permutations"):
        moran(crime, path, permutations=-1)
    with pytest.raises(SpecError, match="alpha"):
        local_moran(crime, path, alpha=1.5)
    with pytest.raises(SpecError, match="island"):
        neighbour_weights(path, list(crime.index), island="drop")  # type: ignore[arg-type]


def test_missing_pysal_names_the_extra(monkeypatch, columbus) -> None:
    crime, path, _ = columbus
    real = importlib.import_module

    def fake(name: str, package: str | None = None):
        if name.startswith(("esda", "libpysal")):
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(space.importlib, "import_module", fake)
    with pytest.raises(SpecError, match=r"pip install 'cosyn\[spatial\]'"):
        moran(crime, path)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=6).filter(
        lambda v: np.ptp(v) > 1e-3
    ),
    st.floats(0.01, 100),
    st.floats(-100, 100),
    st.permutations(list(range(6))),
)
def test_moran_invariant_to_affine_change_and_entity_order(
    values: list[float], a: float, b: float, order: list[int]
) -> None:
    """I depends on the standardised values and the graph only: y → a·y + b (a > 0) and
    listing the entities in another order leave it unchanged."""
    ring = pd.DataFrame({"entity_a": list("abcdef"), "entity_b": list("bcdefa")})
    y = pd.Series(values, index=list("abcdef"))
    base = moran(y, ring, permutations=0)
    moved = moran(a * y + b, ring, permutations=0)
    shuffled = moran(y.iloc[order], ring, permutations=0)
    assert moved.I == pytest.approx(base.I, abs=1e-9)
    assert shuffled.I == pytest.approx(base.I, abs=1e-12)
    assert base.I >= -1.0 - 1e-12 and base.I <= 1.0 + 1e-12  # ring, row-standardised
