"""Network identities, pseudonymised on request (``--pseudonymize``; a policy may default it).

- ``ip``: IPv4 in every written form (``10.0.1.2``, ``10.0.1.2:6443``, ``::ffff:10.0.1.2``,
  ``ip-10-0-1-2`` and ``10-0-1-2`` inside names, ``ip_10_0_1_2`` in identifiers) and IPv6.
  One address is one entity: every form gets the token of its dotted form.
- ``mac``: MAC addresses (``:`` or ``-``), one token whatever the case or separator.
- ``hostname``: host names under common TLDs, and node names wherever a field names them
  (``nodeName:``, ``kubernetes.io/hostname=``, ``infrastructureName:``...).
- ``domain``: cluster domains detected from ``api.``/``api-int.`` endpoints and ``baseDomain``,
  plus the domains a run is given; the known-value pass then replaces them everywhere,
  inside longer host names too.
- ``email``: e-mail addresses.

Kubernetes API groups and well-known public domains (``rbac.authorization.k8s.io``,
``quay.io``...), in-cluster service names (``*.svc.cluster.local``), versions, image tags and
metric names are kept, so that support can still read manifests and image references.
"""

from __future__ import annotations

import functools
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
    "openshift.com",
    "redhat.com",
    "redhat.io",
    "svc",
)


_HOST_END = r"([^A-Za-z0-9_\-.]|\.[^A-Za-z0-9]|\.?$)"  # what ends a host name
_KEEP_PATTERN = "|".join(re.escape(d) for d in sorted(KEEP_DOMAINS, key=len, reverse=True))
_OCTET = rb"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED = _OCTET + rb"(?:\." + _OCTET + rb"){3}"
_DASHED = _OCTET + rb"(?:-" + _OCTET + rb"){3}"
_UNDERSCORED = _OCTET + rb"(?:_" + _OCTET + rb"){3}"
_IPV6 = rb"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}"


@functools.lru_cache(maxsize=1 << 16)
def canonical_ip(raw: bytes) -> bytes:
    """The dotted (IPv4) or compressed lower-case (IPv6) form every written form maps to."""
    text = raw.decode("ascii", "replace")
    if text.lower().startswith(("ip-", "ip_")):
        text = text[3:]
    if "-" in text or "_" in text:
        text = text.replace("-", ".").replace("_", ".")
    try:
        return str(ipaddress.ip_address(text)).encode()
    except ValueError:
        return raw


def _ip_ok(m: re.Match[bytes]) -> bool:
    return _ip_value_ok(m.group("secret"))


@functools.lru_cache(maxsize=1 << 16)
def _ip_value_ok(raw: bytes) -> bool:
    text = canonical_ip(raw).decode()
    if text in _KEEP_IPS:
        return False
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return False  # ::ffff:10.0.1.2 is handled as its IPv4 part
    return not (addr.is_loopback or addr.is_unspecified)


def _host_ok(m: re.Match[bytes]) -> bool:
    return _host_value_ok(m.group("secret"))


@functools.lru_cache(maxsize=1 << 16)
def _host_value_ok(raw: bytes) -> bool:
    host = raw.decode().lower().rstrip(".")
    return not any(host == d or host.endswith("." + d) for d in KEEP_DOMAINS)


def _ip_rule(
    name: str, description: str, trigger: str, pattern: bytes, token_chars: bytes = b""
) -> None:
    register(
        PatternRule(
            name=name,
            description=description,
            triggers=(trigger,),
            multiline=True,
            pattern=re.compile(pattern),
            check=_ip_ok,
            digest_source=canonical_ip,
            token_name="ip",  # every written form of one address gets the same token
            kind="pseudonym",
            priority=90,
            token_chars=token_chars,
        )
    )


# three rules, not one alternation: each regex then only runs on the lines its own hyperscan
# trigger flagged, and Python's re stays fast without alternatives behind look-behinds
_ip_rule(
    "ip",
    "IPv4 addresses, also with a port and inside ::ffff: (with --pseudonymize ips)",
    # with what ends an address: one report per address, not one per digit of its last part
    r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}([^0-9.]|\.[^0-9]|\.?$)",
    rb"(?<![0-9.vV])(?=[0-9]{1,3}\.[0-9]{1,3}\.)(?P<secret>" + _DOTTED + rb")(?![0-9]|\.[0-9])",
    # a match starts at the start of a run of digits and dots, and ends where its trigger does
    token_chars=rb"0-9.",
)
_ip_rule(
    "ip-dashed",
    "IPv4 addresses written with dashes in names: ip-10-0-1-2, 10-0-1-2 (--pseudonymize ips)",
    r"[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}",
    rb"(?<![0-9])(?<![0-9]-)(?P<secret>(?:ip-)?" + _DASHED + rb")(?![0-9]|-[0-9])",
)
_ip_rule(
    "ip-underscored",
    "IPv4 addresses in identifiers derived from node names: NODE_ip_10_0_1_2_ec2_internal_IP "
    "(--pseudonymize ips)",
    r"[0-9]{1,3}_[0-9]{1,3}_[0-9]{1,3}_[0-9]{1,3}",
    rb"(?<![0-9vV])(?<![0-9]_)(?P<secret>(?:ip_)?" + _UNDERSCORED + rb")(?![0-9]|_[0-9])",
)
_ip_rule(
    "ipv6",
    "IPv6 addresses (with --pseudonymize ips)",
    # every address that parses has eight groups or a "::" beside a digit ("::" and "::1"
    # are kept): clock times (12:34:56) and Go/C++ names (std::map) are not flagged
    r"[0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){7}|[0-9A-Fa-f]::|::[0-9A-Fa-f]",
    rb"(?<![\w.:])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)(?P<secret>" + _IPV6 + rb")"
    rb"(?![\w:]|\.[0-9])",
)


