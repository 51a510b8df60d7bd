"""Diagnostics on the case page: requests with completeness, instructions, an upload control
per row, artifacts and findings; support requests, waives, rejects and validates rows.

Uploads are read with the same streaming receiver as the API (never Starlette's form parser),
so the kind's size cap holds while bytes arrive; the CSRF field must come before the file.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import RedirectResponse, Response, StreamingResponse

from engage.bootstrap import Engage
from engage.domain.errors import EngageError, ValidationFailed
from engage.domain.policy import policy_from_dict
from engage.domain.users import User
from engage.services import diagnostics as svc
from engage.services import instructions as instructions_svc
from engage.services import intake
from engage.services.access import visible_case
from engage.services.cases import CaseView
from engage.services.ports import UnitOfWork
from engage.services.upload_stream import UploadIncomplete, receive_multipart
from engage.web.deps import (
    CSRF_FIELD,
    SESSION_CSRF,
    CsrfFailed,
    EngageDep,
    FormDep,
    UowDep,
    UserDep,
)
from engage.web.forms import Fields, int_list, text_field
from engage.web.pages.case import CASE_PANELS
from engage.web.templating import render

router = APIRouter(include_in_schema=False)
SEVERITIES = ("critical", "error", "warning", "info")


def panel_context(engage: Engage, uow: UnitOfWork, actor: User, view: CaseView) -> dict[str, Any]:
    """The case page's side panel: completeness and what is missing."""
    assert view.case.id is not None
    diag = svc.view_diagnostics(uow, actor=actor, case_id=view.case.id)
    return {"diag": diag, "request_titles": {rv.request.id: rv.title for rv in diag.requests}}


if not any(t == "diagnostics/panel.html" for t, _ in CASE_PANELS):
    CASE_PANELS.append(("diagnostics/panel.html", panel_context))


def page_context(engage: Engage, uow: UnitOfWork, actor: User, case_id: int) -> dict[str, Any]:
    """Everything diagnostics/page.html needs.

    The artifacts are read first. Reads here are not one snapshot (pysqlite starts no
    transaction before a write; PostgreSQL reads committed data per statement), and a job moves
    an artifact and its row in one commit: an artifact read as finished means its row, read
    after it, is finished too, and one read as in flight keeps the page polling. Read the other
    way round, a page could show a row as received beside its rejected artifact and stop polling.
    """
    artifacts = uow.intake.artifacts(case_id)
    diag = svc.view_diagnostics(uow, actor=actor, case_id=case_id)
    guide = {
        rv.request.id: instructions_svc.instructions(
            uow,
            actor=actor,
            case_id=case_id,
            kind=rv.request.kind,
            server_url=engage.settings.base_url,
            label=rv.request.label,
            note=rv.request.note,
        )
        for rv in diag.requests
    }
    findings = uow.intake.findings(case_id)
    by_severity = {s: [f for f in findings if f.severity == s] for s in SEVERITIES}
    by_severity = {s: fs for s, fs in by_severity.items() if fs}
    catalogue = svc.allowed_catalogue(uow, engage.clock, actor=actor, case_id=case_id)
    org = uow.orgs.get(diag.case.org_id)
    policy = policy_from_dict(org.policy if org else None)
    return {
        "request_titles": {rv.request.id: rv.title for rv in diag.requests},
        "allowed_kinds": {k.kind.value for k in catalogue},
        "downloads_allowed": not actor.is_support or policy.support_may_download,
        "case": diag.case,
        "diag": diag,
        "guide": guide,
        "artifacts": artifacts,
        "in_flight": any(a.status in ("received", "preparing", "analysing") for a in artifacts),
        "findings": by_severity,
        "catalogue": catalogue,
        "environments": list(diag.environments.values()),
        "caps": {k.kind.value: intake.size_cap(k.kind.value) for k in svc.CATALOGUE},
    }


