"""JSON routes of the outsourcing registers (thin): 委託先 from registration to the end of the
contract, 再委託 and its approval, places abroad, the storage location and the SPI file
register. Files travel base64-encoded and are stored sealed. No number ever appears here."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from mnvault.partners import places, spi_register
from mnvault.partners import services as partners
from mnvault.partners.errors import InvalidPartner
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["partners"], responses=SIGNED_IN)
BODY = {**WITH_BODY, **problem_responses(404, 409)}


class FileIn(BaseModel):
    filename: Line = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=1, max_length=28_000_000)


def _upload(file: FileIn | None) -> partners.Upload | None:
    if file is None:
        return None
    try:
        data = base64.b64decode(file.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPartner("ファイルの base64 が正しくありません", "invalid base64") from None
    return partners.Upload(file.filename, data)


class PartnerIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    affair_codes: list[str] = Field(min_length=1, max_length=50)
    organisation_code: str | None = Field(default=None, max_length=64)
    country: str = Field(default="JP", min_length=2, max_length=2)
    spi_file_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    note: Text | None = Field(default=None, max_length=2000)


class SelectionIn(BaseModel):
    checked: list[str] = Field(max_length=20)
    note: Text | None = Field(default=None, max_length=2000)


class ContractIn(BaseModel):
    clauses: list[str] = Field(max_length=20)
    start: date
    end: date | None = None
    contract: FileIn | None = None


class SupervisionIn(BaseModel):
    kind: str = Field(max_length=16)
    performed_on: date
    summary: Text = Field(min_length=1, max_length=4000)
    findings: Text | None = Field(default=None, max_length=4000)
    next_due: date | None = None
    report: FileIn | None = None


class SubcontractIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    affair_codes: list[str] = Field(min_length=1, max_length=50)
    organisation_code: str | None = Field(default=None, max_length=64)
    country: str = Field(default="JP", min_length=2, max_length=2)
    note: Text | None = Field(default=None, max_length=2000)


class DecisionIn(BaseModel):
    approve: bool


class EndIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=2000)


class ReturnIn(BaseModel):
    how: str = Field(max_length=16)
    note: Text | None = Field(default=None, max_length=2000)
    certificate: FileIn | None = None


class PlaceIn(BaseModel):
    kind: str = Field(max_length=16)
    country: str = Field(min_length=2, max_length=2)
    place: Line = Field(min_length=1, max_length=200)
    what: Text = Field(min_length=1, max_length=2000)
    safeguards: Text = Field(min_length=1, max_length=2000)
    regime_note: Text = Field(min_length=1, max_length=4000)
    reviewed_on: date
    outsourcee_id: uuid.UUID | None = None


class LocationIn(BaseModel):
    country: str = Field(min_length=2, max_length=2)
    place: Line = Field(min_length=1, max_length=200)


def partner_json(session: Session, row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "parent_id": str(row.parent_id) if row.parent_id else None,
        "name": row.name,
        "organisation_code": row.organisation_code,
        "country": row.country,
        "state": row.state,
        "current": partners.current(session, row),
        "affair_codes": list(row.affair_codes),
        "selection": dict(row.selection),
        "clauses": dict(row.clauses),
        "contract_start": row.contract_start.isoformat() if row.contract_start else None,
        "contract_end": row.contract_end.isoformat() if row.contract_end else None,
        "contract_sha256": row.contract_sha256,
        "contract_attachment_id": str(row.contract_attachment_id)
        if row.contract_attachment_id
        else None,
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "returned_how": row.returned_how,
        "returned_at": row.returned_at.isoformat() if row.returned_at else None,
    }


def _one(request: Request, act: Any) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        return partner_json(call.session, act(call.session, call.envelope, call.context))

    return call(request, work)


@router.get("/partners")
def listing(request: Request) -> list[dict[str, Any]]:
    """Every 委託先 and 再委託先 of the organisation (managers, admins, auditors)."""

    def work(call: Call) -> list[dict[str, Any]]:
        return [partner_json(call.session, r) for r in partners.listing(call.session, call.context)]

    return call(request, work)


@router.post("/partners", status_code=201, responses=BODY)
def register(request: Request, body: PartnerIn) -> dict[str, Any]:
    return _one(request, lambda s, _e, c: partners.register(
        s, c, name=body.name, affair_codes=body.affair_codes,
        organisation_code=body.organisation_code, country=body.country,
        spi_file_ids=body.spi_file_ids, note=body.note))  # fmt: skip


@router.get("/partners/attention")
def attention(request: Request) -> list[dict[str, Any]]:
    def work(call: Call) -> list[dict[str, Any]]:
        return [
            {"title_ja": a.title_ja, "title_en": a.title_en, "link": a.link,
             "due": a.due.isoformat() if a.due else None, "overdue": a.overdue}
            for a in partners.attention(call.session, call.context)
        ]  # fmt: skip

    return call(request, work)


@router.get("/partners/places")
def list_places(request: Request) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        found = places.location(call.session, call.context)
        return {
            "location": None if found is None else {"country": found.country, "place": found.place,
                                                    "abroad": found.abroad},
            "places": [
                {"id": str(p.id), "kind": p.kind, "country": p.country, "place": p.place,
                 "what": p.what, "safeguards": p.safeguards, "regime_note": p.regime_note,
                 "reviewed_on": p.reviewed_on.isoformat()}
                for p in places.places(call.session, call.context)
            ],
        }  # fmt: skip

    return call(request, work)


@router.post("/partners/places", status_code=201, responses=BODY)
def add_place(request: Request, body: PlaceIn) -> dict[str, str]:
    def work(call: Call) -> dict[str, str]:
        row = places.add_place(call.session, call.context, **body.model_dump())
        return {"id": str(row.id)}

    return call(request, work)


@router.post("/partners/places/{place_id}/end", responses=BODY)
def end_place(request: Request, place_id: uuid.UUID) -> dict[str, str]:
    def work(call: Call) -> dict[str, str]:
        return {"id": str(places.end_place(call.session, call.context, place_id).id)}

    return call(request, work)


@router.put("/partners/location", responses=BODY)
def set_location(request: Request, body: LocationIn) -> dict[str, str]:
    def work(call: Call) -> dict[str, str]:
        row = places.set_location(
            call.session, call.context, country=body.country, place=body.place
        )
        return {"country": row.country, "place": row.place}

    return call(request, work)


SPI_KEYS = (
    "kind", "form", "name", "purpose", "affairs", "responsible", "department", "items",
    "person_range", "collection_method", "access_holders", "disposed", "pending", "last_disposal",
)  # fmt: skip


@router.get("/partners/spi-files")
def spi_files(request: Request) -> list[dict[str, Any]]:
    """The SPI file register with live access holders and disposal status."""

    def work(call: Call) -> list[dict[str, Any]]:
        entries = spi_register.register(call.session, call.context)
        return [
            {"id": str(e.id), **dict(zip(SPI_KEYS, row, strict=True))}
            for e, row in zip(entries, spi_register.rows(entries), strict=True)
        ]

    return call(request, work)


class SpiFileIn(BaseModel):
    kind: str = Field(max_length=16)
    form: Line | None = Field(default=None, max_length=200)
    items: list[Line] = Field(default_factory=list, max_length=100)
    person_range: Text | None = Field(default=None, max_length=2000)
    collection_method: Text | None = Field(default=None, max_length=2000)
    responsible_user_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None


@router.put("/partners/spi-files/{spi_file_id}", responses=BODY)
def describe_spi_file(request: Request, spi_file_id: uuid.UUID, body: SpiFileIn) -> dict[str, str]:
    """Complete a file's entry (admins: spi_file:manage)."""

    def work(call: Call) -> dict[str, str]:
        row = spi_register.describe(call.session, call.context, spi_file_id, **body.model_dump())
        return {"id": str(row.id)}

    return call(request, work)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/partners/spi-files.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}}
)
def spi_files_xlsx(request: Request) -> Response:
    def work(call: Call) -> bytes:
        return spi_register.to_xlsx(spi_register.register(call.session, call.context))

    return Response(call(request, work), media_type=XLSX)


