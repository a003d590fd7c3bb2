"""Benchmark the Dask engine out of core: a Parquet panel several times the workers' memory.

1. Writes a random panel as a Parquet dataset folder (wide layout: ``entity`` as text,
   ``period``, one float column per indicator), file by file so that the generation is
   bounded in memory: each file holds ``--entities-per-file`` whole entities, in row
   groups of ``--row-group-entities`` whole entities, so the engine needs no shuffle.
   Its in-memory size (the Arrow tables' bytes: floats, periods, entity labels) is
   printed against the workers' total memory limit (target: at least 4×).
2. For each worker count of ``--workers-list`` (default 1 and 2), in a fresh
   ``LocalCluster`` of one-thread workers with ``--memory-limit`` each:
   ``cosyn.engines.dask.fit_dask(folder, spec, workers=W, memory_limit=..., eager=False)``
   then ``res.to_parquet(out)``, timed together (cluster start included) and apart.
   Throughput is cells (entities × periods × indicators) per second of the fit + write
   pass; the scaling ratio is the throughput with the most workers over that with one
   (target ≥ 1.7× with 2 workers on 2 cores). A thread samples the resident memory of
   every process the cluster starts every 0.2 s; the maximum of each worker is printed
   against the limit. The run must complete with the same workers it started with (no
   worker killed and restarted by its nanny).
3. Where the time goes: the task stream of the write pass, as seconds in reading the
   Parquet partitions and in fitting and writing them (one ``write_part`` task per
   partition), against workers × wall time (the rest is scheduler and transfer
   overhead and idle workers); and, before the runs, each step of one partition timed in
   this process (read, fit, building each table, writing it).
4. Checks the numbers: ``--check-entities`` entities (taken from the first, middle and
   last files) are fitted with the NumPy engine (``cosyn.fit`` on their rows) and their
   ``synergy``, ``subsystem_order``, ``weights`` and ``bounds`` rows in the written
   tables must equal them to 1e-12 (exit status 1 if not, or if a run failed).

Why 700 MB a worker: a worker holds 220–270 MB once pandas, pyarrow, dask.dataframe and
cosyn are imported, before any data, and it grows with the partitions it has run (heap
and Arrow memory pool); distributed pauses a worker at 80% of its limit, and a paused
worker that holds no data to spill never resumes — the run waits for ever. With 300,
400 and 500 MB the run stalled that way; 700 MB with partitions of 1,000 entities
completes.

The panel and the written tables live in a temporary folder under ``--tmp-dir`` (default
``/work/bench-tmp`` if ``/work`` exists, else the system's temporary folder), removed at
the end unless ``--keep``. The load average of the machine is printed before and after
each run. Run from the repository root::

    python benchmarks/bench_dask.py              # 1,040,000 × 20 × 32: 5.3 GB of numbers
    python benchmarks/bench_dask.py --small      # a quick smoke run (seconds)
    python benchmarks/bench_dask.py --entities 100000 --workers-list 2 --keep
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

ATOL = 1e-12
CHECKED_TABLES = ("synergy", "subsystem_order", "weights", "bounds")
SMALL = {"entities": 6_000, "periods": 8, "indicators": 10, "entities_per_file": 250}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entities", type=int, default=1_040_000, help="entities (default 1040000)")
    p.add_argument("--periods", type=int, default=20, help="periods (default 20)")
    p.add_argument("--indicators", type=int, default=32, help="indicators (default 32)")
    p.add_argument(
        "--memory-limit", default="700MB", help="memory limit of each worker (default 700MB)"
    )
    p.add_argument(
        "--workers-list", default="1,2", help="worker counts, one fresh cluster each (1,2)"
    )
    p.add_argument(
        "--entities-per-file",
        type=int,
        default=1_000,
        help="entities per Parquet file, i.e. per partition of the engine (default 1000)",
    )
    p.add_argument(
        "--row-group-entities",
        type=int,
        default=250,
        help="entities per Parquet row group (default 250)",
    )
    p.add_argument(
        "--check-entities",
        type=int,
        default=300,
        help="entities checked against the NumPy engine (default 300)",
    )
    p.add_argument("--seed", type=int, default=20261202, help="random seed")
    p.add_argument("--tmp-dir", default=None, help="where the temporary folder is made")
    p.add_argument("--keep", action="store_true", help="keep the panel and the tables")
    p.add_argument(
        "--small",
        action="store_true",
        help="a quick size for a smoke run (6,000 × 8 × 10)",
    )
    args = p.parse_args(argv)
    if args.small:
        for key, value in SMALL.items():
            setattr(args, key, value)
    try:
        args.workers = [int(w) for w in args.workers_list.split(",") if w.strip()]
    except ValueError:
        p.error(f"--workers-list {args.workers_list!r} is not a list of integers like 1,2")
    if not args.workers or min(args.workers) < 1:
        p.error("--workers-list needs worker counts ≥ 1")
    if args.entities < 1 or args.periods < 2 or args.indicators < 2:
        p.error("need --entities ≥ 1, --periods ≥ 2, --indicators ≥ 2")
    if args.entities_per_file < 1 or args.row_group_entities < 1 or args.check_entities < 1:
        p.error("need --entities-per-file, --row-group-entities, --check-entities ≥ 1")
    return args


# -- the panel ------------------------------------------------------------------------------
def make_spec(n_indicators: int) -> tuple[dict[str, Any], list[str]]:
    """Two subsystems (first half ``a``, second half ``b``), every fourth indicator
    negative; bounds and weights per entity (the defaults), entropy weights."""
    width = len(str(n_indicators))
    columns = [f"x{i + 1:0{width}d}" for i in range(n_indicators)]
    half = n_indicators // 2
    groups = {"a": columns[:half], "b": columns[half:]}
    subsystems = {
        name: {"indicators": {c: "-" if columns.index(c) % 4 == 3 else "+" for c in cols}}
        for name, cols in groups.items()
    }
    spec = {
        "entity": "entity",
        "period": "period",
        "subsystems": subsystems,
        "method": {"weights": "entropy"},
    }
    return spec, columns


def entity_labels(start: int, stop: int, width: int) -> list[str]:
    return [f"e{e:0{width}d}" for e in range(start, stop)]


def make_block(
    start: int, stop: int, n_t: int, columns: list[str], n_total: int, seed: int
) -> pa.Table:
    """Entities ``start``..``stop`` (rows entity-major): a level per entity and
    indicator, a trend and noise; positive values. Drawn from a generator seeded by the
    block, so a block is the same whoever draws it."""
    rng = np.random.default_rng([seed, start])
    n_e, n_i = stop - start, len(columns)
    level = rng.lognormal(mean=3.0, sigma=1.5, size=(n_e, 1, n_i))
    trend = rng.normal(0.03, 0.04, size=(n_e, 1, n_i))
    t = np.arange(n_t, dtype=float)[None, :, None]
    cube = level * np.exp(trend * t + rng.normal(0.0, 0.08, size=(n_e, n_t, n_i)))
    flat = cube.reshape(n_e * n_t, n_i)
    labels = entity_labels(start, stop, len(str(n_total - 1)))
    arrays: list[pa.Array] = [
        pa.array(np.repeat(np.array(labels, dtype=object), n_t), type=pa.string()),
        pa.array(np.tile(np.arange(2000, 2000 + n_t, dtype=np.int64), n_e)),
    ]
    arrays += [pa.array(np.ascontiguousarray(flat[:, i])) for i in range(n_i)]
    return pa.table(arrays, names=["entity", "period", *columns])


def write_panel(args: argparse.Namespace, columns: list[str], folder: Path) -> dict[str, Any]:
    """The panel as ``folder/part-NNNNN.parquet``, one file of whole entities at a time."""
    folder.mkdir(parents=True)
    n_e, per_file = args.entities, args.entities_per_file
    starts = list(range(0, n_e, per_file))
    nbytes = disk = 0
    t0 = time.perf_counter()
    for k, start in enumerate(starts):
        stop = min(n_e, start + per_file)
        table = make_block(start, stop, args.periods, columns, n_e, args.seed)
        nbytes += table.nbytes
        path = folder / f"part-{k:05d}.parquet"
        pq.write_table(table, path, row_group_size=args.row_group_entities * args.periods)
        disk += path.stat().st_size
        del table
    return {
        "files": len(starts),
        "nbytes": nbytes,
        "disk": disk,
        "seconds": time.perf_counter() - t0,
        "starts": starts,
    }


# -- watching the workers -------------------------------------------------------------------
class MemorySampler:
    """Samples the resident memory of every descendant process of this one (the
    cluster's nannies' workers among them) every ``interval`` seconds."""

    def __init__(self, interval: float = 0.2) -> None:
        import psutil

        self._psutil = psutil
        self._me = psutil.Process()
        self.interval = interval
        self.peak: dict[int, int] = defaultdict(int)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in self._me.children(recursive=True):
                try:
                    rss = proc.memory_info().rss
                except self._psutil.Error:
                    continue
                self.peak[proc.pid] = max(self.peak[proc.pid], rss)
            self.samples += 1
            self._stop.wait(self.interval)


def _worker_pid() -> int:
    return os.getpid()


def task_times(stream: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds of compute per kind of task in a task stream (reading Parquet, fitting,
    writing, other)."""
    out: dict[str, float] = defaultdict(float)
    for task in stream:
        key = task["key"]
        name = str(key[0] if isinstance(key, tuple) else key).lower()
        if "write_part" in name:  # each partition is fitted and written in one task
            kind = "fit+write"
        elif "parquet" in name:
            kind = "read"
        else:
            kind = "other:" + name.rsplit("-", 1)[0][:40]
        for part in task.get("startstops", ()):
            if part["action"] == "compute":
                out[kind] += part["stop"] - part["start"]
            else:
                out[part["action"]] += part["stop"] - part["start"]
    return dict(out)


