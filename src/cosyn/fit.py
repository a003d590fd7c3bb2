"""``fit(data, spec)``: the composite system synergy pipeline of METHOD.md §0–§5.

impute → bounds and order degrees → weights → subsystem order → synergy → levels and
stages. Each step is an array operation over the whole panel (entity axis first); the
only loop is over the subsystems of the spec.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosyn.diagnostics import FitArrays, run_diagnostics
from cosyn.errors import CosynWarning, DataError, SpecError, quote
from cosyn.methods import (
    ahp_weights,
    combine_weights,
    critic_information,
    cv_weights,
    efficacy,
    entropy_divergence,
    equal_weights,
    impute_linear,
    impute_regression,
    normalize_weights,
    subsystem_order,
    synergy_path,
    widened_bounds,
)
from cosyn.panel import Panel, build_panel
from cosyn.result import Result
from cosyn.spec import Method, Spec, Subsystem

__all__ = ["as_spec", "fit"]

_QUOTE = 5
Array = NDArray[np.float64]


def as_spec(spec: Spec | Mapping[str, Any] | str | Path) -> Spec:
    """A :class:`Spec` from a Spec, a mapping of spec keys, or the path of a TOML file."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        return Spec.from_dict(spec)
    if isinstance(spec, str | Path):
        return Spec.from_toml(spec)
    raise SpecError(f"spec must be a cosyn.Spec, a dict or a TOML path, got {type(spec).__name__}")


def fit(
    data: Any,
    spec: Spec | Mapping[str, Any] | str | Path,
    *,
    sheet: str | int | None = None,
) -> Result:
    """Fit the composite system synergy model to panel data.

    Parameters
    ----------
    data : path, pandas.DataFrame, xarray.Dataset or xarray.DataArray
        Indicator values by entity and period: a CSV/XLSX/Parquet file, a frame in wide
        layout (one column per indicator) or long layout (``indicator`` and ``value``
        columns), or an xarray object. Never modified.
    spec : Spec, dict, or path of a TOML model file
    sheet : str or int, optional
        Worksheet to read when ``data`` is an XLSX file.

    Returns
    -------
    Result
        Arrays of every step; tidy tables are built on first access.

    Raises
    ------
    SpecError, DataError
        A message naming what is wrong, where, and what to do.

    Notes
    -----
    METHOD.md §0–§5: missing cells are filled per entity and indicator (``impute``);
    order degrees ``u`` by the efficacy coefficient with bounds widened by ``margin``;
    weights per subsystem; subsystem order degrees ``μ`` by ``aggregation``; synergy
    ``U = θ·(Π|Δμ_j|)^(1/k)`` from ``base``; levels and stages with ``(lower, upper]``
    intervals.
    """
    spec = as_spec(spec)
    method = spec.method
    panel = build_panel(data, spec, sheet)
    base = _base_index(method.base, panel)
    notes: list[str] = []
    x, imputed, lower, upper = _complete_and_bound(panel, spec)
    keep = _constant_indicators(x, lower, upper, spec, panel, notes)
    if not keep.all():
        spec, x, imputed = _drop(spec, keep, x, imputed)
        lower, upper = lower[..., keep], upper[..., keep]
    _warn_outside_explicit(x, lower, upper, spec, panel, notes)
    positive = np.array([i.positive for i in spec.indicators])
    u = _order_degrees(x, positive, lower, upper, spec)
    weights, cr = _weights(x, u, positive, spec, panel, notes)
    membership = _membership(spec)
    mu = subsystem_order(u, weights, membership, method.aggregation)  # type: ignore[arg-type]
    synergy, t0, t1 = synergy_path(mu, base)
    arrays = FitArrays(x, positive, membership, u, weights, mu, synergy, base)
    diagnostics = run_diagnostics(spec, arrays, panel.entities, notes)
    for note in notes:
        warnings.warn(note, CosynWarning, stacklevel=2)
    return Result(
        spec=spec,
        panel=panel,
        x=x,
        imputed=imputed,
        lower=lower,
        upper=upper,
        u=u,
        weight_values=weights,
        mu=mu,
        synergy_values=synergy,
        t0=t0,
        t1=t1,
        ahp_cr=cr,
        dropped=tuple(c for c, k in zip(panel.indicators, keep, strict=True) if not k),
        notes=tuple(notes),
        diagnostics=diagnostics,
    )


