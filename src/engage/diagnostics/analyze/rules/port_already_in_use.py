"""Rule: two processes in a pod bind the same port (e.g. readonly with a singlepod aggregator)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class PortAlreadyInUse(Rule):
    """`listen tcp :9004: bind: address already in use`."""

    id = "port-already-in-use"
    title = "Port already in use inside the pod"
    category = "helm-config"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("address already in use",)
    patterns = (r"listen tcp [^\n ]{0,64}:[0-9]{2,5}: bind: address already in use",)
    explanation = (
        "A container cannot listen on its port because another container in the same "
        "pod already does. In 2.x this happens when `readonly: true` is combined with "
        "the default singlepod aggregator (both start an API on 9004)."
    )
    remediation = (
        "Do not set `readonly: true` with `kubecostAggregator.deployMethod: singlepod`; "
        "use the statefulset aggregator or drop readonly, and check custom sidecars' "
        "ports."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/3433",)
