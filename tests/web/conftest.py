"""Fixtures of the web app tests: a TestClient and the bundled Guangzhou case."""

import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: httpx → httpx2 notice
    from fastapi.testclient import TestClient

from cosyn.datasets import data_path
from cosyn.web import create_app

#: The address the test client calls: the server answers only its own host names.
BASE_URL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), base_url=BASE_URL)


@pytest.fixture(scope="module")
def trade_csv() -> bytes:
    return data_path("trade.csv").read_bytes()


@pytest.fixture(scope="module")
def trade_toml() -> str:
    return Path(data_path("trade_model.toml")).read_text(encoding="utf-8")
