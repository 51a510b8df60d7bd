"""A fake Kubernetes API server on 127.0.0.1 that the official `kubernetes` client can talk to.

Usage::

    with FakeKubeServer(kubecost_2x_duckdb("prod")) as prod, FakeKubeServer(other) as dev:
        write_kubeconfig(tmp_path / "kubeconfig", [prod, dev])

It serves list/get of the common resources, pod logs (container, previous, sinceSeconds,
limitBytes), the service proxy, node proxy, exec over the websocket channel protocol and
SelfSubjectAccessReview, with Status objects shaped like a real API server's on errors.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from tests.support.k8s_cluster import RESOURCES, FakeCluster, LogSource, SyntheticLog
from tests.support.k8s_exec import V4, FakeShell, accept_key, serve_exec

__all__ = ["FakeCluster", "FakeKubeServer", "write_kubeconfig"]

_NS = r"/namespaces/(?P<ns>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("log", re.compile(rf"^/api/v1{_NS}/pods/(?P<name>[^/]+)/log$")),
    ("exec", re.compile(rf"^/api/v1{_NS}/pods/(?P<name>[^/]+)/exec$")),
    ("svcproxy", re.compile(rf"^/api/v1{_NS}/services/(?P<name>[^/]+)/proxy(?P<path>/.*)?$")),
    ("nodeproxy", re.compile(r"^/api/v1/nodes/(?P<name>[^/]+)/proxy(?P<path>/.*)?$")),
    (
        "get",
        re.compile(rf"^(?P<group>/api/v1|/apis/apps/v1){_NS}/(?P<plural>[a-z]+)/(?P<name>[^/]+)$"),
    ),
    ("list", re.compile(rf"^(?P<group>/api/v1|/apis/apps/v1){_NS}/(?P<plural>[a-z]+)$")),
    (
        "getc",
        re.compile(
            r"^(?P<group>/api/v1|/apis/apps/v1)/(?P<plural>nodes|namespaces)/(?P<name>[^/]+)$"
        ),
    ),
    ("list", re.compile(r"^(?P<group>/api/v1|/apis/apps/v1)/(?P<plural>[a-z]+)$")),
]


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    """A metav1.Status failure object."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; tests read `cluster.requests` instead."""

    # -- plumbing -------------------------------------------------------------------------
    @property
    def cluster(self) -> FakeCluster:
        return self.server.cluster

    def _send_json(self, code: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_chunks(self, chunks: Iterable[bytes], content_type: str = "text/plain") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _gate(self, namespace: str | None, plural: str, verb: str) -> bool:
        """Apply delay, authentication and authorization; False when an error was sent."""
        self.cluster.record(f"{self.command} {self.path}")
        if self.cluster.delay and self.server.stopping.wait(self.cluster.delay):
            return False
        auth = self.headers.get("Authorization", "")
        if self.cluster.expired_credentials or auth != f"Bearer {self.cluster.token}":
            self._send_json(401, status(401, "Unauthorized", "Unauthorized"))
            return False
        scope_denied = namespace is None and self.cluster.forbid_cluster_scope
        if scope_denied or (namespace in self.cluster.forbidden_namespaces):
            where = (
                "at the cluster scope" if namespace is None else f'in the namespace "{namespace}"'
            )
            msg = (
                f'{plural} is forbidden: User "engage-test" cannot {verb} resource "{plural}" '
                f'in API group "" {where}'
            )
            self._send_json(403, status(403, "Forbidden", msg))
            return False
        return True

    # -- verbs ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        """Route a GET (or websocket upgrade) to its handler."""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/version":
            major, minor = self.cluster.server_version.lstrip("v").split(".")[:2]
            self._send_json(
                200, {"major": major, "minor": minor, "gitVersion": self.cluster.server_version}
            )
            return
        for route, pattern in _ROUTES:
            m = pattern.match(path)
            if m:
                getattr(self, f"_{route}")(m.groupdict(), query, url.query)
                return
        self._send_json(
            404, status(404, "NotFound", "the server could not find the requested resource")
        )

    def do_POST(self) -> None:
        """SelfSubjectAccessReview is the only POST the fake understands."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if self.path.split("?")[0] != "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            self._send_json(
                404, status(404, "NotFound", "the server could not find the requested resource")
            )
            return
        if not self._gate("-", "selfsubjectaccessreviews", "create"):
            return
        review = json.loads(body or b"{}")
        attrs = review.get("spec", {}).get("resourceAttributes", {})
        resource = attrs.get("resource", "")
        if attrs.get("subresource"):
            resource += "/" + attrs["subresource"]
        ns = attrs.get("namespace", "")
        denied = (attrs.get("verb", ""), resource, ns) in self.cluster.denied or (
            ns in self.cluster.forbidden_namespaces
        )
        review.update(
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "status": {
                    "allowed": not denied,
                    **({"reason": "forbidden by test scenario"} if denied else {}),
                },
            }
        )
        review.setdefault("metadata", {"creationTimestamp": None})
        self._send_json(201, review)

    # -- routes ---------------------------------------------------------------------------
    def _list(self, m: dict[str, str], query: dict[str, str], _raw: str) -> None:
        plural, ns = m["plural"], m.get("ns")
        info = RESOURCES.get(plural)
        if info is None or info[0] != m["group"]:
            self._send_json(
                404, status(404, "NotFound", "the server could not find the requested resource")
            )
            return
        if not self._gate(ns, plural, "list"):
            return
        items = self.cluster.list(plural, ns, query.get("labelSelector"))
        self._send_json(
            200,
            {
                "kind": info[1],
                "apiVersion": m["group"].split("/", 2)[-1],
                "metadata": {"resourceVersion": "12345"},
                "items": items,
            },
        )

    def _get(self, m: dict[str, str], _q: dict[str, str], _raw: str) -> None:
        plural, ns, name = m["plural"], m.get("ns"), m["name"]
        if not self._gate(ns, plural, "get"):
            return
        obj = self.cluster.get(plural, ns, name)
        if obj is None or (plural == "pods" and (ns, name) in self.cluster.vanishing_pods):
            kind = plural.removesuffix("s")
            self._send_json(404, status(404, "NotFound", f'{kind}s "{name}" not found'))
            return
        self._send_json(200, obj)

    _getc = _get

    def _log(self, m: dict[str, str], q: dict[str, str], _raw: str) -> None:
        ns, pod = m["ns"], m["name"]
        if not self._gate(ns, "pods/log", "get"):
            return
        obj = self.cluster.get("pods", ns, pod)
        if obj is None or (ns, pod) in self.cluster.vanishing_pods:
            self._send_json(404, status(404, "NotFound", f'pods "{pod}" not found'))
            return
        containers = [c["name"] for c in obj["spec"]["containers"]]
        container = q.get("container") or (containers[0] if len(containers) == 1 else "")
        if container not in containers:
            msg = (
                f"a container name must be specified for pod {pod}, choose one of: {containers}"
                if not container
                else f"container {container} is not valid for pod {pod}"
            )
            self._send_json(400, status(400, "BadRequest", msg))
            return
        previous = q.get("previous", "false").lower() == "true"
        source = self.cluster.logs.get((ns, pod, container, previous))
        if source is None and previous:
            msg = f'previous terminated container "{container}" in pod "{pod}" not found'
            self._send_json(400, status(400, "BadRequest", msg))
            return
        limit = int(q["limitBytes"]) if "limitBytes" in q else None
        since = int(q["sinceSeconds"]) if "sinceSeconds" in q else None
        self._send_chunks(self._throttle(_log_chunks(source or b"", limit, since)))

    def _throttle(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        rate = self.cluster.log_bytes_per_second
        for chunk in chunks:
            if rate:
                time.sleep(len(chunk) / rate)
            yield chunk

    def _svcproxy(self, m: dict[str, str], _q: dict[str, str], _raw: str) -> None:
        ns, ref, path = m["ns"], m["name"], (m.get("path") or "/").lstrip("/")
        if not self._gate(ns, "services/proxy", "get"):
            return
        parts = unquote(ref).split(":")
        name = parts[1] if len(parts) == 3 else parts[0]
        port_ref = parts[-1] if len(parts) >= 2 else ""
        svc = self.cluster.get("services", ns, name)
        if svc is None:
            self._send_json(404, status(404, "NotFound", f'services "{name}" not found'))
            return
        port = _resolve_port(svc, port_ref)
        answer = self.cluster.proxy.get((ns, name, port, unquote(path)))
        if answer is None:
            self._send_json(404, b"404 page not found\n", "text/plain; charset=utf-8")
            return
        self._send_json(answer.status, answer.body, answer.content_type)

    def _nodeproxy(self, m: dict[str, str], _q: dict[str, str], _raw: str) -> None:
        if not self._gate(None, "nodes/proxy", "get"):
            return
        answer = self.cluster.proxy.get(("", m["name"], 0, (m.get("path") or "/").lstrip("/")))
        if answer is None:
            self._send_json(404, b"404 page not found\n", "text/plain; charset=utf-8")
            return
        self._send_json(answer.status, answer.body, answer.content_type)

    def _exec(self, m: dict[str, str], _q: dict[str, str], raw_query: str) -> None:
        ns, pod = m["ns"], m["name"]
        if not self._gate(ns, "pods/exec", "create"):
            return
        params = parse_qs(raw_query)
        command = params.get("command", [])
        container = params.get("container", [""])[-1]
        if self.cluster.get("pods", ns, pod) is None or (ns, pod) in self.cluster.vanishing_pods:
            self._send_json(404, status(404, "NotFound", f'pods "{pod}" not found'))
            return
        if self.headers.get("Upgrade", "").lower() != "websocket":
            self._send_json(400, status(400, "BadRequest", "Upgrade request required"))
            return
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(self.headers["Sec-WebSocket-Key"]))
        self.send_header("Sec-WebSocket-Protocol", V4)
        self.end_headers()
        self.wfile.flush()
        shell = FakeShell(
            self.cluster.pod_file(ns, pod, container),
            bytes_per_second=self.cluster.log_bytes_per_second,
        )
        serve_exec(self.connection, shell, command)
        self.close_connection = True


def _resolve_port(svc: dict[str, Any], ref: str) -> int:
    ports = svc.get("spec", {}).get("ports", [])
    for p in ports:
        if ref and (p.get("name") == ref or str(p.get("port")) == ref):
            return int(p["port"])
    return int(ports[0]["port"]) if ports and not ref else -1


def _log_chunks(source: LogSource, limit: int | None, since: int | None) -> Iterator[bytes]:
    if isinstance(source, SyntheticLog):
        yield from source.chunks(limit)
        return
    data = source
    if since is not None:
        cutoff = datetime.now(UTC) - timedelta(seconds=since)
        data = b"".join(line for line in data.splitlines(keepends=True) if _after(line, cutoff))
    if limit is not None:
        data = data[:limit]
    for i in range(0, len(data), 64 * 1024):
        yield data[i : i + 64 * 1024]


def _after(line: bytes, cutoff: datetime) -> bool:
    """Keep lines without a leading RFC 3339 timestamp; drop stamped lines older than cutoff."""
    head = line[:35].split(b" ", 1)[0].decode(errors="replace")
    try:
        stamp = datetime.fromisoformat(head.replace("Z", "+00:00"))
    except ValueError:
        return True
    return stamp.tzinfo is None or stamp >= cutoff


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a deadline, a cancelled run) is not an error."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FakeKubeServer:
    """A running fake API server for one FakeCluster; use as a context manager or start()/stop()."""

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT."""
        if self._server is None:
            raise RuntimeError("FakeKubeServer is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeKubeServer:
        """Bind a free loopback port and serve in a daemon thread."""
        self._server = _Server(self.cluster)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name=f"fake-kube-{self.cluster.name}",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; hanging handlers are woken up."""
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def __enter__(self) -> FakeKubeServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def write_kubeconfig(
    path: Path,
    clusters: Iterable[FakeKubeServer],
    *,
    current: str | None = None,
    namespace: str | None = None,
) -> Path:
    """Write a kubeconfig with one context per server (context, cluster and user named after it)."""
    servers = list(clusters)
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": s.cluster.name, "cluster": {"server": s.url}} for s in servers],
        "users": [
            {"name": f"{s.cluster.name}-user", "user": {"token": s.cluster.token}} for s in servers
        ],
        "contexts": [
            {
                "name": s.cluster.name,
                "context": {
                    "cluster": s.cluster.name,
                    "user": f"{s.cluster.name}-user",
                    **({"namespace": namespace} if namespace else {}),
                },
            }
            for s in servers
        ],
        "current-context": current or (servers[0].cluster.name if servers else ""),
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
