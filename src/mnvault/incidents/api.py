"""JSON routes of the incidents (thin): assess facts, open and follow an incident, its steps,
its impact scope, its drafts and their export. No number appears here: free text is masked
by the services before it is kept or answered."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from mnvault.incidents import services as incidents
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["incidents"], responses=SIGNED_IN)
BODY_AND_INCIDENT = {**WITH_BODY, **problem_responses(404)}


class Flags(BaseModel):
    malicious: bool = False
    public_exposure: bool = False
    strong_encryption: bool = False
    recovered_unviewed: bool = False
    duplicate_exists: bool = False
    outsourcee: bool = False


class IncidentIn(BaseModel):
    title: Line = Field(min_length=1, max_length=200)
    event: str = Field(max_length=32)
    aware_on: date
    unit: Line = Field(min_length=1, max_length=200)
    summary: Text | None = Field(default=None, max_length=4000)
    reporter: Line | None = Field(default=None, max_length=200)
    system: str = Field(default="other", max_length=48)
    systems_note: Text | None = Field(default=None, max_length=2000)
    persons_max: int = Field(default=0, ge=0)
    flags: Flags = Field(default_factory=Flags)


class AwarenessIn(BaseModel):
    unit: Line = Field(min_length=1, max_length=200)
    aware_on: date


class FactsIn(BaseModel):
    event: str | None = Field(default=None, max_length=32)
    system: str | None = Field(default=None, max_length=48)
    persons_max: int | None = Field(default=None, ge=0)
    flags: Flags | None = None
    encryption_note: Text | None = Field(default=None, max_length=2000)
    summary: Text | None = Field(default=None, max_length=4000)


class StepIn(BaseModel):
    owner_id: uuid.UUID | None = None
    start: bool = False
    done: bool = False
    note: Text | None = Field(default=None, max_length=4000)


class ScopeIn(BaseModel):
    since: datetime
    until: datetime
    actor_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None
    address: Line | None = Field(default=None, max_length=64)


class DraftIn(BaseModel):
    edits: dict[str, Text] | None = None


class Created(BaseModel):
    id: str


@router.post("/incidents/assess", responses=WITH_BODY)
def assess(request: Request, facts: dict[str, Any]) -> dict[str, Any]:
    """The 別添2 assessment of facts (the same object as ``mnvault incident assess``)."""
    return call(request, lambda call: incidents.assess_facts(facts))


@router.get("/incidents")
def listing(request: Request) -> list[dict[str, Any]]:
    """The organisation's incidents with their 確報 countdown (managers, auditors, admins)."""

    def work(call: Call) -> list[dict[str, Any]]:
        return [
            {
                "id": str(r.id),
                "title": r.title,
                "event": r.event,
                "aware_date": r.aware_date.isoformat(),
                "reportable": r.reportable,
                "final_report_due": r.final_report_due.isoformat() if r.final_report_due else None,
                "days_to_final": r.days_to_final,
                "closed": r.closed,
            }
            for r in incidents.incidents(call.session, call.context)
        ]

    return call(request, work)


@router.post("/incidents", status_code=201, response_model=Created, responses=WITH_BODY)
def open_incident(request: Request, body: IncidentIn) -> Created:
    """Open an incident (managers)."""

    def work(call: Call) -> Created:
        values = body.model_dump()
        flags = values.pop("flags")
        return Created(
            id=str(incidents.open_incident(call.session, call.context, flags=flags, **values))
        )

    return call(request, work)


@router.get("/incidents/{incident_id}", responses=problem_responses(404))
def show(request: Request, incident_id: uuid.UUID) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        return incidents.incident(call.session, call.context, incident_id).as_json()

    return call(request, work)


@router.post("/incidents/{incident_id}/awareness", status_code=204, responses=BODY_AND_INCIDENT)
def awareness(request: Request, incident_id: uuid.UUID, body: AwarenessIn) -> None:
    call(
        request,
        lambda call: incidents.note_awareness(
            call.session, call.context, incident_id, **body.model_dump()
        ),
    )


@router.patch("/incidents/{incident_id}", status_code=204, responses=BODY_AND_INCIDENT)
def update(request: Request, incident_id: uuid.UUID, body: FactsIn) -> None:
    values = body.model_dump()
    call(
        request,
        lambda call: incidents.update_facts(call.session, call.context, incident_id, **values),
    )


@router.post("/incidents/{incident_id}/steps/{step}", status_code=204, responses=BODY_AND_INCIDENT)
def step(request: Request, incident_id: uuid.UUID, step: str, body: StepIn) -> None:
    values = body.model_dump()
    call(
        request,
        lambda call: incidents.update_step(call.session, call.context, incident_id, step, **values),
    )


@router.post("/incidents/{incident_id}/close", status_code=204, responses=problem_responses(404))
def close(request: Request, incident_id: uuid.UUID) -> None:
    """Close the incident (managers): its countdown leaves the dashboard."""
    call(request, lambda call: incidents.close(call.session, call.context, incident_id))


@router.put("/incidents/{incident_id}/scope", status_code=204, responses=BODY_AND_INCIDENT)
def scope_subject(request: Request, incident_id: uuid.UUID, body: ScopeIn) -> None:
    values = body.model_dump()
    call(
        request,
        lambda call: incidents.set_scope_subject(call.session, call.context, incident_id, **values),
    )


@router.post("/incidents/{incident_id}/scope/refresh", responses=problem_responses(404))
def refresh(request: Request, incident_id: uuid.UUID) -> dict[str, Any]:
    """Recount the impact scope from the trail (needs audit:read too)."""

    def work(call: Call) -> dict[str, Any]:
        found = incidents.refresh_scope(call.session, call.context, incident_id)
        return {"persons": found.persons, "affairs": list(found.affairs), "entries": found.entries}

    return call(request, work)


@router.post("/incidents/{incident_id}/drafts/{kind}", status_code=201, responses=BODY_AND_INCIDENT)
def draft(request: Request, incident_id: uuid.UUID, kind: str, body: DraftIn) -> dict[str, Any]:
    """A new version of a draft filled from the incident (managers)."""

    def work(call: Call) -> dict[str, Any]:
        made = incidents.draft(call.session, call.context, incident_id, kind, edits=body.edits)
        return {
            "id": str(made.id), "kind": made.kind, "version": made.version,
            "sections": [list(s) for s in made.sections],
        }  # fmt: skip

    return call(request, work)


@router.get(
    "/incidents/{incident_id}/drafts/{draft_id}.{fmt}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "application/octet-stream": {}}},
        **problem_responses(404),
    },
)
def export(request: Request, incident_id: uuid.UUID, draft_id: uuid.UUID, fmt: str) -> Response:
    """A draft as PDF or Excel; audited."""
    name, data = call(
        request,
        lambda call: incidents.export_draft(call.session, call.context, incident_id, draft_id, fmt),
    )
    media = "application/pdf" if fmt == "pdf" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )  # fmt: skip
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
