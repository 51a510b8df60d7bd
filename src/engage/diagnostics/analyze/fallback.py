"""The fallback tier: error- and warning-level lines that no specific or benign rule claims.

Each becomes part of one "unrecognised error" finding (warning severity) per component and
message shape (digits, ids and addresses stripped). Its category comes from the subsystem
words of the message, the OpenCost message catalogue and the component that printed it:

    categorise("ERR Athena query failed: AccessDenied", "cost-model")  -> "cloud-integration"
"""

from __future__ import annotations

import re
from collections import Counter

from engage.diagnostics.analyze.catalogue import Catalogue

RULE_ID = "unrecognised-error"
TITLE = "Unrecognised {level} in {component}"
EXPLANATION = (
    "No specific rule knows this message, but it is logged at {level} level (or names a "
    "failure). Lines of the same shape are counted together; the category is a best guess "
    "from the component and the subsystem words in the message."
)
REMEDIATION = (
    "Read the evidence lines and the lines around them in the log; if the message repeats "
    "or lines up with missing data, send it to support with the bundle."
)
DOCS = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)

# Subsystem words -> category. Weights: a product that is the subsystem (Athena, DuckDB,
# Prometheus) counts 3, a word naming the subsystem 2, a hint 1.
_WORDS: dict[str, tuple[tuple[str, int], ...]] = {
    "prometheus": (
        (r"prometheus|promql", 1),
        (r"prometheus|promql|thanos|query_range|/api/v1/query|queryresult|\bprom\b", 2),
        (r"errortype|bad_data|expanding series|\bscrape", 2),
        (r"\bscrape|\bseries\b|\bwal\b|remote.?write|\btsdb", 1),
    ),
    "etl": (
        (r"\betl\b|allocationset|assetset|reconcil|cloudusage|\bbingen\b", 2),
        (r"allocation|\basset|aggregateby|computeallocation|\bwindow\b", 1),
    ),
    "aggregator": (
        (r"aggregator|duckdb|clickhouse|waterfowl|querysvc", 1),
        (r"aggregator|duckdb|waterfowl|ingestor|querysvc|orchestrator|derivation|binder error", 2),
        (r"parquet|\bderiv|ingest", 1),
    ),
    "storage": (
        (
            r"bucket|object.?store|persistentvolume|\bpvc\b|clusterstorage|no space left|"
            r"read-only file system|costmodel\.db|volume|unmarshalbinary|filestrategy",
            2,
        ),
        (r"\bdisk\b|\bmkdir\b|\bfile\b|\bs3\b|\bgcs\b|storage", 1),
    ),
    "cloud-integration": (
        (r"athena|bigquery|ratecard|cloudcost|googleapi|price ?sheet|spot feed|savings ?plan", 1),
        (
            r"athena|bigquery|\bcur\b|billing|pricing|price ?sheet|ratecard|savings ?plan|"
            r"reserved instance|spot|cloudcost|cloud.?integration|googleapi|\bec2\b|\bsts\b|"
            r"metadata|azure|\baws\b|\bgcp\b|\bgce\b|alibaba|oracle|provider",
            2,
        ),
        (r"cost.?export|\bregion\b|instance.?type|node pricing|\bimds\b|169\.254\.169\.254", 1),
        (r"usage date|(?:cpu|ram|gpu|storage)cost for|\bcpucost\b|\bramcost\b", 2),
    ),
    "networking": (
        (
            r"dial tcp|no such host|connection (?:refused|reset|timed out)|i/o timeout|"
            r"\bupstream\b|tls handshake|x509|\bdns\b|no route to host|\beof\b|max retries|"
            r"connectionerror|httpconnectionpool",
            2,
        ),
        (r"\btls\b|proxy|\blookup\b|network is unreachable|\bport\b|connect\(\)", 1),
    ),
    "network-costs": (
        (r"network.?costs|network pods", 1),
        (r"network.?costs|networktraffic|classif|transportdata|\bzone\b", 2),
    ),
    "auth": (
        (
            r"\b40[13]\b|unauthori[sz]ed|forbidden|permission|access ?denied|\brbac\b|\bjwt\b|"
            r"\boidc\b|\bsaml\b|credential|\btoken\b|service ?(?:account|key)|\biam\b|"
            r"not authorized|does not have [\w.]+ access",
            2,
        ),
        (r"\bauth|\bsigned?\b|assumerole", 1),
    ),
    "license": ((r"licen[sc]e|enterprise|\bseat|core count", 2),),
    "helm-config": (
        (r"\bhelm\b|values\.yaml|\.values\.|configmap|\bchart\b|\btemplate\b|configwatcher", 2),
        (r"release manifest|(?:upgrade|installation) failed", 2),
        (r"\bconfig\b|\bsecret\b|\benv\b|\bsetting|unmarshal|\bparse\b", 1),
    ),
    "memory": ((r"out of memory|\boom|memory limit|cannot allocate", 2),),
    "pod-health": (
        (
            r"crashloop|evict|liveness|readiness|\bprobe\b|back-?off|scheduling|"
            r"disruption budget|restarting|podcidr",
            2,
        ),
        (r"\bpod\b|\bnode\b|kubelet|\bcontainer\b", 1),
    ),
    "version": ((r"unsupported version|deprecated|no matches for kind|apiversion", 2),),
}
_COMPILED = [
    (category, re.compile(pattern, re.IGNORECASE), weight)
    for category, pairs in _WORDS.items()
    for pattern, weight in pairs
]
# Who printed the line: a weak prior (subsystem words in the message come first).
_COMPONENTS = (
    ("aggregator", "aggregator"),
    ("cloud-cost", "cloud-integration"),
    ("network-costs", "network-costs"),
    ("frontend", "networking"),
    ("nginx", "networking"),
    ("prometheus", "prometheus"),
    ("thanos", "prometheus"),
    ("helm", "helm-config"),  # the Helm CLI: its errors are about the chart and values
    ("turndown", "pod-health"),
    ("cluster-controller", "pod-health"),
    ("events", "pod-health"),
    ("forecast", "etl"),
    ("cost-model", "etl"),
)
_SHAPES = (
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE), "<url>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b(?=[0-9a-z]*\d)[0-9a-z]{5,}(?:-[0-9a-z]{4,10})+\b"), "<name>"),
    (re.compile(r"\b[0-9a-f]{12,}\b", re.IGNORECASE), "<hex>"),
    (re.compile(r"\d+"), "#"),
    (re.compile(r"\s+"), " "),
)
SHAPE_LENGTH = 160
# Votes of the catalogue match and of the component, next to the subsystem words; chosen by
# cross-validation over the signature corpus (benchmarks/analyze_recall.py --tune).
WEIGHTS = {"catalogue": 0, "component": 0}


