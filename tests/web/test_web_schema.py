"""Schemathesis against the OpenAPI schema of ``cosyn serve``: no request gives a 5xx.

Bounded (15 examples per operation). Schemathesis calls the app as ``testserver``, a name
the app answers to only when told, as ``cosyn serve --allow-host`` would; the Host and
Origin guards stay on.
"""

import warnings

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from cosyn.web import create_app  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(hosts=["testserver"]))


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    response = case.call()
    assert response.status_code < 500, response.text
