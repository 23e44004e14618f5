"""The OpenAPI document, adjusted to say what the gateway really answers.

FastAPI documents validation failures with its own ``HTTPValidationError`` shape; the gateway
answers them with the uniform error body, so the document says that instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from spikeglyph.errors import InvalidRequest
from spikeglyph_gateway.responses import error_responses

ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}
VALIDATION_EXAMPLE = {
    "error": {
        "code": InvalidRequest.code,
        "message": "body.params.epochs: Input should be greater than or equal to 1",
        "request_id": "3f0c2a9e5b7d4e1f9a8b6c5d4e3f2a1b",
    }
}


def uniform_validation_errors(document: dict[str, Any]) -> dict[str, Any]:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response is None:
                continue
            content = response.setdefault("content", {}).setdefault("application/json", {})
            if content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                response["description"] = error_responses(422)[422]["description"]
                content["schema"] = ERROR_BODY_REF
                content.setdefault("example", VALIDATION_EXAMPLE)
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return document


def install_openapi(app: FastAPI, extra_schemas: dict[str, Any]) -> None:
    """Generate once, on first request, with ``extra_schemas`` added to the components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(extra_schemas)
            app.openapi_schema = uniform_validation_errors(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
