"""Cloud account identities, pseudonymised on request (``--pseudonymize accounts``; in ``all``).

- ``azure-subscription``: the subscription id in resource ids (``/subscriptions/<guid>/``) and
  under ``subscriptionId`` keys;
- ``azure-resource-group``: the name in resource ids (``/resourceGroups/<name>/``) and under
  keys ending in ``resourceGroup``/``resourceGroupName`` (``baseDomainResourceGroupName``...);
- ``aws-account``: the 12-digit account in ARNs and under ``accountId``-style keys.

A value found once is a known value of the run, so the known-value pass replaces it in every
other place too (a resource group named in a pod name, a subscription in a log line), as
must-gather-clean's Azure obfuscator does.
"""

from __future__ import annotations

import re

from engage.diagnostics.redact.detectors import PatternRule, register

_GUID = rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_SEP = rb"[\\\"']{0,3}[ \t]{0,2}[:=][ \t]{0,2}[\\\"']{0,3}"
_GROUP_NAME = rb"[-\w.()]{1,90}"

register(
    PatternRule(
        name="azure-subscription",
        description="Azure subscription ids in resource ids and subscriptionId fields "
        "(with --pseudonymize accounts)",
        triggers=(r"(/subscriptions/|subscription_?id)",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)(?:/subscriptions/|subscription_?id" + _SEP + rb")(?P<secret>" + _GUID + rb")"
            rb"(?![0-9A-Fa-f\-])"
        ),
        kind="pseudonym",
        priority=86,
    )
)

register(
    PatternRule(
        name="azure-resource-group",
        description="Azure resource group names in resource ids and *ResourceGroup(Name) "
        "fields (with --pseudonymize accounts)",
        triggers=(r"(/resourceGroups/|resource_?group(_?name)?[\\\"']{0,3}[ \t]{0,2}[:=])",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)(?:/resourceGroups/|resource_?group(?:_?name)?" + _SEP + rb")"
            rb"(?P<secret>" + _GROUP_NAME + rb")"
        ),
        check=lambda m: len(m.group("secret")) >= 3 and not m.group("secret").isdigit(),
        kind="pseudonym",
        priority=86,
    )
)

register(
    PatternRule(
        name="aws-account",
        description="AWS account ids in ARNs and accountId fields (with --pseudonymize accounts)",
        triggers=(r"(arn:aws[a-z\-]{0,12}:|account_?id)",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)(?:arn:aws[a-z\-]{0,12}:[a-z0-9\-]{1,40}:[a-z0-9\-]{0,30}:|"
            rb"(?:aws_?)?account_?id" + _SEP + rb")(?P<secret>[0-9]{12})(?![0-9])"
        ),
        kind="pseudonym",
        priority=86,
    )
)

# an ARM resource id after its provider namespace: /<type>/<name> pairs, nested ones included
# (.../virtualNetworks/vnet-1/subnets/subnet-1/providers/Microsoft.Authorization/...)
_NAME_CHARS = rb"[^/\s\"'\\,;{}\[\]<>()*|`]"
_PROVIDER_TAIL = re.compile(rb"/([A-Za-z][A-Za-z0-9]*)/(" + _NAME_CHARS + rb"{1,260})")
_NAMESPACE = re.compile(rb"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+")


def _resource_names(m: re.Match[bytes]) -> list[tuple[int, int]]:
    """Spans of every resource name in the id's tail; types and namespaces stay."""
    spans = []
    for part in _PROVIDER_TAIL.finditer(m.string, m.start("tail"), m.end("tail")):
        kind, name = part.group(1), part.group(2)
        if kind.lower() == b"providers" and _NAMESPACE.fullmatch(name):
            continue  # a nested provider: the namespace is public, names follow it
        if len(name) >= 2 and not name.startswith((b"$", b"%")):
            spans.append(part.span(2))
    return spans


register(
    PatternRule(
        name="azure-resource",
        description="Azure resource names in resource ids (/providers/Microsoft.X/type/name...) "
        "(with --pseudonymize accounts)",
        triggers=(r"/providers/[A-Za-z][A-Za-z0-9]*\.[A-Za-z]",),
        pattern=re.compile(
            rb"(?i)/providers/[a-z][a-z0-9]*(?:\.[a-z][a-z0-9]*)+"
            rb"(?P<tail>(?:/[a-z][a-z0-9]*/" + _NAME_CHARS + rb"{1,260})+)"
        ),
        spans=_resource_names,
        caseless=True,
        kind="pseudonym",
        priority=86,
    )
)
