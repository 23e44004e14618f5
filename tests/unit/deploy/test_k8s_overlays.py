"""What each overlay changes: GPUs like docker-compose.gpu.yml, a laptop cluster for dev, and
the shared volume every other overlay keeps artifacts on."""

from __future__ import annotations

from typing import Any

from tests.unit.deploy.k8s import container, containers, named, of_kind

Objects = list[dict[str, Any]]
GPU = "nvidia.com/gpu"


def gpu_limit(objects: Objects, name: str) -> int:
    return int(container(objects, name).spec["resources"]["limits"].get(GPU, 0))


def test_images_are_the_ones_compose_builds(
    manifests: dict[str, Objects], cpu_config: dict[str, Any], gpu_config: dict[str, Any]
) -> None:
    for overlay, config in (("cpu", cpu_config), ("gpu", gpu_config), ("dev", cpu_config)):
        for name in ("gateway", "inference", "trainer"):
            image = container(manifests[overlay], name).spec["image"]
            assert image == config["services"][name]["image"], (overlay, name)


def test_the_gpu_overlay_gives_a_gpu_to_what_compose_gives_one(
    manifests: dict[str, Objects], gpu_config: dict[str, Any]
) -> None:
    objects = manifests["gpu"]
    compose_gpu = {
        name
        for name, service in gpu_config["services"].items()
        if service.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices")
    }
    with_gpu = {c.name for c in containers(objects) if gpu_limit(objects, c.name)}
    assert with_gpu == compose_gpu == {"inference", "trainer"}
    for name in with_gpu:
        assert gpu_limit(objects, name) == 1
        assert container(objects, name).env(objects)["SPIKEGLYPH_DEVICE"] == "cuda"
        tolerated = {t["key"] for t in container(objects, name).pod.get("tolerations", [])}
        assert GPU in tolerated, name
    # One GPU per inference replica: the autoscaler starts at one.
    assert named(objects, "HorizontalPodAutoscaler", "inference")["spec"]["minReplicas"] == 1


def test_other_overlays_ask_for_no_gpu(manifests: dict[str, Objects]) -> None:
    for overlay in ("cpu", "dev"):
        for c in containers(manifests[overlay]):
            assert GPU not in str(c.spec["resources"]), (overlay, c.name)
            assert c.env(manifests[overlay]).get("SPIKEGLYPH_DEVICE", "auto") != "cuda"


def test_the_gpu_overlay_leaves_gateway_and_redis_as_on_cpu(manifests: dict[str, Objects]) -> None:
    for kind, name in (("Deployment", "gateway"), ("StatefulSet", "redis")):
        assert named(manifests["gpu"], kind, name) == named(manifests["cpu"], kind, name)


def test_shared_artifacts_are_read_write_many_and_read_only_for_inference(
    manifests: dict[str, Objects],
) -> None:
    for overlay in ("cpu", "gpu"):
        objects = manifests[overlay]
        claim = named(objects, "PersistentVolumeClaim", "spikeglyph-shared")
        assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
        for c in containers(objects):
            mounts = {m["mountPath"]: m for m in c.spec["volumeMounts"] if m["name"] == "shared"}
            if c.name == "inference":
                assert mounts["/data/artifacts"]["readOnly"] is True
            if c.name in ("gateway", "trainer"):
                assert not mounts["/data/artifacts"].get("readOnly")
            if c.name == "trainer":
                # Checkpoints on the shared volume: a job resumes on whichever worker takes it.
                assert c.env(objects)["SPIKEGLYPH_WORK_DIR"] in mounts


def test_dev_runs_one_pod_each_with_artifacts_in_minio(manifests: dict[str, Objects]) -> None:
    objects = manifests["dev"]
    for deployment in of_kind(objects, "Deployment"):
        assert deployment["spec"].get("replicas", 1) == 1, deployment["metadata"]["name"]
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget", "ScaledObject"):
        assert of_kind(objects, kind) == [], kind
    claims = of_kind(objects, "PersistentVolumeClaim")
    assert all(claim["spec"]["accessModes"] == ["ReadWriteOnce"] for claim in claims)
    minio_port = named(objects, "Service", "minio")["spec"]["ports"][0]["port"]
    for name in ("gateway", "inference", "trainer"):
        env = container(objects, name).env(objects)
        assert env["SPIKEGLYPH_ARTIFACTS_URL"].startswith("s3://")
        assert env["AWS_ENDPOINT_URL"] == f"http://minio:{minio_port}"
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} <= set(env)
        volumes = container(objects, name).pod["volumes"]
        assert all("persistentVolumeClaim" not in v for v in volumes if v["name"] == "shared")
