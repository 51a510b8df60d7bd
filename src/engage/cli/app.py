"""The `engage` command: a Typer app that each verb-group module registers itself on."""

from __future__ import annotations

import importlib

import typer

from engage import __version__

app = typer.Typer(
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
    "mail",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"engage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Support engagement for Kubecost: portal, API and diagnostics kit."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"engage.cli.{_name}").register(app)


def main() -> None:
    """Entry point of the `engage` console script."""
    app()
