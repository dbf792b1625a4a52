"""What the compliance spine reads from the people records (別添1 2D).

- Training (J-2Db, J-2Db.1, G-2Db, G-2Db.3) and the 番号法第29条の2 training (G-2Db.4): once
  any session is recorded, the record is whether every 事務取扱担当者 has attended within
  the interval. Someone never trained makes the measure overdue at once; otherwise it is
  current until the oldest of the latest attendances lapses.
- Pledges (J-2Db.2 秘密保持の就業規則等): once any is recorded, every clerk must have one.
- Supervision (J-2Da, G-2Da): the reviews of clerks' activity.
Nothing is returned while nothing is recorded: the measure stays open, not overdue.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.audit.period import zone_of
from mnvault.compliance.evidence import Evidence, register
from mnvault.training import services
from mnvault.training.models import (
    Pledge,
    SupervisionReview,
    TrainingPlan,
    TrainingSession,
)

TRAINING = ("J-2Db", "J-2Db.1", "G-2Db", "G-2Db.3")
ARTICLE_29_2 = ("G-2Db.4",)
PLEDGES = ("J-2Db.2",)
SUPERVISION = ("J-2Da", "G-2Da")


def _coverage(session: Session, organisation_id: uuid.UUID, *, article29_2: bool) -> list[Evidence]:
    query = (
        select(func.max(TrainingSession.held_at))
        .join(TrainingPlan, TrainingPlan.id == TrainingSession.plan_id)
        .where(TrainingSession.organisation_id == organisation_id)
    )
    if article29_2:
        query = query.where(TrainingPlan.article29_2.is_(True))
    latest = session.scalar(query)
    if latest is None:
        return []
    _require, interval = services.setting_of(session, organisation_id)
    if article29_2:
        interval = services.ARTICLE_29_2_DAYS
    last = services.last_attended(session, organisation_id, article29_2=article29_2)
    people = services.handlers(session, organisation_id)
    missing = [u for u in people if u not in last]
    label = "番号法第29条の2の研修" if article29_2 else "研修"
    if missing:
        # Lapsed since the latest session they could have attended.
        anchor = services.as_utc(latest)
        return [
            Evidence(
                f"{label}: 未受講 {len(missing)}名",
                anchor,
                anchor,
                link="/training",
                source="training",
            )
        ]
    if not people:
        return []
    oldest = min(last[u] for u in people)
    # Current to the end of the due day in the organisation's zone (as gaps_of counts).
    zone = zone_of(session, organisation_id)
    due = oldest.astimezone(zone).date() + timedelta(days=interval + 1)
    until = datetime.combine(due, time(), tzinfo=zone).astimezone(UTC)
    return [
        Evidence(
            f"{label}: 担当者全員が受講（最も古い受講 {local_time.day(oldest)}）",
            oldest,
            until,
            link="/training",
            source="training",
        )
    ]


def training(session: Session, organisation_id: uuid.UUID, measure_id: str) -> Sequence[Evidence]:
    return _coverage(session, organisation_id, article29_2=False)


def article29_2(
    session: Session, organisation_id: uuid.UUID, measure_id: str
) -> Sequence[Evidence]:
    return _coverage(session, organisation_id, article29_2=True)


def pledges(session: Session, organisation_id: uuid.UUID, measure_id: str) -> Sequence[Evidence]:
    newest = session.scalar(
        select(func.max(Pledge.recorded_at)).where(Pledge.organisation_id == organisation_id)
    )
    if newest is None:
        return []
    newest = services.as_utc(newest)
    missing = services.without_pledge_of(session, organisation_id)
    if missing:
        return [
            Evidence(
                f"誓約書なし {len(missing)}名", newest, newest, link="/training", source="pledge"
            )
        ]
    return [Evidence("担当者全員の誓約書あり", newest, None, link="/training", source="pledge")]


def supervision(
    session: Session, organisation_id: uuid.UUID, measure_id: str
) -> Sequence[Evidence]:
    rows = session.scalars(
        select(SupervisionReview).where(SupervisionReview.organisation_id == organisation_id)
    )
    return [
        Evidence(
            "事務取扱担当者の活動確認（監督）",
            r.reviewed_at,
            None,
            link=f"/training/clerks/{r.user_id}",
            source="supervision",
        )
        for r in rows
    ]


register(TRAINING, "training", training)
register(ARTICLE_29_2, "training-article29-2", article29_2)
register(PLEDGES, "pledges", pledges)
register(SUPERVISION, "supervision", supervision)
