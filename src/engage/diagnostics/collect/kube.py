"""One kubeconfig context as the collector sees it: raw-JSON calls through the official client.

Every call returns or streams the API server's own JSON/bytes (no model round-trip), takes a
timeout bounded by the run's deadline, and turns client and socket errors into `KubeError`.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.stream import stream

from engage.diagnostics.collect.options import CollectError

JSON = dict[str, Any]
_GROUPS = {
    "deployments": "/apis/apps/v1",
    "statefulsets": "/apis/apps/v1",
    "daemonsets": "/apis/apps/v1",
}


class KubeError(Exception):
    """A failed Kubernetes API call, with its HTTP status (0 when no answer came back)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class DeadlineExceeded(KubeError):
    """The overall collection deadline passed."""

    def __init__(self, message: str = "overall deadline reached") -> None:
        super().__init__(0, message)


class KubeconfigError(CollectError):
    """No usable kubeconfig, or a context that is not in it."""


@dataclass(frozen=True)
class Deadline:
    """An absolute monotonic deadline shared by everything in one run."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """A deadline `seconds` from now."""
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds left (negative when passed)."""
        return self.at - time.monotonic()

    def check(self) -> None:
        """Raise DeadlineExceeded when the deadline has passed."""
        if self.remaining() <= 0:
            raise DeadlineExceeded()

    def bound(self, seconds: float) -> float:
        """`seconds`, cut down to what is left; raises when nothing is left."""
        self.check()
        return max(0.05, min(seconds, self.remaining()))


def kubeconfig_path(explicit: str | None) -> str:
    """The kubeconfig to use, like kubectl: --kubeconfig, then $KUBECONFIG, then ~/.kube/config."""
    path = explicit or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    parts = [p for p in path.split(os.pathsep) if p]
    if not any(os.path.exists(p) for p in parts):
        raise KubeconfigError(f"no kubeconfig found at {path} (set --kubeconfig or KUBECONFIG)")
    return path


def list_contexts(path: str) -> tuple[list[str], str | None]:
    """Context names in the kubeconfig, and the current one."""
    try:
        contexts, current = config.list_kube_config_contexts(config_file=path)
    except ConfigException as exc:
        raise KubeconfigError(f"invalid kubeconfig {path}: {exc}") from exc
    return [c["name"] for c in contexts], (current or {}).get("name")


def describe_error(exc: BaseException, *, timeout: float | None = None) -> KubeError:
    """Map client/socket errors to one readable KubeError."""
    if isinstance(exc, KubeError):
        return exc
    if isinstance(exc, ApiException):
        message = _status_message(exc)
        if exc.status == 401:
            message = "credentials rejected (401 Unauthorized): the token is expired or invalid"
        return KubeError(exc.status or 0, message)
    text = str(exc)
    if "timed out" in text.lower() or isinstance(
        exc, TimeoutError | urllib3.exceptions.TimeoutError
    ):
        after = f" after {timeout:.0f}s" if timeout else ""
        return KubeError(0, f"API server did not answer{after} (timed out)")
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return KubeError(0, f"cannot reach the API server: {text.splitlines()[0][:200]}")
    return KubeError(0, f"{type(exc).__name__}: {text[:200]}")


def _status_message(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or b"{}")
        if isinstance(body, dict) and body.get("message"):
            return f"{exc.status} {body.get('reason') or exc.reason}: {body['message']}"
    except (ValueError, TypeError):
        pass
    return f"{exc.status} {exc.reason}"


class _DeadlineReader(io.RawIOBase):
    """A readable stream over an HTTP response that stops when the deadline passes."""

    def __init__(self, resp: Any, deadline: Deadline, abort: Callable[[], bool]) -> None:
        self._resp = resp
        self._deadline = deadline
        self._abort = abort

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        self._deadline.check()
        if self._abort():
            raise DeadlineExceeded("collection stopped")
        data = self._resp.read(len(buf))
        buf[: len(data)] = data
        return len(data)


