"""Benchmark the spatio-temporal analysis (``cosyn.analyse``) against the fit it follows.

One random panel of entities at random points of a square (a smooth spatial field plus
noise, a trend over the periods; ``--indicators`` indicators in two subsystems), four
groups by quadrant held in a data column, and an ``[analysis]`` table: series synergy,
order and coupling, groups ``"region"``, weights the ``--k`` nearest neighbours from the
coordinates (or, with ``--weights csv``, the same pairs written to a neighbours CSV),
``--permutations`` permutations. Each measurement that depends on what a process has
already loaded or compiled runs in a fresh Python process:

(a) in one fresh process: ``cosyn.fit`` (best of ``--repeat``; the baseline), then
    ``cosyn.analyse`` twice — the first call pays the imports (libpysal, esda, giddy,
    mapclassify, quantecon) and any compilation, the second is warm — each split by
    analysis (groups, Dagum Gini, Theil, σ, β, density, Moran's I, LISA, Markov, spatial
    Markov, the weights), with the ratio analysis / fit;
(b) the first call in a fresh process of esda's ``Moran_Local`` with permutations (esda
    compiles its conditional randomisation with numba) and of ``cosyn.local_moran``
    (esda for Ii, NumPy for the permutations), one period of the panel's synergy and the
    same weights and seed: import, first call, second call, and whether their p-values
    are identical (they must be: cosyn draws esda's permutations);
(c) warm, in that same process per tool: every period — esda's ``Moran`` and
    ``Moran_Local`` one period at a time against ``cosyn.moran`` and
    ``cosyn.local_moran`` on the wide table;
(d) ``import giddy`` and the first ``cosyn.markov`` / ``cosyn.spatial_markov`` (giddy) in
    a fresh process.

The machine's other load shows in every figure: run it on an idle machine for numbers to
compare. Nothing is asserted; the script exits with status 1 only if (b) finds p-values
that differ.

Run from the repository root::

    python benchmarks/bench_analysis.py                    # 2,800 × 20, 999 permutations
    python benchmarks/bench_analysis.py --entities 300 --periods 8 --permutations 99 \\
        --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: The analysis steps of :mod:`cosyn.analysis.run` timed one by one, with their labels.
STEPS: dict[str, str] = {
    "series_tables": "series tables (U, μ, D wide)",
    "resolve_groups": "groups (data column)",
    "require_spatial": "PySAL present? (find_spec)",
    "resolve_weights": "spatial weights (libpysal)",
    "_group_stats": "group statistics",
    "_gini": "Dagum Gini",
    "_theil": "Theil",
    "_sigma": "σ-convergence",
    "_beta": "β-convergence",
    "_density": "kernel density",
    "_moran": "Moran's I",
    "_lisa": "LISA",
    "_markov": "Markov (giddy)",
    "_spatial_markov": "spatial Markov (giddy)",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entities", type=int, default=2_800, help="entities (default 2800)")
    p.add_argument("--periods", type=int, default=20, help="periods (default 20)")
    p.add_argument("--indicators", type=int, default=8, help="indicators (default 8)")
    p.add_argument("--permutations", type=int, default=999, help="permutations (default 999)")
    p.add_argument("--k", type=int, default=6, help="nearest neighbours (default 6)")
    p.add_argument("--weights", choices=("knn", "csv"), default="knn", help="knn or csv")
    p.add_argument("--repeat", type=int, default=3, help="fit: best of N runs (default 3)")
    p.add_argument("--seed", type=int, default=20240501, help="random seed")
    p.add_argument(
        "--skip-esda-first-call",
        action="store_true",
        help="leave out (b)'s esda process (its numba compilation takes tens of seconds)",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.entities < 10 or args.periods < 3 or args.indicators < 2 or args.repeat < 1:
        p.error("need --entities ≥ 10, --periods ≥ 3, --indicators ≥ 2, --repeat ≥ 1")
    if not 1 <= args.k < args.entities or args.permutations < 1:
        p.error("need 1 ≤ --k < --entities and --permutations ≥ 1")
    return args


# -- data -------------------------------------------------------------------------------
def make_frame(n_e: int, n_t: int, n_i: int, seed: int) -> pd.DataFrame:
    """Long frame: entity, period, lon, lat, region, x1…x{n_i}; rows entity-major.

    Each indicator is a smooth field of the position (two random waves), plus an entity
    effect, a trend and noise, so that neighbours resemble each other (Moran's I > 0).
    """
    rng = np.random.default_rng(seed)
    xy = rng.random((n_e, 2))
    t = np.arange(n_t, dtype=float)
    cols = {}
    for i in range(n_i):
        fx, fy, ph = rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 2 * np.pi)
        field = np.sin(2 * np.pi * fx * xy[:, 0] + ph) + np.cos(2 * np.pi * fy * xy[:, 1])
        level = 10 + 2 * field + rng.normal(0, 0.5, n_e)
        trend = rng.normal(0.03, 0.02, n_e)
        x = level[:, None] * np.exp(trend[:, None] * t) + rng.normal(0, 0.3, (n_e, n_t))
        cols[f"x{i + 1}"] = x.reshape(-1)
    width = len(str(n_e))
    region = np.where(xy[:, 0] < 0.5, "W", "E").astype(object) + np.where(
        xy[:, 1] < 0.5, "S", "N"
    ).astype(object)
    frame = pd.DataFrame(
        {
            "entity": np.repeat([f"e{e:0{width}d}" for e in range(n_e)], n_t),
            "period": np.tile(np.arange(2001, 2001 + n_t), n_e),
            "lon": np.repeat(100 + 20 * xy[:, 0], n_t),
            "lat": np.repeat(20 + 20 * xy[:, 1], n_t),
            "region": np.repeat(region, n_t),
            **cols,
        }
    )
    return frame


def knn_pairs(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """The k-nearest-neighbour pairs of the entities (scipy's cKDTree), one row each."""
    from scipy.spatial import cKDTree

    pts = frame.groupby("entity", sort=False)[["lon", "lat"]].first()
    _, idx = cKDTree(pts.to_numpy()).query(pts.to_numpy(), k=k + 1)
    names = pts.index.to_numpy()
    a = np.repeat(names, k)
    b = names[idx[:, 1:].reshape(-1)]
    return pd.DataFrame({"entity_a": a, "entity_b": b})


def make_spec(args: argparse.Namespace, csv: Path | None) -> dict[str, Any]:
    half = args.indicators // 2
    names = [f"x{i + 1}" for i in range(args.indicators)]
    weights: Any = {"x": "lon", "y": "lat", "k": args.k} if csv is None else str(csv)
    return {
        "entity": "entity",
        "period": "period",
        "subsystems": {
            "a": {"indicators": {n: "+" for n in names[:half]}},
            "b": {"indicators": {n: "+" for n in names[half:]}},
        },
        "diagnostics": {"coupling": "classic"},
        "analysis": {
            "series": ["synergy", "order", "coupling"],
            "groups": "region",
            "weights": weights,
            "permutations": args.permutations,
            "seed": 0,
        },
    }


# -- child processes --------------------------------------------------------------------
def child_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    """(a): fit best of N, then analyse twice, each split by step."""
    t0 = time.perf_counter()
    import cosyn
    from cosyn.analysis import run as run_module

    t_import = time.perf_counter() - t0
    frame = make_frame(args.entities, args.periods, args.indicators, args.seed)
    csv = None
    if args.weights == "csv":
        csv = Path(args.workdir) / "neighbours.csv"
        knn_pairs(frame, args.k).to_csv(csv, index=False)
    spec = make_spec(args, csv)

    fits, fits_cpu = [], []
    result = None
    for _ in range(args.repeat):
        result = None
        start, start_cpu = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = cosyn.fit(frame, spec)
        fits.append(time.perf_counter() - start)
        fits_cpu.append(time.process_time() - start_cpu)
    assert result is not None

    spent: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                return func(*a, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - start_cpu

        return wrapper

    for name in STEPS:
        setattr(run_module, name, timed(name, getattr(run_module, name)))
    calls = []
    for _ in range(2):
        spent.clear()
        cpu.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = cosyn.analyse(result)
        total = time.perf_counter() - start
        assert out is not None
        total_cpu = time.process_time() - start_cpu
        calls.append(
            {"total": total, "cpu": total_cpu, "steps": dict(spent), "steps_cpu": dict(cpu)}
        )
    rows = {name: len(frame) for name, frame in out.tables.items()}
    return {
        "import_cosyn": t_import,
        "fit": fits,
        "fit_cpu": fits_cpu,
        "analyse": calls,
        "rows": rows,
        "series": sorted(set(out.moran["series"])),
        "notes": list(out.notes),
        "versions": _versions(),
    }


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for name in ("numpy", "scipy", "pandas", "libpysal", "esda", "giddy", "numba", "cosyn"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "-"
    return out


def _panel_for_lisa(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synergy of the benchmark panel (wide, entities × periods) and its kNN pairs."""
    import cosyn

    frame = make_frame(args.entities, args.periods, args.indicators, args.seed)
    spec = make_spec(args, None)
    spec.pop("analysis")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cosyn.fit(frame, spec)
    wide = pd.DataFrame(
        result.synergy_values, index=list(result.entities), columns=list(result.periods[1:])
    )
    return wide, knn_pairs(frame, args.k)


def child_lisa(args: argparse.Namespace, tool: str) -> dict[str, Any]:
    """(b) and (c) for one tool, in a fresh process: esda or cosyn."""
    wide, pairs = _panel_for_lisa(args)
    out: dict[str, Any] = {}
    start = time.perf_counter()
    if tool == "esda":
        import esda
        import libpysal
    else:
        import libpysal

        import cosyn
    out["import"] = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cosyn.analysis.space import neighbour_weights

        w = neighbour_weights(pairs, list(wide.index))
        assert isinstance(w, libpysal.weights.W)
        y = wide.iloc[:, 0]
        R = args.permutations
        for label in ("first", "second"):
            start = time.perf_counter()
            if tool == "esda":
                p = esda.Moran_Local(y.to_numpy(), w, permutations=R, seed=0, n_jobs=1).p_sim
            else:
                p = cosyn.local_moran(y, w, R, 0)["p_sim"].to_numpy()
            out[label] = time.perf_counter() - start
        out["p_sim"] = np.asarray(p, dtype=float).tolist()
        # (c) every period, warm
        start = time.perf_counter()
        if tool == "esda":
            for col in wide.columns:
                esda.Moran_Local(wide[col].to_numpy(), w, permutations=R, seed=0, n_jobs=1)
        else:
            cosyn.local_moran(wide, w, R, 0)
        out["lisa_all"] = time.perf_counter() - start
        start = time.perf_counter()
        if tool == "esda":
            sims = []
            for col in wide.columns:
                np.random.seed(0)  # noqa: NPY002 - esda's global generator
                sims.append(esda.Moran(wide[col].to_numpy(), w, permutations=R).p_sim)
        else:
            sims = cosyn.moran(wide, w, R, 0)["p_sim"].tolist()
        out["moran_all"] = time.perf_counter() - start
        out["moran_p_sim"] = [float(s) for s in sims]
    return out


def child_giddy(args: argparse.Namespace) -> dict[str, Any]:
    """(d): import giddy, then the first and second Markov / spatial Markov calls."""
    wide, pairs = _panel_for_lisa(args)
    out: dict[str, Any] = {}
    start = time.perf_counter()
    import giddy  # noqa: F401

    out["import"] = time.perf_counter() - start
    import cosyn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label in ("first", "second"):
            start = time.perf_counter()
            cosyn.markov(wide, k=5)
            out[f"markov_{label}"] = time.perf_counter() - start
            start = time.perf_counter()
            cosyn.spatial_markov(wide, pairs, k=5)
            out[f"spatial_{label}"] = time.perf_counter() - start
    return out


def spawn(args: argparse.Namespace, child: str, workdir: str) -> dict[str, Any]:
    """Run this script's ``child`` part in a fresh Python process; its JSON answer."""
    argv = [sys.executable, __file__, "--child", child, "--workdir", workdir]
    for name in ("entities", "periods", "indicators", "permutations", "k", "repeat", "seed"):
        argv += [f"--{name}", str(getattr(args, name))]
    argv += ["--weights", args.weights]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {child} process failed (status {done.returncode})")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    answer["process"] = wall
    return answer


# -- report -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        if args.child == "pipeline":
            answer = child_pipeline(args)
        elif args.child in ("esda", "cosyn"):
            answer = child_lisa(args, args.child)
        else:
            answer = child_giddy(args)
        print(json.dumps(answer))
        return 0

    E, T, R = args.entities, args.periods, args.permutations
    weights = f"{args.k} nearest neighbours" + (" (CSV)" if args.weights == "csv" else "")
    print(f"cosyn.analyse benchmark — {E:,} entities × {T} periods × {args.indicators} indicators")
    print(
        f"  series synergy + order + coupling, groups by quadrant, {weights}, {R} permutations; "
        f"seed {args.seed}"
    )
    print(
        f"  python {platform.python_version()}, {platform.machine()} {platform.system()}, "
        f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as workdir:
        pipe = spawn(args, "pipeline", workdir)
        v = pipe["versions"]
        print("  " + ", ".join(f"{k} {v[k]}" for k in v))
        print()
        fit = min(pipe["fit"])
        fit_cpu = min(pipe["fit_cpu"])
        first, second = pipe["analyse"]
        w = 40
        print(f"(a) one fresh process: fit, then analyse twice   (series: {len(pipe['series'])})")
        print(
            f"{'seconds':<{w}} {'1st wall':>9} {'2nd wall':>9} {'2nd CPU':>9}  "
            f"{'2nd CPU / fit CPU':>17}"
        )
        print(f"{'import cosyn':<{w}} {pipe['import_cosyn']:>9.2f}")
        print(
            f"{'fit (best of ' + str(args.repeat) + ')':<{w}} {fit:>9.2f} {'':>9} {fit_cpu:>9.2f}"
        )
        for name, label in STEPS.items():
            a = first["steps"].get(name, 0.0)
            b = second["steps"].get(name, 0.0)
            c = second["steps_cpu"].get(name, 0.0)
            print(f"{'  ' + label:<{w}} {a:>9.2f} {b:>9.2f} {c:>9.2f}  {c / fit_cpu:>16.1f}×")
        rest = [c["total"] - sum(c["steps"].values()) for c in (first, second)]
        rest_cpu = second["cpu"] - sum(second["steps_cpu"].values())
        print(f"{'  other (tables, notes)':<{w}} {rest[0]:>9.2f} {rest[1]:>9.2f} {rest_cpu:>9.2f}")
        print(
            f"{'analyse total':<{w}} {first['total']:>9.2f} {second['total']:>9.2f} "
            f"{second['cpu']:>9.2f}  {second['cpu'] / fit_cpu:>16.1f}×"
        )
        print(
            f"ratio analyse / fit, wall: {first['total'] / fit:.0f}× (1st call), "
            f"{second['total'] / fit:.0f}× (2nd call)"
        )
        print()

        tools = ["cosyn"] if args.skip_esda_first_call else ["esda", "cosyn"]
        lisa = {tool: spawn(args, tool, workdir) for tool in tools}
        print("(b) LISA, one period, first call in a fresh process (seconds)")
        print(f"{'':<{w}} {'import':>10} {'1st call':>10} {'2nd call':>10} {'process':>10}")
        for tool in tools:
            r = lisa[tool]
            label = "esda.Moran_Local (numba)" if tool == "esda" else "cosyn.local_moran (NumPy)"
            print(
                f"{label:<{w}} {r['import']:>10.2f} {r['first']:>10.2f} {r['second']:>10.2f} "
                f"{r['process']:>10.1f}"
            )
        same = True
        if "esda" in lisa:
            same = lisa["esda"]["p_sim"] == lisa["cosyn"]["p_sim"]
            same_g = np.allclose(lisa["esda"]["moran_p_sim"], lisa["cosyn"]["moran_p_sim"])
            print(
                f"p_sim of the {E:,} entities: "
                + ("identical" if same else "DIFFER")
                + f"; Moran's p_sim of the {T - 1} periods: "
                + ("identical" if same_g else "DIFFER")
            )
        print()
        print(f"(c) warm, all {T - 1} compared periods of U (seconds)")
        print(f"{'':<{w}} {'esda':>10} {'cosyn':>10}")
        for key, label in (("lisa_all", "LISA"), ("moran_all", "Moran's I")):
            e = lisa["esda"][key] if "esda" in lisa else float("nan")
            print(f"{label:<{w}} {e:>10.2f} {lisa['cosyn'][key]:>10.2f}")
        print()
        g = spawn(args, "giddy", workdir)
        print("(d) giddy in a fresh process (seconds)")
        print(f"{'import giddy (mapclassify, quantecon)':<{w}} {g['import']:>10.2f}")
        print(f"{'':<{w}} {'1st call':>10} {'2nd call':>10}")
        print(
            f"{'cosyn.markov (giddy Markov)':<{w}} {g['markov_first']:>10.2f} "
            f"{g['markov_second']:>10.2f}"
        )
        print(
            f"{'cosyn.spatial_markov (Spatial_Markov)':<{w}} {g['spatial_first']:>10.2f} "
            f"{g['spatial_second']:>10.2f}"
        )
    if not same:
        print("error: cosyn's LISA p-values differ from esda's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
