"""The model specification: which columns are indicators of which subsystem, and how.

A :class:`Spec` is built once from a TOML file (:meth:`Spec.from_toml`) or a dict
(:meth:`Spec.from_dict`, the same keys) and validated as a whole: every problem found is
listed in one :class:`~cosyn.errors.SpecError`, each naming its key, the value given and
the allowed values (with the nearest valid one when a value looks misspelt).
"""

from __future__ import annotations

import difflib
import itertools
import math
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
    "DIRECTION_ALIASES",
    "Diagnostics",
    "Indicator",
    "Method",
    "Robustness",
    "Scale",
    "Spec",
    "Subsystem",
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


@dataclass(frozen=True)
class Indicator:
    """One order parameter: a data column, its subsystem and its direction."""

    column: str
    subsystem: str
    positive: bool = True
    label: str = ""
    unit: str = ""
    lower: float | None = None
    upper: float | None = None

    @property
    def direction(self) -> str:
        """``"+"`` for a positive (benefit) indicator, ``"-"`` for a negative one."""
        return "+" if self.positive else "-"


@dataclass(frozen=True)
class Subsystem:
    """A subsystem: its indicators and, optionally, subjective weights for them."""

    name: str
    label: str
    indicators: tuple[Indicator, ...]
    weights: tuple[float, ...] | None = None
    ahp: tuple[tuple[float, ...], ...] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(i.column for i in self.indicators)


@dataclass(frozen=True)
class Method:
    """Options of METHOD.md §0–§4; the defaults are METHOD.md's."""

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


@dataclass(frozen=True)
class Robustness:
    """Monte Carlo over weights and margin (METHOD.md §7)."""

    draws: int = 1000
    concentration: float = 50.0
    margin: tuple[float, float] = (0.05, 0.2)
    seed: int = 0