class KubeContext:
    """API access for one kubeconfig context, safe to share between threads."""

    def __init__(
        self,
        kubeconfig: str,
        context: str,
        *,
        request_timeout: float,
        deadline: Deadline,
        pool_size: int = 16,
    ) -> None:
        self.context = context
        self.request_timeout = request_timeout
        self.deadline = deadline
        cfg = client.Configuration()
        try:
            contexts, _ = config.list_kube_config_contexts(config_file=kubeconfig)
            entry: dict[str, Any] = next(
                (c for c in contexts if c["name"] == context), {"context": {}}
            )
            self.cluster_name = str(entry["context"].get("cluster") or context)
            self.default_namespace: str | None = entry["context"].get("namespace")
            config.load_kube_config(
                config_file=kubeconfig,
                context=context,
                client_configuration=cfg,
                persist_config=False,
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise KubeconfigError(f"context {context!r}: {exc}") from exc
        cfg.retries = urllib3.Retry(total=1, connect=1, read=0, redirect=0, status=0)
        cfg.connection_pool_maxsize = pool_size
        self.configuration = cfg
        self.api = client.ApiClient(cfg)
        self.server = cfg.host

    def close(self) -> None:
        """Release pooled connections."""
        self.api.close()

    def _timeout(self) -> tuple[float, float]:
        t = self.deadline.bound(self.request_timeout)
        return (min(t, 10.0), t)

    def raw(self, path: str, query: list[tuple[str, str]] | None = None) -> Any:
        """GET `path` and return the unread urllib3 response (caller reads and releases)."""
        timeout = self._timeout()
        try:
            return self.api.call_api(
                path,
                "GET",
                query_params=query or [],
                header_params={"Accept": "application/json, */*"},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
                _return_http_data_only=True,
            )
        except Exception as exc:
            raise describe_error(exc, timeout=timeout[1]) from exc

    def get_bytes(
        self, path: str, query: list[tuple[str, str]] | None = None, limit: int = 64 << 20
    ) -> tuple[bytes, str]:
        """GET `path` and return (body, content type), reading at most `limit` bytes."""
        resp = self.raw(path, query)
        try:
            return resp.read(limit), resp.headers.get("Content-Type", "")
        except Exception as exc:
            raise describe_error(exc, timeout=self.request_timeout) from exc
        finally:
            resp.release_conn()

    def get_json(self, path: str, query: list[tuple[str, str]] | None = None) -> Any:
        """GET `path` and parse the JSON answer."""
        body, _ = self.get_bytes(path, query)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise KubeError(0, f"{path}: answer is not JSON") from exc

    def list_objects(
        self, plural: str, namespace: str | None = None, selector: str | None = None
    ) -> JSON:
        """A List object (PodList, DeploymentList ...) straight from the API server."""
        group = _GROUPS.get(plural, "/api/v1")
        path = f"{group}/namespaces/{namespace}/{plural}" if namespace else f"{group}/{plural}"
        query = [("labelSelector", selector)] if selector else []
        result: JSON = self.get_json(path, query)
        return result

    def open_log(
        self,
        namespace: str,
        pod: str,
        container: str,
        *,
        previous: bool,
        since_seconds: int | None,
        limit_bytes: int | None,
        abort: Callable[[], bool],
    ) -> tuple[io.RawIOBase, Callable[[], None]]:
        """A readable stream of one container log, and a function that releases it."""
        query = [("container", container), ("previous", str(previous).lower())]
        if since_seconds:
            query.append(("sinceSeconds", str(since_seconds)))
        if limit_bytes:
            query.append(("limitBytes", str(limit_bytes)))
        resp = self.raw(f"/api/v1/namespaces/{namespace}/pods/{pod}/log", query)
        return _DeadlineReader(resp, self.deadline, abort), resp.release_conn

    def proxy(
        self,
        namespace: str,
        service: str,
        port: int,
        path: str,
        query: list[tuple[str, str]] | None = None,
    ) -> Any:
        """Open GET through the service proxy (`.../services/<svc>:<port>/proxy/<path>`)."""
        return self.raw(
            f"/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy/{path}", query
        )

    def can_i(self, verb: str, resource: str, namespace: str | None, group: str = "") -> bool:
        """SelfSubjectAccessReview: may the current user do `verb` on `resource`?"""
        sub = None
        if "/" in resource:
            resource, sub = resource.split("/", 1)
        attrs = client.V1ResourceAttributes(
            verb=verb, resource=resource, subresource=sub, namespace=namespace, group=group
        )
        review = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=attrs)
        )
        timeout = self._timeout()
        try:
            answer = client.AuthorizationV1Api(self.api).create_self_subject_access_review(
                review, _request_timeout=timeout
            )
        except Exception as exc:
            raise describe_error(exc, timeout=timeout[1]) from exc
        return bool(answer.status and answer.status.allowed)

    def exec_stream(
        self, namespace: str, pod: str, container: str, command: list[str]
    ) -> Iterator[tuple[int, bytes]]:
        """Run a command in a container; yield (channel, bytes); raise on a non-zero exit."""
        # stream() swaps ApiClient.request while it runs, so exec gets an ApiClient of its own
        api = client.ApiClient(self.configuration)
        core = client.CoreV1Api(api)
        try:
            ws = stream(
                core.connect_get_namespaced_pod_exec,
                pod,
                namespace,
                command=command,
                container=container,
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
                _preload_content=False,
                binary=True,
            )
        except Exception as exc:
            api.close()
            raise describe_error(exc) from exc
        try:
            yield from _drain(ws, self.deadline, self.request_timeout)
            code = _exit_code(ws)
            if code:
                raise KubeError(0, f"command {command[0]} exited with code {code}")
        finally:
            ws.close()
            api.close()


def _drain(ws: Any, deadline: Deadline, idle_timeout: float) -> Iterator[tuple[int, bytes]]:
    last = time.monotonic()
    while True:
        was_open = ws.is_open()
        if was_open:
            ws.update(timeout=min(1.0, deadline.bound(idle_timeout)))
        got = False
        for channel in (1, 2):
            data = ws.read_channel(channel, timeout=0)
            if data:
                got = True
                yield channel, data
        if got:
            last = time.monotonic()
        elif not was_open:
            return
        elif time.monotonic() - last > idle_timeout:
            raise KubeError(0, f"exec produced no output for {idle_timeout:.0f}s")


def _exit_code(ws: Any) -> int:
    try:
        return int(ws.returncode or 0)
    except (TypeError, KeyError, ValueError, IndexError) as exc:
        raise KubeError(0, "exec ended without an exit status") from exc
