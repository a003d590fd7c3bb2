"""The model specification: which columns are indicators of which subsystem, and how.

A :class:`Spec` is built once from a TOML file (:meth:`Spec.from_toml`) or a dict
(:meth:`Spec.from_dict`, the same keys) and validated as a whole: every problem found is
listed in one :class:`~cosyn.errors.SpecError`, each naming its key, the value given and
the allowed values (with the nearest valid one when a value looks misspelt).

Every number is finite and within documented limits (docs/spec.md, "Limits"): the
size-driving options (:data:`MAX_FORECAST`, :data:`MAX_DRAWS`, :data:`MAX_OBSTACLES`) are
bounded so that no spec can ask for unbounded work, and the numeric options are bounded
so that no NaN can come out of them (METHOD.md §8). The dataclasses check their own
values too, so a :class:`Spec` built directly in Python obeys the same rules; given
weights are normalised to sum to 1 wherever they are set.
"""

from __future__ import annotations

import difflib
import itertools
import math
import numbers
import reprlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from cosyn.errors import SpecError
from cosyn.methods.aggregation import AGGREGATIONS
from cosyn.methods.coupling import (
    COORDINATION_EDGES,
    COORDINATION_LEVELS,
    COUPLING_EDGES,
    COUPLING_STAGES,
)
from cosyn.methods.impute import IMPUTATIONS
from cosyn.methods.levels import STAGE_EDGES, STAGE_NAMES, SYNERGY_EDGES, SYNERGY_LEVELS
from cosyn.methods.weights import RANDOM_INDEX, ahp_weights

__all__ = [
    "ANALYSIS_SERIES",
    "DIRECTION_ALIASES",
    "FOCUS_PRESETS",
    "MAX_DRAWS",
    "MAX_FORECAST",
    "MAX_LIST",
    "MAX_MARGIN",
    "MAX_MODEL_BYTES",
    "MAX_OBSTACLES",
    "MAX_PERMUTATIONS",
    "MAX_SEED",
    "MIN_CONCENTRATION",
    "Analysis",
    "Coordinates",
    "Diagnostics",
    "Geometry",
    "Indicator",
    "Method",
    "Report",
    "Robustness",
    "Scale",
    "Spec",
    "Subsystem",
    "parse_toml",
    "read_toml",
]

#: Accepted spellings of an indicator's direction (case-insensitive).
DIRECTION_ALIASES: dict[str, bool] = {
    "+": True,
    "positive": True,
    "max": True,
    "benefit": True,
    "-": False,
    "−": False,
    "negative": False,
    "min": False,
    "cost": False,
    "正向": True,
    "正": True,
    "正向指标": True,
    "负向": False,
    "负": False,
    "负向指标": False,
}

BOUNDS = ("entity", "panel")
WEIGHTS = ("entropy", "critic", "cv", "equal", "given", "ahp", "combined")
OBJECTIVE_WEIGHTS = ("entropy", "critic", "cv", "equal")
WEIGHTS_SCOPES = ("entity", "panel")
ENTROPY_INPUTS = ("order", "minmax", "shift", "rescale")
CRITIC_INPUTS = ("order", "minmax")
COUPLING_INPUTS = ("order", "rescale")
#: Edges of the relative development degree E: E < 0.8 subsystem 1 lags, 0.8 ≤ E ≤ 1.2
#: synchronous, E > 1.2 subsystem 2 lags (METHOD.md §8).
LAG_EDGES: tuple[float, float] = (0.8, 1.2)
ON_CONSTANT = ("error", "drop")
COMBINE_FORMS = ("additive", "multiplicative")
BASE_WORDS = ("first", "adjacent")
COUPLING_METHODS = ("classic", "wang", "fan")
GRA_NORMALIZE = ("none", "initial", "mean", "minmax")

#: The choices of :class:`Method`, each with its allowed words.
_METHOD_CHOICES: dict[str, tuple[str, ...]] = {
    "bounds": BOUNDS,
    "weights": WEIGHTS,
    "weights_scope": WEIGHTS_SCOPES,
    "entropy_input": ENTROPY_INPUTS,
    "critic_input": CRITIC_INPUTS,
    "aggregation": tuple(AGGREGATIONS),
    "impute": tuple(IMPUTATIONS),
    "on_constant": ON_CONSTANT,
    "objective": OBJECTIVE_WEIGHTS,
    "combine": COMBINE_FORMS,
}

# Limits (docs/spec.md, "Limits"). Each bounds either the work a spec can ask for or the
# range in which the arithmetic stays finite.
#: Largest margin ``a``: bounds widened by more than ten times their size make every
#: order degree nearly the same; a larger value is a typo, and ``inf`` would give NaN.
MAX_MARGIN: float = 10.0
#: Smallest Dirichlet concentration κ of the robustness draws. Every gamma variate of a
#: subsystem underflows to 0 with probability about ``exp(−744·κ)`` (a Gamma(α) variate
#: is below the smallest double, 5e-324, with probability ≈ (5e-324)^α, and the shapes
#: κ·φ_i of a subsystem sum to κ); at κ = 0.1 that is 5e-33 per draw, entity and subsystem.
MIN_CONCENTRATION: float = 0.1
#: Most GM(1,1) forecast periods: a grey forecast is meaningful a few periods ahead;
#: each period adds a column to every forecast table.
MAX_FORECAST: int = 100
#: Most robustness draws: the work and memory grow with draws × entities × periods.
MAX_DRAWS: int = 100_000
#: Most obstacles listed per entity and period (at most the model's indicators are shown).
MAX_OBSTACLES: int = 1000
#: Largest model file read (a model file has a few kilobytes; this stops a data file or
#: a device given by mistake from being read whole).
MAX_MODEL_BYTES: int = 10 * 2**20
#: Largest random seed (NumPy's legacy 32-bit seed range; any seed in it is reproducible).
MAX_SEED: int = 2**32 - 1

#: Most permutations of the spatial statistics (``[analysis] permutations``): the work grows
#: with permutations × entities × periods; p-values past 1/100,000 change no conclusion.
MAX_PERMUTATIONS: int = 99_999
#: Fewest and most quantile classes of the Markov chains (``[analysis] k``).
MIN_CLASSES: int = 2
MAX_CLASSES: int = 10
#: Most nearest neighbours of coordinate weights (``[analysis] weights = {k = ...}``).
MAX_NEIGHBOURS: int = 100

#: Most entities named in ``[report] entities`` and most tokens in ``na_values``.
MAX_LIST: int = 100_000

#: The development focus the paper recommends for each stage (Zhang 2023, §4), in our
#: own words; index 0 is "not synergistic".
STAGE_FOCUS: tuple[str, ...] = (
    "The subsystems do not move up together. Find the one that falls behind or declines "
    "and the indicators that hold it back before investing in closer links.",
    "Build the digital links of everyday operations: supply and demand matching, the "
    "production supply chain, equipment operation and maintenance, and labour and "
    "human-resources coordination.",
    "Keep strengthening the digital links of supply and demand, the production supply "
    "chain, equipment maintenance and labour coordination, so that the growing subsystems "
    "stay matched.",
    "Connect research and development, manufacturing, circulation, sales and branding with "
    "digital trade; match industrial service and industrial internet platforms, extend "
    "standardised services, and integrate upstream and downstream firms of the chain.",
    "Integrate the cluster's internal and external resources deeply with digital trade, "
    "raise the competitiveness of digital service trade, and secure trusted data exchange "
    "along the supply chain (laws, standards, blockchain).",
)


#: Published sets of stage focus texts a spec can name with ``[stages] focus = "<name>"``.
#: By default a stage card says only what the stage means; the paper's sector-specific
#: advice appears only when asked for.
FOCUS_PRESETS: dict[str, tuple[str, ...]] = {"zhang2023": STAGE_FOCUS}


# -- checks shared by the parser and the dataclasses --------------------------------------

_MAX_SHOWN_DIGITS = 40


class _ShortRepr(reprlib.Repr):
    """``repr`` cut to a readable size: deep nesting, long texts and huge integers."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = 80
        self.maxother = 80
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 6

    def repr_int(self, x: int, level: int) -> str:
        return _int_text(x)


def _int_text(x: int) -> str:
    """An integer as text, or 'a N-digit integer' when it is too long to read."""
    n = abs(int(x))
    if n.bit_length() > 12_000:  # ~3600 digits; str() refuses past 4300 (int_max_str_digits)
        return "an integer of thousands of digits"
    digits = len(str(n))
    return str(int(x)) if digits <= _MAX_SHOWN_DIGITS else f"a {digits}-digit integer"


_SHORT = _ShortRepr()


def _show(value: Any) -> str:
    """A value for a message: its repr, shortened; never raises."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _int_text(value)
    try:
        return _SHORT.repr(value)
    except Exception:  # an object whose repr fails: name its type instead
        return f"a {type(value).__name__}"


def _key_text(key: Any) -> str:
    """A mapping key for a spec-key path: texts as written (shortened), others shown."""
    text = key if isinstance(key, str) else _show(key)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _span(low: float, high: float, low_open: bool = False) -> str:
    if high < math.inf:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}]"
    if low > -math.inf:
        return f"{'>' if low_open else '>='} {low:g}"
    return ""


