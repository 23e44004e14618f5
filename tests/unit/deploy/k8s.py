"""Readers for the Kubernetes manifests (deploy/k8s) as kustomize renders them.

Every overlay is rendered with ``kubectl kustomize`` (kubectl's own kustomize, no cluster), and
the tests read the rendered objects through these helpers: workloads and their containers, the
environment a container ends up with (ConfigMaps included), and whether a label selector picks
a set of labels, so NetworkPolicies and budgets can be checked against the pods they govern.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import yaml

from tests.unit.deploy.deployfiles import REPO

K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("cpu", "gpu", "dev")
NAMESPACE = "spikeglyph"
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
# The Secret keys the manifests read; the user creates the Secrets (nothing secret is shipped).
SECRET_KEYS = {
    "spikeglyph-secrets": {"api-keys", "internal-token", "redis-password"},
    "spikeglyph-s3": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
}

Obj = dict[str, Any]


def render(overlay: str) -> list[Obj]:
    """Every object ``kubectl kustomize deploy/k8s/overlays/<overlay>`` prints."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing: run `bash .ci/deploy-deps` (kubernetes-client)"
    version = subprocess.run(
        [kubectl, "version", "--client"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    found = re.search(r"Kustomize Version: v(\d+)", version)
    assert found and int(found.group(1)) >= 4, (
        f"{kubectl} embeds no kustomize v4+ (kubectl < 1.21): deploy/k8s needs components and "
        "`labels:`; install a newer kubectl (see .ci/deploy-deps)"
    )
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def named(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


@dataclass(frozen=True)
class Container:
    """One container of a workload's pod template, with what it needs from around it."""

    workload: Obj
    spec: Obj

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def pod(self) -> Obj:
        return dict(self.workload["spec"]["template"]["spec"])

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.workload["spec"]["template"]["metadata"]["labels"])

    def env_entries(self) -> list[Obj]:
        return list(self.spec.get("env", []))

    def env(self, objects: list[Obj]) -> dict[str, str]:
        """Variable → literal value ("" for one taken from a Secret), ConfigMaps included;
        ``env`` entries win over ``envFrom`` as in Kubernetes."""
        values: dict[str, str] = {}
        for source in self.spec.get("envFrom", []):
            config = named(objects, "ConfigMap", source["configMapRef"]["name"])
            values.update({str(k): str(v) for k, v in config.get("data", {}).items()})
        for entry in self.env_entries():
            values[entry["name"]] = str(entry.get("value", ""))
        return values

    def security(self, key: str) -> Any:
        """A security setting from the container, else from the pod."""
        own = self.spec.get("securityContext", {})
        return own[key] if key in own else self.pod.get("securityContext", {}).get(key)


def containers(objects: list[Obj], kinds: tuple[str, ...] = WORKLOAD_KINDS) -> list[Container]:
    return [
        Container(workload, spec)
        for workload in objects
        if workload["kind"] in kinds
        for spec in workload["spec"]["template"]["spec"]["containers"]
    ]


def container(objects: list[Obj], name: str) -> Container:
    found = [c for c in containers(objects) if c.name == name]
    assert len(found) == 1, name
    return found[0]


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions) picks ``labels``."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


def memory_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (``512Mi``, ``3Gi``, ``1G``) in bytes."""
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi|k|M|G)?", str(quantity))
    assert match, quantity
    scale = {
        None: 1,
        "Ki": 1024,
        "Mi": 1024**2,
        "Gi": 1024**3,
        "k": 1000,
        "M": 1000**2,
        "G": 1000**3,
    }
    return int(match.group(1)) * scale[match.group(2)]


def cpu_millis(quantity: str | int) -> int:
    text = str(quantity)
    return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)