@dataclass(frozen=True)
class Scale:
    """Labelled intervals ``(edges[i-1], edges[i]]``; ``names`` has one more entry."""

    edges: tuple[float, ...]
    names: tuple[str, ...]
    focus: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagnostics:
    """The diagnostics to run beside the model (METHOD.md §6–§7); all off by default.

    ``coupling_weights`` and ``obstacle_weights`` hold one weight per subsystem, in the
    order of ``Spec.subsystems`` (normalised), or None for equal weights.
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

    @property
    def any(self) -> bool:
        """True when at least one diagnostic is asked for."""
        return bool(self.gra or self.coupling or self.obstacles or self.forecast or self.robustness)


@dataclass(frozen=True)
class Spec:
    """A validated model specification (ARCHITECTURE.md, "Spec")."""

    subsystems: tuple[Subsystem, ...]
    period: str = "period"
    entity: str | None = None
    title: str = ""
    method: Method = field(default_factory=Method)
    levels: Scale = field(default_factory=lambda: Scale(SYNERGY_EDGES, SYNERGY_LEVELS))
    stages: Scale = field(default_factory=lambda: Scale(STAGE_EDGES, STAGE_NAMES, STAGE_FOCUS))
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    source: str | None = None

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator, subsystem by subsystem, in the order written."""
        return tuple(i for s in self.subsystems for i in s.indicators)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(i.column for i in self.indicators)

    @classmethod
    def from_toml(cls, path: str | Path) -> Spec:
        """Read and validate a TOML model file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise SpecError(f"model file {str(p)!r} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"model file {str(p)!r} cannot be read: {exc}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"model file {str(p)!r} is not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Spec:
        """Validate a mapping with the keys of the TOML format.

        Raises
        ------
        SpecError
            Listing every problem found, one per line, each naming its key.
        """
        return _Parser(source).spec(data)

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
        out["stages"] = {
            "edges": list(self.stages.edges),
            "names": list(self.stages.names),
            "focus": list(self.stages.focus),
        }
        return out


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


def _suggest(value: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1, cutoff=0.5)
    return f" — did you mean {close[0]!r}?" if close else ""


def _choices(allowed: Sequence[str]) -> str:
    return ", ".join(repr(a) for a in allowed)


class _Parser:
    """Collects every problem of a spec mapping before raising one SpecError."""

    TOP = (
        "title",
        "entity",
        "period",
        "method",
        "subsystems",
        "levels",
        "stages",
        "diagnostics",
    )
    SUBSYSTEM = ("label", "indicators", "weights", "ahp")
    INDICATOR = ("column", "direction", "label", "unit", "lower", "upper")
    SCALE = ("edges", "names", "focus")

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"spec key {key!r}: {message}")

    def known_keys(self, table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else str(key)
                self.fail(
                    full,
                    f"unknown key; allowed here: {_choices(allowed)}{_suggest(key, allowed)}",
                )

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            self.fail(where, f"must be a table, got {value!r}")
            return {}
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty text, got {value!r}")
            return ""
        return value

    def choice(self, value: Any, key: str, allowed: Sequence[str]) -> str:
        if not isinstance(value, str) or value not in allowed:
            self.fail(key, f"{value!r} is not one of {_choices(allowed)}{_suggest(value, allowed)}")
            return allowed[0]
        return value

    def number(self, value: Any, key: str, low: float, high: float = math.inf) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"must be a number, got {value!r}")
            return low
        if not (low <= value <= high) or math.isnan(value):
            span = f"[{low:g}, {high:g}]" if high < math.inf else f">= {low:g}"
            self.fail(key, f"must be a number {span}, got {value!r}")
            return low
        return float(value)

    def spec(self, data: Mapping[str, Any]) -> Spec:
        if not isinstance(data, Mapping):
            raise SpecError(f"a spec must be a table (dict), got {type(data).__name__}")
        self.known_keys(data, self.TOP, "")
        entity = data.get("entity")
        if entity is not None:
            entity = self.string(entity, "entity")
        period = self.string(data.get("period", "period"), "period")
        if entity is not None and entity == period:
            self.fail("entity", f"names the same column as 'period' ({period!r})")
        title = data.get("title", "")
        if not isinstance(title, str):
            self.fail("title", f"must be a text, got {title!r}")
            title = ""
        method = self.method(self.table(data, "method", "method"))
        subsystems = self.subsystems(data.get("subsystems"), method)
        levels = self.scale(data, "levels", Scale(SYNERGY_EDGES, SYNERGY_LEVELS))
        stages = self.scale(data, "stages", Scale(STAGE_EDGES, STAGE_NAMES, STAGE_FOCUS))
        diagnostics = self.diagnostics(
            self.table(data, "diagnostics", "diagnostics"), [s.name for s in subsystems]
        )
        if self.problems:
            where = f" in {self.source}" if self.source else ""
            n = len(self.problems)
            head = f"{n} problem{'s' if n > 1 else ''} in the model spec{where}:"
            raise SpecError("\n".join([head, *("  - " + p for p in self.problems)]))
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
        )

    def method(self, table: Mapping[str, Any]) -> Method:
        names = [f.name for f in fields(Method)]
        self.known_keys(table, names, "method")
        d = Method()
        get = table.get
        base = get("base", d.base)
        if isinstance(base, bool) or not isinstance(base, str | int | float):
            self.fail("method.base", f"must be 'first', 'adjacent' or a period value, got {base!r}")
            base = d.base
        allow = get("allow_inconsistent_ahp", d.allow_inconsistent_ahp)
        if not isinstance(allow, bool):
            self.fail("method.allow_inconsistent_ahp", f"must be true or false, got {allow!r}")
            allow = False
        weights = self.choice(get("weights", d.weights), "method.weights", WEIGHTS)
        return Method(
            margin=self.number(get("margin", d.margin), "method.margin", 0.0),
            bounds=self.choice(get("bounds", d.bounds), "method.bounds", BOUNDS),
            weights=weights,
            weights_scope=self.choice(
                get("weights_scope", d.weights_scope), "method.weights_scope", WEIGHTS_SCOPES
            ),
            entropy_input=self.choice(
                get("entropy_input", d.entropy_input), "method.entropy_input", ENTROPY_INPUTS
            ),
            critic_input=self.choice(
                get("critic_input", d.critic_input), "method.critic_input", CRITIC_INPUTS
            ),
            aggregation=self.choice(
                get("aggregation", d.aggregation), "method.aggregation", AGGREGATIONS
            ),
            base=base,
            impute=self.choice(get("impute", d.impute), "method.impute", IMPUTATIONS),
            on_constant=self.choice(
                get("on_constant", d.on_constant), "method.on_constant", ON_CONSTANT
            ),
            objective=self.choice(
                get("objective", d.objective), "method.objective", OBJECTIVE_WEIGHTS
            ),
            combine=self.choice(get("combine", d.combine), "method.combine", COMBINE_FORMS),
            combine_lambda=self.number(
                get("combine_lambda", d.combine_lambda), "method.combine_lambda", 0.0, 1.0
            ),
            allow_inconsistent_ahp=allow,
        )

    def subsystems(self, table: Any, method: Method) -> tuple[Subsystem, ...]:
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
                f"only one subsystem ({only!r}); synergy needs at least two — add another "
                "[subsystems.NAME] table with its indicators",
            )
        out = []
        seen: dict[str, str] = {}
        for name, body in table.items():
            key = f"subsystems.{name}"
            if not isinstance(body, Mapping):
                self.fail(key, f"must be a table with 'indicators', got {body!r}")
                continue
            self.known_keys(body, self.SUBSYSTEM, key)
            label = body.get("label", name)
            if not isinstance(label, str):
                self.fail(f"{key}.label", f"must be a text, got {label!r}")
                label = str(name)
            indicators = self.indicators(body.get("indicators"), str(name), f"{key}.indicators")
            for ind in indicators:
                if ind.column in seen:
                    self.fail(
                        f"{key}.indicators",
                        f"column {ind.column!r} is already an indicator of subsystem "
                        f"{seen[ind.column]!r}; an indicator belongs to one subsystem only",
                    )
                seen.setdefault(ind.column, str(name))
            columns = [i.column for i in indicators]
            given = self.given_weights(body.get("weights"), columns, f"{key}.weights")
            ahp = self.ahp(body.get("ahp"), columns, f"{key}.ahp", method)
            self.needs_subjective(method, key, "weights" in body, "ahp" in body)
            out.append(Subsystem(str(name), label, tuple(indicators), given, ahp))
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

    def indicators(self, value: Any, subsystem: str, key: str) -> list[Indicator]:
        items: list[tuple[str, Any]] = []
        if isinstance(value, Mapping):
            items = [(f"{key}.{c}", {"column": c, **_short(v)}) for c, v in value.items()]
        elif isinstance(value, list):
            items = [(f"{key}[{n}]", v) for n, v in enumerate(value)]
        else:
            self.fail(key, 'needs indicators, e.g. indicators = { A1 = "+", A2 = "-" }')
            return []
        if not items:
            self.fail(key, "a subsystem needs at least one indicator")
        out = []
        for where, entry in items:
            if not isinstance(entry, Mapping):
                self.fail(where, f"must be a table with column and direction, got {entry!r}")
                continue
            self.known_keys(entry, self.INDICATOR, where)
            column = self.string(entry.get("column"), f"{where}.column")
            direction = entry.get("direction", "+")
            positive = DIRECTION_ALIASES.get(str(direction).strip().lower())
            if positive is None:
                allowed = list(DIRECTION_ALIASES)
                self.fail(
                    f"{where}.direction",
                    f"{direction!r} is not a direction; use one of {_choices(allowed)}",
                )
                positive = True
            texts = {}
            for k in ("label", "unit"):
                v = entry.get(k, "")
                if not isinstance(v, str):
                    self.fail(f"{where}.{k}", f"must be a text, got {v!r}")
                    v = ""
                texts[k] = v
            lower = entry.get("lower")
            upper = entry.get("upper")
            lo = None if lower is None else self.number(lower, f"{where}.lower", -math.inf)
            hi = None if upper is None else self.number(upper, f"{where}.upper", -math.inf)
            if lo is not None and hi is not None and hi <= lo:
                self.fail(f"{where}.upper", f"must be greater than lower ({lo:g}), got {hi:g}")
            out.append(
                Indicator(column, subsystem, positive, texts["label"], texts["unit"], lo, hi)
            )
        return out

    def given_weights(self, value: Any, columns: list[str], key: str) -> tuple[float, ...] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"must be a table {{COLUMN = weight}}, got {value!r}")
            return None
        missing = [c for c in columns if c not in value]
        unknown = [c for c in value if c not in columns]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"no weight for {missing}")
            if unknown:
                parts.append(f"{unknown} not indicators of this subsystem")
            self.fail(key, "; ".join(parts) + f" — give one weight per indicator of {columns}")
            return None
        ws = [self.number(value[c], f"{key}.{c}", 0.0) for c in columns]
        if sum(ws) <= 0:
            self.fail(key, "weights must not all be 0")
            return None
        return tuple(w / sum(ws) for w in ws)

    def ahp(
        self, value: Any, columns: list[str], key: str, method: Method
    ) -> tuple[tuple[float, ...], ...] | None:
        if value is None:
            return None
        m = len(columns)
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            self.fail(key, 'must be a list of rows, e.g. ahp = [[1, 3], ["1/3", 1]]')
            return None
        if len(value) != m or any(len(r) != m for r in value):
            shape = f"{len(value)} rows of lengths {[len(r) for r in value]}"
            self.fail(key, f"must be a square {m}×{m} matrix (one row per indicator), got {shape}")
            return None
        rows = []
        for i, row in enumerate(value):
            parsed = []
            for j, cell in enumerate(row):
                try:
                    number = float(Fraction(cell)) if isinstance(cell, str) else float(cell)
                except (ValueError, ZeroDivisionError, TypeError):
                    self.fail(
                        f"{key}[{i}][{j}]",
                        f"must be a number or a fraction like '1/3', got {cell!r}",
                    )
                    return None
                parsed.append(number)
            rows.append(tuple(parsed))
        try:
            _, cr = ahp_weights(np.array(rows))
        except ValueError as exc:
            self.fail(key, f"{exc}; the matrix must be square, positive and reciprocal")
            return None
        if cr >= 0.1 and not method.allow_inconsistent_ahp:
            self.fail(
                key,
                f"consistency ratio CR = {cr:.3f} ≥ 0.1 (Saaty's limit, RI = {RANDOM_INDEX[m]}); "
                "revise the comparisons, or set method.allow_inconsistent_ahp = true",
            )
        return tuple(rows)

    def integer(self, value: Any, key: str, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(key, f"must be a whole number >= {low}, got {value!r}")
            return low
        return value

    def subsystem_weights(self, value: Any, key: str, names: list[str]) -> tuple[float, ...] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"must be a table {{SUBSYSTEM = weight}}, got {value!r}")
            return None
        unknown = [k for k in value if k not in names]
        missing = [n for n in names if n not in value]
        if unknown or missing:
            self.fail(
                key,
                f"needs one weight per subsystem {names}"
                + (f"; unknown {unknown}" if unknown else "")
                + (f"; missing {missing}" if missing else ""),
            )
            return None
        ws = [self.number(value[n], f"{key}.{n}", 0.0) for n in names]
        if sum(ws) <= 0:
            self.fail(key, "weights must not all be 0")
            return None
        return tuple(w / sum(ws) for w in ws)

    def diagnostics(self, table: Mapping[str, Any], names: list[str]) -> Diagnostics:
        self.known_keys(table, [f.name for f in fields(Diagnostics)], "diagnostics")
        d = Diagnostics()
        get = table.get
        gra = get("gra", d.gra)
        if not isinstance(gra, bool):
            self.fail("diagnostics.gra", f"must be true or false, got {gra!r}")
            gra = False
        coupling = get("coupling", d.coupling)
        if coupling is False:
            coupling = None
        elif coupling is not None:
            coupling = self.choice(coupling, "diagnostics.coupling", COUPLING_METHODS)
        return Diagnostics(
            gra=gra,
            gra_threshold=self.number(
                get("gra_threshold", d.gra_threshold), "diagnostics.gra_threshold", 0.0, 1.0
            ),
            gra_rho=self.number(get("gra_rho", d.gra_rho), "diagnostics.gra_rho", 1e-9, 1.0),
            gra_normalize=self.choice(
                get("gra_normalize", d.gra_normalize), "diagnostics.gra_normalize", GRA_NORMALIZE
            ),
            coupling=coupling,
            coupling_weights=self.subsystem_weights(
                get("coupling_weights"), "diagnostics.coupling_weights", names
            ),
            coupling_input=self.choice(
                get("coupling_input", d.coupling_input),
                "diagnostics.coupling_input",
                COUPLING_INPUTS,
            ),
            lag_edges=self.lag_edges(get("lag_edges", list(d.lag_edges))),
            coupling_levels=self.scale(table, "coupling_levels", d.coupling_levels, "diagnostics"),
            coupling_stages=self.scale(table, "coupling_stages", d.coupling_stages, "diagnostics"),
            obstacles=self.integer(get("obstacles", d.obstacles), "diagnostics.obstacles", 0),
            obstacle_weights=self.subsystem_weights(
                get("obstacle_weights"), "diagnostics.obstacle_weights", names
            ),
            forecast=self.integer(get("forecast", d.forecast), "diagnostics.forecast", 0),
            robustness=self.robustness(get("robustness")),
        )

    def robustness(self, value: Any) -> Robustness | None:
        key = "diagnostics.robustness"
        if value is None or value is False:
            return None
        if value is True:
            return Robustness()
        if not isinstance(value, Mapping):
            self.fail(key, f"must be true or a table {{draws = 1000, ...}}, got {value!r}")
            return None
        self.known_keys(value, [f.name for f in fields(Robustness)], key)
        d = Robustness()
        margin = value.get("margin", list(d.margin))
        if (
            not isinstance(margin, list)
            or len(margin) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in margin)
            or not 0 <= margin[0] <= margin[1]
        ):
            self.fail(f"{key}.margin", f"must be [low, high] with 0 <= low <= high, got {margin!r}")
            margin = list(d.margin)
        seed = value.get("seed", d.seed)
        return Robustness(
            draws=self.integer(value.get("draws", d.draws), f"{key}.draws", 1),
            concentration=self.number(
                value.get("concentration", d.concentration), f"{key}.concentration", 1e-9
            ),
            margin=(float(margin[0]), float(margin[1])),
            seed=self.integer(seed, f"{key}.seed", 0),
        )

    def lag_edges(self, value: Any) -> tuple[float, float]:
        key = "diagnostics.lag_edges"
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or not all(math.isfinite(v) for v in value)
            or not 0 < value[0] <= value[1]
        ):
            self.fail(
                key,
                "must be [low, high] with 0 < low <= high (E < low: subsystem 1 lags, "
                f"E > high: subsystem 2 lags), got {value!r}",
            )
            return LAG_EDGES
        return (float(value[0]), float(value[1]))

    def scale(self, data: Mapping[str, Any], name: str, default: Scale, within: str = "") -> Scale:
        key = f"{within}.{name}" if within else name
        table = self.table(data, name, key)
        if not table:
            return default
        self.known_keys(table, self.SCALE, key)
        edges = table.get("edges", list(default.edges))
        names = table.get("names", list(default.names))
        focus = table.get("focus", list(default.focus) if "edges" not in table else [])
        ok = True
        if not (
            isinstance(edges, list)
            and edges
            and all(isinstance(e, int | float) and not isinstance(e, bool) for e in edges)
        ) or any(b <= a for a, b in itertools.pairwise(edges)):
            self.fail(
                f"{key}.edges", f"must be a strictly increasing list of numbers, got {edges!r}"
            )
            ok = False
        if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            self.fail(f"{key}.names", f"must be a list of texts, got {names!r}")
            ok = False
        elif ok and len(names) != len(edges) + 1:
            self.fail(
                f"{key}.names",
                f"needs {len(edges) + 1} names for {len(edges)} edges (the first name is for "
                f"values <= {edges[0]}), got {len(names)}",
            )
            ok = False
        if not isinstance(focus, list) or not all(isinstance(n, str) for n in focus):
            self.fail(f"{key}.focus", f"must be a list of texts, got {focus!r}")
            focus = []
        elif focus and ok and len(focus) != len(names):
            self.fail(f"{key}.focus", f"needs one text per name ({len(names)}), got {len(focus)}")
        if not ok:
            return default
        return Scale(tuple(float(e) for e in edges), tuple(names), tuple(focus))


def _short(v: Any) -> dict[str, Any]:
    """Short-form indicator value: a direction string, or a table without ``column``."""
    if isinstance(v, Mapping):
        return dict(v)
    return {"direction": v}
