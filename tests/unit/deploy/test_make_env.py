"""`make env`: a working .env for docker compose with fresh secrets, never clobbering one."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

from tests.unit.deploy.deployfiles import COMPOSE_FILES, REPO, compose_config

SECRETS = ("SPIKEGLYPH_API_KEYS", "SPIKEGLYPH_INTERNAL_TOKEN", "SPIKEGLYPH_REDIS_PASSWORD")


def make_env(root: Path) -> dict[str, str]:
    """Run the script in a copy of the repository's relevant files; the .env it leaves."""
    (root / ".ci").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / ".ci" / "make-env", root / ".ci" / "make-env")
    shutil.copy(REPO / ".env.example", root / ".env.example")
    result = subprocess.run(
        ["bash", str(root / ".ci" / "make-env")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(re.findall(r"^([A-Z_]+)=(.*)$", (root / ".env").read_text(), re.M))


def test_each_secret_is_fresh_random_hex_and_the_file_private(tmp_path: Path) -> None:
    first = make_env(tmp_path / "a")
    second = make_env(tmp_path / "b")
    for name in SECRETS:
        assert re.fullmatch(r"[0-9a-f]{48}", first[name]), name
        assert first[name] != second[name], name
    assert len({first[name] for name in SECRETS}) == len(SECRETS)
    mode = stat.S_IMODE((tmp_path / "a" / ".env").stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)


def test_running_it_again_keeps_every_value_and_fills_only_what_is_missing(
    tmp_path: Path,
) -> None:
    before = make_env(tmp_path)
    env_file = tmp_path / ".env"
    env_file.write_text(
        re.sub(
            r"^SPIKEGLYPH_REDIS_PASSWORD=.*$",
            "SPIKEGLYPH_REDIS_PASSWORD=",
            env_file.read_text(),
            flags=re.M,
        )
    )
    after = make_env(tmp_path)
    assert after["SPIKEGLYPH_API_KEYS"] == before["SPIKEGLYPH_API_KEYS"]
    assert after["SPIKEGLYPH_INTERNAL_TOKEN"] == before["SPIKEGLYPH_INTERNAL_TOKEN"]
    assert re.fullmatch(r"[0-9a-f]{48}", after["SPIKEGLYPH_REDIS_PASSWORD"])


def test_its_env_file_starts_the_compose_stack(tmp_path: Path) -> None:
    make_env(tmp_path)
    result = compose_config(COMPOSE_FILES, {}, tmp_path / ".env")
    assert result.returncode == 0, result.stderr
