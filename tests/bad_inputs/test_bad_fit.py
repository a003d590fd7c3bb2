"""The catalogue of numeric edges of the fit (METHOD.md §8), run through the CLI.

Each case writes a model and a CSV, runs ``cosyn check`` (a full fit, nothing written) or
``cosyn run`` (a fit and every output), and names the fragment the message must hold:
exit 1 with one clear message where the input is refused; exit 0 with the note's
fragment where the fit goes on and says what it did — and then no CSV written holds a
NaN or an infinity, and the case's own check of the outputs holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from bad_input_catalogue import Case, assert_no_nan

#: A spec: subsystem A = {a, c}, subsystem B = {b1, b2}; {method} is filled per case.
MODEL = """
entity = "region"
period = "year"
[method]
{method}
[subsystems.A.indicators]
a = "+"
c = "+"
[subsystems.B.indicators]
b1 = "+"
b2 = "-"
"""

HEADER = "region,year,a,c,b1,b2\n"
#: Two regions, three years, every indicator moving.
ROWS = {
    "n": [(2020, 1, 4, 10, 5), (2021, 2, 5, 12, 4), (2022, 4, 7, 15, 2)],
    "s": [(2020, 2, 1, 3, 9), (2021, 3, 3, 4, 7), (2022, 5, 2, 6, 6)],
}


def csv(**changes: str) -> str:
    """The data with some cells replaced: ``changes["n2021c"] = "0"`` sets region n,
    year 2021, column c."""
    lines = [HEADER]
    for region, rows in ROWS.items():
        for year, *values in rows:
            cells = dict(zip("a c b1 b2".split(), (str(v) for v in values), strict=True))
            for key, text in changes.items():
                if key.startswith(f"{region}{year}"):
                    cells[key[len(region) + 4 :]] = text
            lines.append(f"{region},{year},{','.join(cells.values())}\n")
    return "".join(lines)


def constant(region: str, column: str, value: str) -> dict[str, str]:
    return {f"{region}{y}{column}": value for y in (2020, 2021, 2022)}


@dataclass(frozen=True)
class FitCase:
    """A :class:`Case` and, for runs that succeed, a check of the written outputs."""

    case: Case
    outputs: Callable[[Path], None] | None = None


def make(
    id: str,
    fragment: str,
    data: str,
    method: str = "",
    code: int = 1,
    command: str = "check",
    model: str = MODEL,
    outputs: Callable[[Path], None] | None = None,
) -> FitCase:
    args: tuple[str, ...] = (command, "{tmp}/model.toml", "--data", "{tmp}/data.csv")
    if command == "run":
        args += ("--out", "{tmp}/out")
    files: dict[str, str | bytes] = {
        "model.toml": model.replace("{method}", method),
        "data.csv": data,
    }
    return FitCase(Case(id, args, fragment, code, files), outputs)


# -- checks of the outputs of runs that succeed ----------------------------------------------


def roundoff_is_zero(out: Path) -> None:
    """Δ_B = 0 exactly, so U = +0.0 and non-synergy (not 6.5e-9, "low")."""
    table = pd.read_csv(out / "synergy.csv")
    assert table.synergy.tolist() == [0.0]
    assert (out / "synergy.csv").read_text().splitlines()[1].split(",")[3] == "0.0"
    assert table.level.tolist() == ["non-synergy"]


def left_out_for_one_region(out: Path) -> None:
    """c is constant at 0 in region n only: weight 0 and u empty there, in use in s."""
    weights = pd.read_csv(out / "weights.csv").set_index(["entity", "indicator"]).weight
    assert weights[("n", "c")] == 0.0 and weights[("n", "a")] == 1.0
    assert weights[("s", "c")] > 0.0
    order = pd.read_csv(out / "order_degree.csv")
    gone = order[~order.in_use]
    assert set(zip(gone.entity, gone.indicator, strict=True)) == {("n", "c")}
    assert gone.u.isna().all()
    assert pd.read_csv(out / "subsystem_order.csv").order.notna().all()


def given_weights_renormalised(out: Path) -> None:
    """Given a : c = 1 : 3, c dropped everywhere: a's weight is 1, not 0.25."""
    weights = pd.read_csv(out / "weights.csv")
    assert weights[weights.indicator == "a"].weight.tolist() == [1.0, 1.0]
    assert "c" not in set(weights.indicator)


