"""The text overview of a fitted model: parameters, weights, synergy paths, stages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cosyn.report.text import period_text

if TYPE_CHECKING:
    from cosyn.result import Result

__all__ = ["render_summary"]

#: Entities and period columns shown in full before the summary condenses.
MAX_ENTITIES = 12
MAX_PERIODS = 8


def _rule(width: int = 78) -> str:
    return "─" * width


def _method_lines(res: Result) -> list[str]:
    m = res.spec.method
    weights = m.weights
    if m.weights == "entropy":
        weights += f" (input {m.entropy_input})"
    if m.weights == "critic":
        weights += f" (input {m.critic_input})"
    if m.weights == "combined":
        weights += f" ({m.combine}, λ = {m.combine_lambda:g} subjective, objective {m.objective})"
    base = {"first": "first period", "adjacent": "previous period"}.get(str(m.base), str(m.base))
    lines = [
        f"order degree   efficacy coefficient, margin a = {m.margin:g}, bounds per {m.bounds}",
        f"weights        {weights}, computed per {m.weights_scope}",
        f"aggregation    {m.aggregation}",
        f"synergy base   {base}",
        f"imputation     {m.impute}: {int(res.imputed.sum())} of {res.imputed.size} cells filled",
    ]
    if res.ahp_cr:
        crs = ", ".join(f"{k} CR = {v:.3f}" for k, v in res.ahp_cr.items())
        lines.append(f"AHP            {crs}")
    if res.dropped:
        lines.append(f"dropped        {', '.join(res.dropped)} (constant)")
    if res.active is not None:
        out = ~res.active
        parts = [
            f"{c} for {int(n)} entit{'y' if n == 1 else 'ies'}"
            for c, n in zip(res.indicators, out.sum(axis=0), strict=True)
            if n
        ]
        lines.append(f"left out       {', '.join(parts)} (constant there: u undefined, weight 0)")
    return lines


def _weights_block(res: Result) -> list[str]:
    w = res.weight_values
    E = w.shape[0]
    same = bool(np.allclose(w, w[:1]))
    per_entity = not same and E <= MAX_ENTITIES
    lines = []
    start = 0
    for s in res.spec.subsystems:
        cols = slice(start, start + len(s.indicators))
        start = cols.stop
        label = f"{s.name}" + (f" — {s.label}" if s.label and s.label != s.name else "")
        lines.append(f"  {label}")
        block = w[:, cols]
        names = [i.column for i in s.indicators]
        if same:
            frame = pd.DataFrame([block[0]], columns=names, index=["all entities"])
        elif per_entity:
            frame = pd.DataFrame(block, columns=names, index=[str(e) for e in res.entities])
        else:
            frame = pd.DataFrame(
                [block.mean(axis=0), block.min(axis=0), block.max(axis=0)],
                columns=names,
                index=["mean", "min", "max"],
            )
        text = frame.to_string(float_format=lambda v: f"{v:.3f}", max_cols=12)
        lines += ["    " + row for row in text.splitlines()]
    return lines


def _synergy_block(res: Result) -> list[str]:
    U = res.synergy_values
    E, P = U.shape
    periods = [period_text(p) for p in res.periods.take(res.t1)]
    cols = list(range(P))
    note = []
    if P > MAX_PERIODS:
        cols = cols[-MAX_PERIODS:]
        note.append(f"  (last {MAX_PERIODS} of {P} compared periods shown)")
    rows = list(range(E)) if E <= MAX_ENTITIES else list(range(MAX_ENTITIES))
    frame = pd.DataFrame(
        U[np.ix_(rows, cols)],
        columns=[periods[c] for c in cols],
        index=[str(res.entities[e]) for e in rows],
    )
    levels = np.asarray(res.spec.levels.names, dtype=object)
    stages = np.asarray(res.spec.stages.names, dtype=object)
    frame["level"] = levels[res.level_codes[rows, -1]]
    frame["stage"] = stages[res.stage_codes[rows, -1]]
    text = frame.to_string(float_format=lambda v: f"{v:+.3f}", max_cols=MAX_PERIODS + 2)
    lines = ["  " + row for row in text.splitlines()]
    if E > MAX_ENTITIES:
        lines.append(f"  … and {E - MAX_ENTITIES} more entities")
    return lines + note


def _stage_counts(res: Result) -> list[str]:
    codes = res.stage_codes[:, -1]
    names = res.spec.stages.names
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    last = period_text(res.periods[res.t1[-1]])
    parts = [f"{names[i]} {int(c)}" for i, c in enumerate(counts)]
    return [f"  stage in {last}: " + " · ".join(parts)]


def _diagnostic_lines(res: Result) -> list[str]:
    """One line per diagnostic that was computed."""
    d = res.spec.diagnostics
    last = period_text(res.periods[-1])
    lines = []
    if d.gra:
        g = res.grey_relation
        weak = g[g.weak]
        names = ", ".join(dict.fromkeys(weak.indicator))
        lines.append(
            f"  grey relation  grade of each indicator against its subsystem: "
            f"{g.grade.min():.3f}–{g.grade.max():.3f}; "
            + (f"weak (< {d.gra_threshold:g}): {names}" if len(weak) else "none weak")
        )
    if d.coupling:
        c = res.coupling
        at_last = c[c.period == res.periods[-1]]
        top = at_last.level.value_counts().index[0]
        lines.append(
            f"  coupling       {d.coupling}: D in {last} from {at_last.D.min():.3f} to "
            f"{at_last.D.max():.3f}; most common level: {top}"
        )
    if d.obstacles:
        o = res.obstacles
        first = o[(o.period == res.periods[-1]) & (o["rank"] == 1)]
        common = first.indicator.value_counts()
        lines.append(
            f"  obstacles      top {d.obstacles} per entity and period; the largest in {last} "
            f"is most often {common.index[0]} ({int(common.iloc[0])} of {len(first)} entities)"
        )
    if d.forecast and res.diagnostics is not None and res.diagnostics.forecast is not None:
        f = res.forecast
        fits = f.drop_duplicates(["entity", "series"])
        grades = ", ".join(f"{g} {n}" for g, n in fits.grade.value_counts().items())
        lines.append(
            f"  forecast       GM(1,1), {d.forecast} periods ahead, {len(fits)} series; "
            f"accuracy: {grades}"
        )
    if d.robustness is not None:
        lines += _robustness_line(res)
    return lines


def _robustness_line(res: Result) -> list[str]:
    rb = res.spec.diagnostics.robustness
    assert rb is not None
    table = res.robustness
    last = table[table.period == table.period.iloc[-1]]
    return [
        f"  robustness     {rb.draws} draws (κ = {rb.concentration:g}, margin "
        f"{rb.margin[0]:g}–{rb.margin[1]:g}, seed {rb.seed}): the stage in "
        f"{period_text(last.period.iloc[0])} holds in {last.stage_agreement.mean():.0%} of "
        f"draws on average; 90% band width of U {(last.p95 - last.p5).mean():.3f} on average"
    ]


def render_summary(res: Result) -> str:
    """Render the overview of :class:`~cosyn.result.Result` as plain text.

    Sections: data and model, method parameters, weights per subsystem, the synergy path
    per entity with the level and stage of its last value, stage counts, notes.
    """
    spec = res.spec
    E, T, n_ind = res.u.shape
    periods = res.periods
    title = spec.title or "Composite system synergy"
    subsystems = ", ".join(f"{s.name} ({len(s.indicators)})" for s in spec.subsystems)
    base = period_text(res.periods[res.t0[0]]) if str(spec.method.base) != "adjacent" else "t − 1"
    out = [
        f"cosyn — {title}",
        _rule(),
        f"data           {res.panel.source}",
        f"               {E} entit{'y' if E == 1 else 'ies'} × {T} periods "
        f"({period_text(periods[0])}–{period_text(periods[-1])}) × {n_ind} indicators",
    ]
    if spec.source:
        out.append(f"model          {spec.source}")
    out.append(f"subsystems     {subsystems}")
    out += _method_lines(res)
    out += ["", "Weights φ of the order parameters", *_weights_block(res)]
    out += [
        "",
        f"Synergy degree U (base {base}); level and stage of the last period",
        *_synergy_block(res),
    ]
    out += _stage_counts(res)
    if res.diagnostics is not None:
        out += ["", "Diagnostics", *_diagnostic_lines(res)]
    if res.notes:
        out += ["", "Notes", *(f"  ! {n}" for n in res.notes)]
    return "\n".join(out)
