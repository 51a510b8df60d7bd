"""Container logs of an install, streamed to disk through the redactor (current and --previous)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from engage.diagnostics.collect.kube import DeadlineExceeded, KubeError
from engage.diagnostics.collect.registry import InstanceJob, Outcome, collector

JSON = dict[str, Any]


def log_targets(pods: list[JSON]) -> list[tuple[str, str, bool]]:
    """(pod, container, previous) for every container; previous where a container restarted."""
    targets = []
    for p in pods:
        name = str((p.get("metadata") or {}).get("name"))
        spec, status = p.get("spec") or {}, p.get("status") or {}
        restarted = {
            cs.get("name")
            for key in ("containerStatuses", "initContainerStatuses")
            for cs in status.get(key) or []
            if cs.get("restartCount") or (cs.get("lastState") or {}).get("terminated")
        }
        for c in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
            targets.append((name, str(c["name"]), False))
            if c["name"] in restarted:
                targets.append((name, str(c["name"]), True))
    return targets


def _one(job: InstanceJob, pod: str, container: str, previous: bool) -> str | None:
    """Stream one log into the bundle; returns a problem or None."""
    ns = job.install.namespace
    suffix = "-previous" if previous else ""
    rel = job.path("cluster-resources", "pods", "logs", ns, pod, f"{container}{suffix}.log")
    try:
        reader, release = job.kube.open_log(
            ns,
            pod,
            container,
            previous=previous,
            since_seconds=job.options.since_seconds,
            limit_bytes=job.options.log_limit_bytes,
            abort=job.stopped,
        )
    except DeadlineExceeded:
        raise
    except KubeError as exc:
        if exc.status == 404:
            return f"pod {pod} disappeared during collection"
        if exc.status == 400 and previous:
            return None  # the previous instance is already gone: nothing to collect
        if exc.status == 403:
            job.permissions_missing.append(f"get pods/log in namespace {ns}")
        return f"{pod}/{container}{suffix}: {exc.message}"
    try:
        job.writer.write_text(rel, reader)  # type: ignore[arg-type]
    except DeadlineExceeded:
        raise
    except (KubeError, OSError) as exc:
        return f"{pod}/{container}{suffix}: stream broke: {exc}"
    finally:
        release()
    return None


@collector("logs", order=20)
def collect_logs(job: InstanceJob) -> Outcome:
    """Logs of every container of the install's pods, bounded by --since and a size limit."""
    pods = job.cache.get("pods")
    if pods is None:
        pods = job.kube.list_objects("pods", job.install.namespace).get("items") or []
    pods = [p for p in pods if job.install.owns(p)]
    targets = log_targets(pods)
    job.note(f"logs 0/{len(targets)}")
    futures: list[Future[str | None]] = [
        job.log_pool.submit(_one, job, pod, container, previous)
        for pod, container, previous in targets
    ]
    problems: list[str] = []
    for done, fut in enumerate(futures, 1):
        problem = fut.result()
        if problem:
            problems.append(problem)
        job.note(f"logs {done}/{len(targets)}")
    return Outcome.from_problems(sorted(set(problems)), len(targets))
