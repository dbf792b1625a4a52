"""JSON routes of inspections and audits (thin): checklist, schedules, inspections and their
items, corrective actions, the report to the 総括責任者, the registers as CSV or Excel.
No number ever appears here."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from mnvault.inspections import services as inspections
from mnvault.inspections.shapes import to_csv, to_xlsx
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(prefix="/inspections", tags=["inspections"], responses=SIGNED_IN)
FOUND = problem_responses(404)
CHANGE = {**WITH_BODY, **problem_responses(404, 409)}

Kind = Literal["self_inspection", "audit"]
Result = Literal["ok", "finding", "not_applicable"]


class StartIn(BaseModel):
    kind: Kind
    title: Line = Field(min_length=1, max_length=200)
    performed_on: date | None = None


class ItemIn(BaseModel):
    result: Result
    note: Text | None = Field(default=None, max_length=2000)


class ActionIn(BaseModel):
    title: Line = Field(min_length=1, max_length=200)
    owner: Line = Field(min_length=1, max_length=140, description="the owner's login")
    due_on: date


class CloseIn(BaseModel):
    note: Text = Field(min_length=1, max_length=2000)


class SummaryIn(BaseModel):
    summary: Text | None = Field(default=None, max_length=2000)


class ReportIn(BaseModel):
    report_seq: int = Field(ge=1, le=2**62)


class ChiefIn(BaseModel):
    chief: Line = Field(min_length=1, max_length=140, description="the chief officer's login")


class ScheduleIn(BaseModel):
    interval_days: int = Field(ge=1, le=3660)
    starts_on: date


class Created(BaseModel):
    id: str


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _inspection_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id), "kind": str(row.kind), "title": row.title, "status": str(row.status),
        "performed_at": _when(row.performed_at), "inspector_id": str(row.inspector_id),
        "report_seq": row.report_seq, "completed_at": _when(row.completed_at),
        "summary": row.summary, "reported_at": _when(row.reported_at),
        "reported_to": str(row.reported_to) if row.reported_to else None,
    }  # fmt: skip


def _action_json(a: Any, overdue: bool) -> dict[str, Any]:
    return {
        "id": str(a.id), "inspection_id": str(a.inspection_id), "measure_id": a.measure_id,
        "title": a.title, "owner_id": str(a.owner_id), "due_on": a.due_on.isoformat(),
        "status": str(a.status), "overdue": overdue, "closed_at": _when(a.closed_at),
        "closing_note": a.closing_note,
    }  # fmt: skip


@router.get("/checklist")
def checklist(request: Request) -> list[dict[str, str]]:
    """The checklist of the organisation's kind: each binding measure and what to look at."""

    def work(call: Call) -> list[dict[str, str]]:
        return [vars(i) for i in inspections.checklist_for(call.session, call.context)]

    return call(request, work)


@router.get("/schedules")
def schedules(request: Request) -> list[dict[str, Any]]:
    """When each kind of inspection falls due, and whether it is overdue."""

    def work(call: Call) -> list[dict[str, Any]]:
        return [
            {
                "kind": str(d.kind),
                "interval_days": d.interval_days,
                "last_on": d.last_on.isoformat() if d.last_on else None,
                "due_on": d.due_on.isoformat(),
                "overdue": d.overdue,
            }
            for d in inspections.schedules(call.session, call.context)
        ]

    return call(request, work)


@router.put("/schedules/{kind}", status_code=204, responses=WITH_BODY)
def set_schedule(request: Request, kind: Kind, body: ScheduleIn) -> None:
    """The organisation's interval (e.g. 91 days, 365 days) and first due day for a kind."""

    def work(call: Call) -> None:
        inspections.set_schedule(
            call.session, call.context, kind=inspections.InspectionKind(kind),
            interval_days=body.interval_days, starts_on=body.starts_on,
        )  # fmt: skip

    call(request, work)


@router.get("")
def listing(request: Request) -> list[dict[str, Any]]:
    def work(call: Call) -> list[dict[str, Any]]:
        return [_inspection_json(r) for r in inspections.listing(call.session, call.context)]

    return call(request, work)


@router.post("", status_code=201, response_model=Created, responses=WITH_BODY)
def start(request: Request, body: StartIn) -> Created:
    """Start an inspection with the checklist of the organisation's kind."""

    def work(call: Call) -> Created:
        row = inspections.start(
            call.session,
            call.context,
            kind=inspections.InspectionKind(body.kind),
            title=body.title,
            performed_on=body.performed_on,
        )
        return Created(id=str(row.id))

    return call(request, work)


@router.get("/actions")
def actions(request: Request, open_only: bool = Query(default=False)) -> list[dict[str, Any]]:
    """The corrective actions, the earliest due first."""

    def work(call: Call) -> list[dict[str, Any]]:
        found = inspections.actions(call.session, call.context, open_only=open_only)
        return [_action_json(v.action, v.overdue) for v in found]

    return call(request, work)


