"""One collection run: environments and instances concurrently, bounded, under one deadline.

Each environment (kubeconfig context) is discovered in its own thread; every install found is
queued on a bounded instance pool, and container logs on a bounded log pool. When the overall
deadline passes the bundle is closed and packed with whatever finished; collectors still
running are recorded as failed, so a hung cluster yields a partial bundle, never a hang.
"""

from __future__ import annotations

import contextlib
import ctypes
import getpass
import re
import shutil
import socket
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from engage import __version__
from engage.diagnostics.bundle import (
    BundleClosed,
    BundleWriter,
    CollectedBy,
    CollectorRun,
    DiskFull,
    Environment,
    Instance,
    Manifest,
    Redacting,
    Status,
)
from engage.diagnostics.collect.catalog import collectors
from engage.diagnostics.collect.discovery import Install
from engage.diagnostics.collect.environment import discover, plan_environments
from engage.diagnostics.collect.kube import (
    Deadline,
    DeadlineExceeded,
    KubeContext,
    KubeError,
    kubeconfig_path,
    list_contexts,
)
from engage.diagnostics.collect.options import CollectOptions, CollectResult, NothingCollected
from engage.diagnostics.collect.permissions import missing_permissions
from engage.diagnostics.collect.registry import CollectorFunc, InstanceJob


def safe_name(text: str) -> str:
    """A path-safe name: cloud ARNs and GKE names shortened, odd characters replaced."""
    if text.startswith("arn:") and "/" in text:
        text = text.rsplit("/", 1)[1]
    elif text.startswith("gke_") and text.count("_") >= 3:
        text = text.rsplit("_", 1)[1]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "unnamed"


def bundle_top(case_id: str | None, now: datetime) -> str:
    """`engage-bundle-<case-or-host>-<UTC timestamp>`."""
    who = safe_name(case_id or socket.gethostname())
    return f"engage-bundle-{who}-{now.strftime('%Y%m%dT%H%M%SZ')}"


def default_redactor() -> Redacting:
    """One Redactor for the whole run (built-in rules)."""
    from engage.diagnostics.redact import Redactor

    redactor: Redacting = Redactor()
    return redactor


@dataclass
class _Slot:
    """Live state of one instance while its collectors run."""

    entry: Instance
    current: str | None = None