def run_once(
    folder: Path, out: Path, spec: dict[str, Any], workers: int, memory_limit: str
) -> dict[str, Any]:
    """One fit + write pass in a fresh cluster of ``workers`` workers."""
    from distributed import get_task_stream

    from cosyn.engines.dask import fit_dask

    load_before = load_average()
    with MemorySampler() as sampler:
        t0 = time.perf_counter()
        res = fit_dask(str(folder), spec, workers=workers, memory_limit=memory_limit, eager=False)
        t1 = time.perf_counter()
        try:
            client = res.client
            pids_start = set(client.run(_worker_pid).values())
            with get_task_stream(client=client) as stream:
                t2 = time.perf_counter()
                res.to_parquet(out)
                t3 = time.perf_counter()
            pids_end = set(client.run(_worker_pid).values())
            info = client.scheduler_info(n_workers=-1)["workers"]
            limits = [w["memory_limit"] for w in info.values()]
            logs = client.cluster.get_logs() if client.cluster is not None else {}
            n_entities = res.n_entities
        finally:
            res.close()
    killed = [
        line
        for text in logs.values()
        for _, line in (text if isinstance(text, list) else [])
        if "exceeded" in str(line).lower() or "restart" in str(line).lower()
    ]
    return {
        "workers": workers,
        "entities": n_entities,
        "fit_seconds": t1 - t0,
        "write_seconds": t3 - t2,
        "seconds": (t1 - t0) + (t3 - t2),
        "peaks": [sampler.peak.get(pid, 0) for pid in sorted(pids_end)],
        "limit": min(limits) if limits else 0,
        "restarted": pids_start != pids_end,
        "killed_lines": killed,
        "tasks": task_times(stream.data),
        "load_before": load_before,
        "load_after": load_average(),
        "samples": sampler.samples,
    }


