"""Built-in detectors. Each module registers its rules on import, as a plugin would."""

from __future__ import annotations

from engage.diagnostics.redact.builtin import (  # noqa: F401  (imported for registration)
    accounts,
    auth,
    cloud,
    keys,
    keyvalue,
    network,
    saas,
)
from engage.diagnostics.redact.builtin.gitleaks import register_catalogue
from engage.diagnostics.redact.detectors import registry

register_catalogue(registry)  # last, so engage's own rule names win
