"""Hostile uploads against ``cosyn serve`` on loopback: time to rejection, server memory.

Starts ``cosyn serve`` (as ``python -m cosyn.cli serve``) on a free 127.0.0.1 port and
sends each hostile request of issue 8 once (or ``--repeat`` times): zip bombs (declared,
lying header, a sheet of millions of cells, two cells far apart), an oversized body,
robustness draws and forecast horizons over the spec's and the server's limits, a fit
past the server's time limit, a foreign ``Host`` and a cross-origin POST. It prints, per
request, the status, the time to the answer, and the resident memory (RSS) of the
server process before and after, with the RSS of its whole process tree (the fork server
and any running child). The run is bounded and stops by itself; the server is stopped at
the end. Linux only (/proc).

Run from the repository root (needs ``pip install -e '.[web]'`` and httpx)::

    python benchmarks/bench_hostile_uploads.py                  # bombs of 300 MiB
    python benchmarks/bench_hostile_uploads.py --bomb-mib 50 --repeat 2
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from openpyxl import Workbook

from cosyn.datasets import data_path

MiB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bomb-mib", type=int, default=300, help="MiB a bomb inflates to (300)")
    p.add_argument("--repeat", type=int, default=1, help="times each request is sent (1)")
    p.add_argument("--fit-timeout", type=float, default=3.0, help="server's limit, s (3)")
    args = p.parse_args(argv)
    if not (1 <= args.bomb_mib <= 4096 and 1 <= args.repeat <= 20):
        p.error("need 1 ≤ --bomb-mib ≤ 4096 and 1 ≤ --repeat ≤ 20")
    return args


# ---- hostile files -----------------------------------------------------------------------


def _deflate_repeated(chunk: bytes, times: int) -> tuple[bytes, int]:
    """Raw DEFLATE of ``chunk`` repeated ``times`` (one block, repeated after full flushes)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    return block * times + c.flush(), crc


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP archive from (name, raw DEFLATE data, CRC-32, declared size)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        raw = name.encode()
        central.append((raw, crc, len(data), size, out.tell()))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data),
                              size, len(raw), 0) + raw + data)  # fmt: skip
    start = out.tell()
    for raw, crc, csize, size, offset in central:
        out.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, csize,
                              size, len(raw), 0, 0, 0, 0, 0, offset) + raw)  # fmt: skip
    end = out.tell()
    n = len(central)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, end - start, start, 0))
    return out.getvalue()


