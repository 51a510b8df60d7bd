"""Kubecost vocabulary per component area, and a fast matcher for it.

Terms are lower-case regular-expression fragments matched on word boundaries; the longest
term wins where terms overlap ("microsoft teams" before "teams"), and each distinct term counts
once per sentence. Weights: 3 = names the area on its own (athena, saml), 2 = strong hint,
1 = weak hint that other areas share. Words every ticket uses (cost, cluster, pod, kubecost)
are not listed on purpose.
"""

from __future__ import annotations

import re

from engage.domain.cases import ComponentArea as A

AREA_TERMS: dict[A, dict[str, float]] = {
    A.INSTALL_UPGRADE: {
        r"helm (?:install|upgrade|chart|values)": 3,
        r"helm": 2,
        r"charts?": 1.5,
        r"values(?:-[\w-]+)?\.ya?ml": 2,
        r"install(?:ed|ing|ation|s)?": 1.5,
        r"re-?install": 2,
        r"upgrad(?:e|ed|ing|es)": 1.5,
        r"imagepullbackoff|errimagepull": 3,
        r"image ?pull(?: secrets?)?": 2,
        r"private registry|air-?gapped|mirror(?:ed)? the images": 3,
        r"image (?:tag|path|registry)|imageregistry": 2,
        r"podsecuritypolicy|psp": 3,
        r"storage ?class(?:es)?": 3,
        r"pvcs?|persistent ?volume claims?": 2,
        r"pending": 1,
        r"openshift|scc": 2,
        r"argo ?cd|terraform|kustomize|flux": 2,
        r"global\.clusterid|clusterid": 1.5,
        r"global\.acknowledged": 3,
        r"tolerations?|node ?selector|taints?": 2,
        r"crds?": 2,
        r"namespace [\"'][\w-]+[\"']": 1,
        r"maintenance window": 2,
        r"release name": 2,
        r"uninstall(?:ed|ing)?": 2,
        r"finops ?agent": 2,
        r"migrat(?:e|ed|ion) (?:to|from) (?:2|3)": 2,
    },
    A.COST_ALLOCATION: {
        r"allocations?(?: page| api)?": 2,
        r"cost allocation": 3,
        r"__idle__|idle(?: costs?)?": 2,
        r"__unallocated__|unallocated": 3,
        r"shared (?:costs?|namespaces?|overhead)": 3,
        r"share idle": 3,
        r"labels?": 1,
        r"annotations?": 1,
        r"aggregat(?:e|ed|ing) by": 2,
        r"chargeback|showback": 2,
        r"namespace costs?": 2,
        r"ram cost|cpu cost|gpu cost": 2,
        r"custom pricing|csv pricing|pricing (?:csv|file)": 3,
        r"node prices?|node costs?": 1.5,
        r"spot (?:prices?|data feed|feed|nodes?)|awsspotdata\w*": 2,
        r"kube-state-metrics|ksm|kube_\w+": 2,
        r"prometheus": 1,
        r"scrape(?: config| job)?": 1.5,
        r"assets? page|assets": 1.5,
        r"duplicate nodes?|nodeduplicate\w*": 2,
        r"etl(?: repair)?|repair": 1,
        r"efficiency": 1,
        r"\$0(?:\.00)?": 1.5,
        r"cost[- ]cent(?:er|re)|department|business units?": 1,
        r"distribut(?:e|ed|ion)": 1,
    },
    A.CLOUD_COSTS: {
        r"athena\w*": 3,
        r"cur|cost and usage reports?": 3,
        r"cloud costs?(?: page)?": 3,
        r"cloud[- ]integrations?": 3,
        r"cloud-integration(?:\.json)?": 3,
        r"cloud-cost": 2,
        r"bigquery|billing export|billing account": 3,
        r"reconcil(?:e|ed|iation)": 2.5,
        r"savings plans?": 2,
        r"reserved instances?": 2,
        r"negotiated (?:discounts?|prices?)": 1.5,
        r"cost explorer|aws bill|invoice|our bill": 2,
        r"glue(?: crawler)?": 2.5,
        r"azure (?:cost )?exports?|cost exports?|storage account": 3,
        r"focus schema": 3,
        r"amortized|amortis(?:ed|ation)": 2,
        r"payer account|linked accounts?": 2.5,
        r"iam (?:role|policy|permissions?)": 1.5,
        r"billing|billed": 1.5,
        r"out-of-cluster|external costs": 2,
        r"gcp|aws|azure": 0.5,
    },
    A.AGGREGATOR_FEDERATION: {
        r"aggregator": 2,
        r"federat(?:ed|ion)(?: etl| store)?|federated-store(?:\.yaml)?": 3,
        r"multi-?cluster": 2.5,
        r"primary(?: cluster)?": 1.5,
        r"secondar(?:y|ies)": 2,
        r"agent(?:-only| clusters?)": 2,
        r"buckets?": 1.5,
        r"duckdb|clickhouse": 2,
        r"ingest(?:ion|ing|or)?": 2,
        r"derivation|deriving": 2,
        r"orchestrator": 2,
        r"cluster (?:list|dropdown|ids?)|cluster_id|clustername": 2,
        r"(?:missing|disappear\w*|vanish\w*) (?:from|on) the primary": 3,
        r"bingen|waterfowl": 2,
        r"thanos": 1.5,
        r"re-?ingest\w*": 2,
        r"database": 1,
    },
    A.NETWORKING: {
        r"network[- ]?costs?(?: daemonset| pods?)?": 3,
        r"network column": 3,
        r"egress|ingress(?:-nginx)?": 2,
        r"cross-zone|inter-zone|in-zone|cross-region": 3,
        r"nginx": 2,
        r"dns": 2,
        r"502|504|bad gateway|gateway timeout": 2.5,
        r"upstream": 1.5,
        r"proxy": 1.5,
        r"load ?balancer": 1.5,
        r"port-?forward": 1,
        r"calico|cilium|cni|vxlan|expressroute|vpn": 2,
        r"subnets?|cidr": 1.5,
        r"daemonset": 1,
        r"route|routes": 1,
        r"internet": 1,
        r"network(?:ing)?": 1.5,
        r"traffic": 1,
        r"tls|certificates?": 1,
    },
    A.SSO_AUTH: {
        r"sso|single sign-on": 3,
        r"saml": 3,
        r"oidc|openid": 3,
        r"okta": 3,
        r"entra(?: id)?|azure ad|active directory": 3,
        r"keycloak|auth0|ping ?identity": 3,
        r"log ?in|logging in|logged (?:in|out)|sign(?:ed|ing)? ?in|signs? in": 1.5,
        r"rbac": 2,
        r"read-?only (?:access|role|users?)|admin(?:s| role)?": 1.5,
        r"groups?(?: claim| attribute| mapping)?": 1,
        r"redirect uri|acs url|callback": 2.5,
        r"client secret|client id|invalid_client|pkce": 2.5,
        r"id token|access token|jwt": 2,
        r"api tokens?|tokens?": 1.5,
        r"auth(?:entication|orization|timeout)?": 2,
        r"401|403|forbidden|unauthori[sz]ed": 1.5,
        r"teams feature|kubecost teams?": 2,
        r"permissions?": 0.5,
        r"idp|identity provider": 3,
    },
    A.ALERTS_BUDGETS_REPORTS: {
        r"alerts?|alerting": 2.5,
        r"budgets?": 2.5,
        r"saved reports?|reports?": 2,
        r"slack": 2,
        r"microsoft teams|teams channel": 2.5,
        r"webhooks?": 1.5,
        r"e-?mail(?:ed|s)?|smtp|distribution list": 1.5,
        r"notifications?|notif(?:y|ied)": 1.5,
        r"pdf": 1.5,
        r"csv export|download > csv|export(?:ed)? (?:to|as) csv": 1.5,
        r"scheduled|every monday|weekly|daily digest": 1,
        r"anomal(?:y|ies)": 2,
        r"spend": 0.5,
    },
    A.SAVINGS_RECOMMENDATIONS: {
        r"savings(?! plans?)": 2.5,
        r"recommend(?:ation|ations|ed|s)?": 2,
        r"right-?sizing|rightsiz\w*|request sizing": 3,
        r"cluster sizing": 3,
        r"abandoned workloads?|unclaimed volumes?|orphaned resources?": 3,
        r"cluster turndown|turndown": 3,
        r"cluster-?controller": 2.5,
        r"spot readiness": 3,
        r"profiles?": 1,
        r"node types?|instance famil(?:y|ies)|graviton": 1.5,
        r"reduce our requests|over-?provision\w*": 2,
        r"autoscal\w*": 1.5,
    },
    A.PERFORMANCE_MEMORY: {
        r"oom(?:killed| ?kill\w*)?|out of memory": 3,
        r"memory(?: usage| leak| limit)?": 1.5,
        r"memory leak|leak": 2.5,
        r"heap(?: profile)?|pprof|cpu profile": 2.5,
        r"slow(?:ly|ness|er)?": 2,
        r"takes? (?:over )?(?:a minute|\d+ ?(?:-\d+ )?(?:s|seconds|minutes))": 2,
        r"times? out|timed out|timeout": 1.5,
        r"latency|ttfb": 2,
        r"cpu (?:is )?pegged": 2,
        r"crash(?:es|ed|ing)?|crash ?loop(?:backoff)?|restarts?|restarting": 1.5,
        r"panic": 1.5,
        r"limits?": 0.5,
        r"\d+ ?gi\b": 1,
        r"performance|faster": 2,
        r"(?:to|page) load|loading": 1,
        r"resources|sizing guideline": 1,
    },
    A.OTHER: {
        r"licen[cs]e[ds]?": 3,
        r"product ?key|productkey": 3,
        r"trial": 2,
        r"core (?:count|limit)": 3,
        r"currency|eur|usd": 2.5,
        r"grafana(?: dashboards?)?": 2,
        r"dashboards?": 1,
        r"documentation|docs": 0.5,
        r"dark mode|feature request": 2,
    },
}

