"""Settings: list variables, and the refusal of weak API keys outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spikeglyph_gateway.config import GatewaySettings, RateLimit

STRONG = "9f2c4e7a1b3d5f60a8c2e4b6d8f0a1c3"


def test_environment_lists_and_rate_limits_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPIKEGLYPH_INFERENCE_URLS", "http://a:8001/, http://b:8001")
    monkeypatch.setenv("SPIKEGLYPH_API_KEYS", f"{STRONG},other-{STRONG}")
    monkeypatch.setenv("SPIKEGLYPH_RATE_LIMIT_PREDICT", '{"per_minute": 600, "burst": 50}')
    settings = GatewaySettings()
    assert settings.inference_urls == ["http://a:8001", "http://b:8001"]
    assert settings.api_keys == [STRONG, f"other-{STRONG}"]
    assert settings.rate_limit_predict == RateLimit(per_minute=600, burst=50)


def test_defaults_leave_predict_open_and_limit_feedback_and_jobs() -> None:
    settings = GatewaySettings()
    assert settings.inference_urls == ["http://localhost:8001"]
    assert not settings.rate_limit_predict.enabled
    assert settings.rate_limit_feedback.enabled and settings.rate_limit_jobs.enabled
    assert settings.max_upload_bytes == 10 * 1024 * 1024


@pytest.mark.parametrize("key", ["changeme", "secret", "short-key", "aaaaaaaaaaaaaaaaaaaaaaaa"])
def test_weak_keys_are_refused_in_production(key: str) -> None:
    with pytest.raises(ValidationError, match="weak key"):
        GatewaySettings(environment="production", api_keys=[key])


def test_weak_keys_are_tolerated_in_development_and_strong_ones_everywhere() -> None:
    assert GatewaySettings(environment="development", api_keys=["changeme"]).api_keys
    assert GatewaySettings(environment="production", api_keys=[STRONG]).api_keys == [STRONG]


def test_no_replica_at_all_is_refused() -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(inference_urls=[])


def test_a_short_internal_token_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="SPIKEGLYPH_INTERNAL_TOKEN"):
        GatewaySettings(environment="production", api_keys=[STRONG], internal_token="short")


def test_the_internal_token_goes_with_every_replica_call_and_never_into_logs() -> None:
    from spikeglyph_gateway.resources import internal_headers

    token = "0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"
    settings = GatewaySettings(environment="production", api_keys=[STRONG], internal_token=token)
    assert internal_headers(settings) == {"Authorization": f"Bearer {token}"}
    assert token not in repr(settings)
    assert internal_headers(GatewaySettings()) == {}