def workbook(sheet: tuple[bytes, int, int] | None = None, declared: int | None = None) -> bytes:
    """A real two-column workbook whose sheet XML is replaced by ``sheet``.

    ``sheet``: (raw DEFLATE data, CRC-32, size); ``declared``: the size its header claims.
    """
    wb = Workbook()
    wb.active.append(["year", "a"])
    wb.active.append([2020, 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    members = []
    with zipfile.ZipFile(buffer) as book:
        for info in book.infolist():
            if info.filename == SHEET and sheet is not None:
                data, crc, size = sheet
                members.append((SHEET, data, crc, size if declared is None else declared))
                continue
            content = book.read(info)
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append(
                (info.filename, c.compress(content) + c.flush(), zlib.crc32(content), len(content))
            )
    return _zip(members)


def zeros_sheet(mib: int) -> tuple[bytes, int, int]:
    data, crc = _deflate_repeated(b"0" * MiB, mib)
    return data, crc, mib * MiB


def cells_sheet(mib: int) -> tuple[bytes, int, int]:
    """Sheet XML of about ``mib`` MiB of real cells (a 'plausible' bomb: ratio < 100)."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>1.5</v></c></row>' % (i, i, i, i)
        for i in range(1, 20_001)
    )
    times = max(1, mib * MiB // len(rows))
    data, crc = _deflate_repeated(rows, times)
    return data, crc, len(rows) * times


def far_cells() -> tuple[bytes, int, int]:
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
        b'<c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(xml) + c.flush(), zlib.crc32(xml), len(xml)


def heavy_csv(entities: int, periods: int, indicators: int) -> bytes:
    rng = np.random.default_rng(0)
    lines = ["entity,year," + ",".join(f"x{i}" for i in range(indicators))]
    for e in range(entities):
        for y in range(periods):
            values = ",".join(f"{v:.4f}" for v in rng.uniform(1, 100, indicators))
            lines.append(f"e{e},{2000 + y},{values}")
    return ("\n".join(lines) + "\n").encode()


def heavy_toml(indicators: int, extra: str) -> str:
    half = indicators // 2
    a = "".join(f'x{i} = "+"\n' for i in range(half))
    b = "".join(f'x{i} = "+"\n' for i in range(half, indicators))
    return (
        f'period = "year"\nentity = "entity"\n[subsystems.A.indicators]\n{a}'
        f"[subsystems.B.indicators]\n{b}{extra}\n"
    )


# ---- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss(pid: int) -> int:
    """Resident memory of a process in bytes (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def tree_rss(pid: int) -> int:
    return sum(rss(p) for p in tree(pid))


def start_server(port: int, timeout: float) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "cosyn.cli", "serve", "--port", str(port)]
    command += ["--fit-timeout", str(timeout)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("cosyn serve did not start within 60 s")


# ---- the run -----------------------------------------------------------------------------


def requests(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    csv = data_path("trade.csv").read_bytes()
    toml = data_path("trade_model.toml").read_text(encoding="utf-8")

    def fit(name: str, content: bytes, spec: str = toml, **kw: Any) -> dict[str, Any]:
        return {"files": {"data": (name, content)}, "data": {"spec": spec}, **kw}

    n = args.bomb_mib
    heavy = heavy_csv(80, 30, 10)  # 2,400 rows × 10 indicators: 2,000 draws just allowed
    return [
        (f"zip bomb, sheet of {n} MiB of zeros", fit("bomb.xlsx", workbook(zeros_sheet(n)))),
        (
            f"zip bomb, header says 1 kB, inflates to {n} MiB",
            fit("liar.xlsx", workbook(zeros_sheet(n), declared=1000)),
        ),
        (f"sheet of {n} MiB of real cells", fit("cells.xlsx", workbook(cells_sheet(n)))),
        ("sheet with two cells far apart", fit("far.xlsx", workbook(far_cells()))),
        ("body of 21 MiB (limit 20)", fit("big.csv", b"year,a\n" + b"2020,1\n" * (3 * MiB))),
        (
            "draws = 10**6 (spec limit)",
            fit("t.csv", csv, toml + "\n[diagnostics.robustness]\ndraws = 1000000\n"),
        ),
        (
            "draws = 50,000 (server limit)",
            fit("t.csv", csv, toml + "\n[diagnostics.robustness]\ndraws = 50000\n"),
        ),
        ("forecast = 10**9", fit("t.csv", csv, toml + "\n[diagnostics]\nforecast = 1000000000\n")),
        (
            "forecast = 50 (server limit)",
            fit("t.csv", csv, toml + "\n[diagnostics]\nforecast = 50\n"),
        ),
        (
            f"allowed but heavy fit (2,000 draws × 24,000 values; limit {args.fit_timeout:g} s)",
            fit("heavy.csv", heavy, heavy_toml(10, "[diagnostics.robustness]\ndraws = 2000")),
        ),
        ("Host: evil.example", fit("t.csv", csv, headers={"host": "evil.example"})),
        ("cross-origin POST", fit("t.csv", csv, headers={"origin": "http://evil.example"})),
        ("an ordinary fit (baseline)", fit("t.csv", csv)),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    port = free_port()
    server = start_server(port, args.fit_timeout)
    url = f"http://127.0.0.1:{port}/api/fit"
    try:
        cases = requests(args)
        start_rss, start_tree = rss(server.pid), tree_rss(server.pid)
        print(f"cosyn serve on 127.0.0.1:{port}, pid {server.pid}")
        print(
            f"at start: server RSS {start_rss / MiB:.0f} MiB, with children {start_tree / MiB:.0f}"
        )
        head = f"{'request':62} {'status':>6} {'kind':11} {'time s':>7} "
        print(head + f"{'RSS before':>10} {'after':>7} {'tree after':>10}")
        for name, kwargs in cases:
            for _ in range(args.repeat):
                before = rss(server.pid)
                t0 = time.perf_counter()
                try:
                    r = httpx.post(url, timeout=120, **kwargs)
                    status = str(r.status_code)
                    kind = r.json().get("kind", "") if r.status_code != 200 else "ok"
                except (httpx.HTTPError, ValueError) as exc:
                    status, kind = "failed", type(exc).__name__
                elapsed = time.perf_counter() - t0
                time.sleep(0.2)  # let a killed child be reaped
                after, after_tree = rss(server.pid), tree_rss(server.pid)
                row = f"{name[:62]:62} {status:>6} {kind[:11]:11} {elapsed:7.2f} "
                memory = f"{before / MiB:6.0f} MiB {after / MiB:3.0f} MiB "
                memory += f"{after_tree / MiB:6.0f} MiB"
                print(row + memory)
        end_rss, end_tree = rss(server.pid), tree_rss(server.pid)
        print(f"at end: server RSS {end_rss / MiB:.0f} MiB (start {start_rss / MiB:.0f}), with "
              f"children {end_tree / MiB:.0f} MiB (start {start_tree / MiB:.0f})")  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
