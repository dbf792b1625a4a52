"""The people screens (Japanese first): training plans and sessions with attendance ticked or
imported, who is due, pledges (a signed copy uploaded, or acknowledged by the user on their
own page), the pledge rule, a clerk's record with their activity. Thin: parse, call
mnvault.training.services, render."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from mnvault.training import services as training
from mnvault.training.shapes import to_csv, to_xlsx
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
Text = Annotated[str, Form(max_length=2000)]
Day = Annotated[str, Form(max_length=10)]
Upload = Annotated[UploadFile | None, File()]
Many = Annotated[list[str] | None, Form()]
TABLES = ("sessions", "attendance", "due", "pledges")


def _day(text: str, field_ja: str, field_en: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field_ja}の日付（YYYY-MM-DD）", f"the {field_en} day") from None


def _uuid(text: str, field_ja: str, field_en: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"{field_ja}を選んでください", f"choose the {field_en}") from None


def _page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        require, interval = training.settings(call.session, call.context)
        return {
            "plans": training.plans(call.session, call.context),
            "sessions": training.sessions(call.session, call.context),
            "gaps": training.not_attended(call.session, call.context),
            "gaps29": training.not_attended(call.session, call.context, article29_2=True),
            "pledges": training.pledges(call.session, call.context),
            "without": training.without_pledge(call.session, call.context),
            "members": training.members(call.session, call.context),
            "require_pledge": require,
            "interval": interval,
            "zone": training.zone(call.session, call.context),
        }

    values = call(request, work)
    values |= {"error": error, "names": dict(values["members"]), "labels": training.KIND_NAMES,
               "methods": training.METHOD_NAMES}  # fmt: skip
    return render(request, "training/training.html", values, status=status)


@router.get("/training")
def page(request: Request) -> Response:
    return _page(request)


def _act(request: Request, work: Any, anchor: str = "") -> Response:
    try:
        call(request, work)
    except VaultError as exc:
        return _page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/training{anchor}")


@router.post("/training/plans")
def create_plan(
    request: Request, *, title: Text = "", fiscal_year: Text = "", article29_2: Text = ""
) -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        try:
            year = int(fiscal_year)
        except ValueError:
            raise InvalidInput("年度", "fiscal year") from None
        training.create_plan(
            session, context, title=title, fiscal_year=year, article29_2=article29_2 == "on"
        )

    return _act(request, work, "#plans")


@router.post("/training/sessions")
def add_session(
    request: Request, *, plan_id: Text = "", held_on: Day = "", topic: Text = "",
    material: Text = "", material_file: Upload = None,
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        held = training.add_session(
            call.session, call.context, plan_id=_uuid(plan_id, "研修計画", "plan"),
            held_on=_day(held_on, "実施日", "held"), topic=topic, material=material,
        )  # fmt: skip
        if material_file is not None and material_file.filename:
            training.attach_material(
                call.session,
                call.envelope,
                call.context,
                session_id=held.id,
                filename=material_file.filename,
                data=material_file.file.read(training.FILE_MAX_BYTES + 1),
            )

    return _act(request, work, "#sessions")


@router.post("/training/sessions/{session_id}/attendance")
def set_attendance(request: Request, session_id: uuid.UUID, *, attendee: Many = None) -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        ids = [_uuid(a, "受講者", "attendee") for a in attendee or []]
        training.set_attendance(session, context, session_id=session_id, user_ids=ids)

    return _act(request, work, f"#session-{session_id}")


@router.post("/training/sessions/{session_id}/attendance.csv")
def import_attendance(
    request: Request, session_id: uuid.UUID, *, csv_file: Upload = None
) -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        if csv_file is None or not csv_file.filename:
            raise InvalidInput("CSVファイルを選んでください", "choose a CSV file")
        data = csv_file.file.read(training.CSV_MAX_BYTES + 1)
        training.import_attendance(session, context, session_id=session_id, data=data)

    return _act(request, work, f"#session-{session_id}")


@router.post("/training/pledges")
def record_pledge(
    request: Request, *, user: Text = "", kind: Text = "", signed_on: Day = "",
    signed_copy: Upload = None,
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        try:
            chosen = training.PledgeKind(kind)
        except ValueError:
            raise InvalidInput("種類を選んでください", "choose the kind") from None
        data = None
        name = "pledge.pdf"
        if signed_copy is not None and signed_copy.filename:
            data = signed_copy.file.read(training.FILE_MAX_BYTES + 1)
            name = signed_copy.filename
        training.record_pledge(
            call.session, call.context, user_id=_uuid(user, "利用者", "user"), kind=chosen,
            signed_on=_day(signed_on, "署名日", "signing"), envelope=call.envelope, filename=name,
            file=data,
        )  # fmt: skip

    return _act(request, work, "#pledges")


@router.post("/training/settings")
def set_settings(
    request: Request, *, require_pledge: Text = "", training_interval_days: Text = ""
) -> Response:
    def work(call: PageCall) -> None:
        session, context = call.session, call.context
        try:
            days = int(training_interval_days)
        except ValueError:
            raise InvalidInput("間隔（日数）", "the interval in days") from None
        training.set_settings(
            session, context, require_pledge=require_pledge == "on", training_interval_days=days
        )

    return _act(request, work, "#settings")


@router.get("/training/files/{attachment_id}")
def open_file(request: Request, attachment_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> tuple[str, bytes]:
        row, data = training.open_file(call.session, call.envelope, call.context, attachment_id)
        return row.media_type, data

    media, data = call(request, work)
    disposition = f'attachment; filename="attachment-{attachment_id.hex}"'
    return finish(
        request, Response(data, media_type=media, headers={"Content-Disposition": disposition})
    )


@router.get("/training/export.{fmt}")
def export(request: Request, fmt: str, table: str = "sessions") -> Response:
    if fmt not in {"csv", "xlsx"} or table not in TABLES:
        raise InvalidInput("形式", "format")

    def work(call: PageCall) -> bytes:
        tables = training.registers(call.session, call.context)
        return to_xlsx(tables) if fmt == "xlsx" else to_csv(tables[TABLES.index(table)])

    name = "training.xlsx" if fmt == "xlsx" else f"{table}.csv"
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/octet-stream"
    response = Response(
        call(request, work), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="mnvault-{name}"'},
    )  # fmt: skip
    return finish(request, response)


# -- one clerk, and the user's own pledge -------------------------------------------------


def _clerk_page(
    request: Request, user_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "record": training.clerk_record(call.session, call.context, user_id),
            "zone": training.zone(call.session, call.context),
            "auditor": call.viewer.has_role("auditor"),
        }

    values = call(request, work) | {"error": error, "labels": training.KIND_NAMES,
                                    "methods": training.METHOD_NAMES}  # fmt: skip
    return render(request, "training/clerk.html", values, status=status)


@router.get("/training/clerks/{user_id}")
def clerk(request: Request, user_id: uuid.UUID) -> Response:
    return _clerk_page(request, user_id)


@router.post("/training/clerks/{user_id}/review")
def review(request: Request, user_id: uuid.UUID, *, note: Text = "") -> Response:
    def work(call: PageCall) -> None:
        training.review(call.session, call.context, user_id=user_id, note=note)

    try:
        call(request, work)
    except VaultError as exc:
        return _clerk_page(request, user_id, error=message_of(request, exc), status=422)
    return redirect(request, f"/training/clerks/{user_id}")


@router.get("/training/pledge")
def my_pledge(request: Request) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "mine": training.my_pledges(call.session, call.context),
            "zone": training.zone(call.session, call.context),
        }

    values = call(request, work) | {"labels": training.KIND_NAMES}
    return render(request, "training/pledge.html", values)


@router.post("/training/pledge")
def acknowledge(request: Request, *, kind: Text = "", agree: Text = "") -> Response:
    def work(call: PageCall) -> None:
        if agree != "on":
            raise InvalidInput("内容を確認して同意してください", "read and agree first")
        try:
            chosen = training.PledgeKind(kind)
        except ValueError:
            raise InvalidInput("種類を選んでください", "choose the kind") from None
        training.acknowledge(call.session, call.context, kind=chosen)

    call(request, work)
    return redirect(request, "/training/pledge")
