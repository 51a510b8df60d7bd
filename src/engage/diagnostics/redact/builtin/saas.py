"""Tokens of SaaS services with a recognisable shape (Slack, GitHub, GitLab and others)."""

from __future__ import annotations

import re

from engage.diagnostics.redact.detectors import PatternRule, register


def _token(name: str, description: str, trigger: str, pattern: bytes) -> None:
    register(
        PatternRule(
            name=name,
            description=description,
            triggers=(trigger,),
            pattern=re.compile(pattern),
            priority=20,
        )
    )


_token(
    "slack-token",
    "Slack bot, user, app and config tokens (xoxb-, xoxp-, xapp-...)",
    r"(xox[abposre]-|xapp-[0-9]-)[A-Za-z0-9\-]{10}",
    rb"(?:(?<![\w\-])|(?<=\\[nrt]))(?P<secret>(?:xox[abposre]|xapp-[0-9])-[A-Za-z0-9\-]{10,})",
)
_token(
    "slack-webhook",
    "secret part of Slack incoming-webhook URLs",
    r"hooks\.slack\.com/(services|workflows|triggers)/",
    rb"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_]+/[A-Za-z0-9_]+/"
    rb"(?P<secret>[A-Za-z0-9_]{8,})",
)
_token(
    "github-token",
    "GitHub personal, OAuth, app and fine-grained tokens",
    r"(gh[pousr]_[A-Za-z0-9]{30}|github_pat_[A-Za-z0-9_]{22}|ghs_[A-Za-z0-9]{1,40}_eyJ)",
    rb"(?:(?<![\w])|(?<=\\[nrt]))(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}"
    rb"|ghs_[A-Za-z0-9]{1,40}_eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-.]+)",
)
_token(
    "gitlab-token",
    "GitLab personal, deploy, runner and other tokens (glpat-...)",
    r"gl(pat|dt|rt|ptt|ft|imt|agent|oas|cbt|soat|ffct)-[A-Za-z0-9_\-]{20}",
    rb"(?:(?<![\w\-])|(?<=\\[nrt]))(?P<secret>gl(?:pat|dt|rt|ptt|ft|imt|agent|oas|cbt|soat|ffct)-"
    rb"[A-Za-z0-9_\-]{20,})",
)
_token(
    "openai-api-key",
    "OpenAI API keys",
    r"T3BlbkFJ",
    rb"(?P<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,})",
)
_token(
    "stripe-api-key",
    "Stripe secret and restricted keys",
    r"[sr]k_(live|test)_[A-Za-z0-9]{20}",
    rb"(?:(?<![\w])|(?<=\\[nrt]))(?P<secret>[sr]k_(?:live|test)_[A-Za-z0-9]{20,})",
)
_token(
    "sendgrid-api-key",
    "SendGrid API keys",
    r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
    rb"(?P<secret>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})",
)
_token(
    "npm-token",
    "npm access tokens",
    r"npm_[A-Za-z0-9]{36}",
    rb"(?:(?<![\w])|(?<=\\[nrt]))(?P<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])",
)
_token(
    "docker-pat",
    "Docker Hub personal access tokens",
    r"dckr_pat_[A-Za-z0-9_\-]{24}",
    rb"(?P<secret>dckr_pat_[A-Za-z0-9_\-]{24,})",
)
_token(
    "grafana-token",
    "Grafana Cloud API and service-account tokens",
    r"(glc_[A-Za-z0-9+/]{32}|glsa_[A-Za-z0-9]{32}_)",
    rb"(?P<secret>glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})",
)
register(
    PatternRule(
        name="vault-init-output",
        description="unseal and recovery keys and the root token printed by vault operator init",
        triggers=(r"(Unseal|Recovery) Key [0-9]{1,2}:|Initial Root Token:",),
        pattern=re.compile(
            rb"(?:(?:Unseal|Recovery) Key [0-9]{1,2}|Initial Root Token):[ \t]*"
            rb"(?P<secret>[A-Za-z0-9+/=._\-]{8,})"
        ),
        priority=19,
    )
)
_token(
    "tailscale-key",
    "Tailscale API, auth, OAuth client, SCIM and webhook keys (tskey-<kind>-<id>-<secret>)",
    r"tskey-[a-z]{2,12}-[A-Za-z0-9]{6}",
    rb"(?<![A-Za-z])(?P<secret>tskey-[a-z]{2,12}-[A-Za-z0-9]{6,}-[A-Za-z0-9]{10,})"
    rb"(?![A-Za-z0-9])",
)
_token(
    "newrelic-key",
    "New Relic user, ingest, insert and browser keys (NRAK-, NRII-, NRJS-...)",
    r"NR(AK|II|JS|AA|RA)-[A-Za-z0-9]{19}",
    rb"(?:(?<![\w\-])|(?<=\\[nrt]))(?P<secret>NR(?:AK|II|JS|AA|RA)-[A-Za-z0-9]{19,40})"
    rb"(?![A-Za-z0-9])",
)
_token(
    "vault-token",
    "HashiCorp Vault service, batch and recovery tokens (hvs. / hvb. / hvr.)",
    r"hv[sbr]\.[A-Za-z0-9_\-]{20}",
    rb"(?:(?<![\w.])|(?<=\\[nrt]))(?P<secret>hv[sbr]\.[A-Za-z0-9_\-]{20,})",
)


def _prefixed_ok(m: re.Match[bytes]) -> bool:
    """Random tails only: upper, lower and digits, and not a long run of one character."""
    tail = m.group("tail")
    lower = any(97 <= c <= 122 for c in tail)
    upper = any(65 <= c <= 90 for c in tail)
    digit = any(48 <= c <= 57 for c in tail)
    return lower and upper and digit and len(set(tail)) >= 12


register(
    PatternRule(
        name="prefixed-token",
        description="vendor tokens shaped <prefix>_<random> (shpat_, gsk_, vck_...), any vendor",
        # every match holds "<letter or digit>_<24 alphanumerics>", ending where it ends; the
        # whole shape as a trigger cost 7x more scan time (snake_case is everywhere)
        triggers=(r"[a-z0-9]_[A-Za-z0-9]{24}",),
        pattern=re.compile(
            rb"(?:(?<![A-Za-z0-9_\-])|(?<=\\[nrt]))"
            rb"(?P<secret>[a-z][a-z0-9]{1,9}_(?:[a-z0-9]{1,12}_)?(?P<tail>[A-Za-z0-9]{24,}))"
            rb"(?![A-Za-z0-9_\-])"
        ),
        check=_prefixed_ok,
        priority=35,
    )
)

register(
    PatternRule(
        name="hex-private-key",
        description="0x-prefixed 256-bit hex keys (secp256k1 / Ethereum private keys)",
        triggers=(r"0x[0-9a-fA-F]{64}",),
        pattern=re.compile(rb"(?<![\w:])0x(?P<secret>[0-9a-fA-F]{64})(?![0-9a-fA-F])"),
        priority=36,
    )
)
