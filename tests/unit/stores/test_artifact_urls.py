"""SPIKEGLYPH_ARTIFACTS_URL: which backend a URL selects, and a typo fails at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from spikeglyph.artifact_urls import parse_artifacts_url
from spikeglyph.settings import CoreSettings
from spikeglyph.stores.artifact_backend import open_artifact_store
from spikeglyph.stores.artifacts import DirectoryArtifactStore


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("file:///srv/artifacts", ("file", "/srv/artifacts", "")),
        ("file://localhost/srv/a%20b", ("file", "/srv/a b", "")),
        ("s3://models", ("s3", "models", "")),
        ("s3://models/spikeglyph/prod/", ("s3", "models", "spikeglyph/prod")),
        ("S3://models/p", ("s3", "models", "p")),
    ],
)
def test_supported_urls_parse(url: str, parsed: tuple[str, str, str]) -> None:
    assert parse_artifacts_url(url) == parsed


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("gs://bucket/x", "use one of file://, s3://"),
        ("/srv/artifacts", "use one of file://, s3://"),
        ("s3:///prefix-without-bucket", "names a bucket"),
        ("file://otherhost/srv", "local path"),
    ],
)
def test_unsupported_urls_are_refused_with_the_reason(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_artifacts_url(url)


def test_settings_refuse_a_bad_url_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPIKEGLYPH_ARTIFACTS_URL", "ftp://host/models")
    with pytest.raises(ValidationError, match="unsupported artifacts URL"):
        CoreSettings()


def test_without_a_url_the_directory_is_the_store(tmp_path: Path) -> None:
    store = open_artifact_store(None, tmp_path / "artifacts")
    assert isinstance(store, DirectoryArtifactStore)
    assert store.root == tmp_path / "artifacts"


def test_a_file_url_overrides_the_directory(tmp_path: Path) -> None:
    store = open_artifact_store(f"file://{tmp_path}/elsewhere", tmp_path / "artifacts")
    assert isinstance(store, DirectoryArtifactStore)
    assert store.root == tmp_path / "elsewhere"
