"""Kubecost diagnostic endpoints through the API server service proxy, Helm values, heap profiles.

Backends are called directly (the `/model` prefix dropped) on the port of the component that
serves them; the frontend (nginx) is the fallback for paths only it knows. Which endpoints
answered, and how, is written to `kubecost-api/_endpoints.json`.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import yaml

from engage.diagnostics.collect.kube import DeadlineExceeded, KubeError
from engage.diagnostics.collect.registry import InstanceJob, Outcome, collector

JSON = dict[str, Any]
# component -> (default port, port names, service-name hint)
COMPONENTS: dict[str, tuple[int, tuple[str, ...], str]] = {
    "cost-model": (9003, ("tcp-model",), "cost-analyzer"),
    "aggregator": (9004, ("tcp-api",), "aggregator"),
    "cloud-cost": (9005, ("tcp-cloud-cost",), "cloud-cost"),
    "frontend": (9090, ("tcp-frontend",), "frontend"),
    "diagnostics": (9007, ("tcp-diagnostics",), "diagnostics"),
}


@dataclass(frozen=True)
class Endpoint:
    """A diagnostic endpoint: bundle name and the (component, path, query) places to try."""

    name: str
    tries: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]


def _ep(name: str, *tries: str) -> Endpoint:
    parsed = []
    for t in tries:
        component, _, rest = t.partition(":")
        path, _, query = rest.partition("?")
        params = tuple(tuple(kv.split("=", 1)) for kv in query.split("&") if kv)
        parsed.append((component, path, params))
    return Endpoint(name, tuple(parsed))  # type: ignore[arg-type]


ENDPOINTS: tuple[Endpoint, ...] = (
    _ep("installInfo", "cost-model:installInfo", "frontend:model/installInfo"),
    _ep("clusterInfo", "cost-model:clusterInfo", "aggregator:clusterInfo"),
    _ep("helmValues", "cost-model:helmValues"),
    _ep("productConfigs", "frontend:model/productConfigs"),
    _ep("status", "cost-model:status"),
    _ep("prometheusMetrics", "cost-model:diagnostics/prometheusMetrics"),
    _ep("requestQueue", "cost-model:diagnostics/requestQueue"),
    _ep("etl-log", "cost-model:etl/log"),
    _ep("pricingSourceStatus", "cost-model:pricingSourceStatus"),
    _ep(
        "multicluster-diagnostics",
        "frontend:model/diagnostics/multicluster?window=1d",
        "diagnostics:diagnostics/multicluster?window=1d",
    ),
    _ep("orchestrator", "aggregator:debug/orchestrator"),
    _ep("ingestionSummary", "aggregator:debug/ingestionSummary"),
    _ep("databaseDirectory", "aggregator:diagnostic/databaseDirectory"),
    _ep("clusters-status", "aggregator:clusters/status"),
    _ep("aggregator-healthz", "aggregator:healthz"),
    _ep("cloudCost-status", "cloud-cost:cloudCost/status"),
)


def find_service(services: list[JSON], component: str) -> tuple[str, int] | None:
    """The (service, port) exposing a component, preferring a service named for it."""
    port, names, hint = COMPONENTS[component]
    hits = []
    for svc in services:
        for p in (svc.get("spec") or {}).get("ports") or []:
            if p.get("port") == port or p.get("name") in names:
                name = str(svc["metadata"]["name"])
                hits.append((hint not in name, name, int(p["port"])))
    return (hits and (sorted(hits)[0][1], sorted(hits)[0][2])) or None


def _services(job: InstanceJob) -> list[JSON]:
    if "services" not in job.cache:
        job.cache["services"] = (
            job.kube.list_objects("services", job.install.namespace).get("items") or []
        )
    return [s for s in job.cache["services"] if job.install.owns(s)]


def _call(job: InstanceJob, ep: Endpoint) -> tuple[dict[str, Any], bytes | None]:
    """Try an endpoint's places in order; (record, body of the first 2xx answer or None)."""
    attempts = []
    for component, path, query in ep.tries:
        target = find_service(_services(job), component)
        if target is None:
            attempts.append(f"{component}: no service")
            continue
        svc, port = target
        try:
            resp = job.kube.proxy(job.install.namespace, svc, port, path, list(query))
            try:
                body = resp.read(32 << 20)
            finally:
                resp.release_conn()
            return {
                "name": ep.name,
                "via": f"{svc}:{port}/{path}",
                "status": resp.status,
                "answered": True,
                "attempts": attempts,
            }, body
        except DeadlineExceeded:
            raise
        except KubeError as exc:
            attempts.append(f"{svc}:{port}/{path}: {exc.message[:160]}")
    return {"name": ep.name, "answered": False, "attempts": attempts}, None