def canonical_mac(raw: bytes) -> bytes:
    """``B4-96-91-70-19-98`` and ``b4:96:91:70:19:98`` are one entity."""
    return raw.lower().replace(b"-", b":")


def _mac_ok(m: re.Match[bytes]) -> bool:
    mac = canonical_mac(m.group("secret"))
    return mac not in (b"00:00:00:00:00:00", b"ff:ff:ff:ff:ff:ff")


register(
    PatternRule(
        name="mac",
        description="MAC addresses (with --pseudonymize macs)",
        triggers=(
            r"[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-][0-9A-Fa-f]{2}[:\-]",
        ),
        pattern=re.compile(
            rb"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f][:\-])(?P<secret>[0-9A-Fa-f]{2}(?P<sep>[:\-])[0-9A-Fa-f]{2}"
            rb"(?:(?P=sep)[0-9A-Fa-f]{2}){4})(?![0-9A-Fa-f]|[:\-][0-9A-Fa-f])"
        ),
        check=_mac_ok,
        digest_source=canonical_mac,
        kind="pseudonym",
        priority=89,
    )
)

register(
    PatternRule(
        name="email",
        description="e-mail addresses (with --pseudonymize emails)",
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
        description="host names under common TLDs (with --pseudonymize hostnames)",
        # the trigger includes what ends a host name, so "kubernetes.io.x" or ".com-foo"
        # flag nothing (multi-line mode: "$" is also the end of a line)
        triggers=(rf"[A-Za-z0-9\-]\.({_TLDS}){_HOST_END}",),
        # most host names in a must-gather are API groups and labels (node-role.kubernetes.io):
        # those end where a kept domain ends, so their lines are not even flagged
        unless=(rf"(^|[^A-Za-z0-9\-])({_KEEP_PATTERN}){_HOST_END}",),
        multiline=True,
        caseless=True,
        pattern=re.compile(
            rb"(?i)(?<![\w.@\-])(?P<secret>(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:"
            + _TLDS.encode()
            + rb"))(?![\w\-]|\.[a-z0-9])"
        ),
        check=_host_ok,
        kind="pseudonym",
        priority=92,
        # a match starts where a run of [\w.@-] starts (its look-behind), ends at a trigger hit
        token_chars=rb"\w.@\-",
    )
)

# Fields whose value is a node or host name, dotted or not: the name becomes a known value,
# so the known-value pass also replaces it inside pod names and other files.
_NODE_KEYS = (
    rb"nodeName|node_name|hostname|host_name|kubernetes\.io/hostname|infrastructureName"
    rb"|nodename|\bnode"
)
register(
    PatternRule(
        name="node-name",
        description="node and host names in the fields that hold them (--pseudonymize hostnames)",
        triggers=(
            r"(nodeName|node_name|hostname|host_name|infrastructureName|nodename|node)"
            r"[\\\"']{0,3}[ \t]{0,2}[:=/][ \t]{0,2}[\\\"']{0,3}[a-z0-9]",
        ),
        pattern=re.compile(
            rb"(?:" + _NODE_KEYS + rb")[\\\"']{0,3}[ \t]{0,2}[:=/][ \t]{0,2}[\\\"']{0,3}"
            rb"(?P<secret>[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}"
            rb"[a-z0-9])?)*)(?![\w\-.])"
        ),
        check=lambda m: _node_ok(m.group("secret")),
        kind="pseudonym",
        priority=93,
    )
)


def _node_ok(name: bytes) -> bool:
    """Node names have a digit or a dot or a dash; words (``node: true``) are not names."""
    if len(name) < 4 or name in (b"true", b"false", b"null", b"none", b"localhost"):
        return False
    text = name.decode().lower()
    if any(text == d or text.endswith("." + d) for d in KEEP_DOMAINS):
        return False
    return any(c in name for c in b"0123456789.-")


_CLUSTER_DOMAIN = (
    rb"(?:\bapi-int\.|\bapi\.|\*\.apps\.|baseDomain[\\\"']{0,3}:[ \t]{0,2}[\\\"']{0,3})"
    rb"(?P<secret>[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}"
    rb"[a-z0-9])?)+)(?![\w\-]|\.[a-z0-9])"
)


def _domain_ok(m: re.Match[bytes]) -> bool:
    domain = m.group("secret").decode().lower()
    if domain.endswith((".svc", ".local", ".cluster.local")) or "." not in domain:
        return False
    # a cluster's own domain under a public one (``*.devcluster.openshift.com``) is private
    return domain not in KEEP_DOMAINS


register(
    PatternRule(
        name="domain",
        description="cluster domains (api./api-int./*.apps. endpoints, baseDomain); with "
        "--pseudonymize domains, replaced everywhere by the known-value pass",
        triggers=(r"(api-int\.|api\.|\*\.apps\.|baseDomain)",),
        pattern=re.compile(_CLUSTER_DOMAIN),
        check=_domain_ok,
        kind="pseudonym",
        priority=88,
    )
)
