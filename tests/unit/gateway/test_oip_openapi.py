"""The /v2 routes are documented as the Open Inference Protocol, with its error body."""

from __future__ import annotations

from spikeglyph_gateway.app import create_app
from spikeglyph_gateway.config import GatewaySettings


def test_v2_routes_are_documented_with_protocol_examples() -> None:
    document = create_app(GatewaySettings()).openapi()
    paths = {path: ops for path, ops in document["paths"].items() if path.startswith("/v2")}
    assert {
        "/v2",
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/{model}",
        "/v2/models/{model}/ready",
        "/v2/models/{model}/infer",
        "/v2/models/{model}/versions/{version}",
        "/v2/models/{model}/versions/{version}/infer",
    } <= set(paths)
    for operations in paths.values():
        for operation in operations.values():
            assert operation["tags"] == ["Open Inference Protocol"]
    infer = paths["/v2/models/{model}/infer"]["post"]
    examples = infer["requestBody"]["content"]["application/json"]["examples"]
    assert {"fp32", "bytes"} <= set(examples)
    error = infer["responses"]["400"]["content"]["application/json"]["example"]
    assert isinstance(error["error"], str)
