"""Which contexts to visit (environments) and which Kubecost installs each one holds."""

from __future__ import annotations

from engage.diagnostics.collect.discovery import Install, find_installs
from engage.diagnostics.collect.kube import KubeconfigError, KubeContext, KubeError
from engage.diagnostics.collect.options import CollectOptions

WORKLOADS = ("deployments", "statefulsets", "daemonsets")


def plan_environments(
    options: CollectOptions, known: list[str], current: str | None
) -> list[tuple[str, str]]:
    """(environment name, context) pairs, like kubectl: the current context unless told more."""
    plan: dict[str, str] = dict(options.environments)
    for ctx in options.contexts:
        plan.setdefault(ctx, ctx)
    if options.all_contexts:
        for ctx in known:
            if ctx not in plan.values():
                plan.setdefault(ctx, ctx)
    if not plan:
        if not current:
            raise KubeconfigError("the kubeconfig has no current context; pass --context")
        plan[current] = current
    unknown = sorted({ctx for ctx in plan.values() if ctx not in known})
    if unknown:
        raise KubeconfigError(
            f"unknown context(s): {', '.join(unknown)} (known: {', '.join(known) or 'none'})"
        )
    return sorted(plan.items())


def _list_workloads(kube: KubeContext, namespace: str | None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for plural in WORKLOADS:
        items += kube.list_objects(plural, namespace).get("items") or []
    return items


def discover(
    kube: KubeContext, namespace: str | None, kubeconfig: str
) -> tuple[list[Install], list[str]]:
    """Kubecost installs in the context, and permissions found missing on the way.

    Without --namespace the whole cluster is searched; if listing across namespaces is
    forbidden, the context's default namespace and `kubecost` are searched instead.
    """
    missing: list[str] = []
    if namespace:
        return find_installs(_list_workloads(kube, namespace)), missing
    try:
        return find_installs(_list_workloads(kube, None)), missing
    except KubeError as exc:
        if exc.status != 403:
            raise
        missing.append("list deployments/statefulsets/daemonsets (cluster-wide)")
    installs: list[Install] = []
    for ns in dict.fromkeys([kube.default_namespace or "kubecost", "kubecost"]):
        try:
            installs += find_installs(_list_workloads(kube, ns))
        except KubeError as exc:
            if exc.status != 403:
                raise
            missing.append(f"list deployments/statefulsets/daemonsets in namespace {ns}")
    return installs, missing