def _base_index(base: str | int | float, panel: Panel) -> str | int:
    """``"first"``/``"adjacent"``, or the position of the named base period."""
    if base in ("first", "adjacent"):
        return str(base)
    periods = panel.periods
    candidates = [base, str(base)]
    if isinstance(base, str):
        with contextlib.suppress(ValueError):  # "2015" may name the period 2015
            candidates.append(int(base) if base.strip().lstrip("-").isdigit() else float(base))
    for c in candidates:
        try:
            pos = periods.get_loc(c)
        except (KeyError, TypeError, ValueError):
            continue
        if isinstance(pos, int):
            if pos == len(periods) - 1:
                raise SpecError(
                    f"spec key 'method.base': {base!r} is the last period; no later period "
                    "to compare with — choose an earlier base period"
                )
            return pos
    shown = _range(periods)
    raise SpecError(
        f"spec key 'method.base': {base!r} is not a period of the data (periods: {shown}); "
        "use 'first', 'adjacent' or one of the periods"
    )


def _range(index: Any) -> str:
    items = [str(v) for v in index]
    return ", ".join(items) if len(items) <= 8 else f"{items[0]} … {items[-1]} ({len(items)})"


def _complete_and_bound(panel: Panel, spec: Spec) -> tuple[Array, NDArray[np.bool_], Array, Array]:
    """Values after imputation, the filled-cell mask, and the bounds (METHOD.md §0–§1).

    The bounds of the raw values double as the test for missing cells (NaN propagates
    through min and max), so complete data costs no extra pass.
    """
    x = panel.values
    if x.shape[1] < 2:
        raise DataError(
            f"{panel.source} has a single period ({quote(panel.periods[0])}); synergy compares "
            "periods, so at least 2 are needed"
        )
    lower, upper = _bounds(x, spec.method)
    if np.isfinite(lower).all() and np.isfinite(upper).all():
        imputed = np.zeros(x.shape, dtype=bool)
    else:
        x, imputed = _impute(panel, spec.method.impute)
        lower, upper = _bounds(x, spec.method)
    for i, ind in enumerate(spec.indicators):
        if ind.lower is not None:
            lower[..., i] = ind.lower
        if ind.upper is not None:
            upper[..., i] = ind.upper
    return x, imputed, lower, upper


def _impute(panel: Panel, how: str) -> tuple[Array, NDArray[np.bool_]]:
    """Fill missing cells (METHOD.md §0); return the values and the filled-cell mask."""
    x = panel.values
    T = x.shape[1]
    missing = np.isnan(x)
    counts = T - missing.sum(axis=1)  # (E, I)
    short = np.argwhere(counts < 2)
    if short.size:
        cells = [
            f"indicator {panel.indicators[i]!r}{_of_entity(panel, e)} has "
            f"{int(counts[e, i])} observed value{'s' if counts[e, i] != 1 else ''}"
            for e, i in short[:_QUOTE]
        ]
        more = f" and {len(short) - _QUOTE} more series" if len(short) > _QUOTE else ""
        raise DataError(
            f"too few observed values in {panel.source}: "
            + "; ".join(cells)
            + more
            + " — a series needs at least 2 observed periods to fill the others; add data "
            "or remove the indicator from the spec"
        )
    if how == "none":
        cells = [
            f"{_entity_words(panel, e)}period {quote(panel.periods[t])}, indicator "
            f"{panel.indicators[i]!r}"
            for e, t, i in np.argwhere(missing)[:_QUOTE]
        ]
        n = int(missing.sum())
        more = f" and {n - _QUOTE} more" if n > _QUOTE else ""
        raise DataError(
            f"missing values in {panel.source} with method.impute = 'none': "
            + "; ".join(cells)
            + more
            + " — fill them, or set method.impute to 'regression' or 'linear'"
        )
    filler = impute_regression if how == "regression" else impute_linear
    return filler(x, panel.time), missing


