"""Durable user feedback: a Redis Stream of (image, right label, model that answered, kind).

A correction says the model was wrong and gives the right class; a confirmation ("that's
right") says its answer was right, and its label is that answer. An R-STDP model learns from
both as reward; other models train on both labels.

Each item is one stream entry whose id is the feedback id, so ids are ordered by arrival and a
consumer (``finetune``) can keep a cursor and read exactly what arrived since its last run.
The image is stored as the 784 raw bytes of the preprocessed 28×28 uint8 array. Storing takes
those bytes as they are (the gateway gets them from a replica and has no NumPy); an array is
converted, and reading hands arrays back, with NumPy imported where that happens (the trainer).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias, cast, get_args

from redis.typing import EncodableT, FieldT

from spikeglyph.errors import InvalidFeedback
from spikeglyph.schemas import DatasetName, FeedbackItem, FeedbackKind, utcnow
from spikeglyph.stores.connection import text
from spikeglyph.stores.driver import AsyncStore, Op, Store, SyncStore, call, operation

log = logging.getLogger(__name__)

IMAGE_SHAPE = (28, 28)
IMAGE_BYTES = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
PAGE_SIZE = 500
_STREAM_ID = re.compile(r"^\d+-\d+$")
_DATASETS: tuple[str, ...] = get_args(DatasetName)
_KINDS: tuple[str, ...] = get_args(FeedbackKind)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Image: TypeAlias = npt.NDArray[np.uint8]
    ImageInput: TypeAlias = bytes | npt.NDArray[np.generic]


class FeedbackOps(Store):
    """Append corrections and read them back in arrival order, with per-consumer cursors."""

    @operation("store feedback")
    def add(
        self,
        image: ImageInput,
        label: int,
        *,
        model_version: str | None,
        dataset: str,
        kind: FeedbackKind = "correction",
    ) -> Op[str]:
        """Store one correction (or confirmation) and return its feedback id.

        ``image`` is the preprocessed 28×28 image: its 784 uint8 bytes row by row, or an array
        (float in [0, 1] or uint8).
        """
        pixels = image_bytes(image)
        if isinstance(label, bool) or not hasattr(label, "__index__"):
            raise InvalidFeedback(f"label must be an integer 0..9, not {label!r}")
        if not 0 <= int(label) <= 9:
            raise InvalidFeedback(f"label must be 0..9, not {label}")
        if kind not in _KINDS:
            raise InvalidFeedback(f"unknown feedback kind {kind!r} (expected one of {_KINDS})")
        if dataset not in _DATASETS:
            raise InvalidFeedback(f"unknown dataset {dataset!r} (expected one of {_DATASETS})")
        fields: dict[FieldT, EncodableT] = {
            "label": int(label),
            "model_version": model_version or "",
            "dataset": dataset,
            "kind": kind,
            "created_at": utcnow().isoformat(),
            "image": pixels,
        }
        feedback_id = text((yield call("xadd", self.keys.feedback_stream, fields))) or ""
        log.info("stored %s %s (label %d, model %s)", kind, feedback_id, label, model_version)
        return feedback_id

    @operation("read feedback")
    def read(
        self, *, after: str | None = None, dataset: str | None = None, limit: int | None = None
    ) -> Op[list[tuple[FeedbackItem, Image]]]:
        """Items after the feedback id ``after`` (all when ``None``), oldest first."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        items: list[tuple[FeedbackItem, Image]] = []
        if limit == 0:
            return items
        for page in (yield from self._pages(after, dataset, limit)):
            items.extend(page)
        return items if limit is None else items[:limit]

    @operation("count feedback")
    def count(self, *, after: str | None = None, dataset: str | None = None) -> Op[int]:
        """How many items arrived after ``after`` (optionally of one dataset only)."""
        if after is None and dataset is None:
            return int((yield call("xlen", self.keys.feedback_stream)))
        return sum(len(page) for page in (yield from self._pages(after, dataset, None)))

    @operation("read a feedback cursor")
    def get_cursor(self, name: str) -> Op[str | None]:
        """The last feedback id consumer ``name`` has recorded as consumed."""
        return text((yield call("hget", self.keys.feedback_cursors, name)))

    @operation("save a feedback cursor")
    def set_cursor(self, name: str, feedback_id: str) -> Op[None]:
        """Record that consumer ``name`` has consumed everything up to ``feedback_id``."""
        _check_id(feedback_id)
        yield call("hset", self.keys.feedback_cursors, name, feedback_id)

    def _pages(
        self, after: str | None, dataset: str | None, limit: int | None
    ) -> Op[list[list[tuple[FeedbackItem, Image]]]]:
        """Page through the stream (a page per round trip) after ``after``, filtering, until
        the stream ends or ``limit`` items are in."""
        if after is not None:
            _check_id(after)
        start = f"({after}" if after is not None else "-"
        pages: list[list[tuple[FeedbackItem, Image]]] = []
        found = 0
        while True:
            page = cast(
                list[tuple[bytes, dict[bytes, bytes]]],
                (yield call("xrange", self.keys.feedback_stream, start, "+", count=PAGE_SIZE)),
            )
            kept = [
                _decode(text(raw_id) or "", fields)
                for raw_id, fields in page
                if dataset is None or text(fields.get(b"dataset")) == dataset
            ]
            pages.append(kept)
            found += len(kept)
            if len(page) < PAGE_SIZE or (limit is not None and found >= limit):
                return pages
            start = f"({text(page[-1][0])}"


