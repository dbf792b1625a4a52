"""The places screens (Japanese first): areas with their measures, networks and entry logs;
devices, media and paper; the take-out ledger; disposals. Thin: parse, call
mnvault.places.services, render. No page shows a number."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.disposal.contractor import MAX_CERTIFICATE_BYTES
from mnvault.places import services as places
from mnvault.places.errors import InvalidPlace
from mnvault.places.mapping import MAX_BYTES as ENTRY_LOG_MAX_BYTES
from mnvault.vault.errors import VaultError
from mnvault.web import body_limits
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

body_limits.upload(r"/places/areas/[^/]+/entries", ENTRY_LOG_MAX_BYTES)
body_limits.upload(r"/places/devices/[^/]+/disposal", MAX_CERTIFICATE_BYTES)

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=200)]
Picks = Annotated[list[str] | None, Form()]
MAX_UPLOAD = 20 * 1024 * 1024


def _lists(session: Session, context: Context) -> dict[str, Any]:
    return {
        "kinds": places.KINDS, "measures": places.MEASURES, "device_kinds": places.DEVICE_KINDS,
        "encryptions": places.ENCRYPTIONS, "statuses": places.STATUSES,
        "safeguards": places.SAFEGUARDS, "methods": places.METHODS,
    }  # fmt: skip


def _day(text: str, field_ja: str, field_en: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidPlace(f"{field_ja}の形式", f"{field_en}: YYYY-MM-DD") from None


def _upload(upload: UploadFile | None) -> tuple[str, bytes]:
    if upload is None or not upload.filename:
        return "", b""
    return upload.filename, upload.file.read(MAX_UPLOAD + 1)


# -- areas -------------------------------------------------------------------------------


def _areas_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        areas = places.list_areas(call.session, call.context)
        links = {a.id: places.network_links(call.session, call.context, a) for a in areas}
        return _lists(call.session, call.context) | {"areas": areas, "links": links}

    values = call(request, work) | {"error": error}
    return render(request, "places/areas.html", values, status=status)


@router.get("/places/areas")
def areas(request: Request) -> Response:
    return _areas_page(request)


@router.post("/places/areas")
def create_area(
    request: Request, *, name: Short = "", kind: Short = "", location: Short = "",
    measures: Picks = None, networks: Text = "", note: Text = "",
) -> Response:  # fmt: skip
    def work(call: PageCall) -> uuid.UUID:
        return places.save_area(
            call.session, call.context, name=name, kind=kind, location=location,
            measures=measures or [], networks=networks.split(), note=note or None,
        ).id  # fmt: skip

    try:
        area_id = call(request, work)
    except VaultError as exc:
        return _areas_page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/places/areas/{area_id}")


def _area_page(
    request: Request, area_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        area = places.get_area(call.session, call.context, area_id)
        entries = places.entries_of(call.session, call.context, area_id, limit=200)
        return _lists(call.session, call.context) | {
            "area": area, "links": places.network_links(call.session, call.context, area),
            "imports": places.imports_of(call.session, call.context, area_id), "entries": entries,
            "mappings": places.mappings(call.session, call.context),
        }  # fmt: skip

    values = call(request, work) | {"error": error}
    return render(request, "places/area.html", values, status=status)


@router.get("/places/areas/{area_id}")
def area(request: Request, area_id: uuid.UUID) -> Response:
    return _area_page(request, area_id)


@router.post("/places/areas/{area_id}/entries")
def import_entries(
    request: Request,
    area_id: uuid.UUID,
    *,
    mapping: Annotated[str, Form(max_length=50)] = "generic",
    log: Annotated[UploadFile | None, File()] = None,
) -> Response:
    filename, data = _upload(log)

    def work(call: PageCall) -> None:
        places.import_entries(
            call.session,
            call.context,
            area_id=area_id,
            filename=filename,
            data=data,
            mapping=mapping,
        )

    try:
        call(request, work)
    except VaultError as exc:
        return _area_page(request, area_id, error=message_of(request, exc), status=422)
    return redirect(request, f"/places/areas/{area_id}")


# -- devices -----------------------------------------------------------------------------


def _devices_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        devices = places.list_devices(call.session, call.context)
        areas = places.list_areas(call.session, call.context)
        return _lists(call.session, call.context) | {
            "devices": devices, "areas": {a.id: a for a in areas},
            "logins": places.logins(call.session, {d.owner_id for d in devices}),
            "disposals": {d.device_id: d for d in places.disposals(call.session, call.context)},
        }  # fmt: skip

    values = call(request, work) | {"error": error}
    return render(request, "places/devices.html", values, status=status)


@router.get("/places/devices")
def devices(request: Request) -> Response:
    return _devices_page(request)


@router.post("/places/devices")
def create_device(
    request: Request, *, kind: Short = "", label: Short = "", owner_login: Short = "",
    encryption: Short = "", status: Short = "in_use", area_id: Short = "", note: Text = "",
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        try:
            area = uuid.UUID(area_id) if area_id else None
        except ValueError:
            raise InvalidPlace("保管場所", "place") from None
        places.save_device(
            call.session, call.context, kind=kind, label=label, owner_login=owner_login,
            encryption=encryption, status=status, area_id=area, note=note or None,
        )  # fmt: skip

    try:
        call(request, work)
    except VaultError as exc:
        return _devices_page(request, error=message_of(request, exc), status=422)
    return redirect(request, "/places/devices")


@router.post("/places/devices/{device_id}/disposal")
def dispose(
    request: Request, device_id: uuid.UUID, *, method: Short = "", performed_on: Short = "",
    performed_by_login: Short = "", contractor_name: Short = "", note: Text = "",
    certificate: Annotated[UploadFile | None, File()] = None,
) -> Response:  # fmt: skip
    _name, data = _upload(certificate)

    def work(call: PageCall) -> None:
        places.dispose_device(
            call.session, call.envelope, call.context, device_id=device_id, method=method,
            performed_on=_day(performed_on, "実施日", "performed on"),
            performed_by_login=performed_by_login, contractor_name=contractor_name or None,
            certificate=data or None, note=note or None,
        )  # fmt: skip

    try:
        call(request, work)
    except VaultError as exc:
        return _devices_page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/places/devices#{device_id}")


@router.get("/places/disposals/{disposal_id}/certificate")
def certificate(request: Request, disposal_id: uuid.UUID) -> Response:
    """The contractor's certificate as uploaded, checked against its hash; audited."""

    def work(call: PageCall) -> Any:
        return places.certificate(
            call.session, call.envelope, call.context, disposal_id=disposal_id
        )

    row, data = call(request, work)
    response = Response(
        data, media_type=row.media_type,
        headers={"Content-Disposition": f'attachment; filename="certificate-{disposal_id}"'},
    )  # fmt: skip
    return finish(request, response)


