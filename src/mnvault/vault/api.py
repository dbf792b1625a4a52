"""JSON routes of the vault: persons, numbers, provisions. Thin: parse, call, shape.

No number ever travels in a URL or query string: numbers go in request bodies, and
the one response that carries a number is marked ``Cache-Control: no-store``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from mnvault.vault import (
    browse,
    exporter,
    identity,
    link_check,
    purpose_change,
    takeout_recipients,
    withdrawal,
)
from mnvault.vault import services as vs
from mnvault.vault.exporter import ExportResult
from mnvault.vault.models import (
    ExportRequest,
    IdentityCheckDocument,
    LifeStatus,
    NumberCheckDocument,
    Person,
    PersonKind,
    RecipientKind,
    TakeOutRecipient,
    TakeOutRecipientKind,
)
from mnvault.vault.outside_takeout import OutsideRecipient
from mnvault.vault.provision import Conditions, Consent
from mnvault.vault.provision_items import Item16Condition, items_for
from mnvault.vault.provision_records import organisation_kind
from mnvault.vault.takeout_file import FileFormat, Header, Protection
from mnvault.web.calls import Call, call, read_call_async
from mnvault.web.fields import AffairCode, Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["vault"], responses=SIGNED_IN)
NOT_FOUND = problem_responses(404)
# 409: a number held for another person or already held here, or one that does not
# decrypt (its ciphertext was moved or altered).
CONFLICT = problem_responses(409)


class PersonIn(BaseModel):
    kind: PersonKind
    external_ref: Line = Field(min_length=1, max_length=64)
    name: Line = Field(min_length=1, max_length=200)
    related_person_id: uuid.UUID | None = None
    life_status: LifeStatus = LifeStatus.LIVING
    relationship_start: date | None = None
    relationship_end: date | None = None


class PersonOut(BaseModel):
    id: uuid.UUID
    kind: str
    external_ref: str
    name: str
    life_status: str
    relationship_start: date | None
    relationship_end: date | None
    number_held: bool = False
    number_masked: str | None = None
    acquired_for: list[str] = []
    link_check_pending: bool = Field(
        default=False, description="紐付けの確認待ち: not provided or exported until checked"
    )


class PersonPage(BaseModel):
    items: list[PersonOut]
    total: int


class DocumentIn(BaseModel):
    document: identity.Document
    description: Text = Field(default="", max_length=500)


class AgentIn(BaseModel):
    """代理人 (施行令第12条第2項): the proof of authority and the agent's identity."""

    authority: identity.Authority
    description: Text = Field(default="", max_length=500)
    identity_documents: list[DocumentIn] = Field(min_length=1, max_length=10)


class Verification(BaseModel):
    """本人確認: ``documents`` (issue #13), or ``exemption``, or the older pair
    ``number_check_document`` + ``identity_check_document``."""

    number_check_document: NumberCheckDocument | None = None
    identity_check_document: IdentityCheckDocument | None = None
    documents: list[DocumentIn] = Field(default=[], max_length=10)
    agent: AgentIn | None = None
    exemption: identity.Exemption | None = None
    verified_at: datetime | None = None


class AcquireIn(BaseModel):
    my_number: str = Field(min_length=1, max_length=40)
    affairs: list[AffairCode] = Field(min_length=1, max_length=20)
    verification: Verification


class AffairIn(BaseModel):
    affair: AffairCode


class NumberOut(BaseModel):
    person_id: uuid.UUID
    affair: str
    my_number: str


class LookupIn(BaseModel):
    my_number: str = Field(min_length=1, max_length=40)
    affair: AffairCode


class LookupOut(BaseModel):
    found: bool
    person: PersonOut | None = None


class CorrectIn(BaseModel):
    my_number: str = Field(min_length=1, max_length=40)
    affair: AffairCode
    reason: Text = Field(min_length=1, max_length=1000)
    verification: Verification


class ConsentIn(BaseModel):
    """番号法第19条第4号: 当該従業者等の同意 — when, naming which recipient and data."""

    given_on: date
    recipient: Line = Field(min_length=1, max_length=200)
    data: Line = Field(min_length=1, max_length=200)


class ProvisionIn(BaseModel):
    affair: AffairCode
    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=10000)
    recipient_kind: RecipientKind
    recipient_name: Line = Field(min_length=1, max_length=200)
    # An item of 番号法第19条 exactly as "番号法第19条第2号" (GET /provision-items).
    legal_basis: Line = Field(min_length=1, max_length=100)
    method: Line = Field(min_length=1, max_length=100)
    consent: ConsentIn | None = None  # 第4号 only
    item16_condition: Item16Condition | None = None  # 第16号 only

    def conditions(self) -> Conditions:
        consent = self.consent
        return Conditions(
            Consent(consent.given_on, consent.recipient, consent.data) if consent else None,
            self.item16_condition,
        )


