"""Screens of transfers in and out of the vault: CSV import (取込み), take-outs (持出し:
request, a manager's approval, the requester's download) and provisions (提供).

Thin: parse the form, call the vault's services through ``web.signed_in.call``,
render. No number travels in a URL; a form that fails keeps what was typed, except a
number (none of these forms asks for one) and the file (a browser never re-fills one).
"""

from __future__ import annotations

import csv
import io
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.affairs.models import Affair
from mnvault.affairs.services import my_affairs
from mnvault.numbers import redact
from mnvault.transfer.jobs import ImportJobs, WebImport
from mnvault.vault import browse, exporter, labels, takeout_recipients
from mnvault.vault import services as vs
from mnvault.vault.csvfile import COLUMNS, REQUIRED, Encoding
from mnvault.vault.errors import InvalidInput, NotFound, VaultError
from mnvault.vault.importer import ImportMode, check_import_rate
from mnvault.vault.models import RecipientKind
from mnvault.vault.outside_takeout import OutsideRecipient
from mnvault.vault.provision import Conditions, Consent
from mnvault.vault.provision_items import Item16Condition, items_for
from mnvault.vault.provision_records import organisation_kind
from mnvault.vault.takeout_file import COLUMN_LABELS, FileFormat, Header, Protection
from mnvault.web import body_limits, i18n
from mnvault.web.form_errors import message_of as _message
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, form_nonce, form_token, require_csrf
from mnvault.web.signed_in import PageCall, call
from mnvault.web.views import UPLOAD_IN_MEMORY

# The largest upload: what the multipart parser keeps in memory (web.views.mount), so a
# CSV of numbers is never spooled to a temporary file. About 50,000 persons; larger
# files go through ``mnvault import persons``.
IMPORT_MAX_BYTES = UPLOAD_IN_MEMORY
body_limits.upload(r"/imports/new", IMPORT_MAX_BYTES)


class TooLarge(VaultError):
    message_ja = "ファイルが大きすぎます（最大 6 MB）。mnvault import persons を使ってください"
    message_en = "the file is too large (6 MB at most); use mnvault import persons"


async def limit_body(request: Request) -> None:
    """Refuse a body the parser would spool to disk, before anything of it is read."""
    if request.method != "POST":
        return
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > IMPORT_MAX_BYTES:
        raise TooLarge()


# limit_body first: require_csrf reads (parses) the form.
router = APIRouter(route_class=PageRoute, dependencies=[Depends(limit_body), Depends(require_csrf)])

Text = Annotated[str, Form(max_length=1000)]
MANAGERS = frozenset({Role.MANAGER.value, Role.CHIEF_OFFICER.value,
                      Role.PROTECTION_MANAGER.value})  # fmt: skip


_JOBS_LOCK = threading.Lock()


def _jobs(request: Request) -> ImportJobs:
    """The app's import jobs (one registry per app, so tests and servers don't share)."""
    with _JOBS_LOCK:
        jobs: ImportJobs | None = getattr(request.app.state, "import_jobs", None)
        if jobs is None:
            jobs = request.app.state.import_jobs = ImportJobs()
    return jobs


def _affairs(request: Request) -> list[Affair]:
    def work(call: PageCall) -> list[Affair]:
        return my_affairs(call.session, call.context)

    return call(request, work)


# -- import -------------------------------------------------------------------------------


@dataclass
class ImportForm:
    affair: str = ""
    mode: str = ImportMode.SKIP_BAD.value
    encoding: str = Encoding.AUTO.value


def _import_form(
    request: Request, form: ImportForm, error: str | None = None, status: int = 200
) -> Response:
    values = {
        "form": form, "affairs": _affairs(request), "error": error, "columns": COLUMNS,
        "required": REQUIRED, "max_mb": IMPORT_MAX_BYTES // (1024 * 1024),
    }  # fmt: skip
    return render(request, "transfer/import_new.html", values, status=status)


@router.get("/imports/new")
def import_page(request: Request) -> Response:
    return _import_form(request, ImportForm())


