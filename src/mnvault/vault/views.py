"""Screens of the vault: persons (list, search, by number), a person's record, revealing
a number for an affair, acquiring one with identity verification, correcting one.

Thin: parse the form, call services through ``web.signed_in.call``, render. A number
travels only in POST bodies and in the no-store answer to a reveal; a form that fails
is shown again with what was typed, except the number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import User
from mnvault.affairs.models import Affair
from mnvault.affairs.services import my_affairs
from mnvault.vault import browse, identity, labels, link_check, purpose_change, withdrawal
from mnvault.vault import services as vs
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument, PersonKind
from mnvault.web import body_limits, i18n
from mnvault.web.form_errors import message_of as _message
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.problems import RateLimited
from mnvault.web.security import require_csrf
from mnvault.web.signed_in import PageCall, Viewer, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
# Two document images, one for the number and one for identity.
body_limits.upload(r"/persons/[^/]+/acquire", 2 * vs.DOCUMENT_MAX_BYTES)

# How long a revealed number stays on screen before reveal.js hides it again.
REVEAL_SECONDS = 30

# Errors a person causes on a form: shown on that form, which keeps what they typed.
FORM_ERRORS = (VaultError, RateLimited)

Text = Annotated[str, Form(max_length=1000)]


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


# -- the list ------------------------------------------------------------------------------


def _list(
    request: Request, filters: browse.Filters, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "page": browse.search(call.session, call.context, filters),
            "departments": browse.departments(call.session, call.context),
            "affairs": my_affairs(call.session, call.context)
            if call.viewer.has_role("clerk")
            else [],
        }

    values = call(request, work)
    values |= {
        "filters": filters,
        "kinds": labels.PERSON_KINDS,
        "statuses": labels.PERSON_STATUSES,
        "error": error,
    }
    return render(request, "vault/persons.html", values, status=status)


@router.get("/persons")
def persons(request: Request, offset: int = 0) -> Response:
    return _list(request, browse.Filters(offset=offset))


@router.post("/persons")
def search_persons(
    request: Request,
    *,
    q: Text = "",
    kind: Text = "",
    department: Text = "",
    status: Text = "",
    offset: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    """Filters travel in the body: a name typed here never lands in a URL or history."""
    kind = kind if kind in labels.PERSON_KINDS else ""
    status = status if status in labels.PERSON_STATUSES else ""
    filters = browse.Filters(q, kind, _uuid(department), offset, status)
    return _list(request, filters)


@router.post("/persons/lookup")
def lookup(request: Request, my_number: Text = "", affair: Text = "") -> Response:
    """By number, through the blind index; rate-limited and audited (found or not)."""

    def work(call: PageCall) -> Any:
        request.app.state.limits.lookup.hit(call.context.actor_id)
        return vs.lookup(call.session, call.envelope, call.context, number=my_number)

    try:
        person = call(request, work, affair=affair or None)
    except FORM_ERRORS as exc:
        return _list(request, browse.Filters(), error=_message(request, exc), status=422)
    if person is None:
        tr = i18n.translations(i18n.language_of(request))
        return _list(request, browse.Filters(), error=tr.gettext("No person holds that number."))
    return redirect(request, f"/persons/{person.id}")


# -- a new person ----------------------------------------------------------------------------


@dataclass
class PersonForm:
    kind: str = PersonKind.EMPLOYEE.value
    external_ref: str = ""
    name: str = ""
    department: str = ""
    hired_on: str = ""
    # A dependant: the employee's external id and the relation (labels.RELATIONS).
    employee_ref: str = ""
    relation: str = ""


def _new_form(
    request: Request, form: PersonForm, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "departments": browse.departments(call.session, call.context),
            # A dependant's employee, picked (or typed) by 社員番号等.
            "employees": browse.employee_choices(call.session, call.context),
        }

    values = call(request, work) | {
        "form": form, "kinds": labels.PERSON_KINDS, "error": error, "relations": labels.RELATIONS,
    }  # fmt: skip
    return render(request, "vault/person_new.html", values, status=status)


@router.get("/persons/new")
def new_person_page(request: Request) -> Response:
    return _new_form(request, PersonForm())


@router.post("/persons/new")
def new_person(
    request: Request, *, kind: Text = "", external_ref: Text = "", name: Text = "",
    department: Text = "", hired_on: Text = "", employee_ref: Text = "", relation: Text = "",
) -> Response:  # fmt: skip
    known = relation if relation in labels.RELATIONS else ""
    form = PersonForm(kind, external_ref.strip(), name.strip(), department, hired_on,
                      employee_ref.strip(), known)  # fmt: skip
    tr = i18n.translations(i18n.language_of(request))
    if kind not in labels.PERSON_KINDS or not form.external_ref or not form.name:
        error = tr.gettext("Fill in the kind, the external id and the name.")
        return _new_form(request, form, error, 422)
    try:
        start = date.fromisoformat(hired_on) if hired_on else None
    except ValueError:
        return _new_form(request, form, tr.pick("入社日が正しくありません",
                                                "the hire date is not a date"), 422)  # fmt: skip

    def work(call: PageCall) -> uuid.UUID:
        employee = (
            vs.find_person(call.session, call.context, form.employee_ref)
            if form.employee_ref and kind == PersonKind.DEPENDENT
            else None
        )
        person = vs.create_person(
            call.session, call.context, kind=PersonKind(kind), external_ref=form.external_ref,
            name=form.name, department_id=_uuid(department), relationship_start=start,
            related_person_id=employee.id if employee else None,
            relation=form.relation or None,
        )  # fmt: skip
        return person.id

    try:
        person_id = call(request, work)
    except FORM_ERRORS as exc:
        return _new_form(request, form, _message(request, exc), 422)
    return redirect(request, f"/persons/{person_id}?done=created")


# -- a person's record -----------------------------------------------------------------------


@dataclass
class Record:
    summary: vs.PersonSummary
    verified_by: str | None
    history: list[browse.Event]
    corrections: list[browse.Correction]
    documents: list[browse.Document]
    reveal_affairs: list[Affair]
    acquire_affairs: list[Affair]
    # Affairs a manager may withdraw: none while only one is left (then: disposal).
    withdraw_affairs: list[str] = field(default_factory=list)
    # Affairs a manager may add to the number held (利用目的の変更, purpose_change.py).
    add_affairs: list[Affair] = field(default_factory=list)
    hr: browse.HrRecord | None = None

    @property
    def verification_text(self) -> tuple[str, str]:
        v = self.summary.verification
        return identity.describe(v.resolved()) if v else ("—", "—")


def _record(session: Session, context: Context, person_id: uuid.UUID) -> Record:
    summary = vs.summarise_person(session, context, person_id)
    verifier = session.get(User, summary.verification.verified_by) if summary.verification else None
    mine = my_affairs(session, context)
    kind = summary.person.kind
    return Record(
        summary,
        verifier.display_name if verifier else None,
        browse.history(session, context, person_id),
        browse.corrections(session, summary),
        browse.documents(session, summary),
        [a for a in mine if a.code in summary.acquired_for],
        [a for a in mine if kind in a.person_kinds],
        withdrawable(session, context, summary),
        purpose_change.addable(session, context, summary.person, summary.acquired_for),
        browse.hr_record(session, context, summary),
    )


def withdrawable(session: Session, context: Context, summary: vs.PersonSummary) -> list[str]:
    if len(summary.acquired_for) < 2:
        return []
    if not withdrawal.may_withdraw(session, context, summary.person):
        return []
    return summary.acquired_for


def _person_page(
    request: Request,
    person_id: uuid.UUID,
    *,
    number: str | None = None,
    affair: str = "",
    error: str | None = None,
    add_error: str | None = None,
    link_error: str | None = None,
    hr_error: str | None = None,
    status: int = 200,
) -> Response:
    def work(call: PageCall) -> Record:
        return _record(call.session, call.context, person_id)

    record = call(request, work)
    values = {
        "record": record, "person": record.summary.person, "labels": labels,
        "number": number, "revealed_for": affair,
        "reveal_seconds": getattr(request.app.state, "reveal_seconds", REVEAL_SECONDS),
        "withdraw_error": error, "add_error": add_error, "link_error": link_error,
        "notice_methods": purpose_change.NOTICE_LABELS,
        "hr_error": hr_error, "hr_events": labels.HR_EVENTS, "done_messages": DONE,
        "done": request.query_params.get("done", "") if status == 200 else "",
    }  # fmt: skip
    return render(request, "vault/person.html", values, status=status)


@router.get("/persons/{person_id}")
def person(request: Request, person_id: uuid.UUID) -> Response:
    return _person_page(request, person_id)


# What a person's page confirms after a change (?done=…: a key, never data).
DONE: dict[str, tuple[str, str]] = {
    "created": ("本人を登録しました。", "The person is registered."),
    "acquired": ("個人番号を取得しました（監査記録に残りました）。",
                 "The number is acquired (recorded in the audit trail)."),
    "corrected": ("個人番号を訂正しました（監査記録に残りました）。",
                  "The number is corrected (recorded in the audit trail)."),
    "hr": ("記録しました。", "Recorded."),
}  # fmt: skip


@router.post("/persons/{person_id}/hr")
def record_hr(request: Request, person_id: uuid.UUID, event: Text = "", on: Text = "") -> Response:
    """入社, 退職・契約終了, 死亡 (the services the CLI uses: vault.services)."""
    tr = i18n.translations(i18n.language_of(request))
    try:
        day = date.fromisoformat(on)
    except ValueError:
        day = None
    if event not in labels.HR_EVENTS or day is None:
        return _person_page(
            request, person_id, hr_error=tr.pick("事由と日付を入力してください",
                                                 "choose what happened and the date"),
            status=422,
        )  # fmt: skip

    def work(call: PageCall) -> None:
        if event == "hire":
            vs.record_hire(call.session, call.context, person_id=person_id, hired_on=day)
        else:
            vs.end_relationship(
                call.session, call.context, person_id=person_id, ended_on=day,
                cause=vs.RelationshipEnd(event),
            )  # fmt: skip

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _person_page(request, person_id, hr_error=_message(request, exc), status=422)
    return redirect(request, f"/persons/{person_id}?done=hr")


@router.post("/persons/{person_id}/reveal")
def reveal(request: Request, person_id: uuid.UUID, affair: Text = "") -> Response:
    """利用: the number for an affair the clerk holds; audited before it is shown."""

    def work(call: PageCall) -> str:
        return vs.use(call.session, call.envelope, call.context, person_id=person_id)

    if not affair:
        raise AuthorizationDenied(permission="number:read", reason="no affair chosen")
    number = call(request, work, affair=affair)
    return _person_page(request, person_id, number=number, affair=affair)


@router.post("/persons/{person_id}/documents/{document_id}")
def document(
    request: Request, person_id: uuid.UUID, document_id: uuid.UUID, affair: Text = ""
) -> Response:
    """A verification document's image: it shows the number, so it is opened like one
    (an affair the clerk holds, audited) and is never cached or sniffed."""

    def work(call: PageCall) -> Any:
        return vs.open_document(
            call.session, call.envelope, call.context, person_id=person_id, document_id=document_id
        )

    if not affair:
        raise AuthorizationDenied(permission="number:read", reason="no affair chosen")
    opened = call(request, work, affair=affair)
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(opened.content_type, "pdf")
    return Response(
        opened.data,
        media_type=opened.content_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{opened.check}-document.{extension}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# -- acquire and correct ---------------------------------------------------------------------


@dataclass
class NumberForm:
    affairs: list[str] = field(default_factory=list)
    number_check_document: str = ""
    identity_check_document: str = ""
    reason: str = ""
    # 本人確認 as a list (issue #13; vault.identity); the two fields above are the older form.
    documents: list[str] = field(default_factory=list)
    document_note: str = ""
    exemption: str = ""
    agent_authority: str = ""
    agent_documents: list[str] = field(default_factory=list)
    agent_note: str = ""


def _number_form(
    request: Request, person_id: uuid.UUID, template: str, form: NumberForm, *,
    error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    def work(call: PageCall) -> Record:
        return _record(call.session, call.context, person_id)

    record = call(request, work)
    values = {
        "record": record, "person": record.summary.person, "form": form, "error": error,
        "id_documents": identity.DOCUMENTS, "authorities": identity.AUTHORITIES,
        "exemptions": identity.EXEMPTIONS, "mask_warning": identity.MASK_WARNING,
    }  # fmt: skip
    return render(request, template, values, status=status)


def _verification(form: NumberForm, viewer: Viewer) -> vs.IdentityVerification:
    if form.documents or form.exemption or form.agent_authority:
        check = identity.from_fields(
            form.documents, note=form.document_note, exemption=form.exemption,
            agent_authority=form.agent_authority, agent_documents=form.agent_documents,
            agent_note=form.agent_note,
        )  # fmt: skip
        return vs.IdentityVerification(None, None, viewer.user_id, datetime.now(UTC), check)
    try:
        number_doc = NumberCheckDocument(form.number_check_document)
        identity_doc = IdentityCheckDocument(form.identity_check_document)
    except ValueError:
        raise InvalidInput(
            "番号確認と身元確認の書類を選んでください",
            "choose the documents of the number check and the identity check",
        ) from None
    return vs.IdentityVerification(number_doc, identity_doc, viewer.user_id, datetime.now(UTC))


def _listed(
    documents: list[str] | None, note: str, exemption: str, *, authority: str,
    agent_documents: list[str] | None, agent_note: str,
) -> tuple[list[str], str, str, str, list[str], str]:  # fmt: skip
    return (
        list(documents or []),
        note,
        exemption,
        authority,
        list(agent_documents or []),
        agent_note,
    )


def _read(upload: UploadFile | None) -> bytes | None:
    """An uploaded file's bytes (one byte over the limit, so the service can refuse it)."""
    if upload is None or not upload.filename:
        return None
    return upload.file.read(vs.DOCUMENT_MAX_BYTES + 1)


