"""cosyn without its optional extras: ``pip install .`` (the README's first command) has
neither SciPy, PySAL nor Dask, so ``import cosyn`` and a fit must not need them, and an
``[analysis]`` table or ``engine="dask"`` must name the extra to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = (
    "scipy",
    "esda",
    "libpysal",
    "giddy",
    "mapclassify",
    "quantecon",
    "geopandas",
    "dask",
    "distributed",
)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    head = f"import sys\nfor m in {BLOCKED!r}:\n    sys.modules[m] = None\n"
    return subprocess.run(
        [sys.executable, "-c", head + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_and_fit_without_scipy_or_pysal() -> None:
    done = _run(
        """
        import warnings
        import cosyn, cosyn.cli, cosyn.report, cosyn.summary
        from cosyn.datasets import data_path
        warnings.simplefilter("ignore")
        res = cosyn.fit(data_path("trade.csv"), data_path("trade_model.toml"))
        text = res.summary()
        assert "Spatio-temporal" not in text
        print(len(res.synergy))
        """
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 0


def test_analysis_without_the_spatial_extra_names_it() -> None:
    done = _run(
        """
        import warnings
        import cosyn
        from cosyn.datasets import data_path
        from cosyn.errors import SpecError
        warnings.simplefilter("ignore")
        spec = cosyn.Spec.from_toml(data_path("trade_model.toml")).to_dict()
        spec["analysis"] = {"series": ["order"]}
        res = cosyn.fit(data_path("trade.csv"), cosyn.Spec.from_dict(spec))
        try:
            res.analysis
        except SpecError as exc:
            print(exc)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'cosyn[spatial]'" in done.stdout


def test_the_dask_engine_names_its_extra() -> None:
    done = _run(
        """
        import cosyn
        from cosyn.datasets import data_path
        try:
            cosyn.fit(data_path("trade.csv"), data_path("trade_model.toml"), engine="dask")
        except cosyn.SpecError as exc:
            print(exc)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'cosyn[dask]'" in done.stdout