@dataclass
class _Run:
    options: CollectOptions
    deadline: Deadline
    writer: BundleWriter
    log_pool: ThreadPoolExecutor
    instance_pool: ThreadPoolExecutor
    envs: list[Environment] = field(default_factory=list)
    slots: list[_Slot] = field(default_factory=list)
    futures: list[Future[None]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    fatal: str | None = None

    def stopped(self) -> bool:
        return self.stop.is_set() or self.deadline.remaining() <= 0


def limit_malloc_arenas(arenas: int = 4) -> None:
    """Cap glibc malloc arenas: a dozen streaming threads otherwise each grow their own arena.

    Without this the collector's peak RSS roughly doubles while its live memory stays flat.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def collect(options: CollectOptions) -> CollectResult:
    """Collect from every environment into one bundle; see `CollectOptions` for the knobs."""
    limit_malloc_arenas()
    kubeconfig = kubeconfig_path(options.kubeconfig)
    known, current = list_contexts(kubeconfig)
    plan = plan_environments(options, known, current)
    now = datetime.now(UTC)
    top = bundle_top(options.case_id, now)
    out = Path(options.output or Path.cwd() / f"{top}.tar.gz").resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".engage-collect-", dir=out.parent))
    writer = BundleWriter(staging, top, options.redactor or default_redactor())
    run = _Run(
        options,
        Deadline.after(options.timeout),
        writer,
        ThreadPoolExecutor(max(2, options.concurrency * 2), thread_name_prefix="engage-log"),
        ThreadPoolExecutor(max(1, options.concurrency), thread_name_prefix="engage-instance"),
    )
    try:
        threads = [
            threading.Thread(
                target=_environment,
                args=(run, env, ctx, kubeconfig),
                name=f"engage-env-{env}",
                daemon=True,
            )
            for env, ctx in plan
        ]
        for t in threads:
            t.start()
        _wait(run, threads)
        manifest = _finish(run, now)
        collected = any(env.instances for env in manifest.environments)
        if not collected:
            errors = [f"{e.name}: {err}" for e in manifest.environments for err in e.errors]
            raise NothingCollected(errors or ["no environment answered"])
        bundle = writer.pack(manifest, out)
    finally:
        run.instance_pool.shutdown(wait=False, cancel_futures=True)
        run.log_pool.shutdown(wait=False, cancel_futures=True)
        writer.cleanup()
        shutil.rmtree(staging, ignore_errors=True)
    problems = _problems(manifest)
    return CollectResult(bundle, manifest, complete=not problems, problems=problems)


def _wait(run: _Run, threads: list[threading.Thread]) -> None:
    """Wait for discovery threads and instance futures, but never past the deadline."""
    while not run.stopped():
        with run.lock:
            pending = [f for f in run.futures if not f.done()]
        if not pending and not any(t.is_alive() for t in threads):
            return
        if not pending:
            time.sleep(0.05)
            continue
        wait(pending, timeout=max(0.01, min(0.5, run.deadline.remaining())))


def _environment(run: _Run, env_name: str, context: str, kubeconfig: str) -> None:
    """Discover installs in one context and queue their collection."""
    progress = run.options.progress
    env = Environment(name=env_name, context=context)
    with run.lock:
        run.envs.append(env)
    progress.add(env_name, f"{env_name} ({context})")
    progress.update(env_name, "discovering Kubecost installs")
    try:
        kube = KubeContext(
            kubeconfig,
            context,
            request_timeout=run.options.request_timeout,
            deadline=run.deadline,
            pool_size=run.options.concurrency * 4,
        )
        installs, missing = discover(kube, run.options.namespace, kubeconfig)
    except (KubeError, OSError, ValueError) as exc:
        message = exc.message if isinstance(exc, KubeError) else str(exc)
        env.errors.append(f"context {context}: {message}")
        progress.done(env_name, f"failed: {message}")
        return
    with run.lock:
        run.missing += [f"{env_name}: {m}" for m in missing]
    if not installs:
        env.errors.append(
            f"no Kubecost install found in context {context} (looked for Helm "
            "charts cost-analyzer/kubecost and cost-model workloads)"
        )
        progress.done(env_name, "no Kubecost found")
        return
    progress.done(env_name, f"{len(installs)} install(s) found")
    cluster = safe_name(kube.cluster_name)
    used: set[str] = set()
    for inst in installs:
        folder = (
            inst.namespace if inst.namespace not in used else f"{inst.namespace}-{inst.release}"
        )
        used.add(folder)
        path = f"environments/{safe_name(env_name)}/{cluster}/{safe_name(folder)}"
        entry = Instance(
            cluster=cluster,
            namespace=inst.namespace,
            release=inst.release,
            version=inst.version,
            flavour=inst.flavour,
            path=path,
        )
        slot = _Slot(entry)
        with run.lock:
            env.instances.append(entry)
            run.slots.append(slot)
            run.futures.append(run.instance_pool.submit(_instance, run, env_name, kube, inst, slot))


def _instance(run: _Run, env_name: str, kube: KubeContext, inst: Install, slot: _Slot) -> None:
    """Run every registered collector for one install, in order."""
    key = f"{env_name}/{slot.entry.cluster}/{slot.entry.namespace}"
    progress = run.options.progress
    progress.add(key, f"  {key} ({inst.flavour} {inst.version or '?'})")
    job = InstanceJob(
        env_name,
        kube,
        inst,
        run.writer,
        slot.entry.path,
        run.options,
        run.log_pool,
        note=lambda text: progress.update(key, text),
        stopped=run.stopped,
    )
    with contextlib.suppress(KubeError):  # no review answer: 403s below are still recorded
        job.permissions_missing += missing_permissions(kube, inst.namespace, run.options.include)
    for spec in collectors():
        if spec.include and spec.include not in run.options.include:
            _record(
                run,
                slot,
                CollectorRun(
                    name=spec.name,
                    status="skipped",
                    error=f"not requested (--include {spec.include})",
                ),
            )
            continue
        if run.stopped():
            break
        with run.lock:
            slot.current = spec.name
        started = time.monotonic()
        status, error = _run_one(run, spec.func, job)
        _record(
            run,
            slot,
            CollectorRun(
                name=spec.name,
                status=status,
                error=error,
                seconds=round(time.monotonic() - started, 3),
            ),
        )
    with run.lock:
        run.missing += [f"{env_name}: {m}" for m in dict.fromkeys(job.permissions_missing)]
    progress.done(
        key,
        ", ".join(f"{c.name}:{c.status}" for c in slot.entry.collectors if c.status != "skipped"),
    )


def _run_one(run: _Run, func: CollectorFunc, job: InstanceJob) -> tuple[Status, str | None]:
    try:
        outcome = func(job)
        return outcome.status, outcome.error
    except DeadlineExceeded:
        return "failed", "overall deadline reached (--timeout)"
    except BundleClosed:
        return "failed", "overall deadline reached (--timeout)"
    except DiskFull as exc:
        run.fatal = str(exc)
        run.stop.set()
        return "failed", str(exc)
    except KubeError as exc:
        return "failed", exc.message
    except Exception as exc:  # one broken collector must not lose the run
        return "failed", f"{type(exc).__name__}: {exc}"


def _record(run: _Run, slot: _Slot, entry: CollectorRun) -> None:
    with run.lock:
        if not run.writer.closed:
            slot.entry.collectors.append(entry)
            slot.current = None


def _finish(run: _Run, now: datetime) -> Manifest:
    """Close the writer, mark what the deadline cut short, and build the manifest."""
    run.stop.set()
    run.writer.close()
    reason = run.fatal or "overall deadline reached (--timeout)"
    with run.lock:
        for slot in run.slots:
            if slot.current:
                slot.entry.collectors.append(
                    CollectorRun(name=slot.current, status="failed", error=reason)
                )
            elif not slot.entry.collectors:
                slot.entry.collectors.append(
                    CollectorRun(name="all", status="skipped", error=reason)
                )
        envs = [e.model_copy(deep=True) for e in run.envs]
        missing = sorted(set(run.missing))
    for env in envs:
        if not env.instances and not env.errors:
            env.errors.append("discovery did not finish before the deadline (--timeout)")
    report = getattr(run.writer.redactor, "report", None)
    return Manifest(
        engage_version=__version__,
        created_at=now.isoformat().replace("+00:00", "Z"),
        case_id=run.options.case_id,
        collected_by=CollectedBy(user=current_user(), host=socket.gethostname()),
        environments=sorted(envs, key=lambda e: e.name),
        permissions={"missing": missing},  # type: ignore[arg-type]
        redaction=report.to_dict() if report is not None else {},
    )


def current_user() -> str:
    """The OS user running the collection."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _problems(manifest: Manifest) -> list[str]:
    out = [f"{e.name}: {err}" for e in manifest.environments for err in e.errors]
    for env in manifest.environments:
        for inst in env.instances:
            out += [
                f"{inst.path}: {c.name} {c.status}: {c.error}"
                for c in inst.collectors
                if c.status in ("failed", "partial")
            ]
    return out
