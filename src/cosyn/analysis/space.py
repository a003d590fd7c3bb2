"""Spatial weights, global Moran's I and local Moran (LISA), wrapping PySAL.

The statistics are PySAL's own (``libpysal`` for the weights, ``esda`` for Moran's I and
LISA); this module aligns them to entity labels, checks the inputs a user can get wrong
(unknown names, islands, missing or constant values) and returns labelled results.
PySAL is imported only inside the functions: without it they raise
:class:`~cosyn.errors.SpecError` naming the extra, ``pip install 'cosyn[spatial]'``.

Conventions
-----------
- Weights are symmetrised (a pair given one way counts both ways) and row-standardised
  by default (``transform="r"``, each row sums to 1), the convention of GeoDa and of the
  literature the analysis follows (Anselin 1995).
- The statistics follow esda (``Moran``, ``Moran_Local``) operation for operation and
  equal its numbers (the tests compare every field): they are computed by
  :mod:`cosyn.methods.moran` for every period at once, with esda's permutation
  inference (total randomisation for I, conditional randomisation for Ii; Anselin 1995)
  on esda's own permutations drawn from the same seed (NumPy's legacy Mersenne Twister),
  so ``p_sim`` equals esda's — without esda's numba compilation (tens of seconds on the
  first local Moran in a process), its per-permutation Python loop for I, or its
  rebuilding of the weights' sparse matrix on every call.
- ``seed`` makes the permutation inference reproducible; every period of a wide input
  uses the same ``seed`` (the same permutations). ``seed=None`` draws from NumPy's
  global generator as esda does, whose state is restored afterwards, so other code is
  unaffected.

References
----------
Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika* 37:17–23.
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes*. Pion, London.
Anselin, L. (1995). Local indicators of spatial association — LISA. *Geographical
Analysis* 27(2):93–115.
Rey, S. J. and Anselin, L. (2007). PySAL: a Python library of spatial analytical methods.
*The Review of Regional Studies* 37(1):5–27.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import math
import warnings
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from cosyn.errors import CosynWarning, DataError, SpecError, quote
from cosyn.io.read import label_text, read_table
from cosyn.methods.moran import (
    global_moran_permutations,
    local_moran_permutations,
    local_moran_statistics,
    moran_statistics,
)

__all__ = [
    "DENSE_WARNING",
    "QUADRANTS",
    "MoranResult",
    "local_moran",
    "moran",
    "neighbour_weights",
    "weights_from_coordinates",
    "weights_from_geometry",
]

#: esda's ``Moran_Local.q`` codes (``geoda_quads=False``) and their names: 1 HH
#: (value and lag above the mean), 2 LH, 3 LL, 4 HL.
QUADRANTS: dict[int, str] = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
NOT_SIGNIFICANT = "not significant"
NO_NEIGHBOURS = "no neighbours"

_TRANSFORMS = ("r", "b", "o", "v", "d")


def _pysal(module: str, what: str) -> Any:
    """Import a PySAL (or geopandas) module, or raise the one message naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = "geo" if module.startswith("geopandas") else "spatial"
        raise SpecError(
            f"{what} needs the {extra} extra: pip install 'cosyn[{extra}]' "
            f"(the module {module!r} is not installed)"
        ) from None


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed NumPy's global generator for esda, restoring its previous state afterwards."""
    state = np.random.get_state()  # noqa: NPY002 - esda draws from the global generator
    if seed is not None:
        np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _global_stream() -> np.random.RandomState:
    """A copy of NumPy's global generator, which esda permutes with when not seeded: the
    same permutations as esda's, the global state left as it was."""
    rs = np.random.RandomState()  # esda's stream
    rs.set_state(np.random.get_state())  # noqa: NPY002
    return rs


def _nearest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    return f"{name!r} (nearest: {close[0]!r})" if close else repr(name)


def _entity_keys(entities: Sequence[Hashable]) -> dict[str, int]:
    """Text key of each entity → its position; two entities with one text are an error."""
    keys: dict[str, int] = {}
    for i, e in enumerate(entities):
        key = label_text(e).strip()
        if not key:
            raise DataError(f"entity {i + 1} has an empty name; every entity needs a name")
        if key in keys:
            raise DataError(f"the entity {key!r} appears twice; entity names must be unique")
        keys[key] = i
    return keys


