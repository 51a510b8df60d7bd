"""Rule: TLS connections fail on certificates (unknown CA, expired, wrong name) or the handshake."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class TlsCertificateError(Rule):
    """TLS certificate or handshake errors."""

    id = "tls-certificate-error"
    title = "TLS certificate or handshake errors"
    category = "networking"
    severity = Severity.ERROR
    specificity = 1
    generic = True
    anchors = ("x509", "tls:", "SSL routines")
    patterns = (
        r"x509: [^\n]{0,200}(?:unknown authority|has expired|is not valid|"
        r"certificate is valid for|not standards compliant|doesn.t contain any IP SANs)",
        r"(?i)tls: (?:failed to verify|bad certificate|handshake failure|unknown certificate|"
        r"first record does not look like)",
        r"(?i)TLS handshake (?:error|timeout|failed)",
        r"(?i)certificate verify failed|SSL routines|CERTIFICATE_VERIFY_FAILED",
    )
    explanation = (
        "A TLS connection between Kubecost and another endpoint (Prometheus, Thanos, an "
        "ingress, the cloud API, a webhook) failed: the certificate is signed by a "
        "private CA the client does not trust, expired, issued for another name, or one "
        "side speaks plain HTTP."
    )
    remediation = (
        "Give the client the CA bundle (or set the documented insecure-skip-verify "
        "option only for testing), renew or reissue the certificate for the right name, "
        "and check that http/https and ports match on both sides."
    )
    docs = ("https://github.com/opencost/opencost/issues/2433",)
