"""What the compliance spine reads from inspections (別添1 2C e, 2C b; 行政機関等編 監査).

- A completed inspection shows 2C e (a public body's audit only once reported to the
  総括責任者); the measure's interval (365 days by default) decides when it lapses.
- An inspection with the periodic analysis report attached shows 2C b.
- An open corrective action is the newest record of 2C e and of the measure it was found
  against, current until its due day: past it, the measure is overdue.
- A closed corrective action shows its measure (and 行政機関等編 2C e 見直し) reviewed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.audit.period import zone_of
from mnvault.compliance.evidence import Evidence, register, register_every
from mnvault.inspections.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionStatus,
)

REVIEW = ("J-2Ce", "J-2Ce.1", "G-2Ce")
REPORTED_ONLY = ("G-2Ce",)
TRAIL_REPORT = ("J-2Cb", "G-2Cb")
REVISED = ("G-2Ce.1",)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:  # SQLite's max() bypasses the column type
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    return value


def _inspections(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    done = (
        (InspectionStatus.REPORTED,)
        if measure_id in REPORTED_ONLY
        else (InspectionStatus.COMPLETED, InspectionStatus.REPORTED)
    )
    rows = session.scalars(
        select(Inspection).where(
            Inspection.organisation_id == organisation_id, Inspection.status.in_(done)
        )
    )
    return [
        Evidence(r.title, r.performed_at, None, link=f"/inspections/{r.id}", source="inspection")
        for r in rows
    ]


def _open_actions(session: Session, organisation_id: uuid.UUID) -> list[Evidence]:
    query = select(CorrectiveAction).where(
        CorrectiveAction.organisation_id == organisation_id,
        CorrectiveAction.status != ActionStatus.CLOSED,
    )
    return _open_evidence(session, organisation_id, list(session.scalars(query)))


def _open_evidence(
    session: Session, organisation_id: uuid.UUID, actions: list[CorrectiveAction]
) -> list[Evidence]:
    rows = sorted(actions, key=lambda a: a.due_on, reverse=True)
    if not rows:
        return []
    newest = session.scalar(
        select(func.max(Inspection.performed_at)).where(
            Inspection.organisation_id == organisation_id
        )
    )
    created = max(a.created_at for a in rows)
    # Newer than every inspection, the earliest due the newest: the state follows it.
    base = max(_utc(newest), created) if newest is not None else created
    zone = zone_of(session, organisation_id)
    found = []
    for rank, a in enumerate(rows, start=1):
        # Current to the end of its due day in the organisation's zone.
        until = datetime.combine(a.due_on + timedelta(days=1), time(), tzinfo=zone)
        found.append(
            Evidence(
                f"未完了の是正措置「{a.title}」（期限 {local_time.day(a.due_on)}）",
                base + timedelta(microseconds=rank),
                until.astimezone(UTC),
                link=f"/inspections/{a.inspection_id}#action-{a.id}",
                source="corrective_action",
            )
        )
    return found


def _closed_evidence(actions: list[CorrectiveAction]) -> list[Evidence]:
    return [
        Evidence(
            f"是正措置完了「{a.title}」",
            a.closed_at,
            None,
            link=f"/inspections/{a.inspection_id}#action-{a.id}",
            source="corrective_action",
        )
        for a in actions
        if a.closed_at is not None
    ]


def review(session: Session, organisation_id: uuid.UUID, measure_id: str) -> Sequence[Evidence]:
    return [
        *_inspections(session, organisation_id, measure_id),
        *_open_actions(session, organisation_id),
    ]


def trail_report(
    session: Session, organisation_id: uuid.UUID, measure_id: str
) -> Sequence[Evidence]:
    rows = session.scalars(
        select(Inspection).where(
            Inspection.organisation_id == organisation_id,
            Inspection.report_seq.is_not(None),
            Inspection.status != InspectionStatus.OPEN,
        )
    )
    return [
        Evidence(
            f"{r.title}（監査証跡の分析報告書 #{r.report_seq}）",
            r.performed_at,
            None,
            link=f"/audit/reports/{r.report_seq}",
            source="inspection",
        )
        for r in rows
    ]


def revised(session: Session, organisation_id: uuid.UUID, measure_id: str) -> Sequence[Evidence]:
    query = select(CorrectiveAction).where(
        CorrectiveAction.organisation_id == organisation_id,
        CorrectiveAction.status == ActionStatus.CLOSED,
    )
    return _closed_evidence(list(session.scalars(query)))


def found_against(session: Session, organisation_id: uuid.UUID) -> dict[str, list[Evidence]]:
    """Any measure an inspection found wanting: its open and closed corrective actions."""
    query = select(CorrectiveAction).where(CorrectiveAction.organisation_id == organisation_id)
    by_measure: dict[str, list[CorrectiveAction]] = defaultdict(list)
    for action in session.scalars(query):
        by_measure[action.measure_id].append(action)
    return {
        measure_id: [
            *_open_evidence(
                session, organisation_id,
                [a for a in actions if a.status != ActionStatus.CLOSED],
            ),
            *_closed_evidence([a for a in actions if a.status == ActionStatus.CLOSED]),
        ]
        for measure_id, actions in by_measure.items()
    }  # fmt: skip


register(REVIEW, "inspections", review)
register(TRAIL_REPORT, "inspections-trail-report", trail_report)
register(REVISED, "inspections-revised", revised)
register_every("inspections-actions", found_against)
