"""Readers for the deployment files: Dockerfiles, the Procfile, .dockerignore, compose config.

Small and strict on purpose: the tests compare what these files say with each other (the
Procfile against the compose services, a HEALTHCHECK against its port), so the readers must
not guess.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
SERVICES = ("inference", "trainer", "gateway")
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.gpu.yml")
# The Procfile's process names and the compose services that run the same command.
PROCFILE_TO_COMPOSE = {"inference": "inference", "worker": "trainer", "gateway": "gateway"}
# The environment the compose services run the Procfile's commands in.
CONTAINER_ENV = {"SPIKEGLYPH_BIND_HOST": "0.0.0.0"}


@dataclass
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.arguments for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        """ENV instructions in the ``KEY=VALUE`` form (the only one the Dockerfiles use)."""
        values: dict[str, str] = {}
        for arguments in self.all("ENV"):
            for token in shlex.split(arguments):
                key, _, value = token.partition("=")
                values[key] = value
        return values


def dockerfile_path(service: str) -> Path:
    return REPO / "services" / service / "Dockerfile"


def parse_dockerfile(path: Path) -> list[Stage]:
    """Stages with their instructions, continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        arguments = " ".join(arguments.split())
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, arguments))
    return stages


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD or HEALTHCHECK ``CMD [...]``."""
    start = arguments.index("[")
    parsed = yaml.safe_load(arguments[start:])
    assert isinstance(parsed, list), arguments
    return [str(item) for item in parsed]


def healthcheck_command(service: str) -> list[str]:
    arguments = parse_dockerfile(dockerfile_path(service))[-1].last("HEALTHCHECK")
    assert arguments is not None, f"{service} image has no HEALTHCHECK"
    return exec_form(arguments)


def parse_procfile(path: Path = REPO / "Procfile") -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        entries[name.strip()] = command.strip()
    return entries


_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}|\$\{(\w+)\}|\$(\w+)")


def expand(command: str, env: dict[str, str]) -> list[str]:
    """A Procfile command as the shell would run it: ``${VAR:-default}`` resolved, then split."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3) or match.group(4)
        if match.group(1):
            return env.get(name) or match.group(2)
        return env.get(name, "")

    return shlex.split(_DEFAULTED.sub(value, command))


def docker_compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        raise RuntimeError(
            "docker-compose is not installed: run `bash .ci/deploy-deps` "
            "(or `sudo apt-get install docker-compose`)"
        )
    return binary


def compose_config(
    files: tuple[str, ...], env: dict[str, str], env_file: Path
) -> subprocess.CompletedProcess[str]:
    """``docker-compose config`` on ``files`` merged, with exactly ``env`` (no ambient .env)."""
    argv = [docker_compose(), "--project-directory", str(REPO), "--env-file", str(env_file)]
    for name in files:
        argv += ["-f", str(REPO / name)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SPIKEGLYPH_", "COMPOSE_"))}
    return subprocess.run(
        [*argv, "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def load_config(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert isinstance(config, dict)
    return config


def memory_bytes(text: str) -> int:
    """A compose memory size (``512m``, ``3g``, ``268435456``) in bytes."""
    match = re.fullmatch(r"(\d+)([bkmg]?)", str(text).strip().lower())
    assert match, text
    scale = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2)]
    return int(match.group(1)) * scale


def dockerignore_patterns(
    path: Path = REPO / ".dockerignore",
) -> list[tuple[bool, re.Pattern[str]]]:
    """(excludes, regex) per line, in order; the last pattern that matches decides."""
    patterns: list[tuple[bool, re.Pattern[str]]] = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex += pattern[i : end + 1]
                i = end + 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        patterns.append((not negated, re.compile(regex + r"\Z")))
    return patterns


def in_build_context(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: a pattern matching the path or any of its parents (re)decides it."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for excludes, regex in patterns:
        if any(regex.match(prefix) for prefix in prefixes):
            excluded = excludes
    return not excluded


# Heavy local folders the walk skips; a test proves .dockerignore excludes each of them.
LOCAL_ONLY = (".git", ".venv", "var", ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules")


def build_context_files(root: Path = REPO) -> list[str]:
    """Every file (relative path) Docker would send as the build context of the repo root."""
    patterns = dockerignore_patterns(root / ".dockerignore")
    kept: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in LOCAL_ONLY)
        for name in sorted(files):
            relative = (Path(folder) / name).relative_to(root).as_posix()
            if in_build_context(relative, patterns):
                kept.append(relative)
    return kept


# `docker-compose config` prints ports and volumes in short or long syntax depending on its
# version (Debian's 1.29 or Compose v2); the tests read both through these two.
def published_ports(service: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(host interface, published port, container port) of each published port."""
    found = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            host = str(port.get("host_ip", "0.0.0.0"))
            found.append((host, int(port["published"]), int(port["target"])))
        else:
            parts = str(port).split("/")[0].split(":")
            host = parts[0] if len(parts) == 3 else "0.0.0.0"
            found.append((host, int(parts[-2]), int(parts[-1])))
    return found


def mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """container path → (volume name or host path, read-only)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[str(volume["target"])] = (str(volume["source"]), bool(volume.get("read_only")))
        else:
            source, target, *mode = str(volume).split(":")
            found[target] = (source, "ro" in mode[0].split(",") if mode else False)
    return found
