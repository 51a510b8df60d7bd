"""Rules for free text people type: no NUL or other control characters (tab and newlines ok)."""

from __future__ import annotations

import re

from engage.domain.errors import ValidationFailed

# C0 controls except tab, LF and CR; DEL; C1 controls. PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(value: str) -> bool:
    """True when `value` holds a character no human-typed text should contain."""
    return _CONTROL.search(value) is not None


def check_plain_text(value: str | None, field: str) -> None:
    """Raise ValidationFailed when `value` holds NUL or another control character."""
    if value is not None and has_control_chars(value):
        raise ValidationFailed(f"{field} contains a NUL or other control character")
