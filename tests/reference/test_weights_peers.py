"""Weight kernels cross-checked against peer libraries (test-only dependencies).

Conventions of the peers, read from their sources (scikit-criteria 0.10,
``skcriteria/preprocessing/weighters.py``; pyrepo-mcda 0.1.15,
``pyrepo_mcda/weighting_methods.py`` and ``normalizations.py``):

* scikit-criteria ``entropy_weights(matrix)``: ``scipy.stats.entropy(matrix,
  base=len(matrix), axis=0)`` — scipy divides each column by its sum (p = x / Σx), uses
  0·ln 0 = 0 and logarithm base n, i.e. E = −Σ p ln p / ln n; w = (1 − E) / Σ(1 − E).
  Same as cosyn for non-negative columns with a positive sum (a zero-sum column is NaN
  there, weight 0 in cosyn — not compared).
* scikit-criteria ``critic_weights(matrix, objectives, correlation="pearson",
  scale=True)``: with ``scale=True`` the matrix is first min-max scaled by
  ``matrix_scale_by_cenit_distance`` (respecting ``objectives``); with ``scale=False``
  it is used as given. σ is ``np.std`` (ddof = 0), r is ``DataFrame.corr("pearson")``.
  cosyn uses the matrix as given and ddof = 1; the ddof only rescales every C_i by the
  same factor, so the weights agree.
* pyrepo-mcda ``entropy_weighting(matrix)``: ``sum_normalization`` with every criterion
  as profit (p = x / Σx), then ``abs``, then −Σ p ln p / ln m skipping p = 0
  (0·ln 0 = 0). Same as cosyn for non-negative input.
* pyrepo-mcda ``coeff_var_weighting(matrix)``: sum normalisation, then σ (ddof = 1) /
  mean per column — scale-free, so equal to cosyn's σ / mean of the raw values.
* pyrepo-mcda ``critic_weighting(matrix)``: ``minmax_normalization`` with every criterion
  as profit, then ``np.std`` (ddof = 0) and Pearson r. Fed a matrix that is already
  min-max scaled (every column has min 0 and max 1) its own scaling is the identity, so
  both libraries see the same matrix.

Random matrices come from ``numpy.random.default_rng`` with fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyrepo_mcda import weighting_methods as pyrepo
from skcriteria.preprocessing import weighters as skc

from cosyn.methods.weights import critic_weights, cv_weights, entropy_weights

SEEDS = [0, 1, 2, 3, 20240501]
SHAPES = [(3, 2), (5, 4), (12, 7), (30, 3)]


def positive_matrix(seed: int, shape: tuple[int, int]) -> np.ndarray:
    """Strictly positive values spanning two orders of magnitude."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 10.0, size=shape) * rng.uniform(1.0, 100.0, size=shape[1])