@router.post("/actions/{action_id}/start", status_code=204, responses=CHANGE)
def start_action(request: Request, action_id: uuid.UUID) -> None:
    def work(call: Call) -> None:
        inspections.start_action(call.session, call.context, action_id=action_id)

    call(request, work)


@router.post("/actions/{action_id}/close", status_code=204, responses=CHANGE)
def close_action(request: Request, action_id: uuid.UUID, body: CloseIn) -> None:
    """Close an action, saying what was done (the evidence)."""

    def work(call: Call) -> None:
        inspections.close_action(call.session, call.context, action_id=action_id, note=body.note)

    call(request, work)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}},
)
def export(
    request: Request,
    fmt: Literal["csv", "xlsx"] = Query(default="xlsx", alias="format"),
    table: Literal["inspections", "actions"] = Query(default="inspections"),
) -> Response:
    """The inspection and corrective-action registers: Excel (both sheets) or one CSV."""

    def work(call: Call) -> bytes:
        tables = inspections.registers(call.session, call.context)
        if fmt == "xlsx":
            return to_xlsx(tables)
        return to_csv(tables[0 if table == "inspections" else 1])

    data = call(request, work)
    name = "inspections.xlsx" if fmt == "xlsx" else f"{table}.csv"
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/octet-stream"
    return Response(
        data, media_type=media,
        headers={"Content-Disposition": f'attachment; filename="mnvault-{name}"'},
    )  # fmt: skip


@router.get("/{inspection_id}", responses=FOUND)
def detail(request: Request, inspection_id: uuid.UUID) -> dict[str, Any]:
    """An inspection with its items (what to look at, the result, the note) and actions."""

    def work(call: Call) -> dict[str, Any]:
        view = inspections.detail(call.session, call.context, inspection_id)
        return {
            **_inspection_json(view.inspection),
            "items": [
                {"id": str(i.item.id), "measure_id": i.item.measure_id,
                 "title_ja": i.about.title_ja if i.about else None,
                 "look_at_ja": i.about.look_at_ja if i.about else None,
                 "result": str(i.item.result), "note": i.item.note,
                 "actions": [_action_json(a, view.overdue(a)) for a in i.actions]}
                for i in view.items
            ],
        }  # fmt: skip

    return call(request, work)


@router.put("/items/{item_id}", status_code=204, responses=CHANGE)
def record_item(request: Request, item_id: uuid.UUID, body: ItemIn) -> None:
    """One item's result: ok, finding (with a note) or not applicable."""

    def work(call: Call) -> None:
        inspections.record_item(
            call.session, call.context, item_id=item_id, result=inspections.ItemResult(body.result),
            note=body.note,
        )  # fmt: skip

    call(request, work)


@router.post("/items/{item_id}/actions", status_code=201, response_model=Created, responses=CHANGE)
def add_action(request: Request, item_id: uuid.UUID, body: ActionIn) -> Created:
    """A finding becomes a corrective action with an owner and a due day."""

    def work(call: Call) -> Created:
        owner = inspections.member_id(call.session, call.context, body.owner)
        row = inspections.add_action(
            call.session, call.context, item_id=item_id, title=body.title, owner_id=owner,
            due_on=body.due_on,
        )  # fmt: skip
        return Created(id=str(row.id))

    return call(request, work)


@router.put("/{inspection_id}/trail-report", status_code=204, responses=CHANGE)
def attach_report(request: Request, inspection_id: uuid.UUID, body: ReportIn) -> None:
    """Attach a periodic analysis report of the trail (its entry number) as evidence."""

    def work(call: Call) -> None:
        inspections.attach_report(
            call.session, call.context, inspection_id=inspection_id, report_seq=body.report_seq
        )

    call(request, work)


@router.post("/{inspection_id}/complete", status_code=204, responses=CHANGE)
def complete(request: Request, inspection_id: uuid.UUID, body: SummaryIn) -> None:
    def work(call: Call) -> None:
        inspections.complete(
            call.session, call.context, inspection_id=inspection_id, summary=body.summary
        )

    call(request, work)


@router.post("/{inspection_id}/report-to-chief", status_code=204, responses=CHANGE)
def report_to_chief(request: Request, inspection_id: uuid.UUID, body: ChiefIn) -> None:
    """行政機関等編: the 監査責任者 reports the audit to the 総括責任者 (recorded)."""

    def work(call: Call) -> None:
        chief = inspections.member_id(call.session, call.context, body.chief)
        inspections.report_to_chief(
            call.session, call.context, inspection_id=inspection_id, chief_id=chief
        )

    call(request, work)
