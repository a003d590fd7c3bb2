"""Benchmark ``robustness_draws`` (draws in chunks of entities) against the unchunked kernel.

One random panel (entities × periods × indicators; two subsystems, the first and second
half of the indicators; every fourth indicator negative; entropy-like random weights per
entity), bounds per entity, weighted sum, synergy from the first period. Timed in one run,
each kernel in a fresh Python process of its own (so that each peak resident memory is its
own):

(a) ``robustness_draws`` with ``--draws`` draws (default 1,000): margins
    ``Uniform(0.05, 0.2)``, Dirichlet weights with κ = 50, bands of μ and U, stage and
    rank agreement, rank bands — wall time, CPU time of the process (all threads: on a
    shared, loaded machine the wall time grows with the load, the CPU time much less),
    and the peak resident memory of the process (``ru_maxrss``);
(b) the baseline: the same call on the kernel as it was before its draws ran in chunks
    (``robustness_unchunked.py``, every draw of every entity held in memory), with the
    same figures; the two results must agree to 1e-12 (the script exits with status 1 if
    not);
(c) the same work as a plain loop over draws, each draw running ``efficacy``,
    ``subsystem_order`` and ``synergy_path`` on the whole panel (vectorised over
    entities), ranking the entities and classifying the stages — on ``--loop-draws``
    draws, scaled linearly to ``--draws``. It draws the same random numbers as (a), so
    its synergy values must equal those of (a) (exit status 1 if not). The loop leaves
    out the final percentiles; that favours the loop.

Run from the repository root::

    python benchmarks/bench_robustness.py                  # 3,000 × 30 × 40, 1,000 draws
    python benchmarks/bench_robustness.py --entities 200 --periods 8 --indicators 6 \\
        --draws 100 --loop-draws 5
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from cosyn.methods import classify, efficacy, subsystem_order, synergy_path
from cosyn.methods.robustness import robustness_draws

MARGIN_RANGE = (0.05, 0.2)
CONCENTRATION = 50.0
STAGE_EDGES = (0.0, 0.3, 0.5, 0.8)
ATOL = 1e-12  # agreement of the loop with the kernel (the affine form rounds differently)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entities", type=int, default=3_000, help="entities (default 3000)")
    p.add_argument("--periods", type=int, default=30, help="periods (default 30)")
    p.add_argument("--indicators", type=int, default=40, help="indicators (default 40)")
    p.add_argument("--draws", type=int, default=1_000, help="Monte Carlo draws (default 1000)")
    p.add_argument(
        "--loop-draws",
        type=int,
        default=10,
        help="draws the per-draw loop runs on before scaling (default 10)",
    )
    p.add_argument("--workers", type=int, default=None, help="threads (default: all CPUs)")
    p.add_argument("--seed", type=int, default=20240501, help="random seed")
    p.add_argument("--no-baseline", action="store_true", help="leave out (b), the baseline")
    p.add_argument("--kernel", choices=["chunked", "unchunked"], help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.entities < 1 or args.periods < 2 or args.indicators < 2 or args.draws < 1:
        p.error("need --entities ≥ 1, --periods ≥ 2, --indicators ≥ 2, --draws ≥ 1")
    if args.loop_draws < 1:
        p.error("need --loop-draws ≥ 1")
    args.loop_draws = min(args.loop_draws, args.draws)
    return args


# -- data -------------------------------------------------------------------------------
def make_panel(
    n_e: int, n_t: int, n_i: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Values (E, T, I), directions, weights (E, I) and membership (I, 2)."""
    rng = np.random.default_rng(seed)
    level = rng.lognormal(mean=3.0, sigma=1.5, size=(n_e, 1, n_i))
    trend = rng.normal(0.03, 0.04, size=(n_e, 1, n_i))
    t = np.arange(n_t, dtype=float)[None, :, None]
    x = level * np.exp(trend * t + rng.normal(0.0, 0.08, size=(n_e, n_t, n_i)))
    positive = np.arange(n_i) % 4 != 3
    membership = np.zeros((n_i, 2), dtype=bool)
    membership[: n_i // 2, 0] = True
    membership[n_i // 2 :, 1] = True
    weights = rng.uniform(0.2, 1.0, size=(n_e, n_i))
    weights /= (weights @ membership)[:, membership.argmax(axis=1)]
    return x, positive, weights, membership


# -- the per-draw loop ------------------------------------------------------------------
def per_draw_loop(
    x: np.ndarray,
    positive: np.ndarray,
    weights: np.ndarray,
    membership: np.ndarray,
    draws: int,
    total: int,
    seed: int,
) -> np.ndarray:
    """The first ``draws`` of ``total`` draws, one at a time; returns U (draws, E, P)."""
    children = np.random.SeedSequence(seed).spawn(total)[:draws]
    support = weights > 0
    # each entity's weights from its own stream, one draw at a time (as the kernel's)
    streams = [
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32, e)))
        for e in range(weights.shape[0])
    ]
    sub = membership.argmax(axis=1)
    u_point = efficacy(x, positive, 0.1, axis=1)
    U_point, _, _ = synergy_path(subsystem_order(u_point, weights, membership))
    stage_point = classify(U_point, STAGE_EDGES)
    out = []
    for child in children:
        rng = np.random.default_rng(child)
        a = rng.uniform(*MARGIN_RANGE)
        g = np.zeros_like(weights)
        for e, stream in enumerate(streams):
            g[e, support[e]] = stream.standard_gamma(CONCENTRATION * weights[e, support[e]])
        w = g / (g @ membership)[:, sub]
        u = efficacy(x, positive, a, axis=1)  # §1, bounds per entity
        mu = subsystem_order(u, w, membership)  # §3
        U, _, _ = synergy_path(mu)  # §4
        order = np.argsort(-U, axis=0)  # rank of each entity within each period
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(1, U.shape[0] + 1)[:, None], axis=0)
        _ = (classify(U, STAGE_EDGES) == stage_point).sum(), rank
        out.append(U)
    return np.stack(out)


