"""The bodies of the predict routes, described once for both services' OpenAPI documents.

Those routes read their body themselves (the gateway relays it untouched, the inference
service accepts three forms), so FastAPI cannot infer it from a parameter: these fragments,
passed as ``openapi_extra``, describe what is accepted — a multipart ``file`` (or several
``files``), a raw ``image/*`` body, or JSON with a data URL.
"""

from __future__ import annotations

from typing import Any

BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


def image_body(
    payload_schema: dict[str, Any], example_png_base64: str | None = None
) -> dict[str, Any]:
    """One image: ``payload_schema`` describes the JSON form (a ``$ref`` or the schema itself);
    ``example_png_base64`` gives "Try it out" a real drawing to send."""
    json_form: dict[str, Any] = {"schema": payload_schema}
    if example_png_base64 is not None:
        json_form["examples"] = {
            "data_url": {
                "summary": "A canvas drawing as a data URL",
                "value": {"image": f"data:image/png;base64,{example_png_base64}"},
            }
        }
    multipart = {"type": "object", "required": ["file"], "properties": {"file": BINARY}}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": multipart},
                "image/*": {"schema": BINARY},
                "application/json": json_form,
            },
        }
    }


def images_body() -> dict[str, Any]:
    """Several images as the multipart field ``files``; results keep their order."""
    files = {"type": "array", "items": BINARY}
    multipart = {"type": "object", "required": ["files"], "properties": {"files": files}}
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": multipart}}}
    }
