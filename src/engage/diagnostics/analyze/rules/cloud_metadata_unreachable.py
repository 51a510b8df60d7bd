"""Rule: the cloud metadata server (IMDS, GCE metadata) does not answer."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class CloudMetadataUnreachable(Rule):
    """Cloud instance metadata cannot be read."""

    id = "cloud-metadata-unreachable"
    title = "Cloud instance metadata cannot be read"
    category = "cloud-integration"
    severity = Severity.WARNING
    specificity = 2
    generic = True
    anchors = ("not defined", "169.254.169.254", "metadata.google.internal")
    patterns = (
        r"169\.254\.169\.254|metadata\.google\.internal|/computeMetadata/|/metadata/instance",
        r"(?i)GCE metadata \\?\"[^\n]{1,200}\\?\" not defined",
        r"(?i)(?:ec2 ?metadata|imds|instance metadata)[^\n]{0,200}(?:error|failed|timeout|"
        r"unavailable|refused)",
        r"(?i)metadata: [^\n]{0,100}(?:not defined|not found|unavailable)",
    )
    explanation = (
        "Kubecost asks the cloud metadata server for the cluster name, project, region "
        "or credentials. When that times out or the attribute is missing (IMDS hop "
        "limit, network policy, workload identity, a non-cloud node), cloud pricing and "
        "provider detection fail."
    )
    remediation = (
        "Allow the pod to reach the metadata server (raise the IMDSv2 hop limit to 2, "
        "exempt 169.254.169.254 from network policies), or set the cluster name, "
        "project and region explicitly in the Helm values."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/install/cloud-integration/gcp-out-of-cluster/README.md",
    )
