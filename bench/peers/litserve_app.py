"""The LitServe peer: the same ``model.onnx`` and preprocessing behind LitServe's batching.

One ``LitAPI``: ``decode_request`` reads the multipart upload and runs SpikeGlyph's own
preprocessing (from ``shared/src``), ``batch``/``predict`` run ONNX Runtime on the stacked
batch (one intra-op thread), ``encode_response`` answers the digit and its probabilities.
One worker, as each SpikeGlyph service has one process.

Run by ``bench/bench_peers.py`` in its own virtual environment:
``python litserve_app.py PORT`` with ``PEER_MODEL`` set.
"""

from __future__ import annotations

import os
import sys

import litserve as ls
import numpy as np

MODEL = os.environ.get("PEER_MODEL", "models/mnist/model.onnx")
MAX_BATCH = int(os.environ.get("PEER_MAX_BATCH", "16"))
# How long a batch waits for company: the replica's SPIKEGLYPH_MAX_WAIT_MS default.
BATCH_TIMEOUT_S = float(os.environ.get("PEER_MAX_WAIT_MS", "2")) / 1000


class DigitAPI(ls.LitAPI):
    def setup(self, device: str) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(MODEL, sess_options=options)

    def decode_request(self, request):  # type: ignore[no-untyped-def]
        # unannotated on purpose: LitServe then hands over the parsed form of a multipart body
        from spikeglyph.preprocess import preprocess

        return preprocess(request["file"].file.read())

    def batch(self, inputs: list[np.ndarray]) -> np.ndarray:
        return np.stack(inputs)[:, None]

    def predict(self, batch: np.ndarray) -> np.ndarray:
        (logits,) = self.session.run(["logits"], {"image": batch.astype(np.float32)})
        return logits

    def unbatch(self, output: np.ndarray) -> list[np.ndarray]:
        return list(output)

    def encode_response(self, logits: np.ndarray) -> dict[str, object]:
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        digit = int(np.argmax(logits))
        return {
            "digit": digit,
            "confidence": float(probs[digit]),
            "probabilities": [round(float(p), 6) for p in probs],
        }


if __name__ == "__main__":
    api = DigitAPI(max_batch_size=MAX_BATCH, batch_timeout=BATCH_TIMEOUT_S)
    server = ls.LitServer(api, accelerator="cpu", workers_per_device=1)
    server.run(host="127.0.0.1", port=int(sys.argv[1]), generate_client_file=False)