def _real(
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    why: str = "",
) -> tuple[float, str | None]:
    """``value`` as a finite float in ``[low, high]`` (``(low, high]``), or a problem text."""
    span = _span(low, high, low_open)
    tail = f", got {_show(value)}" + (f" ({why})" if why else "")
    if not _is_real(value):
        return math.nan, f"must be a number {span}".rstrip() + tail
    try:
        x = float(value)
    except (OverflowError, ValueError):
        return math.nan, f"must be a finite number {span}".rstrip() + tail
    if not math.isfinite(x):
        return math.nan, f"must be a finite number {span}".rstrip() + tail
    if x < low or x > high or (low_open and x == low):
        return math.nan, f"must be a number {span}".rstrip() + tail
    return x, None


def _whole(value: Any, low: int, high: int, why: str = "") -> tuple[int, str | None]:
    """``value`` as an int in ``[low, high]`` (a whole float such as 3.0 counts), or a problem."""
    problem = f"must be a whole number in [{low}, {high}], got {_show(value)}" + (
        f" ({why})" if why else ""
    )
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        n = int(value)
    elif _is_real(value) and math.isfinite(float(value)) and float(value).is_integer():
        n = int(value)
    else:
        return low, problem
    if not low <= n <= high:
        return low, problem
    return n, None


def _normalise(weights: Sequence[float]) -> tuple[float, ...]:
    """Finite non-negative weights, not all 0, scaled to sum to 1 (kept when they do).

    Weights that already sum to 1 within 1e-12 are kept as they are, so normalising is
    idempotent and a spec round-trips through :meth:`Spec.to_dict` exactly.
    """
    ws = [float(w) for w in weights]
    top = max(ws)
    scaled = [w / top for w in ws]  # no overflow in the sum, even for weights near 1e308
    total = math.fsum(scaled)
    if abs(total * top - 1.0) <= 1e-12:
        return tuple(ws)
    return tuple(w / total for w in scaled)


def _weights_problem(weights: Any, names: Sequence[str], what: str) -> str | None:
    """Why ``weights`` cannot be one weight per entry of ``names`` (``what``s), or None."""
    n = len(names)
    each = f"one per {what} of {list(names)}" if n else f"one per {what}"
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence):
        return f"must be a sequence of weights, {each}, got {_show(weights)}"
    if n and len(weights) != n:
        return f"needs {n} weights, {each}, got {len(weights)}"
    for w in weights:
        _, problem = _real(w, 0.0)
        if problem:
            return f"each weight must be a finite number >= 0, got {_show(w)}"
    if not any(float(w) > 0 for w in weights):
        return f"weights must not all be 0, got {_show(tuple(weights))}"
    return None


def _scale_problems(edges: Any, names: Any, focus: Any) -> list[tuple[str, str]]:
    """Problems of a level/stage scale as ``(sub-key, message)`` pairs."""
    out: list[tuple[str, str]] = []
    good_edges = (
        isinstance(edges, list | tuple)
        and len(edges) > 0
        and all(_real(e)[1] is None for e in edges)
        and all(float(b) > float(a) for a, b in itertools.pairwise(edges))
    )
    if not good_edges:
        out.append(
            ("edges", f"must be a strictly increasing list of finite numbers, got {_show(edges)}")
        )
    if not (isinstance(names, list | tuple) and all(isinstance(n, str) for n in names)):
        out.append(("names", f"must be a list of texts, got {_show(names)}"))
    elif good_edges and len(names) != len(edges) + 1:
        out.append(
            (
                "names",
                f"needs {len(edges) + 1} names for {len(edges)} edges (the first name is for "
                f"values <= {_show(edges[0])}), got {len(names)}",
            )
        )
    if not (isinstance(focus, list | tuple) and all(isinstance(n, str) for n in focus)):
        out.append(("focus", f"must be a list of texts, got {_show(focus)}"))
    elif focus and isinstance(names, list | tuple) and len(focus) != len(names):
        out.append(("focus", f"needs one text per name ({len(names)}), got {len(focus)}"))
    return out


def _preset_problem(name: Any) -> str:
    return (
        f"{_show(name)} is not a known set of focus texts; use one of "
        f"{_choices(list(FOCUS_PRESETS))}, or a list with one text per stage"
        f"{_suggest(name, list(FOCUS_PRESETS))}"
    )


def _raise(problems: list[str]) -> None:
    """One SpecError listing ``problems`` (built the same way as the parser's)."""
    if problems:
        raise SpecError(_message(problems, None))


def _message(problems: list[str], source: str | None) -> str:
    where = f" in {source}" if source else ""
    n = len(problems)
    head = f"{n} problem{'s' if n > 1 else ''} in the model spec{where}:"
    return "\n".join([head, *("  - " + p for p in problems)])


def _problem(key: str, message: str) -> str:
    return f"spec key {key!r}: {message}"


def _choice_problem(value: Any, allowed: Sequence[str]) -> str | None:
    if isinstance(value, str) and value in allowed:
        return None
    return f"{_show(value)} is not one of {_choices(allowed)}{_suggest(value, allowed)}"


#: Keys of ``[diagnostics]`` that act only with ``coupling`` on.
_COUPLING_KEYS = (
    "coupling_weights",
    "coupling_input",
    "lag_edges",
    "coupling_levels",
    "coupling_stages",
)

#: ``why`` texts of the limits, shown in the messages.
_WHY_MARGIN = "the share by which the bounds are widened; 0.1 is usual"
_WHY_FORECAST = f"GM(1,1) forecasts beyond {MAX_FORECAST} periods mean nothing"
_WHY_DRAWS = f"more than {MAX_DRAWS} draws change no band visibly and cost memory"
_WHY_OBSTACLES = "how many obstacles to list per entity and period"
_WHY_CONCENTRATION = (
    f"below {MIN_CONCENTRATION:g} the Dirichlet draws can underflow to 0; "
    "larger values keep the weights closer to the fitted ones"
)
_WHY_SEED = "NumPy's 32-bit seed range"


@dataclass(frozen=True)
class Indicator:
    """One order parameter: a data column, its subsystem and its direction.

    Explicit bounds ``lower`` and ``upper``, when given, are finite with
    ``upper > lower`` and a finite range ``upper − lower`` (METHOD.md §8); otherwise
    :class:`~cosyn.errors.SpecError`.
    """

    column: str
    subsystem: str
    positive: bool = True
    label: str = ""
    unit: str = ""
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        where = f"subsystems.{_key_text(self.subsystem)}.indicators.{_key_text(self.column)}"
        problems = []
        bounds = {}
        for name in ("lower", "upper"):
            value = getattr(self, name)
            if value is not None:
                x, problem = _real(value)
                if problem:
                    problems.append(_problem(f"{where}.{name}", problem))
                else:
                    object.__setattr__(self, name, x)
                    bounds[name] = x
        if len(bounds) == 2:
            problem = _bounds_problem(bounds["lower"], bounds["upper"])
            if problem:
                problems.append(_problem(f"{where}.upper", problem))
        _raise(problems)

    @property
    def direction(self) -> str:
        """``"+"`` for a positive (benefit) indicator, ``"-"`` for a negative one."""
        return "+" if self.positive else "-"


def _bounds_problem(lower: float, upper: float) -> str | None:
    if upper <= lower:
        return f"must be greater than lower ({lower:g}), got {upper:g}"
    if not math.isfinite(upper - lower):
        return (
            f"the range upper − lower ({upper:g} − {lower:g}) overflows; give bounds of a "
            "size the data can have"
        )
    return None


@dataclass(frozen=True)
class Subsystem:
    """A subsystem: its indicators and, optionally, subjective weights for them.

    ``weights`` (one per indicator, finite, ≥ 0, not all 0) are normalised to sum to 1
    when the subsystem is made (METHOD.md §8: given weights are normalised wherever they
    enter), so ``Subsystem(..., weights=(2, 6))`` holds ``(0.25, 0.75)``. ``ahp`` is an
    ``m × m`` matrix of finite positive numbers.
    """

    name: str
    label: str
    indicators: tuple[Indicator, ...]
    weights: tuple[float, ...] | None = None
    ahp: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        key = f"subsystems.{_key_text(self.name)}"
        problems = []
        m = len(self.indicators)
        if self.weights is not None:
            problem = _weights_problem(self.weights, self.columns, "indicator")
            if problem:
                problems.append(_problem(f"{key}.weights", problem))
            else:
                object.__setattr__(self, "weights", _normalise(self.weights))
        if self.ahp is not None:
            problem = _ahp_problem(self.ahp, m)
            if problem:
                problems.append(_problem(f"{key}.ahp", problem))
            else:
                rows = tuple(tuple(float(c) for c in row) for row in self.ahp)
                object.__setattr__(self, "ahp", rows)
        _raise(problems)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(i.column for i in self.indicators)


def _ahp_problem(matrix: Any, m: int) -> str | None:
    if not isinstance(matrix, Sequence) or not all(isinstance(r, Sequence) for r in matrix):
        return f"must be a {m}×{m} matrix of positive numbers, got {_show(matrix)}"
    if len(matrix) != m or any(len(r) != m for r in matrix):
        return f"must be a square {m}×{m} matrix (one row per indicator), got {_show(matrix)}"
    for i, row in enumerate(matrix):
        for j, cell in enumerate(row):
            _, problem = _real(cell, 0.0, low_open=True)
            if problem:
                return f"entry [{i}][{j}] {problem}"
    return None


