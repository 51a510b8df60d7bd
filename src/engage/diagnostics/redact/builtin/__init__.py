"""Built-in detectors. Each module registers its rules on import, as a plugin would."""

from __future__ import annotations

from engage.diagnostics.redact.builtin import (  # noqa: F401  (imported for registration)
    auth,
    cloud,
    keys,
    keyvalue,
    pseudonyms,
    saas,
)