class ProvisionItemOut(BaseModel):
    basis: str
    number: int
    name_ja: str
    name_en: str
    quote: str
    affair_kind: str | None
    needs_consent: bool
    needs_condition: bool


class ProvisionOut(BaseModel):
    id: uuid.UUID
    persons: int


MASK = "************"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_OFFSET = 2**62


def _out(person: Person, summary: vs.PersonSummary | None = None) -> PersonOut:
    return PersonOut(
        id=person.id,
        kind=person.kind,
        external_ref=person.external_ref,
        name=person.name,
        life_status=person.life_status,
        relationship_start=person.relationship_start,
        relationship_end=person.relationship_end,
        number_held=bool(summary and summary.number_held),
        number_masked=MASK if summary and summary.number_held else None,
        acquired_for=summary.acquired_for if summary else [],
        link_check_pending=bool(summary and summary.link_pending),
    )


def _row_out(row: browse.Row) -> PersonOut:
    """A list's row says what ``GET /persons/{id}`` says of the same person."""
    return _out(row.person).model_copy(
        update={
            "number_held": row.number_held,
            "number_masked": MASK if row.number_held else None,
            "acquired_for": list(row.acquired_for),
        }
    )


def _verification(v: Verification, actor: uuid.UUID) -> vs.IdentityVerification:
    check = None
    if v.documents or v.exemption or v.agent:
        check = identity.Verification(
            tuple(identity.Presented(d.document, d.description) for d in v.documents),
            identity.Agent(
                v.agent.authority,
                tuple(
                    identity.Presented(d.document, d.description)
                    for d in v.agent.identity_documents
                ),
                v.agent.description,
            )
            if v.agent
            else None,
            v.exemption,
        )
    return vs.IdentityVerification(
        v.number_check_document,
        v.identity_check_document,
        actor,
        v.verified_at or datetime.now(UTC),
        check,
    )


@router.get("/persons", response_model=PersonPage)
def list_persons(request: Request, offset: int = 0, limit: int = 50) -> PersonPage:
    # Clamped, not refused; an offset past any table is an empty page, not a database
    # error (SQLite and PostgreSQL take 64-bit offsets).
    offset, limit = min(max(offset, 0), MAX_OFFSET), min(max(limit, 1), 500)

    def work(call: Call) -> PersonPage:
        # The screens' search: the same persons (the actor's reach), the same answers.
        page = browse.search(call.session, call.context, browse.Filters(offset=offset, size=limit))
        return PersonPage(items=[_row_out(row) for row in page.rows], total=page.total)

    return call(request, work)


@router.post("/persons", response_model=PersonOut, status_code=201, responses=WITH_BODY | NOT_FOUND)
def create_person(request: Request, body: PersonIn) -> PersonOut:
    def work(call: Call) -> PersonOut:
        person = vs.create_person(call.session, call.context, **body.model_dump())
        return _out(person)

    return call(request, work)


@router.get("/persons/{person_id}", response_model=PersonOut, responses=NOT_FOUND)
def get_person(request: Request, person_id: uuid.UUID) -> PersonOut:
    def work(call: Call) -> PersonOut:
        summary = vs.summarise_person(call.session, call.context, person_id)
        return _out(summary.person, summary)

    return call(request, work)


