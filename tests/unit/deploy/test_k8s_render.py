"""Every overlay renders, and every object it renders is valid for the Kubernetes API.

Built-in kinds are checked offline against the API's own OpenAPI schemas (PyPI
``kubernetes-validate``, strict: an unknown or misspelt field fails) for the oldest and the
newest Kubernetes release the manifests support. KEDA's kinds are custom resources that
kubernetes-validate has no schema for; the tests below check what a schema would (names,
references, fields the scaler needs) and what no schema can (the queue name, the cooldown).
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from spikeglyph.job_queue import HARD_TIME_LIMIT_S, QUEUE
from tests.unit.deploy.k8s import NAMESPACE, OVERLAYS, SECRET_KEYS, named, of_kind

# The oldest release still widely run (native sidecars, PodSecurity GA) and the newest with
# schemas in kubernetes-validate 1.37.
K8S_VERSIONS = ("1.30.0", "1.37.0")
CUSTOM_KINDS = {("keda.sh/v1alpha1", "ScaledObject"), ("keda.sh/v1alpha1", "TriggerAuthentication")}
CLUSTER_SCOPED = {"Namespace"}


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("name", OVERLAYS)
def test_every_built_in_object_passes_strict_schema_validation(
    manifests: dict[str, list[dict[str, Any]]], name: str, version: str
) -> None:
    checked = 0
    for obj in manifests[name]:
        if (obj["apiVersion"], obj["kind"]) in CUSTOM_KINDS:
            continue
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where}: {exc.message} at {'.'.join(map(str, exc.path))}")
        checked += 1
    assert checked >= 10


def test_only_keda_objects_are_custom(manifests: dict[str, list[dict[str, Any]]]) -> None:
    for objects in manifests.values():
        for obj in objects:
            group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
            if "." in group and not group.endswith("k8s.io"):
                assert (obj["apiVersion"], obj["kind"]) in CUSTOM_KINDS, obj["kind"]


def test_everything_lives_in_one_namespace_that_enforces_restricted_pods(
    overlay: list[dict[str, Any]],
) -> None:
    namespace = named(overlay, "Namespace", NAMESPACE)
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in overlay:
        if obj["kind"] not in CLUSTER_SCOPED:
            assert obj["metadata"].get("namespace") == NAMESPACE, obj["metadata"]["name"]


def test_no_secret_is_shipped_only_referenced(overlay: list[dict[str, Any]]) -> None:
    assert of_kind(overlay, "Secret") == []
    referenced: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("secretKeyRef")
            if isinstance(ref, dict):
                referenced.add((ref["name"], ref["key"]))
            for target in node.get("secretTargetRef", []):
                referenced.add((target["name"], target["key"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(overlay)
    assert referenced, "no secret is referenced at all"
    for secret, key in referenced:
        assert key in SECRET_KEYS.get(secret, set()), (secret, key)


@pytest.mark.parametrize("name", ["cpu", "gpu"])
def test_keda_scales_the_trainer_on_the_job_queue_down_to_zero(
    manifests: dict[str, list[dict[str, Any]]], name: str
) -> None:
    objects = manifests[name]
    scaler = named(objects, "ScaledObject", "trainer")["spec"]
    assert named(objects, "Deployment", scaler["scaleTargetRef"]["name"])
    assert scaler["minReplicaCount"] == 0 and scaler["maxReplicaCount"] >= 1
    (trigger,) = scaler["triggers"]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == QUEUE
    assert int(trigger["metadata"]["listLength"]) >= 1
    # KEDA's operator connects from its own namespace: the address must name ours.
    service, namespace = trigger["metadata"]["address"].split(":")[0].split(".")[:2]
    assert named(objects, "Service", service) and namespace == NAMESPACE
    auth = named(objects, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["spec"]["secretTargetRef"][0]["parameter"] == "password"
    # The queue is empty while the last job runs: scaling to zero must wait longer than a job.
    assert scaler["cooldownPeriod"] > HARD_TIME_LIMIT_S


def test_the_dev_overlay_needs_no_keda(manifests: dict[str, list[dict[str, Any]]]) -> None:
    kinds = {(o["apiVersion"], o["kind"]) for o in manifests["dev"]}
    assert not kinds & CUSTOM_KINDS


def test_every_object_carries_the_part_of_label(overlay: list[dict[str, Any]]) -> None:
    """`kubectl get … -l app.kubernetes.io/part-of=spikeglyph` finds all of it."""
    for obj in overlay:
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "spikeglyph", obj["metadata"]["name"]
