"""Turn errors into one line on stderr and a non-zero exit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer

from engage.domain.errors import EngageError

F = TypeVar("F", bound=Callable[..., object])


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `engage: error: message` to stderr and exit with `code`."""
    print(f"engage: error: {message}", file=sys.stderr)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Domain errors become one line and exit 1 instead of a traceback."""
    try:
        yield
    except EngageError as exc:
        fail(str(exc))
