"""The Open Inference Protocol codec: what reaches the network, and what a client reads back."""

from __future__ import annotations

import base64
import json
import struct

import numpy as np
import pytest

from spikeglyph.errors import InvalidTensor, PayloadTooLarge
from spikeglyph.tensors import check_images, decode_images, encode_images
from spikeglyph_gateway.oip.codec import OutputTensor, encode_response, parse_request

LIMITS = {"max_images": 4, "max_image_bytes": 1000}


def _json_request(tensor: dict[str, object], **extra: object) -> bytes:
    return json.dumps({"inputs": [{"name": "image", **tensor}], **extra}).encode()


def _binary_request(tensor: dict[str, object], raw: bytes) -> tuple[bytes, str]:
    header = json.dumps(
        {"inputs": [{"name": "image", **tensor, "parameters": {"binary_data_size": len(raw)}}]}
    ).encode()
    return header + raw, str(len(header))


def test_fp32_json_and_binary_forms_give_the_same_pixels() -> None:
    pixels = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    as_json = parse_request(
        _json_request(
            {"datatype": "FP32", "shape": [2, 1, 28, 28], "data": pixels.ravel().tolist()}
        ),
        None,
        **LIMITS,
    )
    body, length = _binary_request(
        {"datatype": "FP32", "shape": [2, 1, 28, 28]}, pixels.astype("<f4").tobytes()
    )
    as_binary = parse_request(body, length, **LIMITS)
    assert as_json.pixels is not None and as_binary.pixels is not None
    assert as_json.count == as_binary.count == 2
    # the wire form the replica decodes and checks again
    np.testing.assert_array_equal(decode_images(as_json.pixels, max_images=2), pixels[:, 0])
    np.testing.assert_array_equal(decode_images(as_binary.pixels, max_images=2), pixels[:, 0])


