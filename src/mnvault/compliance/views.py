"""The compliance page: every measure that applies to the organisation, grouped as 別添1 groups
them, with its state, reason and link; filters for overdue and open; a manager records evidence
here. Thin: parse, call mnvault.compliance.services, render. No page shows a number."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from mnvault.audit import period
from mnvault.compliance import pack
from mnvault.compliance import services as compliance
from mnvault.compliance.catalogue import GROUPS
from mnvault.compliance.state import STATE_EN, STATE_JA, State
from mnvault.context import Context
from mnvault.deployment.requests import vault_of
from mnvault.jobs import registry as jobs
from mnvault.jobs import views as background
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])

FILTERS = ("overdue", "open")


def _page(
    request: Request, state: str | None, *, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        report = compliance.status(call.session, call.context)
        return {"report": report}

    values = call(request, work)
    report: compliance.Report = values["report"]
    shown = [m for m in report.measures if state is None or str(m.state) == state]
    values |= {
        "groups": [(g, [m for m in shown if m.measure.group == g.id]) for g in GROUPS],
        "summaries": report.groups(),
        "small_business_warning": report.small_business_warning,
        "state": state,
        "filters": FILTERS,
        "state_ja": {str(k): v for k, v in STATE_JA.items()},
        "state_en": {str(k): v for k, v in STATE_EN.items()},
        "error": error,
        "counts": {str(s): sum(1 for m in report.measures if m.state is s) for s in State},
    }
    return render(request, "compliance/status.html", values, status=status)


@router.get("/compliance")
def page(request: Request, state: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    return _page(request, state if state in FILTERS else None)


@router.post("/compliance/evidence")
def record(
    request: Request,
    *,
    measure_id: Annotated[str, Form(max_length=32)],
    title: Annotated[str, Form(max_length=200)] = "",
    performed_on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A manager records that a measure is in place; the day is the organisation's."""

    def work(call: PageCall) -> None:
        performed_at = None
        if performed_on:
            try:
                day = datetime.fromisoformat(performed_on).date()
            except ValueError:
                raise InvalidInput("実施日の形式", "the date is invalid") from None
            zone = period.zone_of(call.session, call.context.organisation_id)
            performed_at = datetime(day.year, day.month, day.day, 12, tzinfo=zone).astimezone(UTC)
        compliance.record_evidence(
            call.session,
            call.context,
            measure_id=measure_id,
            title=title,
            performed_at=performed_at,
            note=note or None,
        )

    try:
        call(request, work)
    except VaultError as exc:
        return _page(request, None, error=message_of(request, exc), status=422)
    return redirect(request, f"/compliance#{measure_id}")


@router.post("/compliance/evidence-pack")
def evidence_pack(request: Request) -> Response:
    """The evidence pack as a zip (PDF, workbook, SPI register, trail statement), made in
    the background (issue #18); its status page offers the download."""
    vault = vault_of(request)

    def work(context: Context, progress: jobs.Progress) -> jobs.Outcome:
        with vault.transaction() as session:
            built = pack.build(
                session,
                context,
                engine=vault.engine,
                public_key=vault.keyring.public_signing_key(),
                witness_path=vault.settings.audit_witness_path,
                reports_root=vault.settings.data_dir,
            )
        return jobs.Outcome(
            summary=("証跡一式ができました", "the evidence pack is ready"),
            download=jobs.Download(
                "mnvault-evidence-pack.zip", "application/zip", pack.to_zip(built)
            ),
        )

    return background.start(
        request, kind="compliance:evidence_pack", title=("証跡一式の作成", "Evidence pack"),
        back="/compliance", work=work,
    )  # fmt: skip