@dataclass(frozen=True)
class Method:
    """Options of METHOD.md §0–§4; the defaults are METHOD.md's.

    Checked when made: every choice is one of its allowed words, ``0 ≤ margin ≤``
    :data:`MAX_MARGIN` and ``0 ≤ combine_lambda ≤ 1`` are finite, a numeric ``base`` is
    finite.
    """

    margin: float = 0.1
    bounds: str = "entity"
    weights: str = "entropy"
    weights_scope: str = "entity"
    entropy_input: str = "order"
    critic_input: str = "order"
    aggregation: str = "weighted_sum"
    base: str | int | float = "first"
    impute: str = "regression"
    on_constant: str = "error"
    objective: str = "entropy"
    combine: str = "additive"
    combine_lambda: float = 0.5
    allow_inconsistent_ahp: bool = False

    def __post_init__(self) -> None:
        problems = []
        for name, allowed in _METHOD_CHOICES.items():
            problem = _choice_problem(getattr(self, name), allowed)
            if problem:
                problems.append(_problem(f"method.{name}", problem))
        for name, high, why in (
            ("margin", MAX_MARGIN, _WHY_MARGIN),
            ("combine_lambda", 1.0, ""),
        ):
            x, problem = _real(getattr(self, name), 0.0, high, why=why)
            if problem:
                problems.append(_problem(f"method.{name}", problem))
            else:
                object.__setattr__(self, name, x)
        problem = _base_problem(self.base)
        if problem:
            problems.append(_problem("method.base", problem))
        if not isinstance(self.allow_inconsistent_ahp, bool):
            problems.append(
                _problem(
                    "method.allow_inconsistent_ahp",
                    f"must be true or false, got {_show(self.allow_inconsistent_ahp)}",
                )
            )
        _raise(problems)


def _base_problem(base: Any) -> str | None:
    """Why ``base`` is not 'first', 'adjacent' or a period value, or None."""
    hint = "must be 'first', 'adjacent' or a period value (e.g. 2015)"
    if isinstance(base, str):
        return None if base.strip() else f"{hint}, got {_show(base)}"
    if isinstance(base, numbers.Integral) and not isinstance(base, bool | np.bool_):
        if abs(int(base)) < 2**63:
            return None
        return f"{hint}, got {_show(base)} (a period is a number of at most 18 digits)"
    if _is_real(base):
        return None if math.isfinite(float(base)) else f"{hint}, got {_show(base)}"
    return f"{hint}, got {_show(base)}"


@dataclass(frozen=True)
class Robustness:
    """Monte Carlo over weights and margin (METHOD.md §7).

    Checked when made: ``1 ≤ draws ≤`` :data:`MAX_DRAWS`; ``concentration`` finite and
    ``≥`` :data:`MIN_CONCENTRATION`; ``margin = (low, high)`` finite with
    ``0 ≤ low ≤ high ≤`` :data:`MAX_MARGIN`; ``0 ≤ seed ≤`` :data:`MAX_SEED`.
    """

    draws: int = 1000
    concentration: float = 50.0
    margin: tuple[float, float] = (0.05, 0.2)
    seed: int = 0

    def __post_init__(self) -> None:
        key = "diagnostics.robustness"
        problems = []
        draws, problem = _whole(self.draws, 1, MAX_DRAWS, _WHY_DRAWS)
        if problem:
            problems.append(_problem(f"{key}.draws", problem))
        object.__setattr__(self, "draws", draws)
        seed, problem = _whole(self.seed, 0, MAX_SEED, _WHY_SEED)
        if problem:
            problems.append(_problem(f"{key}.seed", problem))
        object.__setattr__(self, "seed", seed)
        kappa, problem = _real(self.concentration, MIN_CONCENTRATION, why=_WHY_CONCENTRATION)
        if problem:
            problems.append(_problem(f"{key}.concentration", problem))
        object.__setattr__(self, "concentration", kappa)
        margin, problem = _range_pair(self.margin, 0.0, MAX_MARGIN, "margin range")
        if problem:
            problems.append(_problem(f"{key}.margin", problem))
        else:
            object.__setattr__(self, "margin", margin)
        _raise(problems)


def _range_pair(
    value: Any, low: float, high: float, what: str, *, low_open: bool = False
) -> tuple[tuple[float, float], str | None]:
    """``[lo, hi]`` finite with ``low ≤ lo ≤ hi ≤ high`` (``low < lo`` if open), or a problem."""
    bracket = "<" if low_open else "<="
    top = f" <= {high:g}" if high < math.inf else ""
    problem = (
        f"must be [low, high], two finite numbers with {low:g} {bracket} low <= high{top}, "
        f"got {_show(value)}"
    )
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        return (math.nan, math.nan), problem
    lo, p1 = _real(value[0], low, high, low_open=low_open)
    hi, p2 = _real(value[1], low, high, low_open=low_open)
    if p1 or p2 or lo > hi:
        return (math.nan, math.nan), problem
    return (lo, hi), None


@dataclass(frozen=True)
class Scale:
    """Labelled intervals ``(edges[i-1], edges[i]]``; ``names`` has one more entry.

    Checked when made: ``edges`` finite and strictly increasing, one more name than
    edges, ``focus`` empty or one text per name. ``preset`` names a published set of
    focus texts (:data:`FOCUS_PRESETS`, e.g. ``"zhang2023"``); given alone it fills
    ``focus`` with that set.
    """

    edges: tuple[float, ...]
    names: tuple[str, ...]
    focus: tuple[str, ...] = ()
    preset: str | None = None

    def __post_init__(self) -> None:
        if self.preset is not None:
            if self.preset not in FOCUS_PRESETS:
                _raise([_problem("scale.focus", _preset_problem(self.preset))])
            if not self.focus:
                object.__setattr__(self, "focus", FOCUS_PRESETS[self.preset])
        found = _scale_problems(self.edges, self.names, self.focus)
        _raise([_problem(f"scale.{sub}", message) for sub, message in found])
        object.__setattr__(self, "edges", tuple(float(e) for e in self.edges))
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "focus", tuple(self.focus))


@dataclass(frozen=True)
class Diagnostics:
    """The diagnostics to run beside the model (METHOD.md §6–§7); all off by default.

    ``coupling_weights`` and ``obstacle_weights`` hold one weight per subsystem, in the
    order of ``Spec.subsystems``, or None for equal weights; given here, they are
    normalised to sum to 1 (finite, ≥ 0, not all 0). ``coupling_input`` is ``"order"``
    (μ as is) or ``"rescale"`` (μ min-max rescaled to [0.01, 0.99] over the panel,
    SPSSAU's default). ``lag_edges = (low, high)``, ``0 < low ≤ high``, classify the
    relative development degree E: ``E < low`` subsystem 1 lags, ``low ≤ E ≤ high``
    synchronous, ``E > high`` subsystem 2 lags. ``coupling_levels`` and
    ``coupling_stages`` are the scales of D and C (METHOD.md §7). ``0 ≤ obstacles ≤``
    :data:`MAX_OBSTACLES`, ``0 ≤ forecast ≤`` :data:`MAX_FORECAST`.
    """

    gra: bool = False
    gra_threshold: float = 0.6
    gra_rho: float = 0.5
    gra_normalize: str = "none"
    coupling: str | None = None
    coupling_weights: tuple[float, ...] | None = None
    coupling_input: str = "order"
    lag_edges: tuple[float, float] = LAG_EDGES
    coupling_levels: Scale = field(
        default_factory=lambda: Scale(COORDINATION_EDGES, COORDINATION_LEVELS)
    )
    coupling_stages: Scale = field(default_factory=lambda: Scale(COUPLING_EDGES, COUPLING_STAGES))
    obstacles: int = 0
    obstacle_weights: tuple[float, ...] | None = None
    forecast: int = 0
    robustness: Robustness | None = None

    def __post_init__(self) -> None:
        key = "diagnostics"
        problems = []

        def check(name: str, problem: str | None) -> None:
            if problem:
                problems.append(_problem(f"{key}.{name}", problem))

        if not isinstance(self.gra, bool):
            check("gra", f"must be true or false, got {_show(self.gra)}")
        if self.coupling is not None:
            check("coupling", _choice_problem(self.coupling, COUPLING_METHODS))
        check("gra_normalize", _choice_problem(self.gra_normalize, GRA_NORMALIZE))
        check("coupling_input", _choice_problem(self.coupling_input, COUPLING_INPUTS))
        for name, low, low_open in (("gra_threshold", 0.0, False), ("gra_rho", 0.0, True)):
            x, problem = _real(getattr(self, name), low, 1.0, low_open=low_open)
            check(name, problem)
            if not problem:
                object.__setattr__(self, name, x)
        for name in ("coupling_weights", "obstacle_weights"):
            value = getattr(self, name)
            if value is not None:
                problem = _weights_problem(value, (), "subsystem")
                check(name, problem)
                if not problem:
                    object.__setattr__(self, name, _normalise(value))
        lag, problem = _range_pair(self.lag_edges, 0.0, math.inf, "lag edges", low_open=True)
        check("lag_edges", problem)
        if not problem:
            object.__setattr__(self, "lag_edges", lag)
        for name in ("coupling_levels", "coupling_stages"):
            if not isinstance(getattr(self, name), Scale):
                check(name, f"must be a Scale, got {_show(getattr(self, name))}")
        for name, high, why in (
            ("obstacles", MAX_OBSTACLES, _WHY_OBSTACLES),
            ("forecast", MAX_FORECAST, _WHY_FORECAST),
        ):
            n, problem = _whole(getattr(self, name), 0, high, why)
            check(name, problem)
            object.__setattr__(self, name, n)
        if self.robustness is not None and not isinstance(self.robustness, Robustness):
            check("robustness", f"must be a Robustness or None, got {_show(self.robustness)}")
        _raise(problems)

    @property
    def any(self) -> bool:
        """True when at least one diagnostic is asked for."""
        return bool(self.gra or self.coupling or self.obstacles or self.forecast or self.robustness)


