"""Pure array kernels of the composite system synergy model.

NumPy in, NumPy out, entity axis first; no labels, no files, no user-facing messages.
"""

from cosyn.methods.aggregation import AGGREGATIONS, subsystem_order
from cosyn.methods.coupling import (
    COORDINATION_EDGES,
    COORDINATION_LEVELS,
    COORDINATION_LEVELS_ZH,
    COUPLING_EDGES,
    COUPLING_METHODS,
    COUPLING_STAGES,
    COUPLING_STAGES_ZH,
    coupling_arrays,
    coupling_coordination,
)
from cosyn.methods.efficacy import efficacy, widened_bounds
from cosyn.methods.grey import (
    GM11,
    GM11Batch,
    gm11,
    gm11_batch,
    grey_relational_coefficients,
    grey_relational_grade,
    grey_relational_grades,
)
from cosyn.methods.impute import IMPUTATIONS, impute_linear, impute_regression
from cosyn.methods.levels import classify
from cosyn.methods.obstacle import obstacle_degree, top_obstacles
from cosyn.methods.robustness import RobustnessResult, robustness_draws
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
    "COORDINATION_EDGES",
    "COORDINATION_LEVELS",
    "COORDINATION_LEVELS_ZH",
    "COUPLING_EDGES",
    "COUPLING_METHODS",
    "COUPLING_STAGES",
    "COUPLING_STAGES_ZH",
    "GM11",
    "IMPUTATIONS",
    "RANDOM_INDEX",
    "GM11Batch",
    "RobustnessResult",
    "ahp_weights",
    "classify",
    "combine_weights",
    "coupling_arrays",
    "coupling_coordination",
    "critic_information",
    "critic_weights",
    "cv_weights",
    "efficacy",
    "entropy_divergence",
    "entropy_weights",
    "equal_weights",
    "gm11",
    "gm11_batch",
    "grey_relational_coefficients",
    "grey_relational_grade",
    "grey_relational_grades",
    "impute_linear",
    "impute_regression",
    "normalize_weights",
    "obstacle_degree",
    "robustness_draws",
    "subsystem_order",
    "synergy_degree",
    "synergy_path",
    "top_obstacles",
    "widened_bounds",
]
