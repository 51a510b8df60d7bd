"""Rule: an admission controller or pod security policy refuses a pod (usually network-costs)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AdmissionPolicyRejected(Rule):
    """Admission policy rejects Kubecost pods."""

    id = "admission-policy-rejected"
    title = "Admission policy rejects Kubecost pods"
    category = "network-costs"
    severity = Severity.ERROR
    specificity = 2
    generic = True
    patterns = (
        r"admission webhook \\?\"[^\n]{1,200}\\?\" denied the request",
        r"(?i)unable to validate against any pod security policy",
        r"(?i)violates PodSecurity|GKE Warden rejected|Host network is not allowed|"
        r"hostPort[^\n]{0,60}not allowed|privileged containers are not allowed",
    )
    explanation = (
        "A policy (PodSecurityPolicy, Pod Security admission, GKE Warden/Autopilot, "
        "Gatekeeper, Kyverno) rejected a Kubecost pod. The network-costs daemonset "
        "needs hostNetwork and privileges that restricted policies forbid, so its pods "
        "are never created."
    )
    remediation = (
        "Exempt the Kubecost namespace or the network-costs daemonset from the policy, "
        "or disable network-costs where the platform forbids host networking (e.g. GKE "
        "Autopilot)."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/advanced-configuration/network-costs-configuration.md",
    )
