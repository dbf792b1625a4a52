"""Screens of the audit trail for auditors (監査責任者): search, an entry's chain status,
"verify now", and the periodic analysis reports (HTML to read, PDF to download).

Thin: parse, call mnvault.audit, render. Searches and paging are POSTs, so a person id or
a login typed as a filter never lands in a URL or the browser's history; the trail holds
no number, so no page here can show one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from mnvault import labels, local_time
from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import pinned_key
from mnvault.audit.questions import answers, browse
from mnvault.audit.questions.queries import ActivityKind
from mnvault.audit.questions.tables import MEDIA_TYPES, Cell, Format, to_csv, to_xlsx
from mnvault.audit.reports import stored
from mnvault.audit.verification import checks
from mnvault.audit.verification import verify as audit_verify
from mnvault.deployment.requests import vault_of
from mnvault.jobs import registry as jobs
from mnvault.jobs import views as background
from mnvault.numbers import redact
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.web import i18n
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])

Line = Annotated[str, Form(max_length=200)]
ADDRESS = re.compile(r"[0-9A-Za-z.:\[\]%_-]+")

# The stored report is a document of its own (inline styles, no script, no form).
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _day(raw: str, name_ja: str, name_en: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"{name_ja}の日付が正しくありません", f"the {name_en} date is invalid"
        ) from None


def _person(raw: str) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidInput("対象者IDが正しくありません", "the person id is invalid") from None


def _address(raw: str) -> str | None:
    # As the server records addresses; and never a number (the question is recorded).
    if not raw:
        return None
    if not ADDRESS.fullmatch(raw) or len(raw) > 64 or redact(raw) != raw:
        raise InvalidInput("接続元アドレスが正しくありません", "the client address is invalid")
    return raw


# -- the trail ---------------------------------------------------------------------------------


def _trail_page(
    request: Request, form: dict[str, str], offset: int, *, status: int = 200
) -> Response:
    error: str | None = None

    def work(call: PageCall) -> dict[str, Any]:
        filters = browse.Filters(
            form["actor"].strip(), form["action"], _person(form["person_id"].strip()),
            _day(form["since"], "開始", "start"), _day(form["until"], "終了", "end"), offset,
        )  # fmt: skip
        return {"page": browse.search(call.session, call.context, filters)}

    def choices(call: PageCall) -> list[str]:
        return browse.actions(call.session, call.context)

    try:
        values = call(request, work)
    except VaultError as exc:
        error, status, values = message_of(request, exc), 422, {"page": None}
    shown = {name: redact(value) for name, value in form.items()}  # keep all but a number
    values |= {"form": shown, "actions": call(request, choices), "error": error}
    return render(request, "audit/trail.html", values, status=status)


_EMPTY = {"actor": "", "action": "", "person_id": "", "since": "", "until": ""}


@router.get("/audit")
def trail(request: Request) -> Response:
    return _trail_page(request, dict(_EMPTY), 0)


@router.post("/audit")
def search(
    request: Request,
    *,
    actor: Line = "",
    action: Line = "",
    person_id: Line = "",
    since: Line = "",
    until: Line = "",
    offset: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    form = {"actor": actor, "action": action, "person_id": person_id, "since": since,
            "until": until}  # fmt: skip
    return _trail_page(request, form, offset)


@router.get("/audit/entries/{seq}")
def entry(request: Request, seq: int) -> Response:
    def work(call: PageCall) -> browse.ChainStatus:
        return browse.chain_status(call.session, call.context, seq)

    return render(request, "audit/entry.html", {"status": call(request, work)})


# -- verify now --------------------------------------------------------------------------------


def _last(request: Request) -> checks.LastCheck | None:
    def work(call: PageCall) -> checks.LastCheck | None:
        return checks.last_verification(call.session, call.context)

    return call(request, work)


@router.get("/audit/verify")
def verify_page(request: Request) -> Response:
    values = {"checked": None, "last": _last(request), "error": None}
    return render(request, "audit/verify.html", values)


VERIFY_JOB = "audit:verify"


@router.post("/audit/verify")
def verify_now(request: Request) -> Response:
    """In the background (issue #18): the status page links to the findings."""
    vault = vault_of(request)
    settings = vault.settings

    def work(context: Context, progress: jobs.Progress) -> jobs.Outcome:
        # The key pinned at init (the keyring's own in a deployment older than the pin).
        trusted = pinned_key.read(settings.keyring_path) or vault.keyring.public_signing_key()
        with vault.transaction() as session:
            checked = checks.verify_now(
                session, context, engine=vault.engine, trusted_keys=[trusted],
                witness_path=settings.audit_witness_path,
                last_signed=audit_verify.last_signed_of(settings),
                cadence=audit_verify.cadence_of(settings),
            )  # fmt: skip
        summary = (
            ("改ざんはありません", "the audit trail is intact")
            if checked.ok else ("改ざんを検出しました", "tampering detected")
        )  # fmt: skip
        return jobs.Outcome(
            summary=summary, value=checked, link_label=("検証結果を開く", "Open the findings"),
            link=f"/audit/verify/{progress.job_id}",
        )  # fmt: skip

    return background.start(
        request, kind=VERIFY_JOB, title=("監査証跡の検証", "Verify the trail"),
        back="/audit/verify", work=work,
    )  # fmt: skip


@router.get("/audit/verify/{job_id}")
def verify_result(request: Request, job_id: str) -> Response:
    """A verification's findings, for the auditor who ran it."""
    job = background.own_job(request, job_id, VERIFY_JOB)
    checked = job.outcome.value if job.outcome is not None else None
    if checked is None:  # still running, or failed: its status page says so
        return redirect(request, f"/jobs/{job.id}")
    values = {"checked": checked, "last": _last(request), "error": None}
    return render(request, "audit/verify.html", values)


# -- analysis reports --------------------------------------------------------------------------


def _root(request: Request) -> Path:
    return vault_of(request).settings.data_dir


def _reports_page(
    request: Request, *, error: str | None = None, form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    root = _root(request)

    def work(call: PageCall) -> Any:
        return stored.latest(call.session, call.context, root=root)

    values = {"reports": call(request, work), "error": error, "form": form or {}}
    return render(request, "audit/reports.html", values, status=status)


@router.get("/audit/reports")
def reports(request: Request) -> Response:
    return _reports_page(request)


@router.post("/audit/reports")
def generate(request: Request, since: Line = "", until: Line = "") -> Response:
    """Checked here (a bad period comes back on the form), made in the background."""
    root, vault = _root(request), vault_of(request)
    try:
        start, stop = _day(since, "開始", "start"), _day(until, "終了", "end")
        if start is None or stop is None:
            raise InvalidInput("期間の開始と終了が必要です", "give both a start and an end")
    except VaultError as exc:
        form = {"since": since, "until": until}
        return _reports_page(request, error=message_of(request, exc), form=form, status=422)

    def work(context: Context, progress: jobs.Progress) -> jobs.Outcome:
        with vault.transaction() as session:
            seq = stored.generate(session, context, root=root, since=start, until=stop)
        return jobs.Outcome(
            summary=("報告書を作成しました", "the report is made"),
            link=f"/audit/reports/{seq}", link_label=("報告書を開く", "Open the report"),
        )  # fmt: skip

    return background.start(
        request, kind="audit:report", title=("分析報告書の作成", "Make an analysis report"),
        back="/audit/reports", work=work,
    )  # fmt: skip


@router.get("/audit/reports/{seq}")
def report_html(request: Request, seq: int) -> Response:
    root = _root(request)

    def work(call: PageCall) -> str:
        return stored.html_of(call.session, call.context, root=root, seq=seq)

    response = finish(request, HTMLResponse(call(request, work)))
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@router.post("/audit/reports/{seq}/pdf")
def report_pdf(request: Request, seq: int) -> Response:
    """The PDF is rendered in the background (issue #18); its status page offers it."""
    root = _root(request)
    vault = vault_of(request)

    def work(context: Context, progress: jobs.Progress) -> jobs.Outcome:
        with vault.transaction() as session:
            pdf = stored.pdf_of(session, context, root=root, seq=seq)
        return jobs.Outcome(
            summary=("PDFができました", "the PDF is ready"),
            download=jobs.Download(f"mnvault-report-{seq}.pdf", "application/pdf", pdf),
            link=f"/audit/reports/{seq}",
            link_label=("報告書（HTML）を開く", "Open the report (HTML)"),
        )

    return background.start(
        request, kind="audit:report_pdf", title=(f"報告書 {seq} のPDF", f"PDF of report {seq}"),
        back="/audit/reports", work=work,
    )  # fmt: skip


# -- the questions the trail answers (DESIGN.md §6) --------------------------------------------

_DOWNLOADS = {"csv": Format.CSV, "xlsx": Format.XLSX}
Answer = answers.PersonUsage | answers.Impact | answers.Activity


# Columns holding codes: the page names them, the code after (the auditor may search it).
_LABELLED = {"action": "action", "outcome": "outcome", "affair_code": "affair"}


def _cell(value: Cell, zone: ZoneInfo, key: str = "", lang: str = "ja") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time.shown(value, zone, seconds=True)
    if key in _LABELLED and value != "":
        named = labels.text(_LABELLED[key], value, lang)
        return named if key == "outcome" else f"{named}（{value}）"
    return str(value)


@dataclass(frozen=True)
class Shown:
    """An answer's table as the page shows it: times in the organisation's zone."""

    title: str
    headings: list[tuple[str, str]]
    rows: list[list[str]]


def _answer_page(
    request: Request, asked: str, form: dict[str, Any], answer: Answer | None,
    error: str | None = None,
) -> Response:  # fmt: skip
    shown = (
        [Shown(t.title, [(c.ja, c.en) for c in t.columns],
               [[_cell(cell, answer.zone, c.key, i18n.language_of(request))
                 for c, cell in zip(t.columns, row, strict=False)] for row in t.rows])
         for t in answer.tables()]
        if answer is not None else []
    )  # fmt: skip
    typed = {k: redact(v) for k, v in form.items() if isinstance(v, str)}  # all but a number
    values = {"asked": asked, "form": typed,
              "kinds": [str(k) for k in ActivityKind], "chosen": form.get("kinds", []),
              "tables": shown, "error": error}  # fmt: skip
    return render(request, "audit/questions.html", values, status=422 if error else 200)


def _answered(
    request: Request, asked: str, form: dict[str, Any], output: str,
    ask: Callable[[Session, Context], Answer],
) -> Response:  # fmt: skip
    try:
        answer = call(request, lambda call: ask(call.session, call.context))
    except VaultError as exc:
        return _answer_page(request, asked, form, None, message_of(request, exc))
    fmt = _DOWNLOADS.get(output)
    if fmt is None:
        return _answer_page(request, asked, form, answer)
    tables = answer.tables()
    content = to_csv(tables[0], answer.zone) if fmt is Format.CSV else to_xlsx(tables, answer.zone)
    response = Response(
        content, media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="mnvault-{asked}.{fmt.value}"'},
    )  # fmt: skip
    return finish(request, response)


@router.get("/audit/questions")
def questions(request: Request) -> Response:
    call(
        request,
        lambda call: authorize(call.session, call.context, Permission.AUDIT_READ),
    )
    return _answer_page(request, "", {}, None)


@router.post("/audit/questions/person-usage")
def person_usage(
    request: Request, *, person_id: Line = "", since: Line = "", until: Line = "",
    output: Line = "",
) -> Response:  # fmt: skip
    """誰がこの対象者の番号をいつ何のために利用したか / who used this person's number."""
    form = {"person_id": person_id, "since": since, "until": until}

    def ask(session: Session, context: Context) -> Answer:
        person = _person(person_id.strip())
        if person is None:
            raise InvalidInput("対象者IDを入力してください", "give the person id")
        return answers.person_usage(
            session, context, person, since=_day(since, "開始", "start"),
            until=_day(until, "終了", "end"),
        )  # fmt: skip

    return _answered(request, "person-usage", form, output, ask)


@router.post("/audit/questions/impact-scope")
def impact_scope(
    request: Request, *, actor: Line = "", client_address: Line = "", since: Line = "",
    until: Line = "", output: Line = "",
) -> Response:  # fmt: skip
    """影響範囲の特定: the persons and affairs an account or an address touched."""
    form = {"actor": actor, "client_address": client_address, "since": since, "until": until}

    def ask(session: Session, context: Context) -> Answer:
        start, stop = _day(since, "開始", "start"), _day(until, "終了", "end")
        if start is None or stop is None:
            raise InvalidInput("期間の開始と終了が必要です", "give both a start and an end")
        return answers.impact(
            session, context, since=start, until=stop,
            actor_id=browse.user_id(session, context, actor.strip()) if actor.strip() else None,
            client_address=_address(client_address.strip()),
        )  # fmt: skip

    return _answered(request, "impact-scope", form, output, ask)


@router.post("/audit/questions/activity")
def activity(
    request: Request, *, kinds: Annotated[list[str] | None, Form()] = None, since: Line = "",
    until: Line = "", output: Line = "",
) -> Response:  # fmt: skip
    """持出し・提供・廃棄等: exports, take-outs, provisions and disposals in a period."""
    chosen = [k for k in (kinds or []) if k in set(ActivityKind)]
    form: dict[str, Any] = {"since": since, "until": until}

    def ask(session: Session, context: Context) -> Answer:
        return answers.activity(
            session, context, [ActivityKind(k) for k in chosen],
            since=_day(since, "開始", "start"), until=_day(until, "終了", "end"),
        )  # fmt: skip

    return _answered(request, "activity", form | {"kinds": chosen}, output, ask)