@router.post(
    "/persons/{person_id}/number",
    response_model=PersonOut,
    status_code=201,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
def acquire(request: Request, person_id: uuid.UUID, body: AcquireIn) -> PersonOut:
    def work(call: Call) -> PersonOut:
        vs.acquire(
            call.session, call.envelope, call.context, person_id=person_id, number=body.my_number,
            verification=_verification(body.verification, call.context.actor_id),
            affair_codes=list(dict.fromkeys(body.affairs)),  # each affair once
        )  # fmt: skip
        summary = vs.summarise_person(call.session, call.context, person_id)
        return _out(summary.person, summary)

    return call(request, work, affair=body.affairs[0])


@router.post(
    "/persons/{person_id}/number/read",
    response_model=NumberOut,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
async def read_number(request: Request, person_id: uuid.UUID, body: AffairIn) -> Response:
    """利用: the number, for an affair it was acquired for; audited before it is sent."""

    def work(call: Call) -> str:
        return vs.use(
            call.session, call.envelope, call.context, person_id=person_id, audit_later=call.later
        )

    # A read transaction and the group commit: reads no longer queue for the write lock;
    # async, so that a read on SQLite never takes the thread pool (read_call_async).
    number = await read_call_async(request, work, affair=body.affair)
    # NumberOut's fields, encoded here: validating three strings through the response
    # model cost more than the read's authorization (benchmarks/http_read.py).
    content = {"person_id": str(person_id), "affair": body.affair, "my_number": number}
    return Response(
        json.dumps(content, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
        headers=NO_STORE,
    )


@router.post(
    "/numbers/lookup", response_model=LookupOut, responses=WITH_BODY | problem_responses(429)
)
def lookup(request: Request, body: LookupIn) -> LookupOut:
    def work(call: Call) -> LookupOut:
        request.app.state.limits.lookup.hit(call.context.actor_id)
        person = vs.lookup(call.session, call.envelope, call.context, number=body.my_number)
        return LookupOut(found=person is not None, person=_out(person) if person else None)

    return call(request, work, affair=body.affair)


@router.post(
    "/persons/{person_id}/number/corrections",
    response_model=PersonOut,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
def correct(request: Request, person_id: uuid.UUID, body: CorrectIn) -> PersonOut:
    def work(call: Call) -> PersonOut:
        vs.correct(
            call.session,
            call.envelope,
            call.context,
            person_id=person_id,
            number=body.my_number,
            reason=body.reason,
            verification=_verification(body.verification, call.context.actor_id),
        )
        summary = vs.summarise_person(call.session, call.context, person_id)
        return _out(summary.person, summary)

    return call(request, work, affair=body.affair)


@router.post(
    "/provisions", response_model=ProvisionOut, status_code=201, responses=WITH_BODY | NOT_FOUND
)
def provide(request: Request, body: ProvisionIn) -> ProvisionOut:
    persons = list(dict.fromkeys(body.person_ids))  # a person named twice is provided once

    def work(call: Call) -> ProvisionOut:
        provision = vs.provide(
            call.session, call.context, person_ids=persons, recipient_kind=body.recipient_kind,
            recipient_name=body.recipient_name, legal_basis=body.legal_basis, method=body.method,
            conditions=body.conditions(),
        )  # fmt: skip
        return ProvisionOut(id=provision.id, persons=len(persons))

    return call(request, work, affair=body.affair)


@router.get("/provision-items", response_model=list[ProvisionItemOut], responses=SIGNED_IN)
def provision_items(request: Request) -> list[ProvisionItemOut]:
    """The items of 番号法第19条 this organisation may provide under (one table)."""

    def work(call: Call) -> list[ProvisionItemOut]:
        return [
            ProvisionItemOut(
                basis=i.basis, number=i.number, name_ja=i.name_ja, name_en=i.name_en,
                quote=i.quote, affair_kind=i.affair_kind.value if i.affair_kind else None,
                needs_consent=i.needs_consent, needs_condition=i.needs_condition,
            )
            for i in items_for(organisation_kind(call.session, call.context))
        ]  # fmt: skip

    return call(request, work)


# -- exports: a clerk requests, a manager approves, the clerk downloads -----------------


class OutsideIn(BaseModel):
    """A take-out's recipient outside the organisation (another legal entity, even in a
    group): a provision, resting on an item of 番号法第19条."""

    recipient_kind: RecipientKind
    recipient_name: Line = Field(min_length=1, max_length=200)
    legal_basis: Line = Field(min_length=1, max_length=100)
    consent: ConsentIn | None = None  # 第4号 only
    item16_condition: Item16Condition | None = None  # 第16号 only

    def recipient(self) -> OutsideRecipient:
        consent = self.consent
        return OutsideRecipient(
            self.recipient_kind, self.recipient_name, self.legal_basis,
            Conditions(
                Consent(consent.given_on, consent.recipient, consent.data) if consent else None,
                self.item16_condition,
            ),
        )  # fmt: skip


class ExportIn(BaseModel):
    affair: AffairCode
    purpose: Text = Field(min_length=1, max_length=1000)
    protection: Protection = Field(
        Protection.AGE,
        description="age: to `recipient` or `registered_recipient`; excel_passphrase: an Excel "
        "workbook encrypted as Excel does, under a passphrase returned once in the response",
    )
    recipient: Line | None = Field(None, max_length=100, description="age X25519 public key")
    registered_recipient: uuid.UUID | None = Field(
        None, description="a recipient of GET /takeout-recipients"
    )
    file_format: FileFormat = Field(
        FileFormat.CSV,
        description="csv (UTF-8 with a BOM), csv_cp932 or xlsx (every cell text); "
        "excel_passphrase needs xlsx",
    )
    header: Header = Field(
        Header.JAPANESE,
        description="ja: the first line and the kinds as Japanese labels (社員番号等, 区分, 氏名, "
        "個人番号; 従業員 …); codes: as a system reads them (external_ref, kind, name, "
        "my_number; employee …)",
    )
    outside: OutsideIn | None = None


class ExportOut(BaseModel):
    id: uuid.UUID
    state: str
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None


class ExportCreated(ExportOut):
    passphrase: str | None = Field(
        description="excel_passphrase only: the workbook's passphrase, shown this once; pass "
        "it to the recipient by another channel"
    )


class DecisionIn(BaseModel):
    approve: bool


def _export_out(request: ExportRequest) -> ExportOut:
    return ExportOut(
        id=request.id, state=request.state, requested_by=request.requested_by,
        decided_by=request.decided_by,
    )  # fmt: skip


# 404: a registered recipient the organisation does not have (found by the API fuzzing).
@router.post(
    "/exports", response_model=ExportCreated, status_code=201, responses=WITH_BODY | NOT_FOUND
)
def request_export(request: Request, response: Response, body: ExportIn) -> ExportCreated:
    def work(call: Call) -> ExportCreated:
        created = exporter.request_takeout(
            call.session, call.envelope, call.context, purpose=body.purpose,
            protection=body.protection, recipient=body.recipient or "",
            registered_recipient=body.registered_recipient, file_format=body.file_format,
            outside=body.outside.recipient() if body.outside else None, header=body.header,
        )  # fmt: skip
        return ExportCreated(
            **_export_out(created.request).model_dump(), passphrase=created.passphrase
        )

    response.headers["Cache-Control"] = "no-store"
    return call(request, work, affair=body.affair)


class ExportRequestOut(ExportOut):
    affair: str
    purpose: str
    protection: str
    file_format: str
    recipient: str | None
    recipient_name: str | None = Field(description="a registered recipient's name")
    columns: list[str] = Field(description="the file's columns, in order (the approver's preview)")
    header: str = Field(description="ja (Japanese labels) or codes")
    headings: list[str] = Field(description="the file's first line, as it will be written")
    requested_by_name: str
    requested_at: datetime
    person_count: int | None = Field(
        description="persons the file would hold if downloaded now (waiting requests only)"
    )


@router.get("/exports", response_model=list[ExportRequestOut])
def list_exports(request: Request, waiting: bool = False) -> list[ExportRequestOut]:
    """``waiting=true``: every request awaiting a decision (a manager's list, who asked,
    for what and how many persons, before deciding); otherwise one's own requests."""

    def work(call: Call) -> list[ExportRequestOut]:
        views = exporter.export_requests(call.session, call.context, waiting=waiting)
        return [
            ExportRequestOut(
                **_export_out(v.request).model_dump(),
                affair=v.affair.code,
                purpose=v.request.purpose,
                protection=v.request.protection,
                file_format=v.request.file_format,
                recipient=v.request.recipient,
                recipient_name=v.recipient_name,
                columns=list(v.columns),
                header=v.request.header,
                headings=list(v.headings),
                requested_by_name=v.requested_by,
                requested_at=v.request.requested_at,
                person_count=v.person_count,
            )
            for v in views
        ]

    return call(request, work)


@router.post(
    "/exports/{request_id}/decision", response_model=ExportOut, responses=WITH_BODY | NOT_FOUND
)
def decide_export(request: Request, request_id: uuid.UUID, body: DecisionIn) -> ExportOut:
    def work(call: Call) -> ExportOut:
        decided = exporter.decide_export(
            call.session, call.context, request_id=request_id, approve=body.approve
        )
        return _export_out(decided)

    return call(request, work)


@router.post(
    "/exports/{request_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}} | NOT_FOUND | CONFLICT,
)
def download_export(request: Request, request_id: uuid.UUID) -> Response:
    def work(call: Call) -> ExportResult:
        return exporter.download_export(
            call.session, call.envelope, call.context, request_id=request_id
        )

    result = call(request, work)
    return Response(
        content=result.encrypted,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{result.file_name}"',
            "Cache-Control": "no-store",
            "X-Take-Out-Id": result.take_out_id,
            "X-Content-SHA256": result.sha256,
        },
    )


# -- the register of take-out recipients (vault/takeout_recipients.py) -------------------


class TakeOutRecipientIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    kind: TakeOutRecipientKind
    public_key: Line = Field(min_length=10, max_length=100, description="age X25519 public key")


class TakeOutRecipientOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    public_key: str
    created_at: datetime


def _recipient_out(entry: TakeOutRecipient) -> TakeOutRecipientOut:
    return TakeOutRecipientOut(
        id=entry.id, name=entry.name, kind=entry.kind, public_key=entry.public_key,
        created_at=entry.created_at,
    )  # fmt: skip


@router.get("/takeout-recipients", response_model=list[TakeOutRecipientOut])
def list_takeout_recipients(request: Request) -> list[TakeOutRecipientOut]:
    """The organisation's registered take-out recipients and their age public keys."""

    def work(call: Call) -> list[TakeOutRecipientOut]:
        entries = takeout_recipients.recipients(call.session, call.context)
        return [_recipient_out(e) for e in entries]

    return call(request, work)


@router.post(
    "/takeout-recipients", response_model=TakeOutRecipientOut, status_code=201,
    responses=WITH_BODY,
)  # fmt: skip
def add_takeout_recipient(request: Request, body: TakeOutRecipientIn) -> TakeOutRecipientOut:
    """A manager registers a recipient (税理士, 給与計算の委託先, 市区町村…); audited."""

    def work(call: Call) -> TakeOutRecipientOut:
        entry = takeout_recipients.add_recipient(
            call.session, call.context, name=body.name, kind=body.kind,
            public_key=body.public_key,
        )  # fmt: skip
        return _recipient_out(entry)

    return call(request, work)


@router.delete(
    "/takeout-recipients/{recipient_id}", status_code=204, response_class=Response,
    responses=NOT_FOUND,
)  # fmt: skip
def remove_takeout_recipient(request: Request, recipient_id: uuid.UUID) -> Response:
    """A manager retires a recipient; requests already made keep its key; audited."""

    def work(call: Call) -> None:
        takeout_recipients.remove_recipient(call.session, call.context, recipient_id)

    call(request, work)
    return Response(status_code=204)


# -- the second check of a linked number (vault/link_check.py) ---------------------------


class LinkCheckIn(BaseModel):
    affair: AffairCode


@router.post(
    "/persons/{person_id}/number/link-check",
    response_model=PersonOut,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
def confirm_link(request: Request, person_id: uuid.UUID, body: LinkCheckIn) -> PersonOut:
    """A second person confirms that the number and the person go together (紐付けの確認:
    事業者編 別添1 2B 手法の例示; 行政機関等編 別添1 2B, 2C a); 403 for the one who linked it,
    409 when nothing awaits a check."""

    def work(call: Call) -> PersonOut:
        link_check.confirm(call.session, call.context, person_id=person_id)
        summary = vs.summarise_person(call.session, call.context, person_id)
        return _out(summary.person, summary)

    return call(request, work, affair=body.affair)


# -- withdrawing an affair acquired for by mistake (vault/withdrawal.py) -----------------


class WithdrawalIn(BaseModel):
    affair: AffairCode
    reason: Text = Field(min_length=1, max_length=1000)


@router.post(
    "/persons/{person_id}/number/withdrawals",
    response_model=PersonOut,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
def withdraw_affair(request: Request, person_id: uuid.UUID, body: WithdrawalIn) -> PersonOut:
    """Withdraw one affair from the number (a manager); 409 for its last affair (dispose
    of it instead) or an affair it was provided or taken out for."""

    def work(call: Call) -> PersonOut:
        withdrawal.withdraw_affair(
            call.session,
            call.context,
            person_id=person_id,
            affair_code=body.affair,
            reason=body.reason,
        )
        summary = vs.summarise_person(call.session, call.context, person_id)
        return _out(summary.person, summary)

    return call(request, work, affair=body.affair)


# -- adding an affair to a number held: a change of purpose (vault/purpose_change.py) ----


class PurposeChangeIn(BaseModel):
    affair: AffairCode
    notified_on: date = Field(description="本人への通知日 / the day the person was told")
    method: purpose_change.NoticeMethod
    note: Text = Field(default="", max_length=1000)


@router.post(
    "/persons/{person_id}/number/affairs",
    response_model=PersonOut,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
def add_affair(request: Request, person_id: uuid.UUID, body: PurposeChangeIn) -> PersonOut:
    """Add an affair to the number held (a manager), recording the notice to the person
    (事業者編 第4-1-(1) 1 B a); 409 when it is already held for it, 422 for an affair the
    organisation or the person's kind may not have."""

    def work(call: Call) -> PersonOut:
        purpose_change.add_affair(
            call.session,
            call.context,
            person_id=person_id,
            affair_code=body.affair,
            notified_on=body.notified_on,
            method=body.method,
            note=body.note,
        )
        summary = vs.summarise_person(call.session, call.context, person_id)
        return _out(summary.person, summary)

    return call(request, work)