def test_nested_fp32_data_is_read_in_row_major_order() -> None:
    pixels = np.random.default_rng(1).random((1, 1, 28, 28), dtype=np.float32)
    parsed = parse_request(
        _json_request({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": pixels.tolist()}),
        None,
        **LIMITS,
    )
    assert parsed.pixels == pixels.astype("<f4").tobytes()


def test_bytes_json_is_base64_and_binary_is_length_prefixed() -> None:
    blobs = [b"\x89PNG first", b"second image"]
    as_json = parse_request(
        _json_request(
            {
                "datatype": "BYTES",
                "shape": [2],
                "data": [base64.b64encode(b).decode() for b in blobs],
            }
        ),
        None,
        **LIMITS,
    )
    raw = b"".join(struct.pack("<I", len(b)) + b for b in blobs)
    body, length = _binary_request({"datatype": "BYTES", "shape": [2, 1]}, raw)
    assert as_json.images == blobs
    assert parse_request(body, length, **LIMITS).images == blobs


@pytest.mark.parametrize(
    ("tensor", "message"),
    [
        ({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": [255.0] * 784}, "0..1"),
        ({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": [float("nan")] * 784}, "finite"),
        ({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": [0.0] * 783}, "784 values"),
        ({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": [1e40] * 784}, "finite"),
        ({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": ["0.5"] * 784}, "numbers"),
        ({"datatype": "FP32", "shape": [1, 1, 28, 28], "data": [[0.0] * 783, [0.0]]}, "numbers"),
        ({"datatype": "FP32", "shape": [1, 1, 32, 32], "data": [0.0] * 1024}, "28"),
        ({"datatype": "FP32", "shape": [0, 1, 28, 28], "data": []}, "N >= 1"),
        ({"datatype": "FP32", "shape": [1, 784], "data": [0.0] * 784}, r"\[N,1,28,28\]"),
        ({"datatype": "INT8", "shape": [1, 1, 28, 28], "data": [0] * 784}, "FP32 or BYTES"),
        ({"datatype": "BYTES", "shape": [1], "data": ["not base64!"]}, "base64"),
        ({"datatype": "BYTES", "shape": [1], "data": [""]}, "empty"),
    ],
)
def test_bad_tensors_are_refused_with_a_message_that_says_why(
    tensor: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidTensor, match=message) as caught:
        parse_request(_json_request(tensor), None, **LIMITS)
    assert caught.value.status == 400


def test_wrong_input_name_and_truncated_binary_are_refused() -> None:
    body = json.dumps({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1]}]}).encode()
    with pytest.raises(InvalidTensor, match="'image'"):
        parse_request(body, None, **LIMITS)
    full, length = _binary_request({"datatype": "FP32", "shape": [1, 1, 28, 28]}, bytes(784 * 4))
    with pytest.raises(InvalidTensor, match="binary_data_size"):
        parse_request(full[:-4], length, **LIMITS)


def test_batch_and_image_size_limits_hold() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_request(
            _json_request({"datatype": "FP32", "shape": [5, 1, 28, 28], "data": [0.0] * 784 * 5}),
            None,
            **LIMITS,
        )
    big = base64.b64encode(bytes(1001)).decode()
    with pytest.raises(PayloadTooLarge, match="image\\[0\\]"):
        parse_request(
            _json_request({"datatype": "BYTES", "shape": [1], "data": [big]}), None, **LIMITS
        )


def test_requested_outputs_and_binary_preference_are_kept() -> None:
    parsed = parse_request(
        _json_request(
            {"datatype": "BYTES", "shape": [1], "data": ["aGk="]},
            outputs=[{"name": "probabilities", "parameters": {"binary_data": True}}],
            parameters={"binary_data_output": False},
            id="7",
        ),
        None,
        **LIMITS,
    )
    assert parsed.outputs == [("probabilities", True)]
    assert parsed.id == "7" and parsed.binary_default is False


def test_response_mixes_json_and_binary_tensors_in_order() -> None:
    probs = np.array([[0.25, 0.75]], dtype=np.float32)
    spikes = OutputTensor.of_rows("s", "INT32", [[3, 4]], {"layers": "a,b"})
    body, length = encode_response(
        {"model_name": "m"},
        [OutputTensor.of_rows("p", "FP32", probs.tolist(), {}), spikes],
        [True, False],
    )
    assert length is not None
    head = json.loads(body[:length])
    assert head["outputs"][0] == {
        "name": "p",
        "datatype": "FP32",
        "shape": [1, 2],
        "parameters": {"binary_data_size": 8},
    }
    assert head["outputs"][1]["data"] == [3, 4] and head["outputs"][1]["datatype"] == "INT32"
    np.testing.assert_array_equal(np.frombuffer(body[length:], "<f4").reshape(1, 2), probs)
    json_only, no_length = encode_response({"model_name": "m"}, [spikes], [False])
    assert no_length is None and json.loads(json_only)["outputs"][0]["shape"] == [1, 2]


def test_fp32_answers_are_float32_values_in_json_and_binary() -> None:
    """As a model's float32 outputs would read: 0.1 is float32's 0.1, in both forms."""
    tensor = OutputTensor.of_rows("p", "FP32", [[0.1, 0.9], [0.3, 0.7]], {})
    as_json, _ = encode_response({}, [tensor], [False])
    expected = np.array([[0.1, 0.9], [0.3, 0.7]], dtype=np.float32)
    assert json.loads(as_json)["outputs"][0]["data"] == expected.ravel().tolist()
    as_binary, length = encode_response({}, [tensor], [True])
    assert as_binary[length:] == expected.astype("<f4").tobytes()


def test_wire_form_round_trips_and_is_checked_again() -> None:
    pixels = np.full((3, 28, 28), 0.5, dtype=np.float32)
    np.testing.assert_array_equal(decode_images(encode_images(pixels), max_images=3), pixels)
    with pytest.raises(InvalidTensor, match="whole 28"):
        decode_images(b"\x00" * 100, max_images=3)
    with pytest.raises(PayloadTooLarge):
        decode_images(encode_images(pixels), max_images=2)
    with pytest.raises(InvalidTensor, match=r"0\.\.1"):
        decode_images(encode_images(pixels * 4), max_images=3)


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 1.0, 0.5, 1e-45, -1e-45, 1.0000001, -1.0, 255.0, float("nan"), float("inf")],
)
def test_plain_python_checks_agree_with_the_replicas_numpy_checks(value: float) -> None:
    """The gateway's checks (no NumPy) and the replica's give the same verdict and message."""
    pixels = np.full((2, 28, 28), 0.25, dtype=np.float32)
    pixels[1, 27, 27] = value
    wire = pixels.astype("<f4").tobytes()
    try:
        check_images(pixels, max_images=2)
        expected = None
    except InvalidTensor as exc:
        expected = exc.message
    try:
        parsed = parse_request(
            *_binary_request({"datatype": "FP32", "shape": [2, 1, 28, 28]}, wire), **LIMITS
        )
        assert parsed.pixels == wire
        found = None
    except InvalidTensor as exc:
        found = exc.message
    assert found == expected
