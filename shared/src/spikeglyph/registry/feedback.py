"""Durable user corrections: a Redis Stream of (image, correct label, model that was wrong).

Each item is one stream entry whose id is the feedback id, so ids are ordered by arrival and a
consumer (``finetune``) can keep a cursor and read exactly what arrived since its last run.
The image is stored as the 784 raw bytes of the preprocessed 28×28 uint8 array.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime
from typing import cast, get_args

import numpy as np
import numpy.typing as npt
import redis
from redis.typing import EncodableT, FieldT

from spikeglyph.errors import InvalidFeedback
from spikeglyph.registry.connection import connect, redis_guard, require_binary, text
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, Keys
from spikeglyph.schemas import DatasetName, FeedbackItem, utcnow

log = logging.getLogger(__name__)

IMAGE_SHAPE = (28, 28)
PAGE_SIZE = 500
_STREAM_ID = re.compile(r"^\d+-\d+$")
_DATASETS: tuple[str, ...] = get_args(DatasetName)

Image = npt.NDArray[np.uint8]


class FeedbackStore:
    """Append corrections and read them back in arrival order, with per-consumer cursors."""

    def __init__(self, redis: redis.Redis, namespace: str = DEFAULT_NAMESPACE) -> None:
        require_binary(redis)
        self.redis = redis
        self.keys = Keys(namespace)

    @classmethod
    def from_url(cls, url: str, namespace: str = DEFAULT_NAMESPACE) -> FeedbackStore:
        return cls(connect(url), namespace)

    def add(
        self,
        image: npt.NDArray[np.generic],
        label: int,
        *,
        model_version: str | None,
        dataset: str,
    ) -> str:
        """Store one correction and return its feedback id.

        ``image`` is the preprocessed 28×28 array, float in [0, 1] or uint8.
        """
        pixels = to_uint8_image(image)
        if isinstance(label, bool) or not isinstance(label, int | np.integer):
            raise InvalidFeedback(f"label must be an integer 0..9, not {label!r}")
        if not 0 <= int(label) <= 9:
            raise InvalidFeedback(f"label must be 0..9, not {label}")
        if dataset not in _DATASETS:
            raise InvalidFeedback(f"unknown dataset {dataset!r} (expected one of {_DATASETS})")
        fields: dict[FieldT, EncodableT] = {
            "label": int(label),
            "model_version": model_version or "",
            "dataset": dataset,
            "created_at": utcnow().isoformat(),
            "image": pixels.tobytes(),
        }
        with redis_guard("store feedback"):
            feedback_id = text(self.redis.xadd(self.keys.feedback_stream, fields)) or ""
        log.info("stored feedback %s (label %d, model %s)", feedback_id, label, model_version)
        return feedback_id

    def read(
        self, *, after: str | None = None, dataset: str | None = None, limit: int | None = None
    ) -> list[tuple[FeedbackItem, Image]]:
        """Items after the feedback id ``after`` (all when ``None``), oldest first."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        items: list[tuple[FeedbackItem, Image]] = []
        if limit == 0:
            return items
        for item, pixels in self._scan(after, dataset):
            items.append((item, pixels))
            if limit is not None and len(items) >= limit:
                break
        return items

    def count(self, *, after: str | None = None, dataset: str | None = None) -> int:
        """How many items arrived after ``after`` (optionally of one dataset only)."""
        if after is None and dataset is None:
            with redis_guard("count feedback"):
                return int(self.redis.xlen(self.keys.feedback_stream))
        return sum(1 for _ in self._scan(after, dataset))

    def get_cursor(self, name: str) -> str | None:
        """The last feedback id consumer ``name`` has recorded as consumed."""
        with redis_guard("read a feedback cursor"):
            return text(self.redis.hget(self.keys.feedback_cursors, name))

    def set_cursor(self, name: str, feedback_id: str) -> None:
        """Record that consumer ``name`` has consumed everything up to ``feedback_id``."""
        _check_id(feedback_id)
        with redis_guard("save a feedback cursor"):
            self.redis.hset(self.keys.feedback_cursors, name, feedback_id)

    def _scan(self, after: str | None, dataset: str | None) -> Iterator[tuple[FeedbackItem, Image]]:
        """Page through the stream (a page per round trip) after ``after``, filtering."""
        if after is not None:
            _check_id(after)
        start = f"({after}" if after is not None else "-"
        while True:
            with redis_guard("read feedback"):
                page = cast(
                    list[tuple[bytes, dict[bytes, bytes]]],
                    self.redis.xrange(self.keys.feedback_stream, start, "+", count=PAGE_SIZE),
                )
            for raw_id, fields in page:
                entry_id = text(raw_id) or ""
                if dataset is None or text(fields.get(b"dataset")) == dataset:
                    yield _decode(entry_id, fields)
            if len(page) < PAGE_SIZE:
                return
            start = f"({text(page[-1][0])}"


def to_uint8_image(image: npt.NDArray[np.generic]) -> Image:
    """The 28×28 uint8 form of a preprocessed image (float in [0, 1] or uint8)."""
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
    item = FeedbackItem(
        feedback_id=entry_id,
        label=int(fields[b"label"]),
        model_version=text(fields.get(b"model_version")) or None,
        dataset=text(fields[b"dataset"]),  # type: ignore[arg-type]  # validated by pydantic
        created_at=datetime.fromisoformat(text(fields[b"created_at"]) or ""),
    )
    pixels = np.frombuffer(fields[b"image"], dtype=np.uint8).reshape(IMAGE_SHAPE).copy()
    return item, pixels


def _check_id(feedback_id: str) -> None:
    if not _STREAM_ID.fullmatch(feedback_id):
        raise InvalidFeedback(f"not a feedback id: {feedback_id!r}")
