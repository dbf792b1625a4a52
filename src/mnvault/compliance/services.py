"""The compliance spine's rules: the state of every applicable measure for one organisation,
recording evidence by hand, and the organisation's interval and owner per measure.

Times are stored and computed in UTC and shown in the organisation's zone (audit.period.zone_of).
Nothing here reads or returns a number.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Role
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.period import zone_of
from mnvault.compliance import evidence as registry
from mnvault.compliance.catalogue import (
    GROUPS,
    Group,
    Measure,
    Obligation,
    applicable,
    measure_by_id,
)
from mnvault.compliance.checks import Check, Probe, Result, checks_for
from mnvault.compliance.errors import InvalidEvidence, InvalidSetting, NotApplicable, UnknownMeasure
from mnvault.compliance.models import EvidenceRecord, MeasureSetting
from mnvault.compliance.state import STATE_EN, STATE_JA, MeasureState, State, decide
from mnvault.db.base import utcnow
from mnvault.numbers import redact
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.orgs.standing import effective_kind
from mnvault.orgs.standing import standing as org_standing

MAX_INTERVAL_DAYS = 3660
DEFAULT_DUE_DAYS = 30


@dataclass(frozen=True)
class GroupSummary:
    group: Group
    counts: dict[State, int]
    line_ja: str
    line_en: str


@dataclass(frozen=True)
class Report:
    organisation_id: uuid.UUID
    organisation_name: str
    kind: OrganisationKind
    at: datetime  # UTC
    zone: ZoneInfo
    measures: tuple[MeasureState, ...]
    # A registered small business whose answers exclude it (orgs/standing.py).
    small_business_warning: tuple[str, str] | None = None

    def groups(self) -> list[GroupSummary]:
        return summarise(self.measures)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)


def summarise(measures: tuple[MeasureState, ...] | list[MeasureState]) -> list[GroupSummary]:
    """One line per 別添1 group, for the dashboard
    ("2C 組織的安全管理措置: システムで充足 5・記録あり 2・期限切れ 1・未対応 3")."""
    summaries = []
    for group in GROUPS:
        counts = Counter(m.state for m in measures if m.measure.group == group.id)
        if not counts:
            continue
        full = {state: counts.get(state, 0) for state in State}
        order = (State.MET_BY_SYSTEM, State.EVIDENCED, State.OVERDUE, State.OPEN)
        ja = "・".join(f"{STATE_JA[s]} {full[s]}" for s in order)
        en = ", ".join(f"{STATE_EN[s]} {full[s]}" for s in order)
        summaries.append(
            GroupSummary(
                group,
                full,
                f"{group.id} {group.title_ja}: {ja}",
                f"{group.id} {group.title_en}: {en}",
            )
        )
    return summaries


def _settings(session: Session, organisation_id: uuid.UUID) -> dict[str, MeasureSetting]:
    rows = session.scalars(
        select(MeasureSetting).where(MeasureSetting.organisation_id == organisation_id)
    )
    return {row.measure_id: row for row in rows}


def compute(session: Session, organisation_id: uuid.UUID, *, now: datetime | None = None) -> Report:
    """The state of every measure that applies to the organisation's kind (no authorization:
    callers are the services below and the evidence pack)."""
    now = now or utcnow()
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise UnknownMeasure("組織", "organisation")
    # A registered small business whose answers exclude it follows the company column
    # (事業者編 別添1 2 (注); orgs/standing.py).
    answers = org_standing(session, organisation_id)
    kind = answers.effective_kind
    zone = zone_of(session, organisation_id)
    today = now.astimezone(zone).date()
    settings = _settings(session, organisation_id)
    results_cache: dict[tuple[str, int | None], Result] = {}
    states = []
    measures = applicable(kind)
    evidence = registry.evidence_for_each(session, organisation_id, [m.id for m in measures])
    for measure in measures:
        setting = settings.get(measure.id)
        interval = (
            setting.interval_days
            if setting and setting.interval_days
            else measure.default_interval_days
        )
        owner = setting.owner_role if setting and setting.owner_role else measure.default_owner
        probe = Probe(session, organisation_id, now, today, interval)
        ran: list[tuple[Check, Result]] = []
        for check in checks_for(measure.id):
            key = (check.id, interval)
            if key not in results_cache:  # one run per check and interval, not per measure
                results_cache[key] = check.run(probe)
            ran.append((check, results_cache[key]))
        found = evidence[measure.id]
        states.append(
            decide(
                measure,
                measure.obligation(kind),
                now=now,
                checks=ran,
                evidence=found,
                interval_days=interval,
                owner=owner,
            )
        )
    return Report(organisation_id, org.name, kind, now, zone, tuple(states), answers.warning())


def status(session: Session, context: Context, *, now: datetime | None = None) -> Report:
    """`GET /api/v1/compliance`, the page and `mnvault compliance status`."""
    authorize(session, context, Permission.COMPLIANCE_READ, organisation_resource(context))
    report = compute(session, context.organisation_id, now=now)
    counts = Counter(str(m.state) for m in report.measures)
    audit.record(
        session, context, AuditAction.COMPLIANCE_STATUS, details=dict(sorted(counts.items()))
    )
    return report


def due(
    session: Session,
    context: Context,
    *,
    within_days: int = DEFAULT_DUE_DAYS,
    now: datetime | None = None,
) -> list[MeasureState]:
    """Measures overdue now, or falling overdue within ``within_days`` (the reminders)."""
    if within_days < 0 or within_days > MAX_INTERVAL_DAYS:
        raise InvalidSetting("日数", "days out of range")
    return due_of(status(session, context, now=now), within_days)


def due_of(report: Report, within_days: int = DEFAULT_DUE_DAYS) -> list[MeasureState]:
    horizon = report.at + timedelta(days=within_days)
    found = [
        m
        for m in report.measures
        if m.state is State.OVERDUE or (m.due_at is not None and m.due_at <= horizon)
    ]
    found.sort(key=lambda m: (m.state is not State.OVERDUE, m.due_at or report.at))
    return found


def _measure_for(session: Session, context: Context, measure_id: str) -> Measure:
    measure = measure_by_id(measure_id)
    if measure is None:
        raise UnknownMeasure(measure_id[:32], measure_id[:32])
    org = session.get(Organisation, context.organisation_id)
    if (
        org is None
        or measure.obligation(effective_kind(session, org.id)) is Obligation.NOT_APPLICABLE
    ):
        raise NotApplicable(measure.id, measure.id)
    return measure


def record_evidence(
    session: Session,
    context: Context,
    *,
    measure_id: str,
    title: str,
    performed_at: datetime | None = None,
    valid_until: datetime | None = None,
    note: str | None = None,
    file_sha256: str | None = None,
) -> EvidenceRecord:
    """Record by hand that a measure is in place (a manager's act, audited)."""
    authorize(session, context, Permission.COMPLIANCE_RECORD, organisation_resource(context))
    measure = _measure_for(session, context, measure_id)
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidEvidence("題名は1〜200文字", "a title of 1–200 characters")
    if any(text is not None and redact(text) != text for text in (title, note)):
        # 別添1 2C c: the records that show the handling hold no SPI.
        raise InvalidEvidence(
            "個人番号は記載できません", "a record may not carry an individual number"
        )
    now = utcnow()
    # A time without a zone is the organisation's local time (as typed on its forms).
    zone = zone_of(session, context.organisation_id)
    try:
        performed_at, valid_until = (
            None if t is None else (t if t.tzinfo else t.replace(tzinfo=zone)).astimezone(UTC)
            for t in (performed_at, valid_until)
        )
    except (OverflowError, ValueError):  # year 1 east of UTC, year 9999 west of it
        raise InvalidEvidence("日時が範囲外です", "the time is out of range") from None
    performed_at = performed_at or now
    if performed_at > now + timedelta(minutes=5):
        raise InvalidEvidence("実施日が未来です", "performed in the future")
    if valid_until is not None and valid_until <= performed_at:
        raise InvalidEvidence("有効期限は実施日より後", "valid until must follow the performance")
    if file_sha256 is not None:
        file_sha256 = file_sha256.lower()
        if len(file_sha256) != 64 or any(ch not in "0123456789abcdef" for ch in file_sha256):
            raise InvalidEvidence("SHA-256は16進64文字", "SHA-256 is 64 hex characters")
    row = EvidenceRecord(
        organisation_id=context.organisation_id, measure_id=measure.id, title=title, note=note,
        performed_at=performed_at, valid_until=valid_until, file_sha256=file_sha256,
        recorded_by=context.actor_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.COMPLIANCE_EVIDENCE_RECORD,
        details={
            "measure": measure.id,
            "evidence": str(row.id),
            "performed_at": performed_at.isoformat(),
        },
    )
    return row


def set_setting(
    session: Session,
    context: Context,
    *,
    measure_id: str,
    interval_days: int | None,
    owner_role: str | None,
) -> MeasureSetting:
    """The organisation's interval and owner for a measure (None: the catalogue's default)."""
    authorize(session, context, Permission.COMPLIANCE_RECORD, organisation_resource(context))
    measure = _measure_for(session, context, measure_id)
    if interval_days is not None and not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise InvalidSetting("間隔は1〜3660日", "interval of 1–3660 days")
    if owner_role is not None and owner_role not in {str(r) for r in Role}:
        raise InvalidSetting("担当の役割が不明です", "unknown owner role")
    row = session.get(MeasureSetting, (context.organisation_id, measure.id))
    if row is None:
        row = MeasureSetting(
            organisation_id=context.organisation_id,
            measure_id=measure.id,
            updated_by=context.actor_id,
        )
        session.add(row)
    row.interval_days = interval_days
    row.owner_role = owner_role
    row.updated_by = context.actor_id
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.COMPLIANCE_SETTINGS_UPDATE,
        details={"measure": measure.id, "interval_days": interval_days, "owner_role": owner_role},
    )
    return row
