"""Every protected route refuses a missing key (401) and a wrong one (403), changing nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.stack import API_KEY

pytestmark = pytest.mark.integration

# Mutating routes the public may call without a key (DESIGN.md): predictions and feedback.
OPEN_WRITES = {
    ("post", "/api/v1/predict"),
    ("post", "/api/v1/predict/batch"),
    ("post", "/api/v1/feedback"),
    # the Open Inference Protocol's infer is a prediction too: open, like /api/v1/predict
    ("post", "/v2/models/{model}/infer"),
    ("post", "/v2/models/{model}/versions/{version}/infer"),
    # what-if: the page's prediction with knobs turned; open and rate-limited like predict
    ("post", "/api/v1/predict/whatif"),
}
WRONG_KEYS = [
    "not-the-key-0123456789abcdef",
    API_KEY[:-1],  # one character short
    API_KEY + "x",  # one character long
    API_KEY.upper(),
]


def _operations(http: httpx.Client) -> list[tuple[str, str, dict[str, Any]]]:
    document = http.get("/openapi.json").json()
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _protected(http: httpx.Client) -> list[tuple[str, str]]:
    return [
        (method, re.sub(r"\{[^}]+\}", "v1", path))
        for method, path, operation in _operations(http)
        if "401" in operation.get("responses", {})
    ]


def test_every_write_route_but_predict_and_feedback_is_protected(http: httpx.Client) -> None:
    writes = {(m, p) for m, p, _ in _operations(http) if m in ("post", "put", "patch", "delete")}
    protected = {(m, p) for m, p, op in _operations(http) if "401" in op.get("responses", {})}
    assert writes - protected == OPEN_WRITES
    assert {("post", "/api/v1/jobs"), ("post", "/api/v1/models/{version}/activate")} <= protected


def test_protected_routes_refuse_missing_and_wrong_keys(http: httpx.Client) -> None:
    routes = _protected(http)
    assert len(routes) >= 4
    jobs_before = http.get("/api/v1/jobs").json()
    active_before = http.get("/api/v1/models/active").json()["version"]
    for method, path in routes:
        for headers in ({}, {"X-API-Key": ""}):
            answer = http.request(method, path, headers=headers, json={"kind": "train"})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["error"]["code"]
        for wrong in WRONG_KEYS:
            answer = http.request(method, path, headers={"X-API-Key": wrong}, json={})
            assert answer.status_code == 403, (method, path, wrong, answer.text)
    # nothing was queued or switched by any of the refused calls
    assert http.get("/api/v1/jobs").json() == jobs_before
    assert http.get("/api/v1/models/active").json()["version"] == active_before


def test_the_right_key_opens_a_protected_route(http: httpx.Client, key: dict[str, str]) -> None:
    answer = http.post("/api/v1/models/does-not-exist/activate", headers=key)
    assert answer.status_code == 404  # past the key check: the version is what is missing
    assert answer.json()["error"]["code"] == "model_not_found"