@router.post("/imports/new")
async def start_import(request: Request) -> Response:
    # Read by hand (no Form parameters): FastAPI would parse the body before limit_body.
    fields = await request.form()
    affair, mode, upload = fields.get("affair"), fields.get("mode"), fields.get("file")
    encoding = fields.get("encoding")
    form = ImportForm(
        affair if isinstance(affair, str) else "",
        mode if mode in {m.value for m in ImportMode} else ImportMode.SKIP_BAD.value,
        encoding if encoding in {e.value for e in Encoding} else Encoding.AUTO.value,
    )
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    tr = i18n.translations(i18n.language_of(request))
    return await _start(request, form, data, filename[:200], tr)


async def _start(
    request: Request, form: ImportForm, data: bytes, filename: str, tr: i18n.Translations
) -> Response:
    def work(call: PageCall) -> WebImport | str:
        if form.affair not in {a.code for a in my_affairs(call.session, call.context)}:
            return tr.gettext("Choose an affair you are assigned to.")
        if not data:
            return tr.gettext("Choose a CSV file (UTF-8).")
        check_import_rate(call.session, call.context)  # here, so that the form says so
        vault = request.app.state.vault
        return _jobs(request).start(
            vault, call.context, data=data, filename=filename, affairs=[form.affair],
            mode=ImportMode(form.mode), encoding=Encoding(form.encoding),
        )  # fmt: skip

    try:
        started = await run_in_threadpool(call, request, work)
    except VaultError as exc:
        return await run_in_threadpool(_import_form, request, form, _message(request, exc), 422)
    if isinstance(started, str):
        return await run_in_threadpool(_import_form, request, form, started, 422)
    return redirect(request, f"/imports/{started.id}")


def _own_job(request: Request, job_id: str) -> WebImport:
    def work(call: PageCall) -> WebImport | None:
        return _jobs(request).get(job_id, call.viewer.user_id)

    job = call(request, work)
    if job is None:
        raise NotFound("取込み", "import")
    return job


@router.get("/imports/{job_id}")
def import_job(request: Request, job_id: str) -> Response:
    job = _own_job(request, job_id)
    # The state first: the job's thread sets the report before it marks the job done.
    state, percent, counted = job.state, job.percent, job.errors_counted
    errors = _jobs(request).errors(job)
    values = {
        "job": job, "state": state, "percent": percent, "counted": counted,
        "report": job.report, "errors": errors[:200], "shown": min(200, len(errors)),
    }  # fmt: skip
    return render(request, "transfer/import_job.html", values)


@router.get("/imports/{job_id}/errors.csv")
def import_errors(request: Request, job_id: str) -> Response:
    """The line-numbered error report; reasons only, never a field's content."""
    job = _own_job(request, job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("line", "reason_ja", "reason_en"))
    for err in _jobs(request).errors(job):
        writer.writerow((err.line, err.reason_ja, err.reason_en))
    response = Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),  # a BOM, so Excel reads UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="import-errors.csv"'},
    )
    return finish(request, response)


# -- take-outs ------------------------------------------------------------------------------


@dataclass
class ExportForm:
    affair: str = ""
    purpose: str = ""
    recipient: str = ""
    # age: to the key typed or the registered recipient chosen; excel_passphrase: an
    # Excel workbook under a passphrase the vault generates and shows once.
    protection: str = Protection.AGE.value
    registered_recipient: str = ""
    file_format: str = FileFormat.CSV.value
    # A recipient outside the organisation makes the take-out a provision (番号法第19条).
    outside_recipient_name: str = ""
    outside_recipient_kind: str = RecipientKind.OTHER.value
    outside_basis: str = ""
    # 第4号: the person's consent (when, naming the recipient and the data); 第16号: which
    # of its alternatives applies — the service asks for them (vault/provision.py).
    consent_given_on: str = ""
    consent_recipient: str = ""
    consent_data: str = ""
    item16_condition: str = ""
    header: str = Header.JAPANESE.value

    def outside(self) -> OutsideRecipient | None:
        if not self.outside_recipient_name and not self.outside_basis:
            return None
        try:
            kind = RecipientKind(self.outside_recipient_kind)
        except ValueError:
            raise InvalidInput("提供先の種別が正しくありません", "invalid recipient kind") from None
        conditions = conditions_of(
            self.consent_given_on, self.consent_recipient, self.consent_data,
            self.item16_condition,
        )  # fmt: skip
        return OutsideRecipient(kind, self.outside_recipient_name, self.outside_basis, conditions)

    def choice(self) -> tuple[Protection, FileFormat, str, uuid.UUID | None]:
        """The service's options from the form's three ways: a key typed, a registered
        recipient, or a passphrase-protected workbook."""
        try:
            file_format = FileFormat(self.file_format)
            if self.protection == REGISTERED:
                registered = uuid.UUID(self.registered_recipient)
                return Protection.AGE, file_format, "", registered
            protection = Protection(self.protection)
        except ValueError:
            raise InvalidInput(
                "持出しの方法と受取人を選んでください", "choose how and to whom to send it"
            ) from None
        if protection == Protection.EXCEL_PASSPHRASE:
            return protection, FileFormat.XLSX, "", None
        return protection, file_format, self.recipient, None