@router.get("/partners/{partner_id}", responses=problem_responses(404))
def get(request: Request, partner_id: uuid.UUID) -> dict[str, Any]:
    return _one(request, lambda s, _e, c: partners.get(s, c, partner_id))


@router.post("/partners/{partner_id}/selection", responses=BODY)
def selection(request: Request, partner_id: uuid.UUID, body: SelectionIn) -> dict[str, Any]:
    return _one(request, lambda s, _e, c: partners.record_selection(
        s, c, partner_id, checked=body.checked, note=body.note))  # fmt: skip


@router.post("/partners/{partner_id}/contract", responses=BODY)
def contract(request: Request, partner_id: uuid.UUID, body: ContractIn) -> dict[str, Any]:
    return _one(request, lambda s, e, c: partners.record_contract(
        s, c, partner_id, clauses=body.clauses, start=body.start, end=body.end,
        contract=_upload(body.contract), envelope=e))  # fmt: skip


@router.post("/partners/{partner_id}/supervisions", status_code=201, responses=BODY)
def supervision(request: Request, partner_id: uuid.UUID, body: SupervisionIn) -> dict[str, str]:
    def work(call: Call) -> dict[str, str]:
        row = partners.record_supervision(
            call.session, call.context, partner_id, kind=body.kind, performed_on=body.performed_on,
            summary=body.summary, findings=body.findings, next_due=body.next_due,
            report=_upload(body.report), envelope=call.envelope,
        )  # fmt: skip
        return {"id": str(row.id), "sha256": row.file_sha256 or ""}

    return call(request, work)


@router.post("/partners/{partner_id}/subcontracts", status_code=201, responses=BODY)
def subcontract(request: Request, partner_id: uuid.UUID, body: SubcontractIn) -> dict[str, Any]:
    return _one(request, lambda s, _e, c: partners.request_subcontract(
        s, c, partner_id, name=body.name, affair_codes=body.affair_codes,
        organisation_code=body.organisation_code, country=body.country,
        note=body.note))  # fmt: skip


@router.post("/partners/{partner_id}/decision", responses=BODY)
def decide(request: Request, partner_id: uuid.UUID, body: DecisionIn) -> dict[str, Any]:
    return _one(request, lambda s, _e, c: partners.decide_subcontract(
        s, c, partner_id, approve=body.approve))  # fmt: skip


@router.post("/partners/{partner_id}/end", responses=BODY)
def end(request: Request, partner_id: uuid.UUID, body: EndIn) -> dict[str, Any]:
    return _one(request, lambda s, _e, c: partners.end(s, c, partner_id, reason=body.reason))


@router.post("/partners/{partner_id}/return", responses=BODY)
def returned(request: Request, partner_id: uuid.UUID, body: ReturnIn) -> dict[str, Any]:
    return _one(request, lambda s, e, c: partners.record_return(
        s, c, partner_id, how=body.how, note=body.note,
        certificate=_upload(body.certificate), envelope=e))  # fmt: skip
