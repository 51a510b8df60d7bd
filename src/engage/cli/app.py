"""The `engage` command: a Typer app that each verb-group module registers itself on."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
import typer.core

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
    "tokens",
    "mail",
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
#: The module that registers each verb: `engage redact` imports the redaction kit only, not
#: the Kubernetes client, the web stack or the database layer (about 1 s of start-up each).
VERB_MODULES: dict[str, str] = {
    "redact": "redact",
    "collect": "collect",
    "analyze": "analyze",
    "upload": "upload",
    "slots": "slots",
    "scope-check": "scope",
    "versions": "versions",
    "case": "cases",
    "token": "tokens",
    "mail": "mail",
}
_registered: set[str] = set()


def _register(names: list[str]) -> typer.Typer:
    for name in names:
        if name not in _registered:
            importlib.import_module(f"engage.cli.{name}").register(_app)
            _registered.add(name)
    group_commands(_app)
    return _app


def __getattr__(name: str) -> typer.Typer:
    """`app`: the root app with every verb group, registered on first use."""
    if name == "app":
        return _register(COMMAND_MODULES)
    raise AttributeError(name)


#: `engage --help` groups commands by who runs them: (panel title, command names).
HELP_PANELS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "Diagnostics kit (run by customers, no server needed)",
        frozenset({"collect", "redact", "analyze", "bundle", "upload", "versions"}),
    ),
    (
        "Cases and planning (talk to an engage server, or work offline)",
        frozenset({"case", "scope-check", "slots"}),
    ),
    (
        "Run an engage server (operators)",
        frozenset({"serve", "demo", "worker", "db", "token", "jobs", "mail"}),
    ),
)


def _panel_for(name: str) -> int:
    """The index of the help panel a command is listed under (unknown ones go last)."""
    return next((i for i, (_, names) in enumerate(HELP_PANELS) if name in names), len(HELP_PANELS))


def _title(index: int) -> str:
    return HELP_PANELS[index][0] if index < len(HELP_PANELS) else "Other commands"


def group_commands(root: typer.Typer) -> None:
    """Put every registered command and sub-app under its help panel, panels in order."""
    for command in root.registered_commands:
        callback_name = getattr(command.callback, "__name__", "")
        name = command.name or callback_name.replace("_", "-")
        command.rich_help_panel = _title(_panel_for(name))
    for group in root.registered_groups:
        group.rich_help_panel = _title(_panel_for(group.name or ""))
    order = [*(title for title, _ in HELP_PANELS), "Other commands"]
    root.registered_commands.sort(key=lambda c: order.index(c.rich_help_panel or ""))
    root.registered_groups.sort(key=lambda g: order.index(g.rich_help_panel or ""))


_display_type_rich = typer.core.TyperOption.display_type_rich


def _type_unless_flag(self: typer.core.TyperOption, ctx: Any) -> str | None:
    """Flags take no value, so the help shows no `<bool>` type next to them."""
    return None if self.is_flag else _display_type_rich(self, ctx)


# Typer 0.2x prints `<bool>` beside every flag; one narrow override removes it everywhere.
typer.core.TyperOption.display_type_rich = _type_unless_flag  # type: ignore[method-assign]


def main() -> None:
    """Entry point of the `engage` console script."""
    verb = sys.argv[1] if len(sys.argv) > 1 else ""
    if verb in QUICK_COMMANDS:
        module = importlib.import_module(f"engage.cli.{QUICK_COMMANDS[verb]}")
        if not module.quick(sys.argv[2:]):  # the plain form runs without building Typer
            _register([QUICK_COMMANDS[verb]])()  # help and usage errors: that group only
    elif verb in VERB_MODULES:
        _register([VERB_MODULES[verb]])()
    else:
        _register(COMMAND_MODULES)()
