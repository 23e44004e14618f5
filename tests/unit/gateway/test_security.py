"""API key checks: 401 without a key, 403 with a wrong one, every configured key accepted."""

from __future__ import annotations

import pytest

from spikeglyph.errors import MissingApiKey, WrongApiKey
from spikeglyph_gateway.security import check_api_key

KEYS = ["first-key-0123456789abcdef", "second-key-0123456789abcdef"]


def test_any_configured_key_is_accepted() -> None:
    for key in KEYS:
        check_api_key(key, KEYS)


@pytest.mark.parametrize("presented", [None, ""])
def test_missing_key_is_401(presented: str | None) -> None:
    with pytest.raises(MissingApiKey) as caught:
        check_api_key(presented, KEYS)
    assert caught.value.status == 401


@pytest.mark.parametrize("presented", ["first-key", "first-key-0123456789abcdeF", "x" * 500])
def test_wrong_key_is_403(presented: str) -> None:
    with pytest.raises(WrongApiKey) as caught:
        check_api_key(presented, KEYS)
    assert caught.value.status == 403


def test_no_configured_keys_refuses_everyone() -> None:
    with pytest.raises(WrongApiKey):
        check_api_key("anything-at-all-0123456789", [])
