"""Screens of disposal (削除・廃棄): the due list, planning a batch, a manager's
confirmation, the run, disposal records, and disposals by a contractor with their
certificates. Thin: parse, call mnvault.disposal, render. No page shows a number:
records name persons by id and external reference (事業者編 別添1 2E d).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.affairs.services import list_affairs
from mnvault.audit import period
from mnvault.deployment.requests import vault_of
from mnvault.disposal import batches, confirmation, contractor, records
from mnvault.disposal import services as retention
from mnvault.disposal.errors import PlannerCannotConfirm
from mnvault.jobs import registry as jobs
from mnvault.jobs import views as background
from mnvault.numbers import redact
from mnvault.vault import labels
from mnvault.vault.errors import InvalidInput, NotFound, VaultError
from mnvault.web import body_limits
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
body_limits.upload(r"/disposal/contractor", contractor.MAX_CERTIFICATE_BYTES)

Text = Annotated[str, Form(max_length=2000)]


# -- due list and planning --------------------------------------------------------------------


def _due_page(
    request: Request, within: int, *, error: str | None = None, form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    today = datetime.now(UTC).date()

    def work(call: PageCall) -> dict[str, Any]:
        return {
            "items": retention.due_list(
                call.session, call.context, today=today, within_days=within
            ),
            "notices": retention.reminders(call.session, call.context, today=today),
        }

    values = call(request, work)
    values |= {"within": within, "today": today, "error": error, "form": form or {},
               "kinds": labels.PERSON_KINDS}  # fmt: skip
    return render(request, "disposal/due.html", values, status=status)


@router.get("/disposal")
def due(request: Request, within: Annotated[int, Query(ge=0, le=3660)] = 0) -> Response:
    return _due_page(request, within)


def _when(session: Session, context: Context, raw: str) -> datetime | None:
    """A time typed on the form is the organisation's local time."""
    if not raw:
        return None
    try:
        typed = datetime.fromisoformat(raw)
        zone = period.zone_of(session, context.organisation_id)
        return (typed if typed.tzinfo else typed.replace(tzinfo=zone)).astimezone(UTC)
    except ValueError:
        raise InvalidInput(
            "実施日時の形式が正しくありません", "the scheduled time is invalid"
        ) from None


@router.post("/disposal/batches")
def plan(
    request: Request,
    *,
    reason: Text = "",
    early_reason: Text = "",
    never_needed: Annotated[bool, Form()] = False,
    scheduled_for: Annotated[str, Form(max_length=40)] = "",
    person_ids: Annotated[list[uuid.UUID] | None, Form()] = None,
    within: Annotated[int, Form(ge=0, le=3660)] = 0,
) -> Response:
    """Every due number (none ticked), or the persons ticked on the due list."""
    form = {"reason": reason, "early_reason": early_reason, "scheduled_for": scheduled_for,
            "never_needed": "on" if never_needed else ""}  # fmt: skip

    def work(call: PageCall) -> uuid.UUID:
        batch = batches.plan(
            call.session,
            call.context,
            today=datetime.now(UTC).date(),
            reason=reason,
            person_ids=person_ids or None,
            scheduled_for=_when(call.session, call.context, scheduled_for),
            early_reason=early_reason or None,
            never_needed=never_needed,
        )
        return batch.id

    try:
        batch_id = call(request, work)
    except VaultError as exc:
        return _due_page(request, within, error=message_of(request, exc), form=form, status=422)
    return redirect(request, f"/disposal/batches/{batch_id}")


# -- batches: the disposal records ------------------------------------------------------------


@router.get("/disposal/batches")
def batch_list(request: Request) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        found = batches.list_batches(call.session, call.context)
        return {
            "batches": found,
            "names": records.names(call.session, [b.planned_by for b in found]),
        }

    return render(request, "disposal/batches.html", call(request, work))


