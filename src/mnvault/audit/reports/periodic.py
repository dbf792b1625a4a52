"""The periodic analysis as a service: load one organisation's entries, analyse them,
and record that a report was produced and by whom (mnvault.audit.reports.analysis holds the
analysis, mnvault.audit.reports.report the rendering).

Needs ``audit:read``. Reads only the organisation's entries, plus the sign-ins of its
own members (a sign-in belongs to no organisation), so one tenant's report shows
nothing of another's. The report's own entry is written in the same transaction as
the reading: if it cannot be written, there is no report (fail closed).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Membership
from mnvault.access.permissions import Permission
from mnvault.access.policy.facts import load_conditions
from mnvault.access.policy.model import Conditions
from mnvault.access.services import authorize
from mnvault.audit import period
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.audit.questions.answers import logins_of
from mnvault.audit.reports import analysis
from mnvault.audit.reports.analysis import Batch, Event, Finding, Kind, SpikeRule, Tally
from mnvault.orgs.models import Organisation

# A month without any entry of its own makes an account dormant; a hundred persons in
# one take-out or provision is more than a routine filing of a small office.
DEFAULT_DORMANT_DAYS = 30
DEFAULT_BULK_THRESHOLD = 100


@dataclass(frozen=True, slots=True)
class Parameters:
    """What counts as a finding; the report prints them so a reader can judge."""

    dormant_days: int = DEFAULT_DORMANT_DAYS
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD
    spike: SpikeRule = field(default_factory=SpikeRule)

    def lookback(self) -> timedelta:
        return timedelta(days=max(self.dormant_days, self.spike.baseline_days))


@dataclass(frozen=True, slots=True)
class Report:
    organisation: str
    since: datetime
    until: datetime
    zone: ZoneInfo
    hours: Conditions
    hours_configured: bool
    parameters: Parameters
    produced_at: datetime
    produced_by: str
    entry_seq: int  # the report's own audit entry
    analysed: int
    first_seq: int | None
    last_seq: int | None
    accesses: list[Tally]
    batches: list[Batch]
    findings: Mapping[Kind, list[Finding]]
    events: Mapping[int, Event]  # the entries behind the findings, for the appendix
    names: Mapping[uuid.UUID, str]


def _event(row: Any) -> Event:
    details = row.details or {}
    subject = None
    if row.action == AuditAction.USER_CREATE:
        try:
            subject = uuid.UUID(str(details.get("user_id")))
        except ValueError:
            subject = None
    return Event(
        seq=row.seq, at=row.occurred_at, actor=row.actor_id, action=row.action,
        outcome=row.outcome, affair=row.affair_code, person=row.person_id,
        request_id=row.request_id, permission=details.get("permission"),
        reason=details.get("reason"), subject=subject,
    )  # fmt: skip


_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.occurred_at,
    AuditEntry.actor_id,
    AuditEntry.action,
    AuditEntry.outcome,
    AuditEntry.affair_code,
    AuditEntry.person_id,
    AuditEntry.request_id,
    AuditEntry.details,
)


def load_events(
    session: Session, organisation_id: uuid.UUID, since: datetime, until: datetime
) -> list[Event]:
    """The organisation's entries in ``[since, until)``, and its members' sign-ins."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    rows = session.execute(
        select(*_COLUMNS)
        .where(
            AuditEntry.occurred_at >= since,
            AuditEntry.occurred_at < until,
            or_(
                AuditEntry.organisation_id == organisation_id,
                and_(AuditEntry.organisation_id.is_(None), AuditEntry.actor_id.in_(members)),
            ),
        )
        .order_by(AuditEntry.seq)
    )
    return [_event(row) for row in rows]


def analyse(
    history: list[Event],
    *,
    since: datetime,
    until: datetime,
    hours: Conditions,
    parameters: Parameters,
    history_start: datetime,
) -> tuple[list[Tally], list[Batch], dict[Kind, list[Finding]]]:
    zone = ZoneInfo(hours.time_zone)
    current = analysis.within(history, since, until)
    batches = analysis.batches(current)
    findings = {
        Kind.AFTER_HOURS: analysis.after_hours(current, hours),
        Kind.DENIAL: analysis.denials(current),
        Kind.SPIKE: analysis.spikes(history, since, until, zone, parameters.spike),
        Kind.DORMANT: analysis.dormant_use(
            history,
            since,
            until,
            idle=timedelta(days=parameters.dormant_days),
            history_start=history_start,
        ),
        Kind.BULK_EXPORT: analysis.bulk_exports(batches, parameters.bulk_threshold),
    }
    return analysis.accesses(current), batches, findings


def gather(
    session: Session,
    context: Context,
    *,
    since: period.When,
    until: period.When,
    parameters: Parameters | None = None,
) -> Report:
    """Analyse ``[since, until)`` (dates in the organisation's zone, the end day included)."""
    parameters = parameters or Parameters()
    authorize(session, context, Permission.AUDIT_READ)
    conditions = load_conditions(session, context.organisation_id)
    hours = analysis.office_hours(conditions)
    zone = ZoneInfo(hours.time_zone)
    start, stop = period.window(since, until, zone, required=True)
    assert start is not None  # noqa: S101 - required=True checked it
    assert stop is not None  # noqa: S101
    history_start = start - parameters.lookback()
    history = load_events(session, context.organisation_id, history_start, stop)
    accesses, batches, findings = analyse(
        history, since=start, until=stop, hours=hours, parameters=parameters,
        history_start=history_start,
    )  # fmt: skip
    current = analysis.within(history, start, stop)
    behind = {seq for group in findings.values() for f in group for seq in f.seqs}
    events = {e.seq: e for e in history if e.seq in behind}
    actors = {e.actor for e in current} | {context.actor_id}
    names = logins_of(session, actors)
    organisation = session.get(Organisation, context.organisation_id)
    entry = audit.record(
        session,
        context,
        AuditAction.AUDIT_REPORT,
        details={
            "from": start.isoformat(),
            "to": stop.isoformat(),
            "entries": len(current),
            "findings": {str(kind): len(group) for kind, group in findings.items()},
            "parameters": asdict(parameters),
        },
    )
    return Report(
        organisation=organisation.name if organisation else str(context.organisation_id),
        since=start, until=stop, zone=zone, hours=hours,
        hours_configured=conditions is not None and conditions.has_office_hours,
        parameters=parameters, produced_at=entry.occurred_at,
        produced_by=names.get(context.actor_id, str(context.actor_id)), entry_seq=entry.seq,
        analysed=len(current), first_seq=current[0].seq if current else None,
        last_seq=current[-1].seq if current else None, accesses=accesses, batches=batches,
        findings=findings, events=events, names=names,
    )  # fmt: skip
