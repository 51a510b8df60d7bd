"""`engage collect`: gather every diagnostic support asks for, from every Kubecost install.

from engage.diagnostics.collect import collect, CollectOptions
result = collect(CollectOptions(all_contexts=True, include=frozenset({"heap"})))
"""

from engage.diagnostics.collect.catalog import collectors
from engage.diagnostics.collect.kube import KubeconfigError, KubeError
from engage.diagnostics.collect.options import (
    OPTIONAL_COLLECTORS,
    CollectError,
    CollectOptions,
    CollectResult,
    NothingCollected,
    ProgressSink,
    parse_duration,
)
from engage.diagnostics.collect.registry import InstanceJob, Outcome, collector
from engage.diagnostics.collect.runner import collect

__all__ = [
    "OPTIONAL_COLLECTORS",
    "CollectError",
    "CollectOptions",
    "CollectResult",
    "InstanceJob",
    "KubeError",
    "KubeconfigError",
    "NothingCollected",
    "Outcome",
    "ProgressSink",
    "collect",
    "collector",
    "collectors",
    "parse_duration",
]