#: Phrases that contain an area word but say nothing about the area; they are matched first
#: and count for nothing ("bug report" is not about reports).
NEUTRAL_TERMS: tuple[str, ...] = (
    r"bug reports?",
    r"support (?:ticket|case)s?",
    r"reported (?:this|a bug|the issue)",
    r"heap profile attached",
    r"helm values reporting",
)

#: Human labels for reasons.
AREA_LABELS: dict[A, str] = {
    A.INSTALL_UPGRADE: "install/upgrade",
    A.COST_ALLOCATION: "cost allocation",
    A.CLOUD_COSTS: "cloud costs",
    A.AGGREGATOR_FEDERATION: "aggregator/federation",
    A.NETWORKING: "networking/network costs",
    A.SSO_AUTH: "SSO/auth",
    A.ALERTS_BUDGETS_REPORTS: "alerts/budgets/reports",
    A.SAVINGS_RECOMMENDATIONS: "savings/recommendations",
    A.PERFORMANCE_MEMORY: "performance/memory",
    A.OTHER: "other",
}

# --- vocabulary compiled once: one alternation, neutral phrases first, then longest first ---

TERM_WEIGHT: dict[str, float] = {}
_AREA_OF: dict[str, A | None] = {}
_ORDER: list[tuple[str, re.Pattern[str]]] = []
_IDENTIFIED: dict[str, str] = {}  # matched text -> term id, memoised (bounded below)


