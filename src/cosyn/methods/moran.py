"""Moran's I and local Moran (LISA) with their permutation inference, every period at once.

Pure NumPy/SciPy kernels: values entity axis first, ``(n, T)`` for ``T`` periods; the
weights a SciPy sparse matrix in the entities' order (no labels, no files). They follow
PySAL's ``esda`` (``Moran`` and ``Moran_Local``, esda 2.x) operation for operation — the
statistics and their moments in esda's order of operations, the reference distributions
under randomisation with esda's algorithms, conventions and the very same permutations
drawn from the same seed — so they reproduce esda's numbers, ``p_sim`` included, while
compiling nothing and looping over neither entities nor permutations: esda's local Moran
runs its conditional randomisation in numba code compiled on the first call in every
process (tens of seconds), its global Moran evaluates each permutation in a Python loop,
and both rebuild the weights' sparse matrix on every call (one call per period).

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

What differs from esda
    Not the random stream: the same seed gives the same permutations and the same
    ``p_sim`` (the tests compare them bit for bit). Only the evaluation differs: the
    permuted sums are added in another order than numba's, so a permuted statistic
    that equals the observed one up to the last bit (a tie, e.g. from repeated values)
    could be counted on the other side; with continuous values this does not happen.

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
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:  # SciPy comes with the spatial extra; imported where it is used
    from scipy import sparse

__all__ = [
    "GlobalPermutation",
    "LocalPermutation",
    "LocalStatistics",
    "MoranStatistics",
    "conditional_draws",
    "folded_p",
    "global_moran_permutations",
    "local_moran_permutations",
    "local_moran_statistics",
    "moran_statistics",
    "total_permutations",
    "weight_sums",
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
    return _permutation_rows(_generator(seed), n, permutations)


def _permutation_rows(rs: np.random.RandomState, n: int, rows: int) -> NDArray[np.intp]:
    """The next ``rows`` permutations of ``0 … n − 1`` from ``rs``, one row each."""
    out = np.empty((rows, n), dtype=np.intp)
    for r in range(rows):  # short calls into NumPy; esda's stream, row by row
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
    from scipy import sparse

    m = sparse.csr_matrix(w, dtype=float, copy=True)
    if m.shape != (n, n):
        raise ValueError(f"the weights are {m.shape[0]} × {m.shape[1]}; the values have n = {n}")
    return m


def _by_period(y: ArrayLike, what: str) -> NDArray[np.float64]:
    """Values as a C-contiguous (T, n) array: each period's reductions then sum in the
    order NumPy uses for a single period's vector (esda's, to the last bit)."""
    return np.ascontiguousarray(_panel(y, what).T)


@dataclass(frozen=True)
class MoranStatistics:
    """Global Moran's I per period with its moments (esda's ``Moran`` attributes).

    Attributes (arrays of shape (T,); ``n``, ``s0``, ``s1``, ``s2`` scalars)
    ----------
    I, EI : ``(n / S0) · z'Wz / z'z`` and ``−1/(n − 1)``.
    VI_norm, z_norm, p_norm : variance under normality, z-value, two-sided p.
    VI_rand, z_rand, p_rand : variance under randomisation (kurtosis-corrected), z, p.
    """

    I: NDArray[np.float64]  # noqa: E741 - the statistic's published name
    EI: float
    VI_norm: float
    z_norm: NDArray[np.float64]
    p_norm: NDArray[np.float64]
    VI_rand: NDArray[np.float64]
    z_rand: NDArray[np.float64]
    p_rand: NDArray[np.float64]
    n: int
    s0: float
    s1: float
    s2: float


def weight_sums(w: sparse.spmatrix | sparse.sparray) -> tuple[float, float, float]:
    """``S0 = Σ_ij w_ij``, ``S1 = ½ Σ_ij (w_ij + w_ji)²``, ``S2 = Σ_i (w_i· + w_·i)²``
    (Cliff and Ord 1981, p. 19), as libpysal's ``W.s0``, ``s1``, ``s2``."""
    from scipy import sparse

    m = sparse.csr_matrix(w, dtype=float)
    s0 = float(m.sum())
    t = m + m.T
    s1 = float(t.multiply(t).sum() / 2.0)
    rows = np.asarray(m.sum(axis=1)).ravel()
    cols = np.asarray(m.sum(axis=0)).ravel()
    s2 = float(((rows + cols) ** 2).sum())
    return s0, s1, s2


