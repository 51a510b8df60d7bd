"""Use cases that write run whole again when they lose a race with another write."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from engage.services.ports import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")


def retried(
    fn: Callable[Concatenate[UnitOfWork, P], R],
) -> Callable[Concatenate[UnitOfWork, P], R]:
    """Run the use case through `uow.retry`: a lost race rolls back and reruns it (bounded).

    The rerun reads everything again, so a stale If-Match then fails as 412 and a racing
    Idempotency-Key finds the stored key and replays it.
    """

    @functools.wraps(fn)
    def wrapper(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return uow.retry(lambda: fn(uow, *args, **kwargs))

    return wrapper