def _of_entity(panel: Panel, e: int) -> str:
    return "" if panel.entity_name is None else f" of entity {quote(panel.entities[e])}"


def _entity_words(panel: Panel, e: int) -> str:
    return "" if panel.entity_name is None else f"entity {quote(panel.entities[e])}, "


def _bounds(x: Array, method: Method) -> tuple[Array, Array]:
    """Widened bounds from the data, shape (E, 1, I) or (1, 1, I) (METHOD.md §1)."""
    if method.bounds == "panel":
        return widened_bounds(x, method.margin, (0, 1))
    E, _, n_ind = x.shape
    lower, upper = np.empty((E, 1, n_ind)), np.empty((E, 1, n_ind))

    def step(s: slice) -> None:
        lower[s], upper[s] = widened_bounds(x[s], method.margin, 1)

    _per_entity_block(step, E)
    return lower, upper


def _constant_indicators(
    x: Array, lower: Array, upper: Array, spec: Spec, panel: Panel, notes: list[str]
) -> NDArray[np.bool_]:
    """Mask of indicators to keep; error or note for those with ``upper == lower``."""
    flat = np.broadcast_to(upper - lower <= 0, (x.shape[0], 1, x.shape[2]))[:, 0, :]
    bad = flat.any(axis=0)
    if not bad.any():
        return np.ones(x.shape[2], dtype=bool)
    lines = []
    for i in np.flatnonzero(bad):
        ents = np.flatnonzero(flat[:, i])
        value = x[ents[0], 0, i]
        where = (
            ""
            if spec.entity is None or lower.shape[0] == 1
            else " for entity "
            + ", ".join(quote(panel.entities[e]) for e in ents[:_QUOTE])
            + (f" and {len(ents) - _QUOTE} more" if len(ents) > _QUOTE else "")
        )
        lines.append(f"indicator {spec.columns[i]!r} is constant at {value:g}{where}")
    if spec.method.on_constant == "error":
        raise DataError(
            "; ".join(lines)
            + " — its order degree is undefined (upper bound = lower bound). Remove it from "
            "the spec, or set method.on_constant = 'drop' to leave it out"
        )
    notes.append("dropped (method.on_constant = 'drop'): " + "; ".join(lines))
    return np.asarray(~bad, dtype=bool)


def _drop(
    spec: Spec, keep: NDArray[np.bool_], x: Array, imputed: NDArray[np.bool_]
) -> tuple[Spec, Array, NDArray[np.bool_]]:
    """The spec without the dropped indicators, and the matching value arrays."""
    from dataclasses import replace

    kept = {c for c, k in zip(spec.columns, keep, strict=True) if k}
    subs = []
    for s in spec.subsystems:
        idx = [n for n, c in enumerate(s.columns) if c in kept]
        if not idx:
            raise DataError(
                f"every indicator of subsystem {s.name!r} is constant; the subsystem has no "
                "order degree — add indicators that vary over the periods"
            )
        subs.append(_subset(s, idx))
    return replace(spec, subsystems=tuple(subs)), x[..., keep], imputed[..., keep]


def _subset(s: Subsystem, idx: list[int]) -> Subsystem:
    from dataclasses import replace

    weights = None if s.weights is None else tuple(s.weights[n] for n in idx)
    ahp = None if s.ahp is None else tuple(tuple(s.ahp[a][b] for b in idx) for a in idx)
    return replace(s, indicators=tuple(s.indicators[n] for n in idx), weights=weights, ahp=ahp)


