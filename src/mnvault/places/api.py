"""JSON routes of the places register (thin): areas and their entry logs, devices, media
take-outs and disposals (事業者編 別添1 2E). Files come as base64 in JSON. No number here."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from mnvault.disposal.contractor import MAX_CERTIFICATE_BYTES
from mnvault.places import services as places
from mnvault.places import shapes
from mnvault.places.errors import InvalidPlace
from mnvault.places.mapping import MAX_BYTES as ENTRY_LOG_MAX_BYTES
from mnvault.web import body_limits
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

# An entry log and a certificate come base64 in JSON on the API (4/3 of the file, and room).
body_limits.upload(r"/api/v1/places/areas/[^/]+/entries", ENTRY_LOG_MAX_BYTES * 3 // 2, framing=0)
body_limits.upload(
    r"/api/v1/places/devices/[^/]+/disposal", MAX_CERTIFICATE_BYTES * 3 // 2, framing=0
)

router = APIRouter(tags=["places"], responses=SIGNED_IN)
BODY_AND_ID = {**WITH_BODY, **problem_responses(404, 409)}
MAX_BASE64 = 28 * 1024 * 1024


def _bytes(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPlace("base64で送ってください", "send the file as base64") from None


class AreaIn(BaseModel):
    name: Line = Field(min_length=1, max_length=100)
    kind: str = Field(max_length=16)
    location: Line = Field(min_length=1, max_length=200)
    measures: list[str] = Field(default_factory=list, max_length=20)
    networks: list[str] = Field(default_factory=list, max_length=50)
    note: Text | None = Field(default=None, max_length=2000)
    active: bool = True


class EntriesIn(BaseModel):
    filename: Line = Field(default="entries.csv", max_length=200)
    mapping: str = Field(default="generic", max_length=50)
    data_base64: str = Field(max_length=MAX_BASE64)


class MappingIn(BaseModel):
    spec: dict[str, Any]


class DeviceIn(BaseModel):
    kind: str = Field(max_length=16)
    label: Line = Field(min_length=1, max_length=100)
    owner_login: Line = Field(min_length=1, max_length=200)
    encryption: str = Field(max_length=16)
    status: str = Field(default="in_use", max_length=16)
    area_id: uuid.UUID | None = None
    note: Text | None = Field(default=None, max_length=2000)


class TakeoutIn(BaseModel):
    device_id: uuid.UUID
    purpose: Text = Field(min_length=1, max_length=2000)
    destination: Line = Field(min_length=1, max_length=200)
    safeguards: list[str] = Field(min_length=1, max_length=10)
    due_back: date | None = None


class DecisionIn(BaseModel):
    approve: bool


class DisposalIn(BaseModel):
    method: str = Field(max_length=32)
    performed_on: date
    performed_by_login: Line = Field(min_length=1, max_length=200)
    contractor_name: Line | None = Field(default=None, max_length=200)
    certificate_base64: str | None = Field(default=None, max_length=MAX_BASE64)
    note: Text | None = Field(default=None, max_length=2000)


@router.get("/places/areas")
def areas(request: Request) -> list[dict[str, Any]]:
    """管理区域・取扱区域, each with whether its networks are enforced by the access conditions."""

    def work(call: Call) -> list[dict[str, Any]]:
        found = []
        for row in places.list_areas(call.session, call.context):
            links = places.network_links(call.session, call.context, row)
            shaped = shapes.area_json(row)
            shaped["network_links"] = [
                {"network": n.network, "enforced": n.enforced} for n in links
            ]
            found.append(shaped)
        return found

    return call(request, work)


@router.post("/places/areas", status_code=201, responses=BODY_AND_ID)
def create_area(request: Request, body: AreaIn) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        return shapes.area_json(places.save_area(call.session, call.context, **body.model_dump()))

    return call(request, work)


@router.put("/places/areas/{area_id}", responses=BODY_AND_ID)
def update_area(request: Request, area_id: uuid.UUID, body: AreaIn) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        row = places.save_area(call.session, call.context, area_id=area_id, **body.model_dump())
        return shapes.area_json(row)

    return call(request, work)


@router.post("/places/areas/{area_id}/entries", status_code=201, responses=BODY_AND_ID)
def import_entries(request: Request, area_id: uuid.UUID, body: EntriesIn) -> dict[str, Any]:
    """Import an access-control CSV export (UTF-8 or cp932) with a mapping: all lines or
    none; a rejection lists each bad line (``lines``)."""
    data = _bytes(body.data_base64)

    def work(call: Call) -> dict[str, Any]:
        row = places.import_entries(
            call.session, call.context, area_id=area_id, filename=body.filename, data=data,
            mapping=body.mapping,
        )  # fmt: skip
        return shapes.import_json(row)

    return call(request, work)


@router.get("/places/mappings")
def mappings(request: Request) -> dict[str, Any]:
    """The column mappings: built-in and the organisation's own."""

    def work(call: Call) -> dict[str, Any]:
        return {
            name: m.as_spec() for name, m in places.mappings(call.session, call.context).items()
        }

    return call(request, work)