def moran_statistics(y: ArrayLike, w: sparse.spmatrix | sparse.sparray) -> MoranStatistics:
    """Global Moran's I and its normal and randomisation moments, every period at once.

    ``z = y − ȳ``; ``I = (n / S0) · z'Wz / z'z``; ``E[I] = −1/(n − 1)``;
    ``Var_N[I] = (n²S1 − nS2 + 3S0²) / ((n² − 1) S0²) − E[I]²``;
    ``Var_R[I] = (n((n² − 3n + 3)S1 − nS2 + 3S0²) − b2((n² − n)S1 − 2nS2 + 6S0²)) /
    ((n − 1)(n − 2)(n − 3) S0²) − E[I]²`` with the kurtosis ``b2 = (Σz⁴/n) / (Σz²/n)²``
    (Cliff and Ord 1981, eqs. 1.35–1.36); p-values two-sided, from the side of z. The
    operations are esda's ``Moran`` (2.x), in its order, so the numbers equal esda's.

    Parameters
    ----------
    y : array (n,) or (n, T)
    w : sparse matrix (n, n)
        The weights as used (e.g. row-standardised).
    """
    from scipy import stats

    yt = _by_period(y, "y")  # (T, n)
    n = yt.shape[1]
    m = _csr(w, n)
    s0, s1, s2 = weight_sums(m)
    z = yt - yt.mean(axis=1, keepdims=True)
    z2ss = (z * z).sum(axis=1)
    ei = -1.0 / (n - 1)
    n2, s02 = n * n, s0 * s0
    vi_norm = (n2 * s1 - n * s2 + 3 * s02) / ((n - 1) * (n + 1) * s02) - (1.0 / (n - 1)) ** 2
    k = ((z**4).sum(axis=1) / n) / ((z**2).sum(axis=1) / n) ** 2
    a = n * ((n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02)
    b = k * ((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
    with np.errstate(divide="ignore", invalid="ignore"):
        vi_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s02) - ei * ei
        lag = np.asarray(m @ z.T).T  # (T, n)
        inum = (z * lag).sum(axis=1)
        i = n / s0 * inum / z2ss
        z_norm = (i - ei) / vi_norm ** (1 / 2.0)
        z_rand = (i - ei) / vi_rand ** (1 / 2.0)
    p_norm = 2.0 * np.where(z_norm > 0, stats.norm.sf(z_norm), stats.norm.cdf(z_norm))
    p_rand = 2.0 * np.where(z_norm > 0, stats.norm.sf(z_rand), stats.norm.cdf(z_rand))
    return MoranStatistics(
        I=i,
        EI=ei,
        VI_norm=float(vi_norm),
        z_norm=z_norm,
        p_norm=p_norm,
        VI_rand=vi_rand,
        z_rand=z_rand,
        p_rand=p_rand,
        n=n,
        s0=s0,
        s1=s1,
        s2=s2,
    )


@dataclass(frozen=True)
class LocalStatistics:
    """Local Moran's I per entity and period (esda's ``Moran_Local`` attributes).

    Attributes, arrays of shape (n, T)
    ----------
    Is : ``(n − 1) · z_i · lag_i / Σ z²``.
    z : the standardised values ``(y − ȳ)/σ`` (population σ).
    lag : ``Σ_j w_ij z_j``.
    q : quadrant codes 1 HH, 2 LH, 3 LL, 4 HL (``z > 0`` high, ``lag > 0`` high).
    """

    Is: NDArray[np.float64]
    z: NDArray[np.float64]
    lag: NDArray[np.float64]
    q: NDArray[np.int64]


def local_moran_statistics(y: ArrayLike, w: sparse.spmatrix | sparse.sparray) -> LocalStatistics:
    """Local Moran's I, the standardised values, their spatial lag and quadrant.

    ``z = (y − ȳ)/σ``; ``I_i = (n − 1) · z_i · Σ_j w_ij z_j / Σ_k z_k²`` (Anselin 1995,
    eq. 12, with esda's scaling ``n − 1``); quadrants as esda's ``q`` with
    ``geoda_quads=False``. The operations are esda's ``Moran_Local``, in its order.
    """
    yt = _by_period(y, "y")  # (T, n)
    n = yt.shape[1]
    m = _csr(w, n)
    z = yt - yt.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        z /= yt.std(axis=1, keepdims=True)
    lag = np.asarray(m @ z.T).T  # (T, n)
    den = (z * z).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        is_ = (n - 1) * z * lag / den
    hi, lag_hi = z > 0, lag > 0
    q = np.select([hi & lag_hi, ~hi & lag_hi, ~hi & ~lag_hi], [1, 2, 3], 4)
    return LocalStatistics(Is=is_.T.copy(), z=z.T.copy(), lag=lag.T.copy(), q=q.T.astype(np.int64))


def _off_diagonal(m: sparse.csr_matrix) -> sparse.csr_matrix:
    """The stored non-zero entries off the diagonal, each row's in their stored order
    (esda's ``setdiag(0)`` and ``eliminate_zeros``, without SciPy's efficiency warning)."""
    from scipy import sparse

    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    keep = (rows != m.indices) & (m.data != 0)
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=m.shape[0]), out=indptr[1:])
    return sparse.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=m.shape)


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
    yt = _by_period(y, "y")  # (T, n)
    periods, n = yt.shape
    obs = np.asarray(observed, dtype=float).reshape(-1)
    if obs.shape != (periods,):
        raise ValueError(f"observed must hold one I per period ({periods}), got {obs.shape}")
    if permutations < 1:
        raise ValueError(f"permutations must be 1 or more, got {permutations}")
    m = _csr(w, n)
    zt = yt - yt.mean(axis=1, keepdims=True)
    z2ss = (zt * zt).sum(axis=1)  # (T,), summed as esda sums one period
    z = np.ascontiguousarray(zt.T)  # (n, T)
    s0 = m.sum()
    rs = _generator(seed)
    sim = np.empty((permutations, periods))
    step = max(1, _CHUNK // (3 * n * periods))
    for lo in range(0, permutations, step):  # chunks of permutations, bounded memory
        c = min(step, permutations - lo)
        idx = _permutation_rows(rs, n, c)  # the next c of esda's permutations
        cols = z[idx.T].reshape(n, c * periods)  # (n, c, T) → (n, c·T), no copy
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
    EI_sim, seI_sim, z_sim : ndarray (n, T) or None
        Mean and (population) standard deviation of each entity's permuted I_i, and
        ``(I_i − EI_sim) / seI_sim`` (None unless asked for with ``moments=True``).
    """

    p_sim: NDArray[np.float64]
    EI_sim: NDArray[np.float64] | None = None
    seI_sim: NDArray[np.float64] | None = None
    z_sim: NDArray[np.float64] | None = None


def local_moran_permutations(
    z: ArrayLike,
    w: sparse.spmatrix | sparse.sparray,
    observed: ArrayLike,
    permutations: int = 999,
    seed: int | np.random.RandomState = 0,
    *,
    moments: bool = False,
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
    moments : bool
        Also give the mean, standard deviation and z of each permuted distribution.

    Returns
    -------
    LocalPermutation

    Notes
    -----
    The work is ``R · Σ_i k_i · T`` multiply-adds, done as sparse products over chunks of
    entities (memory bounded by ``_CHUNK`` entries); weights linking every pair of
    entities (inverse distance without a band) make it ``R · n² · T``.
    """
    from scipy import sparse

    zt = _by_period(z, "z")  # (T, n)
    periods, n = zt.shape
    zz = np.ascontiguousarray(zt.T)  # (n, T)
    obs = np.asarray(observed, dtype=float)
    obs = obs[:, None] if obs.ndim == 1 else obs
    if obs.shape != (n, periods):
        raise ValueError(f"observed must have shape {(n, periods)}, got {obs.shape}")
    if permutations < 1:
        raise ValueError(f"permutations must be 1 or more, got {permutations}")
    m = _off_diagonal(_csr(w, n))
    card = np.diff(m.indptr)
    k_max = int(card.max()) if n else 0
    index = np.int32 if n < 2**31 - 1 else np.int64
    draws = conditional_draws(n, k_max, permutations, seed).astype(index)  # (R, k_max)
    scaling = (n - 1) / (zt * zt).sum(axis=1)  # (T,), summed as esda sums one period

    larger = np.zeros((n, periods), dtype=np.int64)
    ei = np.zeros((n, periods)) if moments else None
    se = np.zeros((n, periods)) if moments else None
    per_entity = permutations * (max(k_max, 1) + 2 * periods)
    step = max(1, _CHUNK // per_entity)
    slots = np.arange(k_max)
    for lo in range(0, n, step):  # chunks of entities, bounded memory
        ids = np.arange(lo, min(lo + step, n), dtype=index)
        c = len(ids)
        k = card[lo : lo + c]
        # Entity of each (entity, draw, slot): the draw among the others, shifted past i.
        who = draws[None, :, :] + (draws[None, :, :] >= ids[:, None, None])  # (c, R, k_max)
        row_w = m.data[m.indptr[lo] : m.indptr[lo + c]]  # each row's weights, CSR order
        if (k == k_max).all():  # every row full (k nearest neighbours): no padding
            cols = who.reshape(-1)
            data = np.broadcast_to(row_w.reshape(c, 1, k_max), who.shape).reshape(-1)
        else:
            full = slots < k[:, None]  # (c, k_max)
            wts = np.zeros((c, k_max))
            wts[full] = row_w
            used = np.broadcast_to(full[:, None, :], who.shape)
            cols = who[used]
            data = np.broadcast_to(wts[:, None, :], who.shape)[used]
        indptr = np.zeros(c * permutations + 1, dtype=np.int64)
        np.cumsum(np.repeat(k, permutations), out=indptr[1:])
        s = sparse.csr_matrix((data, cols, indptr), shape=(c * permutations, n))
        lag = np.asarray(s @ zz).reshape(c, permutations, periods)  # (c, R, T)
        sim = zz[lo : lo + c, None, :] * lag  # esda's order: (z_i · lag) · scaling
        sim *= scaling
        larger[lo : lo + c] = (sim >= obs[lo : lo + c, None, :]).sum(axis=1)
        if ei is not None and se is not None:
            ei[lo : lo + c] = sim.mean(axis=1)
            se[lo : lo + c] = sim.std(axis=1)
    p_sim = folded_p(larger, permutations)
    if ei is None or se is None:
        return LocalPermutation(p_sim=p_sim)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = (obs - ei) / se
    return LocalPermutation(p_sim=p_sim, EI_sim=ei, seI_sim=se, z_sim=zs)
