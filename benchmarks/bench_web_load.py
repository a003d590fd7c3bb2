"""A bounded load test of ``cosyn serve`` on loopback: N fits, C at a time.

Starts the app under uvicorn on a free 127.0.0.1 port in this process, sends ``--requests``
``POST /api/fit`` requests with the bundled Guangzhou data and model, ``--concurrency`` at
a time, checks every answer (status 200 and the synergy values of ``cosyn.fit``), and
prints the error count and the latency percentiles, with the time of one ``cosyn.fit``
measured in the same run as the baseline. Traffic goes to 127.0.0.1 only; the run is
bounded in count and stops by itself.

Run from the repository root (needs ``pip install -e '.[web]'`` and httpx)::

    python benchmarks/bench_web_load.py                   # 200 fits, 20 at a time
    python benchmarks/bench_web_load.py --requests 40 --concurrency 8
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import uvicorn

import cosyn
from cosyn.datasets import data_path
from cosyn.web import create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200, help="fits to send (default 200)")
    p.add_argument("--concurrency", type=int, default=20, help="at a time (default 20)")
    args = p.parse_args(argv)
    if not 1 <= args.concurrency <= args.requests <= 10_000:
        p.error("need 1 ≤ --concurrency ≤ --requests ≤ 10000")
    return args


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    csv = data_path("trade.csv").read_bytes()
    toml = data_path("trade_model.toml").read_text(encoding="utf-8")
    expected = cosyn.fit(data_path("trade.csv"), data_path("trade_model.toml")).synergy

    start = time.perf_counter()
    cosyn.fit(data_path("trade.csv"), data_path("trade_model.toml"))
    one_fit = time.perf_counter() - start

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/api/fit"

    def one(_: int) -> tuple[float, str | None]:
        t0 = time.perf_counter()
        try:
            r = httpx.post(
                url,
                files={"data": ("trade.csv", csv, "text/csv")},
                data={"spec": toml},
                timeout=120,
            )
        except httpx.HTTPError as exc:
            return time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - t0
        if r.status_code != 200:
            return elapsed, f"status {r.status_code}: {r.text[:200]}"
        got = [row["synergy"] for row in r.json()["synergy"]]
        if not np.allclose(got, expected.synergy.to_numpy(), rtol=0, atol=1e-12):
            return elapsed, "wrong synergy values"
        return elapsed, None

    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(one, range(args.requests)))
    wall = time.perf_counter() - t0
    server.should_exit = True
    thread.join(timeout=10)

    latency = np.array([r[0] for r in results])
    errors = [r[1] for r in results if r[1] is not None]
    p50, p95, p99 = np.percentile(latency, [50, 95, 99])
    print(
        f"cosyn serve load test — {args.requests} × POST /api/fit (Guangzhou trade model), "
        f"{args.concurrency} at a time, 127.0.0.1"
    )
    print(f"  cosyn {cosyn.__version__}, python {sys.version.split()[0]}")
    print()
    print(f"{'measure':<44}{'value':>12}")
    print(f"{'baseline: one cosyn.fit in this process':<44}{one_fit * 1000:>10.1f} ms")
    print(f"{'errors (non-200 or wrong numbers)':<44}{len(errors):>12}")
    print(f"{'latency p50':<44}{p50 * 1000:>10.1f} ms")
    print(f"{'latency p95':<44}{p95 * 1000:>10.1f} ms")
    print(f"{'latency p99':<44}{p99 * 1000:>10.1f} ms")
    print(f"{'throughput':<44}{args.requests / wall:>8.1f} fits/s")
    for e in errors[:5]:
        print("  error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
