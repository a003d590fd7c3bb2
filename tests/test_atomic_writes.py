"""A run killed mid-write (SIGKILL) leaves no partial file under a final name, and the next
write into the folder clears the temporary file it left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cosyn.io import write
from cosyn.io.write import (
    STALE_AFTER,
    TEMP_PATTERN,
    atomic_write_text,
    remove_stale_temporaries,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

#: A writer that writes half a CSV, says so, and waits to be killed.
HALF_WRITER = textwrap.dedent(
    """
    import sys, time
    from cosyn.io.write import atomic_path

    with atomic_path(sys.argv[1]) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("a,b\\n" + "1,2\\n" * 5000)
            fh.flush()
            print("halfway", flush=True)
            time.sleep(30)
            fh.write("end\\n")
    """
)


def start_half_writer(target: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HALF_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "halfway"
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if TEMP_PATTERN.match(p.name))


@pytest.mark.parametrize("earlier", [None, "a,b\n3,4\n"])
def test_sigkill_mid_write_leaves_no_partial_file(tmp_path: Path, earlier: str | None) -> None:
    target = tmp_path / "synergy.csv"
    if earlier is not None:
        target.write_text(earlier, encoding="utf-8")
    proc = start_half_writer(target)
    leftover = temporaries(tmp_path)
    assert len(leftover) == 1 and leftover[0].stat().st_size > 0  # it was writing
    assert f"-{proc.pid}-" in leftover[0].name
    kill(proc)
    # the final name holds the earlier complete file, or nothing
    if earlier is None:
        assert not target.exists()
    else:
        assert target.read_text(encoding="utf-8") == earlier
    assert temporaries(tmp_path) == leftover  # the dead writer's file is still there
    # the next write into the folder clears it, and leaves other files alone
    (tmp_path / ".hidden.tmp").write_text("not ours", encoding="utf-8")
    atomic_write_text(tmp_path / "weights.csv", "a,b\n5,6\n")
    assert temporaries(tmp_path) == []
    assert (tmp_path / ".hidden.tmp").exists()
    assert pd.read_csv(tmp_path / "weights.csv").to_dict("list") == {"a": [5], "b": [6]}


def test_a_live_writer_keeps_its_temporary_file(tmp_path: Path) -> None:
    proc = start_half_writer(tmp_path / "out.csv")
    try:
        assert remove_stale_temporaries(tmp_path) == []
        live = temporaries(tmp_path)
        assert len(live) == 1
    finally:
        kill(proc)
    assert remove_stale_temporaries(tmp_path) == live  # dead now: removed
    assert temporaries(tmp_path) == []


def test_old_temporaries_of_any_writer_go_recent_ones_of_other_machines_stay(
    tmp_path: Path,
) -> None:
    other = tmp_path / ".x.csv.cosyn-0badc0de-1-0123456789ab.tmp"  # another machine's
    other.write_text("partial", encoding="utf-8")
    mine = tmp_path / f".x.csv.cosyn-{write._HOST}-{os.getpid()}-0123456789ab.tmp"
    mine.write_text("partial", encoding="utf-8")  # this live process: kept while recent
    assert remove_stale_temporaries(tmp_path) == []
    now = time.time()
    assert remove_stale_temporaries(tmp_path, now=now + STALE_AFTER / 2) == []
    gone = remove_stale_temporaries(tmp_path, now=now + STALE_AFTER + 60)
    assert sorted(gone) == sorted([other, mine])


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("old", encoding="utf-8")

    def broken(fh: object) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write._atomic_stream(target, False, broken)
    assert target.read_text(encoding="utf-8") == "old"
    assert temporaries(tmp_path) == []


def test_a_long_file_name_still_gets_a_temporary_file(tmp_path: Path) -> None:
    # a name of about 250 bytes: with the temporary file's additions it would pass 255
    name = ("地区" * 80 + ".csv").encode()[-250:].decode(errors="ignore")
    assert atomic_write_text(tmp_path / name, "a\n").read_text(encoding="utf-8") == "a\n"
    assert temporaries(tmp_path) == []


def complete(path: Path) -> bool:
    """True when ``path`` is a whole file of its kind (parses, or ends as it must)."""
    data = path.read_bytes()
    suffix = path.suffix
    if suffix == ".csv":
        pd.read_csv(path)
        return data.endswith(b"\n")
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return book.testzip() is None
    if suffix == ".png":
        return data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")
    if suffix == ".svg":
        return data.rstrip().endswith(b"</svg>")
    if suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if suffix == ".json":
        json.loads(data)
        return True
    return True


@pytest.mark.slow
def test_cosyn_run_killed_mid_write(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    e, t = 30, 20
    pd.DataFrame(
        {
            "region": np.repeat([f"r{i}" for i in range(e)], t),
            "year": np.tile(np.arange(2000, 2000 + t), e),
            **{c: rng.random(e * t) + 1 for c in ("a1", "a2", "b1", "b2")},
        }
    ).to_csv(tmp_path / "panel.csv", index=False)
    (tmp_path / "model.toml").write_text(
        'entity = "region"\nperiod = "year"\n[subsystems.a.indicators]\na1 = "+"\na2 = "+"\n'
        '[subsystems.b.indicators]\nb1 = "+"\nb2 = "-"\n',
        encoding="utf-8",
    )
    cli = "import sys; from cosyn.cli import main; sys.exit(main())"
    # the kill lands after a temporary file appeared; when the write it belongs to ends
    # before the kill, nothing is left half-done and the run is tried again
    for attempt in range(5):
        out = tmp_path / f"out{attempt}"
        args = [sys.executable, "-c", cli, "-q", "run", str(tmp_path / "model.toml")]
        args += ["--data", str(tmp_path / "panel.csv"), "--out", str(out)]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        seen: list[Path] = []
        while not seen and proc.poll() is None and time.monotonic() < deadline:
            if out.exists():
                seen = [p for p in out.rglob("*") if TEMP_PATTERN.match(p.name)]
            time.sleep(0.002)
        assert seen, "the run ended before a write could be interrupted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        for path in out.rglob("*"):  # killed or not mid-write: no final file is partial
            if path.is_file() and not TEMP_PATTERN.match(path.name):
                assert complete(path), path
        if [p for p in out.rglob("*") if TEMP_PATTERN.match(p.name)]:
            break
    else:
        pytest.fail("no kill in five landed while a file was being written")
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert [p for p in out.rglob("*") if TEMP_PATTERN.match(p.name)] == []
    assert all(complete(p) for p in out.rglob("*") if p.is_file())