def _pair_frame(neighbours: Any) -> tuple[pd.DataFrame, str]:
    """The neighbour pairs as a frame with columns a, b (and weight) and a place name."""
    if isinstance(neighbours, str | Path):
        where = f"neighbours file {str(neighbours)!r}"
        frame = read_table(neighbours)
    elif isinstance(neighbours, pd.DataFrame):
        where, frame = "the neighbour pairs", neighbours
    else:
        raise DataError(
            "neighbours must be a frame of pairs (entity_a, entity_b, optional weight), the "
            f"path of such a CSV file, or a libpysal W; got {type(neighbours).__name__}"
        )
    cols = [str(c) for c in frame.columns]
    if {"entity_a", "entity_b"} <= set(cols):
        use = ["entity_a", "entity_b"] + (["weight"] if "weight" in cols else [])
        frame = frame[use]
    elif len(cols) not in (2, 3):
        raise DataError(
            f"{where} needs the columns entity_a, entity_b (and optionally weight), or just "
            f"two or three columns; it has {len(cols)}: {cols!r}"
        )
    out = pd.DataFrame({"a": frame.iloc[:, 0].to_numpy(), "b": frame.iloc[:, 1].to_numpy()})
    if frame.shape[1] == 3:
        w = pd.to_numeric(frame.iloc[:, 2], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(
                f"{where}: the weight on row {row + 2} is {quote(frame.iloc[row, 2])}; a weight "
                "must be a positive number (leave a pair out for no link)"
            )
        out["weight"] = w
    else:
        out["weight"] = 1.0
    return out, where


def _links_from_pairs(
    pairs: pd.DataFrame, where: str, keys: dict[str, int]
) -> dict[tuple[int, int], float]:
    """Symmetric links {(i, j): weight} from the pairs, every name checked."""
    unknown: list[str] = []
    links: dict[tuple[int, int], float] = {}
    for row, (a, b, w) in enumerate(pairs.itertuples(index=False, name=None)):
        ka, kb = label_text(a).strip(), label_text(b).strip()
        if not ka or not kb:
            raise DataError(f"{where}: row {row + 2} has an empty entity name")
        missing = [k for k in (ka, kb) if k not in keys]
        if missing:
            unknown.extend(k for k in missing if k not in unknown)
            continue
        i, j = keys[ka], keys[kb]
        if i == j:
            raise DataError(
                f"{where}: row {row + 2} links {ka!r} with itself; a region is not its own "
                "neighbour"
            )
        pair = (min(i, j), max(i, j))
        if pair in links and not math.isclose(links[pair], w, rel_tol=1e-12):
            raise DataError(
                f"{where}: the pair {ka!r}–{kb!r} is given twice with different weights "
                f"({links[pair]!r} and {w!r}); give each pair once"
            )
        links[pair] = float(w)
    if unknown:
        known = list(keys)
        raise DataError(
            f"{where} names {len(unknown)} region(s) that are not among the entities: "
            + ", ".join(_nearest(u, known) for u in unknown)
        )
    return links


def _build_w(
    entities: Sequence[Hashable],
    links: dict[tuple[int, int], float],
    island: str,
    transform: str,
    where: str,
    known_islands: frozenset[str] = frozenset(),
) -> Any:
    """A libpysal W in the entities' order from directed links {(i, j): weight}."""
    weights_mod = _pysal("libpysal.weights", "Spatial weights")
    n = len(entities)
    nbrs: list[list[int]] = [[] for _ in range(n)]
    wts: list[list[float]] = [[] for _ in range(n)]
    for (i, j), w in sorted(links.items()):  # directed: j is a neighbour of i
        nbrs[i].append(j)
        wts[i].append(w)
    lonely = [entities[i] for i in range(n) if not nbrs[i]]
    # Islands of a given W were accepted (and reported) when that W was built.
    fresh = [e for e in lonely if label_text(e).strip() not in known_islands]
    if fresh and island != "keep":
        raise DataError(
            f"{where}: {len(fresh)} entit{'y has' if len(fresh) == 1 else 'ies have'} no "
            f"neighbour: {', '.join(quote(e) for e in fresh)}; add a link for each (e.g. "
            "to the nearest region) or pass island='keep'"
        )
    ids = list(entities)
    neighbors = {ids[i]: [ids[j] for j in nbrs[i]] for i in range(n)}
    weights = {ids[i]: list(wts[i]) for i in range(n)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_obj = weights_mod.W(neighbors, weights, id_order=ids, silence_warnings=True)
        w_obj.transform = transform
    if fresh:
        warnings.warn(
            f"{len(fresh)} entit{'y has' if len(fresh) == 1 else 'ies have'} no neighbour "
            f"({', '.join(quote(e) for e in fresh)}): kept as PySAL islands, with a zero "
            "spatial lag; Moran's I counts them in n but not in the weights",
            CosynWarning,
            stacklevel=3,
        )
    return w_obj


def _both_ways(pairs: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """Directed links from undirected pairs: each pair counts both ways."""
    return {**pairs, **{(j, i): w for (i, j), w in pairs.items()}}


def _check_options(island: str, transform: str) -> None:
    if island not in ("error", "keep"):
        raise SpecError(f"island must be 'error' or 'keep', got {island!r}")
    if transform not in _TRANSFORMS:
        raise SpecError(
            f"transform must be one of {list(_TRANSFORMS)!r} ('r' row-standardised, 'b' "
            f"binary, 'o' the given weights), got {transform!r}"
        )


def _realign(w: Any, entities: Sequence[Hashable], island: str, transform: str) -> Any:
    """A given libpysal W, checked against the entities and put in their order."""
    keys = _entity_keys(entities)
    by_text = {label_text(i).strip(): i for i in w.id_order}
    unknown = [k for k in keys if k not in by_text]
    if unknown:
        raise DataError(
            "the spatial weights have no region for "
            + ", ".join(_nearest(u, list(by_text)) for u in unknown)
        )
    original = w.transform
    w.transform = "o"
    links: dict[tuple[int, int], float] = {}
    try:
        for key, i in keys.items():
            own = by_text[key]
            for nb, wt in zip(w.neighbors[own], w.weights[own], strict=True):
                j = keys.get(label_text(nb).strip())
                if j is not None and j != i:
                    links[(i, j)] = float(wt)  # as given: an asymmetric W stays asymmetric
    finally:
        w.transform = original
    known = frozenset(label_text(i).strip() for i in w.islands)
    return _build_w(entities, links, island, transform, "the spatial weights", known)


def neighbour_weights(
    neighbours: Any,
    entities: Sequence[Hashable],
    *,
    island: Literal["error", "keep"] = "error",
    transform: str = "r",
) -> Any:
    """Spatial weights (a libpysal ``W``) from neighbour pairs, in the entities' order.

    Parameters
    ----------
    neighbours : DataFrame, str, Path or libpysal W
        Pairs of neighbouring regions: a frame with columns ``entity_a``, ``entity_b``
        and optionally ``weight`` (or any two or three columns in that order), the path
        of a CSV/XLSX file with those columns (read by :func:`cosyn.io.read_table`:
        UTF-8, or GB18030 for Chinese Excel's CSV), or an existing libpysal ``W`` (as
        from :func:`weights_from_geometry`), which is checked, re-ordered and subset to
        the entities with its links and weights as given (k-nearest-neighbour weights
        stay asymmetric); its own islands stay islands whatever ``island`` says (they
        were accepted when it was built).
    entities : sequence
        The entity labels, in the order of the values the weights will be used with.
        Names are compared as text (``1`` and ``"1"`` are one region).
    island : {"error", "keep"}
        An entity with no neighbour is an error naming it (default), or is kept as a
        PySAL island (a zero row of W, a zero spatial lag), with a
        :class:`~cosyn.errors.CosynWarning`.
    transform : str
        libpysal's transformation: ``"r"`` row-standardised (default), ``"b"`` binary,
        ``"o"`` the given weights, ``"v"``, ``"d"``.

    Returns
    -------
    libpysal.weights.W
        ``w.id_order`` is ``list(entities)``.

    Notes
    -----
    Pairs are symmetrised: a pair given one way counts both ways; a pair given twice
    must carry one weight. A region named in the pairs that is not among the entities
    is an error listing every such name with its nearest entity (a typo is likelier than
    an intended omission); pairs between two regions outside the analysis must be
    removed from the list first. A pair linking a region with itself is an error.

    Raises
    ------
    DataError
        Unknown names, self-links, conflicting or non-positive weights, entities without
        neighbours (unless ``island="keep"``), duplicate entity names.
    SpecError
        Bad ``island``/``transform``; libpysal not installed.
    """
    _check_options(island, transform)
    entities = list(entities)
    if type(neighbours).__module__.startswith("libpysal"):
        return _realign(neighbours, entities, island, transform)
    keys = _entity_keys(entities)
    pairs, where = _pair_frame(neighbours)
    links = _links_from_pairs(pairs, where, keys)
    return _build_w(entities, _both_ways(links), island, transform, where)


def weights_from_geometry(
    path: str | Path,
    name_column: str,
    entities: Sequence[Hashable],
    contiguity: Literal["queen", "rook"] = "queen",
    *,
    island: Literal["error", "keep"] = "error",
    transform: str = "r",
) -> Any:
    """Contiguity weights from a geometry file (GeoJSON, Shapefile, GeoPackage).

    Queen contiguity: two regions are neighbours when their boundaries share at least a
    point; rook: at least an edge (libpysal ``Queen``/``Rook.from_dataframe``). Features
    whose name is not among the entities are left out before the contiguity is built;
    every entity must name exactly one feature.

    Parameters
    ----------
    path : str or Path
        A file geopandas reads.
    name_column : str
        The column of the file holding the entity names (compared as text).
    entities : sequence
        The entity labels, in the order of the values.
    contiguity : {"queen", "rook"}
    island, transform
        As in :func:`neighbour_weights`.

    Raises
    ------
    DataError
        Missing file or column; an entity with no feature (named, with the nearest
        name in the file); two features with one name.
    SpecError
        Bad ``contiguity``; geopandas or libpysal not installed.
    """
    if contiguity not in ("queen", "rook"):
        raise SpecError(f"contiguity must be 'queen' or 'rook', got {contiguity!r}")
    _check_options(island, transform)
    gpd = _pysal("geopandas", "Weights from a geometry file")
    weights_mod = _pysal("libpysal.weights", "Spatial weights")
    p = Path(path)
    if not p.exists():
        raise DataError(f"geometry file {str(p)!r} does not exist")
    try:
        frame = gpd.read_file(p)
    except Exception as exc:  # any reader failure is about the user's file
        raise DataError(f"geometry file {str(p)!r} cannot be read: {exc}") from None
    if name_column not in frame.columns:
        cols = [str(c) for c in frame.columns if c != frame.geometry.name]
        raise DataError(
            f"geometry file {str(p)!r} has no column {name_column!r}; its columns: {cols!r}"
        )
    entities = list(entities)
    keys = _entity_keys(entities)
    names = [label_text(v).strip() for v in frame[name_column]]
    seen: set[str] = set()
    for name in names:
        if name in keys and name in seen:
            raise DataError(
                f"geometry file {str(p)!r}: the name {name!r} is on more than one feature "
                f"in column {name_column!r}; dissolve them into one region first"
            )
        seen.add(name)
    missing = [k for k in keys if k not in seen]
    if missing:
        raise DataError(
            f"geometry file {str(p)!r} has no feature for {len(missing)} entit"
            f"{'y' if len(missing) == 1 else 'ies'}: "
            + ", ".join(_nearest(m, sorted(seen)) for m in missing)
        )
    keep = [i for i, name in enumerate(names) if name in keys]
    sub = frame.iloc[keep].reset_index(drop=True)
    order = [keys[names[i]] for i in keep]
    builder = weights_mod.Queen if contiguity == "queen" else weights_mod.Rook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w0 = builder.from_dataframe(sub, use_index=True, silence_warnings=True)
    links: dict[tuple[int, int], float] = {}
    for a, nbs in w0.neighbors.items():
        for b in nbs:
            i, j = order[a], order[b]
            links[(min(i, j), max(i, j))] = 1.0
    return _build_w(entities, _both_ways(links), island, transform, f"geometry file {str(p)!r}")


#: Entities above which inverse-distance weights between every pair draw a warning.
DENSE_WARNING = 1_000


def weights_from_coordinates(
    frame: pd.DataFrame,
    x: str,
    y: str,
    k: int | None = None,
    *,
    distance: Literal["inverse"] | None = None,
    power: float = 1.0,
    entity: str | None = None,
    transform: str = "r",
) -> Any:
    """Weights from point coordinates: k nearest neighbours or inverse distance.

    Parameters
    ----------
    frame : DataFrame
        One row per entity with the coordinate columns; the entity labels are the index,
        or the column ``entity`` when given. Their order is the order of ``w.id_order``.
    x, y : str
        Coordinate columns (projected units, or longitude/latitude for a rough layout).
    k : int, optional
        Number of nearest neighbours (libpysal ``KNN``; 4 when neither ``k`` nor
        ``distance`` is given). KNN weights are not symmetric (j among i's k nearest does
        not imply the converse); they are kept as libpysal builds them. With
        ``distance="inverse"``: the inverse-distance weights among each entity's ``k``
        nearest neighbours (the same neighbours, weighted ``d_ij^-power``).
    distance : {"inverse"}, optional
        Inverse-distance weights ``w_ij = d_ij^-power``: among the ``k`` nearest
        neighbours when ``k`` is given, else between every pair of entities (libpysal
        ``DistanceBand`` with a threshold above the largest distance, ``binary=False``).
        Every pair linked makes LISA's conditional permutations cost ``permutations × n²``
        per period; above :data:`DENSE_WARNING` entities a
        :class:`~cosyn.errors.CosynWarning` says so and suggests ``k``.
    power : float
        The exponent of the inverse distance (1 by default; 2 for gravity weights).
    entity : str, optional
        Column of entity labels (default: the index).
    transform : str
        As in :func:`neighbour_weights` (row-standardised by default).

    Raises
    ------
    DataError
        Missing or non-numeric coordinates (naming the entity), duplicate entities,
        two linked entities at one point (inverse distance).
    SpecError
        ``k`` not a whole number below the number of entities; a bad ``distance`` or
        ``power``.
    """
    _check_options("error", transform)
    weights_mod = _pysal("libpysal.weights", "Spatial weights")
    for col in (x, y) + ((entity,) if entity else ()):
        if col not in frame.columns:
            raise DataError(
                f"the coordinates have no column {col!r}; columns: "
                f"{[str(c) for c in frame.columns]!r}"
            )
    ids = list(frame[entity]) if entity else list(frame.index)
    _entity_keys(ids)
    xy = frame[[x, y]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise DataError(
            "coordinates missing or not numbers for "
            + ", ".join(quote(ids[i]) for i in np.flatnonzero(bad))
        )
    n = len(ids)
    if distance not in (None, "inverse"):
        raise SpecError(f"distance must be 'inverse' or omitted, got {distance!r}")
    if distance is not None and not (
        isinstance(power, int | float) and not isinstance(power, bool) and power > 0
    ):
        raise SpecError(f"power must be a positive number, got {power!r}")
    if k is None and distance is None:
        k = 4
    if k is not None and (
        isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k < n
    ):
        raise SpecError(f"k must be a whole number from 1 to {n - 1}, got {k!r}")
    if k is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = weights_mod.KNN.from_array(xy, k=int(k), ids=ids)
        if distance == "inverse":
            w = _inverse_knn(w, xy, ids, float(power), weights_mod)
    else:
        if n > DENSE_WARNING:
            warnings.warn(
                f"inverse distance without k links every pair of the {n} entities "
                f"({n * (n - 1):,} links): LISA's conditional permutations then cost "
                "permutations × n² per period (minutes for thousands of entities); give k to "
                "weight only the k nearest neighbours by inverse distance",
                CosynWarning,
                stacklevel=2,
            )
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        same = np.argwhere(np.triu(d == 0, k=1))
        if len(same):
            i, j = same[0]
            raise DataError(
                f"{quote(ids[i])} and {quote(ids[j])} are at the same point; inverse "
                "distance is infinite there (use k nearest neighbours, or move one point)"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = weights_mod.DistanceBand.from_array(
                xy, threshold=float(d.max()) * 1.01, binary=False, alpha=-float(power), ids=ids
            )
    w.transform = transform
    return w


def _inverse_knn(knn: Any, xy: np.ndarray, ids: list[Any], power: float, weights_mod: Any) -> Any:
    """The k-nearest-neighbour links of ``knn`` weighted by ``d_ij^-power``."""
    where = {e: i for i, e in enumerate(ids)}
    neighbors: dict[Any, list[Any]] = {}
    weights: dict[Any, list[float]] = {}
    for e in ids:
        i = where[e]
        nb = list(knn.neighbors[e])
        j = np.array([where[b] for b in nb], dtype=np.intp)
        d = np.hypot(xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1])
        if (d == 0).any():
            other = nb[int(np.argmax(d == 0))]
            raise DataError(
                f"{quote(e)} and {quote(other)} are at the same point; inverse distance is "
                "infinite there (use k nearest neighbours without distance, or move one point)"
            )
        neighbors[e] = nb
        weights[e] = list(d**-power)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return weights_mod.W(neighbors, weights, id_order=ids, silence_warnings=True)


# --------------------------------------------------------------------------- Moran


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I of one period, with its normal and permutation inference.

    Attributes
    ----------
    I : float
        ``I = (n / S0) · z'Wz / z'z`` with ``z = y − ȳ`` (Moran 1950; Cliff and Ord 1981).
    EI : float
        ``E[I] = −1 / (n − 1)``.
    VI_norm, z, p_norm : float
        Variance of I under the normality assumption (Cliff and Ord 1981, eq. 1.35), the
        z-value ``(I − E[I]) / √VI_norm`` and its two-sided p-value.
    VI_rand, z_rand, p_rand : float
        The same under randomisation (the kurtosis-corrected variance; spdep's
        ``moran.test`` default), p two-sided.
    p_sim : float
        Pseudo p-value from ``permutations`` random permutations (esda's convention:
        ``(min(#{I_perm ≥ I}, permutations − #{I_perm ≥ I}) + 1) / (permutations + 1)``,
        one-sided in the direction of the observed I); NaN without permutations.
    z_sim : float
        ``(I − mean(I_perm)) / sd(I_perm)``; NaN without permutations.
    n, permutations, seed : int
    notes : tuple of str
        Conventions a reader should know about (islands, …).
    """

    I: float  # noqa: E741 - the statistic's published name
    EI: float
    VI_norm: float
    z: float
    p_norm: float
    VI_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    z_sim: float
    n: int
    permutations: int
    seed: int | None
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        """The numbers as a plain dict (notes joined into one text)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "notes"}
        out["notes"] = "; ".join(self.notes)
        return out


_MORAN_COLUMNS = (
    "I",
    "EI",
    "VI_norm",
    "z",
    "p_norm",
    "VI_rand",
    "z_rand",
    "p_rand",
    "p_sim",
    "z_sim",
    "n",
    "permutations",
    "seed",
    "notes",
)


def _check_permutations(permutations: int, seed: int | None) -> None:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise SpecError(f"permutations must be a whole number, got {permutations!r}")
    if permutations < 0:
        raise SpecError(f"permutations must be 0 or more, got {permutations!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise SpecError(f"seed must be a whole number or None, got {seed!r}")
    if seed is not None and not 0 <= seed < 2**32:
        raise SpecError(f"seed must be from 0 to 2**32 - 1, got {seed!r}")


def _as_frame(values: pd.Series | pd.DataFrame, min_entities: int = 3) -> tuple[pd.DataFrame, bool]:
    """Values as an entities × periods frame of floats, and whether the input was wide."""
    if isinstance(values, pd.Series):
        frame, wide = values.to_frame(name=values.name if values.name is not None else 0), False
    elif isinstance(values, pd.DataFrame):
        frame, wide = values, True
    else:
        raise DataError(
            "values must be a pandas Series indexed by entity (one period) or a DataFrame "
            f"of entities × periods; got {type(values).__name__}"
        )
    if frame.shape[0] < min_entities:
        raise DataError(
            f"this analysis needs at least {min_entities} entities; the values have "
            f"{frame.shape[0]}"
        )
    if frame.shape[1] == 0:
        raise DataError("the values have no period (no column)")
    try:
        numbers = frame.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError):
        bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        raise DataError(
            f"the values of period(s) {', '.join(quote(c) for c in bad)} are not numbers"
        ) from None
    missing = np.argwhere(~np.isfinite(numbers.to_numpy()))
    if len(missing):
        cells = [
            f"{quote(numbers.index[i])} in {quote(numbers.columns[j])}" for i, j in missing[:5]
        ]
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise DataError(
            f"{len(missing)} value(s) missing or not finite: {', '.join(cells)}{more}; spatial "
            "statistics need every entity's value (drop the entity or fill the value)"
        )
    return numbers, wide


def _check_not_constant(y: np.ndarray, period: Any, wide: bool) -> None:
    if np.ptp(y) == 0 or np.allclose(y, y.mean(), rtol=0, atol=1e-12 * max(1.0, abs(y.mean()))):
        where = f" in period {quote(period)}" if wide else ""
        raise DataError(
            f"every entity has the same value{where} ({y[0]!r}); Moran's I is undefined "
            "(its denominator Σ(y − ȳ)² is zero)"
        )


def _weights_for(
    neighbours: Any, entities: Sequence[Hashable], island: Literal["error", "keep"]
) -> Any:
    """Row-standardised weights in the entities' order; a W that already is (as the
    analysis pipeline passes) is used as it is, not rebuilt."""
    if (
        type(neighbours).__module__.startswith("libpysal")
        and list(neighbours.id_order) == list(entities)
        and str(neighbours.transform).lower() == "r"
        and not neighbours.sparse.diagonal().any()
    ):
        return neighbours
    return neighbour_weights(neighbours, entities, island=island, transform="r")


def _island_notes(w: Any) -> tuple[str, ...]:
    if not w.islands:
        return ()
    return (
        f"{len(w.islands)} entit{'y' if len(w.islands) == 1 else 'ies'} without neighbours "
        f"kept as islands ({', '.join(quote(i) for i in w.islands)}): zero spatial lag",
    )


def moran(
    values: pd.Series | pd.DataFrame,
    neighbours: Any,
    permutations: int = 999,
    seed: int | None = 0,
    *,
    island: Literal["error", "keep"] = "error",
) -> MoranResult | pd.DataFrame:
    """Global Moran's I with normal-approximation and permutation inference (esda).

    ``I = (n / S0) · Σ_i Σ_j w_ij z_i z_j / Σ_i z_i²``, ``z = y − ȳ``, ``S0 = Σ_ij w_ij``
    (Moran 1950); ``E[I] = −1/(n − 1)``; the variance under normality and under
    randomisation as in Cliff and Ord (1981); the numbers of :class:`esda.Moran`, computed
    for all periods at once by :func:`cosyn.methods.moran.moran_statistics`. The
    permutation inference (``p_sim``, ``z_sim``) is esda's total randomisation, evaluated
    by :func:`cosyn.methods.moran.global_moran_permutations` on the permutations esda
    draws from the same seed (esda loops over them in Python).

    Parameters
    ----------
    values : Series or DataFrame
        A Series indexed by entity (one period), or a DataFrame of entities × periods.
    neighbours : DataFrame, path or libpysal W
        As in :func:`neighbour_weights`; row-standardised here.
    permutations : int
        Random permutations for ``p_sim`` (0: none, p_sim NaN).
    seed : int or None
        Seed of the permutations (see the module notes); None: NumPy's current state.
    island : {"error", "keep"}
        As in :func:`neighbour_weights`.

    Returns
    -------
    MoranResult or DataFrame
        A :class:`MoranResult` for a Series; for a DataFrame, one row per period (index
        ``period``) with the columns of :class:`MoranResult`.

    Raises
    ------
    DataError
        A missing value (naming entity and period), all values equal (I undefined), the
        weights problems of :func:`neighbour_weights`.
    """
    _check_permutations(permutations, seed)
    frame, wide = _as_frame(values)
    w = _weights_for(neighbours, list(frame.index), island)
    notes = _island_notes(w)
    for period in frame.columns:
        _check_not_constant(frame[period].to_numpy(), period, wide)
    y = frame.to_numpy()
    stats = moran_statistics(y, w.sparse)
    p_sim = z_sim = np.full(frame.shape[1], math.nan)
    if permutations:
        stream = int(seed) if seed is not None else _global_stream()
        inference = global_moran_permutations(y, w.sparse, stats.I, int(permutations), stream)
        p_sim, z_sim = inference.p_sim, inference.z_sim
    rows: dict[Any, MoranResult] = {}
    for t, period in enumerate(frame.columns):
        rows[period] = MoranResult(
            I=float(stats.I[t]),
            EI=float(stats.EI),
            VI_norm=float(stats.VI_norm),
            z=float(stats.z_norm[t]),
            p_norm=float(stats.p_norm[t]),
            VI_rand=float(stats.VI_rand[t]),
            z_rand=float(stats.z_rand[t]),
            p_rand=float(stats.p_rand[t]),
            p_sim=float(p_sim[t]),
            z_sim=float(z_sim[t]),
            n=int(stats.n),
            permutations=int(permutations),
            seed=None if seed is None else int(seed),
            notes=notes,
        )
    if not wide:
        return next(iter(rows.values()))
    out = pd.DataFrame([r.as_dict() for r in rows.values()], columns=list(_MORAN_COLUMNS))
    out.index = pd.Index(list(rows), name="period")
    return out


def local_moran(
    values: pd.Series | pd.DataFrame,
    neighbours: Any,
    permutations: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    *,
    island: Literal["error", "keep"] = "error",
) -> pd.DataFrame:
    """Local Moran's I (LISA) per entity, with its quadrant and permutation significance.

    ``I_i = (n − 1) · z_i · Σ_j w_ij z_j / Σ_k z_k²`` with ``z`` the values centred and
    divided by their (population) standard deviation (Anselin 1995): the numbers of
    :class:`esda.Moran_Local`, computed for all periods at once by
    :func:`cosyn.methods.moran.local_moran_statistics`. Its inference is esda's
    conditional randomisation (each entity's value held fixed, the other n − 1 values
    permuted and k_i of them put in its neighbours' places; Anselin 1995, §4; Rey and
    Anselin 2007), evaluated by :func:`cosyn.methods.moran.local_moran_permutations` as
    sparse products over chunks of entities, every period at once, on the permutations
    esda draws from the same seed — so ``p_sim`` equals esda's — but without esda's numba
    code, which is compiled on the first call in every process (tens of seconds).

    Quadrants from the sign of the value and of its spatial lag (esda's ``q``,
    ``geoda_quads=False``): 1 ``HH`` (z > 0, lag > 0), 2 ``LH`` (z ≤ 0, lag > 0), 3 ``LL``
    (z ≤ 0, lag ≤ 0), 4 ``HL`` (z > 0, lag ≤ 0); a value exactly at the mean counts as
    low. ``significant`` is ``p_sim < alpha``; ``cluster`` is the quadrant when
    significant, else ``"not significant"`` (an island: ``"no neighbours"``, p_sim NaN).

    Parameters
    ----------
    values : Series or DataFrame
        A Series indexed by entity, or a DataFrame of entities × periods.
    neighbours : DataFrame, path or libpysal W
        As in :func:`neighbour_weights`; row-standardised here.
    permutations : int
        Conditional permutations per entity (999 by default). 0 gives ``Ii`` and the
        quadrants only (p_sim NaN, nothing significant). The work grows as permutations
        × Σ neighbours × periods (about a second for 2,800 entities with 6 neighbours,
        20 periods and 999 permutations).
    seed : int or None
        Seed of the permutations (esda's ``Moran_Local(seed=…)``); None: a seed drawn
        from NumPy's global generator as esda does (its state restored after).
    alpha : float
        Significance level of ``p_sim`` (0 < alpha < 1).
    island : {"error", "keep"}

    Returns
    -------
    DataFrame
        For a Series: indexed by entity (index name ``entity``), columns ``Ii``, ``z``,
        ``lag`` (the spatial lag of z), ``quadrant``, ``p_sim``, ``significant``,
        ``cluster``. For a DataFrame: a long frame with columns ``entity``, ``period``
        and the same columns, entities within periods.

    Notes
    -----
    ``p_sim`` is esda's folded pseudo p-value (one-sided in the direction of I_i). With
    many entities, some are significant at 0.05 by chance alone; no multiple-comparison
    correction is applied (a smaller ``alpha``, e.g. a Bonferroni ``0.05 / n``, is the
    user's choice; Anselin 1995, §4).
    """
    _check_permutations(permutations, seed)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise SpecError(f"alpha must be a number between 0 and 1, got {alpha!r}")
    frame, wide = _as_frame(values)
    w = _weights_for(neighbours, list(frame.index), island)
    islands = set(w.islands)
    isl = np.array([e in islands for e in frame.index], dtype=bool)
    for period in frame.columns:
        _check_not_constant(frame[period].to_numpy(), period, wide)
    stats = local_moran_statistics(frame.to_numpy(), w.sparse)
    p_all = np.full(frame.shape, np.nan)
    if permutations:
        if seed is None:
            with _seeded(None):  # esda's draw of a seed from the global generator
                draw = int(np.random.randint(12345, 12345000))  # noqa: NPY002
        inference = local_moran_permutations(
            stats.z, w.sparse, stats.Is, int(permutations), draw if seed is None else int(seed)
        )
        p_all = inference.p_sim
    names = np.array([None, *(QUADRANTS[q] for q in sorted(QUADRANTS))], dtype=object)
    parts = []
    for t, period in enumerate(frame.columns):
        p = p_all[:, t].copy()
        p[isl] = np.nan
        quadrant = names[stats.q[:, t]]
        significant = (p < alpha) & ~isl
        cluster = np.where(significant, quadrant, NOT_SIGNIFICANT).astype(object)
        cluster[isl] = NO_NEIGHBOURS
        part = pd.DataFrame(
            {
                "Ii": stats.Is[:, t],
                "z": stats.z[:, t],
                "lag": stats.lag[:, t],
                "quadrant": quadrant,
                "p_sim": p,
                "significant": significant,
                "cluster": cluster,
            },
            index=pd.Index(frame.index, name="entity"),
        )
        if wide:
            part = part.reset_index()
            part.insert(1, "period", period)
        parts.append(part)
    if not wide:
        return parts[0]
    return pd.concat(parts, ignore_index=True)