def partition_breakdown(folder: Path, spec: dict[str, Any], repeat: int = 3) -> dict[str, float]:
    """Seconds of each step of one partition (the first file) in this process, the
    best of ``repeat``: what a worker does per partition, step by step."""
    from cosyn.engines.dask import CORE_TABLES
    from cosyn.engines.partitions import Axes, part_panel
    from cosyn.fit import PanelFigures, as_spec, fit_panel

    full = as_spec(spec)
    path = sorted(folder.glob("*.parquet"))[0]
    periods = pq.read_table(path, columns=["period"]).column(0).unique().to_pandas()
    axes = Axes(pd.Index(np.sort(periods)), np.arange(len(periods), dtype=float), "x")
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    with tempfile.TemporaryDirectory(dir=folder.parent) as out:
        for _ in range(repeat):
            times = {}
            t = time.perf_counter()
            frame = pd.read_parquet(path)
            times["read"] = time.perf_counter() - t
            t = time.perf_counter()
            res = fit_panel(part_panel(frame, full, axes), full, PanelFigures())
            times["fit"] = time.perf_counter() - t
            for name in CORE_TABLES:
                t = time.perf_counter()
                table = getattr(res, name)
                times[f"build {name}"] = time.perf_counter() - t
                t = time.perf_counter()
                table.to_parquet(Path(out) / f"{name}.parquet", index=False)
                times[f"write {name}"] = time.perf_counter() - t
            for key, value in times.items():
                best[key] = min(best[key], value)
    return dict(best)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- checking the numbers -------------------------------------------------------------------