def minmax(x: np.ndarray) -> np.ndarray:
    """Min-max scaling of each column to [0, 1] (all criteria as benefit)."""
    lo = x.min(axis=0)
    return (x - lo) / (x.max(axis=0) - lo)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_equals_skcriteria(seed, shape):
    x = positive_matrix(seed, shape)
    np.testing.assert_allclose(entropy_weights(x), skc.entropy_weights(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_equals_pyrepo(seed, shape):
    x = positive_matrix(seed, shape)
    np.testing.assert_allclose(
        entropy_weights(x), pyrepo.entropy_weighting(x), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_with_zero_entries_equals_both_peers(seed):
    # All three take 0·ln 0 = 0. Min-max scaled data have a 0 in every column (the
    # column minimum), which is what cosyn's default entropy input (order degrees u with
    # margin 0) looks like.
    u = minmax(positive_matrix(seed, (8, 5)))
    assert np.all(u.min(axis=0) == 0.0)
    w = entropy_weights(u)
    np.testing.assert_allclose(w, skc.entropy_weights(u), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w, pyrepo.entropy_weighting(u), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_critic_equals_skcriteria_unscaled(seed, shape):
    # Same input to both: scikit-criteria with scale=False uses the matrix as given.
    u = minmax(positive_matrix(seed, shape))
    objectives = np.ones(shape[1], dtype=int)
    theirs = skc.critic_weights(u, objectives, correlation="pearson", scale=False)
    np.testing.assert_allclose(critic_weights(u), theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_critic_on_raw_values_equals_skcriteria_unscaled(seed):
    # Unscaled raw values too: the kernel must not rescale (scale=False is like for like).
    x = positive_matrix(seed, (9, 4))
    theirs = skc.critic_weights(x, np.ones(4, dtype=int), scale=False)
    np.testing.assert_allclose(critic_weights(x), theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_critic_of_minmax_scaled_equals_skcriteria_scaled(seed):
    # scikit-criteria's own min-max step (scale=True, all objectives max) on the raw
    # matrix equals cosyn on the matrix min-max scaled beforehand.
    x = positive_matrix(seed, (10, 5))
    theirs = skc.critic_weights(x, np.ones(5, dtype=int), scale=True)
    np.testing.assert_allclose(critic_weights(minmax(x)), theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_critic_equals_pyrepo(seed, shape):
    # pyrepo-mcda min-max scales internally; an already scaled matrix is left as it is,
    # so both see the same u.
    u = minmax(positive_matrix(seed, shape))
    np.testing.assert_allclose(
        critic_weights(u), pyrepo.critic_weighting(u), rtol=1e-10, atol=1e-14
    )
    # ... and pyrepo on the raw matrix is the same thing.
    x = positive_matrix(seed, shape)
    np.testing.assert_allclose(
        critic_weights(minmax(x)), pyrepo.critic_weighting(x), rtol=1e-10, atol=1e-14
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_cv_equals_pyrepo(seed):
    # pyrepo-mcda's coeff_var_weighting sum-normalises each column first (x / Σx), which
    # leaves σ / mean unchanged, and uses ddof = 1 like cosyn: same input, same weights.
    x = positive_matrix(seed, (7, 4))
    np.testing.assert_allclose(cv_weights(x), pyrepo.coeff_var_weighting(x), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Batched form: leading axes (e.g. entities) are computed at once
# ---------------------------------------------------------------------------------------


def batch_of_matrices() -> np.ndarray:
    """Shape (E, n, m) = (5, 6, 4), including the edge conventions per matrix."""
    rng = np.random.default_rng(7)
    x = rng.uniform(0.0, 5.0, size=(5, 6, 4))
    x[1, :, 2] = 0.0  # a zero-sum column in one entity only (weight 0 there)
    x[2] = 3.0  # every column uniform in another entity (equal weights there)
    x[3, 0, :] = 0.0  # zero entries (0·ln 0 = 0)
    return x


def test_entropy_batched_equals_stacked():
    x = batch_of_matrices()
    batched = entropy_weights(x)
    stacked = np.stack([entropy_weights(x[e]) for e in range(x.shape[0])])
    assert batched.shape == (5, 4)
    np.testing.assert_allclose(batched, stacked, rtol=1e-14, atol=1e-15)
    assert batched[1, 2] == 0.0
    np.testing.assert_allclose(batched[2], 0.25)
    np.testing.assert_allclose(batched.sum(axis=-1), 1.0)


def test_entropy_two_batch_axes_equal_stacked():
    x = batch_of_matrices().reshape(5, 1, 6, 4).repeat(2, axis=1)  # (E, T, n, m)
    batched = entropy_weights(x)
    assert batched.shape == (5, 2, 4)
    for e in range(5):
        for t in range(2):
            np.testing.assert_allclose(batched[e, t], entropy_weights(x[e, t]), rtol=1e-14)


def test_critic_and_cv_batched_equal_stacked():
    x = batch_of_matrices() + 1.0  # positive means for cv
    for kernel in (critic_weights, cv_weights):
        batched = kernel(x)
        stacked = np.stack([kernel(x[e]) for e in range(x.shape[0])])
        np.testing.assert_allclose(batched, stacked, rtol=1e-12, atol=1e-15)