class FeedbackStore(FeedbackOps, SyncStore):
    """Feedback for blocking code (the trainer worker)."""


class AsyncFeedbackStore(FeedbackOps, AsyncStore):
    """Feedback for an event loop (the gateway)."""


def image_bytes(image: ImageInput) -> bytes:
    """The 784 stored bytes of a preprocessed image (its bytes as they are, or an array)."""
    if isinstance(image, bytes | bytearray | memoryview):
        if len(image) != IMAGE_BYTES:
            raise InvalidFeedback(
                f"a feedback image is {IMAGE_BYTES} bytes (28×28 uint8), not {len(image)}"
            )
        return bytes(image)
    return to_uint8_image(image).tobytes()


def to_uint8_image(image: npt.NDArray[np.generic]) -> Image:
    """The 28×28 uint8 form of a preprocessed image (float in [0, 1] or uint8)."""
    import numpy as np  # the trainer's side: storing bytes needs no NumPy

    array = np.asarray(image)
    if array.shape != IMAGE_SHAPE:
        raise InvalidFeedback(f"feedback image must be 28×28, not {array.shape}")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype.kind != "f":
        raise InvalidFeedback(f"feedback image must be float in [0, 1] or uint8, not {array.dtype}")
    if not np.isfinite(array).all() or array.min() < 0.0 or array.max() > 1.0:
        raise InvalidFeedback("feedback image values must lie in [0, 1]")
    return np.rint(array * 255.0).astype(np.uint8)


def _decode(entry_id: str, fields: dict[bytes, bytes]) -> tuple[FeedbackItem, Image]:
    import numpy as np  # reading is the trainer's side, which trains on arrays

    item = FeedbackItem(
        feedback_id=entry_id,
        label=int(fields[b"label"]),
        kind=text(fields.get(b"kind")) or "correction",  # type: ignore[arg-type]  # pydantic
        model_version=text(fields.get(b"model_version")) or None,
        dataset=text(fields[b"dataset"]),  # type: ignore[arg-type]  # validated by pydantic
        created_at=datetime.fromisoformat(text(fields[b"created_at"]) or ""),
    )
    pixels = np.frombuffer(fields[b"image"], dtype=np.uint8).reshape(IMAGE_SHAPE).copy()
    return item, pixels


def _check_id(feedback_id: str) -> None:
    if not _STREAM_ID.fullmatch(feedback_id):
        raise InvalidFeedback(f"not a feedback id: {feedback_id!r}")
