"""JSON routes for auditors: the questions the trail answers (DESIGN.md §6).

Thin: parse, call mnvault.audit.questions.answers, shape. Every question is a POST with its
subject in the body, so no person id or address sits in a URL or a server log; the
only query parameter is the download format. Each answer is also a CSV or Excel
download (``?format=csv|xlsx``). Nothing here can carry a number: the trail holds none.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mnvault.audit.questions import answers
from mnvault.audit.questions.queries import ActivityKind
from mnvault.audit.questions.tables import MEDIA_TYPES, Format, Table, to_csv, to_xlsx
from mnvault.web.calls import Call, call
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

# Like every route behind web.calls.call: 401, 403, 422, 503 as problem documents.
router = APIRouter(prefix="/audit", tags=["audit"], responses=SIGNED_IN)


class Output(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


OutputQuery = Annotated[
    Output, Query(alias="format", description="json (default), csv or xlsx (a download)")
]
_DOWNLOADS: dict[int | str, dict[str, Any]] = {
    **WITH_BODY,
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            MEDIA_TYPES[Format.XLSX]: {"schema": {"type": "string", "format": "binary"}},
        }
    },
}
# A date covers that whole day; a time without an offset is the organisation's local time.
When = date | datetime
# Addresses as the server records them (IPv4, IPv6, a proxy's host name): nothing else,
# so no control character reaches the database or a spreadsheet.
ADDRESS = r"^[0-9A-Za-z.:\[\]%_-]+$"


class Window(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    since: When | None = Field(default=None, alias="from")
    until: When | None = Field(default=None, alias="to")


class PersonUsageIn(Window):
    """The person by the vault's id or by their external id (社員番号 …): one of the two."""

    person_id: uuid.UUID | None = None
    external_ref: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _names_one_person(self) -> PersonUsageIn:
        if (self.person_id is None) == (self.external_ref is None):
            raise ValueError("name a person_id or an external_ref")
        return self


class ImpactScopeIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    since: When = Field(alias="from")
    until: When = Field(alias="to")
    actor_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None
    client_address: str | None = Field(default=None, min_length=1, max_length=64, pattern=ADDRESS)

    @model_validator(mode="after")
    def _names_someone(self) -> ImpactScopeIn:
        if self.actor_id is None and self.token_id is None and self.client_address is None:
            raise ValueError("name an actor_id, a token_id or a client_address")
        return self


class ActivityIn(Window):
    kinds: list[ActivityKind] = Field(default_factory=list, max_length=len(ActivityKind))


class WindowOut(BaseModel):
    # Serialised as "from" and "to"; FastAPI answers with aliases.
    since: datetime | None = Field(serialization_alias="from")
    until: datetime | None = Field(serialization_alias="to")
    time_zone: str


class UseOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_login: str | None
    action: str
    outcome: str
    affair: str | None
    request_id: str | None
    client_address: str | None


class PersonUsageOut(WindowOut):
    person_id: uuid.UUID
    items: list[UseOut]


class ImpactScopeOut(WindowOut):
    actor_id: uuid.UUID | None
    token_id: uuid.UUID | None
    client_address: str | None
    persons: list[uuid.UUID]
    affairs: list[str]
    entries: int
    first_at: datetime | None
    last_at: datetime | None


class TransferOut(BaseModel):
    kind: ActivityKind
    action: str
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_login: str | None
    affair: str | None
    request_id: str | None
    persons: int


class ActivityOut(WindowOut):
    kinds: list[ActivityKind]
    items: list[TransferOut]


def _download(tables: list[Table], zone: ZoneInfo, output: Output, name: str) -> Response:
    # A CSV file holds one table, the answer's main one; a workbook holds them all.
    if output is Output.CSV:
        content, fmt = to_csv(tables[0], zone), Format.CSV
    else:
        content, fmt = to_xlsx(tables, zone), Format.XLSX
    return Response(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="mnvault-{name}.{fmt.value}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/person-usage",
    response_model=PersonUsageOut,
    # 404: an external id that names no person of this organisation
    responses=_DOWNLOADS | problem_responses(404),
)
def person_usage(
    request: Request, body: PersonUsageIn, output: OutputQuery = Output.JSON
) -> PersonUsageOut | Response:
    """誰がこの本人の番号をいつ何のために利用したか / who used this person's number."""

    def work(call: Call) -> answers.PersonUsage:
        person = body.person_id or body.external_ref
        assert person is not None  # noqa: S101 - the model requires one of them
        return answers.person_usage(
            call.session, call.context, person, since=body.since, until=body.until
        )

    found = call(request, work)
    if output is not Output.JSON:
        return _download(found.tables(), found.zone, output, "person-usage")
    items = [
        UseOut(
            seq=u.seq, occurred_at=u.occurred_at, actor_id=u.actor_id,
            actor_login=found.logins.get(u.actor_id) if u.actor_id else None, action=u.action,
            outcome=u.outcome, affair=u.affair_code, request_id=u.request_id,
            client_address=u.client_address,
        )
        for u in found.uses
    ]  # fmt: skip
    return PersonUsageOut(
        since=found.since, until=found.until, time_zone=found.zone.key,
        person_id=found.person_id, items=items,
    )  # fmt: skip


@router.post("/impact-scope", response_model=ImpactScopeOut, responses=_DOWNLOADS)
def impact_scope(
    request: Request, body: ImpactScopeIn, output: OutputQuery = Output.JSON
) -> ImpactScopeOut | Response:
    """影響範囲の特定: the persons and affairs an account, token or address touched."""

    def work(call: Call) -> answers.Impact:
        return answers.impact(
            call.session, call.context, since=body.since, until=body.until, actor_id=body.actor_id,
            token_id=body.token_id, client_address=body.client_address,
        )  # fmt: skip

    found = call(request, work)
    if output is not Output.JSON:
        return _download(found.tables(), found.zone, output, "impact-scope")
    scope = found.scope
    return ImpactScopeOut(
        since=found.since, until=found.until, time_zone=found.zone.key,
        actor_id=body.actor_id, token_id=body.token_id, client_address=body.client_address,
        persons=scope.persons, affairs=scope.affairs, entries=scope.entries,
        first_at=scope.first_at, last_at=scope.last_at,
    )  # fmt: skip


@router.post("/activity", response_model=ActivityOut, responses=_DOWNLOADS)
def activity(
    request: Request, body: ActivityIn, output: OutputQuery = Output.JSON
) -> ActivityOut | Response:
    """持出し・提供・廃棄等: exports, take-outs, provisions and disposals in a period."""

    def work(call: Call) -> answers.Activity:
        return answers.activity(
            call.session, call.context, body.kinds, since=body.since, until=body.until
        )

    found = call(request, work)
    if output is not Output.JSON:
        return _download(found.tables(), found.zone, output, "activity")
    items = [
        TransferOut(
            kind=ActivityKind(found.kind_of(t.action)), action=t.action,
            occurred_at=t.occurred_at, actor_id=t.actor_id,
            actor_login=found.logins.get(t.actor_id) if t.actor_id else None,
            affair=t.affair_code, request_id=t.request_id, persons=t.persons,
        )
        for t in found.transfers
    ]  # fmt: skip
    return ActivityOut(
        since=found.since, until=found.until, time_zone=found.zone.key, kinds=found.kinds,
        items=items,
    )  # fmt: skip
