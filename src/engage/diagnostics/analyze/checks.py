"""Helpers shared by state rules: multi-cluster diagnostics checks, pods, events, values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engage.diagnostics.analyze.kube import container_statuses, pod_name
from engage.diagnostics.analyze.rule import Hit, InstanceData, dig


def failed_mcd_checks(data: InstanceData, names: tuple[str, ...]) -> Iterator[Hit]:
    """One hit per failed multi-cluster diagnostics check among `names`, per cluster."""
    for path, cluster in data.mcd:
        cid = cluster.get("clusterId") or "?"
        for name in names:
            check = cluster.get(name)
            if not isinstance(check, Mapping) or check.get("diagnosticPassed") is not False:
                continue
            output = str(check.get("diagnosticOutput") or "").strip()
            since = str(check.get("firstFailureDate") or "") or None
            excerpt = (
                f"cluster {cid}: {name} failed {check.get('numFailures', '?')} time(s)"
                + (f" since {since}" if since else "")
                + (f": {output}" if output else "")
            )
            yield Hit(path, None, excerpt[:400], since or _str(cluster.get("latestRun")))


def _str(value: Any) -> str | None:
    return str(value) if value else None


def terminated_reasons(pod: Mapping[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(container, reason, finishedAt) for current and last terminations of a pod."""
    for status in container_statuses(pod):
        for state in ("state", "lastState"):
            term = dig(status, state, "terminated")
            if isinstance(term, Mapping) and term.get("reason"):
                yield (
                    str(status.get("name", "?")),
                    str(term["reason"]),
                    _str(term.get("finishedAt")),
                )


def waiting_reasons(pod: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(container, reason, message) of containers currently waiting."""
    for status in container_statuses(pod):
        waiting = dig(status, "state", "waiting")
        if isinstance(waiting, Mapping) and waiting.get("reason"):
            yield (
                str(status.get("name", "?")),
                str(waiting["reason"]),
                str(waiting.get("message") or ""),
            )


def events(data: InstanceData, *reasons: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Events about Kubecost objects with one of the given reasons."""
    for path, event in data.kubecost_events():
        if event.get("reason") in reasons:
            yield path, event


def event_hit(path: str, event: Mapping[str, Any]) -> Hit:
    """A hit describing one Kubernetes event."""
    obj = event.get("involvedObject") or {}
    excerpt = (
        f"{event.get('type', 'Warning')} {event.get('reason')} "
        f"{obj.get('kind', '')}/{obj.get('name', '?')}: {event.get('message', '')}"
    )
    when = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
    return Hit(path, None, excerpt.strip()[:400], _str(when))


def pod_hit(path: str, pod: Mapping[str, Any], text: str, when: str | None = None) -> Hit:
    """A hit describing one pod's state."""
    return Hit(path, None, f"pod {pod_name(pod)}: {text}"[:400], when)


def values_hits(data: InstanceData) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Helm values documents of the instance."""
    yield from data.values
