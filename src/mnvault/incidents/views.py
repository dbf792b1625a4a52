"""The incident screens (Japanese first): the list with each 確報 countdown, and the incident
page — awareness, facts and assessment, the six steps, containment, the impact scope and the
drafts. Thin: parse the form, call the services, render. No page shows a number."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from mnvault.deployment.requests import vault_of
from mnvault.incidents import containment, drafts, files
from mnvault.incidents import services as incidents
from mnvault.incidents.facts import EVENT_JA, System
from mnvault.incidents.shapes import FLAGS, SOURCE_KINDS
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])

SYSTEM_JA = {
    System.NETWORK_SYSTEM: "情報提供ネットワークシステム等（規則第2条第1号イ）",
    System.USE_AFFAIR_SYSTEM: "個人番号利用事務の情報システム（同号ロ）",
    System.PUBLIC_BODY_RELATED_AFFAIR_SYSTEM: "行政機関等の関係事務の情報システム（同号ハ）",
    System.OTHER: "その他（事業者の給与システム等）",
}
# The English beside each (the screens' language switch).
EVENT_EN = {
    "leak": "leak",
    "loss": "loss",
    "damage": "damage",
    "leak_suspected": "a feared leak, loss or damage",
    "unlawful_use": "use against Art. 9 of the My Number Act",
    "unlawful_provision": "provision against Art. 19 of the My Number Act",
}
SYSTEM_EN = {
    System.NETWORK_SYSTEM: "the information provision network system etc. (Rule Art. 2 (1) i)",
    System.USE_AFFAIR_SYSTEM: "a number-use affair's information system (ro)",
    System.PUBLIC_BODY_RELATED_AFFAIR_SYSTEM: "a public body's number-related system (ha)",
    System.OTHER: "other (e.g. a company's payroll system)",
}
FLAG_EN = {
    "malicious": "feared unlawful purpose (item 2)",
    "public_exposure": "feared exposure to anyone (item 3)",
    "strong_encryption": "strong encryption or a like measure",
    "recovered_unviewed": "all recovered before anyone viewed it",
    "duplicate_exists": "the same data is kept elsewhere",
    "outsourcee": "we are the outsourcee",
}
FLAG_JA = {
    "malicious": "不正の目的のおそれ（第2号）",
    "public_exposure": "不特定多数に閲覧されるおそれ（第3号）",
    "strong_encryption": "高度な暗号化等の措置あり",
    "recovered_unviewed": "閲覧前に全て回収",
    "duplicate_exists": "同じデータが他に保管",
    "outsourcee": "当組織は委託先",
}


def _day(text: str, what_ja: str, what_en: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what_ja}の形式", f"the {what_en} is invalid") from None


def _common() -> dict[str, Any]:
    return {
        "event_names": {str(k): (v, EVENT_EN[str(k)]) for k, v in EVENT_JA.items()},
        "system_names": {str(k): (v, SYSTEM_EN[k]) for k, v in SYSTEM_JA.items()},
        "flag_names": {k: (v, FLAG_EN[k]) for k, v in FLAG_JA.items()},
        "kinds": drafts.KINDS,
        "acts": containment.ACT_TITLES,
        "user_acts": containment.USER_ACTS,
        "sources": SOURCE_KINDS,
    }


def _list(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {"rows": incidents.incidents(call.session, call.context)}

    values = call(request, work) | _common() | {"error": error}
    return render(request, "incidents/list.html", values, status=status)


@router.get("/incidents")
def listing(request: Request) -> Response:
    return _list(request)


@router.post("/incidents")
def open_incident(
    request: Request,
    *,
    title: Annotated[str, Form(max_length=200)],
    event: Annotated[str, Form(max_length=32)],
    aware_on: Annotated[str, Form(max_length=10)],
    unit: Annotated[str, Form(max_length=200)],
    summary: Annotated[str, Form(max_length=4000)] = "",
    persons_max: Annotated[int, Form(ge=0)] = 0,
    system: Annotated[str, Form(max_length=48)] = "other",
    source_kind: Annotated[str, Form(max_length=32)] = "manual",
    source_ref: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def work(call: PageCall) -> uuid.UUID:
        return incidents.open_incident(
            call.session,
            call.context,
            title=title,
            event=event,
            unit=unit,
            summary=summary or None,
            aware_on=_day(aware_on, "認知日", "aware date"),
            persons_max=persons_max,
            system=system,
            source_kind=source_kind,
            source_ref=source_ref or None,
        )

    try:
        opened = call(request, work)
    except VaultError as exc:
        return _list(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/incidents/{opened}")


def _page(
    request: Request, incident_id: uuid.UUID, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "incident": incidents.incident(call.session, call.context, incident_id),
            "drafts": incidents.draft_list(call.session, call.context, incident_id),
            "members": incidents.members(call.session, call.context),
            "files": files.files(call.session, call.context, incident_id),
            "zone": incidents.zone(call.session, call.context),
        }

    values = call(request, work) | _common() | {"error": error, "flags": FLAGS}
    return render(request, "incidents/page.html", values, status=status)


@router.get("/incidents/{incident_id}")
def page(request: Request, incident_id: uuid.UUID) -> Response:
    return _page(request, incident_id)


def _act(
    request: Request,
    incident_id: uuid.UUID,
    work: Callable[[PageCall], object],
    anchor: str,
) -> Response:
    try:
        call(request, work)
    except VaultError as exc:
        return _page(request, incident_id, error=message_of(request, exc), status=422)
    return redirect(request, f"/incidents/{incident_id}#{anchor}")


@router.post("/incidents/{incident_id}/awareness")
def awareness(
    request: Request,
    incident_id: uuid.UUID,
    *,
    unit: Annotated[str, Form(max_length=200)],
    aware_on: Annotated[str, Form(max_length=10)],
) -> Response:
    def work(call: PageCall) -> None:
        day = _day(aware_on, "認知日", "aware date")
        incidents.note_awareness(call.session, call.context, incident_id, unit=unit, aware_on=day)

    return _act(request, incident_id, work, "awareness")


@router.post("/incidents/{incident_id}/facts")
def facts(
    request: Request,
    incident_id: uuid.UUID,
    *,
    event: Annotated[str, Form(max_length=32)],
    system: Annotated[str, Form(max_length=48)],
    persons_max: Annotated[int, Form(ge=0)],
    flag: Annotated[list[str] | None, Form()] = None,
    encryption_note: Annotated[str, Form(max_length=2000)] = "",
    summary: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    chosen = set(flag or ())

    def work(call: PageCall) -> None:
        incidents.update_facts(
            call.session,
            call.context,
            incident_id,
            event=event,
            system=system,
            persons_max=persons_max,
            flags={k: k in chosen for k in FLAGS},
            encryption_note=encryption_note or None,
            summary=summary or None,
        )

    return _act(request, incident_id, work, "assessment")


@router.post("/incidents/{incident_id}/steps/{step}")
def step(
    request: Request,
    incident_id: uuid.UUID,
    step: str,
    *,
    owner_id: Annotated[str, Form(max_length=36)] = "",
    action: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    def work(call: PageCall) -> None:
        try:
            owner = uuid.UUID(owner_id) if owner_id else None
        except ValueError:
            raise InvalidInput("担当者", "owner") from None
        incidents.update_step(
            call.session, call.context, incident_id, step, owner_id=owner, start=action == "start",
            done=action == "done", note=note or None,
        )  # fmt: skip

    return _act(request, incident_id, work, f"step-{step}")


@router.post("/incidents/{incident_id}/contain")
def contain(
    request: Request,
    incident_id: uuid.UUID,
    *,
    act: Annotated[str, Form(max_length=32)],
    user_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """One containment act; each is authorized by the service that owns it."""
    vault = vault_of(request)
    try:
        chosen = containment.Act(act)
    except ValueError:
        return _page(request, incident_id, error="措置の種類 / unknown act", status=422)
    if chosen is containment.Act.ROTATE_KEYS:
        # Rotation runs its own transactions: take the context, then rotate outside.
        try:
            context = call(request, lambda call: call.context)
            containment.rotate_keys(vault, context, incident_id)
        except VaultError as exc:
            return _page(request, incident_id, error=message_of(request, exc), status=422)
        return redirect(request, f"/incidents/{incident_id}#containment")

    def work(call: PageCall) -> None:
        if chosen is containment.Act.SEAL_SERVER:
            containment.seal_server(vault, call.session, call.context, incident_id)
            return
        try:
            target = uuid.UUID(user_id)
        except ValueError:
            raise InvalidInput("利用者", "user") from None
        containment.contain_user(call.session, call.context, incident_id, chosen, target)

    return _act(request, incident_id, work, "containment")


@router.post("/incidents/{incident_id}/scope")
def scope(
    request: Request,
    incident_id: uuid.UUID,
    *,
    since: Annotated[str, Form(max_length=10)],
    until: Annotated[str, Form(max_length=10)],
    user_id: Annotated[str, Form(max_length=36)] = "",
    address: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The subject of the impact scope; the window's days are the organisation's."""

    def work(call: PageCall) -> None:
        zone = incidents.zone(call.session, call.context)
        first = _day(since, "開始日", "start")
        last = _day(until, "終了日", "end")
        try:
            actor = uuid.UUID(user_id) if user_id else None
        except ValueError:
            raise InvalidInput("利用者", "user") from None
        start = datetime(first.year, first.month, first.day, tzinfo=zone)
        end = datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=zone)
        incidents.set_scope_subject(
            call.session, call.context, incident_id, actor_id=actor, address=address or None,
            since=start.astimezone(UTC), until=end.astimezone(UTC),
        )  # fmt: skip

    return _act(request, incident_id, work, "scope")