ROUNDOFF_MODEL = """
period = "year"
[method]
{method}
[subsystems.A.indicators]
a = "+"
[subsystems.B.indicators]
b1 = "+"
b2 = "+"
"""

ONE_REGION_SHORT = HEADER + "".join(
    f"{r},{y},{a},{c},{b1},{b2}\n"
    for r, rows in ROWS.items()
    for y, a, c, b1, b2 in rows
    if r == "n" or y < 2022
)

CASES: list[FitCase] = [
    # -- round-off (issue 8, item 1) ---------------------------------------------------------
    make(
        "roundoff-delta-is-non-synergy",
        "wrote",
        "year,a,b1,b2\n2020,1,1,10\n2021,2,2,5\n",
        code=0,
        command="run",
        model=ROUNDOFF_MODEL,
        outputs=roundoff_is_zero,
    ),
    # -- values that do not fit in double precision (item 2) ------------------------------
    make(
        "data-near-1e308-widened-bound-overflows",
        "entity 'n', period 2022, indicator 'a' = 1.7e+308: widened by method.margin",
        csv(n2022a="1.7e308"),
    ),
    make(
        "data-range-wider-than-a-double",
        "upper − lower overflows double precision",
        csv(n2020a="-1e308", n2022a="1e308"),
        method="margin = 0",
    ),
    make("cell-inf", "infinite values", csv(s2021b1="inf")),
    make("cell-minus-inf", "infinite values", csv(s2021b1="-inf")),
    make(
        "entropy-shift-pooled-over-the-panel-overflows",
        "the weights (method.weights = entropy, entropy_input = 'shift') overflow double precision",
        csv(
            n2020a="1e308",
            n2021a="1.1e308",
            n2022a="1.2e308",
            s2020a="-1e308",
            s2021a="-1.1e308",
            s2022a="-1.2e308",
        ),
        method='entropy_input = "shift"\nweights_scope = "panel"',
    ),
    make(
        "entropy-shift-of-huge-values-is-scale-free",
        "ok:",
        csv(n2020a="1e307", n2021a="2e307", n2022a="4e307"),
        method='entropy_input = "shift"',
        code=0,
    ),
    make(
        "imputation-overflows",
        "too large for double precision",
        csv(n2020a="1e308", n2021a="1.7e308", n2022a=""),  # the line reaches 2.4e308
        method="margin = 0",
    ),
    # -- constant series (item 6) -------------------------------------------------------------
    make(
        "constant-at-0-is-an-error",
        "indicator 'c' is constant at 0 for entity 'n'",
        csv(**constant("n", "c", "0")),
    ),
    make(
        "constant-nonzero-with-margin-0-is-an-error",
        "indicator 'c' is constant at 100",
        csv(**constant("n", "c", "100")),
        method="margin = 0",
    ),
    make(
        "constant-at-100-is-a-note-in-check",
        "warning: indicator 'c' is constant at 100 for entity 'n'",
        csv(**constant("n", "c", "100")),
        code=0,
    ),
    make(
        "drop-acts-per-entity",
        "left out where constant (method.on_constant = 'drop'): indicator 'c' is constant "
        "at 0 for entity 'n'",
        csv(**constant("n", "c", "0")),
        method='on_constant = "drop"',
        code=0,
        command="run",
        outputs=left_out_for_one_region,
    ),
    make(
        "drop-under-geometric-aggregation",
        "left out where constant",
        csv(**constant("n", "c", "0")),
        method='on_constant = "drop"\naggregation = "geometric"',
        code=0,
    ),
    make(
        "every-indicator-of-a-subsystem-constant-for-one-entity",
        "every indicator of subsystem 'B' is constant for entity 's'",
        csv(**constant("s", "b1", "0"), **constant("s", "b2", "0")),
        method='on_constant = "drop"',
    ),
    make(
        "given-weights-renormalised-after-drop",
        "dropped (method.on_constant = 'drop')",
        csv(**constant("n", "c", "0"), **constant("s", "c", "0")),
        method='on_constant = "drop"\nweights = "given"',
        model=MODEL.replace('c = "+"\n', 'c = "+"\n[subsystems.A.weights]\na = 1\nc = 3\n').replace(
            'b2 = "-"\n', 'b2 = "-"\n[subsystems.B.weights]\nb1 = 1\nb2 = 1\n'
        ),
        code=0,
        command="run",
        outputs=given_weights_renormalised,
    ),
    # -- explicit bounds (item 7) -------------------------------------------------------------
    make(
        "explicit-upper-below-the-data",
        "the explicit upper bound 0.5 (spec key 'subsystems.A.indicators.a.upper') is not "
        "above the lower bound",
        csv(),
        model=MODEL.replace('a = "+"', 'a = { direction = "+", upper = 0.5 }'),
    ),
    make(
        "explicit-lower-above-the-data",
        "the explicit lower bound 100 (spec key 'subsystems.B.indicators.b1.lower') is not "
        "below the upper bound",
        csv(),
        model=MODEL.replace('b1 = "+"', 'b1 = { direction = "+", lower = 100 }'),
    ),
    make(
        "explicit-bounds-inside-the-data-clip-with-a-note",
        "values outside the explicit bounds, their order degree clipped to [0, 1]",
        csv(),
        model=MODEL.replace('a = "+"', 'a = { direction = "+", lower = 1.5, upper = 4 }'),
        code=0,
    ),
    # -- periods that do not line up (item 8) -------------------------------------------------
    make(
        "misaligned-periods-extrapolation-noted",
        "method.impute = 'regression' extrapolated past the observed periods (its regression "
        "line carried on) for 1 entity, of 3 periods: 's' 2022 (1 period)",
        ONE_REGION_SHORT,
        code=0,
        command="run",
    ),
    make(
        "misaligned-periods-linear-extrapolation-noted",
        "the nearest observed value carried on",
        ONE_REGION_SHORT,
        method='impute = "linear"',
        code=0,
    ),
    # -- other refusals of the fit ------------------------------------------------------------
    make(
        "cv-with-a-negative-mean",
        "method.weights = 'cv' needs positive means, but indicator 'b2' of entity 'n'",
        csv(n2020b2="-5", n2021b2="-4", n2022b2="-2"),
        method='weights = "cv"',
    ),
    make(
        "too-few-observed-values",
        "too few observed values",
        csv(n2020a="", n2021a=""),
    ),
    make(
        "impute-none-with-a-gap",
        "entity 'n', period 2021, indicator 'c'",
        csv(n2021c=""),
        method='impute = "none"',
    ),
    make(
        "critic-on-min-max-data",
        "ok:",
        csv(),
        method='weights = "critic"\ncritic_input = "minmax"',
        code=0,
    ),
]


