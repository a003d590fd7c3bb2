"""Benchmark ``cosyn.fit`` against the per-entity loop a user writes today.

Three timings on one random panel (entities × periods × indicators, two subsystems):

(a) ``cosyn.fit(frame, spec)`` with the default method (bounds per entity with margin
    0.1, entropy weights per entity, weighted sum, synergy path from the first period);
    no table is accessed (tables are built lazily);
(b) a plain Python loop over the entities of the same frame, doing METHOD.md §1–§4 per
    entity with NumPy and scikit-criteria's ``entropy_weights`` — run on a subset of
    entities and scaled linearly to the full count;
(c) one ``cube.copy()`` of the (E, T, I) float64 cube, the floor any array pipeline pays.

The synergy values of (b) must equal those of (a) for the entities the loop ran, or the
script exits with status 1. Targets: fit ≥ 50× faster than the loop, and fit ≤ 10× the
time of one copy of the cube.

Run from the repository root::

    python benchmarks/bench_fit.py                     # 10,000 × 30 × 40
    python benchmarks/bench_fit.py --entities 200 --periods 8 --indicators 6 --repeat 1
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from skcriteria.preprocessing.weighters import entropy_weights

import cosyn

MARGIN = 0.1  # METHOD.md §1, default margin
SPEEDUP_TARGET = 50.0  # fit at least 50× faster than the per-entity loop
COPY_TARGET = 10.0  # fit at most 10× the time of one copy of the cube
RTOL, ATOL = 1e-9, 1e-12  # agreement of the loop with fit


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entities", type=int, default=10_000, help="entities (default 10000)")
    p.add_argument("--periods", type=int, default=30, help="periods (default 30)")
    p.add_argument("--indicators", type=int, default=40, help="indicators (default 40)")
    p.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    p.add_argument(
        "--loop-entities",
        type=int,
        default=500,
        help="entities the per-entity loop runs on before scaling (default 500)",
    )
    p.add_argument("--seed", type=int, default=20240501, help="random seed")
    args = p.parse_args(argv)
    if args.entities < 1 or args.periods < 2 or args.indicators < 2 or args.repeat < 1:
        p.error("need --entities ≥ 1, --periods ≥ 2, --indicators ≥ 2, --repeat ≥ 1")
    if args.loop_entities < 1:
        p.error("need --loop-entities ≥ 1")
    args.loop_entities = min(args.loop_entities, args.entities)
    return args


# -- data -------------------------------------------------------------------------------
def make_spec(n_indicators: int) -> tuple[dict[str, Any], list[str], list[list[int]]]:
    """Two subsystems (first half ``a``, second half ``b``); every fourth indicator is
    negative. Returns the spec dict, the indicator columns and each subsystem's columns
    as positions."""
    width = len(str(n_indicators))
    columns = [f"x{i + 1:0{width}d}" for i in range(n_indicators)]
    half = n_indicators // 2
    groups = [list(range(half)), list(range(half, n_indicators))]
    subsystems = {
        name: {"indicators": {columns[i]: "-" if i % 4 == 3 else "+" for i in idx}}
        for name, idx in zip(("a", "b"), groups, strict=True)
    }
    spec = {"entity": "entity", "period": "period", "subsystems": subsystems}
    return spec, columns, groups


def make_cube(n_e: int, n_t: int, n_i: int, seed: int) -> np.ndarray:
    """Positive values: a level per entity and indicator, a trend, and noise."""
    rng = np.random.default_rng(seed)
    level = rng.lognormal(mean=3.0, sigma=1.5, size=(n_e, 1, n_i))
    trend = rng.normal(0.03, 0.04, size=(n_e, 1, n_i))
    t = np.arange(n_t, dtype=float)[None, :, None]
    noise = rng.normal(0.0, 0.08, size=(n_e, n_t, n_i))
    return level * np.exp(trend * t + noise)


def make_frame(cube: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """Wide layout: entity, period, one column per indicator; rows entity-major."""
    n_e, n_t, n_i = cube.shape
    width = len(str(n_e))
    entities = np.array([f"e{e:0{width}d}" for e in range(n_e)], dtype=object)
    frame = pd.DataFrame(cube.reshape(n_e * n_t, n_i), columns=columns)
    frame.insert(0, "period", np.tile(np.arange(2000, 2000 + n_t), n_e))
    frame.insert(0, "entity", np.repeat(entities, n_t))
    return frame


# -- the per-entity pipeline, as a user writes it today ---------------------------------
def per_entity_loop(
    frame: pd.DataFrame, columns: list[str], groups: list[list[int]], negative: np.ndarray
) -> dict[str, np.ndarray]:
    """METHOD.md §1–§4 for one entity at a time; returns {entity: U over t1 = 2..T}."""
    out = {}
    for entity, block in frame.groupby("entity", sort=False):
        block = block.sort_values("period")
        X = block[columns].to_numpy(dtype=float)  # (T, I)
        # §1 efficacy coefficient, bounds over this entity's periods widened by the margin
        hi = X.max(axis=0)
        lo = X.min(axis=0)
        upper = hi + MARGIN * np.abs(hi)
        lower = lo - MARGIN * np.abs(lo)
        u = (X - lower) / (upper - lower)
        u[:, negative] = (upper[negative] - X[:, negative]) / (upper - lower)[negative]
        # §2–§3 entropy weights per subsystem, weighted sum
        mu = np.empty((X.shape[0], len(groups)))
        for j, idx in enumerate(groups):
            uj = u[:, idx]
            w = entropy_weights(uj)
            mu[:, j] = uj @ w
        # §4 synergy from the first period to every later one
        delta = mu[1:] - mu[0]
        theta = np.where(delta.min(axis=1) > 0, 1.0, -1.0)
        out[entity] = theta * np.prod(np.abs(delta), axis=1) ** (1.0 / len(groups)) + 0.0
    return out


def size(nbytes: int) -> str:
    """Bytes in MiB, or KiB below 1 MiB."""
    return f"{nbytes / 2**20:,.0f} MiB" if nbytes >= 2**20 else f"{nbytes / 2**10:,.0f} KiB"


# -- timing -----------------------------------------------------------------------------
def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, float, Any]:
    """Fastest wall time (time.perf_counter) and fastest CPU time of this process, all
    threads (time.process_time), of ``repeat`` calls; and the last result."""
    best = cpu = float("inf")
    result = None
    for _ in range(repeat):
        result = None  # let the previous result go before timing the next call
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return best, cpu, result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    E, T, n_ind, n_loop = args.entities, args.periods, args.indicators, args.loop_entities
    spec, columns, groups = make_spec(n_ind)
    negative = np.array([i % 4 == 3 for i in range(n_ind)])

    cube = make_cube(E, T, n_ind, args.seed)
    frame = make_frame(cube, columns)
    subset = frame.iloc[: n_loop * T]  # the first n_loop entities (rows are entity-major)

    print(f"cosyn.fit benchmark — {E:,} entities × {T} periods × {n_ind} indicators")
    print(
        f"  subsystems a, b of {len(groups[0])} and {len(groups[1])} indicators; "
        f"{int(negative.sum())} negative (every fourth); seed {args.seed}; "
        f"best of {args.repeat}"
    )
    print(
        f"  python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, cosyn {cosyn.__version__}"
    )
    print(
        f"  {platform.machine()} {platform.system()}, os.cpu_count() = {os.cpu_count()}, "
        f"OPENBLAS_CORETYPE = {os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print(f"  cube {size(cube.nbytes)} float64, frame {len(frame):,} rows")
    print()

    def run_fit() -> cosyn.Result:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cosyn.CosynWarning)
            return cosyn.fit(frame, spec)

    t_fit, c_fit, res = best_of(args.repeat, run_fit)
    t_loop, c_loop, loop = best_of(
        args.repeat, lambda: per_entity_loop(subset, columns, groups, negative)
    )
    t_copy, c_copy, _ = best_of(args.repeat, cube.copy)

    # the loop must reproduce fit's synergy values for the entities it ran
    rows = res.entities.get_indexer(list(loop))
    ours = res.synergy_values[rows]
    theirs = np.vstack(list(loop.values()))
    same = ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    diff = float(np.max(np.abs(ours - theirs))) if ours.shape == theirs.shape else float("nan")

    t_loop_full, c_loop_full = t_loop * E / n_loop, c_loop * E / n_loop
    speedup, speedup_cpu = t_loop_full / t_fit, c_loop_full / c_fit
    per_copy, per_copy_cpu = t_fit / t_copy, c_fit / c_copy

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    w = 46

    def row(label: str, seconds: float, cpu: float) -> None:
        print(f"{label:<{w}} {seconds:>10.4f} {cpu:>10.4f}")

    print(f"{'timing, seconds (best of ' + str(args.repeat) + ')':<{w}} {'wall':>10} {'CPU':>10}")
    row(f"(a) cosyn.fit(frame, spec), {E:,} entities", t_fit, c_fit)
    row(f"(b) per-entity loop, {n_loop:,} entities measured", t_loop, c_loop)
    row(f"    scaled linearly to {E:,} entities (×{E / n_loop:g})", t_loop_full, c_loop_full)
    row(f"(c) cube.copy(), {size(cube.nbytes)}", t_copy, c_copy)
    print()
    print(f"{'ratio':<{w}} {'wall':>10} {'CPU':>10}  target (wall)")
    print(
        f"{'fit speed-up over the loop (scaled)':<{w}} {speedup:>9.1f}× {speedup_cpu:>9.1f}×  "
        f"≥ {SPEEDUP_TARGET:g}×  {verdict(speedup >= SPEEDUP_TARGET)}"
    )
    print(
        f"{'fit time / copy time':<{w}} {per_copy:>9.1f}× {per_copy_cpu:>9.1f}×  "
        f"≤ {COPY_TARGET:g}×  {verdict(per_copy <= COPY_TARGET)}"
    )
    print(
        "  (CPU: this process's time in all threads; on a shared machine wall time carries "
        "the other processes' load, so compare ratios within one run)"
    )
    print()
    print(
        f"synergy of the loop vs fit, {theirs.shape[0]:,} entities × {theirs.shape[-1]} "
        f"periods: max |diff| = {diff:.3g} (rtol {RTOL:g}, atol {ATOL:g}) — "
        + ("agree" if same else "DIFFER")
    )
    if not same:
        print("error: the per-entity loop and cosyn.fit disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
