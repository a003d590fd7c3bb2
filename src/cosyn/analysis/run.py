"""From a fitted :class:`~cosyn.result.Result` to the tables of the spatio-temporal analysis.

:func:`analyse` reads the spec's ``[analysis]`` table (SPATIAL.md) and, for each series
asked for, builds one tidy table per analysis (:class:`AnalysisResult`). Each analysis is
a small function of the series' wide table (entities × periods) that calls the
pandas-level functions of :mod:`cosyn.analysis.inequality`, :mod:`cosyn.analysis.density`,
:mod:`cosyn.analysis.space` and :mod:`cosyn.analysis.markov`; this module adds no
formula, only the choice of series, groups and neighbours, and the shape of the tables.

Series (the ``series`` column of every table):

- ``"synergy"``: the synergy degree U of each compared period (the base period, where U
  is undefined, is left out; with ``base = "adjacent"`` each period is compared with the
  one before it);
- ``"order:<subsystem>"``: each subsystem's order degree μ_j, and ``"order:mean"`` their
  unweighted mean ``(1/k) Σ_j μ_j``;
- ``"coupling"``: the coupling coordination degree D (``[diagnostics] coupling``).

U can be negative: the methods that need values ≥ 0 (Dagum Gini, Theil, σ- and
β-convergence) are not run on it, and a note says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from cosyn.errors import DataError, SpecError, quote
from cosyn.spec import Analysis, Coordinates, Geometry, Spec

if TYPE_CHECKING:
    from cosyn.panel import Panel
    from cosyn.result import Result

__all__ = [
    "AnalysisResult",
    "analyse",
    "analysis_problems",
    "comparability_notes",
    "markov_classes",
    "require_spatial",
    "resolve_groups",
    "resolve_path",
    "resolve_weights",
    "series_tables",
]

#: Methods that need values ≥ 0 and are not run on the synergy degree U.
NONNEGATIVE_ONLY: tuple[str, ...] = ("gini", "theil", "sigma", "beta")
#: Header names accepted for the two columns of a groups CSV.
ENTITY_HEADERS: tuple[str, ...] = ("entity", "地区", "省份", "name")
GROUP_HEADERS: tuple[str, ...] = ("group", "分组", "区域", "region")
#: The text that names the extra the PySAL parts need.
SPATIAL_EXTRA = "pip install 'cosyn[spatial]'"

_COLUMNS: dict[str, list[str]] = {
    "values": ["series", "entity", "period", "value"],
    "groups": ["entity", "group"],
    "group_stats": ["series", "period", "group", "n", "mean", "sd", "rank"],
    "gini": ["series", "period", "G", "Gw", "Gnb", "Gt", "share_w", "share_nb", "share_t"],
    "gini_within": ["series", "period", "group", "mean", "G_jj"],
    "gini_between": ["series", "period", "group_j", "group_h", "G_jh", "D_jh"],
    "theil": ["series", "period", "T", "Tw", "Tb", "share_w", "share_b"],
    "theil_groups": ["series", "period", "group", "T_g"],
    "sigma": ["series", "period", "group", "mean", "sd", "cv"],
    "beta": [
        "series",
        "first_period",
        "last_period",
        "n",
        "span",
        "beta",
        "se",
        "t",
        "p",
        "r2",
        "speed",
        "converging",
    ],
    "density": [
        "series",
        "period",
        "bandwidth",
        "peak_location",
        "peak_height",
        "n_peaks",
        "width",
    ],
    "density_curves": ["series", "period", "x", "density"],
    "moran": ["series", "period", "I", "EI", "z", "p_norm", "p_sim", "n", "permutations"],
    "lisa": [
        "series",
        "period",
        "entity",
        "Ii",
        "z",
        "lag",
        "quadrant",
        "p_sim",
        "significant",
        "cluster",
    ],
    "markov": ["series", "from", "to", "count", "probability"],
    "markov_classes": ["series", "class", "upper_edge", "initial", "final", "steady_state"],
    "spatial_markov": ["series", "lag_class", "from", "to", "count", "probability"],
    "spatial_markov_tests": ["series", "LR", "LR_p", "Q", "Q_p", "dof"],
}


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS[name]})


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """The tables of the spatio-temporal analysis (SPATIAL.md), one row per observation.

    Every table is a DataFrame whose first column is ``series`` (see the module notes)
    except ``groups``; a table of an analysis that was not run (no groups, no weights,
    a series refused) has its columns and no rows, and ``notes`` says why.

    Attributes
    ----------
    values : series, entity, period, value
        The values analysed.
    groups : entity, group
        The group of each entity (empty without ``groups``).
    group_stats : series, period, group, n, mean, sd, rank
        Per group and period: entities, mean, standard deviation (ddof = 1; empty for a
        group of one entity) and the rank of the group's mean (1 = highest; ties share
        the lower rank).
    gini, gini_within, gini_between
        Dagum's decomposition per period (G, Gw, Gnb, Gt and their shares of G); G_jj and
        the mean per group; G_jh and D_jh per pair of groups.
    theil, theil_groups
        Theil's T with its within (Tw) and between (Tb) parts and their shares; T_g per
        group.
    sigma : series, period, group, mean, sd, cv
        σ-convergence: ``group`` is empty (NaN) for the whole panel, else the group;
        ``sd`` with divisor n (ddof = 0).
    beta : series, first_period, last_period, n, span, beta, se, t, p, r2, speed, converging
        Absolute β-convergence between the first and the last period; ``speed`` is
        empty where ``1 + β·T ≤ 0`` (a note says so); ``converging`` is β < 0 with
        p < 0.05.
    density : series, period, bandwidth, peak_location, peak_height, n_peaks, width
    density_curves : series, period, x, density
        The kernel density of every period on one grid per series.
    moran : series, period, I, EI, z, p_norm, p_sim, n, permutations
        Global Moran's I per period: the normal approximation (two-sided ``p_norm``) and
        ``p_sim`` from the seeded permutations (empty with ``permutations = 0``).
    lisa : series, period, entity, Ii, z, lag, quadrant, p_sim, significant, cluster
        Local Moran per entity and period: ``quadrant`` HH/LH/LL/HL always, ``cluster``
        the quadrant where ``p_sim < alpha``, else "not significant".
    markov : series, from, to, count, probability
        The transition matrix pooled over consecutive periods (rows: from), every cell;
        a class never left has NaN probabilities.
    markov_classes : series, class, upper_edge, initial, final, steady_state
        Each class: its upper edge (NaN for the last), the shares of entities in it in
        the first and last period, and the steady state.
    spatial_markov : series, lag_class, from, to, count, probability
        The transition matrices conditioned on the class of the spatial lag (Rey 2001).
    spatial_markov_tests : series, LR, LR_p, Q, Q_p, dof
        The homogeneity tests of the conditional matrices.
    notes : tuple of str
        What was not computed, and why.
    """

    values: pd.DataFrame
    groups: pd.DataFrame
    group_stats: pd.DataFrame
    gini: pd.DataFrame
    gini_within: pd.DataFrame
    gini_between: pd.DataFrame
    theil: pd.DataFrame
    theil_groups: pd.DataFrame
    sigma: pd.DataFrame
    beta: pd.DataFrame
    density: pd.DataFrame
    density_curves: pd.DataFrame
    moran: pd.DataFrame
    lisa: pd.DataFrame
    markov: pd.DataFrame
    markov_classes: pd.DataFrame
    spatial_markov: pd.DataFrame
    spatial_markov_tests: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in the order above."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "notes"}

    def __repr__(self) -> str:
        rows = ", ".join(f"{k} {len(v)}" for k, v in self.tables.items() if len(v))
        return f"<cosyn.AnalysisResult: {rows}; {len(self.notes)} notes>"


# -- series ------------------------------------------------------------------------------


def series_tables(result: Result, series: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The wide table (entities × periods) of every series named in ``series``.

    ``"synergy"`` gives U over the compared periods, ``"order"`` one table per
    subsystem (``"order:<name>"``) and their mean (``"order:mean"``), ``"coupling"`` D.
    """
    entities = result.entities
    out: dict[str, pd.DataFrame] = {}
    for name in series:
        if name == "synergy":
            out["synergy"] = pd.DataFrame(
                result.synergy_values, index=entities, columns=result.periods.take(result.t1)
            )
        elif name == "order":
            for j, sub in enumerate(result.subsystems):
                out[f"order:{sub}"] = pd.DataFrame(
                    result.mu[:, :, j], index=entities, columns=result.periods
                )
            out["order:mean"] = pd.DataFrame(
                result.mu.mean(axis=2), index=entities, columns=result.periods
            )
        elif name == "coupling":
            if result.diagnostics is None or result.diagnostics.coupling is None:
                raise SpecError(
                    "analysis.series names 'coupling', but the fit computed no coupling "
                    'coordination degree; set diagnostics.coupling (e.g. coupling = "classic")'
                )
            out["coupling"] = pd.DataFrame(
                result.diagnostics.coupling[2], index=entities, columns=result.periods
            )
    return out


