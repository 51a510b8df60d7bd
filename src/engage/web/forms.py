"""Read posted form fields into typed values, with messages a person can act on."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from starlette.datastructures import FormData, QueryParams

from engage.domain.errors import ValidationFailed

E = TypeVar("E", bound=StrEnum)
Fields = FormData | QueryParams


def text_field(form: Fields, name: str, limit: int) -> str:
    """A text field ('' when absent); longer than `limit` characters is an error."""
    value = form.get(name)
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        raise ValidationFailed(f"{name.replace('_', ' ')} is longer than {limit} characters")
    return text


def int_field(form: Fields, name: str) -> int | None:
    """An optional whole number; blank means None."""
    raw = text_field(form, name, 20).strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(f"{name.replace('_', ' ')} must be a number")
    return int(raw)


def int_list(form: Fields, name: str) -> list[int]:
    """Every value of a repeated number field (checkboxes, multi-selects)."""
    values = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
    if not all(v.strip().isdigit() for v in values):
        raise ValidationFailed(f"{name.replace('_', ' ')} must be numbers")
    return [int(v) for v in values]


def enum_field(form: Fields, name: str, kind: type[E]) -> E:
    """A required choice from `kind`."""
    raw = text_field(form, name, 100)
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationFailed(f"{name.replace('_', ' ')} must be one of: {allowed}") from None


def enum_list(form: Fields, name: str, kind: type[E]) -> list[E]:
    """Every valid choice of a repeated field; unknown values are ignored (old bookmarks)."""
    values = {m.value for m in kind}
    return [kind(v) for v in form.getlist(name) if isinstance(v, str) and v in values]


def checkbox(form: Fields, name: str) -> bool:
    """True when a checkbox was ticked."""
    return form.get(name) in ("on", "true", "1", "yes")
