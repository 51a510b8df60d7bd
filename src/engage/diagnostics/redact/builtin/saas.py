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
    r"(gh[pousr]_[A-Za-z0-9]{30}|github_pat_[A-Za-z0-9_]{22})",
    rb"(?:(?<![\w])|(?<=\\[nrt]))(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
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
