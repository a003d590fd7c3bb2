"""The catalogue of bad and edge diagnostic inputs (METHOD.md §6–§8), run through the CLI.

Each case writes a model with a ``[diagnostics]`` table and a CSV, runs ``cosyn run``
(a fit, every diagnostic asked for and every output) and names the fragment the output
must hold: exit 1 with one clear message where the input is refused; exit 0 where the run
goes on and says what it did in a note — and then no CSV written holds a NaN or an
infinity, and the case's own check of the outputs holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bad_input_catalogue import Case, assert_no_nan

#: A: {a, c}; B: {b}; {method} and {diagnostics} are filled per case.
MODEL = """
entity = "region"
period = "year"
[method]
{method}
[subsystems.A]
label = "Trade"
[subsystems.A.indicators]
a = {a}
c = {c}
[subsystems.B]
label = "Cluster"
[subsystems.B.indicators]
b = "+"
[diagnostics]
{diagnostics}
"""

YEARS = (2018, 2019, 2020, 2021, 2022)
#: Two regions, five years, every indicator moving (columns a, c, b).
ROWS = {
    "n": [(1.0, 4.0, 10.0), (2.0, 5.0, 12.0), (4.0, 7.0, 15.0), (5.0, 7.5, 17.0), (7.0, 9.0, 20.0)],
    "s": [(2.0, 1.0, 3.0), (3.0, 3.0, 4.0), (5.0, 2.0, 6.0), (6.0, 4.0, 6.5), (8.0, 5.0, 9.0)],
}


def csv(years: tuple[int, ...] = YEARS, **columns: dict[str, list[float]]) -> str:
    """The data, with whole series replaced: ``a={"n": [1, 3, 1, 3, 1]}``."""
    lines = ["region,year,a,c,b\n"]
    for region, rows in ROWS.items():
        for t, year in enumerate(years):
            cells = dict(zip(("a", "c", "b"), rows[t], strict=True))
            for name, series in columns.items():
                if region in series:
                    cells[name] = series[region][t]
            lines.append(f"{region},{year},{','.join(f'{v:g}' for v in cells.values())}\n")
    return "".join(lines)


def model(diagnostics: str, method: str = "", a: str = '"+"', c: str = '"+"') -> str:
    return MODEL.format(diagnostics=diagnostics, method=method, a=a, c=c)


Check = Callable[[Path], None]


@dataclass(frozen=True)
class DiagCase:
    """A catalogue case and, for a run that goes on, a check of what it wrote."""

    case: Case
    check: Check | None = None


def run(
    id: str,
    diagnostics: str,
    fragment: str,
    code: int = 1,
    *,
    data: str | None = None,
    method: str = "",
    a: str = '"+"',
    c: str = '"+"',
    check: Check | None = None,
) -> DiagCase:
    args = ("run", "{tmp}/model.toml", "--data", "{tmp}/data.csv", "--out", "{tmp}/out")
    files: dict[str, str | bytes] = {
        "model.toml": model(diagnostics, method, a, c),
        "data.csv": data if data is not None else csv(),
    }
    return DiagCase(Case(id, args, fragment, code, files), check)


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv")


# -- the checks of outputs -------------------------------------------------------------


def forecast_without(series: str, region: str) -> Check:
    def check(out: Path) -> None:
        f = table(out, "forecast")
        assert f[(f.series == series) & (f.entity == region)].empty
        assert not f.empty and np.isfinite(f.value).all()

    return check


def forecast_clipped(out: Path) -> None:
    f = table(out, "forecast")
    mu, u = f[f.series != "synergy"], f[f.series == "synergy"]
    assert mu.value.between(0, 1).all() and u.value.between(-1, 1).all()
    assert f.clipped.any() and set(f.level_ratio) <= {"passed", "shifted"}


def robustness_is_the_fit(out: Path) -> None:
    r, s = table(out, "robustness"), table(out, "synergy")
    np.testing.assert_allclose(r.synergy, s.synergy, rtol=0, atol=1e-12)
    assert np.isfinite(r[["median", "p5", "p95"]].to_numpy()).all()


def robustness_finite(out: Path) -> None:
    r = table(out, "robustness")
    assert np.isfinite(r[["synergy", "median", "p5", "p95", "stage_agreement"]]).all().all()


def coupling_zero(out: Path) -> None:
    c = table(out, "coupling")
    assert (c.C == 0).all() and (c.D == 0).all()
    # U_1 = 0: E = 0 (Trade lags) where U_2 > 0, and empty (synchronous) where U_2 = 0 too
    assert ((c.lag == "Trade lags") & (c.E == 0) | (c.lag == "synchronous") & c.E.isna()).all()


def lag_of_first_year(text: str) -> Check:
    def check(out: Path) -> None:
        c = table(out, "coupling")
        first = c[c.period == YEARS[0]]
        assert (first.lag == text).all() and first.E.isna().all()
        assert set(c.lag) <= {"Trade lags", "synchronous", "Cluster lags"}

    return check


def coupling_rescaled_constant(out: Path) -> None:
    c = table(out, "coupling")
    assert np.isfinite(c[["C", "T", "D"]].to_numpy()).all()


def obstacles_zero_last(out: Path) -> None:
    o = table(out, "obstacles")
    last = o[o.period == YEARS[-1]]
    assert (last.FI == 0).all() and (last.obstacle == 0).all()


def grey_rows_in_use(out: Path) -> None:
    g = table(out, "grey_relation")
    assert g[(g.entity == "s") & (g.indicator == "c")].empty  # c left out for region s
    assert len(g) == 2 * 3 - 1


ZERO = {"s": [0.0] * 5}
CONSTANT = {"n": [100.0] * 5, "s": [100.0] * 5}
#: a grows to its maximum early: μ_A near 1 and GM(1,1) runs past it
FAST = {"n": [0.0, 6.0, 9.0, 9.8, 10.0], "s": [1.0, 7.0, 9.5, 9.9, 10.0]}

CASES: list[DiagCase] = [
    # GM(1,1) (METHOD.md §8): never a crash, never a value outside its range
    run(
        "gm11-a-equal-0-is-skipped",
        "forecast = 2",
        "no exponential trend (a = 0)",
        0,
        # μ_A of region n alternates p, q, p, q: GM(1,1)'s a is 0
        data=csv(years=YEARS[:4], a={"n": [1.0, 3.0, 1.0, 3.0]}, c={"n": [4.0, 7.0, 4.0, 7.0]}),
        check=forecast_without("A", "n"),
    ),
    run("gm11-huge-horizon", "forecast = 1000000000", "diagnostics.forecast"),
    run(
        "gm11-longest-horizon-stays-finite",
        "forecast = 100",
        "clipped",
        0,
        check=forecast_clipped,
    ),
    run(
        "gm11-forecast-leaves-0-1-is-clipped",
        "forecast = 3",
        "clipped",
        0,
        method="margin = 0.0",
        data=csv(a=FAST, c=FAST),
        check=forecast_clipped,
    ),
    run(
        "gm11-too-few-periods",
        "forecast = 2",
        "needs at least 4 periods",
        data=csv(years=YEARS[:3]),
    ),
    # grey relational analysis: a normalisation that would divide by 0 names the series
    run(
        "gra-initial-on-a-series-starting-at-0",
        'gra = true\ngra_normalize = "initial"',
        "gra_normalize = 'initial' divides each series by its first value",
        method="margin = 0.0",
    ),
    run(
        "gra-minmax-on-a-constant-series",
        'gra = true\ngra_normalize = "minmax"',
        "gra_normalize = 'minmax' divides each series by its range",
        data=csv(c=CONSTANT),
    ),
    run("gra-normalize-misspelt", 'gra = true\ngra_normalize = "inital"', "gra_normalize"),
    run(
        "gra-with-an-indicator-left-out-for-one-region",
        "gra = true\nobstacles = 3\nrobustness = { draws = 50 }",
        "",
        0,
        method='on_constant = "drop"',
        data=csv(c=ZERO),
        check=grey_rows_in_use,
    ),
    # robustness: explicit bounds, margin 0 with a constant series, tiny concentrations
    run(
        "robustness-with-explicit-bounds-is-the-fit",
        "robustness = { draws = 50, margin = [0.1, 0.1], concentration = 1e30 }",
        "",
        0,
        a='{ direction = "+", lower = 0, upper = 6 }',
        check=robustness_is_the_fit,
    ),
    run(
        "robustness-margin-from-0-with-a-constant-series",
        "robustness = { draws = 50, margin = [0.0, 0.2] }",
        "",
        0,
        data=csv(c=CONSTANT),
        check=robustness_finite,
    ),
    run(
        "robustness-margin-fixed-at-0-with-a-constant-series",
        "robustness = { draws = 20, margin = [0.0, 0.0] }",
        "",
        0,
        data=csv(c=CONSTANT),
        check=robustness_finite,
    ),
    run(
        "robustness-panel-scope-with-an-indicator-left-out",
        "robustness = { draws = 50 }",
        "",
        0,
        method='on_constant = "drop"\nweights_scope = "panel"',
        data=csv(c=ZERO),
        check=robustness_is_the_fit,
    ),
    run(
        "robustness-geometric-with-an-indicator-left-out",
        "robustness = { draws = 50 }",
        "",
        0,
        method='on_constant = "drop"\naggregation = "geometric"',
        data=csv(c=ZERO),
        check=robustness_is_the_fit,
    ),
    run(
        "robustness-concentration-below-the-floor",
        "robustness = { draws = 20, concentration = 1e-300 }",
        "concentration",
    ),
    run(
        "robustness-smallest-concentration",
        "robustness = { draws = 200, concentration = 0.1 }",
        "",
        0,
        check=robustness_finite,
    ),
    run(
        "robustness-explicit-bound-crossed-at-margin-0",
        "robustness = { draws = 20, margin = [0.0, 0.2] }",
        "diagnostics.robustness.margin",
        a='{ direction = "+", lower = 7.5 }',
        data=csv(a={"n": [1.0, 2.0, 4.0, 5.0, 7.0], "s": [1.0, 2.0, 4.0, 5.0, 7.0]}),
    ),
    # coupling coordination and the relative development degree
    run(
        "coupling-with-mu-0-everywhere",
        'coupling = "classic"',
        "is 0 in every entity and period",
        0,
        a='{ direction = "+", lower = 100, upper = 200 }',
        c='{ direction = "+", lower = 100, upper = 200 }',
        method="margin = 0.0",
        check=coupling_zero,
    ),
    run(
        "coupling-rescale-with-constant-mu",
        'coupling = "wang"\ncoupling_input = "rescale"',
        "is the same in every entity and period",
        0,
        data=csv(b=CONSTANT),
        check=coupling_rescaled_constant,
    ),
    run(
        "lag-with-a-zero-denominator",
        'coupling = "classic"',
        "",
        0,
        method="margin = 0.0",
        check=lag_of_first_year("synchronous"),
    ),
    run("lag-edges-reversed", 'coupling = "classic"\nlag_edges = [1.2, 0.8]', "lag_edges"),
    run(
        "coupling-levels-with-too-few-names",
        'coupling = "fan"\ncoupling_levels = { edges = [0.5], names = ["low"] }',
        "coupling_levels",
    ),
    run("coupling-input-misspelt", 'coupling = "classic"\ncoupling_input = "rescal"', "rescale"),
    # obstacles
    run(
        "obstacles-when-nothing-holds-back",
        "obstacles = 3",
        "",
        0,
        method="margin = 0.0",
        check=obstacles_zero_last,
    ),
    run("obstacles-negative", "obstacles = -1", "diagnostics.obstacles"),
]


def test_the_catalogue_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 12
    assert len({c.case.id for c in CASES}) == len(CASES)


@pytest.fixture
def no_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs write every table, the workbook and the report, but draw no figures (most of a
    run's time)."""
    import cosyn.report.figures

    monkeypatch.setattr(cosyn.report.figures, "render_figures", lambda *a, **k: {})


@pytest.mark.parametrize("bad", CASES, ids=[c.case.id for c in CASES])
def test_bad_diagnostics(cli_case, tmp_path: Path, no_figures: None, bad: DiagCase) -> None:
    cli_case(bad.case)
    out = tmp_path / "out"
    if bad.case.code != 0:
        return
    for path in sorted(out.glob("*.csv")):
        assert_no_nan(path.read_text(encoding="utf-8"), path.name)
    if bad.check is not None:
        bad.check(out)
