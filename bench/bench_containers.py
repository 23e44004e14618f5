"""Image sizes, cold build time, time to healthy and idle memory of the Compose stack.

    python bench/bench_containers.py            # builds without cache, starts, measures, stops
    python bench/bench_containers.py --warm     # reuses the build cache (faster, not "cold")

Needs a Docker engine with Compose v2. The stack runs as its own Compose project on a free
port with a generated API key, and is taken down (volumes included) at the end. The base
images used (official or made from Debian packages) are recorded with the figures: the sizes
depend on them.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import time
from typing import Any

from _common import add_out_argument, emit
from _containers import IMAGE_TAGS, Stack, build_images

# The Compose services of the default CPU stack, one container each.
STACK_SERVICES = ("redis", "inference", "trainer", "gateway")
IDLE_SETTLE_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_env(bases: dict[str, str], project: str) -> dict[str, str]:
    """The environment docker compose runs with: no .env of the user's, fresh secrets (API
    key, internal token, Redis password: what `make env` writes) and a free port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPIKEGLYPH_", "COMPOSE_"))}
    env.update(
        COMPOSE_PROJECT_NAME=project,
        SPIKEGLYPH_API_KEYS=secrets.token_hex(24),
        SPIKEGLYPH_INTERNAL_TOKEN=secrets.token_hex(24),
        SPIKEGLYPH_REDIS_PASSWORD=secrets.token_hex(24),
        SPIKEGLYPH_GATEWAY_PORT=str(free_port()),
        REDIS_IMAGE=bases["redis"],
        BASE_IMAGE=bases["python"],
    )
    return env


def start_stack(bases: dict[str, str], project: str) -> tuple[Stack, float]:
    """The stack up from the built images; returns it and its seconds until all healthy."""
    stack = Stack(project, stack_env(bases, project))
    stack.compose("up", "--detach", "--no-build", timeout=600)
    return stack, stack.wait_healthy(len(STACK_SERVICES))


def measure(cold: bool) -> dict[str, Any]:
    built, bases = build_images(cold=cold)
    stack, healthy_s = start_stack(bases, f"sgbench{os.getpid()}")
    try:
        time.sleep(IDLE_SETTLE_S)
        memory = stack.memory_mib()
    finally:
        stack.compose("down", "--volumes", timeout=300)
    per_service = {
        service: next(v for name, v in memory.items() if f"-{service}-" in name)
        for service in STACK_SERVICES
    }
    return {
        "base_images": bases["python"] + ", " + bases["redis"],
        "base_kind": built.base,
        "cold_build": cold,
        "images": {
            service: {
                "tag": IMAGE_TAGS.get(service, bases["redis"]),
                "mb": round(built.bytes[service] / 1e6),
                "build_s": built.seconds.get(service),
            }
            for service in (*IMAGE_TAGS, "redis")
        },
        "build_s_total": round(sum(built.seconds.values()), 1),
        "healthy_s": healthy_s,
        "idle_mib": per_service,
        "idle_mib_total": round(sum(per_service.values()), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", action="store_true", help="reuse Docker's build cache")
    add_out_argument(parser, "containers")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    emit("containers", measure(cold=not args.warm), args.out)


if __name__ == "__main__":
    main()
