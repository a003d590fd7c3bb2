"""Benchmark the robustness Monte Carlo on the Dask engine against the NumPy engine.

One random panel (entities × periods × indicators, the panel of ``bench_robustness.py``:
two subsystems, every fourth indicator negative), written as a Parquet file in row
groups of whole entities; the model: entropy weights and bounds per entity, weighted
sum, ``[diagnostics.robustness]`` with ``--draws`` draws (κ = 50, margin 0.05–0.2).

(a) The NumPy engine, in a fresh Python process: ``cosyn.fit(frame, spec).robustness``
    (the fit and the Monte Carlo) — wall time and peak resident memory (``ru_maxrss``).
(b) The Dask engine, for each worker count of ``--workers-list`` in a fresh
    ``LocalCluster`` of one-thread workers with ``--memory-limit`` each:
    ``cosyn.fit(path, spec, engine="dask")`` then ``res.robustness.to_parquet(out)`` —
    the fit of every block of entities, its draws reduced to the bands, U of every
    draw ranked over every entity by blocks of draws (two rechunks between the workers)
    and the table written. Wall time (cluster start included), peak resident memory of
    each worker (sampled every 0.2 s) against its limit, the bytes of U of every draw
    against the workers' total memory, and the scaling ratio (the most workers over one).
(c) The numbers: the written table must equal (a)'s to 1e-12 (exit status 1 if not).

Run from the repository root::

    python benchmarks/bench_dask_robustness.py            # 3,000 × 30 × 40, 1,000 draws
    python benchmarks/bench_dask_robustness.py --entities 300 --draws 100   # seconds
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bench_dask import MemorySampler, _worker_pid, default_tmp, load_average, size
from bench_robustness import make_panel

ATOL = 1e-12


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entities", type=int, default=3_000)
    p.add_argument("--periods", type=int, default=30)
    p.add_argument("--indicators", type=int, default=40)
    p.add_argument("--draws", type=int, default=1_000)
    p.add_argument("--seed", type=int, default=20240501)
    p.add_argument("--workers-list", default="1,2", help="worker counts, e.g. 1,2")
    p.add_argument("--memory-limit", default="1GB", help="memory limit of each worker")
    p.add_argument("--tmp-dir", default=default_tmp())
    p.add_argument("--numpy-only", help=argparse.SUPPRESS)  # (a) in a fresh process
    return p.parse_args(argv)


def panel_and_spec(args: argparse.Namespace) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The panel in wide layout and its model."""
    x, positive, _, _ = make_panel(args.entities, args.periods, args.indicators, args.seed)
    E, T, n_ind = x.shape
    columns = [f"x{i:02d}" for i in range(n_ind)]
    frame = pd.DataFrame(x.reshape(E * T, n_ind), columns=columns)
    frame.insert(0, "period", np.tile(np.arange(2000, 2000 + T), E))
    frame.insert(0, "entity", np.repeat([f"e{e:06d}" for e in range(E)], T))
    half = n_ind // 2
    direction = ["+" if p else "-" for p in positive]
    spec = {
        "entity": "entity",
        "period": "period",
        "subsystems": {
            "A": {"indicators": dict(zip(columns[:half], direction[:half], strict=True))},
            "B": {"indicators": dict(zip(columns[half:], direction[half:], strict=True))},
        },
        "diagnostics": {
            "robustness": {"draws": args.draws, "concentration": 50, "margin": [0.05, 0.2]}
        },
    }
    return frame, spec


def numpy_run(args: argparse.Namespace, out: Path) -> None:
    """(a), in this process: the NumPy engine's table written to ``out``, figures to
    stdout as JSON."""
    import cosyn

    frame, spec = panel_and_spec(args)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        table = cosyn.fit(frame, spec).robustness
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    table.to_parquet(out, index=False)
    print(json.dumps({"wall": wall, "peak": peak, "before": before}))


