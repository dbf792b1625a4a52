"""The outsourcing screens (Japanese first): the register of 委託先, one 委託先 from selection to
the end of its contract, the places abroad (別添1 2G) and the SPI file register (別添1 2C c).
Thin: parse, call mnvault.partners, render. No page shows a number."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from mnvault.partners import places, spi_register
from mnvault.partners import services as partners
from mnvault.partners.errors import InvalidPartner
from mnvault.vault.errors import VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
MAX_UPLOAD = 20 * 1024 * 1024 + 1

Work = Callable[[PageCall], Any]


def _day(raw: str, ja: str, en: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidPartner(f"{ja}の形式が正しくありません", f"the {en} is not a date") from None


def _chosen(raw: str) -> uuid.UUID | None:
    """An id chosen from a list ("" for none)."""
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidPartner("選択肢にない値です", "not one of the choices") from None


def _upload(upload: UploadFile | None) -> partners.Upload | None:
    if upload is None or not upload.filename:
        return None
    return partners.Upload(upload.filename, upload.file.read(MAX_UPLOAD))


def _list_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "rows": partners.listing(call.session, call.context),
            "attention": partners.attention(call.session, call.context),
            "affairs": partners.affair_choices(call.session, call.context),
        }

    values = call(request, work) | {"labels": partners.STATE_LABELS, "error": error}
    return render(request, "partners/list.html", values, status=status)


@router.get("/partners")
def listing(request: Request) -> Response:
    return _list_page(request)


@router.post("/partners")
def register(
    request: Request,
    *,
    name: Annotated[str, Form(max_length=200)] = "",
    organisation_code: Annotated[str, Form(max_length=64)] = "",
    country: Annotated[str, Form(max_length=8)] = "JP",
    affairs: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def work(call: PageCall) -> uuid.UUID:
        return partners.register(
            call.session, call.context, name=name, affair_codes=affairs or [],
            organisation_code=organisation_code or None, country=country, note=note or None,
        ).id  # fmt: skip

    try:
        created = call(request, work)
    except VaultError as exc:
        return _list_page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/partners/{created}")


def _detail(
    request: Request, partner_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        row = partners.get(call.session, call.context, partner_id)
        return {
            "row": row,
            "current": partners.current(call.session, row),
            "children": partners.children(call.session, call.context, row.id),
            "supervisions": partners.supervisions(call.session, call.context, row.id),
            "next_due": partners.next_supervision_due(call.session, row),
            "parent": partners.get(call.session, call.context, row.parent_id)
            if row.parent_id
            else None,
        }

    values = call(request, work) | {
        "labels": partners.STATE_LABELS,
        "selection": partners.SELECTION,
        "required": partners.REQUIRED_CLAUSES,
        "desirable": partners.DESIRABLE_CLAUSES,
        "kinds": partners.SUPERVISION_KINDS,
        "kind_labels": {k: (ja, en) for k, ja, en in partners.SUPERVISION_KINDS},
        "hows": partners.RETURN_HOWS,
        "error": error,
    }
    return render(request, "partners/detail.html", values, status=status)


@router.get("/partners/places")
def places_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "places": places.places(call.session, call.context),
            "location": places.location(call.session, call.context),
            "unrecorded": places.foreign_outsourcees_unrecorded(call.session, call.context),
        }

    values = call(request, work) | {"kinds": places.KINDS, "error": error}
    return render(request, "partners/places.html", values, status=status)


def _post_places(request: Request, action: Work) -> Response:
    try:
        call(request, action)
    except VaultError as exc:
        return places_page(request, error=message_of(request, exc), status=422)
    return redirect(request, "/partners/places")


@router.post("/partners/places")
def add_place(
    request: Request,
    *,
    kind: Annotated[str, Form(max_length=16)],
    country: Annotated[str, Form(max_length=8)],
    place: Annotated[str, Form(max_length=200)] = "",
    what: Annotated[str, Form(max_length=2000)] = "",
    safeguards: Annotated[str, Form(max_length=2000)] = "",
    regime_note: Annotated[str, Form(max_length=4000)] = "",
    reviewed_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def work(call: PageCall) -> None:
        places.add_place(
            call.session, call.context, kind=kind, country=country, place=place, what=what,
            safeguards=safeguards, regime_note=regime_note,
            reviewed_on=_day(reviewed_on, "確認日", "review date") or date.today(),
        )  # fmt: skip

    return _post_places(request, work)


@router.post("/partners/places/{place_id}/end")
def end_place(request: Request, place_id: uuid.UUID) -> Response:
    return _post_places(
        request, lambda call: places.end_place(call.session, call.context, place_id)
    )


@router.post("/partners/places/location")
def set_location(
    request: Request,
    *,
    country: Annotated[str, Form(max_length=8)],
    place: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return _post_places(
        request,
        lambda call: places.set_location(call.session, call.context, country=country, place=place),
    )


@router.get("/partners/spi-files")
def spi_files(request: Request, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        editable = call.viewer.has_role("admin")
        return {
            "entries": spi_register.register(call.session, call.context),
            "choices": spi_register.choices(call.session, call.context) if editable else None,
        }

    values = call(request, work) | {
        "kinds": {k: (ja, en) for k, ja, en in spi_register.KINDS},
        "kind_list": spi_register.KINDS,
        "error": error,
    }
    return render(request, "partners/spi_files.html", values, status=status)


@router.post("/partners/spi-files/{spi_file_id}")
def describe_spi_file(
    request: Request,
    spi_file_id: uuid.UUID,
    *,
    kind: Annotated[str, Form(max_length=16)],
    form: Annotated[str, Form(max_length=200)] = "",
    items: Annotated[str, Form(max_length=4000)] = "",
    person_range: Annotated[str, Form(max_length=2000)] = "",
    collection_method: Annotated[str, Form(max_length=2000)] = "",
    responsible: Annotated[str, Form(max_length=36)] = "",
    department: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """Items are typed separated by 、 or commas."""

    def work(call: PageCall) -> None:
        spi_register.describe(
            call.session, call.context, spi_file_id, kind=kind, form=form or None,
            items=[i for i in re.split(r"[、,\n]", items) if i.strip()],
            person_range=person_range or None, collection_method=collection_method or None,
            responsible_user_id=_chosen(responsible), department_id=_chosen(department),
        )  # fmt: skip

    try:
        call(request, work)
    except VaultError as exc:
        return spi_files(request, error=message_of(request, exc), status=422)
    return redirect(request, "/partners/spi-files")


@router.get("/partners/spi-files/export.{fmt}")
def spi_files_export(request: Request, fmt: str) -> Response:
    if fmt not in {"csv", "xlsx"}:
        raise InvalidPartner("形式は csv か xlsx です", "the format is csv or xlsx")

    def work(call: PageCall) -> bytes:
        entries = spi_register.register(call.session, call.context)
        return spi_register.to_csv(entries) if fmt == "csv" else spi_register.to_xlsx(entries)

    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = Response(
        call(request, work), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="spi-files.{fmt}"'},
    )  # fmt: skip
    return finish(request, response)


@router.get("/partners/{partner_id}")
def detail(request: Request, partner_id: uuid.UUID) -> Response:
    return _detail(request, partner_id)


def _post(request: Request, partner_id: uuid.UUID, action: Work, to: str | None = None) -> Response:
    try:
        result = call(request, action)
    except VaultError as exc:
        return _detail(request, partner_id, error=message_of(request, exc), status=422)
    target = result if isinstance(result, uuid.UUID) else partner_id
    return redirect(request, to or f"/partners/{target}")


@router.post("/partners/{partner_id}/selection")
def selection(
    request: Request,
    partner_id: uuid.UUID,
    *,
    checked: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _post(request, partner_id, lambda call: partners.record_selection(
        call.session, call.context, partner_id, checked=checked or [],
        note=note or None))  # fmt: skip


@router.post("/partners/{partner_id}/contract")
def contract(
    request: Request,
    partner_id: uuid.UUID,
    *,
    clauses: Annotated[list[str] | None, Form()] = None,
    start: Annotated[str, Form(max_length=10)] = "",
    end: Annotated[str, Form(max_length=10)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = _upload(document)

    def work(call: PageCall) -> None:
        begun = _day(start, "契約開始日", "start date")
        if begun is None:
            raise InvalidPartner("契約開始日を入力してください", "give the start date")
        partners.record_contract(
            call.session, call.context, partner_id, clauses=clauses or [], start=begun,
            end=_day(end, "契約終了日", "end date"), contract=upload, envelope=call.envelope,
        )  # fmt: skip

    return _post(request, partner_id, work)


@router.post("/partners/{partner_id}/supervision")
def supervision(
    request: Request,
    partner_id: uuid.UUID,
    *,
    kind: Annotated[str, Form(max_length=16)],
    performed_on: Annotated[str, Form(max_length=10)] = "",
    summary: Annotated[str, Form(max_length=4000)] = "",
    findings: Annotated[str, Form(max_length=4000)] = "",
    next_due: Annotated[str, Form(max_length=10)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = _upload(document)

    def work(call: PageCall) -> None:
        partners.record_supervision(
            call.session, call.context, partner_id, kind=kind,
            performed_on=_day(performed_on, "実施日", "date") or date.today(), summary=summary,
            findings=findings or None, next_due=_day(next_due, "次回期限", "next due date"),
            report=upload, envelope=call.envelope,
        )  # fmt: skip

    return _post(request, partner_id, work)


@router.post("/partners/{partner_id}/subcontract")
def subcontract(
    request: Request,
    partner_id: uuid.UUID,
    *,
    name: Annotated[str, Form(max_length=200)] = "",
    organisation_code: Annotated[str, Form(max_length=64)] = "",
    country: Annotated[str, Form(max_length=8)] = "JP",
    affairs: Annotated[list[str] | None, Form()] = None,
) -> Response:
    return _post(request, partner_id, lambda call: partners.request_subcontract(
        call.session, call.context, partner_id, name=name, affair_codes=affairs or [],
        organisation_code=organisation_code or None, country=country).id)  # fmt: skip


@router.post("/partners/{partner_id}/decide")
def decide(
    request: Request, partner_id: uuid.UUID, *, decision: Annotated[str, Form(max_length=16)]
) -> Response:
    return _post(request, partner_id, lambda call: partners.decide_subcontract(
        call.session, call.context, partner_id, approve=decision == "approve"))  # fmt: skip


@router.post("/partners/{partner_id}/end")
def end(
    request: Request, partner_id: uuid.UUID, *, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    return _post(request, partner_id, lambda call: partners.end(
        call.session, call.context, partner_id, reason=reason))  # fmt: skip


@router.post("/partners/{partner_id}/return")
def returned(
    request: Request,
    partner_id: uuid.UUID,
    *,
    how: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=2000)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = _upload(document)

    def work(call: PageCall) -> None:
        partners.record_return(
            call.session, call.context, partner_id, how=how, note=note or None, certificate=upload,
            envelope=call.envelope,
        )  # fmt: skip

    return _post(request, partner_id, work)


@router.get("/partners/files/{attachment_id}")
def download(request: Request, attachment_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> Any:
        return partners.open_file(call.session, call.envelope, call.context, attachment_id)

    filename, media_type, data = call(request, work)
    response = Response(
        data, media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )  # fmt: skip
    return finish(request, response)
