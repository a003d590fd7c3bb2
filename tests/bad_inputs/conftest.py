"""Fixtures of the bad-input catalogue (its helpers are in ``bad_input_catalogue.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_catalogue import run_case


@pytest.fixture
def cli_case(tmp_path: Path):
    """``cli_case(case)`` runs a :class:`Case` in a fresh folder and returns the output."""
    return lambda case: run_case(case, tmp_path)