def _branches(pattern: str) -> list[str]:
    """Top-level alternatives of a regex fragment ("sso|single sign-on" -> two)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = pattern.index("]", i + 2) + 1
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _first_chars(branch: str) -> str | None:
    """The characters a branch can start with, or None when that is not plain to see."""
    if branch[1:2] in ("?", "*"):
        return None
    if branch[:1].isalnum() or branch[:1] == "_":
        return branch[0]
    return {"\\$": "$", "\\d": "0123456789"}.get(branch[:2])


def _compile_terms() -> dict[str, re.Pattern[str]]:
    """Per first character, one alternation (no groups, lower-cased text) of the branches
    that can start with it, in vocabulary order: neutral phrases first, then longest first.
    Trying only those at each word start is several times faster than one big alternation."""
    entries: list[tuple[str, A | None, float]] = [(t, None, 0.0) for t in NEUTRAL_TERMS]
    ranked = sorted(
        ((t, a, w) for a, terms in AREA_TERMS.items() for t, w in terms.items()),
        key=lambda entry: -len(entry[0]),
    )
    entries.extend(ranked)
    branches: list[tuple[str, str | None]] = []
    for index, (pattern, area, weight) in enumerate(entries):
        name = f"t{index}"
        TERM_WEIGHT[name], _AREA_OF[name] = weight, area
        _ORDER.append((name, re.compile(pattern)))
        branches.extend((b, _first_chars(b)) for b in _branches(pattern))
    starts = {c for _, first in branches if first for c in first}
    return {
        char: re.compile(
            "(?:"
            + "|".join(f"(?:{b})" for b, first in branches if first is None or char in first)
            + r")(?![\w-])"
        )
        for char in starts
    }


_TERMS = _compile_terms()
# Word starts whose first character some term can start with (the others cannot match).
_WORD_START = re.compile(r"(?<![\w-])[" + re.escape("".join(sorted(_TERMS))) + "]")


def _identify(surface: str) -> str:
    """The term that matched: the first in alternation order that matches the text whole.

    The alternation picks the first alternative that matches at a position, and any earlier
    alternative that matches the same text whole would have been picked instead, so this
    names the same term.
    """
    term = _IDENTIFIED.get(surface)
    if term is None:
        term = next(name for name, pattern in _ORDER if pattern.fullmatch(surface))
        if len(_IDENTIFIED) > 50_000:
            _IDENTIFIED.clear()
        _IDENTIFIED[surface] = term
    return term


def find_terms(lowered: str) -> list[tuple[A, str, str, int]]:
    """Area terms in lower-cased text: (area, term id, text as written, offset), in order."""
    found: list[tuple[A, str, str, int]] = []
    done = 0
    for start in _WORD_START.finditer(lowered):
        position = start.start()
        if position < done:
            continue
        match = _TERMS[lowered[position]].match(lowered, position)
        if match is None:
            continue
        done = match.end()
        term = _identify(match.group(0))
        area = _AREA_OF[term]
        if area is not None:
            found.append((area, term, " ".join(match.group(0).split()), position))
    return found
