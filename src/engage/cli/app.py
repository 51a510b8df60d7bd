"""The `engage` command: a Typer app that each verb-group module registers itself on."""

from __future__ import annotations

import importlib
import sys

import typer

from engage import __version__

_app = typer.Typer(
    name="engage",
    help="Support engagement for Kubecost: portal, API and diagnostics kit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Each module exposes register(app). Add a module name here when you add a verb group.
COMMAND_MODULES: list[str] = [
    "redact",
    "collect",
    "bundle",
    "server",
    "cases",
    "slots",
    "analyze",
    "versions",
    "scope",
    "upload",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"engage {__version__}")
        raise typer.Exit()


@_app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Support engagement for Kubecost: portal, API and diagnostics kit."""


#: Verbs that start without importing the other verb groups (start-up time matters).
QUICK_COMMANDS: dict[str, str] = {"scope-check": "scope"}
_registered: set[str] = set()


def _register(names: list[str]) -> typer.Typer:
    for name in names:
        if name not in _registered:
            importlib.import_module(f"engage.cli.{name}").register(_app)
            _registered.add(name)
    return _app


def __getattr__(name: str) -> typer.Typer:
    """`app`: the root app with every verb group, registered on first use."""
    if name == "app":
        return _register(COMMAND_MODULES)
    raise AttributeError(name)


def main() -> None:
    """Entry point of the `engage` console script."""
    verb = sys.argv[1] if len(sys.argv) > 1 else ""
    if verb in QUICK_COMMANDS:
        module = importlib.import_module(f"engage.cli.{QUICK_COMMANDS[verb]}")
        if not module.quick(sys.argv[2:]):  # the plain form runs without building Typer
            _register([QUICK_COMMANDS[verb]])()  # help and usage errors: that group only
    else:
        _register(COMMAND_MODULES)()