def _long(wide: dict[str, pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for name, frame in wide.items():
        E, T = frame.shape
        parts.append(
            pd.DataFrame(
                {
                    "series": name,
                    "entity": np.repeat(frame.index.to_numpy(dtype=object), T),
                    "period": np.tile(frame.columns.to_numpy(dtype=object), E),
                    "value": frame.to_numpy(dtype=float).ravel(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty("values")


# -- groups ------------------------------------------------------------------------------


def resolve_path(path: str, spec: Spec) -> Path:
    """``path`` as written when absolute, else relative to the model file's folder.

    The model file is ``spec.source`` when it names an existing file (a spec read with
    :meth:`Spec.from_toml`); otherwise a relative path is taken from the working folder.
    """
    p = Path(path).expanduser()
    if p.is_absolute() or not spec.source:
        return p
    model = Path(spec.source)
    return model.parent / p if model.is_file() else p


def resolve_groups(spec: Spec, panel: Panel) -> pd.Series | None:
    """Entity → group for ``spec.analysis.groups`` (None without groups).

    A data column (read with the panel, one value per entity), a CSV mapping (columns
    ``entity`` and ``group``, or 地区/省份 and 分组/区域; every entity of the data must be
    in it; entities are matched by their text), or a bundled scheme (``china_3``,
    ``china_4``: province names matched in every common form by
    :func:`cosyn.datasets.match_provinces`).

    Raises
    ------
    DataError
        A missing file, missing headers, an entity of the data absent from the mapping
        (all named), an entity given two groups, a name that is no province.
    """
    a = spec.analysis
    if a is None or a.groups is None:
        return None
    entities = panel.entities
    kind = a.groups_kind
    if kind == "column":
        if panel.attributes is None or a.groups not in panel.attributes:
            raise DataError(
                f"the groups column {a.groups!r} (spec key 'analysis.groups') was not read "
                "with the data; build the panel with this spec"
            )
        return pd.Series(panel.attributes[a.groups].to_numpy(), index=entities, name="group")
    if kind == "scheme":
        from cosyn.datasets import china_regions, match_provinces

        try:
            matched = match_provinces(list(entities))
        except DataError as exc:
            raise DataError(
                f"spec key 'analysis.groups' = {a.groups!r} places the 31 mainland "
                f"provincial-level divisions, but the entities of the data are not all "
                f"provinces: {exc}"
            ) from None
        regions = china_regions(a.groups)
        return pd.Series(
            [regions[matched[e]] for e in entities], index=entities, name="group", dtype=object
        )
    return _groups_file(resolve_path(a.groups, spec), entities, spec)


def _groups_file(path: Path, entities: pd.Index, spec: Spec) -> pd.Series:
    from cosyn.io.read import read_table

    where = f"groups file {str(path)!r} (spec key 'analysis.groups')"
    if not path.is_file():
        raise DataError(f"{where} does not exist; give the path relative to the model file")
    frame = read_table(path)
    entity_headers = (*ENTITY_HEADERS, *((spec.entity,) if spec.entity else ()))
    e_col = next((c for c in frame.columns if str(c).strip() in entity_headers), None)
    g_col = next((c for c in frame.columns if str(c).strip() in GROUP_HEADERS), None)
    if e_col is None or g_col is None:
        raise DataError(
            f"{where} needs the columns 'entity' and 'group' (or 地区/省份 and 分组/区域); "
            f"its columns are: {', '.join(map(str, frame.columns))}"
        )
    keys = frame[e_col].astype(str).str.strip()
    groups = frame[g_col]
    blank = groups.isna().to_numpy()
    if blank.any():
        raise DataError(
            f"{where}: the group of {', '.join(map(quote, keys[blank][:5]))} is empty; "
            "give every entity a group"
        )
    both = pd.DataFrame({"key": keys, "group": groups}).drop_duplicates()
    twice = both["key"][both["key"].duplicated()].unique()
    if len(twice):
        first = twice[0]
        values = both.loc[both["key"] == first, "group"].tolist()
        raise DataError(
            f"{where} gives entity {first!r} two groups ({', '.join(map(quote, values))}); "
            "give one group per entity"
        )
    mapping = dict(zip(both["key"], both["group"], strict=True))
    texts = [str(e).strip() for e in entities]
    missing = [e for e, t in zip(entities, texts, strict=True) if t not in mapping]
    if missing:
        shown = ", ".join(map(quote, missing[:10])) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise DataError(
            f"{where} has no group for {len(missing)} entit{'y' if len(missing) == 1 else 'ies'}"
            f" of the data: {shown}; add a row (entity, group) for each"
        )
    return pd.Series([mapping[t] for t in texts], index=entities, name="group", dtype=object)


# -- spatial weights ---------------------------------------------------------------------


def require_spatial(what: str) -> None:
    """One :class:`SpecError` naming the extra when PySAL is not installed."""
    import importlib.util

    missing = [m for m in ("libpysal", "esda", "giddy") if importlib.util.find_spec(m) is None]
    if missing:
        raise SpecError(
            f"{what} needs the spatial extra: {SPATIAL_EXTRA} (missing: {', '.join(missing)})"
        )


def _existing(path: Path, what: str) -> Path:
    if not path.is_file():
        raise DataError(
            f"{what} {str(path)!r} (spec key 'analysis.weights') does not exist; give the "
            "path relative to the model file"
        )
    return path


def resolve_weights(spec: Spec, panel: Panel) -> tuple[Any, tuple[str, ...]]:
    """The libpysal ``W`` of ``spec.analysis.weights`` in the panel's entity order, and
    notes for the reader (None and no notes without weights).

    ``china_provinces``: the bundled contiguity list, the data's province names matched
    in every common form; Hainan linked to Guangdong unless ``island_links = false``
    (then Hainan is kept as an island, with a zero spatial lag, and a note says so). A
    CSV of pairs, a geometry file (matched by its attribute ``name``, default the spec's
    entity column) and coordinates go through :mod:`cosyn.analysis.space`; there an
    entity without neighbours is an error naming it.
    """
    from cosyn.analysis import space

    a = spec.analysis
    if a is None or a.weights is None:
        return None, ()
    entities = list(panel.entities)
    notes: list[str] = []
    if a.weights_kind == "china":
        from cosyn.datasets import china_contiguity, match_provinces

        matched = match_provinces(entities)
        back = {canonical: user for user, canonical in matched.items()}
        pairs = china_contiguity(island_links=a.island_links)
        keep = pairs["entity_a"].isin(back) & pairs["entity_b"].isin(back)
        pairs = pd.DataFrame(
            {
                "entity_a": pairs.loc[keep, "entity_a"].map(back),
                "entity_b": pairs.loc[keep, "entity_b"].map(back),
            }
        )
        if a.island_links and "海南" in back and "广东" in back:
            notes.append(
                "Spatial weights: the bundled contiguity of China's provinces; Hainan, which "
                "has no land border, is linked to Guangdong (analysis.island_links)."
            )
        island: Literal["error", "keep"] = "error" if a.island_links else "keep"
        linked = set(pairs["entity_a"]) | set(pairs["entity_b"])
        alone = [e for e in entities if e not in linked]
        if alone and island == "error":
            raise DataError(
                f"[analysis] weights = 'china_provinces': "
                f"{', '.join(quote(e) for e in alone)} "
                f"{'has' if len(alone) == 1 else 'have'} no neighbour among the provinces in "
                "the data (its neighbours are not in the data); set analysis.island_links = "
                "false to keep such a province without neighbours (a spatial lag of 0), or "
                'give a neighbours CSV (weights = "neighbours.csv") that links it'
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            w = space.neighbour_weights(pairs, entities, island=island)
        notes += [str(c.message) for c in caught]
        return w, tuple(notes)
    if a.weights_kind == "pairs":
        assert isinstance(a.weights, str)
        path = _existing(resolve_path(a.weights, spec), "neighbours file")
        return space.neighbour_weights(path, entities), ()
    if isinstance(a.weights, Geometry):
        path = _existing(resolve_path(a.weights.file, spec), "geometry file")
        name = a.weights.name or spec.entity or "entity"
        contiguity: Literal["queen", "rook"] = "rook" if a.weights.contiguity == "rook" else "queen"
        return space.weights_from_geometry(path, name, entities, contiguity), ()
    assert isinstance(a.weights, Coordinates) and panel.attributes is not None
    c = a.weights
    frame = panel.attributes[[c.x, c.y]]
    if c.distance is not None:
        return space.weights_from_coordinates(frame, c.x, c.y, k=c.k, distance="inverse"), ()
    return space.weights_from_coordinates(frame, c.x, c.y, k=c.k or 4), ()


def analysis_problems(spec: Spec, panel: Panel) -> list[str]:
    """Every problem :func:`analyse` would meet in its inputs, one message each.

    Checks that the spatial extra is installed, that the groups resolve (file, headers,
    every entity) and that the weights build (file, names, islands) — without computing
    any statistic, so that ``cosyn check`` can list them before a fit. Empty when the
    spec has no ``[analysis]`` or every input is usable.
    """
    if spec.analysis is None:
        return []
    problems: list[str] = []

    def attempt(step: Callable[[], object]) -> bool:
        try:
            step()
        except (DataError, SpecError) as exc:
            problems.append(str(exc))
            return False
        return True

    spatial = attempt(lambda: require_spatial("[analysis] (Markov chains, Moran's I, LISA)"))
    attempt(lambda: resolve_groups(spec, panel))
    if spatial:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            attempt(lambda: resolve_weights(spec, panel))
    return problems


# -- the analyses, one small function each -----------------------------------------------


def _group_stats(name: str, wide: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    g = groups.reindex(wide.index)
    stacked = wide.T  # periods × entities
    by = stacked.T.groupby(g.to_numpy(), sort=False)
    n = by.size()
    mean = by.mean().T  # periods × groups
    sd = by.std(ddof=1).T
    rank = mean.rank(axis=1, ascending=False, method="min")
    labels = mean.columns
    P, G = mean.shape
    return pd.DataFrame(
        {
            "series": name,
            "period": np.repeat(mean.index.to_numpy(dtype=object), G),
            "group": np.tile(labels.to_numpy(dtype=object), P),
            "n": np.tile(n.reindex(labels).to_numpy(), P),
            "mean": mean.to_numpy().ravel(),
            "sd": sd.to_numpy().ravel(),
            "rank": rank.to_numpy().ravel().astype(int),
        }
    )


def _stack(name: str, frame: pd.DataFrame, column: str, names: list[str]) -> pd.DataFrame:
    """A periods × labels frame as rows (series, period, *names, column)."""
    P, L = frame.shape
    out: dict[str, Any] = {
        "series": name,
        "period": np.repeat(frame.index.to_numpy(dtype=object), L),
    }
    labels = frame.columns
    if isinstance(labels, pd.MultiIndex):
        for level, label in enumerate(names):
            out[label] = np.tile(labels.get_level_values(level).to_numpy(dtype=object), P)
    else:
        out[names[0]] = np.tile(labels.to_numpy(dtype=object), P)
    out[column] = frame.to_numpy(dtype=float).ravel()
    return pd.DataFrame(out)


def _without(wide: pd.DataFrame, bad: Any, why: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``wide`` without the periods flagged ``bad`` and a note naming them; a DataError
    when no period is left."""
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return wide, ()
    periods = ", ".join(quote(p) for p in wide.columns[bad])
    if bad.all():
        raise DataError(f"in every period {why}")
    return wide.loc[:, ~bad], (f"period(s) {periods} left out: {why} there",)


def _gini(name: str, wide: pd.DataFrame, groups: pd.Series) -> tuple[Any, ...]:
    from cosyn.analysis.inequality import dagum_gini

    wide, notes = _without(
        wide, ~(wide.to_numpy() > 0).any(axis=0), "every value is 0 (the Gini ratio is 0/0)"
    )
    r = dagum_gini(wide, groups)
    periods = wide.columns.to_numpy(dtype=object)
    main = pd.DataFrame(
        {
            "series": name,
            "period": periods,
            "G": r.G.to_numpy(),
            "Gw": r.Gw.to_numpy(),
            "Gnb": r.Gnb.to_numpy(),
            "Gt": r.Gt.to_numpy(),
            "share_w": r.shares["Gw"].to_numpy(),
            "share_nb": r.shares["Gnb"].to_numpy(),
            "share_t": r.shares["Gt"].to_numpy(),
        }
    )
    within = _stack(name, r.G_jj, "G_jj", ["group"])
    within.insert(3, "mean", _stack(name, r.mean, "mean", ["group"])["mean"].to_numpy())
    between = _stack(name, r.G_jh, "G_jh", ["group_j", "group_h"])
    between["D_jh"] = r.D_jh.to_numpy(dtype=float).ravel()
    return main, within, between, notes


def _theil(name: str, wide: pd.DataFrame, groups: pd.Series) -> tuple[Any, ...]:
    from cosyn.analysis.inequality import theil

    wide, notes = _without(
        wide, ~(wide.to_numpy() > 0).any(axis=0), "every value is 0 (Theil's index is 0/0)"
    )
    r = theil(wide, groups)
    main = pd.DataFrame(
        {
            "series": name,
            "period": wide.columns.to_numpy(dtype=object),
            "T": r.T.to_numpy(),
            "Tw": r.Tw.to_numpy(),
            "Tb": r.Tb.to_numpy(),
            "share_w": r.shares["Tw"].to_numpy(),
            "share_b": r.shares["Tb"].to_numpy(),
        }
    )
    return main, _stack(name, r.T_g, "T_g", ["group"]), notes


def _sigma(name: str, wide: pd.DataFrame, groups: pd.Series | None) -> pd.DataFrame:
    from cosyn.analysis.inequality import sigma_convergence

    r = sigma_convergence(wide, groups)
    panel = r.panel
    parts = [
        pd.DataFrame(
            {
                "series": name,
                "period": panel.index.to_numpy(dtype=object),
                "group": np.nan,
                "mean": panel["mean"].to_numpy(),
                "sd": panel["sd"].to_numpy(),
                "cv": panel["cv"].to_numpy(),
            }
        )
    ]
    if r.by_group is not None:
        bg = r.by_group
        mean = _stack(name, pd.DataFrame(bg["mean"]), "mean", ["group"])
        mean["sd"] = bg["sd"].to_numpy(dtype=float).ravel()
        mean["cv"] = bg["cv"].to_numpy(dtype=float).ravel()
        parts.append(mean)
    return pd.concat(parts, ignore_index=True)


def _beta(name: str, wide: pd.DataFrame) -> tuple[Any, ...]:
    from cosyn.analysis.inequality import beta_convergence

    r = beta_convergence(wide)
    table = pd.DataFrame(
        {
            "series": [name],
            "first_period": [wide.columns[0]],
            "last_period": [wide.columns[-1]],
            "n": [r.n],
            "span": [r.span],
            "beta": [r.beta],
            "se": [r.se],
            "t": [r.t],
            "p": [r.p],
            "r2": [r.r2],
            "speed": [r.speed],
            "converging": [r.converging],
        }
    )
    return table, ((r.note,) if r.note else ())


def _density(name: str, wide: pd.DataFrame, bandwidth: str | float) -> tuple[Any, ...]:
    from cosyn.analysis.density import kernel_density

    if isinstance(bandwidth, str):
        a = wide.to_numpy()
        flat = a.max(axis=0) == a.min(axis=0)
        wide, notes = _without(
            wide, flat, f"every value is the same (no spread for the {bandwidth} bandwidth)"
        )
    else:
        notes = ()
    r = kernel_density(wide, bandwidth)
    peaks = r.peaks
    table = pd.DataFrame(
        {
            "series": name,
            "period": peaks.index.to_numpy(dtype=object),
            **{c: peaks[c].to_numpy() for c in _COLUMNS["density"][2:]},
        }
    )
    curves = r.density
    G, P = curves.shape
    grid = pd.DataFrame(
        {
            "series": name,
            "period": np.tile(curves.columns.to_numpy(dtype=object), G),
            "x": np.repeat(curves.index.to_numpy(dtype=float), P),
            "density": curves.to_numpy(dtype=float).ravel(),
        }
    ).sort_values(["period", "x"], kind="stable", ignore_index=True)
    return table, grid, notes


def _moran(name: str, wide: pd.DataFrame, w: Any, a: Analysis) -> pd.DataFrame:
    from cosyn.analysis.space import moran

    r = moran(wide, w, a.permutations, a.seed)
    assert isinstance(r, pd.DataFrame)
    out = r.reset_index()[_COLUMNS["moran"][1:]]
    out.insert(0, "series", name)
    return out


def _lisa(name: str, wide: pd.DataFrame, w: Any, a: Analysis) -> pd.DataFrame:
    from cosyn.analysis.space import local_moran

    r = local_moran(wide, w, a.permutations, a.seed, a.alpha).reset_index()
    out = r[_COLUMNS["lisa"][1:]].copy()
    out.insert(0, "series", name)
    return out


def markov_classes(result: Result, name: str, a: Analysis) -> dict[str, Any]:
    """The class options of series ``name``: ``{"edges", "labels"}`` of its level scale
    (U: ``spec.levels``; D: ``diagnostics.coupling_levels``) with ``classes = "levels"``,
    else ``{"k"}`` quantiles. The order degrees μ have no level scale: quantiles."""
    spec = result.spec
    if a.classes == "levels" and name in ("synergy", "coupling"):
        scale = spec.levels if name == "synergy" else spec.diagnostics.coupling_levels
        return {"edges": list(scale.edges), "labels": list(scale.names)}
    return {"k": a.k}


def _markov(name: str, wide: pd.DataFrame, options: dict[str, Any]) -> tuple[Any, ...]:
    from cosyn.analysis.markov import markov

    r = markov(wide, **options)
    k = len(r.classes)
    counts = r.counts.to_numpy(dtype=float)
    P = r.P.to_numpy(dtype=float)
    matrix = pd.DataFrame(
        {
            "series": name,
            "from": np.repeat(np.asarray(r.classes, dtype=object), k),
            "to": np.tile(np.asarray(r.classes, dtype=object), k),
            "count": counts.ravel().astype(int),
            "probability": P.ravel(),
        }
    )
    upper = np.append(np.asarray(r.edges, dtype=float), np.nan)
    classes = pd.DataFrame(
        {
            "series": name,
            "class": np.asarray(r.classes, dtype=object),
            "upper_edge": upper,
            "initial": r.initial.reindex(r.classes).to_numpy(dtype=float),
            "final": r.final.reindex(r.classes).to_numpy(dtype=float),
            "steady_state": r.steady_state.reindex(r.classes).to_numpy(dtype=float),
        }
    )
    return matrix, classes, r.notes


def _spatial_markov(
    name: str, wide: pd.DataFrame, w: Any, options: dict[str, Any]
) -> tuple[Any, ...]:
    from cosyn.analysis.markov import spatial_markov

    if "k" in options:
        r = spatial_markov(wide, w, k=options["k"])
    else:
        r = spatial_markov(wide, w, edges=options["edges"], labels=options["labels"])
    table = r.table()
    table.insert(0, "series", name)
    tests = pd.DataFrame(
        {
            "series": [name],
            "LR": [r.LR],
            "LR_p": [r.LR_p],
            "Q": [r.Q],
            "Q_p": [r.Q_p],
            "dof": [r.dof],
        }
    )
    return table, tests, r.notes


# -- the pipeline ------------------------------------------------------------------------


#: Weight methods computed from the data: with ``weights_scope = "entity"`` each entity
#: has its own weights.
DATA_WEIGHTS: tuple[str, ...] = ("entropy", "critic", "cv", "combined")

BOUNDS_NOTE = (
    "Order degrees are measured against each entity's own range "
    '(method.bounds = "entity"): '
    "μ, U and D place an entity within its own history, so the comparisons across entities "
    "(group statistics, Gini, Theil, σ- and β-convergence, kernel density, Moran's I, LISA, "
    'Markov classes) compare those positions, not levels; method.bounds = "panel" measures '
    "every entity against one range and makes entities comparable."
)
WEIGHTS_NOTE = (
    'The weights differ between entities (method.weights_scope = "entity"): each entity\'s '
    "order degrees weigh its indicators differently, so the comparisons across entities "
    'compare numbers built with different weights; method.weights_scope = "panel" gives '
    "every entity the same weights."
)


def comparability_notes(result: Result) -> tuple[str, ...]:
    """Notes on what the comparisons across entities compare, from the spec's method.

    - ``bounds = "entity"`` (METHOD.md §1) with an indicator without explicit bounds:
      each entity's order degrees are measured against the range of its own periods, so
      every cross-entity statistic compares each entity's position in its own history
      (:data:`BOUNDS_NOTE`); ``bounds = "panel"`` makes the entities comparable.
    - ``weights_scope = "entity"`` with weights computed from the data
      (:data:`DATA_WEIGHTS`) that do differ between entities: the entities' order degrees
      weigh the indicators differently (:data:`WEIGHTS_NOTE`).

    Empty for a single entity.
    """
    spec = result.spec
    if len(result.entities) < 2:
        return ()
    notes = []
    method = spec.method
    own_range = any(i.lower is None or i.upper is None for i in spec.indicators)
    if method.bounds == "entity" and own_range:
        notes.append(BOUNDS_NOTE)
    w = np.asarray(result.weight_values, dtype=float)
    differ = not np.array_equal(w, np.broadcast_to(w[0], w.shape), equal_nan=True)
    if method.weights_scope == "entity" and method.weights in DATA_WEIGHTS and differ:
        notes.append(WEIGHTS_NOTE)
    return tuple(notes)


def analyse(result: Result) -> AnalysisResult | None:
    """The spatio-temporal analysis the spec's ``[analysis]`` asks for (None without one).

    Parameters
    ----------
    result : Result
        A fitted model; its ``spec.analysis`` says what to analyse.

    Returns
    -------
    AnalysisResult or None

    Raises
    ------
    DataError
        The groups cannot be resolved (a missing file, an entity without a group, a name
        that is no province) or a series has values the analysis cannot use.
    SpecError
        The spatial extra is not installed (one message naming
        ``pip install 'cosyn[spatial]'``), or ``series`` names ``coupling`` but the fit
        has none.

    Notes
    -----
    The group, weights and extra problems stop the analysis; a method that is undefined
    for one series or period does not: it is left out and ``notes`` says why.
    """
    a: Analysis | None = result.spec.analysis
    if a is None:
        return None
    wide = series_tables(result, a.series)
    groups = resolve_groups(result.spec, result.panel)
    notes: list[str] = list(comparability_notes(result))
    require_spatial("[analysis] (Markov chains, Moran's I, LISA)")
    w = None
    if a.weights is not None:
        w, found = resolve_weights(result.spec, result.panel)
        notes += found
    else:
        notes.append(
            "No spatial weights (analysis.weights): Moran's I, LISA and the spatial Markov "
            "chain are not computed."
        )
    if "synergy" in wide:
        notes.append(
            "The synergy degree U can be negative: Dagum Gini, Theil, σ- and β-convergence "
            "(which need values ≥ 0) are computed for the order degrees μ and the coupling "
            "coordination degree D only."
        )
    if a.classes == "levels" and "order" in a.series:
        notes.append(
            f"The order degrees μ have no level scale: their Markov classes are {a.k} "
            "quantiles of all their values pooled over the periods."
        )
    if groups is None:
        notes.append(
            "No groups (analysis.groups): group statistics, Dagum Gini and Theil are not "
            "computed; σ-convergence is for the whole panel only."
        )
    if w is not None and a.permutations == 0:
        notes.append(
            "analysis.permutations = 0: Moran's I has the normal approximation only, and "
            "LISA (whose significance needs permutations) is not computed."
        )
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in _COLUMNS}

    def run(what: str, name: str, into: tuple[str, ...], step: Callable[[], Any]) -> None:
        """Append the frame(s) ``step`` returns to the tables ``into``; a DataError of
        one series and method becomes a note, the other analyses go on."""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                made = step()
        except DataError as exc:
            notes.append(f"{what} of series {name!r} is not computed: {exc}")
            return
        for c in caught:  # a library's warning (e.g. fewer quantile classes) is a note
            if not issubclass(c.category, DeprecationWarning | RuntimeWarning):
                notes.append(f"{what} of series {name!r}: {c.message}")
        made = made if isinstance(made, tuple) else (made,)
        if len(made) > len(into):  # the method's own notes come last
            notes.extend(f"{what} of series {name!r}: {n}" for n in made[-1])
        for table, frame in zip(into, made, strict=False):
            tables[table].append(frame)

    for name, frame in wide.items():
        nonnegative = name != "synergy"
        if groups is not None:
            tables["group_stats"].append(_group_stats(name, frame, groups))
            if nonnegative:
                gini_tables = ("gini", "gini_within", "gini_between")
                run("Dagum Gini", name, gini_tables, partial(_gini, name, frame, groups))
                run("Theil", name, ("theil", "theil_groups"), partial(_theil, name, frame, groups))
        if nonnegative:
            run("σ-convergence", name, ("sigma",), partial(_sigma, name, frame, groups))
            run("β-convergence", name, ("beta",), partial(_beta, name, frame))
        density_tables = ("density", "density_curves")
        run("Kernel density", name, density_tables, partial(_density, name, frame, a.bandwidth))
        if w is not None:
            run("Moran's I", name, ("moran",), partial(_moran, name, frame, w, a))
            if a.permutations > 0:
                run("LISA", name, ("lisa",), partial(_lisa, name, frame, w, a))
        options = markov_classes(result, name, a)
        run(
            "Markov chain",
            name,
            ("markov", "markov_classes"),
            partial(_markov, name, frame, options),
        )
        if w is not None:
            run(
                "Spatial Markov chain",
                name,
                ("spatial_markov", "spatial_markov_tests"),
                partial(_spatial_markov, name, frame, w, options),
            )

    out = {
        name: (pd.concat(parts, ignore_index=True) if parts else _empty(name))
        for name, parts in tables.items()
    }
    out["values"] = _long(wide)
    out["groups"] = (
        _empty("groups")
        if groups is None
        else pd.DataFrame(
            {"entity": groups.index.to_numpy(dtype=object), "group": groups.to_numpy()}
        )
    )
    return AnalysisResult(**out, notes=tuple(notes))