def _batch_page(
    request: Request, batch_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        batch, members = batches.members_of(call.session, call.context, batch_id=batch_id)
        people = [batch.planned_by, batch.confirmed_by, batch.executed_by]
        return {
            "batch": batch,
            "standing": confirmation.standing(
                call.session, call.context, planned_by=batch.planned_by
            ),
            "members": members,
            "refs": records.references(call.session, [m.person_id for m in members]),
            "names": records.names(call.session, people),
        }

    values = call(request, work) | {"error": error}
    return render(request, "disposal/batch.html", values, status=status)


@router.get("/disposal/batches/{batch_id}")
def batch_record(request: Request, batch_id: uuid.UUID) -> Response:
    return _batch_page(request, batch_id)


@router.post("/disposal/batches/{batch_id}/confirm")
def confirm(request: Request, batch_id: uuid.UUID, statement: Text = "") -> Response:
    """責任者の確認 (別添1 2E d) by a manager other than the planner, recorded as their own
    act; a small business's single responsible person confirms with a statement."""

    def work(call: PageCall) -> None:
        batches.confirm(call.session, call.context, batch_id=batch_id, statement=statement or None)

    try:
        call(request, work)
    except PlannerCannotConfirm as refused:  # audited by call; shown on the batch
        return _batch_page(request, batch_id, error=message_of(request, refused), status=403)
    except VaultError as exc:
        return _batch_page(request, batch_id, error=message_of(request, exc), status=422)
    return redirect(request, f"/disposal/batches/{batch_id}")


@router.post("/disposal/batches/{batch_id}/cancel")
def cancel(request: Request, batch_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        batches.cancel(call.session, call.context, batch_id=batch_id)

    try:
        call(request, work)
    except VaultError as exc:
        return _batch_page(request, batch_id, error=message_of(request, exc), status=422)
    return redirect(request, f"/disposal/batches/{batch_id}")


@router.post("/disposal/batches/{batch_id}/run")
def run(request: Request, batch_id: uuid.UUID) -> Response:
    """Delete, record, rotate the KEK: in the background (issue #18); the status page
    counts the keys re-wrapped and links to the batch's record once the rotation completed."""
    vault = vault_of(request)

    def work(context: Context, progress: jobs.Progress) -> jobs.Outcome:
        batches.run(vault.sessions, vault.keyring, context, batch_id=batch_id, progress=progress)
        return jobs.Outcome(
            summary=("廃棄を実行し、鍵を更新しました", "disposed of, and the key rotated"),
            link=f"/disposal/batches/{batch_id}",
            link_label=("廃棄の記録を開く", "Open the record"),
        )

    return background.start(
        request, kind="disposal:run", title=("廃棄の実行", "Disposal run"),
        back=f"/disposal/batches/{batch_id}", work=work,
    )  # fmt: skip


# -- contractor disposals and their certificates ---------------------------------------------


def _contractor_page(
    request: Request, *, error: str | None = None, form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    def work(call: PageCall) -> dict[str, Any]:
        found = contractor.list_records(call.session, call.context)
        return {
            "records": found,
            "names": records.names(call.session, [row.recorded_by for row, _ in found]),
            "affairs": list_affairs(call.session, call.context.organisation_id),
        }

    values = call(request, work) | {"error": error, "form": form or {}}
    return render(request, "disposal/contractor.html", values, status=status)


@router.get("/disposal/contractor")
def contractor_list(request: Request) -> Response:
    return _contractor_page(request)


@router.post("/disposal/contractor")
def contractor_record(
    request: Request,
    *,
    contractor_name: Text = "",
    performed_on: Annotated[str, Form(max_length=10)] = "",
    method: Text = "",
    person_refs: Annotated[str, Form(max_length=100_000)] = "",
    affairs: Annotated[list[str] | None, Form()] = None,
    certificate: Annotated[UploadFile | None, File()] = None,
) -> Response:
    refs = [line.strip() for line in person_refs.splitlines() if line.strip()]
    # Kept for the form if it fails, redacted: a number typed there is not echoed.
    form = {"contractor_name": contractor_name, "performed_on": performed_on, "method": method,
            "person_refs": redact(person_refs), "affairs": list(affairs or [])}  # fmt: skip
    data = b""
    if certificate is not None and certificate.filename:
        data = certificate.file.read(contractor.MAX_CERTIFICATE_BYTES + 1)

    def work(call: PageCall) -> uuid.UUID:
        try:
            on = date.fromisoformat(performed_on)
        except ValueError:
            raise InvalidInput("実施日を入力してください", "give the date it was done") from None
        row = contractor.record(
            call.session,
            call.envelope,
            call.context,
            contractor_name=contractor_name,
            performed_on=on,
            method=method,
            certificate=data,
            person_ids=records.persons_by_reference(call.session, call.context, refs),
            affair_codes=list(affairs or []),
        )
        return row.id

    try:
        record_id = call(request, work)
    except VaultError as exc:
        return _contractor_page(request, error=message_of(request, exc), form=form, status=422)
    return redirect(request, f"/disposal/contractor/{record_id}")


@router.get("/disposal/contractor/{record_id}")
def contractor_detail(request: Request, record_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        for row, persons in contractor.list_records(call.session, call.context):
            if row.id == record_id:
                return {
                    "row": row,
                    "persons": persons,
                    "refs": records.references(call.session, persons),
                    "names": records.names(call.session, [row.recorded_by]),
                }
        raise NotFound(f"委託先廃棄 {record_id}", f"contractor disposal {record_id}")

    return render(request, "disposal/contractor_record.html", call(request, work))


@router.get("/disposal/contractor/{record_id}/certificate")
def certificate_download(request: Request, record_id: uuid.UUID) -> Response:
    """The certificate as uploaded, checked against its hash; reading it is audited."""

    def work(call: PageCall) -> Any:
        return contractor.certificate(
            call.session, call.envelope, call.context, record_id=record_id
        )

    row, data = call(request, work)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    name = f"disposal-certificate-{row.id}.{extension.get(row.certificate_media_type, 'bin')}"
    response = Response(
        data, media_type=row.certificate_media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip
    return finish(request, response)
