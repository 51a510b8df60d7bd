"""Rule: AWS cloud integration: Athena queries over the CUR fail."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AwsAthenaQueryFailed(Rule):
    """Athena configuration incomplete, endpoint/region errors, IAM denials, no results."""

    id = "aws-athena-query-failed"
    title = "AWS Athena (CUR) queries fail"
    category = "cloud-integration"
    severity = Severity.ERROR
    specificity = 2
    anchors = (
        "QueryAthenaPaginated",
        "athena configuration",
        "HIVE_",
        "TABLE_NOT_FOUND",
        "SCHEMA_NOT_FOUND",
        "PERMISSION_ERROR",
    )
    patterns = (
        r"(?i)athena[^\n]{0,300}(?:bucket|s3://|output location|does not exist|not found|"
        r"permission)",
        r"(?i)(?:unable to verify/create output bucket|query results? (?:bucket|location))",
        r"ErrorCode:PERMISSION_ERROR|Permission denied on S3 path",
        r"SYNTAX_ERROR: line [0-9]+:[0-9]+: (?:Schema|Table|Database) [^\n]{1,200} does not exist",
        r"(?i)(?:HIVE_\w+|TABLE_NOT_FOUND|SCHEMA_NOT_FOUND)",
        r"QueryAthenaPaginated: ",
        r"athena configuration incomplete",
        r"error getting Athena columns",
        r"(?i)athena[^\n]{0,200}(?:AccessDenied|not authorized|InvalidRequestException|"
        r"ResolveEndpoint)",
        r"is not authorized to perform: (?:athena|glue|s3):",
    )
    explanation = (
        "Kubecost could not query the AWS Cost and Usage Report through Athena: the "
        "integration is incomplete (bucket, region, database, table, workgroup), the "
        "region/endpoint cannot be resolved, or the IAM policy does not allow the "
        "Athena, Glue and S3 calls on the right buckets. Cloud costs and reconciliation "
        "are then missing."
    )
    remediation = (
        "Check `cloud-integration.json` (athenaBucketName with `s3://`, athenaRegion, "
        "athenaDatabase, athenaTable, athenaWorkgroup), the IAM policy (query-results "
        "bucket and CUR bucket), then `/model/cloudCost/status`."
    )
    docs = (
        "https://github.com/opencost/opencost/issues/2697",
        "https://github.com/kubecost/docs/blob/final/install-and-configure/install/"
        "cloud-integration/aws-cloud-integrations/aws-cloud-integrations.md",
    )