# -- take-outs ---------------------------------------------------------------------------


def _takeouts_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        rows = places.list_takeouts(call.session, call.context)
        devices = places.list_devices(call.session, call.context)
        ids = {r.requested_by for r in rows} | {r.decided_by for r in rows if r.decided_by}
        return _lists(call.session, call.context) | {
            "takeouts": rows, "devices": {d.id: d for d in devices},
            "available": [d for d in devices if d.status in ("in_use", "stored")],
            "logins": places.logins(call.session, ids),
        }  # fmt: skip

    values = call(request, work) | {"error": error}
    return render(request, "places/takeouts.html", values, status=status)


@router.get("/places/takeouts")
def takeouts(request: Request) -> Response:
    return _takeouts_page(request)


@router.post("/places/takeouts")
def request_takeout(
    request: Request, *, device_id: Short = "", purpose: Text = "", destination: Short = "",
    safeguards: Picks = None, due_back: Short = "",
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        try:
            device = uuid.UUID(device_id)
        except ValueError:
            raise InvalidPlace("機器・媒体を選んでください", "choose a device") from None
        places.request_takeout(
            call.session, call.context, device_id=device, purpose=purpose, destination=destination,
            safeguards=safeguards or [],
            due_back=_day(due_back, "返却予定日", "due back") if due_back else None,
        )  # fmt: skip

    try:
        call(request, work)
    except VaultError as exc:
        return _takeouts_page(request, error=message_of(request, exc), status=422)
    return redirect(request, "/places/takeouts")


@router.post("/places/takeouts/{takeout_id}/{step}")
def takeout_step(request: Request, takeout_id: uuid.UUID, step: str) -> Response:
    """approve / refuse (a manager other than the asker) / return."""

    def work(call: PageCall) -> None:
        if step == "return":
            places.return_takeout(call.session, call.context, takeout_id=takeout_id)
        elif step in ("approve", "refuse"):
            places.decide_takeout(
                call.session, call.context, takeout_id=takeout_id, approve=step == "approve"
            )
        else:
            raise InvalidPlace("操作が不明です", "unknown step")

    try:
        call(request, work)
    except VaultError as exc:
        return _takeouts_page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/places/takeouts#{takeout_id}")


@router.get("/places/export")
def export(request: Request, format: Annotated[str, Query(max_length=8)] = "xlsx") -> Response:
    def work(call: PageCall) -> places.Exported:
        return places.export(call.session, call.context, format)

    exported = call(request, work)
    response = Response(
        exported.data, media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="mnvault-places.{format}"'},
    )  # fmt: skip
    return finish(request, response)
