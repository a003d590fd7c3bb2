"""Analyses of a fitted model's values across entities and periods (SPATIAL.md).

:func:`analyse` (also ``Result.analysis``) runs the spec's ``[analysis]`` table on a
fitted :class:`~cosyn.result.Result` and returns an :class:`AnalysisResult` of tidy
tables. The methods themselves are in the submodules, each usable on its own with
pandas in and pandas out: :mod:`~cosyn.analysis.inequality` (Dagum Gini, Theil, σ- and
β-convergence), :mod:`~cosyn.analysis.density` (kernel density),
:mod:`~cosyn.analysis.space` (spatial weights, Moran's I, LISA) and
:mod:`~cosyn.analysis.markov` (Markov and spatial Markov chains). PySAL is imported only
when a spatial part runs.
"""

from cosyn.analysis.run import AnalysisResult, analyse

__all__ = ["AnalysisResult", "analyse"]
