"""Benchmark XLSX writers on the result tables of a fitted panel.

Each writer writes the same cells — the ``data``, ``order_degree``, ``subsystem_order``,
``weights`` and ``synergy`` sheets of :func:`cosyn.report.write_workbook` (labels as
text or integers, numbers at full precision, u, μ, U and weights with the number format
``0.0000``, the header row bold and frozen) — for a random panel fitted with
:func:`cosyn.fit`:

``xlsxwriter``
    XlsxWriter in ``constant_memory`` mode, row by row;
``openpyxl``
    openpyxl in write-only mode, ``append`` of ``WriteOnlyCell`` rows;
``cosyn``
    ``cosyn.report.write_workbook`` itself: these five sheets streamed as SpreadsheetML,
    and all its other sheets too (the paper tables, README, bounds), so its time is an
    upper bound for the same cells.

Each writer runs in a fresh Python process, so the peak memory it reports is its own:
the rise of the process's peak resident set (``VmHWM``) over the level reached after
fitting, before writing. For the first size the script reads every written file back
with openpyxl and checks that the cells of the five sheets are the same for every writer
(exit status 1 if not).

Run from the repository root::

    python benchmarks/bench_workbook.py                  # 31 × 12 × 30 and 3,000 × 20 × 30
    python benchmarks/bench_workbook.py --sizes 31x12x30 --writers xlsxwriter,cosyn
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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WRITERS = ("xlsxwriter", "openpyxl", "cosyn")
SHEETS = ("data", "order_degree", "subsystem_order", "weights", "synergy")
DECIMALS = "0.0000"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        default="31x12x30,3000x20x30",
        help="entities x periods x indicators, comma-separated (default 31x12x30,3000x20x30)",
    )
    p.add_argument("--writers", default=",".join(WRITERS), help="comma-separated writers")
    p.add_argument("--seed", type=int, default=20240501, help="random seed")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one writer, print JSON
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    unknown = set(args.writers.split(",")) - set(WRITERS)
    if unknown:
        p.error(f"unknown writers {sorted(unknown)}; choose from {', '.join(WRITERS)}")
    return args


def parse_size(text: str) -> tuple[int, int, int]:
    e, t, i = (int(v) for v in text.lower().split("x"))
    return e, t, i


# -- data -------------------------------------------------------------------------------
def make_result(n_e: int, n_t: int, n_i: int, seed: int) -> Any:
    """A fitted model of a random panel: three subsystems, province-like names."""
    import cosyn

    rng = np.random.default_rng(seed)
    level = rng.lognormal(3.0, 1.5, size=(n_e, 1, n_i))
    trend = rng.normal(0.03, 0.04, size=(n_e, 1, n_i))
    t = np.arange(n_t, dtype=float)[None, :, None]
    cube = level * np.exp(trend * t + rng.normal(0.0, 0.08, size=(n_e, n_t, n_i)))
    columns = [f"指标{i + 1:02d}(亿元)" for i in range(n_i)]
    entities = np.array([f"地区{e:04d}" for e in range(n_e)], dtype=object)
    frame = pd.DataFrame(cube.reshape(n_e * n_t, n_i), columns=columns)
    frame.insert(0, "年份", np.tile(np.arange(2001, 2001 + n_t), n_e))
    frame.insert(0, "地区", np.repeat(entities, n_t))
    thirds = np.array_split(np.arange(n_i), 3)
    spec = {
        "entity": "地区",
        "period": "年份",
        "subsystems": {
            name: {"label": label, "indicators": {columns[i]: "+" for i in idx}}
            for name, label, idx in zip(
                ("digital", "cluster", "ecology"),
                ("数字经济", "产业集群", "生态环境"),
                thirds,
                strict=True,
            )
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cosyn.fit(frame, spec)


def tables(result: Any) -> dict[str, tuple[list[str], list[Any], list[bool]]]:
    """Each sheet as (header, columns, which columns show 4 decimals)."""
    E, T, n_ind = result.x.shape
    k = result.mu.shape[2]
    ent = np.repeat(np.asarray(result.entities, dtype=object), T)
    per = np.tile(np.asarray(result.periods), T and E)
    ind = [str(c) for c in result.indicators]
    subs = [s.label or s.name for s in result.spec.subsystems]  # headed by their labels
    x = result.x.reshape(E * T, n_ind)
    u = result.u.reshape(E * T, n_ind)
    mu = result.mu.reshape(E * T, k)
    w = result.weights
    s = result.synergy
    return {
        "data": (
            [result.spec.entity, result.spec.period, *ind],
            [ent, per, *x.T],
            [False, False, *[False] * n_ind],
        ),
        "order_degree": (
            ["entity", "period", *ind],
            [ent, per, *u.T],
            [False, False, *[True] * n_ind],
        ),
        "subsystem_order": (
            ["entity", "period", *subs],
            [ent, per, *mu.T],
            [False] * 2 + [True] * k,
        ),
        "weights": (
            list(map(str, w.columns)),
            [w[c].to_numpy() for c in w.columns],
            [False, False, False, True],
        ),
        "synergy": (
            list(map(str, s.columns)),
            [s[c].to_numpy() for c in s.columns],
            [False, False, False, True, False, False],
        ),
    }


def rows_of(columns: list[Any]) -> Any:
    """Rows as lists of Python scalars (what a row-by-row writer is given)."""
    lists = [c.tolist() for c in columns]
    return zip(*lists, strict=True)


# -- writers ----------------------------------------------------------------------------
def write_xlsxwriter(result: Any, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "nan_inf_to_errors": False},
    )
    bold = book.add_format({"bold": True})
    dec = book.add_format({"num_format": DECIMALS})
    for name, (header, columns, decimals) in tables(result).items():
        ws = book.add_worksheet(name)
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, header, bold)
        formats = [dec if d else None for d in decimals]
        number = ws.write_number
        string = ws.write_string
        for r, row in enumerate(rows_of(columns), start=1):
            for c, (v, f) in enumerate(zip(row, formats, strict=True)):
                if isinstance(v, str):
                    string(r, c, v, f)
                elif v == v:  # not NaN
                    number(r, c, v, f)
    book.close()


def write_openpyxl(result: Any, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for name, (header, columns, decimals) in tables(result).items():
        ws = book.create_sheet(name)
        ws.freeze_panes = "A2"
        head = []
        for h in header:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = Font(bold=True)
            head.append(cell)
        ws.append(head)
        dec = [i for i, d in enumerate(decimals) if d]
        for row in rows_of(columns):
            values: list[Any] = [None if v != v else v for v in row]
            for i in dec:
                cell = WriteOnlyCell(ws, value=values[i])
                cell.number_format = DECIMALS
                values[i] = cell
            ws.append(values)
    book.save(path)


def write_cosyn(result: Any, path: Path) -> None:
    from cosyn.report.workbook import write_workbook

    write_workbook(result, path)


def peak_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_one(writer: str, size: str, seed: int, out: Path) -> dict[str, Any]:
    result = make_result(*parse_size(size), seed)
    for name in SHEETS:  # build the lazy tables before timing
        getattr(result, name, None)
    before = peak_kib()
    start = time.perf_counter()
    {"xlsxwriter": write_xlsxwriter, "openpyxl": write_openpyxl, "cosyn": write_cosyn}[writer](
        result, out
    )
    seconds = time.perf_counter() - start
    cells = sum(len(cols[0]) * len(cols) for _, cols, _ in tables(result).values())
    return {
        "seconds": seconds,
        "peak_mib": (peak_kib() - before) / 1024,
        "bytes": out.stat().st_size,
        "cells": cells,
    }


# -- checking ---------------------------------------------------------------------------
def check(result: Any, path: Path) -> tuple[int, int, int, float]:
    """Compare a written file with the result's own cells: (cells, text or format
    mismatches, numbers not equal to the result's, their largest relative difference)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    n = bad = inexact = 0
    worst = 0.0
    for name, (header, columns, decimals) in tables(result).items():
        rows = book[name].iter_rows(values_only=False)
        head = [c.value for c in next(rows)]
        bad += head != header
        for want, got in zip(rows_of(columns), rows, strict=True):
            for v, c, d in zip(want, got, decimals, strict=True):
                n += 1
                if isinstance(v, float):
                    fmt = DECIMALS if d else "General"
                    if v != v:
                        bad += c.value is not None
                    elif c.value != v:
                        inexact += 1
                        worst = max(worst, abs(c.value - v) / max(abs(v), 1e-300))
                    bad += c.number_format != fmt
                else:
                    bad += c.value != v
    book.close()
    return n, bad, inexact, worst


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        info = run_one(args.one, args.sizes, args.seed, Path(args.out))
        print(json.dumps(info))
        return 0

    import openpyxl
    import xlsxwriter

    import cosyn

    writers = args.writers.split(",")
    print("XLSX writer benchmark — the result sheets of a fitted panel, same cells per writer")
    print(
        f"  python {platform.python_version()}, XlsxWriter {xlsxwriter.__version__}, "
        f"openpyxl {openpyxl.__version__}, cosyn {cosyn.__version__}, "
        f"os.cpu_count() = {os.cpu_count()}"
    )
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, size in enumerate(args.sizes.split(",")):
            E, T, n_ind = parse_size(size)
            print(f"\n{E:,} entities × {T} periods × {n_ind} indicators")
            print(f"  {'writer':<11} {'seconds':>8} {'µs/cell':>8} {'peak MiB':>9} {'file MiB':>9}")
            paths = {}
            for writer in writers:
                out = Path(tmp) / f"{writer}-{size}.xlsx"
                command = [sys.executable, __file__, "--one", writer, "--sizes", size]
                command += ["--seed", str(args.seed), "--out", str(out)]
                proc = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if proc.returncode:
                    print(f"  {writer:<11} failed:\n{proc.stderr}")
                    status = 1
                    continue
                info = json.loads(proc.stdout.strip().splitlines()[-1])
                print(
                    f"  {writer:<11} {info['seconds']:8.2f} "
                    f"{info['seconds'] / info['cells'] * 1e6:8.2f} {info['peak_mib']:9.1f} "
                    f"{info['bytes'] / 2**20:9.2f}"
                )
                paths[writer] = out
            print(f"  ({info['cells']:,} cells in the five sheets)")
            if n == 0 and paths:
                result = make_result(E, T, n_ind, args.seed)
                for writer, path in paths.items():
                    total, bad, inexact, worst = check(result, path)
                    print(
                        f"  {writer:<11} read back: {total:,} cells, {bad} text or format "
                        f"mismatches, {inexact:,} numbers not equal to the result's "
                        f"(largest relative difference {worst:.1e})"
                    )
                    status |= bad > 0
    return status


if __name__ == "__main__":
    sys.exit(main())
