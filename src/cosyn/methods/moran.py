"""Permutation inference for Moran's I and local Moran (LISA), vectorised over periods.

Pure NumPy/SciPy kernels: values entity axis first, ``(n, T)`` for ``T`` periods; the
weights a SciPy sparse matrix in the entities' order (no labels, no files). The
statistics themselves (I, Ii, quadrants) are computed by the caller (PySAL's ``esda``);
these kernels give the reference distributions under randomisation and the pseudo
p-values, with the algorithms and conventions of ``esda`` (``Moran`` and
``Moran_Local``, esda 2.x), and draw the very same permutations from the same seed, so
they reproduce esda's ``p_sim`` and ``z_sim`` while compiling nothing: esda's local
Moran runs its conditional randomisation in numba code compiled on the first call in
every process (tens of seconds), and its global Moran evaluates each permutation in a
Python loop.

Global Moran (total randomisation; Cliff and Ord 1981, §2.3)
    the ``n`` values are permuted as a whole ``R`` times; for each permutation ``π``
    ``I_π = (n / S0) · z_π'W z_π / z'z``; all periods use the same ``R`` permutations
    (esda reseeds NumPy's generator with the same seed for each period).

Local Moran (conditional randomisation; Anselin 1995, §4)
    for each entity ``i`` its value ``z_i`` is held fixed and the other ``n − 1`` values
    are permuted; the first ``k_i`` of the permuted values (``k_i`` = i's neighbours)
    take the neighbours' places: ``I_i,π = z_i · Σ_m w_i,m z_(π(m)) · (n − 1) / Σ z²``.
    As in esda, one matrix of ``R`` draws of ``k_max`` distinct positions among
    ``0 … n − 2`` serves every entity: entity ``i`` reads position ``q`` as the ``q``-th
    of the other entities (``q`` itself below ``i``, ``q + 1`` from ``i`` on) and uses
    the first ``k_i`` columns, its weights in the order of its row of ``W`` (CSR order).

Pseudo p-value (esda's convention, which esda calls "directed")
    ``larger = #{I_π ≥ I}``; when ``R − larger < larger`` (the observed value lies in
    the lower half), ``larger = R − larger``; ``p_sim = (larger + 1) / (R + 1)``:
    one-sided in the direction of the observed statistic, so ``p_sim ≤ 0.5`` (Hope 1968;
    Besag and Diggle 1977 for the ``+1``). It is not esda's "folded" alternative (which
    measures ``|I_π − mean|``) nor a two-sided p-value.

Random stream
    NumPy's legacy Mersenne Twister (``numpy.random.RandomState``), which esda uses:
    global Moran takes ``R`` successive ``permutation(n)`` of a generator seeded with the
    seed; local Moran takes ``R`` successive ``permutation(n − 1)[:k_max]`` (numba's
    ``np.random.choice(n − 1, k_max, replace=False)`` in esda, which numba implements
    with the same Mersenne Twister, seeding and shuffle as NumPy). Generating the draws
    is the only step that walks the permutations one by one (``R`` short calls into
    NumPy, shared by every entity and period); the statistics are evaluated as sparse
    matrix products over chunks of entities × permutations.

References
----------
Anselin, L. (1995). Local indicators of spatial association — LISA. *Geographical
Analysis* 27(2):93–115.
Besag, J. and Diggle, P. J. (1977). Simple Monte Carlo tests for spatial pattern.
*Applied Statistics* 26(3):327–333.
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes*. Pion, London.
Hope, A. C. A. (1968). A simplified Monte Carlo significance test procedure. *JRSS B*
30(3):582–598.
Rey, S. J. and Anselin, L. (2007). PySAL: a Python library of spatial analytical methods.
*The Review of Regional Studies* 37(1):5–27 (esda's ``Moran``, ``Moran_Local`` and
``crand``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

__all__ = [
    "GlobalPermutation",
    "LocalPermutation",
    "conditional_draws",
    "folded_p",
    "global_moran_permutations",
    "local_moran_permutations",
    "total_permutations",
]

#: Stored entries (sparse non-zeros plus result cells) handled at once; bounds memory
#: to a few tens of MB whatever the number of entities, periods and permutations.
_CHUNK = 4_000_000


def folded_p(larger: ArrayLike, permutations: int) -> NDArray[np.float64]:
    """esda's pseudo p-value from the count of permuted statistics ≥ the observed one.

    ``larger ← min(larger, R − larger)``; ``p = (larger + 1) / (R + 1)``.

    Parameters
    ----------
    larger : array of int
        ``#{I_π ≥ I}`` per statistic.
    permutations : int
        ``R``, the number of permutations.

    Returns
    -------
    ndarray of float
        The pseudo p-values, each in ``[1/(R + 1), 1/2 + 1/(2(R + 1))]``.
    """
    count = np.asarray(larger, dtype=np.int64)
    count = np.minimum(count, permutations - count)
    return np.asarray((count + 1.0) / (permutations + 1.0), dtype=np.float64)


def _generator(seed: int | np.random.RandomState) -> np.random.RandomState:
    if isinstance(seed, np.random.RandomState):
        return seed
    return np.random.RandomState(seed)  # esda's stream, reproduced


def total_permutations(
    n: int, permutations: int, seed: int | np.random.RandomState
) -> NDArray[np.intp]:
    """``R`` permutations of ``0 … n − 1``, as esda's ``Moran`` draws them.

    Row ``r`` is the ``r``-th ``RandomState.permutation(n)`` of a generator seeded with
    ``seed`` (or the given generator, which is advanced).

    Returns
    -------
    ndarray of shape (permutations, n)
    """
    rs = _generator(seed)
    out = np.empty((permutations, n), dtype=np.intp)
    for r in range(permutations):  # R short calls into NumPy; esda's stream, row by row
        out[r] = rs.permutation(n)
    return out


def conditional_draws(
    n: int, k_max: int, permutations: int, seed: int | np.random.RandomState
) -> NDArray[np.intp]:
    """``R`` draws of ``k_max`` distinct positions among ``0 … n − 2`` (esda's ``crand``).

    Row ``r`` is ``RandomState.permutation(n − 1)[:k_max]``, the ``r``-th draw of a
    generator seeded with ``seed``: the ids esda's ``vec_permutations`` draws with
    numba's ``np.random.seed(seed)`` and ``np.random.choice(n − 1, k_max,
    replace=False)``.

    Returns
    -------
    ndarray of shape (permutations, k_max)
    """
    if not 0 <= k_max <= n - 1:
        raise ValueError(f"k_max must be from 0 to n − 1 = {n - 1}, got {k_max}")
    rs = _generator(seed)
    out = np.empty((permutations, k_max), dtype=np.intp)
    for r in range(permutations):  # R short calls into NumPy; esda's stream, row by row
        out[r] = rs.permutation(n - 1)[:k_max]
    return out


def _panel(z: ArrayLike, what: str) -> NDArray[np.float64]:
    a = np.asarray(z, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{what} must have shape (n,) or (n, T), got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what} must be finite")
    return a


def _csr(w: sparse.spmatrix | sparse.sparray, n: int) -> sparse.csr_matrix:
    m = sparse.csr_matrix(w, dtype=float, copy=True)
    if m.shape != (n, n):
        raise ValueError(f"the weights are {m.shape[0]} × {m.shape[1]}; the values have n = {n}")
    return m


@dataclass(frozen=True)
class GlobalPermutation:
    """Permutation inference of global Moran's I, one value per period.

    Attributes
    ----------
    p_sim : ndarray (T,)
        esda's pseudo p-value (see :func:`folded_p`).
    EI_sim, seI_sim, z_sim : ndarray (T,)
        Mean and (population) standard deviation of the permuted I's, and
        ``(I − EI_sim) / seI_sim``.
    sim : ndarray (permutations, T) or None
        The permuted I's, when asked for.
    """

    p_sim: NDArray[np.float64]
    EI_sim: NDArray[np.float64]
    seI_sim: NDArray[np.float64]
    z_sim: NDArray[np.float64]
    sim: NDArray[np.float64] | None = None


def global_moran_permutations(
    y: ArrayLike,
    w: sparse.spmatrix | sparse.sparray,
    observed: ArrayLike,
    permutations: int = 999,
    seed: int | np.random.RandomState = 0,
    *,
    keep: bool = False,
) -> GlobalPermutation:
    """Total-randomisation reference distribution of Moran's I for every period at once.

    For each of ``R`` permutations ``π`` (the same for every period, see
    :func:`total_permutations`) and each period ``t``:
    ``I_π,t = (n / S0) · z_π,t' W z_π,t / z_t'z_t`` with ``z_t = y_t − ȳ_t`` and
    ``S0 = Σ_ij w_ij``, as esda's ``Moran`` (which permutes in a Python loop).

    Parameters
    ----------
    y : array (n,) or (n, T)
        The values, entity axis first.
    w : sparse matrix (n, n)
        The spatial weights as used for the observed I (e.g. row-standardised).
    observed : array (T,)
        The observed I per period.
    permutations : int
        ``R`` ≥ 1.
    seed : int or numpy.random.RandomState
        Seed of esda's stream (a ``RandomState`` is used as is and advanced).
    keep : bool
        Also return the permuted I's.

    Returns
    -------
    GlobalPermutation
    """
    values = _panel(y, "y")
    n, periods = values.shape
    obs = np.asarray(observed, dtype=float).reshape(-1)
    if obs.shape != (periods,):
        raise ValueError(f"observed must hold one I per period ({periods}), got {obs.shape}")
    if permutations < 1:
        raise ValueError(f"permutations must be 1 or more, got {permutations}")
    m = _csr(w, n)
    z = values - values.mean(axis=0)
    z2ss = (z * z).sum(axis=0)
    s0 = m.sum()
    perms = total_permutations(n, permutations, seed)
    sim = np.empty((permutations, periods))
    step = max(1, _CHUNK // (3 * n * periods))
    for lo in range(0, permutations, step):  # chunks of permutations, bounded memory
        idx = perms[lo : lo + step]  # (c, n)
        c = len(idx)
        zp = z[idx]  # (c, n, T)
        cols = zp.transpose(1, 0, 2).reshape(n, c * periods)  # (n, c·T)
        lag = np.asarray(m @ cols)  # (n, c·T)
        num = np.einsum("ij,ij->j", cols, lag).reshape(c, periods)
        sim[lo : lo + c] = n / s0 * num / z2ss  # esda's order of operations
    larger = (sim >= obs).sum(axis=0)
    ei = sim.sum(axis=0) / permutations
    se = sim.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = (obs - ei) / se
    return GlobalPermutation(
        p_sim=folded_p(larger, permutations),
        EI_sim=ei,
        seI_sim=se,
        z_sim=zs,
        sim=sim if keep else None,
    )


@dataclass(frozen=True)
class LocalPermutation:
    """Conditional-randomisation inference of local Moran's I, per entity and period.

    Attributes
    ----------
    p_sim : ndarray (n, T)
        esda's pseudo p-value (see :func:`folded_p`).
    EI_sim, seI_sim, z_sim : ndarray (n, T)
        Mean and (population) standard deviation of each entity's permuted I_i, and
        ``(I_i − EI_sim) / seI_sim``.
    """

    p_sim: NDArray[np.float64]
    EI_sim: NDArray[np.float64]
    seI_sim: NDArray[np.float64]
    z_sim: NDArray[np.float64]


def local_moran_permutations(
    z: ArrayLike,
    w: sparse.spmatrix | sparse.sparray,
    observed: ArrayLike,
    permutations: int = 999,
    seed: int | np.random.RandomState = 0,
) -> LocalPermutation:
    """Conditional-randomisation reference distribution of local Moran's I (LISA).

    For entity ``i``, period ``t`` and draw ``r`` (see :func:`conditional_draws`):
    ``I_i,t,r = z_i,t · Σ_{m < k_i} w_i,m z_(o_i(d_r,m)),t · (n − 1) / Σ_j z_j,t²``, where
    ``o_i(q) = q + [q ≥ i]`` maps a draw among the other ``n − 1`` entities to an entity
    and ``w_i,m`` are the non-zero weights of row ``i`` of ``W`` in CSR order — esda's
    ``crand`` with ``_moran_local_crand`` (Anselin 1995; Rey and Anselin 2007).
    An entity without neighbours (an island) has a permuted I of 0, as in esda with its
    default ``island_weight = 0``.

    Parameters
    ----------
    z : array (n,) or (n, T)
        The standardised values, as esda's ``Moran_Local.z`` (``(y − ȳ)/σ``, population
        σ); the scaling ``(n − 1)/Σz²`` is computed from them.
    w : sparse matrix (n, n)
        The spatial weights used for the observed I_i (e.g. row-standardised); a diagonal
        is ignored.
    observed : array (n,) or (n, T)
        The observed I_i.
    permutations : int
        ``R`` ≥ 1.
    seed : int or numpy.random.RandomState
        Seed of esda's stream (esda's ``Moran_Local(seed=…)``).

    Returns
    -------
    LocalPermutation

    Notes
    -----
    The work is ``R · Σ_i k_i · T`` multiply-adds, done as sparse products over chunks of
    entities (memory bounded by ``_CHUNK`` entries); weights linking every pair of
    entities (inverse distance without a band) make it ``R · n² · T``.
    """
    zz = _panel(z, "z")
    n, periods = zz.shape
    obs = np.asarray(observed, dtype=float)
    obs = obs[:, None] if obs.ndim == 1 else obs
    if obs.shape != (n, periods):
        raise ValueError(f"observed must have shape {(n, periods)}, got {obs.shape}")
    if permutations < 1:
        raise ValueError(f"permutations must be 1 or more, got {permutations}")
    m = _csr(w, n)
    m.setdiag(0)
    m.eliminate_zeros()
    card = np.diff(m.indptr)
    k_max = int(card.max()) if n else 0
    draws = conditional_draws(n, k_max, permutations, seed)  # (R, k_max)
    scaling = (n - 1) / (zz * zz).sum(axis=0)  # (T,)

    larger = np.zeros((n, periods), dtype=np.int64)
    ei = np.zeros((n, periods))
    se = np.zeros((n, periods))
    per_entity = permutations * (max(k_max, 1) + 2 * periods)
    step = max(1, _CHUNK // per_entity)
    slots = np.arange(k_max)
    for lo in range(0, n, step):  # chunks of entities, bounded memory
        ids = np.arange(lo, min(lo + step, n))
        c = len(ids)
        k = card[ids]
        # Entity of each (entity, draw, slot): the draw among the others, shifted past i.
        who = draws[None, :, :] + (draws[None, :, :] >= ids[:, None, None])  # (c, R, k_max)
        used = np.broadcast_to((slots < k[:, None])[:, None, :], who.shape)
        # Weights of each entity's row, in CSR order, padded to k_max.
        wts = np.zeros((c, k_max))
        wts[(slots < k[:, None])] = m.data[m.indptr[lo] : m.indptr[lo + c]]
        data = np.broadcast_to(wts[:, None, :], who.shape)[used]
        indptr = np.concatenate(([0], np.cumsum(np.repeat(k, permutations))))
        s = sparse.csr_matrix((data, who[used], indptr), shape=(c * permutations, n))
        lag = np.asarray(s @ zz).reshape(c, permutations, periods)  # (c, R, T)
        zi = zz[ids][:, None, :]  # (c, 1, T)
        sim = zi * lag * scaling  # esda's order: z_i · lag · scaling
        larger[ids] = (sim >= obs[ids][:, None, :]).sum(axis=1)
        ei[ids] = sim.mean(axis=1)
        se[ids] = sim.std(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = (obs - ei) / se
    return LocalPermutation(p_sim=folded_p(larger, permutations), EI_sim=ei, seI_sim=se, z_sim=zs)
