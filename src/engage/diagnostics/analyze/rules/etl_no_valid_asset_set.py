"""Rule: savings/cluster-sizing cannot find a priced asset set yet."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class EtlNoValidAssetSet(Rule):
    """No asset set with node types and costs: asset ETL incomplete or nodes unpriced."""

    id = "etl-no-valid-asset-set"
    title = "No valid (priced) asset set for savings calculations"
    category = "etl"
    severity = Severity.WARNING
    specificity = 2
    patterns = (
        r"could not obtain latest valid asset set",
        r"failed to get monthly cluster rates",
        r"error getting valid asset set",
    )
    explanation = (
        "Savings and cluster-sizing need an asset set where every node has a node "
        "type and a cost above zero. Right after install, or when node pricing fails, "
        "none exists and these recommendations stay empty."
    )
    remediation = (
        "Wait for the first daily asset ETL after a new install; otherwise check node "
        "pricing (`/model/pricingSourceStatus`) and that nodes carry instance-type "
        "labels."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/2710",)
