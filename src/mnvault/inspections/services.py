"""点検・監査 (別添1 2C e; 行政機関等編 監査): schedules, inspections from the catalogue's
checklist, per-item results, corrective actions and, for public bodies, the 監査責任者's
report to the 総括責任者. Every change is authorized and audited in the caller's transaction.

Days a person types are the organisation's (Asia/Tokyo by default); times are stored UTC.
Nothing here reads or returns a number; free text carrying one is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.context import Context
from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import (
    authorize,
    decide,
    organisation_resource,
    roles_of,
    user_by_reference,
)
from mnvault.attachments import services as attachments
from mnvault.attachments.errors import AttachmentNotFound
from mnvault.attachments.models import Attachment
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.audit.period import zone_of
from mnvault.compliance.catalogue import GOVERNMENT_KINDS
from mnvault.crypto import Envelope
from mnvault.db.base import utcnow
from mnvault.inspections.checklist import ChecklistItem, checklist, describe
from mnvault.inspections.errors import (
    InspectionClosed,
    InvalidInspection,
    NotAPublicBody,
    NotFinished,
    UnknownAction,
    UnknownInspection,
)
from mnvault.inspections.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionSchedule,
    InspectionStatus,
    ItemResult,
)
from mnvault.inspections.schedule import (
    DEFAULT_INTERVALS,
    MAX_INTERVAL_DAYS,
    Due,
    action_overdue,
    next_due,
)
from mnvault.inspections.shapes import Table
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.freetext import optional_without_number, without_number

__all__ = [
    "ActionStatus",
    "InspectionKind",
    "InspectionStatus",
    "ItemResult",
]

SOON_DAYS = 14  # an action due within this many days is shown before it is overdue


@dataclass(frozen=True)
class Attention:
    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


@dataclass(frozen=True)
class ItemView:
    item: InspectionItem
    about: ChecklistItem | None
    actions: list[CorrectiveAction]


@dataclass(frozen=True)
class InspectionView:
    inspection: Inspection
    items: list[ItemView]
    names: dict[uuid.UUID, str]
    public_body: bool
    today: date

    def name(self, user_id: uuid.UUID | None) -> str:
        return "" if user_id is None else self.names.get(user_id, str(user_id))

    def overdue(self, action: CorrectiveAction) -> bool:
        return action_overdue(action.status, action.due_on, self.today)


@dataclass(frozen=True)
class ActionView:
    action: CorrectiveAction
    owner: str
    overdue: bool
    inspection_title: str


# -- small helpers ----------------------------------------------------------------------


def _org(session: Session, context: Context) -> Organisation:
    org = session.get(Organisation, context.organisation_id)
    if org is None:
        raise UnknownInspection("組織", "organisation")
    return org


def is_public_body(kind: str) -> bool:
    return OrganisationKind(kind) in GOVERNMENT_KINDS


def zone(session: Session, context: Context) -> ZoneInfo:
    """The organisation's zone, in which the screens show times (Asia/Tokyo by default)."""
    return zone_of(session, context.organisation_id)


def today_of(session: Session, organisation_id: uuid.UUID, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone_of(session, organisation_id)).date()


EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def sane_day(day: date) -> date:
    """A day within the years a record can mean (and date arithmetic cannot overflow)."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidInspection("日付は2000年〜2199年", "a day in the years 2000–2199")
    return day


def noon_of(session: Session, organisation_id: uuid.UUID, day: date) -> datetime:
    """A day the person typed, as the UTC instant of its local noon (a day stays that day)."""
    sane_day(day)
    zone = zone_of(session, organisation_id)
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone).astimezone(UTC)


def _title(text: str, field_ja: str, field_en: str) -> str:
    text = without_number(text.strip(), field_ja, field_en)
    if not text or len(text) > 200:
        raise InvalidInspection(f"{field_ja}は1〜200文字", f"{field_en}: 1–200 characters")
    return text


def _note(text: str | None, field_ja: str, field_en: str) -> str | None:
    text = None if text is None or not text.strip() else text.strip()
    if text is not None and len(text) > 2000:
        raise InvalidInspection(f"{field_ja}は2000文字まで", f"{field_en}: up to 2000 characters")
    return optional_without_number(text, field_ja, field_en)


def _inspection(session: Session, context: Context, inspection_id: uuid.UUID) -> Inspection:
    row = session.get(Inspection, inspection_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise UnknownInspection()
    return row


def _open(session: Session, context: Context, inspection_id: uuid.UUID) -> Inspection:
    row = _inspection(session, context, inspection_id)
    if row.status is not InspectionStatus.OPEN:
        raise InspectionClosed()
    return row


def _action(session: Session, context: Context, action_id: uuid.UUID) -> CorrectiveAction:
    row = session.get(CorrectiveAction, action_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise UnknownAction()
    return row


def _member(session: Session, context: Context, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or not roles_of(session, user_id, context.organisation_id):
        raise InvalidInspection("担当者はこの組織の利用者", "the owner must be a member")
    return user


def names_of(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.login).where(User.id.in_(wanted))
    )
    return {uid: f"{display} ({login})" for uid, display, login in rows}


def members(session: Session, context: Context) -> list[tuple[uuid.UUID, str]]:
    """The organisation's members, for choosing an owner or a recipient."""
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    rows = session.execute(
        select(User.id, User.display_name, User.login)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == context.organisation_id, User.is_system.is_(False))
        .distinct()
        .order_by(User.login)
    )
    return [(uid, f"{display} ({login})") for uid, display, login in rows]


def member_id(session: Session, context: Context, reference: str) -> uuid.UUID:
    """A member named by login (``code:login`` for another home), or InvalidInspection."""
    # Asked before the act that names the member: without this, anyone could learn who
    # belongs to the organisation from the answer (a membership oracle).
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    user = user_by_reference(session, context, reference)
    if user is None or not roles_of(session, user.id, context.organisation_id):
        raise InvalidInspection("その利用者はこの組織にいません", "no such member")
    return user.id


def checklist_for(session: Session, context: Context) -> list[ChecklistItem]:
    """The checklist an inspection of this organisation starts with."""
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    return checklist(_org(session, context).kind)


# -- schedules --------------------------------------------------------------------------


def last_completed_on(
    session: Session, organisation_id: uuid.UUID, kind: InspectionKind
) -> date | None:
    last = session.scalar(
        select(func.max(Inspection.performed_at)).where(
            Inspection.organisation_id == organisation_id,
            Inspection.kind == kind,
            Inspection.status != InspectionStatus.OPEN,
        )
    )
    if last is None:
        return None
    if last.tzinfo is None:  # SQLite's max() bypasses the column type
        last = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
    return last.astimezone(zone_of(session, organisation_id)).date()


def dues(session: Session, organisation_id: uuid.UUID, *, now: datetime | None = None) -> list[Due]:
    """Each kind's next due day (no authorization: attention and evidence read it too).
    Without a schedule of its own, a kind is first due one interval after the
    organisation was set up."""
    org = session.get(Organisation, organisation_id)
    today = today_of(session, organisation_id, now)
    rows = {
        r.kind: r
        for r in session.scalars(
            select(InspectionSchedule).where(InspectionSchedule.organisation_id == organisation_id)
        )
    }
    found = []
    for kind in InspectionKind:
        row = rows.get(kind)
        interval = row.interval_days if row else DEFAULT_INTERVALS[kind]
        created = org.created_at if org is not None else utcnow()
        starts = (
            row.starts_on
            if row
            else created.astimezone(zone_of(session, organisation_id)).date()
            + timedelta(days=interval)
        )
        last = last_completed_on(session, organisation_id, kind)
        found.append(next_due(kind, interval, starts, last, today))
    return found


def schedules(session: Session, context: Context, *, now: datetime | None = None) -> list[Due]:
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    return dues(session, context.organisation_id, now=now)


