"""Who reaches whom: Services, NetworkPolicies, disruption budgets, and the environment that
wires the services together, checked against the code that reads it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic_settings import BaseSettings

from spikeglyph_gateway.config import GatewaySettings
from spikeglyph_gateway.replicas import expandable_host
from spikeglyph_inference.settings import Settings as InferenceSettings
from spikeglyph_trainer.settings import TrainerSettings
from tests.unit.deploy.k8s import NAMESPACE, container, containers, named, of_kind, selects

Objects = list[dict[str, Any]]
SETTINGS: dict[str, type[BaseSettings]] = {
    "gateway": GatewaySettings,
    "inference": InferenceSettings,
    "trainer": TrainerSettings,
}
# Contract variables of the artifact store (its URL, each pod's local cache) that the
# manifests set even where this tree's settings do not read them yet.
STORE_VARIABLES = {"SPIKEGLYPH_ARTIFACTS_URL", "SPIKEGLYPH_CACHE_DIR"}
OUTSIDER = {"app": "something-else"}
KEDA = ("keda", {"app": "keda-operator"})


def pods(objects: Objects) -> dict[str, dict[str, str]]:
    """Component name → the labels of its pods."""
    return {c.labels["app.kubernetes.io/component"]: c.labels for c in containers(objects)}


def port_of(objects: Objects, component: str) -> int:
    c = next(c for c in containers(objects) if c.labels["app.kubernetes.io/component"] == component)
    return int(c.spec["ports"][0]["containerPort"])


def allowed(
    objects: Objects,
    target: dict[str, str],
    port: int,
    source: dict[str, str],
    source_namespace: str = NAMESPACE,
) -> bool:
    """Whether the NetworkPolicies let ``source`` connect to ``target`` on ``port``."""
    policies = [
        p
        for p in of_kind(objects, "NetworkPolicy")
        if "Ingress" in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], target)
    ]
    if not policies:
        return True
    namespace_labels = {"kubernetes.io/metadata.name": source_namespace}
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            if rule.get("ports") and port not in {p["port"] for p in rule["ports"]}:
                continue
            peers = rule.get("from")
            if not peers:
                return True
            for peer in peers:
                if "namespaceSelector" in peer:
                    if not selects(peer["namespaceSelector"], namespace_labels):
                        continue
                elif source_namespace != NAMESPACE:
                    continue
                if selects(peer.get("podSelector", {}), source):
                    return True
    return False


def test_the_inference_service_is_headless_and_the_gateway_expands_it(overlay: Objects) -> None:
    service = named(overlay, "Service", "inference")["spec"]
    assert service["clusterIP"] == "None"
    assert selects({"matchLabels": service["selector"]}, pods(overlay)["inference"])
    urls = container(overlay, "gateway").env(overlay)["SPIKEGLYPH_INFERENCE_URLS"].split(",")
    assert len(urls) == 1
    url = urlsplit(urls[0])
    assert (url.hostname, url.port) == ("inference", service["ports"][0]["port"])
    # The gateway resolves this name into one replica per ready pod address.
    assert expandable_host(urls[0]) == "inference"


def test_every_service_selects_pods_with_its_target_port(overlay: Objects) -> None:
    for service in of_kind(overlay, "Service"):
        matching = [
            c
            for c in containers(overlay)
            if selects({"matchLabels": service["spec"]["selector"]}, c.labels)
        ]
        assert matching, service["metadata"]["name"]
        port_names = {p["name"] for c in matching for p in c.spec["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, (service["metadata"]["name"], port)


def test_only_the_gateway_reaches_inference(overlay: Objects) -> None:
    labels = pods(overlay)
    port = port_of(overlay, "inference")
    for name, source in labels.items():
        assert allowed(overlay, labels["inference"], port, source) == (name == "gateway"), name
    assert not allowed(overlay, labels["inference"], port, OUTSIDER)


def test_only_the_services_and_keda_reach_redis(overlay: Objects) -> None:
    labels = pods(overlay)
    port = port_of(overlay, "redis")
    needs_redis = {
        c.labels["app.kubernetes.io/component"]
        for c in containers(overlay)
        if "SPIKEGLYPH_REDIS_URL" in c.env(overlay)
    }
    assert needs_redis == {"gateway", "inference", "trainer"}
    for name, source in labels.items():
        assert allowed(overlay, labels["redis"], port, source) == (name in needs_redis), name
    assert not allowed(overlay, labels["redis"], port, OUTSIDER)
    assert allowed(overlay, labels["redis"], port, KEDA[1], KEDA[0])
    assert not allowed(overlay, labels["redis"], port, KEDA[1], "elsewhere")


def test_the_gateway_is_open_and_the_trainer_is_closed(overlay: Objects) -> None:
    labels = pods(overlay)
    assert allowed(overlay, labels["gateway"], port_of(overlay, "gateway"), OUTSIDER)
    for source in [*labels.values(), OUTSIDER]:
        assert not allowed(overlay, labels["trainer"], 8000, source)
        assert not allowed(overlay, labels["gateway"], 9999, source)


@pytest.mark.parametrize("name", ["cpu", "gpu"])
def test_disruption_budgets_cover_the_scaled_services(
    manifests: dict[str, Objects], name: str
) -> None:
    objects = manifests[name]
    labels = pods(objects)
    covered = {
        component
        for budget in of_kind(objects, "PodDisruptionBudget")
        for component, pod in labels.items()
        if selects(budget["spec"]["selector"], pod)
    }
    assert covered == {"gateway", "inference", "trainer"}
    for budget in of_kind(objects, "PodDisruptionBudget"):
        assert budget["spec"].get("maxUnavailable", 0) >= 1 or budget["spec"].get("minAvailable")


@pytest.mark.parametrize("name", ["cpu", "gpu"])
def test_autoscaled_deployments_leave_their_replica_count_to_the_autoscaler(
    manifests: dict[str, Objects], name: str
) -> None:
    objects = manifests[name]
    hpa = named(objects, "HorizontalPodAutoscaler", "inference")["spec"]
    assert hpa["scaleTargetRef"]["name"] == "inference"
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    scaled = {
        "inference",
        named(objects, "ScaledObject", "trainer")["spec"]["scaleTargetRef"]["name"],
    }
    for deployment in scaled:
        assert "replicas" not in named(objects, "Deployment", deployment)["spec"], deployment


def test_every_spikeglyph_variable_is_one_the_service_reads(overlay: Objects) -> None:
    for name, settings in SETTINGS.items():
        fields = {f"SPIKEGLYPH_{field.upper()}" for field in settings.model_fields}
        env = container(overlay, name).env(overlay)
        unknown = {v for v in env if v.startswith("SPIKEGLYPH_")} - fields - STORE_VARIABLES
        assert not unknown, (name, sorted(unknown))


def test_variable_references_point_at_earlier_variables(overlay: Objects) -> None:
    for c in containers(overlay, ("Deployment", "StatefulSet", "Job")):
        defined: set[str] = set()
        for entry in c.env_entries():
            for reference in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", entry.get("value", "")):
                assert reference in defined, (c.name, entry["name"], reference)
            defined.add(entry["name"])


def test_the_secrets_reach_the_services_that_need_them(overlay: Objects) -> None:
    def secret_key(name: str, variable: str) -> str | None:
        for entry in container(overlay, name).env_entries():
            if entry["name"] == variable:
                return str(entry["valueFrom"]["secretKeyRef"]["key"])
        return None

    assert secret_key("gateway", "SPIKEGLYPH_API_KEYS") == "api-keys"
    assert secret_key("gateway", "SPIKEGLYPH_INTERNAL_TOKEN") == "internal-token"
    assert secret_key("inference", "SPIKEGLYPH_INTERNAL_TOKEN") == "internal-token"
    assert secret_key("trainer", "SPIKEGLYPH_INTERNAL_TOKEN") is None
    assert secret_key("redis", "REDISCLI_AUTH") == "redis-password"
    for name in SETTINGS:
        assert secret_key(name, "REDIS_PASSWORD") == "redis-password"
        url = urlsplit(container(overlay, name).env(overlay)["SPIKEGLYPH_REDIS_URL"])
        assert (url.hostname, url.port, url.password) == ("redis", 6379, "$(REDIS_PASSWORD)")