# The form's third way: an age key from the organisation's register.
REGISTERED = "registered"


def _exports(
    request: Request, form: ExportForm, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        managing = bool(call.viewer.roles & MANAGERS)
        return {
            "affairs": my_affairs(call.session, call.context),
            "mine": exporter.export_requests(call.session, call.context, waiting=False),
            "waiting": exporter.export_requests(call.session, call.context, waiting=True)
            if managing else None,
            "items": items_for(organisation_kind(call.session, call.context)),
            "registered": takeout_recipients.recipients(call.session, call.context),
        }  # fmt: skip

    values = call(request, work) | {
        "form": form, "error": error, "labels": labels, "kinds": takeout_recipients.KIND_LABELS,
        "formats": FORMAT_LABELS, "headers": HEADER_LABELS, "form_token": form_token(request),
    }  # fmt: skip
    return render(request, "transfer/exports.html", values, status=status)


FORMAT_LABELS = {
    FileFormat.CSV.value: ("CSV（UTF-8、BOM 付き）", "CSV (UTF-8 with a BOM)"),
    FileFormat.XLSX.value: ("Excel（.xlsx、全セル文字列）", "Excel (.xlsx, every cell text)"),
    FileFormat.CSV_CP932.value: ("CSV（Shift_JIS / cp932）", "CSV (Shift_JIS / cp932)"),
}


HEADER_LABELS = {
    Header.JAPANESE.value: (
        "日本語（社員番号等・区分・氏名・個人番号、区分は「従業員」など）",
        "Japanese labels (社員番号等, 区分, 氏名, 個人番号; kinds such as 従業員)",
    ),
    Header.CODES.value: (
        "英字のコード（受取側のシステム向け）",
        "English codes (for the recipient's system)",
    ),
}


@router.get("/exports")
def exports(request: Request) -> Response:
    return _exports(request, ExportForm())


@router.post("/exports")
def request_export(
    request: Request, *, affair: Text = "", purpose: Text = "", recipient: Text = "",
    protection: Text = "", registered_recipient: Text = "", file_format: Text = "",
    outside_recipient_name: Text = "", outside_recipient_kind: Text = "",
    outside_basis: Text = "", consent_given_on: Text = "", consent_recipient: Text = "",
    consent_data: Text = "", item16_condition: Text = "", header: Text = "",
    form_token: Text = "",
) -> Response:  # fmt: skip
    form = ExportForm(
        affair, purpose.strip(), recipient.strip(), protection or Protection.AGE.value,
        registered_recipient, file_format or FileFormat.CSV.value,
        outside_recipient_name.strip(), outside_recipient_kind or RecipientKind.OTHER.value,
        outside_basis, consent_given_on, consent_recipient.strip(), consent_data.strip(),
        item16_condition, header if header in HEADER_LABELS else Header.JAPANESE.value,
    )  # fmt: skip
    # The form's one-time token: sent again, it answers with the request it made.
    nonce = form_nonce(request, form_token)

    def work(call: PageCall) -> exporter.NewRequest:
        if form.affair not in {a.code for a in my_affairs(call.session, call.context)}:
            raise NotHeldAffair()
        chosen, file_type, key, registered = form.choice()
        return exporter.request_takeout(
            call.session, call.envelope, call.context.for_affair(form.affair),
            purpose=form.purpose, protection=chosen, recipient=key,
            registered_recipient=registered, file_format=file_type, outside=form.outside(),
            header=Header(form.header), form_nonce=nonce,
        )  # fmt: skip

    try:
        created = call(request, work)
    except VaultError as exc:
        # The form comes back filled, but a number typed into a text field never does.
        shown = replace(
            form, purpose=redact(form.purpose),
            outside_recipient_name=redact(form.outside_recipient_name),
            consent_recipient=redact(form.consent_recipient),
            consent_data=redact(form.consent_data),
        )  # fmt: skip
        return _exports(request, shown, _message(request, exc), 422)
    if created.repeated:
        return redirect(request, f"/exports/{created.request.id}?notice=made")
    if created.passphrase is not None:
        # Shown in this answer only (no redirect, no-store): the vault keeps it sealed.
        values = {"request_id": created.request.id, "passphrase": created.passphrase}
        return render(request, "transfer/export_passphrase.html", values, status=201)
    return redirect(request, f"/exports/{created.request.id}")


class NotHeldAffair(VaultError):
    message_ja = "担当している事務を選んでください"
    message_en = "choose an affair you are assigned to"


def _export_page(
    request: Request, request_id: uuid.UUID, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        view = exporter.export_request(call.session, call.context, request_id)
        return {"item": view, "own": view.request.requested_by == call.viewer.user_id,
                "managing": call.viewer.may("export:approve")}  # fmt: skip

    values = call(request, work) | {
        "error": error, "column_labels": COLUMN_LABELS, "formats": FORMAT_LABELS,
        "headers": HEADER_LABELS,
        "already_made": status == 200 and request.query_params.get("notice") == "made",
    }  # fmt: skip
    return render(request, "transfer/export.html", values, status=status)


@router.get("/exports/{request_id}")
def export_detail(request: Request, request_id: uuid.UUID) -> Response:
    return _export_page(request, request_id)


@router.post("/exports/{request_id}/decide")
def decide(request: Request, request_id: uuid.UUID, decision: Text = "") -> Response:
    def work(call: PageCall) -> None:
        exporter.decide_export(
            call.session, call.context, request_id=request_id, approve=decision == "approve"
        )

    tr = i18n.translations(i18n.language_of(request))
    if decision not in {"approve", "reject"}:
        return _export_page(request, request_id, tr.gettext("Choose approve or reject."), 422)
    try:
        call(request, work)
    except AuthorizationDenied as denied:
        if denied.reason != "requester cannot approve":
            raise
        message = tr.gettext(
            "You cannot approve or reject your own request: another manager must decide it."
        )
        return _export_page(request, request_id, message, 403)
    except VaultError as exc:
        return _export_page(request, request_id, _message(request, exc), 422)
    return redirect(request, f"/exports/{request_id}")


@router.post("/exports/{request_id}/download")
def download(request: Request, request_id: uuid.UUID) -> Response:
    """The age-encrypted file, once, for the requester; a POST, so no cache or history."""

    def work(call: PageCall) -> Any:
        return exporter.download_export(
            call.session, call.envelope, call.context, request_id=request_id
        )

    try:
        result = call(request, work)
    except VaultError as exc:
        return _export_page(request, request_id, _message(request, exc), 422)
    response = Response(
        result.encrypted, media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{result.file_name}"'},
    )  # fmt: skip
    return finish(request, response)


# -- the register of take-out recipients ----------------------------------------------------


def _recipients_page(
    request: Request, form: dict[str, str], error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            "entries": takeout_recipients.recipients(call.session, call.context),
            "managing": bool(call.viewer.roles & MANAGERS),
        }

    values = call(request, work) | {
        "form": form, "error": error, "kinds": takeout_recipients.KIND_LABELS,
    }  # fmt: skip
    return render(request, "transfer/recipients.html", values, status=status)


@router.get("/takeout-recipients")
def recipients_page(request: Request) -> Response:
    return _recipients_page(request, {})


@router.post("/takeout-recipients")
def add_recipient(
    request: Request, *, name: Text = "", kind: Text = "", public_key: Text = ""
) -> Response:
    def work(call: PageCall) -> None:
        takeout_recipients.add_recipient(
            call.session, call.context, name=name, kind=kind, public_key=public_key
        )

    try:
        call(request, work)
    except VaultError as exc:
        form = {"name": redact(name), "kind": kind, "public_key": public_key}
        return _recipients_page(request, form, _message(request, exc), 422)
    return redirect(request, "/takeout-recipients")


@router.post("/takeout-recipients/{recipient_id}/remove")
def remove_recipient(request: Request, recipient_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        takeout_recipients.remove_recipient(call.session, call.context, recipient_id)

    try:
        call(request, work)
    except VaultError as exc:
        return _recipients_page(request, {}, _message(request, exc), 422)
    return redirect(request, "/takeout-recipients")


# -- provisions -----------------------------------------------------------------------------


@dataclass
class ProvisionForm:
    affair: str = ""
    recipient_kind: str = RecipientKind.TAX_OFFICE.value
    recipient_name: str = ""
    legal_basis: str = ""
    method: str = ""
    consent_given_on: str = ""  # 第4号
    consent_recipient: str = ""
    consent_data: str = ""
    item16_condition: str = ""  # 第16号


def _provide_page(
    request: Request, person_id: uuid.UUID, form: ProvisionForm, error: str | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    def work(call: PageCall) -> dict[str, Any]:
        summary = vs.summarise_person(call.session, call.context, person_id)
        mine = my_affairs(call.session, call.context)
        return {
            "person": summary.person,
            "affairs": [a for a in mine if a.code in summary.acquired_for],
            "provisions": browse.provisions(call.session, summary),
            "items": items_for(organisation_kind(call.session, call.context)),
        }

    done = status == 200 and request.query_params.get("done") == "provided"
    values = call(request, work) | {"form": form, "error": error, "labels": labels, "done": done}
    return render(request, "transfer/provide.html", values, status=status)


@router.get("/persons/{person_id}/provide")
def provide_page(request: Request, person_id: uuid.UUID) -> Response:
    return _provide_page(request, person_id, ProvisionForm())


@router.post("/persons/{person_id}/provide")
def provide(
    request: Request, person_id: uuid.UUID, *, affair: Text = "", recipient_kind: Text = "",
    recipient_name: Text = "", legal_basis: Text = "", method: Text = "",
    consent_given_on: Text = "", consent_recipient: Text = "", consent_data: Text = "",
    item16_condition: Text = "",
) -> Response:  # fmt: skip
    form = ProvisionForm(
        affair, recipient_kind, recipient_name.strip(), legal_basis, method,
        consent_given_on, consent_recipient.strip(), consent_data.strip(), item16_condition,
    )  # fmt: skip
    tr = i18n.translations(i18n.language_of(request))
    if (
        recipient_kind not in labels.RECIPIENT_KINDS
        or not legal_basis
        or method not in labels.PROVISION_METHODS
        or not form.recipient_name
        or not affair
    ):
        error = tr.gettext(
            "Choose the affair, the recipient, the legal basis and the method, and name the "
            "recipient."
        )
        return _provide_page(request, person_id, form, error, 422)

    def work(call: PageCall) -> None:
        vs.provide(
            call.session, call.context, person_ids=[person_id],
            recipient_kind=RecipientKind(recipient_kind), recipient_name=form.recipient_name,
            legal_basis=legal_basis, method=method, conditions=_conditions(form),
        )  # fmt: skip

    try:
        call(request, work, affair=affair)
    except VaultError as exc:
        return _provide_page(request, person_id, form, _message(request, exc), 422)
    return redirect(request, f"/persons/{person_id}/provide?done=provided")


def _conditions(form: ProvisionForm) -> Conditions:
    """The form's 第4号 consent and 第16号 condition; the service decides which it needs."""
    return conditions_of(
        form.consent_given_on, form.consent_recipient, form.consent_data, form.item16_condition
    )


def conditions_of(given: str, recipient: str, data: str, condition: str) -> Conditions:
    """A form's 第4号 consent and 第16号 condition (provision and take-out forms alike)."""
    consent = None
    if given or recipient or data:
        try:
            given_on = date.fromisoformat(given)
        except ValueError:
            raise InvalidInput(
                "同意の日付が正しくありません", "the consent date is invalid"
            ) from None
        consent = Consent(given_on, recipient, data)
    item16 = None
    if condition:
        try:
            item16 = Item16Condition(condition)
        except ValueError:
            raise InvalidInput(
                "第16号の要件が正しくありません", "unknown item 16 condition"
            ) from None
    return Conditions(consent, item16)
