"""Renderer for the container images and the Compose stack (bench/bench_containers.py)."""

from __future__ import annotations

from reporting.markdown import code, from_bench, num, table
from reporting.sources import Doc

ORDER = ("gateway", "inference", "trainer", "redis")
# The stated targets: image size in MB, and the whole stack's idle memory in MiB.
TARGET_MB = {"gateway": 200, "inference": 350, "trainer": 1300}
TARGET_IDLE_MIB = 400


def _verdict(doc: Doc) -> str:
    sizes = [
        f"{name} {num(doc['images'][name]['mb'])} MB "
        f"({'met' if doc['images'][name]['mb'] <= limit else 'not met'}, ≤ {num(limit)})"
        for name, limit in TARGET_MB.items()
    ]
    idle = "met" if doc["idle_mib_total"] <= TARGET_IDLE_MIB else "not met"
    return f"Targets: {'; '.join(sizes)}; idle stack {idle} (≤ {TARGET_IDLE_MIB} MiB)."


@from_bench("containers")
def render_containers(doc: Doc) -> str:
    """Size and build time of each image, the stack's time to healthy and idle memory."""
    images = doc["images"]
    idle = doc["idle_mib"]
    rows = [
        [
            service,
            code(images[service]["tag"]),
            f"**{num(images[service]['mb'])}**",
            num(images[service]["build_s"], 1),
            num(idle.get(service), 1),
        ]
        for service in ORDER
    ]
    headers = ["service", "image", "MB", "build s", "idle MiB"]
    build = "cold (no build cache)" if doc["cold_build"] else "with the build cache"
    return (
        f"{table(headers, rows)}\n\nBase images: {doc['base_images']} ({doc['base_kind']}); "
        f"builds {build}, **{num(doc['build_s_total'], 0)} s** for the three images. The stack "
        f"is healthy **{num(doc['healthy_s'], 0)} s** after `up` and idles at "
        f"**{num(doc['idle_mib_total'], 0)} MiB** in all.\n\n{_verdict(doc)}"
    )