def size(nbytes: float) -> str:
    """Bytes in GiB, MiB or KiB."""
    if nbytes >= 2**30:
        return f"{nbytes / 2**30:,.2f} GiB"
    return f"{nbytes / 2**20:,.0f} MiB" if nbytes >= 2**20 else f"{nbytes / 2**10:,.0f} KiB"


def peak_rss() -> int:
    """Peak resident set size of this process in bytes (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


#: Arrays of the two results compared, and the keys of their figures.
COMPARED = (
    "synergy_p5",
    "synergy_median",
    "synergy_p95",
    "stage_agreement",
    "rank_p5",
    "rank_median",
    "rank_p95",
    "rank_agreement",
    "mu_p5",
    "mu_median",
    "mu_p95",
)


def kernel_kwargs(args: argparse.Namespace) -> dict:
    return {
        "bounds_axis": 1,
        "margin_range": MARGIN_RANGE,
        "concentration": CONCENTRATION,
        "seed": args.seed,
        "stage_edges": STAGE_EDGES,
        "workers": args.workers,
    }


def run_kernel(args: argparse.Namespace) -> int:
    """In a fresh process: one kernel on the panel; figures as JSON, bands to ``--out``."""
    x, positive, weights, membership = make_panel(
        args.entities, args.periods, args.indicators, args.seed
    )
    if args.kernel == "chunked":
        kernel = robustness_draws
    else:
        sys.path.insert(0, str(Path(__file__).parent))
        from robustness_unchunked import robustness_draws as kernel
    gc.collect()
    before = peak_rss()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    res = kernel(x, positive, weights, membership, draws=args.draws, **kernel_kwargs(args))
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    peak = peak_rss()
    np.savez(args.out, **{name: getattr(res, name) for name in COMPARED})
    print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak, "before": before}))
    return 0


def measure(args: argparse.Namespace, kernel: str, out: Path) -> dict:
    """Run one kernel in a fresh Python process and return its figures."""
    cmd = [
        sys.executable,
        __file__,
        f"--entities={args.entities}",
        f"--periods={args.periods}",
        f"--indicators={args.indicators}",
        f"--draws={args.draws}",
        f"--seed={args.seed}",
        f"--kernel={kernel}",
        f"--out={out}",
    ]
    if args.workers is not None:
        cmd.append(f"--workers={args.workers}")
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    figures: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.kernel:
        return run_kernel(args)
    E, T, n_ind, D, n_loop = (
        args.entities,
        args.periods,
        args.indicators,
        args.draws,
        args.loop_draws,
    )
    x, positive, weights, membership = make_panel(E, T, n_ind, args.seed)

    print(f"robustness_draws benchmark — {E:,} entities × {T} periods × {n_ind} indicators")
    print(
        f"  {D:,} draws; margin ~ Uniform{MARGIN_RANGE}, Dirichlet κ = {CONCENTRATION:g}; "
        f"subsystems of {int(membership[:, 0].sum())} and {int(membership[:, 1].sum())} "
        f"indicators, {int((~positive).sum())} negative; bounds per entity; weighted sum; "
        f"seed {args.seed}"
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"  python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()} {platform.system()}, CPUs available {cpus}, "
        f"workers {args.workers or cpus}, load average before {load[0]:.2f}"
    )
    print(f"  cube {size(x.nbytes)} float64; each kernel runs in a fresh process")
    print()

    with tempfile.TemporaryDirectory() as tmp:
        chunked = measure(args, "chunked", Path(tmp) / "chunked.npz")
        baseline = None
        if not args.no_baseline:
            baseline = measure(args, "unchunked", Path(tmp) / "unchunked.npz")
            a = np.load(Path(tmp) / "chunked.npz")
            b = np.load(Path(tmp) / "unchunked.npz")
            band_diff = max(float(np.max(np.abs(a[name] - b[name]))) for name in COMPARED)
    stored = D * E * (8 * T * 2 + 12 * (T - 1))
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    # (c) the per-draw loop, on a few draws
    wall0 = time.perf_counter()
    loop_U = per_draw_loop(x, positive, weights, membership, n_loop, D, args.seed)
    t_loop = time.perf_counter() - wall0
    t_loop_full = t_loop * D / n_loop

    # the loop's draws are the kernel's first draws (margins per draw, weights per entity)
    check = robustness_draws(
        x, positive, weights, membership, draws=n_loop, return_draws=True, **kernel_kwargs(args)
    )
    assert check.synergy_draws is not None
    diff = float(np.max(np.abs(check.synergy_draws - loop_U)))
    same = diff <= ATOL

    w = 52

    def row(label: str, value: str) -> None:
        print(f"{label:<{w}} {value:>14}")

    row("measure", "value")
    row(f"(a) robustness_draws in chunks, {D:,} draws: wall", f"{chunked['wall']:.2f} s")
    row("    CPU time of the process (all threads)", f"{chunked['cpu']:.2f} s")
    row("    peak resident memory (ru_maxrss)", size(chunked["peak"]))
    row("    of which before the call (panel, imports)", size(chunked["before"]))
    if baseline is not None:
        row(f"(b) baseline, unchunked kernel, {D:,} draws: wall", f"{baseline['wall']:.2f} s")
        row("    CPU time of the process (all threads)", f"{baseline['cpu']:.2f} s")
        row("    peak resident memory (ru_maxrss)", size(baseline["peak"]))
        row("    of which the stored draws of μ, U, rank", size(stored))
        row("(a) / (b): wall", f"{chunked['wall'] / baseline['wall']:.2f}")
        row("(a) / (b): CPU time", f"{chunked['cpu'] / baseline['cpu']:.2f}")
        row("(a) / (b): peak resident memory", f"{chunked['peak'] / baseline['peak']:.2f}")
    row(f"(c) per-draw loop, {n_loop:,} draws measured", f"{t_loop:.2f} s")
    row(f"    scaled linearly to {D:,} draws (×{D / n_loop:g})", f"{t_loop_full:.1f} s")
    row("speed-up of (a) over (c) scaled", f"{t_loop_full / chunked['wall']:.1f}×")
    print(f"load average after the kernels {load_after:.2f}")
    print()
    ok = True
    if baseline is not None:
        agree = band_diff <= ATOL
        ok = ok and agree
        print(
            f"bands, agreements and ranks of (a) vs (b): max |diff| = {band_diff:.3g} "
            f"(atol {ATOL:g}) — " + ("agree" if agree else "DIFFER")
        )
    print(
        f"synergy of the loop vs the kernel, {n_loop} draws × {E:,} entities × "
        f"{loop_U.shape[-1]} periods: max |diff| = {diff:.3g} (atol {ATOL:g}) — "
        + ("agree" if same else "DIFFER")
    )
    if not (ok and same):
        print("error: the kernels or the per-draw loop disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
