"""JSON routes of the compliance spine (thin): the state of every measure, the due list,
evidence recorded by hand, per-measure settings. No number ever appears here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from mnvault.compliance import pack
from mnvault.compliance import services as compliance
from mnvault.compliance.shapes import report_json
from mnvault.deployment.requests import vault_of
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["compliance"], responses=SIGNED_IN)
# An unknown measure id (in the body or the path) is "not found".
BODY_AND_MEASURE = {**WITH_BODY, **problem_responses(404)}


class EvidenceIn(BaseModel):
    measure_id: str = Field(min_length=1, max_length=32)
    title: Line = Field(min_length=1, max_length=200)
    performed_at: datetime | None = None
    valid_until: datetime | None = None
    note: Text | None = Field(default=None, max_length=2000)
    file_sha256: str | None = Field(default=None, min_length=64, max_length=64)


class EvidenceOut(BaseModel):
    id: str
    measure_id: str
    recorded_at: datetime


class SettingIn(BaseModel):
    interval_days: int | None = Field(default=None, ge=1, le=compliance.MAX_INTERVAL_DAYS)
    owner_role: str | None = Field(default=None, max_length=32)


@router.get("/compliance")
def status(
    request: Request, state: str | None = Query(default=None, max_length=16)
) -> dict[str, Any]:
    """Every measure that applies to the organisation, with its state, reason and link
    (managers, auditors; admins read). ``state`` filters (overdue, open …)."""

    def work(call: Call) -> dict[str, Any]:
        report = compliance.status(call.session, call.context)
        chosen = [m for m in report.measures if state is None or str(m.state) == state]
        return report_json(report, chosen)

    return call(request, work)


@router.get("/compliance/due")
def due(
    request: Request, within_days: int = Query(default=compliance.DEFAULT_DUE_DAYS, ge=0, le=3660)
) -> dict[str, Any]:
    """Measures overdue now or falling overdue within ``within_days`` days."""

    def work(call: Call) -> dict[str, Any]:
        found = compliance.due(call.session, call.context, within_days=within_days)
        report = compliance.compute(call.session, call.context.organisation_id)
        return report_json(report, found)

    return call(request, work)


@router.post(
    "/compliance/evidence", status_code=201, response_model=EvidenceOut, responses=BODY_AND_MEASURE
)
def record(request: Request, body: EvidenceIn) -> EvidenceOut:
    """Record by hand that a measure is in place (managers)."""

    def work(call: Call) -> EvidenceOut:
        row = compliance.record_evidence(call.session, call.context, **body.model_dump())
        return EvidenceOut(id=str(row.id), measure_id=row.measure_id, recorded_at=row.recorded_at)

    return call(request, work)


@router.put("/compliance/settings/{measure_id}", status_code=204, responses=BODY_AND_MEASURE)
def setting(request: Request, measure_id: str, body: SettingIn) -> None:
    """The organisation's interval and owner for one measure (managers)."""

    def work(call: Call) -> None:
        compliance.set_setting(
            call.session, call.context, measure_id=measure_id, **body.model_dump()
        )

    call(request, work)


@router.post(
    "/compliance/evidence-pack",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def evidence_pack(request: Request) -> Response:
    """The evidence pack as a zip (PDF, workbook, SPI register, trail statement); audited."""
    vault = vault_of(request)

    def work(call: Call) -> bytes:
        built = pack.build(
            call.session,
            call.context,
            engine=vault.engine,
            public_key=vault.keyring.public_signing_key(),
            witness_path=vault.settings.audit_witness_path,
            reports_root=vault.settings.data_dir,
        )
        return pack.to_zip(built)

    return Response(
        call(request, work), media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="mnvault-evidence-pack.zip"'},
    )  # fmt: skip
