"""What the collector may do, asked up front with SelfSubjectAccessReview instead of failing."""

from __future__ import annotations

from engage.diagnostics.collect.kube import KubeContext

# (verb, resource[/subresource], API group, namespaced)
CHECKS: tuple[tuple[str, str, str, bool], ...] = (
    ("list", "pods", "", True),
    ("get", "pods/log", "", True),
    ("list", "events", "", True),
    ("list", "configmaps", "", True),
    ("list", "services", "", True),
    ("list", "persistentvolumeclaims", "", True),
    ("list", "deployments", "apps", True),
    ("list", "statefulsets", "apps", True),
    ("list", "daemonsets", "apps", True),
    ("get", "services/proxy", "", True),
    ("list", "nodes", "", False),
    ("get", "nodes/proxy", "", False),
)
EXEC_CHECK = ("create", "pods/exec", "", True)


def missing_permissions(kube: KubeContext, namespace: str, include: frozenset[str]) -> list[str]:
    """Human-readable permissions the current user lacks for collecting this namespace."""
    checks = list(CHECKS) + ([EXEC_CHECK] if "aggregator-db" in include else [])
    missing = []
    for verb, resource, group, namespaced in checks:
        if not kube.can_i(verb, resource, namespace if namespaced else None, group):
            where = f"in namespace {namespace}" if namespaced else "(cluster-wide)"
            missing.append(f"{verb} {resource} {where}")
    return missing
