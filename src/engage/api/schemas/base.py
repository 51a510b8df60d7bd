"""Shared schema configuration: unknown fields are errors, text is plain, ids fit the database."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, model_validator

from engage.domain.text import has_control_chars

MAX_ID = 2_147_483_647  # INTEGER on PostgreSQL


def _check(name: str, value: Any) -> None:
    if isinstance(value, str) and has_control_chars(value):
        raise ValueError(f"{name} contains a NUL or other control character")
    if isinstance(value, list | tuple):
        for item in value:
            _check(name, item)
    is_id = name.endswith(("_id", "_ids"))
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_id and is_int and not 1 <= value <= MAX_ID:
        raise ValueError(f"{name} must be an id from 1 to {MAX_ID}")


def _scalar_kinds(annotation: Any) -> set[type]:
    """The scalar types a field accepts (bool, int, str), looking through Optional."""
    if get_origin(annotation) in (Union, types.UnionType):
        return set().union(*(_scalar_kinds(a) for a in get_args(annotation)))
    return {annotation} & {bool, int, str}


def _item_kinds(annotation: Any) -> set[type]:
    """The scalar types of a list field's items (list[int] -> {int}), looking through Optional."""
    if get_origin(annotation) in (Union, types.UnionType):
        return set().union(*(_item_kinds(a) for a in get_args(annotation)))
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return set().union(*(_scalar_kinds(a) for a in get_args(annotation) if a is not Ellipsis))
    return set()


def _strict_scalar(name: str, kinds: set[type], raw: Any) -> None:
    """JSON true is not 1 and "1" is not 1: refuse what lax coercion would quietly accept."""
    if raw is None or not kinds:
        return
    if isinstance(raw, bool):
        ok = bool in kinds
    elif isinstance(raw, int):
        ok = int in kinds
    elif isinstance(raw, str):
        ok = str in kinds or len(kinds - {str}) == 0
    else:
        ok = not ({bool, int} & kinds) or isinstance(raw, (dict, list))
    if not ok:
        wanted = " or ".join(sorted(k.__name__ for k in kinds))
        raise ValueError(f"{name} must be {wanted}, not {type(raw).__name__}")


def _iso_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("a date-time must be an ISO 8601 string with a zone offset")
    return value


#: A date-time sent as ISO 8601 text (a bare number is not quietly read as a Unix time).
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


class Body(BaseModel):
    """A request body: unknown fields are rejected, no control characters, ids in range."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _strict_scalars(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, info in cls.model_fields.items():
                if name not in data:
                    continue
                _strict_scalar(name, _scalar_kinds(info.annotation), data[name])
                if isinstance(data[name], list):  # [false] is not [0]
                    for item in data[name]:
                        _strict_scalar(name, _item_kinds(info.annotation), item)
        return data

    @model_validator(mode="after")
    def _plain_text_and_ids(self) -> Body:
        for name in type(self).model_fields:
            _check(name, getattr(self, name))
        return self


class Read(BaseModel):
    """A response body built from domain objects."""

    model_config = ConfigDict(from_attributes=True)
