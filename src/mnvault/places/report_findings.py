"""The entry logs' cross-check as sections of the audit periodic report: entries outside
office hours, and number reads by a clerk not in a handling area (issue #16).

The report (mnvault.audit.reports) finds this module by name and calls :func:`sections`;
this package imports none of the auditors' tools: it reads the trail's entries through the
ledger's model and answers plain dataclasses the report renders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.policy.facts import load_conditions
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditEntry
from mnvault.places import crosscheck
from mnvault.places.models import Area, AreaEntry, EntryImport

# What counts as reading a number for the cross-check (the trail's number reads).
READS = (str(AuditAction.NUMBER_READ),)


@dataclass(frozen=True)
class ReportLine:
    actor: uuid.UUID | None
    at: datetime  # UTC, the first moment behind it
    text_ja: str
    text_en: str
    count: int
    seqs: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReportSection:
    key: str
    title_ja: str
    title_en: str
    findings: list[ReportLine] = field(default_factory=list)
    note_ja: str = ""
    note_en: str = ""


def load(
    session: Session, organisation_id: uuid.UUID, since: datetime, until: datetime
) -> tuple[list[crosscheck.Entry], list[crosscheck.Entry], list[crosscheck.Covered]]:
    """All entries of the window, those of handling areas (a day's margin either side, for
    stays across the window's edge), and the handling areas' covered spans."""
    rows = session.execute(
        select(AreaEntry, Area.kind)
        .join(Area, Area.id == AreaEntry.area_id)
        .where(
            AreaEntry.organisation_id == organisation_id,
            AreaEntry.occurred_at >= since - timedelta(days=1),
            AreaEntry.occurred_at < until + timedelta(days=1),
        )
    )
    every, handling = [], []
    for row, kind in rows:
        entry = crosscheck.Entry(
            row.id, row.area_id, row.user_id, row.badge, row.occurred_at, row.direction
        )
        if since <= row.occurred_at < until:
            every.append(entry)
        if kind == "handling":
            handling.append(entry)
    spans = [
        crosscheck.Covered(area, first, last)
        for area, first, last in session.execute(
            select(EntryImport.area_id, EntryImport.first_at, EntryImport.last_at)
            .join(Area, Area.id == EntryImport.area_id)
            .where(
                EntryImport.organisation_id == organisation_id,
                Area.kind == "handling",
                EntryImport.last_at >= since,
                EntryImport.first_at < until,
            )
        )
    ]
    return every, handling, spans


def reads(
    session: Session, organisation_id: uuid.UUID, since: datetime, until: datetime
) -> list[crosscheck.Read]:
    """The organisation's number reads that went through, in ``[since, until)``."""
    rows = session.execute(
        select(AuditEntry.seq, AuditEntry.occurred_at, AuditEntry.actor_id).where(
            AuditEntry.organisation_id == organisation_id,
            AuditEntry.action.in_(READS),
            AuditEntry.outcome == str(Outcome.OK),
            AuditEntry.occurred_at >= since,
            AuditEntry.occurred_at < until,
        )
    )
    return [crosscheck.Read(seq, at, actor) for seq, at, actor in rows]


def analyse(
    session: Session, organisation_id: uuid.UUID, since: datetime, until: datetime
) -> tuple[list[crosscheck.Finding], list[crosscheck.Finding]]:
    hours = crosscheck.office_hours(load_conditions(session, organisation_id))
    every, handling, spans = load(session, organisation_id, since, until)
    found = reads(session, organisation_id, since, until)
    zone = ZoneInfo(hours.time_zone)
    return (
        crosscheck.after_hours_entries(every, hours),
        crosscheck.reads_outside(found, handling, spans, zone),
    )


def sections(
    session: Session, organisation_id: uuid.UUID, since: datetime, until: datetime
) -> list[ReportSection]:
    after, outside = analyse(session, organisation_id, since, until)
    return [
        ReportSection(
            crosscheck.AFTER_HOURS_ENTRY,
            "執務時間外の入室（入退室記録）",
            "Entries outside office hours (entry logs)",
            [
                ReportLine(
                    f.user_id,
                    f.first_at,
                    f"{f.badge} が時間外に{f.count}回入室",
                    f"{f.badge} entered {f.count}× after hours",
                    f.count,
                )
                for f in after
            ],
            "事業者編 別添1 2E a 入退室管理",
            "Guidelines for businesses, annex 1 2E a",
        ),
        ReportSection(
            crosscheck.READ_OUTSIDE_AREA,
            "取扱区域にいない職員による個人番号の閲覧",
            "Numbers read by a clerk not in a handling area",
            [
                ReportLine(
                    f.user_id,
                    f.first_at,
                    f"入退室記録上、取扱区域外で{f.count}件閲覧",
                    f"{f.count} read(s) while outside every handling area by the entry logs",
                    f.count,
                    f.seqs,
                )
                for f in outside
            ],
            "入退室記録のある日だけを判定します（事業者編 別添1 2E a, 2C e）",
            "judged only on days the handling areas' entry logs cover (annex 1 2E a, 2C e)",
        ),
    ]
