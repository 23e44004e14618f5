"""The registry fixtures of the unit tests, reused against the same private redis-server."""

from tests.unit.stores.conftest import (
    NAMESPACE,
    artifacts_dir,
    client,
    feedback,
    jobs,
    make_model,
    registry,
)

__all__ = ["NAMESPACE", "artifacts_dir", "client", "feedback", "jobs", "make_model", "registry"]