def check_entities(args: argparse.Namespace, starts: list[int]) -> list[str]:
    """Entity labels from the first, middle and last files (``--check-entities`` in all)."""
    width = len(str(args.entities - 1))
    picks = sorted({starts[0], starts[len(starts) // 2], starts[-1]})
    each = max(1, args.check_entities // len(picks))
    labels: list[str] = []
    for start in picks:
        stop = min(args.entities, start + args.entities_per_file, start + each)
        labels += entity_labels(start, stop, width)
    return labels


def read_rows(folder: Path, labels: list[str]) -> pd.DataFrame:
    dataset = pads.dataset(str(folder), format="parquet")
    table = dataset.to_table(filter=pads.field("entity").isin(labels))
    return table.to_pandas()


def compare(out: Path, reference: Any, labels: list[str]) -> list[str]:
    """Differences between the written tables and the NumPy engine's (empty if none)."""
    problems = []
    for name in CHECKED_TABLES:
        want = getattr(reference, name).reset_index(drop=True)
        got = read_rows(out / name, labels)
        keys = [c for c in want.columns if not pd.api.types.is_float_dtype(want[c])]
        got = got.sort_values(keys, kind="stable").reset_index(drop=True)
        want = want.sort_values(keys, kind="stable").reset_index(drop=True)
        if len(got) != len(want):
            problems.append(f"{name}: {len(got)} rows written, the NumPy engine has {len(want)}")
            continue
        for c in want.columns:
            a, b = want[c], got[c]
            if pd.api.types.is_float_dtype(a):
                x, y = a.to_numpy(float), b.to_numpy(float)
                same_nan = np.array_equal(np.isnan(x), np.isnan(y))
                diff = float(np.nanmax(np.abs(x - y), initial=0.0))
                if not same_nan or diff > ATOL:
                    problems.append(
                        f"{name}.{c}: max |difference| {diff:.3g} (NaN same: {same_nan})"
                    )
            elif not (a.astype(str).to_numpy() == b.astype(str).to_numpy()).all():
                problems.append(f"{name}.{c}: labels differ")
    return problems


# -- output ---------------------------------------------------------------------------------
def size(nbytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.2f} {unit}"
    return f"{nbytes:.0f} B"


def default_tmp() -> str:
    return "/work/bench-tmp" if Path("/work").is_dir() else tempfile.gettempdir()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from dask.utils import parse_bytes

    import cosyn

    spec, columns = make_spec(args.indicators)
    limit = parse_bytes(args.memory_limit)
    n_cells = args.entities * args.periods * args.indicators
    base = Path(args.tmp_dir or default_tmp())
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-dask-", dir=base))
    print(
        f"cosyn Dask engine out of core — Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load_average()}"
    )
    print(
        f"panel: {args.entities:,} entities × {args.periods} periods × {args.indicators} "
        f"indicators = {n_cells:,} cells; {args.entities_per_file:,} entities a file, row "
        f"groups of {args.row_group_entities:,}; in {tmp}"
    )
    failed = False
    try:
        panel = write_panel(args, columns, tmp / "panel")
        most = max(args.workers)
        total_limit = most * limit
        ratio = panel["nbytes"] / total_limit
        print(
            f"  written in {panel['seconds']:.1f} s: {panel['files']} files, "
            f"{size(panel['disk'])} on disk, {size(panel['nbytes'])} in memory "
            f"({size(n_cells * 8)} of numbers) = {ratio:.1f}× the {most} workers' total "
            f"limit of {size(total_limit)} (target ≥ 4×: {'met' if ratio >= 4 else 'NOT met'})"
        )
        steps = partition_breakdown(tmp / "panel", spec)
        total = sum(steps.values())
        cells = min(args.entities, args.entities_per_file) * args.periods * args.indicators
        print(
            f"  one partition ({cells:,} cells) in this process, best of 3: {total:.3f} s = "
            f"{cells / total / 1e6:.2f} M cells/s: "
            + ", ".join(f"{k} {v:.3f}" for k, v in sorted(steps.items(), key=lambda kv: -kv[1]))
        )
        runs = []
        for w in args.workers:
            out = tmp / f"out-{w}"
            print(f"\n{w} worker(s) of {args.memory_limit}: load average {load_average()}")
            try:
                run = run_once(tmp / "panel", out, spec, w, args.memory_limit)
            except Exception as exc:  # KilledWorker among them: the target is missed
                print(f"  FAILED: {type(exc).__name__}: {exc}")
                failed = True
                continue
            run["throughput"] = n_cells / run["seconds"]
            runs.append(run)
            peaks = ", ".join(
                f"{size(p)} ({p / run['limit']:.0%})" for p in run["peaks"] if run["limit"]
            )
            print(
                f"  fit_dask (cluster start, axes, sample) {run['fit_seconds']:.1f} s + "
                f"to_parquet {run['write_seconds']:.1f} s = {run['seconds']:.1f} s: "
                f"{run['throughput'] / 1e6:.2f} M cells/s"
            )
            print(
                f"  peak worker memory {peaks} of the limit {size(run['limit'])} "
                f"({run['samples']} samples)"
            )
            busy = {k: v for k, v in run["tasks"].items() if not k.startswith("other")}
            other = sum(v for k, v in run["tasks"].items() if k.startswith("other"))
            capacity = w * run["write_seconds"]
            shown = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(busy.items()))
            print(
                f"  to_parquet task time: {shown}, other {other:.1f} s; "
                f"{sum(run['tasks'].values()) / capacity:.0%} of {w} × wall"
            )
            if run["restarted"] or run["killed_lines"]:
                print(f"  a worker was killed or restarted: {run['killed_lines'][:3]}")
                failed = True
            print(f"  load average after: {run['load_after']}")
            labels = check_entities(args, panel["starts"])
            reference = cosyn.fit(read_rows(tmp / "panel", labels), spec)
            problems = compare(out, reference, labels)
            if problems:
                failed = True
                print("  NumPy engine check FAILED: " + "; ".join(problems[:10]))
            else:
                print(
                    f"  {len(labels)} entities equal the NumPy engine's to {ATOL:g} "
                    f"({', '.join(CHECKED_TABLES)})"
                )
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
        one = next((r for r in runs if r["workers"] == 1), None)
        if one is not None and len(runs) > 1:
            top = max(runs, key=lambda r: r["workers"])
            scale = top["throughput"] / one["throughput"]
            write = one["write_seconds"] / top["write_seconds"]
            target = 1.7 if top["workers"] == 2 else 0.85 * top["workers"]
            print(
                f"\nscaling 1 → {top['workers']} workers: {scale:.2f}× "
                f"(to_parquet pass alone {write:.2f}×; target ≥ {target:g}×: "
                f"{'met' if scale >= target else 'NOT met'})"
            )
        print(f"load average at the end: {load_average()}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
