"""Examples and hand-written request bodies for the OpenAPI document.

The predict routes read their body themselves (to relay it untouched), so FastAPI cannot infer
it; these fragments describe the three accepted forms instead.
"""

from __future__ import annotations

from typing import Any

_PROBABILITIES = [0.001, 0.002, 0.004, 0.011, 0.003, 0.002, 0.001, 0.968, 0.002, 0.006]

PREDICTION_EXAMPLE: dict[str, Any] = {
    "digit": 7,
    "label": "7",
    "probabilities": _PROBABILITIES,
    "confidence": 0.968,
    "class_names": [str(d) for d in range(10)],
    "model_version": "mnist-conv-20261128-101500",
    "dataset": "mnist",
    "latency_ms": {
        "queue": 0.4,
        "preprocess": 0.6,
        "compute": 2.1,
        "gateway": 0.9,
        "total": 4.0,
    },
    "spikes": None,
    "energy": {
        "sops": 152000.0,
        "macs": 86400.0,
        "snn_nj": 534.2,
        "ann_macs": 2300000.0,
        "ann_nj": 10580.0,
        "ratio": 19.8,
        "e_ac_pj": 0.9,
        "e_mac_pj": 4.6,
        "note": "45 nm estimate (Horowitz, ISSCC 2014); memory access not included.",
    },
    "input": None,
}

BATCH_EXAMPLE: dict[str, Any] = {"results": [PREDICTION_EXAMPLE]}

# A real 28×28 PNG of a hand-drawn 7, so "Try it out" in /docs gets an answer.
_PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAATUlEQVR42s3QMQ4AIAhDUcr974wTiQXKjJPx52HU7NhCbmI49"
    "ZHEFlHGEtvGpnB1n5KQ8X+SL7BF+gtfYI0Eu4SMDJuEjAVWCRnDrq8HgOgKI18J0GgAAAAASUVORK5CYII="
)

PREDICT_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ImagePayload"},
                "examples": {
                    "data_url": {
                        "summary": "A canvas drawing as a data URL",
                        "value": {"image": f"data:image/png;base64,{_PNG_BASE64}"},
                    }
                },
            },
        },
    }
}

BATCH_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            }
        },
    }
}

JOB_EXAMPLE: dict[str, Any] = {
    "job_id": "5d0f7c1e9b8a4f3e8c2d1b0a9f8e7d6c",
    "kind": "train",
    "state": "running",
    "progress": {"phase": "training", "epoch": 1, "epochs": 3, "step": 120, "steps": 469},
    "result": None,
    "error": None,
    "params": {"dataset": "mnist", "epochs": 3, "timesteps": 4},
    "created_at": "2026-11-28T10:15:00Z",
    "updated_at": "2026-11-28T10:16:12Z",
}

MODEL_EXAMPLE: dict[str, Any] = {
    "version": "mnist-conv-20261128-101500",
    "active": True,
    "dataset": "mnist",
    "timesteps": 4,
    "metrics": {"accuracy": 0.987},
    "parent": None,
    "created_at": "2026-11-28T10:15:00Z",
}