def test_the_catalogue_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 15
    assert len({c.case.id for c in CASES}) == len(CASES)


@pytest.fixture
def no_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs write every table, the workbook and the report, but draw no figures (most of a
    run's time; the figures of a fit with left-out cells are drawn in the slow case)."""
    import cosyn.report.figures

    monkeypatch.setattr(cosyn.report.figures, "render_figures", lambda *a, **k: {})


def check_outputs(out: Path, bad: FitCase) -> None:
    if bad.case.code == 0 and out.exists():
        written = sorted(out.glob("*.csv"))
        assert written, "a run that succeeds writes its tables"
        for path in written:
            assert_no_nan(path.read_text(encoding="utf-8"), path.name)
    if bad.outputs is not None:
        bad.outputs(out)


@pytest.mark.parametrize("bad", CASES, ids=[c.case.id for c in CASES])
def test_bad_fit(cli_case, tmp_path: Path, no_figures: None, bad: FitCase) -> None:
    cli_case(bad.case)
    check_outputs(tmp_path / "out", bad)


@pytest.mark.slow
def test_left_out_cells_in_every_report(cli_case, tmp_path: Path) -> None:
    """The figures, the workbook and the HTML report of a fit with an indicator left out
    for one region (u empty there) are written without a NaN in any CSV."""
    bad = next(c for c in CASES if c.case.id == "drop-acts-per-entity")
    cli_case(bad.case)
    check_outputs(tmp_path / "out", bad)
    assert len(list((tmp_path / "out" / "figures").glob("*.svg"))) >= 4
