"""Rule: GCP cloud integration: BigQuery billing export cannot be read."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class GcpBillingExportAccess(Rule):
    """googleapi 40x, insufficient scopes, BigQuery access denied / not found."""

    id = "gcp-billing-export-access"
    title = "GCP billing export (BigQuery) cannot be read"
    category = "cloud-integration"
    severity = Severity.ERROR
    specificity = 2
    patterns = (
        r"googleapi: Error 40[0134]",
        r"insufficient authentication scopes",
        r"(?i)bigquery[^\n]{0,200}(?:access denied|permission|not found)",
        r"Not found: (?:Table|Dataset) ",
    )
    explanation = (
        "Kubecost could not query the GCP billing export in BigQuery: the service "
        "account (or Workload Identity) lacks BigQuery roles or scopes, or the "
        "project/dataset/table in the integration is wrong."
    )
    remediation = (
        "Grant the service account `roles/bigquery.user` and "
        "`roles/bigquery.dataViewer` on the billing dataset, check the key or "
        "Workload Identity binding, and the projectID/dataset/table in "
        "`cloud-integration.json`."
    )
    docs = ("https://github.com/opencost/opencost/pull/2122",)