def _warn_outside_explicit(
    x: Array, lower: Array, upper: Array, spec: Spec, panel: Panel, notes: list[str]
) -> None:
    explicit = [
        n for n, i in enumerate(spec.indicators) if i.lower is not None or i.upper is not None
    ]
    if not explicit:
        return
    outside = (x[..., explicit] < lower[..., explicit]) | (x[..., explicit] > upper[..., explicit])
    if not outside.any():
        return
    cells = [
        f"{_entity_words(panel, e)}period {quote(panel.periods[t])}, indicator "
        f"{spec.columns[explicit[i]]!r} = {x[e, t, explicit[i]]:g}"
        for e, t, i in np.argwhere(outside)[:_QUOTE]
    ]
    n = int(outside.sum())
    more = f" and {n - _QUOTE} more" if n > _QUOTE else ""
    notes.append(
        "values outside the explicit bounds, their order degree clipped to [0, 1]: "
        + "; ".join(cells)
        + more
    )


#: Fewest entities per thread: below twice this, fit runs its per-entity steps on one
#: thread (threads pay off only on large panels).
MIN_BLOCK_ENTITIES = 2048


def _entity_blocks(E: int) -> list[slice]:
    """Blocks of the entity axis, one per available CPU, each ≥ MIN_BLOCK_ENTITIES."""
    n = min(
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
        E // MIN_BLOCK_ENTITIES,
    )
    if n <= 1:
        return [slice(0, E)]
    edges = np.linspace(0, E, n + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _per_entity_block(step: Callable[[slice], None], E: int) -> None:
    """Run ``step`` on blocks of entities, in threads when there are several blocks.

    Only for steps that are independent per entity, each block writing its own part of a
    preallocated output: the result is identical to one call over all entities (NumPy
    releases the GIL in its loops, so the blocks run on the machine's cores at once).
    """
    blocks = _entity_blocks(E)
    if len(blocks) == 1:
        step(blocks[0])
        return
    with ThreadPoolExecutor(len(blocks)) as pool:
        for done in [pool.submit(step, b) for b in blocks]:
            done.result()


def _order_degrees(
    x: Array, positive: NDArray[np.bool_], lower: Array, upper: Array, spec: Spec
) -> Array:
    """u of every cell (METHOD.md §1), per block of entities."""
    explicit = any(i.lower is not None or i.upper is not None for i in spec.indicators)
    u = np.empty_like(x)

    def step(s: slice) -> None:
        lo = lower if lower.shape[0] == 1 else lower[s]
        hi = upper if upper.shape[0] == 1 else upper[s]
        efficacy(x[s], positive, lower=lo, upper=hi, clip=explicit, out=u[s])

    _per_entity_block(step, x.shape[0])
    return u


def _membership(spec: Spec) -> NDArray[np.bool_]:
    names = [s.name for s in spec.subsystems]
    mem = np.zeros((len(spec.indicators), len(names)), dtype=bool)
    for n, ind in enumerate(spec.indicators):
        mem[n, names.index(ind.subsystem)] = True
    return mem


def _weights(
    x: Array,
    u: Array,
    positive: NDArray[np.bool_],
    spec: Spec,
    panel: Panel,
    notes: list[str],
) -> tuple[Array, dict[str, float]]:
    """Weights (E, I), normalised within each subsystem (METHOD.md §2)."""
    method = spec.method
    E, _, n_ind = x.shape
    scheme = method.weights
    objective = method.objective if scheme == "combined" else scheme
    divergence = None
    if scheme not in ("given", "ahp") and objective == "entropy":
        # One pass over every column; each subsystem then normalises its own slice.
        matrix = _entropy_input(x, u, positive, method.entropy_input, method.weights_scope)
        if method.weights_scope == "entity":
            d = np.empty((E, n_ind))

            def step(s: slice) -> None:
                d[s] = entropy_divergence(matrix[s], validate=False)

            _per_entity_block(step, E)
            divergence = d
        else:
            divergence = entropy_divergence(matrix, validate=False)
    weights = np.empty((E, n_ind))
    crs: dict[str, float] = {}
    start = 0
    for s in spec.subsystems:
        cols = slice(start, start + len(s.indicators))
        start = cols.stop
        subjective = None
        if scheme in ("given", "ahp", "combined"):
            if s.weights is not None and scheme != "ahp":
                subjective = np.asarray(s.weights)
            else:
                assert s.ahp is not None  # guaranteed by Spec validation
                subjective, crs[s.name] = ahp_weights(np.asarray(s.ahp))
        if subjective is not None and scheme != "combined":
            w = subjective
        else:
            if divergence is not None:
                _note_equal(divergence[:, cols], "entropy", s, spec, panel, notes)
                w = normalize_weights(divergence[:, cols])
            else:
                w = _objective(objective, x[..., cols], u[..., cols], s, spec, panel, notes)
            if subjective is not None:
                w = combine_weights(subjective, w, method.combine_lambda, method.combine)
        weights[:, cols] = np.broadcast_to(w, (E, len(s.indicators)))
    return weights, crs


def _in_scope(a: Array, scope: str) -> Array:
    """(E, T, m) as is, or pooled into (1, E·T, m) for ``weights_scope = "panel"``."""
    return a if scope == "entity" else a.reshape(1, -1, a.shape[-1])


def _objective(
    name: str,
    x: Array,
    u: Array,
    s: Subsystem,
    spec: Spec,
    panel: Panel,
    notes: list[str],
) -> Array:
    """Equal, CV or CRITIC weights of one subsystem, shape (E, m) or (1, m)."""
    scope = spec.method.weights_scope
    if name == "equal":
        return equal_weights(u.shape[-1])[None, :]
    if name == "cv":
        raw = _in_scope(x, scope)
        mean = raw.mean(axis=-2)
        if np.any(mean <= 0):
            e, i = (int(v) for v in np.argwhere(mean <= 0)[0])
            who = "" if scope == "panel" else _of_entity(panel, e)
            raise DataError(
                f"method.weights = 'cv' needs positive means, but indicator "
                f"{s.columns[i]!r}{who} has mean {mean[e, i]:g} — use another weighting "
                "such as 'entropy' or 'critic'"
            )
        return cv_weights(raw)
    info = np.clip(critic_information(_in_scope(u, scope)), 0.0, None)
    _note_equal(info, "CRITIC", s, spec, panel, notes)
    return normalize_weights(info)


def _note_equal(
    score: Array, what: str, s: Subsystem, spec: Spec, panel: Panel, notes: list[str]
) -> None:
    scope = spec.method.weights_scope
    flat = ~(score > 0).any(axis=-1)
    if not flat.any():
        return
    if scope == "panel" or panel.entity_name is None:
        where = ""
    else:
        ents = [quote(panel.entities[int(e)]) for e in np.flatnonzero(flat)]
        where = (
            " for entity "
            + ", ".join(ents[:_QUOTE])
            + (f" and {len(ents) - _QUOTE} more" if len(ents) > _QUOTE else "")
        )
    notes.append(
        f"no indicator of subsystem {s.name!r} carries {what} information{where}: its "
        "weights are equal"
    )


def _entropy_input(x: Array, u: Array, positive: NDArray[np.bool_], how: str, scope: str) -> Array:
    """The non-negative matrix the entropy weights are computed from (``entropy_input``).

    ``order``: the order degrees u. ``minmax``: raw values scaled to [0, 1] within the
    weights scope, reversed for negative indicators. ``rescale``: the same into
    [0.002, 0.998]. ``shift`` (SPSSAU's convention): the raw values, negated for negative
    indicators, and a column with any value ≤ 0 shifted by ``|min| + 0.01``.
    """
    if how == "order":
        return _in_scope(u, scope)
    raw = _in_scope(x, scope)
    if how == "shift":
        v = np.where(positive, raw, -raw)
        low = v.min(axis=-2, keepdims=True)
        return np.asarray(np.where(low <= 0, v + np.abs(low) + 0.01, v), dtype=float)
    low = raw.min(axis=-2, keepdims=True)
    span = raw.max(axis=-2, keepdims=True) - low
    scaled = np.where(span > 0, (raw - low) / np.where(span > 0, span, 1.0), 0.0)
    scaled = np.where(positive, scaled, np.where(span > 0, 1.0 - scaled, 0.0))
    if how == "rescale":
        scaled = 0.002 + 0.996 * scaled
    return np.asarray(scaled, dtype=float)
