"""Rule: a Kubecost component is refused by an authenticated Kubecost API (SSO/RBAC)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class KubecostApiAuthFailed(Rule):
    """401/403 from Kubecost's own API, SAML/OIDC errors, invalid tokens."""

    id = "kubecost-api-auth-failed"
    title = "Authentication to the Kubecost API fails"
    category = "auth"
    severity = Severity.ERROR
    specificity = -1
    anchors = ("non-OK status code",)
    patterns = (
        r"(?i)(?:jwt|id_token|jws)[^\n]{0,100}(?:invalid|failed|cannot|expired|verif)",
        r"non-OK status code \([0-9]{3}\)",
        r"non-OK status code \((?:401|403)\)",
        r"(?i)(?:SAML|OIDC)[^\n]{0,200}(?:error|failed|invalid|expired)",
        r"(?i)(?:invalid|expired) (?:bearer |id |access )?token",
        r"401 Unauthorized",
    )
    explanation = (
        "A request to a Kubecost API was refused. With SSO (SAML/OIDC) or RBAC "
        "enabled, internal clients such as the cluster-controller must use the "
        "unauthenticated internal port or a service token; user sessions fail when "
        "the identity provider settings or certificates are wrong."
    )
    remediation = (
        "Point internal components at the aggregator's internal API port (9008 in "
        "2.x with SSO) or give them credentials; check the SAML/OIDC settings, "
        "certificates and clock skew."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/3685",)
