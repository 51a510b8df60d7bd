"""Rule: the cloud provider refuses Kubecost's credentials or permissions."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class CloudPermissionDenied(Rule):
    """Cloud API or bucket access denied."""

    id = "cloud-permission-denied"
    title = "Cloud API or bucket access denied"
    category = "auth"
    severity = Severity.ERROR
    specificity = 1
    generic = True
    anchors = (
        "UnauthorizedOperation",
        "AccessDenied",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "NoCredentialProviders",
        "AssumeRoleWithWebIdentity",
        "Permission '",
    )
    patterns = (
        r"UnauthorizedOperation|AccessDenied(?:Exception)?|InvalidAccessKeyId|"
        r"InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|UnrecognizedClientException",
        r"(?i)not authorized to perform|is not authorized to|does not have [\w.]+ access to|"
        r"Permission \'[\w.]+\' denied|Required \'[\w.]+\' permission",
        r"(?i)failed to (?:retrieve|refresh|get|load) (?:cached )?credentials|"
        r"AssumeRoleWithWebIdentity|WebIdentityErr|NoCredentialProviders",
        r"(?i)(?:googleapi|api error|https response error)[^\n]{0,200}(?:40[13]|forbidden|"
        r"unauthori[sz]ed)",
        r"(?i)(?:StatusCode|status code|RESPONSE):? 40[13]\b[^\n]{0,200}(?:denied|forbidden|"
        r"authori[sz]|credential|permission)",
        r"(?i)(?:iam|service ?account|workload identity)[^\n]{0,200}(?:denied|forbidden|"
        r"lacks? (?:the )?permission|missing permission|not authorized|unauthori[sz]ed)",
    )
    explanation = (
        "A call to a cloud API or bucket (EC2, STS, S3, GCS, Compute, Monitoring, "
        "Azure) was refused: the IAM role, service account, workload identity or access "
        "key is missing, expired or lacks the permission named in the message."
    )
    remediation = (
        "Add the permission named in the evidence to the role or service account "
        "Kubecost uses (IRSA / workload identity annotations on its service account, or "
        "the keys in the cloud-integration secret), then restart the pod so it picks up "
        "fresh credentials."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/install/cloud-integration/aws-cloud-integrations/aws-cloud-integration-using-irsa.md",
    )
