"""Imported once by the fork server of :mod:`cosyn.web.runner`: small fits, warm children.

A child forked from the fork server inherits its memory. Importing a module loads it, but
much of the first fit's cost comes later: the lazy imports and caches that pandas, NumPy
and cosyn fill on first use (CSV parsing, string formatting of the summary, JSON
records). Fitting the bundled Guangzhou case here once, at import, pays that cost in the
fork server instead of in every request's child (a request then takes about a third of
the time). An ``[analysis]`` on a small made-up panel of China's 31 provinces does the
same for the spatio-temporal analysis: PySAL's first calls, the figures and the tables.
Nothing is written; errors are not expected and would surface at the first request
anyway, so they are not hidden here — except a missing spatial extra, which only the
requests with ``[analysis]`` need (they say so).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd

from cosyn.datasets import data_path
from cosyn.web.work import Limits, UserError, fit_upload


def warm() -> None:
    """Fit the bundled case through the request path, in this process."""
    source = io.BytesIO(data_path("trade.csv").read_bytes())
    spec = data_path("trade_model.toml").read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_upload(source, "trade.csv", spec, Limits())


#: The spec of :func:`warm_analysis`: every part of the analysis on two indicators.
ANALYSIS_SPEC = """
entity = "province"
period = "year"
[subsystems.a]
indicators = { x = "+" }
[subsystems.b]
indicators = { y = "+" }
[diagnostics]
coupling = "classic"
[analysis]
series = ["synergy", "order", "coupling"]
groups = "china_4"
weights = "china_provinces"
permutations = 9
"""


def warm_analysis() -> None:
    """Fit and analyse a made-up panel of the 31 provinces through the request path."""
    from cosyn.datasets import china_provinces

    names = china_provinces()["province"].tolist()
    rng = np.random.default_rng(0)
    periods = (2020, 2021, 2022)
    frame = pd.DataFrame(
        {
            "province": np.repeat(names, len(periods)),
            "year": np.tile(periods, len(names)),
            "x": rng.uniform(1, 2, len(names) * len(periods)),
            "y": rng.uniform(1, 2, len(names) * len(periods)),
        }
    )
    source = io.BytesIO(frame.to_csv(index=False).encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit_upload(source, "provinces.csv", ANALYSIS_SPEC, Limits())
        except UserError as exc:  # no spatial extra: the requests with [analysis] say so
            if "cosyn[spatial]" not in exc.message:
                raise


warm()
try:
    warm_analysis()
except ImportError:  # a part of the analysis not installed: its requests say so
    pass
