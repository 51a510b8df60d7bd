"""Rule: Azure cloud integration: the cost export cannot be read or parsed."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AzureCostExport(Rule):
    """Unparseable export rows (date formats), storage authorization errors."""

    id = "azure-cost-export-error"
    title = "Azure cost export cannot be read or parsed"
    category = "cloud-integration"
    severity = Severity.WARNING
    specificity = 2
    anchors = (
        "AuthorizationPermissionMismatch",
        "AuthorizationFailure",
        "ContainerNotFound",
        "BlobNotFound",
        "AuthenticationFailed",
    )
    patterns = (
        r"(?i)(?:azure ?storage|blob ?storage|storage account|DownloadBlob\w*|"
        r"blob\.core\.windows\.net)"
        r"[^\n]{0,300}(?:error|fail|denied|RESPONSE [45][0-9][0-9]|not found)",
        r"ContainerNotFound|BlobNotFound|AuthenticationFailed",
        r"(?i)(?:cost|billing) export[^\n]{0,200}(?:error|failed|not found)",
        r"failed to parse usage date",
        r"AuthorizationPermissionMismatch|AuthorizationFailure",
        r"(?i)failed to (?:parse|read|download) (?:azure )?(?:billing|cost) export",
        r"(?i)Azure:[^\n]{0,100}(?:DownloadBlob|storage account|container)[^\n]{0,200}"
        r"(?:error|failed)",
    )
    explanation = (
        "Kubecost could not download or parse the Azure cost export: the storage "
        "account key or role does not allow reading the container, or the export "
        "uses a format (date, columns) this version does not parse."
    )
    remediation = (
        "Check the storage account, container and path in `cloud-integration.json`, "
        "the access key or the Storage Blob Data Reader role, and the export type "
        "(Actual cost, CSV); upgrade Kubecost if the format is newer than it knows."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/1988",)
