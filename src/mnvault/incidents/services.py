"""The incident rules the routes, pages and commands call: open an incident (by hand or from
another record), note who became aware when, keep the six steps, assess, refresh the impact
scope from the trail, and list what falls due.

Every change is authorized and audited with the incident's id (the incident is an audit
subject). Free text is number-masked before it is written (別添1 2C c: the records of the
response hold no SPI). Times are stored in UTC; days are the organisation's (audit.period).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.access.services import (
    authorize,
    decide,
    organisation_resource,
    organisations_of,
)
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.period import zone_of
from mnvault.audit.questions import queries
from mnvault.db.base import utcnow
from mnvault.incidents import drafts, rules
from mnvault.incidents.errors import InvalidFacts, InvalidStep, UnknownIncident, UnknownSource
from mnvault.incidents.facts import ORG_KINDS, Event, Facts, System, parse
from mnvault.incidents.models import (
    Incident,
    IncidentAct,
    IncidentAwareness,
    IncidentDraft,
    IncidentStep,
)
from mnvault.incidents.shapes import (
    FLAGS,
    SOURCE_KINDS,
    STEP_IDS,
    STEPS,
    ActView,
    Attention,
    Awareness,
    DraftView,
    IncidentRow,
    IncidentView,
    Scope,
    StepView,
)
from mnvault.numbers import redact
from mnvault.orgs.models import Organisation

# Remind this many days before the 確報 falls due (and of the 速報 target).
REMIND_DAYS = 7


def assess_facts(raw: object) -> dict[str, Any]:
    """The assessment of facts given as decoded JSON (``mnvault incident assess``, the API):
    exactly the object issue #17 specifies."""
    return rules.assess(parse(raw)).as_json()


def _text(value: str | None, limit: int, field_ja: str, field_en: str) -> str | None:
    """Free text, stripped and number-masked; None when empty."""
    if value is None or not value.strip():
        return None
    value = redact(value.strip())
    if len(value) > limit:
        raise InvalidFacts(
            f"{field_ja}は{limit}文字以内", f"{field_en}: at most {limit} characters"
        )
    return value


def _required(value: str | None, limit: int, field_ja: str, field_en: str) -> str:
    text = _text(value, limit, field_ja, field_en)
    if text is None:
        raise InvalidFacts(f"{field_ja}を入力してください", f"give the {field_en}")
    return text


def _record(
    session: Session, context: Context, action: AuditAction, incident: Incident, **details: Any
) -> None:
    shown = {k: str(v) for k, v in details.items() if v is not None}
    audit.record(session, context, action, details={"incident": str(incident.id), **shown})


