"""Optional pseudonyms for IP addresses, host names and e-mail addresses (off by default).

Kubernetes API groups and well-known public domains (``rbac.authorization.k8s.io``,
``quay.io``...) and in-cluster service names (``*.svc.cluster.local``) are kept, so that support
can still read manifests and image references.
"""

from __future__ import annotations

import ipaddress
import re

from engage.diagnostics.redact.detectors import PatternRule, register

_KEEP_IPS = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::1"}
_TLDS = (
    "com|net|org|io|dev|cloud|app|ai|co|info|biz|us|uk|de|fr|nl|eu|ca|au|jp|in|br|ch|se|no|"
    "internal|local|lan|corp|home|intranet|private"
)
KEEP_DOMAINS = (
    "k8s.io",
    "kubernetes.io",
    "x-k8s.io",
    "openshift.io",
    "coreos.com",
    "kubecost.com",
    "opencost.io",
    "github.com",
    "githubusercontent.com",
    "golang.org",
    "go.dev",
    "gcr.io",
    "docker.io",
    "docker.com",
    "quay.io",
    "icr.io",
    "ghcr.io",
    "ibm.com",
    "cattle.io",
    "helm.sh",
    "prometheus.io",
    "grafana.com",
    "google.com",
    "googleapis.com",
    "amazonaws.com",
    "azure.com",
    "microsoft.com",
    "example.com",
    "example.org",
    "example.net",
    "cluster.local",
    "sigs.k8s.io",
    "cert-manager.io",
    "istio.io",
    "jetstack.io",
    "bitnami.com",
    "cncf.io",
)


def _ip_ok(m: re.Match[bytes]) -> bool:
    text = m.group("secret").decode()
    if text in _KEEP_IPS:
        return False
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (addr.is_loopback or addr.is_unspecified)


def _host_ok(m: re.Match[bytes]) -> bool:
    host = m.group("secret").decode().lower().rstrip(".")
    return not any(host == d or host.endswith("." + d) for d in KEEP_DOMAINS)


register(
    PatternRule(
        name="ip",
        description="IPv4 and IPv6 addresses (pseudonymised only with --pseudonymize ips)",
        triggers=(
            r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",
            r"[0-9A-Fa-f]{0,4}::?[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}",
        ),
        pattern=re.compile(
            rb"(?<![\w.:])(?P<secret>(?:[0-9]{1,3}\.){3}[0-9]{1,3}"
            rb"|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![\w:]|\.[0-9])"
        ),
        check=_ip_ok,
        kind="pseudonym",
        priority=90,
    )
)

register(
    PatternRule(
        name="email",
        description="e-mail addresses (pseudonymised only with --pseudonymize emails)",
        triggers=(r"[A-Za-z0-9._%+\-]@[A-Za-z0-9\-]+\.",),
        pattern=re.compile(
            rb"(?<![\w.%+\-])(?P<secret>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,24})(?![\w\-])"
        ),
        kind="pseudonym",
        priority=91,
    )
)

register(
    PatternRule(
        name="hostname",
        description="host names under common TLDs (only with --pseudonymize hostnames)",
        triggers=(rf"[A-Za-z0-9\-]\.({_TLDS})",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)(?<![\w.@\-])(?P<secret>(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:"
            + _TLDS.encode()
            + rb"))(?![\w\-]|\.[a-z0-9])"
        ),
        check=_host_ok,
        kind="pseudonym",
        priority=92,
    )
)
