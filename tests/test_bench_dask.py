"""The Dask out-of-core benchmark runs end to end at its smoke size (slow: it starts two
local clusters)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("psutil")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_dask.py"


@pytest.mark.slow
def test_bench_dask_small(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--small", "--tmp-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert "1 worker(s)" in text and "2 worker(s)" in text
    assert text.count("equal the NumPy engine's to 1e-12") == 2
    assert "M cells/s" in text and "scaling 1 → 2 workers" in text
    assert "peak worker memory" in text
    assert not any(tmp_path.iterdir())  # the temporary folder was removed