@router.post("/incidents/{incident_id}/close")
def close(request: Request, incident_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        incidents.close(call.session, call.context, incident_id)

    return _act(request, incident_id, work, "deadlines")


@router.post("/incidents/{incident_id}/scope/refresh")
def refresh(request: Request, incident_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        incidents.refresh_scope(call.session, call.context, incident_id)

    return _act(request, incident_id, work, "scope")


@router.post("/incidents/{incident_id}/drafts")
def draft(
    request: Request, incident_id: uuid.UUID, *, kind: Annotated[str, Form(max_length=32)]
) -> Response:
    def work(call: PageCall) -> None:
        incidents.draft(call.session, call.context, incident_id, kind)

    return _act(request, incident_id, work, "drafts")


@router.get("/incidents/{incident_id}/drafts/{draft_id}.{fmt}")
def export(request: Request, incident_id: uuid.UUID, draft_id: uuid.UUID, fmt: str) -> Response:
    def work(call: PageCall) -> tuple[str, bytes]:
        return incidents.export_draft(call.session, call.context, incident_id, draft_id, fmt)

    name, data = call(request, work)
    media = "application/pdf" if fmt == "pdf" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )  # fmt: skip
    response = Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
    return finish(request, response)


@router.post("/incidents/{incident_id}/files")
def attach(
    request: Request, incident_id: uuid.UUID, *, upload: Annotated[UploadFile, File()]
) -> Response:
    """Keep a file with the incident, sealed (managers)."""
    data = upload.file.read(files.MAX_BYTES + 1)
    name = upload.filename or "file"

    def work(call: PageCall) -> None:
        files.attach(
            call.session, call.envelope, call.context, incident_id, filename=name, data=data
        )

    return _act(request, incident_id, work, "files")


@router.get("/incidents/{incident_id}/files/{attachment_id}")
def download(request: Request, incident_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> Any:
        return files.open_file(
            call.session, call.envelope, call.context, incident_id, attachment_id
        )

    found, data = call(request, work)
    response = Response(
        data, media_type=found.media_type,
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )  # fmt: skip
    return finish(request, response)
