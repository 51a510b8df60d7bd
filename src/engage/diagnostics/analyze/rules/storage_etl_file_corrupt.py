"""Rule: ETL files on the volume cannot be decoded (corrupt or unsupported storage)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class StorageEtlFileCorrupt(Rule):
    """Panics or errors while unmarshalling bingen ETL files from the file store."""

    id = "storage-etl-file-corrupt"
    title = "ETL files on the volume are corrupt or unreadable"
    category = "storage"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("filestrategy", "UnmarshalBinary")
    patterns = (
        r"UnmarshalBinary[^\n]{0,300}(?:panic|nil pointer|unexpected EOF|invalid)",
        r"(?:panic|nil pointer)[^\n]{0,300}UnmarshalBinary",
        r"store/filestrategy\.go",
        r"(?i)error (?:decoding|unmarshal+ing) (?:bingen|binary|etl file)",
    )
    explanation = (
        "cost-model crashed or failed while decoding ETL files from its volume. This "
        "is known with network file systems that do not honour file semantics (e.g. "
        "Azure Files CSI) and after partial writes."
    )
    remediation = (
        "Use a block-storage class (not Azure Files / NFS) for the cost-analyzer PV; "
        "move or delete the corrupt files named in the logs and repair the ETL."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
