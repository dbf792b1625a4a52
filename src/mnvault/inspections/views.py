"""The inspection screens (Japanese first): schedules and the list, one inspection's checklist
with a form per item, corrective actions, files, the report to the 総括責任者, the registers
as CSV or Excel. Thin: parse, call mnvault.inspections.services, render."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from mnvault.inspections import services as inspections
from mnvault.inspections.shapes import to_csv, to_xlsx
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
Text = Annotated[str, Form(max_length=2000)]
Day = Annotated[str, Form(max_length=10)]
Upload = Annotated[UploadFile | None, File()]

LABELS = {
    "kinds": inspections.KIND_LABELS,
    "results": inspections.RESULT_LABELS,
    "statuses": inspections.STATUS_LABELS,
    "action_statuses": inspections.ACTION_LABELS,
}


def _day(text: str, field_ja: str, field_en: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field_ja}の日付（YYYY-MM-DD）", f"the {field_en} day") from None


def _read(upload: UploadFile | None) -> tuple[str, bytes] | None:
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.file.read(inspections.FILE_MAX_BYTES + 1)


def _list_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "dues": inspections.schedules(call.session, call.context),
            "inspections": inspections.listing(call.session, call.context),
            "actions": inspections.actions(call.session, call.context, open_only=True),
            "zone": inspections.zone(call.session, call.context),
        }

    values = call(request, work) | {"error": error, "labels": LABELS}
    return render(request, "inspections/list.html", values, status=status)


@router.get("/inspections")
def page(request: Request) -> Response:
    return _list_page(request)


@router.post("/inspections")
def start(
    request: Request, *, kind: Text = "", title: Text = "", performed_on: Day = ""
) -> Response:
    def work(call: PageCall) -> uuid.UUID:
        try:
            chosen = inspections.InspectionKind(kind)
        except ValueError:
            raise InvalidInput("種別を選んでください", "choose the kind") from None
        day = _day(performed_on, "実施日", "performed") if performed_on else None
        return inspections.start(
            call.session, call.context, kind=chosen, title=title, performed_on=day
        ).id

    try:
        inspection_id = call(request, work)
    except VaultError as exc:
        return _list_page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/inspections/{inspection_id}")


@router.post("/inspections/schedules")
def schedule(
    request: Request, *, kind: Text = "", interval_days: Text = "", starts_on: Day = ""
) -> Response:
    def work(call: PageCall) -> None:
        try:
            chosen, days = inspections.InspectionKind(kind), int(interval_days)
        except ValueError:
            raise InvalidInput("種別と間隔（日数）", "the kind and the interval in days") from None
        inspections.set_schedule(
            call.session, call.context, kind=chosen, interval_days=days,
            starts_on=_day(starts_on, "初回期限", "first due"),
        )  # fmt: skip

    try:
        call(request, work)
    except VaultError as exc:
        return _list_page(request, error=message_of(request, exc), status=422)
    return redirect(request, "/inspections")


@router.get("/inspections/export.{fmt}")
def export(request: Request, fmt: str, table: str = "inspections") -> Response:
    if fmt not in {"csv", "xlsx"} or table not in {"inspections", "actions"}:
        raise InvalidInput("形式", "format")

    def work(call: PageCall) -> bytes:
        tables = inspections.registers(call.session, call.context)
        return to_xlsx(tables) if fmt == "xlsx" else to_csv(tables[table == "actions"])

    name = "inspections.xlsx" if fmt == "xlsx" else f"{table}.csv"
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/octet-stream"
    response = Response(
        call(request, work), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="mnvault-{name}"'},
    )  # fmt: skip
    return finish(request, response)


def _detail_page(
    request: Request, inspection_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        view = inspections.detail(call.session, call.context, inspection_id)
        action_files = {
            a.id: inspections.files(call.session, call.context, owner=inspections.OWNER_ACTION,
                                    owner_id=a.id)
            for i in view.items for a in i.actions
        }  # fmt: skip
        return {
            "view": view,
            "members": inspections.members(call.session, call.context),
            "files": inspections.files(
                call.session,
                call.context,
                owner=inspections.OWNER_INSPECTION,
                owner_id=inspection_id,
            ),
            "action_files": action_files,
            "zone": inspections.zone(call.session, call.context),
        }

    values = call(request, work) | {"error": error, "labels": LABELS}
    return render(request, "inspections/detail.html", values, status=status)


@router.get("/inspections/{inspection_id}")
def detail(request: Request, inspection_id: uuid.UUID) -> Response:
    return _detail_page(request, inspection_id)


def _act(request: Request, inspection_id: uuid.UUID, work: Any, anchor: str = "") -> Response:
    try:
        call(request, work)
    except VaultError as exc:
        return _detail_page(request, inspection_id, error=message_of(request, exc), status=422)
    return redirect(request, f"/inspections/{inspection_id}{anchor}")


@router.post("/inspections/{inspection_id}/items/{item_id}")
def record_item(
    request: Request, inspection_id: uuid.UUID, item_id: uuid.UUID, *, result: Text = "",
    note: Text = "",
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        try:
            chosen = inspections.ItemResult(result)
        except ValueError:
            raise InvalidInput("結果を選んでください", "choose a result") from None
        inspections.record_item(session, context, item_id=item_id, result=chosen, note=note)

    return _act(request, inspection_id, work, f"#item-{item_id}")


@router.post("/inspections/{inspection_id}/items/{item_id}/actions")
def add_action(
    request: Request, inspection_id: uuid.UUID, item_id: uuid.UUID, *, title: Text = "",
    owner: Text = "", due_on: Day = "",
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        try:
            owner_id = uuid.UUID(owner)
        except ValueError:
            raise InvalidInput("担当者を選んでください", "choose the owner") from None
        inspections.add_action(
            session, context, item_id=item_id, title=title, owner_id=owner_id,
            due_on=_day(due_on, "期限", "due"),
        )  # fmt: skip

    return _act(request, inspection_id, work, f"#item-{item_id}")


@router.post("/inspections/{inspection_id}/actions/{action_id}/start")
def start_action(request: Request, inspection_id: uuid.UUID, action_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        inspections.start_action(session, context, action_id=action_id)

    return _act(request, inspection_id, work, f"#action-{action_id}")


@router.post("/inspections/{inspection_id}/actions/{action_id}/close")
def close_action(
    request: Request, inspection_id: uuid.UUID, action_id: uuid.UUID, *, note: Text = "",
    evidence: Upload = None,
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        inspections.close_action(
            call.session, call.context, action_id=action_id, note=note, envelope=call.envelope,
            file=_read(evidence),
        )  # fmt: skip

    return _act(request, inspection_id, work, f"#action-{action_id}")


@router.post("/inspections/{inspection_id}/files")
def attach_file(request: Request, inspection_id: uuid.UUID, *, upload: Upload = None) -> Response:
    def work(call: PageCall) -> None:
        read = _read(upload)
        if read is None:
            raise InvalidInput("ファイルを選んでください", "choose a file")
        inspections.attach_file(
            call.session,
            call.envelope,
            call.context,
            inspection_id=inspection_id,
            filename=read[0],
            data=read[1],
        )

    return _act(request, inspection_id, work, "#files")


@router.get("/inspections/files/{attachment_id}")
def open_file(request: Request, attachment_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> tuple[str, str, bytes]:
        row, data = inspections.open_file(call.session, call.envelope, call.context, attachment_id)
        return row.media_type, row.id.hex, data

    media, name, data = call(request, work)
    response = Response(
        data, media_type=media,
        headers={"Content-Disposition": f'attachment; filename="attachment-{name}"'},
    )  # fmt: skip
    return finish(request, response)


@router.post("/inspections/{inspection_id}/trail-report")
def attach_report(request: Request, inspection_id: uuid.UUID, *, report_seq: Text = "") -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        try:
            seq = int(report_seq)
        except ValueError:
            raise InvalidInput("報告書の番号", "the report's number") from None
        inspections.attach_report(session, context, inspection_id=inspection_id, report_seq=seq)

    return _act(request, inspection_id, work)


@router.post("/inspections/{inspection_id}/rest-ok")
def rest_ok(request: Request, inspection_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        inspections.rest_ok(session, context, inspection_id=inspection_id)

    return _act(request, inspection_id, work)


@router.post("/inspections/{inspection_id}/complete")
def complete(request: Request, inspection_id: uuid.UUID, *, summary: Text = "") -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        inspections.complete(session, context, inspection_id=inspection_id, summary=summary)

    return _act(request, inspection_id, work)


@router.post("/inspections/{inspection_id}/report-to-chief")
def report_to_chief(request: Request, inspection_id: uuid.UUID, *, chief: Text = "") -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        try:
            chief_id = uuid.UUID(chief)
        except ValueError:
            raise InvalidInput("総括責任者を選んでください", "choose the chief officer") from None
        inspections.report_to_chief(
            session, context, inspection_id=inspection_id, chief_id=chief_id
        )

    return _act(request, inspection_id, work)
