"""Evidence for the compliance spine from the incidents: the structure for leaks (別添1 2C d)
is shown working by incidents handled, and each step of 別添2 2 by that step done. A reportable
incident still open is evidence that lapses on its 確報 deadline: past it, the measure for the
report (2E) turns overdue until the step is done."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.compliance.evidence import Evidence, once_per_gathering, register
from mnvault.incidents.models import Incident, IncidentStep
from mnvault.incidents.services import assessment_of

# catalogue_incidents.py ids, and the 2C d rows of both 別添1 catalogues.
STEP_MEASURES = {
    f"{side}-A2-{step}": step for side in ("J", "G") for step in ("2A", "2B", "2C", "2D", "2E")
} | {"J-2Cd.1": "2E-pub"}  # 事業者編 2C d: 事実関係及び再発防止策の公表
STRUCTURE = ("J-2Cd", "G-2Cd")


@once_per_gathering
def _incidents(session: Session, organisation_id: uuid.UUID) -> Sequence[Incident]:
    return session.scalars(
        select(Incident)
        .where(Incident.organisation_id == organisation_id)
        .order_by(Incident.opened_at.desc())
    ).all()


def provide(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    step = STEP_MEASURES.get(measure_id)
    pending: list[Evidence] = []
    done: list[Evidence] = []
    for row in _incidents(session, organisation_id):
        link = f"/incidents/{row.id}"
        steps = {
            s.step: s
            for s in session.scalars(select(IncidentStep).where(IncidentStep.incident_id == row.id))
        }
        wanted = steps.get(step) if step else None
        finished = (
            wanted.done_at if wanted is not None else (row.updated_at if row.closed else None)
        )
        if finished is not None:
            title = f"漏えい等事案「{row.title}」" + (f" {step} 完了" if step else " 対応完了")
            done.append(Evidence(title, finished, None, link, source="incidents"))
            continue
        if step == "2E" and not row.closed:
            due = assessment_of(session, row).final_report_due
            if due is not None:
                until = datetime.combine(due, time(23, 59), tzinfo=UTC)
                title = f"漏えい等事案「{row.title}」確報期限 {local_time.day(due)}"
                pending.append(Evidence(title, row.opened_at, until, link, source="incidents"))
    pending.sort(key=lambda e: e.valid_until or e.performed_at)
    done.sort(key=lambda e: e.performed_at, reverse=True)
    # An open report past its deadline decides the state before any finished one.
    return pending + done


register([*STEP_MEASURES, *STRUCTURE], "incidents", provide)
