"""``cosyn check`` as a function: every problem of spec and data in one list (issue item 10)."""

from __future__ import annotations

from pathlib import Path

from cosyn.check import find_problems

DATA = """\
region,year,a1,a2,b1,b2
x,2018,1,5,2,9
x,2019,2,4,3,8
x,2020,3,3,5,6
y,2018,2,6,1,7
y,2019,3,5,4,7
y,2020,5,4,6,5
"""
HEAD = 'entity = "region"\nperiod = "year"\n'
SUBSYSTEMS = """
[subsystems.A]
indicators = { a1 = "+", a2 = "-" }
[subsystems.B]
indicators = { b1 = "+", b2 = "-" }
"""


def write(tmp_path: Path, model: str, data: str = DATA) -> tuple[Path, Path]:
    (tmp_path / "model.toml").write_text(model, encoding="utf-8")
    (tmp_path / "data.csv").write_text(data, encoding="utf-8")
    return tmp_path / "model.toml", tmp_path / "data.csv"


def test_a_good_model_has_no_problems(tmp_path):
    assert find_problems(*write(tmp_path, HEAD + SUBSYSTEMS)) == ([], [])


def test_spec_problems_do_not_hide_data_problems(tmp_path):
    model = HEAD + '[method]\nmargin = inf\nwieghts = "cv"\n' + SUBSYSTEMS
    data = DATA.replace(",b2\n", ",b3\n").replace("y,2019,3,5,", "y,2019,3,five,")
    problems, notes = find_problems(*write(tmp_path, model, data))
    assert notes == []
    assert len(problems) == 4, problems
    head = f"model {str(tmp_path / 'model.toml')!r}, spec key"
    assert all(p.startswith(head) for p in problems[:2])
    spec = " ".join(problems[:2])
    assert "'method.margin': must be a finite number in [0, 10], got inf" in spec
    assert "'method.wieghts': unknown key" in spec
    assert "column 'b2' (spec key 'subsystems.B.indicators.b2') is not in data file" in problems[2]
    assert "column 'a2': row 6 'five'" in problems[3]


def test_a_broken_indicator_entry_does_not_stop_the_data_check(tmp_path):
    model = HEAD + SUBSYSTEMS.replace('b2 = "-" }', 'b2 = "-", "" = "+" }')
    problems, _ = find_problems(*write(tmp_path, model, DATA.replace(",b2\n", ",b3\n")))
    assert len(problems) == 2, problems
    assert "'subsystems.B.indicators..column': must be a non-empty text" in problems[0]
    assert "column 'b2'" in problems[1]


def test_data_is_not_checked_against_an_unknown_period_column(tmp_path):
    model = 'entity = "region"\nperiod = 2020\n' + SUBSYSTEMS
    problems, _ = find_problems(*write(tmp_path, model))
    assert len(problems) == 1 and "'period': must be a non-empty text, got 2020" in problems[0]


def test_unreadable_model_is_one_problem(tmp_path):
    problems, _ = find_problems(*write(tmp_path, "period = \n" + SUBSYSTEMS))
    assert len(problems) == 1
    assert problems[0].startswith(f"model file {str(tmp_path / 'model.toml')!r} is not valid TOML")


def test_spec_only_without_data(tmp_path):
    model, _ = write(tmp_path, HEAD + "[method]\nmargin = -1\n" + SUBSYSTEMS)
    problems, _ = find_problems(model)
    assert len(problems) == 1 and "'method.margin': must be a number in [0, 10]" in problems[0]


def test_the_fit_runs_only_when_spec_and_data_are_clean(tmp_path):
    """A base period that is not in the data is found by the fit, after the other checks."""
    model = HEAD + "[method]\nbase = 1999\n" + SUBSYSTEMS
    problems, _ = find_problems(*write(tmp_path, model))
    assert len(problems) == 1 and "1999 is not a period of the data" in problems[0]
    problems, _ = find_problems(*write(tmp_path, model, DATA.replace(",b2\n", ",b3\n")))
    assert len(problems) == 1 and "column 'b2'" in problems[0]  # no fit on broken data


def test_check_lists_analysis_inputs_that_place_no_entity(tmp_path):
    # The Guangzhou clusters are not provinces: china_3 groups cannot place them, and a
    # neighbours file naming an unknown entity is listed too — both before any analysis.
    import tomli_w

    from cosyn.check import find_problems
    from cosyn.datasets import data_path, load_spec

    pairs = tmp_path / "pairs.csv"
    pairs.write_text("entity_a,entity_b\njewelry,food_beverages\n", encoding="utf-8")
    spec = load_spec("trade_model").to_dict()
    spec["analysis"] = {"groups": "china_3", "weights": str(pairs)}
    model = tmp_path / "model.toml"
    model.write_text(tomli_w.dumps(spec), encoding="utf-8")
    problems, _ = find_problems(model, data_path("trade.csv"))
    assert len(problems) == 2, problems
    assert "analysis.groups" in problems[0] and "jewelry" in problems[0]
    assert "food_beverages" in problems[1]
