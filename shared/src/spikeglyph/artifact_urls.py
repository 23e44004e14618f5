"""Parsing ``SPIKEGLYPH_ARTIFACTS_URL``: kept free of any client library so the settings can
check it at start without the store or s3 extras."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

SUPPORTED_SCHEMES = ("file", "s3")


def parse_artifacts_url(url: str) -> tuple[str, str, str]:
    """Split an artifacts URL into ``(scheme, location, prefix)``.

    ``file:///srv/artifacts`` → ``("file", "/srv/artifacts", "")``;
    ``s3://bucket/some/prefix`` → ``("s3", "bucket", "some/prefix")``. Raises
    :class:`ValueError` naming the supported schemes for anything else, so a typo fails the
    service at start instead of at the first publish.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{url!r}: a file URL names a local path (file:///path)")
        path = unquote(parts.path)
        if not path:
            raise ValueError(f"{url!r}: the file URL has no path")
        return "file", path, ""
    if scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"{url!r}: an s3 URL names a bucket (s3://bucket/prefix)")
        return "s3", parts.netloc, parts.path.strip("/")
    supported = ", ".join(f"{name}://" for name in SUPPORTED_SCHEMES)
    raise ValueError(f"unsupported artifacts URL {url!r}: use one of {supported}")
