"""Error codes live in one place (spikeglyph.errors): unique codes, real error statuses, and the
gateway's OpenAPI document speaks of the same codes."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections import Counter
from http import HTTPStatus

import pytest

import spikeglyph
import spikeglyph_gateway
import spikeglyph_inference
from spikeglyph import errors
from spikeglyph.errors import FRAMEWORK_CODES, SpikeGlyphError, codes_with_status, error_classes

# Packages whose modules need torch (training) or the CLI's libraries are not imported here;
# the import-linter contracts (tests/unit/layers/) cover what they may import.
_SKIPPED = ("spikeglyph.train", "spikeglyph.cli")


def _import_everything() -> None:
    """Import every torch-free module, so an error class defined anywhere is seen."""
    for package in (spikeglyph, spikeglyph_gateway, spikeglyph_inference):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.startswith(_SKIPPED):
                importlib.import_module(module.name)


def test_every_error_class_is_defined_in_spikeglyph_errors() -> None:
    _import_everything()
    elsewhere = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in error_classes()
        if cls.__module__ != errors.__name__
    ]
    assert not elsewhere


def test_each_code_is_declared_by_exactly_one_class() -> None:
    declared = Counter(cls.__dict__["code"] for cls in error_classes() if "code" in cls.__dict__)
    assert [code for code, count in declared.items() if count > 1] == []


@pytest.mark.parametrize("cls", error_classes(), ids=lambda cls: cls.__name__)
def test_every_status_is_an_error_status(cls: type[SpikeGlyphError]) -> None:
    assert isinstance(cls.status, int)
    assert 400 <= cls.status <= 599
    HTTPStatus(cls.status)  # a status HTTP defines, not merely a number in range


def test_a_framework_code_shared_with_a_class_has_that_class_status() -> None:
    status_of_code = {cls.code: cls.status for cls in error_classes()}
    for status, code in FRAMEWORK_CODES.items():
        assert status_of_code.get(code, status) == status, code


def test_subclasses_answer_like_their_parent_unless_they_say_otherwise() -> None:
    assert errors.BlankImage.status == errors.InvalidImage.status == 400
    assert errors.BlankImage.code != errors.InvalidImage.code
    assert errors.ImageTooLarge.code == errors.PayloadTooLarge.code == "payload_too_large"
    assert errors.ChecksumMismatch.status == errors.InvalidModel.status


def test_retry_after_is_a_whole_number_of_seconds_at_least_one() -> None:
    assert errors.ServiceOverloaded("full", retry_after_s=0.2).headers == {"Retry-After": "1"}
    assert errors.NotReady("loading", retry_after_s=3.7).headers == {"Retry-After": "3"}
    assert errors.RegistryUnavailable("down").headers == {}


def test_gateway_openapi_error_responses_name_codes_of_their_status() -> None:
    from spikeglyph_gateway.app import create_app
    from spikeglyph_gateway.config import GatewaySettings

    document = create_app(GatewaySettings()).openapi()
    seen = 0
    for path, operations in document["paths"].items():
        if path.startswith("/v2"):
            continue  # the Open Inference Protocol has its own error body (test_oip_openapi)
        for operation in operations.values():
            for status_text, response in operation.get("responses", {}).items():
                status = int(status_text)
                if status < 400:
                    continue
                example = response["content"]["application/json"].get("example")
                if example is None:
                    continue
                code = example["error"]["code"]
                allowed = {*codes_with_status(status, public=True), FRAMEWORK_CODES.get(status)}
                assert code in allowed, (status, code)
                for listed in codes_with_status(status, public=True):
                    assert f"`{listed}`" in response["description"], (status, listed)
                seen += 1
    assert seen > 10


def test_the_gateway_never_documents_a_code_only_services_exchange() -> None:
    from spikeglyph_gateway.app import create_app
    from spikeglyph_gateway.config import GatewaySettings

    document = json.dumps(create_app(GatewaySettings()).openapi())
    assert errors.InternalTokenRefused.code in codes_with_status(401)
    assert errors.InternalTokenRefused.code not in document
