"""JSON routes of retention and disposal: due list, reminders, rules, batches. Thin.

Nothing here returns a number: a disposal record names persons by id only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from mnvault.deployment.requests import vault_of
from mnvault.disposal import batches
from mnvault.disposal import services as retention
from mnvault.disposal.models import DisposalBatch
from mnvault.disposal.rules import Event, Start
from mnvault.web.calls import Call, call
from mnvault.web.fields import AffairCode, Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["disposal"], responses=SIGNED_IN)
NOT_FOUND = problem_responses(404)


class DueOut(BaseModel):
    person_id: uuid.UUID
    external_ref: str
    kind: str
    life_status: str
    affairs: list[str]
    keep_until: date
    due_on: date


class NoticeOut(BaseModel):
    kind: str
    count: int
    date: date | None
    message_ja: str
    message_en: str


class RuleOut(BaseModel):
    affair_code: str
    document_kind: str
    event: str
    start: str
    years: int
    months: int
    source: str
    mandatory: bool
    origin: str
    looser_reason: str | None


class RuleIn(BaseModel):
    affair_code: AffairCode
    document_kind: Line = Field(default="", max_length=100)
    event: Event
    start: Start = Start.EVENT_DAY
    years: int = Field(ge=0, le=100)
    months: int = Field(default=0, ge=0, le=1200)
    source: Text = Field(min_length=1, max_length=2000)
    looser_reason: Text | None = Field(default=None, max_length=2000)


class BatchIn(BaseModel):
    """Every due number (no ``person_ids``), or the persons named."""

    reason: Text = Field(min_length=1, max_length=2000)
    person_ids: list[uuid.UUID] | None = Field(default=None, max_length=10000)
    early_reason: Text | None = Field(default=None, max_length=2000)
    # The named numbers were never needed (acquired by mistake): no filed document holds
    # them, so no statutory period (事業者編 第4-3-(3)B); needs early_reason.
    never_needed: bool = False
    scheduled_for: datetime | None = None
    as_of: date | None = None


class ConfirmIn(BaseModel):
    """Only for a small business's single responsible person confirming their own batch
    (別添1 2E d): what they checked. Anyone else confirms a batch another person planned."""

    statement: Text | None = Field(default=None, max_length=2000)


class MemberOut(BaseModel):
    person_id: uuid.UUID
    state: str
    affairs: list[str]


class BatchOut(BaseModel):
    id: uuid.UUID
    state: str
    reason: str
    early_reason: str | None
    never_needed: bool
    method: str
    person_count: int
    disposed_count: int
    scheduled_for: datetime | None
    planned_by: uuid.UUID
    planned_at: datetime
    confirmation_required: bool
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None
    confirmation_statement: str | None
    executed_by: uuid.UUID | None
    executed_at: datetime | None
    kek_version_at_disposal: int | None
    kek_versions_destroyed: list[int] | None
    rotation_completed_at: datetime | None
    members: list[MemberOut] | None = None


def _batch_out(batch: DisposalBatch, members: list[MemberOut] | None = None) -> BatchOut:
    fields = {name: getattr(batch, name) for name in BatchOut.model_fields if name != "members"}
    return BatchOut(**fields, members=members)


def _today(as_of: date | None) -> date:
    return as_of or datetime.now(UTC).date()


@router.get("/disposal/due", response_model=list[DueOut])
def due(
    request: Request,
    within_days: int = Query(default=0, ge=0, le=3660),
    as_of: date | None = None,
) -> list[DueOut]:
    def work(call: Call) -> list[DueOut]:
        items = retention.due_list(
            call.session, call.context, today=_today(as_of), within_days=within_days
        )
        return [
            DueOut(
                person_id=i.person_id,
                external_ref=i.external_ref,
                kind=i.kind,
                life_status=i.life_status,
                affairs=list(i.affairs),
                keep_until=i.keep_until,
                due_on=i.due_on,
            )
            for i in items
        ]

    return call(request, work)


@router.get("/disposal/reminders", response_model=list[NoticeOut])
def reminders(
    request: Request,
    lead_days: int = Query(default=retention.DEFAULT_LEAD_DAYS, ge=0, le=3660),
    as_of: date | None = None,
) -> list[NoticeOut]:
    def work(call: Call) -> list[NoticeOut]:
        notices = retention.reminders(
            call.session, call.context, today=_today(as_of), lead_days=lead_days
        )
        return [
            NoticeOut(
                kind=n.kind,
                count=n.count,
                date=n.date,
                message_ja=n.message_ja,
                message_en=n.message_en,
            )
            for n in notices
        ]

    return call(request, work)


@router.get("/disposal/rules", response_model=list[RuleOut])
def rules(request: Request) -> list[RuleOut]:
    def work(call: Call) -> list[RuleOut]:
        return [
            RuleOut(
                affair_code=e.rule.affair_code,
                document_kind=e.rule.document_kind,
                event=e.rule.event.value,
                start=e.rule.start.value,
                years=e.rule.years,
                months=e.rule.months,
                source=e.rule.source,
                mandatory=e.rule.mandatory,
                origin=e.origin,
                looser_reason=e.looser_reason,
            )
            for e in retention.list_rules(call.session, call.context)
        ]

    return call(request, work)


@router.post("/disposal/rules", status_code=201, responses=WITH_BODY | NOT_FOUND)
def add_rule(request: Request, body: RuleIn) -> dict[str, str]:
    def work(call: Call) -> dict[str, str]:
        row = retention.add_rule(call.session, call.context, **body.model_dump())
        return {"id": str(row.id)}

    return call(request, work)


@router.get("/disposal/batches", response_model=list[BatchOut])
def list_batches(request: Request) -> list[BatchOut]:
    def work(call: Call) -> list[BatchOut]:
        return [_batch_out(b) for b in batches.list_batches(call.session, call.context)]

    return call(request, work)


@router.post(
    "/disposal/batches", response_model=BatchOut, status_code=201, responses=WITH_BODY | NOT_FOUND
)
def plan(request: Request, body: BatchIn) -> BatchOut:
    def work(call: Call) -> BatchOut:
        batch = batches.plan(
            call.session,
            call.context,
            today=_today(body.as_of),
            reason=body.reason,
            person_ids=body.person_ids,
            scheduled_for=body.scheduled_for,
            early_reason=body.early_reason,
            never_needed=body.never_needed,
        )
        return _batch_out(batch)

    return call(request, work)


@router.get("/disposal/batches/{batch_id}", response_model=BatchOut, responses=NOT_FOUND)
def get_batch(request: Request, batch_id: uuid.UUID) -> BatchOut:
    def work(call: Call) -> BatchOut:
        batch, members = batches.members_of(call.session, call.context, batch_id=batch_id)
        return _batch_out(
            batch,
            [
                MemberOut(person_id=m.person_id, state=m.state, affairs=m.affair_codes.split(","))
                for m in members
            ],
        )

    return call(request, work)


@router.post("/disposal/batches/{batch_id}/confirm", response_model=BatchOut, responses=NOT_FOUND)
def confirm(request: Request, batch_id: uuid.UUID, body: ConfirmIn | None = None) -> BatchOut:
    """A manager other than the planner confirms (maker-checker; 403 ``planner cannot
    confirm`` otherwise), or a small business's single responsible person with a statement."""
    statement = body.statement if body is not None else None

    def work(call: Call) -> BatchOut:
        return _batch_out(
            batches.confirm(call.session, call.context, batch_id=batch_id, statement=statement)
        )

    return call(request, work)


@router.post("/disposal/batches/{batch_id}/cancel", response_model=BatchOut, responses=NOT_FOUND)
def cancel(request: Request, batch_id: uuid.UUID) -> BatchOut:
    def work(call: Call) -> BatchOut:
        return _batch_out(batches.cancel(call.session, call.context, batch_id=batch_id))

    return call(request, work)


@router.post("/disposal/batches/{batch_id}/run", response_model=BatchOut, responses=NOT_FOUND)
def run(request: Request, batch_id: uuid.UUID) -> BatchOut:
    """Delete, record, rotate the KEK; runs to completion before answering."""
    context = call(request, lambda call: call.context)
    vault = vault_of(request)
    return _batch_out(batches.run(vault.sessions, vault.keyring, context, batch_id=batch_id))
