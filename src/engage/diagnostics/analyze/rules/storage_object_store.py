"""Rule: the federated / cluster object store cannot be reached or used."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class StorageObjectStore(Rule):
    """Bucket connection failures, bad credentials, missing federated-store config."""

    id = "object-store-unreachable"
    title = "Object store (federated / cluster storage) unreachable"
    category = "storage"
    severity = Severity.ERROR
    specificity = -1
    anchors = ("NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "federated-store")
    patterns = (
        r"ClusterStorage: failed to connect",
        r"(?i)failed to connect(?:ing)? (?:to )?(?:the )?(?:cluster|federated|bucket|object) "
        r"stor(?:age|e)",
        r"federated-store\.yaml[^\n]{0,100}(?:no such file|error|invalid)",
        r"NoSuchBucket|InvalidAccessKeyId|SignatureDoesNotMatch",
        r"(?i)bucket storage[^\n]{0,100}(?:error|fail)",
    )
    explanation = (
        "Kubecost cannot reach the object store that holds federated ETL data (or the "
        "local store in 3.x). Agents stop exporting and the aggregator stops "
        "ingesting, so clusters go missing from the combined view."
    )
    remediation = (
        "Check the federated-store secret (bucket, region, endpoint, credentials or "
        "IAM role), network egress to the endpoint, and in 3.x whether a bucket or "
        "`localStore.enabled` is configured."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/4568",)