@router.get("/persons/{person_id}/acquire")
def acquire_page(request: Request, person_id: uuid.UUID) -> Response:
    return _number_form(request, person_id, "vault/acquire.html", NumberForm())


@router.post("/persons/{person_id}/acquire")
def acquire(
    request: Request,
    person_id: uuid.UUID,
    *,
    my_number: Text = "",
    affairs: Annotated[list[str] | None, Form()] = None,
    number_check_document: Text = "",
    identity_check_document: Text = "",
    documents: Annotated[list[str] | None, Form()] = None,
    document_note: Text = "",
    verification_exemption: Text = "",
    agent_authority: Text = "",
    agent_documents: Annotated[list[str] | None, Form()] = None,
    agent_note: Text = "",
    number_image: Annotated[UploadFile | None, File()] = None,
    identity_image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = NumberForm(list(affairs or []), number_check_document, identity_check_document, "",
                      *_listed(documents, document_note, verification_exemption,
                               authority=agent_authority, agent_documents=agent_documents,
                               agent_note=agent_note))  # fmt: skip
    images = {"number": _read(number_image), "identity": _read(identity_image)}

    def work(call: PageCall) -> None:
        vs.acquire(
            call.session, call.envelope, call.context, person_id=person_id, number=my_number,
            verification=_verification(form, call.viewer), affair_codes=form.affairs,
        )  # fmt: skip
        # In the same transaction: a document that is refused leaves nothing acquired.
        for check, data in images.items():
            if data is not None:
                vs.store_document(
                    call.session,
                    call.envelope,
                    call.context,
                    person_id=person_id,
                    check=check,
                    data=data,
                )

    try:
        call(request, work, affair=form.affairs[0] if form.affairs else None)
    except FORM_ERRORS as exc:
        error = _message(request, exc)
        return _number_form(request, person_id, "vault/acquire.html", form, error=error, status=422)
    return redirect(request, f"/persons/{person_id}?done=acquired")


@router.get("/persons/{person_id}/correct")
def correct_page(request: Request, person_id: uuid.UUID) -> Response:
    return _number_form(request, person_id, "vault/correct.html", NumberForm())


@router.post("/persons/{person_id}/correct")
def correct(
    request: Request,
    person_id: uuid.UUID,
    *,
    my_number: Text = "",
    affair: Text = "",
    reason: Text = "",
    number_check_document: Text = "",
    identity_check_document: Text = "",
    documents: Annotated[list[str] | None, Form()] = None,
    document_note: Text = "",
    verification_exemption: Text = "",
    agent_authority: Text = "",
    agent_documents: Annotated[list[str] | None, Form()] = None,
    agent_note: Text = "",
) -> Response:
    form = NumberForm([affair] if affair else [], number_check_document,
                      identity_check_document, reason, *_listed(
                          documents, document_note, verification_exemption,
                          authority=agent_authority, agent_documents=agent_documents,
                          agent_note=agent_note))  # fmt: skip

    def work(call: PageCall) -> None:
        vs.correct(
            call.session,
            call.envelope,
            call.context,
            person_id=person_id,
            number=my_number,
            reason=reason,
            verification=_verification(form, call.viewer),
        )

    try:
        call(request, work, affair=affair or None)
    except FORM_ERRORS as exc:
        error = _message(request, exc)
        return _number_form(request, person_id, "vault/correct.html", form, error=error, status=422)
    return redirect(request, f"/persons/{person_id}?done=corrected")


@router.post("/persons/{person_id}/link-check")
def link_check_confirm(request: Request, person_id: uuid.UUID, affair: Text = "") -> Response:
    """A second clerk or a manager confirms the link of the number to the person."""

    def work(call: PageCall) -> None:
        link_check.confirm(call.session, call.context, person_id=person_id)

    if not affair:
        raise AuthorizationDenied(permission="number:acquire", reason="no affair chosen")
    try:
        call(request, work, affair=affair)
    except FORM_ERRORS as exc:
        return _person_page(request, person_id, link_error=_message(request, exc), status=422)
    return redirect(request, f"/persons/{person_id}")


@router.post("/persons/{person_id}/withdraw-affair")
def withdraw_affair(
    request: Request, person_id: uuid.UUID, affair: Text = "", reason: Text = ""
) -> Response:
    """A manager withdraws an affair the number was acquired for by mistake."""

    def work(call: PageCall) -> None:
        withdrawal.withdraw_affair(
            call.session, call.context, person_id=person_id, affair_code=affair, reason=reason
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _person_page(request, person_id, error=_message(request, exc), status=422)
    return redirect(request, f"/persons/{person_id}")


@router.post("/persons/{person_id}/add-affair")
def add_affair(
    request: Request,
    person_id: uuid.UUID,
    *,
    affair: Text = "",
    notified_on: Text = "",
    method: Text = "",
    note: Text = "",
) -> Response:
    """A manager adds an affair to the number held, recording the notice to the person."""

    def work(call: PageCall) -> None:
        try:
            day = date.fromisoformat(notified_on)
            how = purpose_change.NoticeMethod(method)
        except ValueError:
            raise InvalidInput(
                "通知日と通知の方法を指定してください", "give the notice's date and method"
            ) from None
        purpose_change.add_affair(
            call.session, call.context, person_id=person_id, affair_code=affair,
            notified_on=day, method=how, note=note,
        )  # fmt: skip

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _person_page(request, person_id, add_error=_message(request, exc), status=422)
    return redirect(request, f"/persons/{person_id}")
