"""cosyn — composite system synergy: do the subsystems of an economy develop together?

>>> import cosyn
>>> spec = cosyn.Spec.from_toml("examples/guangzhou/trade_model.toml")  # doctest: +SKIP
>>> res = cosyn.fit("examples/guangzhou/trade.csv", spec)                # doctest: +SKIP
>>> print(res.summary())                                                 # doctest: +SKIP
"""

from cosyn import datasets
from cosyn.analysis import AnalysisResult, analyse
from cosyn.analysis.density import kernel_density
from cosyn.analysis.inequality import beta_convergence, dagum_gini, sigma_convergence, theil
from cosyn.analysis.markov import markov, spatial_markov
from cosyn.analysis.space import local_moran, moran, neighbour_weights
from cosyn.errors import CosynError, CosynWarning, DataError, SpecError
from cosyn.fit import fit
from cosyn.methods import (
    ahp_weights,
    coupling_coordination,
    critic_weights,
    cv_weights,
    efficacy,
    entropy_weights,
    gm11,
    grey_relational_grade,
    obstacle_degree,
    synergy_degree,
)
from cosyn.panel import Panel, build_panel
from cosyn.result import Result
from cosyn.spec import Indicator, Method, Scale, Spec, Subsystem

__version__ = "0.1.0"

__all__ = [
    "AnalysisResult",
    "CosynError",
    "CosynWarning",
    "DataError",
    "Indicator",
    "Method",
    "Panel",
    "Result",
    "Scale",
    "Spec",
    "SpecError",
    "Subsystem",
    "__version__",
    "ahp_weights",
    "analyse",
    "beta_convergence",
    "build_panel",
    "coupling_coordination",
    "critic_weights",
    "cv_weights",
    "dagum_gini",
    "datasets",
    "efficacy",
    "entropy_weights",
    "fit",
    "gm11",
    "grey_relational_grade",
    "kernel_density",
    "local_moran",
    "markov",
    "moran",
    "neighbour_weights",
    "obstacle_degree",
    "sigma_convergence",
    "spatial_markov",
    "synergy_degree",
    "theil",
]
