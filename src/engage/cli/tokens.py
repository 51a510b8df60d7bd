"""`engage token list|create|revoke`: your tokens through the API (ENGAGE_URL, ENGAGE_TOKEN),
or with --user, any user's tokens directly on the server's database (the operator)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.client import ApiClient
from engage.cli.errors import fail, friendly_errors

token_app = typer.Typer(help="API tokens: list, create, revoke.", no_args_is_help=True)
err = Console(stderr=True)

USER_HELP = "Operator: act on this user's tokens in the server's database (no API call)."


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="API tokens")
    for col in ("id", "name", "prefix", "scopes", "expires", "last used", "revoked"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["prefix"] + "…",
            " ".join(r["scopes"]) + (f" (case {r['case_id']})" if r.get("case_id") else ""),
            (r.get("expires_at") or "never")[:16],
            (r.get("last_used_at") or "-")[:16],
            (r.get("revoked_at") or "-")[:16],
        )
    Console(soft_wrap=True).print(table)


def _operator_rows(email: str) -> list[dict[str, Any]]:
    from engage.bootstrap import build
    from engage.services.tokens import list_tokens

    engage = build()
    with friendly_errors(), engage.uow() as uow:
        user = uow.users.by_email(email)
        if user is None:
            fail(f"no user with e-mail {email}")
        return [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "scopes": t.scopes.split(),
                "case_id": t.case_id,
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in list_tokens(uow, actor=user)
        ]


@token_app.command("list")
def token_list(email: str | None = typer.Option(None, "--user", help=USER_HELP)) -> None:
    """List tokens (never their secrets)."""
    _table(_operator_rows(email) if email else ApiClient().get("/tokens"))


@token_app.command("create")
def token_create(
    email: str | None = typer.Option(None, "--user", help=USER_HELP),
    name: str = typer.Option("cli", help="A name to recognise the token by."),
    expires_in_days: int = typer.Option(
        90, help="Days until it expires; 0 never (operator tokens never expire by default)."
    ),
    read_only: bool = typer.Option(False, help="Only GET requests (no write scope)."),
) -> None:
    """Create a token and print its secret (shown once)."""
    if email:
        from engage.bootstrap import build
        from engage.services.tokens import issue_token

        engage = build()
        with friendly_errors(), engage.uow() as uow:
            user = uow.users.by_email(email)
            if user is None:
                fail(f"no user with e-mail {email}")
            secret = issue_token(uow, engage.clock, user=user, name=name)
            uow.commit()
        print(secret)
        return
    if not 0 <= expires_in_days <= 366:
        fail("--expires-in-days must be 0-366")
    body = {
        "name": name,
        "expires_in_days": expires_in_days or None,
        "scopes": ["read"] if read_only else ["read", "write"],
    }
    created = ApiClient().post("/tokens", json=body)
    err.print(f"token {created['id']} ({created['name']}); store the secret now, it is shown once")
    print(created["token"])


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., help="The token's id (see `engage token list`)."),
    email: str | None = typer.Option(None, "--user", help=USER_HELP),
) -> None:
    """Revoke a token: it answers 401 from now on."""
    if not 1 <= token_id <= 2_147_483_647:
        fail("token ids are whole numbers from 1")
    if email:
        from engage.bootstrap import build
        from engage.services.tokens import revoke_token

        engage = build()
        with friendly_errors(), engage.uow() as uow:
            user = uow.users.by_email(email)
            if user is None:
                fail(f"no user with e-mail {email}")
            revoke_token(uow, engage.clock, actor=user, token_id=token_id)
    else:
        ApiClient().request("DELETE", f"/tokens/{token_id}")
    err.print(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    """Add `engage token` to the root app."""
    app.add_typer(token_app, name="token")