def _save(job: InstanceJob, name: str, body: bytes) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        rel = job.path("kubecost-api", f"{name}.txt")
        job.writer.write_text(rel, io.BytesIO(body))
        return rel
    job.cache[f"api:{name}"] = doc
    rel = job.path("kubecost-api", f"{name}.json")
    job.writer.write_json(rel, doc)
    return rel


@collector("kubecost-api", order=30)
def collect_endpoints(job: InstanceJob) -> Outcome:
    """Call each diagnostic endpoint once through the service proxy and keep every answer."""
    records, missing = [], []
    for ep in ENDPOINTS:
        job.note(f"kubecost-api {ep.name}")
        record, body = _call(job, ep)
        if body is not None:
            record["file"] = _save(job, ep.name, body)
        else:
            missing.append(ep.name)
        records.append(record)
    job.writer.write_json(job.path("kubecost-api", "_endpoints.json"), {"endpoints": records})
    if len(missing) == len(ENDPOINTS):
        return Outcome("failed", "no diagnostic endpoint answered")
    if "installInfo" in missing and "clusterInfo" in missing:
        return Outcome("partial", "neither installInfo nor clusterInfo answered")
    return Outcome()


@collector("helm-values", order=40)
def collect_helm_values(job: InstanceJob) -> Outcome:
    """Helm values from the `helm-values-<release>` ConfigMap (3.x) or /model/helmValues (2.x)."""
    for cm in job.cache.get("configmaps", []):
        if cm["metadata"]["name"] == f"helm-values-{job.install.release}":
            text = (cm.get("data") or {}).get("values.yaml")
            if text:
                job.writer.write_yaml(job.path("helm", "values.yaml"), yaml.safe_load(text) or {})
                return Outcome()
    values = job.cache.get("api:helmValues")
    if isinstance(values, dict):
        doc = values.get("data") if isinstance(values.get("data"), dict) else values
        job.writer.write_yaml(job.path("helm", "values.yaml"), doc)
        return Outcome()
    return Outcome(
        "skipped",
        "Helm values not available: no helm-values ConfigMap and "
        "/model/helmValues did not answer JSON (reporting.valuesReporting: false?)",
    )


@collector("heap", order=50, include="heap")
def collect_heap(job: InstanceJob) -> Outcome:
    """Heap profiles (/debug/pprof/heap) of cost-model and aggregator, byte-exact."""
    problems, tried = [], 0
    for component in ("cost-model", "aggregator"):
        target = find_service(_services(job), component)
        if target is None:
            continue
        tried += 1
        job.note(f"heap profile {component}")
        rel = job.path("profiles", f"{component}-heap.pb.gz")
        try:
            resp = job.kube.proxy(job.install.namespace, *target, "debug/pprof/heap")
            try:
                job.writer.write_binary(rel, resp.stream(1 << 16))
            finally:
                resp.release_conn()
        except DeadlineExceeded:
            raise
        except KubeError as exc:
            problems.append(f"{component}: {exc.message[:160]}")
            continue
        with open(job.writer.root / rel, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                job.writer.discard(rel)
                problems.append(f"{component}: answer is not a gzipped pprof profile")
    if not tried:
        return Outcome("skipped", "no cost-model or aggregator service found")
    return Outcome.from_problems(problems, tried)