def _get(session: Session, context: Context, incident_id: uuid.UUID) -> Incident:
    row = session.get(Incident, incident_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise UnknownIncident()
    return row


def managed(session: Session, context: Context, incident_id: uuid.UUID) -> Incident:
    """The incident, for a change by someone holding incident:manage (files.py)."""
    _manage(session, context)
    return _get(session, context, incident_id)


def readable(session: Session, context: Context, incident_id: uuid.UUID) -> Incident:
    """The incident, for someone holding incident:read (files.py)."""
    _read(session, context)
    return _get(session, context, incident_id)


def audit_incident(
    session: Session, context: Context, action: AuditAction, incident: Incident, **details: Any
) -> None:
    """Record an act on the incident with its id (for the package's other modules)."""
    _record(session, context, action, incident, **details)


def _manage(session: Session, context: Context) -> None:
    authorize(session, context, Permission.INCIDENT_MANAGE, organisation_resource(context))


def _read(session: Session, context: Context) -> None:
    authorize(session, context, Permission.INCIDENT_READ, organisation_resource(context))


def _flags(raw: dict[str, Any] | None) -> dict[str, bool]:
    raw = raw or {}
    unknown = sorted(set(raw) - set(FLAGS))
    if unknown:
        names = ", ".join(unknown)
        raise InvalidFacts(f"不明な項目: {names}", f"unknown fields: {names}")
    if any(not isinstance(v, bool) for v in raw.values()):
        raise InvalidFacts("事実関係は true/false です", "facts are true or false")
    return {key: bool(raw.get(key, False)) for key in FLAGS}


def _event(value: str) -> str:
    if value not in {e.value for e in Event}:
        raise InvalidFacts("事象の種別が正しくありません", "unknown event")
    return value


def _system(value: str) -> str:
    if value not in {s.value for s in System}:
        raise InvalidFacts("システムの種別が正しくありません", "unknown system")
    return value


def open_incident(
    session: Session,
    context: Context,
    *,
    title: str,
    event: str,
    aware_on: date,
    unit: str,
    summary: str | None = None,
    reporter: str | None = None,
    system: str = "other",
    systems_note: str | None = None,
    spi_file_ids: tuple[uuid.UUID, ...] = (),
    flags: dict[str, Any] | None = None,
    persons_max: int = 0,
    source_kind: str = "manual",
    source_ref: str | None = None,
    scope_actor_id: uuid.UUID | None = None,
    scope_token_id: uuid.UUID | None = None,
    scope_address: str | None = None,
    scope_since: datetime | None = None,
    scope_until: datetime | None = None,
) -> uuid.UUID:
    """Open an incident (別添2 2A: 責任ある立場の者に直ちに報告): the manager's act."""
    _manage(session, context)
    if source_kind not in SOURCE_KINDS:
        raise UnknownSource()
    if persons_max < 0:
        raise InvalidFacts("本人の数は0以上", "persons must be 0 or more")
    now = utcnow()
    row = Incident(
        organisation_id=context.organisation_id,
        title=_required(title, 200, "件名", "title"),
        summary=_text(summary, 4000, "概要", "summary"),
        event=_event(event),
        system=_system(system),
        systems_note=_text(systems_note, 2000, "関係システム", "systems"),
        spi_file_ids=[str(i) for i in spi_file_ids] or None,
        reporter=_text(reporter, 200, "報告者", "reporter"),
        source_kind=source_kind,
        source_ref=_text(source_ref, 200, "発端の記録", "source"),
        facts=_flags(flags),
        persons_max=persons_max,
        scope_actor_id=scope_actor_id,
        scope_token_id=scope_token_id,
        scope_address=_text(scope_address, 64, "アドレス", "address"),
        scope_since=scope_since,
        scope_until=scope_until,
        closed=False,
        opened_by=context.actor_id,
        opened_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    for step in STEP_IDS:
        session.add(IncidentStep(incident_id=row.id, step=step))
    _record(session, context, AuditAction.INCIDENT_OPEN, row, source=source_kind, event=event)
    _add_awareness(session, context, row, unit, aware_on)
    return row.id


def open_from(
    session: Session,
    context: Context,
    source_kind: str,
    source_id: str,
    *,
    title: str,
    aware_on: date,
    unit: str,
    event: str = Event.LEAK_SUSPECTED.value,
    **details: Any,
) -> uuid.UUID:
    """Open an incident from another record: an analysis finding (spike, after-hours, bulk
    export, dormant account), a failed trail verification, or a lost device or medium (the
    places package). ``source_id`` names that record; ``details`` are open_incident's
    keywords (the account and window of a finding become the impact scope's subject)."""
    if source_kind == "manual" or source_kind not in SOURCE_KINDS:
        raise UnknownSource()
    return open_incident(
        session, context, title=title, event=event, aware_on=aware_on, unit=unit,
        source_kind=source_kind, source_ref=source_id, **details,
    )  # fmt: skip


def _add_awareness(
    session: Session, context: Context, row: Incident, unit: str, aware_on: date
) -> None:
    today = datetime.now(zone_of(session, context.organisation_id)).date()
    if aware_on > today:
        raise InvalidFacts("認知日が未来です", "the aware date is in the future")
    session.add(
        IncidentAwareness(
            incident_id=row.id, unit=_required(unit, 200, "部署", "unit"), aware_on=aware_on,
            recorded_by=context.actor_id,
        )
    )  # fmt: skip
    row.updated_at = utcnow()
    _record(session, context, AuditAction.INCIDENT_AWARE, row, aware_on=aware_on.isoformat())


def note_awareness(
    session: Session, context: Context, incident_id: uuid.UUID, *, unit: str, aware_on: date
) -> None:
    """Another part of the organisation became aware: the earliest day stays day 1."""
    _manage(session, context)
    _add_awareness(session, context, _get(session, context, incident_id), unit, aware_on)


def update_facts(
    session: Session,
    context: Context,
    incident_id: uuid.UUID,
    *,
    event: str | None = None,
    system: str | None = None,
    persons_max: int | None = None,
    flags: dict[str, Any] | None = None,
    encryption_note: str | None = None,
    summary: str | None = None,
    systems_note: str | None = None,
) -> None:
    """Change what is known; the assessment follows. The 高度な暗号化 exception needs the
    reason it holds recorded (別添2 3A なお書き)."""
    _manage(session, context)
    row = _get(session, context, incident_id)
    changed: dict[str, Any] = {}
    if event is not None:
        row.event = changed["event"] = _event(event)
    if system is not None:
        row.system = changed["system"] = _system(system)
    if persons_max is not None:
        if persons_max < 0:
            raise InvalidFacts("本人の数は0以上", "persons must be 0 or more")
        row.persons_max = changed["persons_max"] = persons_max
    facts = dict(row.facts or {})
    if flags is not None:
        facts.update(_flags(flags))
        changed["flags"] = ",".join(k for k in FLAGS if facts.get(k))
    note = _text(encryption_note, 2000, "暗号化の評価", "encryption assessment")
    if note is not None:
        facts["encryption_note"] = note
    if facts.get("strong_encryption") and not facts.get("encryption_note"):
        raise InvalidFacts(
            "高度な暗号化の例外には、その評価（方式・鍵の管理）を記録してください",
            "record why the encryption counts as strong (method, key custody)",
        )
    row.facts = facts
    if summary is not None:
        row.summary = _text(summary, 4000, "概要", "summary")
        changed["summary"] = "changed"
    if systems_note is not None:
        row.systems_note = _text(systems_note, 2000, "関係システム", "systems")
        changed["systems"] = "changed"
    row.updated_at = utcnow()
    _record(session, context, AuditAction.INCIDENT_UPDATE, row, **changed)


def update_step(
    session: Session,
    context: Context,
    incident_id: uuid.UUID,
    step: str,
    *,
    owner_id: uuid.UUID | None = None,
    start: bool = False,
    done: bool = False,
    note: str | None = None,
) -> None:
    """Give a step an owner, start it, finish it, or note what was done."""
    _manage(session, context)
    row = _get(session, context, incident_id)
    found = session.get(IncidentStep, (row.id, step))
    if found is None:
        raise InvalidStep()
    now = utcnow()
    if owner_id is not None:
        if context.organisation_id not in organisations_of(session, owner_id):
            raise InvalidStep("担当者が見つかりません", "no such owner")
        found.owner_id = owner_id
    if start and found.started_at is None:
        found.started_at = now
    if done:
        found.started_at = found.started_at or now
        found.done_at = now
    text = _text(note, 4000, "メモ", "note")
    if text is not None:
        found.note = text
    found.updated_by, found.updated_at = context.actor_id, now
    row.updated_at = now
    _record(
        session, context, AuditAction.INCIDENT_STEP, row, step=step,
        owner=owner_id, started=start or None, done=done or None,
    )  # fmt: skip


def _org_kind(session: Session, organisation_id: uuid.UUID) -> str:
    organisation = session.get(Organisation, organisation_id)
    kind = organisation.kind if organisation is not None else "company"
    return kind if kind in ORG_KINDS else "company"


def _facts(session: Session, row: Incident, aware: date) -> Facts:
    flags = row.facts or {}
    return Facts(
        org_kind=ORG_KINDS[_org_kind(session, row.organisation_id)],
        aware_date=aware,
        event=Event(row.event),
        persons_max=max(row.persons_max, row.scope_persons or 0),
        system=System(row.system),
        malicious=bool(flags.get("malicious")),
        public_exposure=bool(flags.get("public_exposure")),
        strong_encryption=bool(flags.get("strong_encryption")),
        recovered_unviewed=bool(flags.get("recovered_unviewed")),
        duplicate_exists=bool(flags.get("duplicate_exists")),
        outsourcee=bool(flags.get("outsourcee")),
    )


def _names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows}


def _step_view(
    found: IncidentStep | None, step: str, ja: str, en: str, people: dict[uuid.UUID, str]
) -> StepView:
    if found is None:
        return StepView(step, ja, en, None, None, None, None)
    owner = people.get(found.owner_id) if found.owner_id else None
    return StepView(step, ja, en, owner, found.started_at, found.done_at, found.note)


def _awareness(session: Session, row: Incident) -> list[IncidentAwareness]:
    return list(
        session.scalars(
            select(IncidentAwareness)
            .where(IncidentAwareness.incident_id == row.id)
            .order_by(IncidentAwareness.aware_on, IncidentAwareness.recorded_at)
        )
    )


def assessment_of(session: Session, row: Incident) -> rules.Assessment:
    """The assessment of a stored incident (for the evidence provider: no context)."""
    awareness = _awareness(session, row)
    aware = awareness[0].aware_on if awareness else row.opened_at.date()
    return rules.assess(_facts(session, row, aware))


def _view(session: Session, context: Context, row: Incident) -> IncidentView:
    awareness = _awareness(session, row)
    steps = {
        s.step: s
        for s in session.scalars(select(IncidentStep).where(IncidentStep.incident_id == row.id))
    }
    acts = session.scalars(
        select(IncidentAct).where(IncidentAct.incident_id == row.id).order_by(IncidentAct.acted_at)
    ).all()
    people = _names(
        session,
        {s.owner_id for s in steps.values() if s.owner_id} | {a.acted_by for a in acts},
    )
    aware = awareness[0].aware_on if awareness else row.opened_at.date()
    zone = zone_of(session, context.organisation_id)
    flags = row.facts or {}
    return IncidentView(
        id=row.id, title=row.title, summary=row.summary, event=row.event, system=row.system,
        systems_note=row.systems_note, reporter=row.reporter,
        spi_file_ids=tuple(row.spi_file_ids or ()), source_kind=row.source_kind,
        source_ref=row.source_ref,
        flags={key: bool(flags.get(key, False)) for key in FLAGS},
        encryption_note=flags.get("encryption_note"), persons_max=row.persons_max,
        awareness=tuple(Awareness(a.unit, a.aware_on) for a in awareness), aware_date=aware,
        steps=tuple(_step_view(steps.get(step), step, ja, en, people) for step, ja, en in STEPS),
        acts=tuple(
            ActView(a.act, a.target, a.result, people.get(a.acted_by, "?"), a.acted_at)
            for a in acts
        ),
        scope=Scope(
            row.scope_actor_id, row.scope_token_id, row.scope_address, row.scope_since,
            row.scope_until, row.scope_persons, tuple(row.scope_affairs or ()),
            row.scope_entries, row.scope_refreshed_at,
        ),
        assessment=rules.assess(_facts(session, row, aware)),
        today=datetime.now(zone).date(), closed=row.closed, opened_at=row.opened_at,
    )  # fmt: skip


def incident(session: Session, context: Context, incident_id: uuid.UUID) -> IncidentView:
    _read(session, context)
    return _view(session, context, _get(session, context, incident_id))


def incidents(session: Session, context: Context) -> list[IncidentRow]:
    """The organisation's incidents, newest first, with their 確報 countdown."""
    _read(session, context)
    rows = session.scalars(
        select(Incident)
        .where(Incident.organisation_id == context.organisation_id)
        .order_by(Incident.opened_at.desc())
    ).all()
    out = []
    for row in rows:
        view = _view(session, context, row)
        out.append(
            IncidentRow(
                view.id, view.title, view.event, view.aware_date, view.assessment.reportable,
                view.assessment.final_report_due, view.days_to_final, view.closed,
            )
        )  # fmt: skip
    return out


def close(session: Session, context: Context, incident_id: uuid.UUID) -> None:
    _manage(session, context)
    row = _get(session, context, incident_id)
    row.closed, row.updated_at = True, utcnow()
    _record(session, context, AuditAction.INCIDENT_UPDATE, row, closed=True)


def set_scope_subject(
    session: Session,
    context: Context,
    incident_id: uuid.UUID,
    *,
    since: datetime,
    until: datetime,
    actor_id: uuid.UUID | None = None,
    token_id: uuid.UUID | None = None,
    address: str | None = None,
) -> None:
    """What the impact scope traces: an account, a token or an address, and a window."""
    _manage(session, context)
    row = _get(session, context, incident_id)
    if not (actor_id or token_id or address):
        raise InvalidFacts(
            "アカウント・トークン・アドレスのいずれかを指定",
            "name an account, a token or an address",
        )
    if since.astimezone(UTC) >= until.astimezone(UTC):
        raise InvalidFacts("期間の開始は終了より前", "the window must start before it ends")
    row.scope_actor_id, row.scope_token_id = actor_id, token_id
    row.scope_address = _text(address, 64, "アドレス", "address")
    row.scope_since, row.scope_until = since.astimezone(UTC), until.astimezone(UTC)
    row.updated_at = utcnow()
    _record(session, context, AuditAction.INCIDENT_UPDATE, row, scope_subject="set")


def refresh_scope(session: Session, context: Context, incident_id: uuid.UUID) -> Scope:
    """Determine the impact scope from the trail (別添2 2C) with the audit's impact-scope
    query (which needs audit:read and records the question); the count feeds persons_max."""
    _read(session, context)
    row = _get(session, context, incident_id)
    if (
        row.scope_since is None
        or row.scope_until is None
        or not (row.scope_actor_id or row.scope_token_id or row.scope_address)
    ):
        raise InvalidFacts(
            "影響範囲の対象（アカウント・トークン・アドレスと期間）が未設定です",
            "the scope's subject (account, token or address, and window) is not set",
        )
    found = queries.impact_scope(
        session, context, since=row.scope_since, until=row.scope_until,
        actor_id=row.scope_actor_id, client_address=row.scope_address,
        token_id=row.scope_token_id,
    )  # fmt: skip
    row.scope_persons = len(found.persons)
    row.scope_affairs = list(found.affairs)
    row.scope_entries = found.entries
    row.scope_refreshed_at = row.updated_at = utcnow()
    _record(
        session, context, AuditAction.INCIDENT_SCOPE, row, persons=row.scope_persons,
        entries=row.scope_entries,
    )  # fmt: skip
    return _view(session, context, row).scope


def record_act(
    session: Session,
    context: Context,
    incident_id: uuid.UUID,
    act: str,
    *,
    target: str | None = None,
    result: str | None = None,
) -> None:
    """Keep a containment act on the incident, and audit it with the incident's id (the
    act itself was authorized and audited by the service that performed it). Asked again
    here: the incident is the organisation's record, whoever calls this."""
    _read(session, context)
    row = _get(session, context, incident_id)
    session.add(
        IncidentAct(
            incident_id=row.id, act=act, target=target,
            result=_text(result, 200, "結果", "result"), acted_by=context.actor_id,
        )
    )  # fmt: skip
    row.updated_at = utcnow()
    _record(session, context, AuditAction.INCIDENT_CONTAIN, row, act=act, target=target)


def attention(session: Session, context: Context) -> list[Attention]:
    """The dashboard's countdowns (manager): each open reportable incident's 確報 deadline;
    ``overdue`` once it has passed (a reminder shows from the day it is opened). Empty, and
    no refusal recorded, for a role that cannot read incidents (the dashboard asks for all)."""
    if not decide(
        session, context, Permission.INCIDENT_READ, organisation_resource(context)
    ).allowed:
        return []
    out = []
    for row in incidents(session, context):
        if row.closed or not row.reportable or row.final_report_due is None:
            continue
        days = row.days_to_final or 0
        out.append(
            Attention(
                title_ja=f"漏えい等事案「{row.title}」の確報期限（残り{days}日）",
                title_en=f"Final report on incident “{row.title}” due in {days} days",
                due=row.final_report_due,
                link=f"/incidents/{row.id}",
                overdue=days < 0,
            )
        )
    return out


def _drafted(session: Session, incident_id: uuid.UUID, kind: str) -> bool:
    return (
        session.scalar(
            select(IncidentDraft.id).where(
                IncidentDraft.incident_id == incident_id, IncidentDraft.kind == kind
            )
        )
        is not None
    )


def local_day(session: Session, context: Context, moment: datetime) -> date:
    return moment.astimezone(zone_of(session, context.organisation_id)).date()


def _organisation_name(session: Session, context: Context) -> str:
    organisation = session.get(Organisation, context.organisation_id)
    return organisation.name if organisation is not None else ""


def draft(
    session: Session,
    context: Context,
    incident_id: uuid.UUID,
    kind: str,
    *,
    edits: dict[str, str] | None = None,
) -> DraftView:
    """A new version of a draft: filled from the incident as it stands, then with the
    person's edits of named items (masked like all free text). Earlier versions stay."""
    _manage(session, context)
    if kind not in drafts.KINDS:
        raise InvalidFacts("文書の種類が正しくありません", "unknown kind of draft")
    row = _get(session, context, incident_id)
    view = _view(session, context, row)
    built = drafts.sections(view, kind, _organisation_name(session, context))
    for heading, text in (edits or {}).items():
        masked = _text(text, 8000, "記載内容", "text") or ""
        built = [(h, masked if h == heading else t) for h, t in built]
    version = 1 + (
        session.scalar(
            select(func.max(IncidentDraft.version)).where(
                IncidentDraft.incident_id == row.id, IncidentDraft.kind == kind
            )
        )
        or 0
    )
    saved = IncidentDraft(
        incident_id=row.id, kind=kind, version=version, sections=[list(s) for s in built],
        created_by=context.actor_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(saved)
    session.flush()
    row.updated_at = utcnow()
    _record(session, context, AuditAction.INCIDENT_DRAFT, row, kind=kind, version=version)
    return _draft_view(session, saved)


def _draft_view(session: Session, row: IncidentDraft) -> DraftView:
    author = _names(session, {row.created_by}).get(row.created_by, "?")
    sections = tuple((str(h), str(t)) for h, t in row.sections)
    return DraftView(row.id, row.kind, row.version, sections, author, row.created_at)


def draft_list(session: Session, context: Context, incident_id: uuid.UUID) -> list[DraftView]:
    """Every version of every draft of the incident, newest first."""
    _read(session, context)
    row = _get(session, context, incident_id)
    found = session.scalars(
        select(IncidentDraft)
        .where(IncidentDraft.incident_id == row.id)
        .order_by(IncidentDraft.created_at.desc(), IncidentDraft.version.desc())
    ).all()
    return [_draft_view(session, d) for d in found]


def export_draft(
    session: Session, context: Context, incident_id: uuid.UUID, draft_id: uuid.UUID, fmt: str
) -> tuple[str, bytes]:
    """One draft version as PDF or Excel (to copy into the PPC's form); audited."""
    _read(session, context)
    row = _get(session, context, incident_id)
    found = session.get(IncidentDraft, draft_id)
    if found is None or found.incident_id != row.id:
        raise UnknownIncident()
    view = _draft_view(session, found)
    title = f"{drafts.KINDS[view.kind][0]}（第{view.version}版）"
    body = list(view.sections)
    organisation = _organisation_name(session, context)
    if fmt == "pdf":
        data = drafts.to_pdf(title, organisation, body)
    elif fmt == "xlsx":
        data = drafts.to_xlsx(title, organisation, body)
    else:
        raise InvalidFacts("形式は pdf 又は xlsx", "format is pdf or xlsx")
    _record(
        session, context, AuditAction.INCIDENT_EXPORT, row, draft=found.id, kind=view.kind,
        version=view.version, format=fmt,
    )  # fmt: skip
    return f"incident-{view.kind}-v{view.version}.{fmt}", data


def members(session: Session, context: Context) -> list[tuple[uuid.UUID, str]]:
    """The organisation's own users (id, display name): step owners and containment targets."""
    _read(session, context)
    rows = session.execute(
        select(User.id, User.display_name)
        .where(User.home_organisation_id == context.organisation_id, User.is_system.is_(False))
        .order_by(User.display_name)
    )
    return [(uid, name) for uid, name in rows]


def zone(session: Session, context: Context) -> ZoneInfo:
    """The organisation's zone: the pages show times in it."""
    return zone_of(session, context.organisation_id)


class AnalysisFinding(Protocol):
    """What an analysis finding (mnvault.audit.reports.analysis.Finding) offers: a record
    package names the shape, not the auditors' tool (tests/test_audit_layout.py)."""

    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> uuid.UUID | None: ...
    @property
    def seqs(self) -> tuple[int, ...]: ...
    @property
    def day(self) -> date | None: ...
    @property
    def count(self) -> int: ...


class VerificationFinding(Protocol):
    """What a verification finding (mnvault.audit.verification.findings.Finding) offers."""

    @property
    def problem(self) -> str: ...
    @property
    def message_ja(self) -> str: ...
    @property
    def message_en(self) -> str: ...
    @property
    def first_seq(self) -> int | None: ...
    @property
    def checkpoint(self) -> int | None: ...


FINDING_TITLES = {
    "spike": ("通常を大きく超える利用量", "volume spike"),
    "after_hours": ("時間外の利用", "after-hours use"),
    "bulk_export": ("大量の持出し・提供", "bulk export"),
    "dormant": ("休眠アカウントによる利用", "use by a dormant account"),
    "denial": ("拒否された試み", "refused attempts"),
}


def open_from_finding(
    session: Session,
    context: Context,
    finding: AnalysisFinding,
    *,
    aware_on: date,
    unit: str,
    event: str = Event.LEAK_SUSPECTED.value,
) -> uuid.UUID:
    """Open an incident from an analysis finding of the trail: its account and its day (in the
    organisation's zone) become the impact scope's subject, its entries the source reference."""
    zone = zone_of(session, context.organisation_id)
    since = until = None
    if finding.day is not None:
        start = datetime(finding.day.year, finding.day.month, finding.day.day, tzinfo=zone)
        since, until = start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
    ja, _en = FINDING_TITLES.get(str(finding.kind), (str(finding.kind), str(finding.kind)))
    first = f"#{finding.seqs[0]}" if finding.seqs else ""
    reference = f"{finding.kind}:{finding.day or ''}:{first}"
    return open_from(
        session, context, "analysis_finding", reference,
        title=f"監査証跡の分析: {ja}（{finding.day or ''}、{finding.count}件）",
        aware_on=aware_on, unit=unit, event=event, scope_actor_id=finding.actor,
        scope_since=since, scope_until=until,
    )  # fmt: skip


def open_from_verification(
    session: Session,
    context: Context,
    finding: VerificationFinding,
    *,
    aware_on: date,
    unit: str,
) -> uuid.UUID:
    """Open an incident from a failed trail verification (the trail was changed, cut or
    reordered): a possible 毀損 of the records, and a sign of someone covering tracks."""
    first = f"#{finding.first_seq}" if finding.first_seq is not None else ""
    reference = f"{finding.problem}:{first}" + (
        f":checkpoint {finding.checkpoint}" if finding.checkpoint is not None else ""
    )
    return open_from(
        session, context, "trail_verification", reference,
        title=f"監査証跡の検証失敗: {finding.message_ja}"[:200], aware_on=aware_on, unit=unit,
        event=Event.LEAK_SUSPECTED.value,
        summary=f"{finding.message_ja} / {finding.message_en}",
    )  # fmt: skip