def diagnostics_page(
    request: Request,
    engage: Engage,
    uow: UnitOfWork,
    user: User,
    case_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """Render the diagnostics page, optionally with an error from the last action."""
    context = page_context(engage, uow, user, case_id)
    context["error"] = error
    return render(request, "diagnostics/page.html", context, status)


@router.get("/cases/{case_id:int}/diagnostics")
def show(case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep) -> Response:
    """The case's diagnostic requests, uploads and findings."""
    return diagnostics_page(request, engage, uow, user, case_id)


def _act(
    request: Request,
    engage: Engage,
    uow: UnitOfWork,
    user: User,
    case_id: int,
    action: Callable[[], Any],
    done: str,
) -> Response:
    try:
        action()
    except EngageError as exc:
        uow.rollback()
        if exc.status == 404:
            raise
        return diagnostics_page(
            request, engage, uow, user, case_id, error=str(exc), status=exc.status
        )
    request.session["flash"] = done
    return RedirectResponse(f"/cases/{case_id}/diagnostics", status_code=303)


def _due(form: Fields) -> datetime | None:
    raw = text_field(form, "due_at", 40).strip()
    if not raw:
        return None
    try:
        due = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("due date must look like 2026-03-05T17:00") from None
    return due if due.tzinfo else due.replace(tzinfo=UTC)


@router.post("/cases/{case_id:int}/diagnostics/request")
def create_request(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Support asks for one kind of artifact."""

    def act() -> None:
        svc.request_diagnostics(
            uow,
            engage.clock,
            actor=user,
            case_id=case_id,
            kind=text_field(form, "kind", 32),
            expand=text_field(form, "expand", 16) or None,
            environment_ids=int_list(form, "environment_ids") or None,
            label=text_field(form, "label", svc.LABEL_MAX + 1),
            note=text_field(form, "note", svc.NOTE_MAX + 1),
            due_at=_due(form),
            idempotency_key=text_field(form, "idempotency_key", 200) or None,
        )

    return _act(
        request,
        engage,
        uow,
        user,
        case_id,
        act,
        "Diagnostics requested; the customer sees what to send and how.",
    )


@router.post("/cases/{case_id:int}/diagnostics/rows/{row_id:int}/{decision}")
def decide(
    case_id: int,
    row_id: int,
    decision: str,
    request: Request,
    engage: EngageDep,
    uow: UowDep,
    user: UserDep,
    form: FormDep,
) -> Response:
    """Waive, reject or validate one row (support)."""
    reason = text_field(form, "reason", svc.REASON_MAX + 1)
    actions: dict[str, Callable[[], Any]] = {
        "waive": lambda: svc.waive_row(
            uow, engage.clock, actor=user, case_id=case_id, row_id=row_id, reason=reason
        ),
        "reject": lambda: svc.reject_row(
            uow, engage.clock, actor=user, case_id=case_id, row_id=row_id, reason=reason
        ),
        "validate": lambda: svc.validate_row(
            uow, engage.clock, actor=user, case_id=case_id, row_id=row_id
        ),
    }
    if decision not in actions:
        raise ValidationFailed("choose waive, reject or validate")
    words = {
        "waive": "Marked as not needed.",
        "reject": "Sent back to the customer with your reason.",
        "validate": "Accepted.",
    }
    return _act(request, engage, uow, user, case_id, actions[decision], words[decision])


def _cap_after_csrf(request: Request) -> Callable[[dict[str, str]], int]:
    def cap_for(fields: dict[str, str]) -> int:
        sent = request.headers.get("X-CSRF-Token") or fields.get(CSRF_FIELD, "")
        expected = request.session.get(SESSION_CSRF)
        if not (
            isinstance(expected, str)
            and sent
            and secrets.compare_digest(sent.encode(), expected.encode())
        ):
            raise CsrfFailed("the form's security token is missing or out of date; reload")
        return intake.size_cap(fields.get("kind"))

    return cap_for


@router.post("/cases/{case_id:int}/diagnostics/upload")
async def upload(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep
) -> Response:
    """The upload control: a multipart form with csrf_token, kind, request and file."""
    await run_in_threadpool(visible_case, uow, user, case_id)
    await run_in_threadpool(uow.rollback)
    scratch = engage.settings.data_dir / "scratch"
    try:
        spooled = await receive_multipart(
            request.stream(),
            request.headers.get("content-type", ""),
            scratch,
            _cap_after_csrf(request),
        )
    except ClientDisconnect:
        raise UploadIncomplete("the connection closed before the upload was complete") from None
    except EngageError as exc:
        return await run_in_threadpool(
            diagnostics_page, request, engage, uow, user, case_id, error=str(exc), status=exc.status
        )
    row = spooled.fields.get("request", "").strip()

    def act() -> None:
        intake.accept_upload(
            uow,
            engage.clock,
            engage.store,
            engage.jobs,
            actor=user,
            case_id=case_id,
            kind=spooled.fields.get("kind", ""),
            row_id=int(row) if row.isdigit() else None,
            upload=spooled,
            quotas=engage.quotas(),
            idempotency_key=spooled.fields.get("idempotency_key") or None,
        )

    try:
        return await run_in_threadpool(
            _act,
            request,
            engage,
            uow,
            user,
            case_id,
            act,
            f"Uploaded {spooled.name}; it is being checked now and this page updates "
            "when it is done.",
        )
    finally:
        spooled.discard()


@router.get("/cases/{case_id:int}/artifacts/{artifact_id:int}/download")
def download(
    case_id: int, artifact_id: int, engage: EngageDep, uow: UowDep, user: UserDep
) -> Response:
    """Download a sanitised artifact (recorded on the case's audit trail)."""
    art, handle = intake.open_download(
        uow, engage.clock, engage.store, actor=user, case_id=case_id, artifact_id=artifact_id
    )
    name = quote(art.original_name or f"artifact-{art.id}")
    return StreamingResponse(
        intake.stream_chunks(handle),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Content-Length": str(art.size),
        },
    )