@dataclass(frozen=True)
class Report:
    """What the reports show (``[report]``); nothing here changes a number.

    ``entities`` are the entities the figures draw, by their labels as they print (the
    spec does not know the data; the report checks the names against the fitted
    entities). Empty: every entity, in a layout that reads for their number.
    """

    entities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        found = _entities_problem(self.entities)
        _raise([_problem("report.entities", found)] if found else [])
        object.__setattr__(self, "entities", tuple(str(e) for e in self.entities))


def _entities_problem(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or not all(
        (isinstance(e, str) and e.strip()) or (isinstance(e, int) and not isinstance(e, bool))
        for e in value
    ):
        return f'must be a list of entity names, e.g. ["北京", "上海"], got {_show(value)}'
    if len(value) > MAX_LIST:
        return f"names {len(value):,} entities; at most {MAX_LIST:,}"
    seen: set[str] = set()
    for e in value:
        if str(e) in seen:
            return f"names {_show(str(e))} twice"
        seen.add(str(e))
    return None


def _na_values_problem(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return (
            'must be a list of texts that mean "missing", e.g. ["-", "—", "NA"], '
            f"got {_show(value)}"
        )
    if len(value) > MAX_LIST:
        return f"has {len(value):,} entries; at most {MAX_LIST:,}"
    return None


# -- [analysis]: the spatio-temporal analysis of SPATIAL.md ------------------------------

#: What ``[analysis] series`` can name: the synergy degree U, the subsystem order degrees
#: μ (each subsystem and their mean) and the coupling coordination degree D.
ANALYSIS_SERIES: tuple[str, ...] = ("synergy", "order", "coupling")
#: The bundled group schemes of China's 31 mainland provincial-level divisions.
GROUP_SCHEMES: tuple[str, ...] = ("china_3", "china_4")
#: The bundled neighbour lists.
WEIGHT_PRESETS: tuple[str, ...] = ("china_provinces",)
#: Classes of the Markov chains: the level scale of the series, or quantiles.
MARKOV_CLASSES: tuple[str, ...] = ("levels", "quantiles")
#: Kernel density bandwidth rules (or a positive number).
BANDWIDTH_RULES: tuple[str, ...] = ("silverman", "scott")
#: Contiguity of a geometry file's polygons.
CONTIGUITY: tuple[str, ...] = ("queen", "rook")
#: Distance weights of coordinates (beside k nearest neighbours).
DISTANCE_WEIGHTS: tuple[str, ...] = ("inverse",)
#: File name endings read as a geometry file (GeoJSON, Shapefile, GeoPackage).
GEOMETRY_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".shp", ".gpkg")
#: File name endings read as a table (groups mapping, neighbour pairs).
TABLE_SUFFIXES: tuple[str, ...] = (".csv",)

_WHY_PERMUTATIONS = f"more than {MAX_PERMUTATIONS:,} permutations change no p-value visibly"
_WHY_CLASSES = "quantile classes of the Markov chains"
_WHY_NEIGHBOURS = "the nearest neighbours of each entity"
_SERIES_HINT = 'a list such as ["order", "coupling"]'


def _is_path_text(value: str, suffixes: Sequence[str]) -> bool:
    return value.strip().lower().endswith(tuple(suffixes))


@dataclass(frozen=True)
class Coordinates:
    """Spatial weights from coordinates held in two data columns (``weights = {x, y, …}``).

    ``k`` nearest neighbours (``1 ≤ k ≤`` :data:`MAX_NEIGHBOURS`, default 4), or, with
    ``distance = "inverse"``, inverse-distance weights: among the ``k`` nearest
    neighbours when ``k`` is given, else between every pair (``k`` None; slow beyond about
    1,000 entities, which a warning says). The columns are read with the data and must be
    constant within each entity.
    """

    x: str
    y: str
    k: int | None = 4
    distance: str | None = None

    def __post_init__(self) -> None:
        key = "analysis.weights"
        problems = []
        for name in ("x", "y"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                problems.append(
                    _problem(f"{key}.{name}", f"must be a data column name, got {_show(value)}")
                )
        if self.distance is not None:
            found = _choice_problem(self.distance, DISTANCE_WEIGHTS)
            if found:
                problems.append(_problem(f"{key}.distance", found))
        elif self.k is None:
            problems.append(_problem(f"{key}.k", "give k (nearest neighbours) or distance"))
        if self.k is not None:
            k, found = _whole(self.k, 1, MAX_NEIGHBOURS, _WHY_NEIGHBOURS)
            if found:
                problems.append(_problem(f"{key}.k", found))
            object.__setattr__(self, "k", k)
        _raise(problems)


@dataclass(frozen=True)
class Geometry:
    """Spatial weights from a geometry file (GeoJSON, Shapefile or GeoPackage).

    ``file`` is resolved against the model file's folder when relative and read when the
    analysis runs (not when the spec is parsed). ``name`` is the attribute column whose
    values are the entity names; None means the column named like the spec's entity
    column. ``contiguity`` is ``"queen"`` (a shared corner is enough) or ``"rook"``.
    """

    file: str
    name: str | None = None
    contiguity: str = "queen"

    def __post_init__(self) -> None:
        key = "analysis.weights"
        problems = []
        if not isinstance(self.file, str) or not _is_path_text(self.file, GEOMETRY_SUFFIXES):
            problems.append(
                _problem(
                    f"{key}.file",
                    f"must be a geometry file ending in {_choices(GEOMETRY_SUFFIXES)}, "
                    f"got {_show(self.file)}",
                )
            )
        if self.name is not None and (not isinstance(self.name, str) or not self.name.strip()):
            problems.append(
                _problem(f"{key}.name", f"must be an attribute column name, got {_show(self.name)}")
            )
        found = _choice_problem(self.contiguity, CONTIGUITY)
        if found:
            problems.append(_problem(f"{key}.contiguity", found))
        _raise(problems)


@dataclass(frozen=True)
class Analysis:
    """The spatio-temporal analysis of a fitted model (``[analysis]``, SPATIAL.md).

    ``series``: what is analysed — ``"synergy"`` (U), ``"order"`` (each subsystem's μ and
    their mean), ``"coupling"`` (D; needs ``[diagnostics] coupling``). ``groups``: a
    bundled scheme (``"china_3"``, ``"china_4"``), a CSV mapping (a text ending in
    ``.csv``: columns entity, group) or else the name of a data column. ``weights``:
    ``"china_provinces"``, a CSV of neighbour pairs (ending in ``.csv``), a
    :class:`Geometry` file or :class:`Coordinates`; None: no spatial statistics.
    ``island_links``: link Hainan to Guangdong in ``china_provinces``. ``permutations``
    (``0 ≤ n ≤`` :data:`MAX_PERMUTATIONS`; 0: the normal approximation only) and
    ``seed`` (``0 ≤ seed ≤`` :data:`MAX_SEED`) of the permutation inference.
    ``classes``: Markov classes from the level scale of each series (``"levels"``) or
    ``k`` quantiles (``"quantiles"``, ``2 ≤ k ≤ 10``). ``alpha``: LISA significance, in
    (0, 0.5]. ``bandwidth``: ``"silverman"``, ``"scott"`` or a positive number.

    Files are resolved against the model file's folder (``Spec.source``) when relative,
    and read when the analysis runs: the spec does not check that they exist.
    """

    series: tuple[str, ...] = ("order",)
    groups: str | None = None
    weights: str | Coordinates | Geometry | None = None
    island_links: bool = True
    permutations: int = 999
    seed: int = 0
    classes: str = "levels"
    k: int = 5
    alpha: float = 0.05
    bandwidth: str | float = "silverman"

    def __post_init__(self) -> None:
        key = "analysis"
        problems: list[str] = []

        def check(name: str, problem: str | None) -> None:
            if problem:
                problems.append(_problem(f"{key}.{name}", problem))

        check("series", _series_problem(self.series))
        if not _series_problem(self.series):
            object.__setattr__(self, "series", tuple(self.series))
        if self.groups is not None:
            check("groups", _groups_problem(self.groups))
        if isinstance(self.weights, str) and _is_path_text(self.weights, GEOMETRY_SUFFIXES):
            object.__setattr__(self, "weights", Geometry(self.weights))
        elif self.weights is not None and not isinstance(self.weights, Coordinates | Geometry):
            check("weights", _weights_text_problem(self.weights))
        if not isinstance(self.island_links, bool):
            check("island_links", f"must be true or false, got {_show(self.island_links)}")
        for name, low, high, why in (
            ("permutations", 0, MAX_PERMUTATIONS, _WHY_PERMUTATIONS),
            ("seed", 0, MAX_SEED, _WHY_SEED),
            ("k", MIN_CLASSES, MAX_CLASSES, _WHY_CLASSES),
        ):
            n, found = _whole(getattr(self, name), low, high, why)
            check(name, found)
            object.__setattr__(self, name, n)
        check("classes", _choice_problem(self.classes, MARKOV_CLASSES))
        alpha, found = _real(self.alpha, 0.0, 0.5, low_open=True)
        check("alpha", found)
        if not found:
            object.__setattr__(self, "alpha", alpha)
        bandwidth, found = _bandwidth(self.bandwidth)
        check("bandwidth", found)
        if not found:
            object.__setattr__(self, "bandwidth", bandwidth)
        _raise(problems)

    @property
    def groups_kind(self) -> str | None:
        """``"scheme"``, ``"file"`` (a CSV mapping), ``"column"`` (a data column) or None."""
        if self.groups is None:
            return None
        if self.groups in GROUP_SCHEMES:
            return "scheme"
        return "file" if _is_path_text(self.groups, TABLE_SUFFIXES) else "column"

    @property
    def weights_kind(self) -> str | None:
        """``"china"``, ``"pairs"`` (a CSV), ``"geometry"``, ``"coordinates"`` or None."""
        if self.weights is None:
            return None
        if isinstance(self.weights, Coordinates):
            return "coordinates"
        if isinstance(self.weights, Geometry):
            return "geometry"
        return "china" if self.weights in WEIGHT_PRESETS else "pairs"

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns the analysis reads besides the indicators (constant within
        each entity): the groups column and the coordinate columns."""
        out = [self.groups] if self.groups_kind == "column" and self.groups else []
        if isinstance(self.weights, Coordinates):
            out += [self.weights.x, self.weights.y]
        return tuple(dict.fromkeys(out))


def _series_problem(value: Any) -> str | None:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        return f"must be {_SERIES_HINT} of {_choices(ANALYSIS_SERIES)}, got {_show(value)}"
    for item in value:
        found = _choice_problem(item, ANALYSIS_SERIES)
        if found:
            return found
    if len(set(value)) != len(value):
        return f"names a series twice: {_show(list(value))}"
    return None


def _groups_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return (
            f"must be {_choices(GROUP_SCHEMES)}, a CSV file (entity, group) or a data column "
            f"name, got {_show(value)}"
        )
    if value not in GROUP_SCHEMES and value.lower().startswith("china"):
        return (
            f"{_show(value)} is not a bundled scheme; use one of {_choices(GROUP_SCHEMES)}"
            f"{_suggest(value, GROUP_SCHEMES)}"
        )
    return None


def _weights_text_problem(value: Any) -> str | None:
    hint = (
        f"must be {_choices(WEIGHT_PRESETS)}, a CSV of neighbour pairs (.csv), a geometry "
        f'file ({", ".join(GEOMETRY_SUFFIXES)}) or a table {{ x = "lon", y = "lat", k = 4 }}'
    )
    if not isinstance(value, str) or not value.strip():
        return f"{hint}, got {_show(value)}"
    if value in WEIGHT_PRESETS or _is_path_text(value, TABLE_SUFFIXES):
        return None
    return f"{hint}, got {_show(value)}{_suggest(value, WEIGHT_PRESETS)}"


def _bandwidth(value: Any) -> tuple[str | float, str | None]:
    if isinstance(value, str):
        found = _choice_problem(value, BANDWIDTH_RULES)
        if found:
            return "silverman", found + " (or a positive number)"
        return value, None
    x, found = _real(value, 0.0, low_open=True)
    if found:
        return "silverman", f"must be {_choices(BANDWIDTH_RULES)} or a positive number, " + (
            f"got {_show(value)}"
        )
    return x, None


@dataclass(frozen=True)
class Spec:
    """A validated model specification (ARCHITECTURE.md, "Spec").

    ``na_values``: the cell texts read as missing; ``None`` is the readers' documented
    default set, a list replaces it (an empty cell is always missing).
    """

    subsystems: tuple[Subsystem, ...]
    period: str = "period"
    entity: str | None = None
    title: str = ""
    method: Method = field(default_factory=Method)
    levels: Scale = field(default_factory=lambda: Scale(SYNERGY_EDGES, SYNERGY_LEVELS))
    stages: Scale = field(default_factory=lambda: Scale(STAGE_EDGES, STAGE_NAMES))
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    source: str | None = None
    na_values: tuple[str, ...] | None = None
    report: Report = field(default_factory=Report)
    analysis: Analysis | None = None

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator, subsystem by subsystem, in the order written."""
        return tuple(i for s in self.subsystems for i in s.indicators)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(i.column for i in self.indicators)

    def __post_init__(self) -> None:
        k = len(self.subsystems)
        problems = []
        if self.na_values is not None:
            found = _na_values_problem(self.na_values)
            if found:
                problems.append(_problem("na_values", found))
            else:
                object.__setattr__(self, "na_values", tuple(self.na_values))
        for name in ("coupling_weights", "obstacle_weights"):
            value = getattr(self.diagnostics, name)
            if value is not None and k and len(value) != k:
                problems.append(
                    _problem(
                        f"diagnostics.{name}",
                        f"needs one weight per subsystem ({k}), got {len(value)}",
                    )
                )
        if self.analysis is not None:
            problems += [
                _problem(key, message)
                for key, message in _analysis_conflicts(
                    self.analysis, self.entity, self.period, self.diagnostics
                )
            ]
        _raise(problems)

    @classmethod
    def from_toml(cls, path: str | Path) -> Spec:
        """Read and validate a TOML model file.

        Raises
        ------
        SpecError
            The file is missing or unreadable, is not TOML (including TOML nested deeper
            than Python can parse, or an integer of thousands of digits), or the spec has
            problems (listed together, each naming its key).
        """
        spec, problems = _parse_spec(read_toml(path), source=str(path))
        if spec is None or problems:
            raise SpecError(_message(problems, str(path)))
        return spec

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Spec:
        """Validate a mapping with the keys of the TOML format.

        Raises
        ------
        SpecError
            Listing every problem found, one per line, each naming its key.
        """
        spec, problems = _parse_spec(data, source)
        if spec is None or problems:
            raise SpecError(_message(problems, source))
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The spec as a mapping with the TOML keys; ``from_dict(to_dict())`` round-trips."""
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        if self.entity is not None:
            out["entity"] = self.entity
        out["period"] = self.period
        out["method"] = {f.name: getattr(self.method, f.name) for f in fields(Method)}
        subs: dict[str, Any] = {}
        for s in self.subsystems:
            entry: dict[str, Any] = {"label": s.label}
            entry["indicators"] = [_indicator_dict(i) for i in s.indicators]
            if s.weights is not None:
                entry["weights"] = dict(zip(s.columns, s.weights, strict=True))
            if s.ahp is not None:
                entry["ahp"] = [list(row) for row in s.ahp]
            subs[s.name] = entry
        out["subsystems"] = subs
        out["levels"] = {"edges": list(self.levels.edges), "names": list(self.levels.names)}
        diag = _diagnostics_dict(self.diagnostics, [s.name for s in self.subsystems])
        if diag:
            out["diagnostics"] = diag
        stages: dict[str, Any] = {
            "edges": list(self.stages.edges),
            "names": list(self.stages.names),
        }
        if self.stages.preset is not None and self.stages.focus == FOCUS_PRESETS.get(
            self.stages.preset
        ):
            stages["focus"] = self.stages.preset
        elif self.stages.focus:
            stages["focus"] = list(self.stages.focus)
        out["stages"] = stages
        if self.na_values is not None:
            out["na_values"] = list(self.na_values)
        if self.report.entities:
            out["report"] = {"entities": list(self.report.entities)}
        if self.analysis is not None:
            out["analysis"] = _analysis_dict(self.analysis)
        return out


def read_toml(path: str | Path) -> dict[str, Any]:
    """The mapping in a TOML model file, or a :class:`SpecError` naming the file."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_MODEL_BYTES + 1)
        if len(raw) > MAX_MODEL_BYTES:
            raise SpecError(
                f"model file {str(p)!r} is larger than {MAX_MODEL_BYTES // 2**20} MiB; a model "
                "file has a few kilobytes — is it the data file? (give data with --data)"
            )
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise SpecError(f"model file {str(p)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"model file {str(p)!r} cannot be read: {exc}") from None
    return parse_toml(text, f"model file {str(p)!r}")


def parse_toml(text: str, where: str = "the model spec") -> dict[str, Any]:
    """TOML text as a mapping; any failure to parse is a :class:`SpecError` naming ``where``.

    Besides syntax errors this covers what :mod:`tomllib` raises as other exceptions:
    arrays or tables nested deeper than Python's recursion limit (RecursionError) and
    integers too long to convert (ValueError, over 4300 digits).
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{where} is not valid TOML: {exc}") from None
    except RecursionError:
        raise SpecError(
            f"{where} nests arrays or tables too deeply to read; a model needs only a few "
            "levels (e.g. [subsystems.NAME] with indicators = {...})"
        ) from None
    except ValueError as exc:  # an integer literal past Python's int-to-text limit
        reason = (
            "it holds an integer of more than 4300 digits; the numbers of a model have a few digits"
            if "integer string conversion" in str(exc)
            else str(exc)
        )
        raise SpecError(f"{where} is not valid TOML: {reason}") from None


def _parse_spec(data: Any, source: str | None = None) -> tuple[Spec | None, list[str]]:
    """The spec in ``data`` as well as it can be read, and every problem found.

    The spec is None only when ``data`` is not a table; otherwise each key that has a
    problem holds its default (a value that failed, not a guess), so the data can still
    be checked against the columns the spec names (``cosyn check``).
    """
    parser = _Parser(source)
    try:
        spec = parser.spec(data)
    except RecursionError:
        return None, ["the spec nests lists or tables too deeply to check"]
    except SpecError as exc:  # a value the parser let through but a dataclass refused
        return None, [*parser.problems, str(exc)]
    return spec, parser.problems


def _diagnostics_dict(d: Diagnostics, names: list[str]) -> dict[str, Any]:
    """The ``[diagnostics]`` table of a spec, keys with their default value left out."""
    out: dict[str, Any] = {}
    default = Diagnostics()
    for f in fields(Diagnostics):
        value = getattr(d, f.name)
        if value == getattr(default, f.name):
            continue
        if f.name in ("coupling_weights", "obstacle_weights"):
            value = dict(zip(names, value, strict=True))
        elif isinstance(value, Scale):
            value = {"edges": list(value.edges), "names": list(value.names)}
        elif f.name == "lag_edges":
            value = list(value)
        elif f.name == "robustness":
            value = {g.name: getattr(value, g.name) for g in fields(Robustness)}
            value["margin"] = list(value["margin"])
        out[f.name] = value
    return out


def _analysis_dict(a: Analysis) -> dict[str, Any]:
    """The ``[analysis]`` table: ``series`` always, other keys when not their default."""
    out: dict[str, Any] = {"series": list(a.series)}
    default = Analysis()
    for f in fields(Analysis):
        value = getattr(a, f.name)
        if f.name == "series" or value == getattr(default, f.name):
            continue
        if isinstance(value, Coordinates):
            value = (
                {"x": value.x, "y": value.y}
                | ({"k": value.k} if value.k is not None else {})
                | ({"distance": value.distance} if value.distance is not None else {})
            )
        elif isinstance(value, Geometry):
            value = {"file": value.file, "contiguity": value.contiguity} | (
                {"name": value.name} if value.name is not None else {}
            )
        out[f.name] = value
    return out


def _analysis_conflicts(
    a: Analysis, entity: str | None, period: str, diagnostics: Diagnostics
) -> list[tuple[str, str]]:
    """Problems of ``[analysis]`` against the rest of the spec, as (key, message)."""
    out = []
    if entity is None:
        out.append(
            (
                "analysis",
                "compares entities, but the spec names no entity column; set entity = "
                '"<column>" (e.g. entity = "province")',
            )
        )
    if "coupling" in a.series and not diagnostics.coupling:
        out.append(
            (
                "analysis.series",
                "'coupling' analyses the coupling coordination degree D, which needs "
                'diagnostics.coupling (e.g. coupling = "classic"); set it, or remove '
                "'coupling' from analysis.series",
            )
        )
    for name, column in (("groups", a.groups if a.groups_kind == "column" else None),) + (
        (("weights.x", a.weights.x), ("weights.y", a.weights.y))
        if isinstance(a.weights, Coordinates)
        else ()
    ):
        if column is not None and column in (entity, period):
            out.append(
                (
                    f"analysis.{name}",
                    f"names the {'entity' if column == entity else 'period'} column "
                    f"{column!r}; give a column that holds one value per entity",
                )
            )
    return out


def _indicator_dict(i: Indicator) -> dict[str, Any]:
    d: dict[str, Any] = {"column": i.column, "direction": i.direction}
    if i.label:
        d["label"] = i.label
    if i.unit:
        d["unit"] = i.unit
    if i.lower is not None:
        d["lower"] = i.lower
    if i.upper is not None:
        d["upper"] = i.upper
    return d


def _suggest(value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or len(value) > 100:
        return ""
    close = difflib.get_close_matches(value, [str(a) for a in allowed], n=1, cutoff=0.5)
    return f" — did you mean {close[0]!r}?" if close else ""


def _choices(allowed: Sequence[str]) -> str:
    return ", ".join(repr(a) for a in allowed)


class _Parser:
    """Collects every problem of a spec mapping; :func:`_parse_spec` reports them together."""

    TOP = (
        "title",
        "entity",
        "period",
        "method",
        "subsystems",
        "levels",
        "stages",
        "diagnostics",
        "na_values",
        "report",
        "analysis",
    )
    REPORT = ("entities",)
    SUBSYSTEM = ("label", "indicators", "weights", "ahp")
    INDICATOR = ("column", "direction", "label", "unit", "lower", "upper")
    SCALE = ("edges", "names", "focus")
    DIAGNOSTIC_SCALE = ("edges", "names")

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.problems: list[str] = []
        #: False when the columns to read (period, entity) are not known.
        self.columns_known = True
        #: False when method.weights is not a valid choice.
        self.weights_known = True

    def fail(self, key: str, message: str) -> None:
        self.problems.append(_problem(key, message))

    def known_keys(self, table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
        for key in table:
            if not isinstance(key, str) or key not in allowed:
                full = f"{where}.{_key_text(key)}" if where else _key_text(key)
                self.fail(
                    full,
                    f"unknown key; allowed here: {_choices(allowed)}{_suggest(key, allowed)}",
                )

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            self.fail(where, f"must be a table, got {_show(value)}")
            return {}
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty text, got {_show(value)}")
            return ""
        return value

    def text(self, value: Any, key: str, default: str = "") -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be a text, got {_show(value)}")
            return default
        return value

    def flag(self, value: Any, key: str, default: bool = False) -> bool:
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, got {_show(value)}")
            return default
        return value

    def choice(self, value: Any, key: str, allowed: Sequence[str], default: str) -> str:
        problem = _choice_problem(value, allowed)
        if problem:
            self.fail(key, problem)
            return default
        return str(value)

    def number(
        self,
        value: Any,
        key: str,
        default: float,
        low: float = -math.inf,
        high: float = math.inf,
        *,
        low_open: bool = False,
        why: str = "",
    ) -> float:
        x, problem = _real(value, low, high, low_open=low_open, why=why)
        if problem:
            self.fail(key, problem)
            return default
        return x

    def integer(
        self, value: Any, key: str, default: int, low: int, high: int, why: str = ""
    ) -> int:
        n, problem = _whole(value, low, high, why)
        if problem:
            self.fail(key, problem)
            return default
        return n

    def spec(self, data: Any) -> Spec | None:
        if not isinstance(data, Mapping):
            raise SpecError(f"a spec must be a table (dict), got {type(data).__name__}")
        self.known_keys(data, self.TOP, "")
        entity = data.get("entity")
        if entity is not None:
            entity = self.string(entity, "entity") or None
            self.columns_known = entity is not None
        period = self.string(data.get("period", "period"), "period")
        self.columns_known = self.columns_known and bool(period)
        if entity is not None and entity == period:
            self.fail("entity", f"names the same column as 'period' ({period!r})")
        title = self.text(data.get("title", ""), "title")
        method = self.method(self.table(data, "method", "method"))
        axes = {period} if entity is None else {period, entity}
        subsystems = self.subsystems(data.get("subsystems"), method, axes)
        levels = self.scale(data, "levels", Scale(SYNERGY_EDGES, SYNERGY_LEVELS))
        stages = self.scale(data, "stages", Scale(STAGE_EDGES, STAGE_NAMES))
        diagnostics = self.diagnostics(
            self.table(data, "diagnostics", "diagnostics"), [s.name for s in subsystems]
        )
        na_values = data.get("na_values")
        if na_values is not None:
            found = _na_values_problem(na_values)
            if found:
                self.fail("na_values", found)
                na_values = None
            else:
                na_values = tuple(na_values)
        report = self.report(self.table(data, "report", "report"))
        analysis = None
        if "analysis" in data:
            analysis = self.analysis(
                self.table(data, "analysis", "analysis"), entity, period, diagnostics
            )
        if not self.columns_known or not subsystems:
            return None
        return Spec(
            subsystems=subsystems,
            period=period,
            entity=entity,
            title=title,
            method=method,
            levels=levels,
            stages=stages,
            diagnostics=diagnostics,
            source=self.source,
            na_values=na_values,
            report=report,
            analysis=analysis,
        )

    def report(self, table: Mapping[str, Any]) -> Report:
        self.known_keys(table, self.REPORT, "report")
        entities = table.get("entities", [])
        found = _entities_problem(entities)
        if found:
            self.fail("report.entities", found)
            return Report()
        return Report(tuple(str(e) for e in entities))

    def analysis(
        self,
        table: Mapping[str, Any],
        entity: str | None,
        period: str,
        diagnostics: Diagnostics,
    ) -> Analysis | None:
        key = "analysis"
        self.known_keys(table, [f.name for f in fields(Analysis)], key)
        d = Analysis()
        get = table.get
        default_series = ("order", "coupling") if diagnostics.coupling else ("order",)
        series = get("series", default_series)
        found = _series_problem(series)
        if found:
            self.fail(f"{key}.series", found)
            series = default_series
        groups = get("groups")
        if groups is not None and (found := _groups_problem(groups)):
            self.fail(f"{key}.groups", found)
            groups = None
        weights = self.analysis_weights(get("weights"))
        if "island_links" in table and not (isinstance(weights, str) and weights in WEIGHT_PRESETS):
            self.fail(
                f"{key}.island_links",
                "acts only with weights = 'china_provinces'; set that, or remove the key",
            )
        classes = self.choice(
            get("classes", d.classes), f"{key}.classes", MARKOV_CLASSES, d.classes
        )
        if "k" in table and classes != "quantiles":
            self.fail(
                f"{key}.k",
                "is the number of quantile classes; it acts only with classes = 'quantiles' — "
                "set that, or remove the key",
            )
        bandwidth, found = _bandwidth(get("bandwidth", d.bandwidth))
        if found:
            self.fail(f"{key}.bandwidth", found)
        out = Analysis(
            series=tuple(series),
            groups=groups,
            weights=weights,
            island_links=self.flag(
                get("island_links", d.island_links), f"{key}.island_links", d.island_links
            ),
            permutations=self.integer(
                get("permutations", d.permutations),
                f"{key}.permutations",
                d.permutations,
                0,
                MAX_PERMUTATIONS,
                _WHY_PERMUTATIONS,
            ),
            seed=self.integer(get("seed", d.seed), f"{key}.seed", d.seed, 0, MAX_SEED, _WHY_SEED),
            classes=classes,
            k=self.integer(get("k", d.k), f"{key}.k", d.k, MIN_CLASSES, MAX_CLASSES, _WHY_CLASSES),
            alpha=self.number(
                get("alpha", d.alpha), f"{key}.alpha", d.alpha, 0.0, 0.5, low_open=True
            ),
            bandwidth=bandwidth,
        )
        conflicts = _analysis_conflicts(out, entity, period, diagnostics)
        for name, message in conflicts:
            self.fail(name, message)
        if entity is None:
            return None
        if conflicts:  # keep the spec buildable so that the data can still be checked
            return Analysis(
                series=tuple(s for s in out.series if s != "coupling" or diagnostics.coupling)
                or ("order",),
                groups=out.groups if out.groups_kind != "column" else None,
                weights=None if isinstance(out.weights, Coordinates) else out.weights,
                island_links=out.island_links,
                permutations=out.permutations,
                seed=out.seed,
                classes=out.classes,
                k=out.k,
                alpha=out.alpha,
                bandwidth=out.bandwidth,
            )
        return out

    def analysis_weights(self, value: Any) -> str | Coordinates | Geometry | None:
        key = "analysis.weights"
        if value is None:
            return None
        if isinstance(value, str):
            if _is_path_text(value, GEOMETRY_SUFFIXES):
                return Geometry(value)
            found = _weights_text_problem(value)
            if found:
                self.fail(key, found)
                return None
            return value
        if not isinstance(value, Mapping):
            self.fail(key, _weights_text_problem(value) or "")
            return None
        if "file" in value:
            self.known_keys(value, [f.name for f in fields(Geometry)], key)
            try:
                return Geometry(value["file"], value.get("name"), value.get("contiguity", "queen"))
            except SpecError as exc:
                self.problems += _listed(exc)
                return None
        self.known_keys(value, [f.name for f in fields(Coordinates)], key)
        missing = [n for n in ("x", "y") if n not in value]
        if missing:
            self.fail(
                key,
                f"a table of coordinates needs x and y (data columns), missing "
                f'{", ".join(missing)}; e.g. {{ x = "lon", y = "lat", k = 4 }}, or give '
                'file = "regions.geojson" for a geometry file',
            )
            return None
        distance = value.get("distance")
        k = value.get("k", None if distance is not None else 4)
        try:
            return Coordinates(value["x"], value["y"], k, distance)
        except SpecError as exc:
            self.problems += _listed(exc)
            return None

    def method(self, table: Mapping[str, Any]) -> Method:
        names = [f.name for f in fields(Method)]
        self.known_keys(table, names, "method")
        d = Method()
        get = table.get
        base = get("base", d.base)
        problem = _base_problem(base)
        if problem:
            self.fail("method.base", problem)
            base = d.base
        self.weights_known = _choice_problem(get("weights", d.weights), WEIGHTS) is None
        choices = {
            name: self.choice(
                get(name, getattr(d, name)), f"method.{name}", allowed, getattr(d, name)
            )
            for name, allowed in _METHOD_CHOICES.items()
        }
        return Method(
            margin=self.number(
                get("margin", d.margin), "method.margin", d.margin, 0.0, MAX_MARGIN, why=_WHY_MARGIN
            ),
            base=base,
            combine_lambda=self.number(
                get("combine_lambda", d.combine_lambda),
                "method.combine_lambda",
                d.combine_lambda,
                0.0,
                1.0,
            ),
            allow_inconsistent_ahp=self.flag(
                get("allow_inconsistent_ahp", False), "method.allow_inconsistent_ahp"
            ),
            **choices,
        )

    def subsystems(self, table: Any, method: Method, axes: set[str]) -> tuple[Subsystem, ...]:
        if not isinstance(table, Mapping) or not table:
            self.fail(
                "subsystems",
                "the spec needs at least two subsystems, e.g. [subsystems.economy] and "
                "[subsystems.environment], each with indicators",
            )
            return ()
        if len(table) < 2:
            only = next(iter(table))
            self.fail(
                "subsystems",
                f"only one subsystem ({_show(only)}); synergy needs at least two — add another "
                "[subsystems.NAME] table with its indicators",
            )
        out = []
        seen: dict[str, str] = {}
        for name, body in table.items():
            key = f"subsystems.{_key_text(name)}"
            if not isinstance(name, str) or not name.strip():
                self.fail(key, "a subsystem's name must be a non-empty text")
                continue
            if not isinstance(body, Mapping):
                self.fail(key, f"must be a table with 'indicators', got {_show(body)}")
                continue
            self.known_keys(body, self.SUBSYSTEM, key)
            label = self.text(body.get("label", name), f"{key}.label", name)
            indicators = self.indicators(body.get("indicators"), name, f"{key}.indicators")
            for ind in indicators:
                if ind.column in seen:
                    self.fail(
                        f"{key}.indicators",
                        f"column {ind.column!r} is already an indicator of subsystem "
                        f"{seen[ind.column]!r}; an indicator belongs to one subsystem only",
                    )
                elif ind.column in axes:
                    self.fail(
                        f"{key}.indicators",
                        f"column {ind.column!r} is the entity or period column; it cannot "
                        "also be an indicator",
                    )
                seen.setdefault(ind.column, name)
            columns = [i.column for i in indicators]
            given = self.given_weights(body.get("weights"), columns, f"{key}.weights")
            ahp = self.ahp(body.get("ahp"), columns, f"{key}.ahp", method)
            self.needs_subjective(method, key, "weights" in body, "ahp" in body)
            if indicators:
                out.append(Subsystem(name, label, tuple(indicators), given, ahp))
        return tuple(out)

    def needs_subjective(self, method: Method, key: str, given: bool, ahp: bool) -> None:
        if method.weights == "given" and not given:
            self.fail(f"{key}.weights", "method.weights = 'given' needs weights = {COLUMN = w}")
        if method.weights == "ahp" and not ahp:
            self.fail(f"{key}.ahp", "method.weights = 'ahp' needs a pairwise matrix ahp = [[...]]")
        if method.weights == "combined" and not given and not ahp:
            self.fail(
                key,
                "method.weights = 'combined' needs subjective weights: give either "
                "weights = {COLUMN = w} or a pairwise matrix ahp = [[...]]",
            )
        if not self.weights_known:  # a misspelt method.weights: no second guess here
            return
        unused = [
            (name, uses)
            for name, present, uses in (
                ("weights", given, ("given", "combined")),
                ("ahp", ahp, ("ahp", "combined")),
            )
            if present and method.weights not in uses
        ]
        for name, uses in unused:
            self.fail(
                f"{key}.{name}",
                f"has no effect with method.weights = {method.weights!r}; set method.weights "
                f"= {uses[0]!r} (or {uses[1]!r}), or remove the key",
            )

    def indicators(self, value: Any, subsystem: str, key: str) -> list[Indicator]:
        items: list[tuple[str, Any]] = []
        if isinstance(value, Mapping):
            items = [
                (f"{key}.{_key_text(c)}", {"column": c, **_short(v)}) for c, v in value.items()
            ]
        elif isinstance(value, list | tuple):
            items = [(f"{key}[{n}]", v) for n, v in enumerate(value)]
        else:
            self.fail(key, 'needs indicators, e.g. indicators = { A1 = "+", A2 = "-" }')
            return []
        if not items:
            self.fail(key, "a subsystem needs at least one indicator")
        out = []
        for where, entry in items:
            if not isinstance(entry, Mapping):
                self.fail(where, f"must be a table with column and direction, got {_show(entry)}")
                continue
            self.known_keys(entry, self.INDICATOR, where)
            column = self.string(entry.get("column"), f"{where}.column")
            direction = entry.get("direction", "+")
            positive = (
                DIRECTION_ALIASES.get(direction.strip().lower())
                if isinstance(direction, str)
                else None
            )
            if positive is None:
                allowed = list(DIRECTION_ALIASES)
                self.fail(
                    f"{where}.direction",
                    f"{_show(direction)} is not a direction; use one of {_choices(allowed)}",
                )
                positive = True
            label = self.text(entry.get("label", ""), f"{where}.label")
            unit = self.text(entry.get("unit", ""), f"{where}.unit")
            bounds: dict[str, float | None] = {}
            for name in ("lower", "upper"):
                v = entry.get(name)
                bounds[name] = None if v is None else self.number(v, f"{where}.{name}", math.nan)
                if bounds[name] is not None and math.isnan(bounds[name]):  # type: ignore[arg-type]
                    bounds[name] = None
            lo, hi = bounds["lower"], bounds["upper"]
            if lo is not None and hi is not None:
                problem = _bounds_problem(lo, hi)
                if problem:
                    self.fail(f"{where}.upper", problem)
                    lo = hi = None
            if not column:  # reported above; the other indicators can still be checked
                continue
            out.append(Indicator(column, subsystem, positive, label, unit, lo, hi))
        return out

    def given_weights(self, value: Any, columns: list[str], key: str) -> tuple[float, ...] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"must be a table {{COLUMN = weight}}, got {_show(value)}")
            return None
        missing = [c for c in columns if c not in value]
        unknown = [_key_text(c) for c in value if c not in columns]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"no weight for {missing}")
            if unknown:
                parts.append(f"{unknown} not indicators of this subsystem")
            self.fail(key, "; ".join(parts) + f" — give one weight per indicator of {columns}")
            return None
        ws = [self.number(value[c], f"{key}.{c}", math.nan, 0.0) for c in columns]
        if any(math.isnan(w) for w in ws):
            return None
        if not any(w > 0 for w in ws):
            self.fail(key, "weights must not all be 0; give each indicator a weight >= 0")
            return None
        return _normalise(ws)

    def ahp(
        self, value: Any, columns: list[str], key: str, method: Method
    ) -> tuple[tuple[float, ...], ...] | None:
        if value is None:
            return None
        m = len(columns)
        if not isinstance(value, list | tuple) or not all(
            isinstance(r, list | tuple) for r in value
        ):
            self.fail(key, 'must be a list of rows, e.g. ahp = [[1, 3], ["1/3", 1]]')
            return None
        if len(value) != m or any(len(r) != m for r in value):
            shape = f"{len(value)} rows of lengths {[len(r) for r in value][:20]}"
            self.fail(key, f"must be a square {m}×{m} matrix (one row per indicator), got {shape}")
            return None
        rows = []
        for i, row in enumerate(value):
            parsed = []
            for j, cell in enumerate(row):
                number = _ahp_cell(cell)
                if number is None:
                    self.fail(
                        f"{key}[{i}][{j}]",
                        f"must be a finite number > 0 or a fraction like '1/3', got {_show(cell)}",
                    )
                    return None
                parsed.append(number)
            rows.append(tuple(parsed))
        try:
            weights, cr = ahp_weights(np.array(rows))
        except ValueError as exc:
            self.fail(key, f"{exc}; the matrix must be square, positive and reciprocal")
            return None
        if not (np.isfinite(weights).all() and math.isfinite(cr)):
            self.fail(key, "gives no finite weights; use comparisons within Saaty's 1/9 … 9")
            return None
        if cr >= 0.1 and not method.allow_inconsistent_ahp:
            self.fail(
                key,
                f"consistency ratio CR = {cr:.3f} ≥ 0.1 (Saaty's limit, RI = {RANDOM_INDEX[m]}); "
                "revise the comparisons, or set method.allow_inconsistent_ahp = true",
            )
        return tuple(rows)

    def subsystem_weights(self, value: Any, key: str, names: list[str]) -> tuple[float, ...] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"must be a table {{SUBSYSTEM = weight}}, got {_show(value)}")
            return None
        unknown = [_key_text(k) for k in value if k not in names]
        missing = [n for n in names if n not in value]
        if unknown or missing:
            self.fail(
                key,
                f"needs one weight per subsystem {names}"
                + (f"; unknown {unknown}" if unknown else "")
                + (f"; missing {missing}" if missing else ""),
            )
            return None
        ws = [self.number(value[n], f"{key}.{n}", math.nan, 0.0) for n in names]
        if any(math.isnan(w) for w in ws):
            return None
        if not any(w > 0 for w in ws):
            self.fail(key, "weights must not all be 0; give each subsystem a weight >= 0")
            return None
        return _normalise(ws)

    def diagnostics(self, table: Mapping[str, Any], names: list[str]) -> Diagnostics:
        key = "diagnostics"
        self.known_keys(table, [f.name for f in fields(Diagnostics)], key)
        d = Diagnostics()
        get = table.get
        coupling = get("coupling", d.coupling)
        if coupling is False:
            coupling = None
        elif coupling is not None:
            coupling = self.choice(coupling, f"{key}.coupling", COUPLING_METHODS, "classic")
        self.needs_diagnostic(table, "coupling", _COUPLING_KEYS, 'coupling = "classic"')
        self.needs_diagnostic(table, "obstacles", ("obstacle_weights",), "obstacles = 5")
        return Diagnostics(
            gra=self.flag(get("gra", d.gra), f"{key}.gra"),
            gra_threshold=self.number(
                get("gra_threshold", d.gra_threshold),
                f"{key}.gra_threshold",
                d.gra_threshold,
                0.0,
                1.0,
            ),
            gra_rho=self.number(
                get("gra_rho", d.gra_rho), f"{key}.gra_rho", d.gra_rho, 0.0, 1.0, low_open=True
            ),
            gra_normalize=self.choice(
                get("gra_normalize", d.gra_normalize),
                f"{key}.gra_normalize",
                GRA_NORMALIZE,
                d.gra_normalize,
            ),
            coupling=coupling,
            coupling_weights=self.subsystem_weights(
                get("coupling_weights"), f"{key}.coupling_weights", names
            ),
            coupling_input=self.choice(
                get("coupling_input", d.coupling_input),
                f"{key}.coupling_input",
                COUPLING_INPUTS,
                d.coupling_input,
            ),
            lag_edges=self.lag_edges(get("lag_edges", d.lag_edges)),
            coupling_levels=self.scale(
                table, "coupling_levels", d.coupling_levels, key, self.DIAGNOSTIC_SCALE
            ),
            coupling_stages=self.scale(
                table, "coupling_stages", d.coupling_stages, key, self.DIAGNOSTIC_SCALE
            ),
            obstacles=self.integer(
                get("obstacles", d.obstacles),
                f"{key}.obstacles",
                0,
                0,
                MAX_OBSTACLES,
                _WHY_OBSTACLES,
            ),
            obstacle_weights=self.subsystem_weights(
                get("obstacle_weights"), f"{key}.obstacle_weights", names
            ),
            forecast=self.integer(
                get("forecast", d.forecast), f"{key}.forecast", 0, 0, MAX_FORECAST, _WHY_FORECAST
            ),
            robustness=self.robustness(get("robustness")),
        )

    def needs_diagnostic(
        self, table: Mapping[str, Any], switch: str, keys: Sequence[str], example: str
    ) -> None:
        """Keys that only act when ``switch`` is on are an error while it is off."""
        if table.get(switch) not in (None, False, 0):
            return
        for name in keys:
            if name in table:
                self.fail(
                    f"diagnostics.{name}",
                    f"has no effect while diagnostics.{switch} is off; set {example} (or "
                    "another value), or remove the key",
                )

    def robustness(self, value: Any) -> Robustness | None:
        key = "diagnostics.robustness"
        if value is None or value is False:
            return None
        if value is True:
            return Robustness()
        if not isinstance(value, Mapping):
            self.fail(key, f"must be true or a table {{draws = 1000, ...}}, got {_show(value)}")
            return None
        self.known_keys(value, [f.name for f in fields(Robustness)], key)
        d = Robustness()
        margin, problem = _range_pair(value.get("margin", d.margin), 0.0, MAX_MARGIN, "margin")
        if problem:
            self.fail(f"{key}.margin", problem)
            margin = d.margin
        return Robustness(
            draws=self.integer(
                value.get("draws", d.draws), f"{key}.draws", d.draws, 1, MAX_DRAWS, _WHY_DRAWS
            ),
            concentration=self.number(
                value.get("concentration", d.concentration),
                f"{key}.concentration",
                d.concentration,
                MIN_CONCENTRATION,
                why=_WHY_CONCENTRATION,
            ),
            margin=margin,
            seed=self.integer(value.get("seed", d.seed), f"{key}.seed", 0, 0, MAX_SEED, _WHY_SEED),
        )

    def lag_edges(self, value: Any) -> tuple[float, float]:
        edges, problem = _range_pair(value, 0.0, math.inf, "lag edges", low_open=True)
        if problem:
            self.fail(
                "diagnostics.lag_edges",
                problem + " (E < low: subsystem 1 lags, E > high: subsystem 2 lags)",
            )
            return LAG_EDGES
        return edges

    def scale(
        self,
        data: Mapping[str, Any],
        name: str,
        default: Scale,
        within: str = "",
        allowed: Sequence[str] = SCALE,
    ) -> Scale:
        key = f"{within}.{name}" if within else name
        table = self.table(data, name, key)
        if not table:
            return default
        self.known_keys(table, allowed, key)
        edges = table.get("edges", default.edges)
        names = table.get("names", default.names)
        focus = table.get("focus", default.focus if "edges" not in table else ())
        preset = None
        if isinstance(focus, str):
            preset = focus
            if preset not in FOCUS_PRESETS:
                self.fail(f"{key}.focus", _preset_problem(preset))
                return default
            focus = FOCUS_PRESETS[preset]
        found = _scale_problems(edges, names, focus)
        for sub, message in found:
            self.fail(f"{key}.{sub}", message)
        if found:
            return default
        return Scale(tuple(float(e) for e in edges), tuple(names), tuple(focus), preset)


def _listed(exc: SpecError) -> list[str]:
    """The problem lines of a SpecError raised by :func:`_raise`."""
    return [line[4:] for line in str(exc).splitlines()[1:] if line.startswith("  - ")]


def _ahp_cell(cell: Any) -> float | None:
    """An AHP matrix entry (a number, or a fraction as text) as a finite float > 0."""
    try:
        if isinstance(cell, str):
            if len(cell) > 40:
                return None
            number = float(Fraction(cell.strip()))
        elif _is_real(cell):
            number = float(cell)
        else:
            return None
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _short(v: Any) -> dict[str, Any]:
    """Short-form indicator value: a direction string, or a table without ``column``."""
    if isinstance(v, Mapping):
        return dict(v)
    return {"direction": v}
