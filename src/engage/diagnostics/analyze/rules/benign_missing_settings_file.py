"""Rule: missing settings JSON files at first start are expected (benign)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class BenignMissingSettingsFile(Rule):
    """`open /var/configs/<x>.json: no such file or directory` before defaults are written."""

    id = "benign-missing-settings-file"
    title = "Settings files not present yet (benign start-up message)"
    category = "helm-config"
    severity = Severity.INFO
    tier = Tier.BENIGN
    patterns = (r"(?:open|read|stat) /var/configs/[^\n :]{1,200}\.json: no such file or directory",)
    explanation = (
        "On a fresh install cost-model looks for settings JSON files under "
        "/var/configs before it writes the defaults. The message repeats until then "
        "and does not indicate a problem."
    )
    remediation = "Nothing to do unless it persists after the first hour of running."
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