def dask_run(path: Path, spec: dict[str, Any], out: Path, workers: int, limit: str) -> dict:
    """(b) with ``workers`` workers."""
    import cosyn

    load_before = load_average()
    with MemorySampler() as sampler:
        t0 = time.perf_counter()
        with cosyn.fit(str(path), spec, engine="dask", workers=workers, memory_limit=limit) as res:
            client = res.client
            pids = set(client.run(_worker_pid).values())
            res.robustness.to_parquet(str(out), write_index=False)
            wall = time.perf_counter() - t0
            after = set(client.run(_worker_pid).values())
            info = client.scheduler_info(n_workers=-1)["workers"]
            limits = [w["memory_limit"] for w in info.values()]
    return {
        "workers": workers,
        "wall": wall,
        "peaks": [sampler.peak.get(pid, 0) for pid in sorted(after)],
        "limit": min(limits),
        "restarted": pids != after,
        "load_before": load_before,
        "load_after": load_average(),
    }


def compare(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest difference of the numbers of two robustness tables (rows matched)."""
    keys = ["entity", "period"]
    a = a.astype({"entity": str}).sort_values(keys, ignore_index=True)
    b = b.astype({"entity": str}).sort_values(keys, ignore_index=True)
    if len(a) != len(b) or not (a["entity"] == b["entity"]).all():
        return float("inf")
    numbers = [c for c in a.columns if c not in ("entity", "base_period", "period")]
    return max(float(np.max(np.abs(a[c].to_numpy(float) - b[c].to_numpy(float)))) for c in numbers)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.numpy_only:
        numpy_run(args, Path(args.numpy_only))
        return 0
    from dask.utils import parse_bytes

    workers_list = [int(w) for w in args.workers_list.split(",")]
    E, T, n_ind, D = args.entities, args.periods, args.indicators, args.draws
    P = T - 1
    u_bytes = 8 * (D + 1) * P * E
    print(f"robustness on the Dask engine — {E:,} entities × {T} periods × {n_ind} indicators")
    print(
        f"  {D:,} draws; U of every draw {size(u_bytes)} (ranked over every entity); "
        f"workers of {args.memory_limit}; load average before {load_average()}"
    )
    Path(args.tmp_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cosyn-bench-", dir=args.tmp_dir))
    ok = True
    try:
        frame, spec = panel_and_spec(args)
        path = tmp / "panel.parquet"
        frame.to_parquet(path, index=False, row_group_size=T * max(1, min(E, 1000)))
        del frame
        numpy_out = tmp / "numpy.parquet"
        command = [sys.executable, __file__, "--numpy-only", str(numpy_out)]
        command += [f"--{k}={v}" for k, v in (("entities", E), ("periods", T))]
        command += [f"--indicators={n_ind}", f"--draws={D}", f"--seed={args.seed}"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        numpy_figures = json.loads(done.stdout.strip().splitlines()[-1])
        runs = []
        for workers in workers_list:
            out = tmp / f"dask-{workers}"
            runs.append(dask_run(path, spec, out, workers, args.memory_limit))
            diff = compare(pd.read_parquet(numpy_out), pd.read_parquet(out))
            runs[-1]["diff"] = diff
            ok = ok and diff <= ATOL and not runs[-1]["restarted"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    w = 58

    def row(label: str, value: str) -> None:
        print(f"{label:<{w}} {value:>18}")

    print()
    row("measure", "value")
    row("(a) NumPy engine, fit + Monte Carlo: wall", f"{numpy_figures['wall']:.2f} s")
    row("    peak resident memory (ru_maxrss)", size(numpy_figures["peak"]))
    for run in runs:
        W = run["workers"]
        total = W * parse_bytes(args.memory_limit)
        row(f"(b) Dask engine, {W} worker{'s' if W > 1 else ''}: wall", f"{run['wall']:.2f} s")
        peaks = ", ".join(f"{size(p)} ({p / run['limit']:.0%})" for p in run["peaks"])
        row("    peak worker memory (of the limit)", peaks)
        row("    U of every draw / workers' total memory", f"{u_bytes / total:.2f}×")
        row("    Dask wall / NumPy wall", f"{run['wall'] / numpy_figures['wall']:.2f}")
        row("    largest difference from (a)", f"{run['diff']:.2g}")
        row("    load average before → after", f"{run['load_before']} → {run['load_after']}")
        if run["restarted"]:
            row("    a worker was restarted (out of memory)", "yes")
    if len(runs) > 1:
        ratio = runs[0]["wall"] / runs[-1]["wall"]
        row(f"scaling: wall with 1 / with {runs[-1]['workers']} workers", f"{ratio:.2f}×")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"CPUs available {cpus}")
    print(
        "(c) tables equal to 1e-12 — agree"
        if ok
        else "(c) a table differs or a worker was restarted — FAIL"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
