"""One real stack (Redis, a real inference replica, the gateway) for the fuzzing tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, StackConfig, stack_model


@pytest.fixture(scope="session")
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    config = StackConfig(model_dir=stack_model(request))
    with Stack(config, tmp_path_factory.mktemp("fuzzed")).started() as stack:
        yield stack