def set_schedule(
    session: Session,
    context: Context,
    *,
    kind: InspectionKind,
    interval_days: int,
    starts_on: date,
) -> InspectionSchedule:
    """The organisation's interval for a kind (quarterly, yearly …) and its first due day."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    if not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise InvalidInspection("間隔は1〜3660日", "an interval of 1–3660 days")
    kind = InspectionKind(kind)
    row = session.scalar(
        select(InspectionSchedule).where(
            InspectionSchedule.organisation_id == context.organisation_id,
            InspectionSchedule.kind == kind,
        )
    )
    if row is None:
        row = InspectionSchedule(organisation_id=context.organisation_id, kind=kind)
        session.add(row)
    row.interval_days = interval_days
    row.starts_on = sane_day(starts_on)
    row.updated_by = context.actor_id
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.INSPECTION_SCHEDULE_UPDATE,
        details={"kind": str(kind), "interval_days": interval_days,
                 "starts_on": starts_on.isoformat()},
    )  # fmt: skip
    return row


# -- an inspection ----------------------------------------------------------------------


def start(
    session: Session,
    context: Context,
    *,
    kind: InspectionKind,
    title: str,
    performed_on: date | None = None,
) -> Inspection:
    """Open an inspection with the checklist of the organisation's kind, every item pending."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    org = _org(session, context)
    title = _title(title, "題名", "title")
    now = utcnow()
    performed_at = now if performed_on is None else noon_of(session, org.id, performed_on)
    if performed_at > now + timedelta(days=1):
        raise InvalidInspection("実施日が未来です", "the day is in the future")
    row = Inspection(
        organisation_id=org.id, kind=InspectionKind(kind), title=title,
        status=InspectionStatus.OPEN, performed_at=performed_at, inspector_id=context.actor_id,
        created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    items = checklist(org.kind)
    session.add_all(
        InspectionItem(
            inspection_id=row.id,
            position=i,
            measure_id=entry.measure_id,
            result=ItemResult.PENDING,
        )
        for i, entry in enumerate(items)
    )
    session.flush()
    audit.record(
        session, context, AuditAction.INSPECTION_CREATE,
        details={"inspection": str(row.id), "kind": str(row.kind), "items": len(items),
                 "performed_at": performed_at.isoformat()},
    )  # fmt: skip
    return row


def record_item(
    session: Session,
    context: Context,
    *,
    item_id: uuid.UUID,
    result: ItemResult,
    note: str | None = None,
) -> InspectionItem:
    """One item's result: OK, a finding, or not applicable, with a note (a finding needs one)."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    item = session.get(InspectionItem, item_id)
    if item is None:
        raise UnknownInspection("項目", "item")
    inspection = _open(session, context, item.inspection_id)
    result = ItemResult(result)
    if result is ItemResult.PENDING:
        raise InvalidInspection("結果を選んでください", "choose a result")
    note = _note(note, "所見", "note")
    if result is ItemResult.FINDING and note is None:
        raise InvalidInspection("指摘事項には所見が必要です", "a finding needs a note")
    item.result = result
    item.note = note
    item.recorded_by = context.actor_id
    item.recorded_at = utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.INSPECTION_ITEM_RECORD,
        details={"inspection": str(inspection.id), "item": str(item.id),
                 "measure": item.measure_id, "result": str(result)},
    )  # fmt: skip
    return item


def rest_ok(session: Session, context: Context, *, inspection_id: uuid.UUID) -> int:
    """Record every item still pending as OK (after the findings are noted); how many."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    inspection = _open(session, context, inspection_id)
    pending = list(
        session.scalars(
            select(InspectionItem).where(
                InspectionItem.inspection_id == inspection.id,
                InspectionItem.result == ItemResult.PENDING,
            )
        )
    )
    now = utcnow()
    for item in pending:
        item.result = ItemResult.OK
        item.recorded_by = context.actor_id
        item.recorded_at = now
    session.flush()
    audit.record(
        session, context, AuditAction.INSPECTION_ITEM_RECORD,
        details={"inspection": str(inspection.id), "result": str(ItemResult.OK),
                 "items": len(pending), "measures": [i.measure_id for i in pending]},
    )  # fmt: skip
    return len(pending)


def attach_report(
    session: Session, context: Context, *, inspection_id: uuid.UUID, report_seq: int
) -> Inspection:
    """Attach a periodic analysis report of the trail (its ``audit:report`` entry) as the
    inspection's evidence for 2C b / 2C e."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    inspection = _inspection(session, context, inspection_id)
    entry = session.get(AuditEntry, report_seq)
    if (
        entry is None
        or entry.organisation_id != context.organisation_id
        or entry.action != str(AuditAction.AUDIT_REPORT)
    ):
        raise InvalidInspection(
            f"分析報告書 {report_seq} はありません", f"no analysis report {report_seq}"
        )
    inspection.report_seq = report_seq
    session.flush()
    audit.record(
        session, context, AuditAction.INSPECTION_ATTACH,
        details={"inspection": str(inspection.id), "report_seq": report_seq},
    )  # fmt: skip
    return inspection


def complete(
    session: Session, context: Context, *, inspection_id: uuid.UUID, summary: str | None = None
) -> Inspection:
    """Close the inspection: every item recorded, every finding with a corrective action."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    inspection = _open(session, context, inspection_id)
    items = list(
        session.scalars(select(InspectionItem).where(InspectionItem.inspection_id == inspection.id))
    )
    with_action = set(
        session.scalars(
            select(CorrectiveAction.item_id).where(CorrectiveAction.inspection_id == inspection.id)
        )
    )
    pending = sum(1 for i in items if i.result is ItemResult.PENDING)
    bare = sum(1 for i in items if i.result is ItemResult.FINDING and i.id not in with_action)
    if pending or bare:
        raise NotFinished(
            f"未記入 {pending} 件、是正措置のない指摘 {bare} 件",
            f"{pending} items not recorded, {bare} findings without an action",
        )
    inspection.summary = _note(summary, "総括", "summary")
    inspection.status = InspectionStatus.COMPLETED
    inspection.completed_at = utcnow()
    session.flush()
    counts = {str(r): sum(1 for i in items if i.result is r) for r in ItemResult}
    audit.record(
        session, context, AuditAction.INSPECTION_COMPLETE,
        details={"inspection": str(inspection.id), **counts},
    )  # fmt: skip
    return inspection


def report_to_chief(
    session: Session, context: Context, *, inspection_id: uuid.UUID, chief_id: uuid.UUID
) -> Inspection:
    """行政機関等編 別添1 2C e: 監査責任者は…その結果を総括責任者に報告する. The reporter holds
    the auditor role (監査責任者), the recipient the chief officer's (総括責任者)."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    org = _org(session, context)
    if not is_public_body(org.kind):
        raise NotAPublicBody()
    inspection = _inspection(session, context, inspection_id)
    if inspection.status is not InspectionStatus.COMPLETED:
        raise InvalidInspection("完了した監査を報告します", "complete the audit before reporting")
    if Role.AUDITOR not in roles_of(session, context.actor_id, org.id):
        raise InvalidInspection("報告するのは監査責任者です", "the audit officer reports")
    if Role.CHIEF_OFFICER not in roles_of(session, chief_id, org.id):
        raise InvalidInspection("報告先は総括責任者です", "the recipient is the chief officer")
    inspection.status = InspectionStatus.REPORTED
    inspection.reported_at = utcnow()
    inspection.reported_by = context.actor_id
    inspection.reported_to = chief_id
    session.flush()
    audit.record(
        session, context, AuditAction.INSPECTION_REPORT_TO_CHIEF,
        details={"inspection": str(inspection.id), "chief": str(chief_id)},
    )  # fmt: skip
    return inspection


# -- attachments ------------------------------------------------------------------------

OWNER_INSPECTION = "inspection"
FILE_MAX_BYTES = attachments.MAX_BYTES
OWNER_ACTION = "corrective_action"


def attach_file(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    inspection_id: uuid.UUID,
    filename: str,
    data: bytes,
) -> Attachment:
    """A file kept with the inspection (photos, signed sheets, an external audit's report),
    sealed like every uploaded document."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    inspection = _inspection(session, context, inspection_id)
    row = attachments.store(
        session, envelope, context, owner=OWNER_INSPECTION, owner_id=inspection.id,
        filename=filename, data=data, allowed=attachments.DOCUMENTS,
    )  # fmt: skip
    audit.record(
        session, context, AuditAction.INSPECTION_ATTACH,
        details={"inspection": str(inspection.id), "attachment": str(row.id),
                 "sha256": row.sha256},
    )  # fmt: skip
    return row


def files(
    session: Session, context: Context, *, owner: str, owner_id: uuid.UUID
) -> list[Attachment]:
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    if owner not in {OWNER_INSPECTION, OWNER_ACTION}:
        raise UnknownInspection("添付", "attachment")
    return attachments.listing(session, context, owner=owner, owner_id=owner_id)


def open_file(
    session: Session, envelope: Envelope, context: Context, attachment_id: uuid.UUID
) -> tuple[Attachment, bytes]:
    """A file of an inspection or of a corrective action, for one who may read them."""
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    try:
        return attachments.open(
            session, envelope, context, attachment_id, owner=(OWNER_INSPECTION, OWNER_ACTION)
        )
    except AttachmentNotFound:
        raise UnknownInspection("添付", "attachment") from None


# -- corrective actions ---------------------------------------------------------------


def add_action(
    session: Session,
    context: Context,
    *,
    item_id: uuid.UUID,
    title: str,
    owner_id: uuid.UUID,
    due_on: date,
) -> CorrectiveAction:
    """A finding becomes a corrective action with an owner and a due day."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    item = session.get(InspectionItem, item_id)
    if item is None:
        raise UnknownInspection("項目", "item")
    inspection = _inspection(session, context, item.inspection_id)
    if item.result is not ItemResult.FINDING:
        raise InvalidInspection("是正措置は指摘事項に付けます", "an action follows a finding")
    _member(session, context, owner_id)
    sane_day(due_on)
    row = CorrectiveAction(
        organisation_id=context.organisation_id, inspection_id=inspection.id, item_id=item.id,
        measure_id=item.measure_id, title=_title(title, "是正措置", "action"), owner_id=owner_id,
        due_on=due_on, status=ActionStatus.OPEN, created_by=context.actor_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.CORRECTIVE_ACTION_CREATE,
        details={"action": str(row.id), "inspection": str(inspection.id),
                 "measure": row.measure_id, "owner": str(owner_id), "due_on": due_on.isoformat()},
    )  # fmt: skip
    return row


def start_action(session: Session, context: Context, *, action_id: uuid.UUID) -> CorrectiveAction:
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    row = _action(session, context, action_id)
    if row.status is not ActionStatus.OPEN:
        raise InvalidInspection("未着手の是正措置ではありません", "the action is not open")
    row.status = ActionStatus.IN_PROGRESS
    session.flush()
    audit.record(
        session, context, AuditAction.CORRECTIVE_ACTION_UPDATE,
        details={"action": str(row.id), "status": str(row.status)},
    )  # fmt: skip
    return row


def close_action(
    session: Session,
    context: Context,
    *,
    action_id: uuid.UUID,
    note: str,
    envelope: Envelope | None = None,
    file: tuple[str, bytes] | None = None,
) -> CorrectiveAction:
    """Close an action, saying what was done: the record is the evidence the measure was
    reviewed and improved (別添1 2C e: 評価、見直し及び改善)."""
    authorize(session, context, Permission.INSPECTION_RECORD, organisation_resource(context))
    row = _action(session, context, action_id)
    if row.status is ActionStatus.CLOSED:
        raise InvalidInspection("既に完了しています", "the action is already closed")
    closing = _note(note, "対応内容", "what was done")
    if closing is None:
        raise InvalidInspection("対応内容を書いてください", "say what was done")
    row.status = ActionStatus.CLOSED
    row.closing_note = closing
    row.closed_at = utcnow()
    row.closed_by = context.actor_id
    session.flush()
    kept = None
    if file is not None and envelope is not None:  # the evidence of what was done
        kept = attachments.store(
            session, envelope, context, owner=OWNER_ACTION, owner_id=row.id, filename=file[0],
            data=file[1], allowed=attachments.DOCUMENTS,
        )  # fmt: skip
    audit.record(
        session, context, AuditAction.CORRECTIVE_ACTION_CLOSE,
        details={"action": str(row.id), "measure": row.measure_id,
                 "closed_at": row.closed_at.isoformat(),
                 "attachment": str(kept.id) if kept else None,
                 "sha256": kept.sha256 if kept else None},
    )  # fmt: skip
    return row


# -- reading ----------------------------------------------------------------------------


def listing(session: Session, context: Context) -> list[Inspection]:
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(Inspection)
            .where(Inspection.organisation_id == context.organisation_id)
            .order_by(Inspection.performed_at.desc())
        )
    )


def detail(
    session: Session, context: Context, inspection_id: uuid.UUID, *, now: datetime | None = None
) -> InspectionView:
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    org = _org(session, context)
    inspection = _inspection(session, context, inspection_id)
    items = list(
        session.scalars(
            select(InspectionItem)
            .where(InspectionItem.inspection_id == inspection.id)
            .order_by(InspectionItem.position)
        )
    )
    actions: dict[uuid.UUID, list[CorrectiveAction]] = {}
    for action in session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.inspection_id == inspection.id)
        .order_by(CorrectiveAction.created_at)
    ):
        actions.setdefault(action.item_id, []).append(action)
    people = {inspection.inspector_id, inspection.reported_by, inspection.reported_to}
    people |= {a.owner_id for group in actions.values() for a in group}
    people |= {a.closed_by for group in actions.values() for a in group}
    people |= {i.recorded_by for i in items}
    return InspectionView(
        inspection,
        [ItemView(i, describe(i.measure_id, org.kind), actions.get(i.id, [])) for i in items],
        names_of(session, people),
        is_public_body(org.kind),
        today_of(session, org.id, now),
    )


def actions(
    session: Session, context: Context, *, open_only: bool = False, now: datetime | None = None
) -> list[ActionView]:
    """The register of corrective actions, the earliest due first."""
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    return action_views(session, context.organisation_id, open_only=open_only, now=now)


def action_views(
    session: Session, organisation_id: uuid.UUID, *, open_only: bool, now: datetime | None = None
) -> list[ActionView]:
    query = (
        select(CorrectiveAction, Inspection.title)
        .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
        .where(CorrectiveAction.organisation_id == organisation_id)
        .order_by(CorrectiveAction.due_on, CorrectiveAction.created_at)
    )
    if open_only:
        query = query.where(CorrectiveAction.status != ActionStatus.CLOSED)
    rows = session.execute(query).all()
    today = today_of(session, organisation_id, now)
    names = names_of(session, {a.owner_id for a, _t in rows})
    return [
        ActionView(a, names.get(a.owner_id, ""), action_overdue(a.status, a.due_on, today), title)
        for a, title in rows
    ]


def attention(
    session: Session, context: Context, *, now: datetime | None = None
) -> list[Attention]:
    """For the dashboard (auditors and managers): overdue or soon-due corrective actions and
    inspections. Nothing for a role that may not read inspections."""
    allowed = decide(
        session, context, Permission.INSPECTION_READ, organisation_resource(context)
    ).allowed
    if not allowed:
        return []
    today = today_of(session, context.organisation_id, now)
    found: list[Attention] = []
    for view in action_views(session, context.organisation_id, open_only=True, now=now):
        a = view.action
        if view.overdue or a.due_on <= today + timedelta(days=SOON_DAYS):
            found.append(
                Attention(
                    f"是正措置「{a.title}」（担当 {view.owner}）",
                    f"corrective action '{a.title}' (owner {view.owner})",
                    a.due_on,
                    f"/inspections/{a.inspection_id}#action-{a.id}",
                    view.overdue,
                )
            )
    for due in dues(session, context.organisation_id, now=now):
        if due.overdue or due.due_on <= today + timedelta(days=SOON_DAYS):
            ja, en = KIND_LABELS[due.kind]
            found.append(
                Attention(f"{ja}の実施", f"hold the {en}", due.due_on, "/inspections", due.overdue)
            )
    return found


KIND_LABELS = {
    InspectionKind.SELF: ("自己点検", "self-inspection"),
    InspectionKind.AUDIT: ("監査", "audit"),
}
RESULT_LABELS = {
    ItemResult.PENDING: ("未記入", "pending"),
    ItemResult.OK: ("適合", "OK"),
    ItemResult.FINDING: ("指摘事項", "finding"),
    ItemResult.NOT_APPLICABLE: ("該当なし", "not applicable"),
}
STATUS_LABELS = {
    InspectionStatus.OPEN: ("実施中", "in progress"),
    InspectionStatus.COMPLETED: ("完了", "completed"),
    InspectionStatus.REPORTED: ("総括責任者へ報告済み", "reported to the chief officer"),
}
ACTION_LABELS = {
    ActionStatus.OPEN: ("未着手", "open"),
    ActionStatus.IN_PROGRESS: ("対応中", "in progress"),
    ActionStatus.CLOSED: ("完了", "closed"),
}


# -- registers ---------------------------------------------------------------------------


def registers(session: Session, context: Context, *, now: datetime | None = None) -> list[Table]:
    """The inspection register and the corrective-action register (times in the
    organisation's zone), for CSV and Excel; the export is audited."""
    authorize(session, context, Permission.INSPECTION_READ, organisation_resource(context))
    zone = zone_of(session, context.organisation_id)
    rows = listing(session, context)
    counts: dict[uuid.UUID, dict[ItemResult, int]] = {}
    for inspection_id, result, n in session.execute(
        select(InspectionItem.inspection_id, InspectionItem.result, func.count())
        .where(InspectionItem.inspection_id.in_([r.id for r in rows]))
        .group_by(InspectionItem.inspection_id, InspectionItem.result)
    ):
        counts.setdefault(inspection_id, {})[ItemResult(result)] = int(n)
    people: set[uuid.UUID | None] = {r.inspector_id for r in rows}
    names = names_of(session, people | {r.reported_to for r in rows})

    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else local_time.local(moment, zone)

    inspections_table = Table(
        "点検・監査 inspections",
        ["ID", "種別 kind", "題名 title", "実施日 performed", "実施者 inspector",
         "状態 status", "適合 ok", "指摘 findings", "該当なし n/a", "未記入 pending",
         "分析報告書 trail report", "総括責任者への報告 reported to", "報告日時 reported at"],
        [
            [str(r.id), KIND_LABELS[r.kind][0], r.title, r.performed_at.astimezone(zone).date(),
             names.get(r.inspector_id, ""), STATUS_LABELS[r.status][0],
             *(counts.get(r.id, {}).get(k, 0) for k in (
                 ItemResult.OK, ItemResult.FINDING, ItemResult.NOT_APPLICABLE, ItemResult.PENDING)),
             r.report_seq, names.get(r.reported_to, "") if r.reported_to else None,
             local(r.reported_at)]
            for r in rows
        ],
    )  # fmt: skip
    views = action_views(session, context.organisation_id, open_only=False, now=now)
    actions_table = Table(
        "是正措置 corrective actions",
        ["ID", "点検 inspection", "措置 measure", "是正措置 action", "担当 owner", "期限 due",
         "状態 status", "期限切れ overdue", "完了日時 closed at", "対応内容 what was done"],
        [
            [str(v.action.id), v.inspection_title, v.action.measure_id, v.action.title, v.owner,
             v.action.due_on, ACTION_LABELS[v.action.status][0], "はい" if v.overdue else "",
             local(v.action.closed_at), v.action.closing_note]
            for v in views
        ],
    )  # fmt: skip
    audit.record(
        session, context, AuditAction.INSPECTION_EXPORT,
        details={"inspections": len(rows), "actions": len(views)},
    )  # fmt: skip
    return [inspections_table, actions_table]
