"""JSON routes of the affairs: those the organisation may acquire numbers for, and its own."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs import services as affairs
from mnvault.affairs.models import Affair, AffairKind
from mnvault.web.calls import Call, call
from mnvault.web.fields import AffairCode, Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["affairs"], responses=SIGNED_IN)
CONFLICT = problem_responses(409)


class AffairOut(BaseModel):
    code: str
    kind: AffairKind
    own: bool = Field(description="the organisation's own affair (not the catalogue's)")
    name_ja: str
    name_en: str
    legal_basis: str
    verify_on_egov: bool = Field(
        default=False, description="the basis names a text not in shared/legal (番号法 別表 …)"
    )
    person_kinds: list[str]


class AffairDefineIn(BaseModel):
    code: AffairCode
    kind: AffairKind
    name_ja: Line = Field(min_length=1, max_length=200)
    name_en: Line = Field(min_length=1, max_length=200)
    legal_basis: Text = Field(min_length=1, max_length=1000)
    person_kinds: list[Line] = Field(min_length=1, max_length=5)


def _out(affair: Affair) -> AffairOut:
    return AffairOut(
        code=affair.code,
        kind=AffairKind(affair.kind),
        own=affair.organisation_id is not None,
        name_ja=affair.name_ja,
        name_en=affair.name_en,
        legal_basis=affair.legal_basis,
        verify_on_egov=affairs.egov_mark(affair) is not None,
        person_kinds=list(affair.person_kinds),
    )


@router.get("/affairs", response_model=list[AffairOut])
def list_affairs(request: Request) -> list[AffairOut]:
    """The affairs this organisation may acquire numbers for (利用事務 only where its kind
    may hold them, 番号法第9条)."""

    def work(call: Call) -> list[AffairOut]:
        authorize(call.session, call.context, Permission.AFFAIR_READ)
        return [
            _out(a) for a in affairs.offered_affairs(call.session, call.context.organisation_id)
        ]

    return call(request, work)


@router.post("/affairs", response_model=AffairOut, status_code=201, responses=WITH_BODY | CONFLICT)
def define_affair(request: Request, body: AffairDefineIn) -> AffairOut:
    """Define an affair of the organisation's own (a manager); it grants no number access."""

    def work(call: Call) -> AffairOut:
        made = affairs.define_affair(
            call.session,
            call.context,
            code=body.code,
            kind=body.kind,
            name_ja=body.name_ja,
            name_en=body.name_en,
            legal_basis=body.legal_basis,
            person_kinds=body.person_kinds,
        )
        return _out(made)

    return call(request, work)
