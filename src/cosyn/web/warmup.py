"""Imported once by the fork server of :mod:`cosyn.web.runner`: one small fit, warm children.

A child forked from the fork server inherits its memory. Importing a module loads it, but
much of the first fit's cost comes later: the lazy imports and caches that pandas, NumPy
and cosyn fill on first use (CSV parsing, string formatting of the summary, JSON
records). Fitting the bundled Guangzhou case here once, at import, pays that cost in the
fork server instead of in every request's child (a request then takes about a third of
the time). Nothing is written; errors are not expected and would surface at the first
request anyway, so they are not hidden here.
"""

from __future__ import annotations

import io
import warnings

from cosyn.datasets import data_path
from cosyn.web.work import Limits, fit_upload


def warm() -> None:
    """Fit the bundled case through the request path, in this process."""
    source = io.BytesIO(data_path("trade.csv").read_bytes())
    spec = data_path("trade_model.toml").read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_upload(source, "trade.csv", spec, Limits())


warm()
