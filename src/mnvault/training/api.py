"""JSON routes of the people records (thin): training plans, sessions and attendance (ticked
or a CSV), who is due, pledges, the pledge rule, a clerk's record with their activity from
the trail, the registers as CSV or Excel. No number ever appears here."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from mnvault.training import services as training
from mnvault.training.shapes import to_csv, to_xlsx
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(prefix="/training", tags=["training"], responses=SIGNED_IN)
CHANGE = {**WITH_BODY, **problem_responses(404)}

PledgeKindName = Literal["pledge", "work_rules"]


class PlanIn(BaseModel):
    title: Line = Field(min_length=1, max_length=200)
    fiscal_year: int = Field(ge=2000, le=2200)
    article29_2: bool = False


class SessionIn(BaseModel):
    plan_id: uuid.UUID
    held_on: date
    topic: Line = Field(min_length=1, max_length=200)
    material: Text | None = Field(default=None, max_length=2000)


class AttendanceIn(BaseModel):
    logins: list[Line] = Field(max_length=10_000)


class AttendanceCsvIn(BaseModel):
    csv: Text = Field(min_length=1, max_length=1_000_000, description="a 'login' column")


class PledgeIn(BaseModel):
    login: Line = Field(min_length=1, max_length=140)
    kind: PledgeKindName
    signed_on: date


class AcknowledgeIn(BaseModel):
    kind: PledgeKindName


class SettingsIn(BaseModel):
    require_pledge: bool
    training_interval_days: int = Field(ge=1, le=3660)


class ReviewIn(BaseModel):
    login: Line = Field(min_length=1, max_length=140)
    note: Text | None = Field(default=None, max_length=2000)


class Created(BaseModel):
    id: str


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


@router.post("/plans", status_code=201, response_model=Created, responses=WITH_BODY)
def create_plan(request: Request, body: PlanIn) -> Created:
    def work(call: Call) -> Created:
        return Created(
            id=str(training.create_plan(call.session, call.context, **body.model_dump()).id)
        )

    return call(request, work)


@router.get("/sessions")
def sessions(request: Request) -> list[dict[str, Any]]:
    def work(call: Call) -> list[dict[str, Any]]:
        return [
            {
                "id": str(v.session.id),
                "plan_id": str(v.plan.id),
                "plan": v.plan.title,
                "article29_2": v.plan.article29_2,
                "held_at": _when(v.session.held_at),
                "topic": v.session.topic,
                "material": v.session.material,
                "attendees": [str(u) for u in v.attendees],
            }
            for v in training.sessions(call.session, call.context)
        ]

    return call(request, work)


@router.post("/sessions", status_code=201, response_model=Created, responses=CHANGE)
def add_session(request: Request, body: SessionIn) -> Created:
    def work(call: Call) -> Created:
        return Created(
            id=str(training.add_session(call.session, call.context, **body.model_dump()).id)
        )

    return call(request, work)


@router.put("/sessions/{session_id}/attendance", status_code=204, responses=CHANGE)
def set_attendance(request: Request, session_id: uuid.UUID, body: AttendanceIn) -> None:
    """Who attended (the list replaces the session's)."""

    def work(call: Call) -> None:
        ids = [training.member_id(call.session, call.context, login) for login in body.logins]
        training.set_attendance(call.session, call.context, session_id=session_id, user_ids=ids)

    call(request, work)


@router.post("/sessions/{session_id}/attendance.csv", responses=CHANGE)
def import_attendance(
    request: Request, session_id: uuid.UUID, body: AttendanceCsvIn
) -> dict[str, int]:
    """Attendance from CSV text (a ``login`` column), all or nothing."""

    def work(call: Call) -> dict[str, int]:
        data = body.csv.encode("utf-8")
        return {
            "added": training.import_attendance(
                call.session, call.context, session_id=session_id, data=data
            )
        }

    return call(request, work)


@router.get("/due")
def due(request: Request, article29_2: bool = Query(default=False)) -> list[dict[str, Any]]:
    """Who has not attended within the interval (``article29_2``: the Act art. 29-2 training)."""

    def work(call: Call) -> list[dict[str, Any]]:
        return [
            {
                "user_id": str(g.user_id),
                "name": g.name,
                "last": _when(g.last),
                "due_on": _when(g.due_on),
            }
            for g in training.not_attended(call.session, call.context, article29_2=article29_2)
        ]

    return call(request, work)


@router.get("/pledges")
def pledges(request: Request) -> dict[str, Any]:
    """Pledges on record, and the clerks without one."""

    def work(call: Call) -> dict[str, Any]:
        return {
            "pledges": [
                {
                    "id": str(p.id),
                    "user_id": str(p.user_id),
                    "kind": str(p.kind),
                    "method": str(p.method),
                    "signed_at": _when(p.signed_at),
                    "sha256": p.file_sha256,
                }
                for p in training.pledges(call.session, call.context)
            ],
            "without_pledge": [
                str(u) for u, _n in training.without_pledge(call.session, call.context)
            ],
        }

    return call(request, work)


@router.post("/pledges", status_code=201, response_model=Created, responses=CHANGE)
def record_pledge(request: Request, body: PledgeIn) -> Created:
    """A pledge given on paper that day (upload the signed copy on the screen)."""

    def work(call: Call) -> Created:
        user_id = training.member_id(call.session, call.context, body.login)
        row = training.record_pledge(
            call.session, call.context, user_id=user_id, kind=training.PledgeKind(body.kind),
            signed_on=body.signed_on,
        )  # fmt: skip
        return Created(id=str(row.id))

    return call(request, work)


@router.post("/pledges/mine", status_code=201, response_model=Created, responses=WITH_BODY)
def acknowledge(request: Request, body: AcknowledgeIn) -> Created:
    """The signed-in user acknowledges the pledge, now."""

    def work(call: Call) -> Created:
        row = training.acknowledge(call.session, call.context, kind=training.PledgeKind(body.kind))
        return Created(id=str(row.id))

    return call(request, work)


@router.put("/settings", status_code=204, responses=WITH_BODY)
def set_settings(request: Request, body: SettingsIn) -> None:
    """``require_pledge``: no assignment takes effect before the user's pledge is on record."""

    def work(call: Call) -> None:
        training.set_settings(call.session, call.context, **body.model_dump())

    call(request, work)


@router.get("/clerks/{user_id}", responses=problem_responses(404))
def clerk(request: Request, user_id: uuid.UUID) -> dict[str, Any]:
    """A clerk's record for supervision, with their activity in the trail (90 days)."""

    def work(call: Call) -> dict[str, Any]:
        r = training.clerk_record(call.session, call.context, user_id)
        return {
            "user_id": str(r.user_id), "name": r.name, "login": r.login, "roles": r.roles,
            "affairs": r.affairs, "pledges": len(r.pledges),
            "last_training": _when(r.last_training),
            "last_article29_2": _when(r.last_article29_2),
            "activity": [{"action": a, "count": n} for a, n in r.activity],
            "last_seen": _when(r.last_seen), "reviews": len(r.reviews),
        }  # fmt: skip

    return call(request, work)


@router.post("/reviews", status_code=201, response_model=Created, responses=CHANGE)
def review(request: Request, body: ReviewIn) -> Created:
    """The supervisor records that they looked at the clerk's activity."""

    def work(call: Call) -> Created:
        user_id = training.member_id(call.session, call.context, body.login)
        return Created(
            id=str(training.review(call.session, call.context, user_id=user_id, note=body.note).id)
        )

    return call(request, work)


TABLES = ("sessions", "attendance", "due", "pledges")


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}},
)
def export(
    request: Request,
    fmt: Literal["csv", "xlsx"] = Query(default="xlsx", alias="format"),
    table: Literal["sessions", "attendance", "due", "pledges"] = Query(default="sessions"),
) -> Response:
    """The training, due and pledge registers: Excel (every sheet) or one CSV."""

    def work(call: Call) -> bytes:
        tables = training.registers(call.session, call.context)
        return to_xlsx(tables) if fmt == "xlsx" else to_csv(tables[TABLES.index(table)])

    name = "training.xlsx" if fmt == "xlsx" else f"{table}.csv"
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/octet-stream"
    return Response(
        call(request, work), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="mnvault-{name}"'},
    )  # fmt: skip
