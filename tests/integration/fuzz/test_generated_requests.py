"""Property-based requests from each service's OpenAPI document never cause a server error.

Schemathesis generates valid and invalid data for every operation (examples, coverage and
fuzzing phases; the SSE stream excluded as it never ends). The count here is small to keep the
suite fast; ``bench/fuzz.py`` runs the ≥ 1,000-request version and reports it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stack import API_KEY, Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ST = Path(sys.executable).parent / "st"


def _schemathesis(base_url: str, report: Path, *extra: str) -> dict[str, object]:
    result = subprocess.run(
        [
            str(ST),
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "3",
            "--seed",
            "8",
            "--exclude-path-regex",
            "/events$",
            "--report-json-path",
            str(report),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    summary: dict[str, object] = json.loads(report.read_text())
    return summary


def test_the_gateway_never_answers_generated_requests_with_5xx(
    fuzzed: Stack, tmp_path: Path
) -> None:
    summary = _schemathesis(
        fuzzed.gateway_url, tmp_path / "gateway.json", "-H", f"X-API-Key: {API_KEY}"
    )
    cases = summary["test_cases"]
    assert isinstance(cases, dict) and cases["generated"] >= 100 and cases["with_failures"] == 0
    assert summary["operations"]["tested"] >= 12  # type: ignore[index]


def test_the_inference_service_never_answers_generated_requests_with_5xx(
    fuzzed: Stack, tmp_path: Path
) -> None:
    summary = _schemathesis(fuzzed.replicas[0].url, tmp_path / "inference.json")
    cases = summary["test_cases"]
    assert isinstance(cases, dict) and cases["generated"] >= 50 and cases["with_failures"] == 0
