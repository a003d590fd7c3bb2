"""cosyn — composite system synergy: do the subsystems of an economy develop together?

>>> import cosyn
>>> spec = cosyn.Spec.from_toml("examples/guangzhou/trade_model.toml")  # doctest: +SKIP
>>> res = cosyn.fit("examples/guangzhou/trade.csv", spec)                # doctest: +SKIP
>>> print(res.summary())                                                 # doctest: +SKIP
"""

from cosyn import datasets
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
    "build_panel",
    "coupling_coordination",
    "critic_weights",
    "cv_weights",
    "datasets",
    "efficacy",
    "entropy_weights",
    "fit",
    "gm11",
    "grey_relational_grade",
    "obstacle_degree",
    "synergy_degree",
]