def shape_of(message: str) -> str:
    """The message with digits, ids, URLs and addresses replaced: the dedup key."""
    text = message[:2000]
    for regex, placeholder in _SHAPES:
        text = regex.sub(placeholder, text)
    return text.strip()[:SHAPE_LENGTH]


def categorise(message: str, component: str, catalogue: Catalogue | None = None) -> str:
    """The best-guess finding category of an unrecognised message."""
    scores: Counter[str] = Counter()
    for category, regex, weight in _COMPILED:
        if regex.search(message):
            scores[category] += weight
    template = (catalogue or Catalogue.packaged()).lookup(message)
    if template is not None and template.category:
        scores[template.category] += WEIGHTS["catalogue"] + (len(template.words) >= 5)
    lower = component.lower()
    prior = next((cat for name, cat in _COMPONENTS if name in lower), None)
    bonus = WEIGHTS["component"] + (2 if prior == "helm-config" else 0)
    if prior is not None and bonus:
        scores[prior] += bonus
    if not scores:  # no subsystem word at all: the component decides
        return prior or "pod-health"
    # ties go to the component's own category, then to the order of _WORDS
    order = {c: n for n, c in enumerate(_WORDS)}
    return max(scores, key=lambda c: (scores[c], c == prior, -order.get(c, 99)))
