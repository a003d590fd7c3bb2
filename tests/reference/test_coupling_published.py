"""Coupling coordination degree against numbers others printed (METHOD.md §7).

Each test is named after the source whose numbers it re-enters; the docstring gives the
citation, the table and the route by which the numbers reached this file.

Tolerances: the sources print inputs and outputs rounded. A printed output is accepted
when it lies within half a unit of its last decimal of the range that cosyn computes over
every input inside the inputs' own rounding box (a grid of 5 points per subsystem,
evaluated in one batched call). So the check allows exactly the rounding the print
implies, no more.

Provenance notes
----------------
* Classic model, published: the table of an article in *Mathematical Problems in
  Engineering* (2022), re-entered from Hindawi's page for that table. The authors'
  names were not in the retrieved text. The article's formula section was not retrieved
  either; that it uses the classic k = 2 model with α = β = 0.5 is read from the table
  itself (``T = (U_u + U_r)/2`` in every row, ``C = 2·sqrt(U_u·U_r)/(U_u + U_r)``).
* wang and fan: no published table of subsystem scores with these models' C could be
  retrieved. Wang Shujia et al. (2021, *Journal of Natural Resources* 36(3): 793–810),
  Table 8, prints the original and the corrected C of 13 Beijing–Tianjin–Hebei cities,
  but not (in the part retrievable here) the U they came from, so it cannot be
  re-entered. Those two models are checked against a peer implementation instead (the
  R package ``coupling``, on CRAN), i.e. an independent computation, not a paper's print;
  the hand calculations in ``tests/methods/test_coupling.py`` check them too.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosyn.methods.coupling import coupling_arrays, coupling_coordination


def rounding_box(u: list[float], half: float, points: int = 5) -> np.ndarray:
    """Every grid point of ``[u_j − half, u_j + half]`` (clipped into [0, 1]), (points^k, k)."""
    offsets = np.linspace(-half, half, points)
    k = len(u)
    grid = np.stack(np.meshgrid(*[offsets] * k, indexing="ij"), axis=-1).reshape(-1, k)
    return np.clip(np.asarray(u) + grid, 0.0, 1.0)


def assert_printed(printed: float, computed: np.ndarray, half: float, what: str) -> None:
    """``printed`` is ``computed`` (over the input rounding box) rounded to ``half``."""
    lo, hi = float(computed.min()), float(computed.max())
    slack = half + 1e-12
    assert lo - slack <= printed <= hi + slack, (
        f"{what}: printed {printed}, cosyn gives {lo:.7f}..{hi:.7f} over the rounding box"
    )


# ---------------------------------------------------------------------------------------
# classic model, k = 2, α = β = 0.5 — a published table
# ---------------------------------------------------------------------------------------

#: Year, U_u (urban logistics), U_r (rural logistics), C, T, D as printed (3 decimals).
MPE_2022_TABLE_4 = [
    (2011, 0.101, 0.280, 0.882, 0.190, 0.410),
    (2012, 0.165, 0.406, 0.906, 0.286, 0.509),
    (2013, 0.187, 0.427, 0.920, 0.307, 0.532),
    (2014, 0.238, 0.511, 0.931, 0.374, 0.590),
    (2015, 0.424, 0.421, 1.000, 0.422, 0.650),
    (2016, 0.538, 0.407, 0.990, 0.473, 0.684),
    (2017, 0.591, 0.466, 0.993, 0.528, 0.724),
    (2018, 0.694, 0.581, 0.996, 0.638, 0.797),
    (2019, 0.892, 0.662, 0.989, 0.777, 0.877),
    (2020, 0.879, 0.637, 0.987, 0.758, 0.865),
]


@pytest.mark.parametrize(
    ("year", "uu", "ur", "c", "t", "d"), MPE_2022_TABLE_4, ids=[str(r[0]) for r in MPE_2022_TABLE_4]
)
def test_classic_mpe2022_urban_rural_logistics_table4(year, uu, ur, c, t, d):
    """ "Urban-Rural Logistics Coupling Coordinated Development and Urban-Rural Integrated
    Development: Measurement, Influencing Factors, and Countermeasures", *Mathematical
    Problems in Engineering*, vol. 2022, Article ID 2969206, Table 4 ("Coupling and
    coupling coordination type of the urban-rural logistics composite systems"), all ten
    rows (2011–2020), columns Uu, Ur, C, T, D. Retrieved from
    https://preview.hindawi.com/journals/mpe/2022/2969206/tab4 (authors not in the
    retrieved text). Classic model, k = 2, equal contribution coefficients.
    """
    box = rounding_box([uu, ur], half=0.0005)
    cc, tt, dd = coupling_arrays(box, "classic")
    assert_printed(c, cc, 0.0005, f"{year} C")
    assert_printed(t, tt, 0.0005, f"{year} T")
    assert_printed(d, dd, 0.0005, f"{year} D")


def test_classic_mpe2022_table4_stages_and_levels():
    """Same table: every row's coupling type is printed "High level" (C > 0.8 →
    "high-level coupling" here). The paper names its coordination types on a ladder of
    its own (it calls D = 0.509 "Primary coupling coordination", METHOD.md's scale
    "barely coordinated"), so only the row whose name agrees is compared: 2011,
    D = 0.410, "Close to incongruity" = near imbalance (0.4, 0.5].
    """
    scores = [[row[1], row[2]] for row in MPE_2022_TABLE_4]
    table = coupling_coordination(scores)
    assert set(table["coupling_stage"]) == {"high-level coupling"}
    assert table["level"].iloc[0] == "near imbalance"


# ---------------------------------------------------------------------------------------
# classic, wang, fan, k = 4 — a peer implementation
# ---------------------------------------------------------------------------------------

#: Min-max normalised PS, EL, OH, IL scores of the first six areas of the ``gzma`` data
#: (Guangzhou metropolitan areas, 2010; R package sdsfun) as printed by the vignette.
GZMA_HEAD = [
    [0.8179733, 0.3246648, 0.6590316, 0.1308531],
    [0.3020233, 0.1318888, 0.4046987, 0.5173794],
    [0.9209903, 0.3353516, 0.6921477, 0.3141320],
    [0.9604095, 0.3914758, 0.7099999, 0.4316421],
    [0.9061589, 0.3473603, 0.7297774, 0.6909494],
    [0.9456379, 0.4391423, 0.7304117, 0.4792905],
]
#: (C, D) per row as printed by ``coupling::ccd(dt, method = ...)``.
GZMA_CCD = {
    "classic": [
        (0.8051958, 0.6237105),
        (0.8914577, 0.5497290),
        (0.8999423, 0.7134825),
        (0.9346128, 0.7632959),
        (0.9440912, 0.7944703),
        (0.9519923, 0.7858001),
    ],
    "wang": [
        (0.4722274, 0.4776480),
        (0.6211236, 0.4588675),
        (0.5375842, 0.5514412),
        (0.5861986, 0.6045044),
        (0.6640321, 0.6662930),
        (0.6319211, 0.6402164),
    ],
    "fan": [
        (0.4593785, 0.4711049),
        (0.7164548, 0.4928249),
        (0.4915051, 0.5272784),
        (0.5399620, 0.5801746),
        (0.5951898, 0.6308098),
        (0.5907777, 0.6190239),
    ],
}


@pytest.mark.parametrize("method", ["classic", "wang", "fan"])
def test_peer_r_coupling_vignette_gzma(method):
    """R package ``coupling`` (Wenbo Lyu; CRAN; GitHub stscl/coupling), vignette
    "Coupling Coordination Degree Model and Metacoupling Analysis", rendered as
    ``articles/ccd.md`` (commit 2d660fa0faf373bb881eaa6bbd56c605c31e47c2): ``head(dt)``
    and ``head(coupling::ccd(dt, method = m))`` for m = "standard" (classic), "wang",
    "fan", equal weights, k = 4. The vignette's formulas are METHOD.md's (wang: pair
    differences over Σ_{m=1}^{k−1} m, ratios to max U, root k − 1; fan:
    ``1 − 2·sqrt((kΣU² − (ΣU)²)/k²)``, the population σ). A peer computation, not a
    paper's print; 7 decimals.
    """
    for u, (c, d) in zip(GZMA_HEAD, GZMA_CCD[method], strict=True):
        cc, _, dd = coupling_arrays(rounding_box(u, half=5e-8), method)
        assert_printed(c, cc, 5e-8, f"{method} C of {u}")
        assert_printed(d, dd, 5e-8, f"{method} D of {u}")
