"""The BentoML peer: the same ``model.onnx`` composed as BentoML's adaptive-batching guide shows.

A ``Preprocessing`` service receives the upload, runs SpikeGlyph's own preprocessing
(:func:`spikeglyph.preprocess.preprocess`, imported from ``shared/src``, so both servers do the
same work per image) and calls a batchable ``OnnxModel`` service through ``bentoml.depends``;
BentoML's dispatcher forms the batches. Each service runs one worker, like each SpikeGlyph
service runs one uvicorn process, and ONNX Runtime gets one intra-op thread, as in the replica.

Run by ``bench/bench_peers.py`` in its own virtual environment:
``bentoml serve bentoml_service:Preprocessing --port P`` with ``PEER_MODEL`` set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import bentoml
import numpy as np
from PIL.Image import Image

MODEL = Path(os.environ.get("PEER_MODEL", "models/mnist/model.onnx"))
MAX_BATCH = int(os.environ.get("PEER_MAX_BATCH", "16"))
# The latency budget beyond which BentoML refuses a request: the replica's request timeout.
MAX_LATENCY_MS = int(os.environ.get("PEER_MAX_LATENCY_MS", "10000"))


@bentoml.service(workers=1)
class OnnxModel:
    def __init__(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(MODEL), sess_options=options)

    @bentoml.api(batchable=True, max_batch_size=MAX_BATCH, max_latency_ms=MAX_LATENCY_MS)
    def predict(self, images: np.ndarray) -> np.ndarray:
        """``[B, 1, 28, 28]`` float32 in, ``[B, C]`` logits out."""
        (logits,) = self.session.run(["logits"], {"image": images.astype(np.float32)})
        return logits


@bentoml.service(workers=1)
class Preprocessing:
    model = bentoml.depends(OnnxModel)

    @bentoml.api
    async def predict(self, file: Image) -> dict[str, object]:
        from spikeglyph.preprocess import preprocess

        started = time.perf_counter()
        image = preprocess(file)[None, None]
        prepared = time.perf_counter()
        logits = (await self.model.to_async.predict(image))[0]
        done = time.perf_counter()
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        digit = int(np.argmax(logits))
        return {
            "digit": digit,
            "confidence": float(probs[digit]),
            "probabilities": [round(float(p), 6) for p in probs],
            "latency_ms": {
                "preprocess": round((prepared - started) * 1000, 3),
                "model_call": round((done - prepared) * 1000, 3),
            },
        }
