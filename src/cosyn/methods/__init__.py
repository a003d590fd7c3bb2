"""Pure array kernels of the composite system synergy model.

NumPy in, NumPy out, entity axis first; no labels, no files, no user-facing messages.
"""

from cosyn.methods.aggregation import AGGREGATIONS, subsystem_order
from cosyn.methods.efficacy import efficacy, widened_bounds
from cosyn.methods.impute import IMPUTATIONS, impute_linear, impute_regression
from cosyn.methods.levels import classify
from cosyn.methods.synergy import synergy_degree, synergy_path
from cosyn.methods.weights import (
    RANDOM_INDEX,
    ahp_weights,
    combine_weights,
    critic_information,
    critic_weights,
    cv_weights,
    entropy_divergence,
    entropy_weights,
    equal_weights,
    normalize_weights,
)

__all__ = [
    "AGGREGATIONS",
    "IMPUTATIONS",
    "RANDOM_INDEX",
    "ahp_weights",
    "classify",
    "combine_weights",
    "critic_information",
    "critic_weights",
    "cv_weights",
    "efficacy",
    "entropy_divergence",
    "entropy_weights",
    "equal_weights",
    "impute_linear",
    "impute_regression",
    "normalize_weights",
    "subsystem_order",
    "synergy_degree",
    "synergy_path",
    "widened_bounds",
]