@router.put("/places/mappings/{name}", status_code=204, responses=WITH_BODY)
def save_mapping(request: Request, name: str, body: MappingIn) -> None:
    def work(call: Call) -> None:
        places.save_mapping(call.session, call.context, name=name, spec=body.spec)

    call(request, work)


@router.get("/places/devices")
def devices(request: Request) -> list[dict[str, Any]]:
    def work(call: Call) -> list[dict[str, Any]]:
        return [shapes.device_json(row) for row in places.list_devices(call.session, call.context)]

    return call(request, work)


@router.post("/places/devices", status_code=201, responses=BODY_AND_ID)
def create_device(request: Request, body: DeviceIn) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        return shapes.device_json(
            places.save_device(call.session, call.context, **body.model_dump())
        )

    return call(request, work)


@router.put("/places/devices/{device_id}", responses=BODY_AND_ID)
def update_device(request: Request, device_id: uuid.UUID, body: DeviceIn) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        row = places.save_device(
            call.session, call.context, device_id=device_id, **body.model_dump()
        )
        return shapes.device_json(row)

    return call(request, work)


@router.post("/places/devices/{device_id}/disposal", status_code=201, responses=BODY_AND_ID)
def dispose(request: Request, device_id: uuid.UUID, body: DisposalIn) -> dict[str, Any]:
    """Record the disposal (別添1 2E d); a contractor's needs its certificate (PDF/PNG/JPEG)."""
    certificate = _bytes(body.certificate_base64) if body.certificate_base64 else None
    values = body.model_dump(exclude={"certificate_base64"})

    def work(call: Call) -> dict[str, Any]:
        row = places.dispose_device(
            call.session,
            call.envelope,
            call.context,
            device_id=device_id,
            certificate=certificate,
            **values,
        )
        return shapes.disposal_json(row)

    return call(request, work)


@router.get("/places/takeouts")
def takeouts(request: Request) -> list[dict[str, Any]]:
    def work(call: Call) -> list[dict[str, Any]]:
        return [
            shapes.takeout_json(row) for row in places.list_takeouts(call.session, call.context)
        ]

    return call(request, work)


@router.post("/places/takeouts", status_code=201, responses=BODY_AND_ID)
def request_takeout(request: Request, body: TakeoutIn) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        return shapes.takeout_json(
            places.request_takeout(call.session, call.context, **body.model_dump())
        )

    return call(request, work)


@router.post("/places/takeouts/{takeout_id}/decision", responses=BODY_AND_ID)
def decide(request: Request, takeout_id: uuid.UUID, body: DecisionIn) -> dict[str, Any]:
    """A manager other than the asker approves or refuses."""

    def work(call: Call) -> dict[str, Any]:
        row = places.decide_takeout(
            call.session, call.context, takeout_id=takeout_id, approve=body.approve
        )
        return shapes.takeout_json(row)

    return call(request, work)


@router.post("/places/takeouts/{takeout_id}/return", responses=problem_responses(404, 409))
def returned(request: Request, takeout_id: uuid.UUID) -> dict[str, Any]:
    def work(call: Call) -> dict[str, Any]:
        return shapes.takeout_json(
            places.return_takeout(call.session, call.context, takeout_id=takeout_id)
        )

    return call(request, work)


@router.get(
    "/places/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, places.XLSX_MEDIA_TYPE: {}}}},
)
def export(request: Request, format: str = Query(default="xlsx", max_length=8)) -> Response:
    """The register as Excel (areas, devices, take-outs, disposals) or CSV (devices)."""

    def work(call: Call) -> places.Exported:
        return places.export(call.session, call.context, format)

    exported = call(request, work)
    return Response(
        exported.data, media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="mnvault-places.{format}"'},
    )  # fmt: skip
