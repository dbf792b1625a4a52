"""人的安全管理措置 (別添1 2D): training plans and sessions, attendance ticked on a screen or
imported from CSV, who has not attended within the interval (for public bodies the yearly
番号法第29条の2 training of every person handling numbers), pledges of confidentiality and
the organisation's rule that an assignment needs one, and supervision of clerks (監督) with
their activity from the trail. Every change is authorized and audited.

The people concerned are the 事務取扱担当者: members with an assignment to an affair, or with
the clerk's role. Days a person types are the organisation's; times are stored UTC.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Assignment, Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import (
    authorize,
    decide,
    organisation_resource,
    roles_of,
    user_by_reference,
)
from mnvault.affairs.models import Affair
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
from mnvault.inspections.shapes import Table
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.training import csvimport
from mnvault.training.errors import (
    AttendanceFileInvalid,
    InvalidTraining,
    PledgeRequired,
    UnknownMember,
    UnknownTraining,
)
from mnvault.training.models import (
    Attendance,
    AttendanceSource,
    PeopleSetting,
    Pledge,
    PledgeKind,
    PledgeMethod,
    SupervisionReview,
    TrainingPlan,
    TrainingSession,
)
from mnvault.vault.freetext import optional_without_number, without_number

__all__ = ["PledgeKind", "PledgeMethod", "utcnow"]

DEFAULT_INTERVAL_DAYS = 365
ARTICLE_29_2_DAYS = 365  # 番号法第29条の2・施行令: おおむね一年ごと
ACTIVITY_DAYS = 90  # the window of a clerk's activity shown to the supervisor


@dataclass(frozen=True)
class Attention:
    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


@dataclass(frozen=True)
class Gap:
    """A person whose training lapses or has lapsed (never attended: ``last`` None)."""

    user_id: uuid.UUID
    name: str
    last: datetime | None
    due_on: date | None
    overdue: bool


@dataclass(frozen=True)
class SessionView:
    session: TrainingSession
    plan: TrainingPlan
    attendees: list[uuid.UUID]


@dataclass(frozen=True)
class ClerkRecord:
    user_id: uuid.UUID
    name: str
    login: str
    roles: list[str]
    affairs: list[str]
    pledges: list[Pledge]
    last_training: datetime | None
    last_article29_2: datetime | None
    activity: list[tuple[str, int]]  # (audit action, count) over ACTIVITY_DAYS
    last_seen: datetime | None
    reviews: list[SupervisionReview]


# -- helpers ----------------------------------------------------------------------------


def as_utc(value: datetime) -> datetime:
    """A time read back through an aggregate (SQLite's max() bypasses the column type)."""
    if value.tzinfo is None:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    return value


def _org(session: Session, organisation_id: uuid.UUID) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise UnknownTraining("組織", "organisation")
    return org


def is_public_body(kind: str) -> bool:
    return OrganisationKind(kind) in GOVERNMENT_KINDS


def zone(session: Session, context: Context) -> ZoneInfo:
    """The organisation's zone, in which the screens show times (Asia/Tokyo by default)."""
    return zone_of(session, context.organisation_id)


EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def sane_day(day: date) -> date:
    """A day within the years a record can mean (and date arithmetic cannot overflow)."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidTraining("日付は2000年〜2199年", "a day in the years 2000–2199")
    return day


def noon_of(session: Session, organisation_id: uuid.UUID, day: date) -> datetime:
    sane_day(day)
    zone = zone_of(session, organisation_id)
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone).astimezone(UTC)


def local_day(session: Session, organisation_id: uuid.UUID, moment: datetime) -> date:
    return moment.astimezone(zone_of(session, organisation_id)).date()


def _text(text: str, field_ja: str, field_en: str, limit: int = 200) -> str:
    text = without_number(text.strip(), field_ja, field_en)
    if not text or len(text) > limit:
        raise InvalidTraining(f"{field_ja}は1〜{limit}文字", f"{field_en}: 1–{limit} characters")
    return text


def _optional(text: str | None, field_ja: str, field_en: str) -> str | None:
    text = None if text is None or not text.strip() else text.strip()
    if text is not None and len(text) > 2000:
        raise InvalidTraining(f"{field_ja}は2000文字まで", f"{field_en}: up to 2000 characters")
    return optional_without_number(text, field_ja, field_en)


def _member(session: Session, organisation_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or not roles_of(session, user_id, organisation_id):
        raise UnknownMember()
    return user


def _names(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.login).where(User.id.in_(ids)))
    return {uid: f"{display} ({login})" for uid, display, login in rows}


def setting_of(session: Session, organisation_id: uuid.UUID) -> tuple[bool, int]:
    """(pledge required before an assignment, training interval in days)."""
    row = session.get(PeopleSetting, organisation_id)
    if row is None:
        return False, DEFAULT_INTERVAL_DAYS
    return row.require_pledge, row.training_interval_days


def handlers(session: Session, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    """事務取扱担当者: members assigned to an affair, or holding the clerk's role."""
    assigned = select(Assignment.user_id).where(Assignment.organisation_id == organisation_id)
    clerks = select(Membership.user_id).where(
        Membership.organisation_id == organisation_id, Membership.role == str(Role.CLERK)
    )
    ids = set(session.scalars(assigned)) | set(session.scalars(clerks))
    rows = session.scalars(
        select(User.id).where(User.id.in_(ids), User.is_active.is_(True), User.is_system.is_(False))
    )
    return sorted(rows)


def members(session: Session, context: Context) -> list[tuple[uuid.UUID, str]]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    rows = session.execute(
        select(User.id, User.display_name, User.login)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == context.organisation_id, User.is_system.is_(False))
        .distinct()
        .order_by(User.login)
    )
    return [(uid, f"{display} ({login})") for uid, display, login in rows]


def member_id(session: Session, context: Context, reference: str) -> uuid.UUID:
    """A member named by login (``code:login`` for another home), or UnknownMember."""
    # Asked before the act that names the member: without this, anyone could learn who
    # belongs to the organisation from the answer (a membership oracle).
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    user = user_by_reference(session, context, reference)
    if user is None or not roles_of(session, user.id, context.organisation_id):
        raise UnknownMember()
    return user.id


def settings(session: Session, context: Context) -> tuple[bool, int]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    return setting_of(session, context.organisation_id)


# -- settings ---------------------------------------------------------------------------


def set_settings(
    session: Session, context: Context, *, require_pledge: bool, training_interval_days: int
) -> PeopleSetting:
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    if not 1 <= training_interval_days <= 3660:
        raise InvalidTraining("間隔は1〜3660日", "an interval of 1–3660 days")
    row = session.get(PeopleSetting, context.organisation_id)
    if row is None:
        row = PeopleSetting(organisation_id=context.organisation_id)
        session.add(row)
    row.require_pledge = require_pledge
    row.training_interval_days = training_interval_days
    row.updated_by = context.actor_id
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.PEOPLE_SETTINGS_UPDATE,
        details={"require_pledge": require_pledge,
                 "training_interval_days": training_interval_days},
    )  # fmt: skip
    return row


# -- plans, sessions, attendance -------------------------------------------------------


def create_plan(
    session: Session, context: Context, *, title: str, fiscal_year: int, article29_2: bool = False
) -> TrainingPlan:
    """A year's training plan; ``article29_2`` marks the 番号法第29条の2 training (public
    bodies: every person handling numbers takes it about once a year)."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    if not 2000 <= fiscal_year <= 2200:
        raise InvalidTraining("年度が不正です", "invalid fiscal year")
    row = TrainingPlan(
        organisation_id=context.organisation_id, title=_text(title, "計画名", "plan title"),
        fiscal_year=fiscal_year, article29_2=article29_2, created_by=context.actor_id,
        created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.TRAINING_PLAN_CREATE,
        details={"plan": str(row.id), "fiscal_year": fiscal_year, "article29_2": article29_2},
    )  # fmt: skip
    return row


def _plan(session: Session, context: Context, plan_id: uuid.UUID) -> TrainingPlan:
    row = session.get(TrainingPlan, plan_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise UnknownTraining("研修計画", "plan")
    return row


def _session(session: Session, context: Context, session_id: uuid.UUID) -> TrainingSession:
    row = session.get(TrainingSession, session_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise UnknownTraining("研修", "session")
    return row


def add_session(
    session: Session,
    context: Context,
    *,
    plan_id: uuid.UUID,
    held_on: date,
    topic: str,
    material: str | None = None,
) -> TrainingSession:
    """A session held (or to be held) on a day: its topic and material."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    plan = _plan(session, context, plan_id)
    row = TrainingSession(
        organisation_id=context.organisation_id, plan_id=plan.id,
        held_at=noon_of(session, context.organisation_id, held_on),
        topic=_text(topic, "テーマ", "topic"), material=_optional(material, "教材", "material"),
        created_by=context.actor_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.TRAINING_SESSION_CREATE,
        details={"session": str(row.id), "plan": str(plan.id), "held_on": held_on.isoformat()},
    )  # fmt: skip
    return row


def set_attendance(
    session: Session, context: Context, *, session_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Who attended, as ticked on the screen: the ticked set replaces the session's."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    held = _session(session, context, session_id)
    wanted = set(user_ids)
    for user_id in wanted:
        _member(session, context.organisation_id, user_id)
    current = {
        a.user_id: a
        for a in session.scalars(select(Attendance).where(Attendance.session_id == held.id))
    }
    for user_id, row in current.items():
        if user_id not in wanted:
            session.delete(row)
    added = sorted(wanted - set(current))
    for user_id in added:
        session.add(_attendance(context, held.id, user_id, AttendanceSource.SCREEN))
    session.flush()
    removed = sorted(set(current) - wanted)
    audit.record(
        session, context, AuditAction.TRAINING_ATTENDANCE_RECORD,
        details={"session": str(held.id), "added": [str(u) for u in added],
                 "removed": [str(u) for u in removed]},
    )  # fmt: skip
    return sorted(wanted)


def _attendance(
    context: Context, session_id: uuid.UUID, user_id: uuid.UUID, source: AttendanceSource
) -> Attendance:
    return Attendance(
        session_id=session_id, user_id=user_id, source=source, recorded_by=context.actor_id,
        recorded_at=utcnow(),
    )  # fmt: skip


def import_attendance(
    session: Session, context: Context, *, session_id: uuid.UUID, data: bytes
) -> int:
    """Attendance from a CSV (a ``login`` column), all or nothing: any fault refuses the
    file with every faulty line named. Returns how many were added."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    held = _session(session, context, session_id)
    rows, errors = csvimport.read(data)
    users: list[uuid.UUID] = []
    for line, login in rows:
        user = user_by_reference(session, context, login)
        if user is None or not roles_of(session, user.id, context.organisation_id):
            errors.append(csvimport.LineError(line, f"利用者「{login}」はいません",
                                              f"no user '{login}'"))  # fmt: skip
            continue
        users.append(user.id)
    if not rows and not errors:
        errors.append(csvimport.LineError(2, "受講者が1人もいません", "no attendee listed"))
    if errors:
        errors.sort(key=lambda e: e.line)
        shown = errors[:20]
        more = f"（ほか{len(errors) - 20}件）" if len(errors) > 20 else ""
        raise AttendanceFileInvalid(
            "; ".join(f"{e.line}行目: {e.reason_ja}" for e in shown) + more,
            "; ".join(f"line {e.line}: {e.reason_en}" for e in shown),
        )
    present = set(
        session.scalars(select(Attendance.user_id).where(Attendance.session_id == held.id))
    )
    added = [u for u in users if u not in present]
    session.add_all(_attendance(context, held.id, u, AttendanceSource.CSV) for u in added)
    session.flush()
    audit.record(
        session, context, AuditAction.TRAINING_ATTENDANCE_IMPORT,
        details={"session": str(held.id), "rows": len(users), "added": len(added),
                 "sha256": hashlib.sha256(data).hexdigest()},
    )  # fmt: skip
    return len(added)


def sessions(session: Session, context: Context) -> list[SessionView]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    rows = session.execute(
        select(TrainingSession, TrainingPlan)
        .join(TrainingPlan, TrainingPlan.id == TrainingSession.plan_id)
        .where(TrainingSession.organisation_id == context.organisation_id)
        .order_by(TrainingSession.held_at.desc())
    ).all()
    attended: dict[uuid.UUID, list[uuid.UUID]] = {}
    for a in session.scalars(
        select(Attendance).where(Attendance.session_id.in_([s.id for s, _p in rows]))
    ):
        attended.setdefault(a.session_id, []).append(a.user_id)
    return [SessionView(s, p, sorted(attended.get(s.id, []))) for s, p in rows]


def plans(session: Session, context: Context) -> list[TrainingPlan]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(TrainingPlan)
            .where(TrainingPlan.organisation_id == context.organisation_id)
            .order_by(TrainingPlan.fiscal_year.desc(), TrainingPlan.title)
        )
    )


def last_attended(
    session: Session, organisation_id: uuid.UUID, *, article29_2: bool = False
) -> dict[uuid.UUID, datetime]:
    """Each person's latest session attended (held by now or not)."""
    query = (
        select(Attendance.user_id, func.max(TrainingSession.held_at))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(TrainingPlan, TrainingPlan.id == TrainingSession.plan_id)
        .where(TrainingSession.organisation_id == organisation_id)
        .group_by(Attendance.user_id)
    )
    if article29_2:
        query = query.where(TrainingPlan.article29_2.is_(True))
    found = {}
    for user_id, held in session.execute(query):
        found[user_id] = as_utc(held)
    return found


def gaps_of(
    session: Session,
    organisation_id: uuid.UUID,
    *,
    article29_2: bool = False,
    now: datetime | None = None,
) -> list[Gap]:
    """Every 事務取扱担当者 with their latest training and when it lapses (no authorization)."""
    _require, interval = setting_of(session, organisation_id)
    if article29_2:
        interval = ARTICLE_29_2_DAYS
    today = local_day(session, organisation_id, now or utcnow())
    last = last_attended(session, organisation_id, article29_2=article29_2)
    people = handlers(session, organisation_id)
    names = _names(session, people)
    found = []
    for user_id in people:
        held = last.get(user_id)
        due = (
            None
            if held is None
            else local_day(session, organisation_id, held) + timedelta(days=interval)
        )
        found.append(Gap(user_id, names.get(user_id, ""), held, due, due is None or today > due))
    return found


def not_attended(
    session: Session, context: Context, *, article29_2: bool = False, now: datetime | None = None
) -> list[Gap]:
    """Who has not attended within the interval (never, or lapsed), for the screen."""
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    return [g for g in gaps_of(session, context.organisation_id, article29_2=article29_2, now=now)
            if g.overdue]  # fmt: skip


# -- pledges -----------------------------------------------------------------------------


def has_pledge(session: Session, organisation_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(Pledge)
            .where(Pledge.organisation_id == organisation_id, Pledge.user_id == user_id)
        )
        or 0
    ) > 0


def check_assignment(session: Session, organisation_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The assignment service's gate: where the organisation requires a pledge before an
    assignment takes effect, a user without one is refused (bilingual PledgeRequired)."""
    require, _interval = setting_of(session, organisation_id)
    if require and not has_pledge(session, organisation_id, user_id):
        raise PledgeRequired()


OWNER_PLEDGE = "pledge"
OWNER_SESSION = "training_session"
FILE_MAX_BYTES = attachments.MAX_BYTES
CSV_MAX_BYTES = csvimport.MAX_BYTES


def my_pledges(session: Session, context: Context) -> list[Pledge]:
    """The signed-in user's own pledges (anyone may see their own)."""
    return list(
        session.scalars(
            select(Pledge)
            .where(
                Pledge.organisation_id == context.organisation_id,
                Pledge.user_id == context.actor_id,
            )
            .order_by(Pledge.signed_at.desc())
        )
    )


def record_pledge(
    session: Session,
    context: Context,
    *,
    user_id: uuid.UUID,
    kind: PledgeKind,
    signed_on: date,
    envelope: Envelope | None = None,
    filename: str = "pledge.pdf",
    file: bytes | None = None,
) -> Pledge:
    """A manager records a user's signed pledge: the signed copy sealed as an attachment
    (PDF or an image) or, without a file, an acknowledgement given on paper that day."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    _member(session, context.organisation_id, user_id)
    signed_at = noon_of(session, context.organisation_id, signed_on)
    if signed_at > utcnow() + timedelta(days=1):
        raise InvalidTraining("署名日が未来です", "the signing day is in the future")
    if file is not None and envelope is None:
        raise InvalidTraining("写しを保管できません", "the copy cannot be kept")
    method = PledgeMethod.UPLOAD if file is not None else PledgeMethod.SCREEN
    row = _pledge(
        session, context, user_id=user_id, kind=PledgeKind(kind), method=method,
        signed_at=signed_at, digest=None,
    )  # fmt: skip
    if file is not None and envelope is not None:
        kept = attachments.store(
            session, envelope, context, owner=OWNER_PLEDGE, owner_id=row.id, filename=filename,
            data=file, allowed=attachments.IMAGES_AND_PDF,
        )  # fmt: skip
        row.attachment_id = kept.id
        row.file_sha256 = kept.sha256
        session.flush()
        audit.record(
            session, context, AuditAction.PLEDGE_RECORD,
            details={"pledge": str(row.id), "attachment": str(kept.id), "sha256": kept.sha256},
        )  # fmt: skip
    return row


def attach_material(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    session_id: uuid.UUID,
    filename: str,
    data: bytes,
) -> Attachment:
    """The session's material (slides, handouts), sealed like every uploaded document."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    held = _session(session, context, session_id)
    row = attachments.store(
        session, envelope, context, owner=OWNER_SESSION, owner_id=held.id, filename=filename,
        data=data, allowed=attachments.DOCUMENTS,
    )  # fmt: skip
    audit.record(
        session, context, AuditAction.TRAINING_SESSION_CREATE,
        details={"session": str(held.id), "attachment": str(row.id), "sha256": row.sha256},
    )  # fmt: skip
    return row


def files(
    session: Session, context: Context, *, owner: str, owner_id: uuid.UUID
) -> list[Attachment]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    if owner not in {OWNER_PLEDGE, OWNER_SESSION}:
        raise UnknownTraining("添付", "attachment")
    return attachments.listing(session, context, owner=owner, owner_id=owner_id)


def open_file(
    session: Session, envelope: Envelope, context: Context, attachment_id: uuid.UUID
) -> tuple[Attachment, bytes]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    try:
        return attachments.open(
            session, envelope, context, attachment_id, owner=(OWNER_PLEDGE, OWNER_SESSION)
        )
    except AttachmentNotFound:
        raise UnknownTraining("添付", "attachment") from None


def acknowledge(session: Session, context: Context, *, kind: PledgeKind) -> Pledge:
    """The signed-in user acknowledges the pledge on screen, now (their own act)."""
    _member(session, context.organisation_id, context.actor_id)
    return _pledge(
        session, context, user_id=context.actor_id, kind=PledgeKind(kind),
        method=PledgeMethod.SCREEN, signed_at=utcnow(), digest=None,
    )  # fmt: skip


def _pledge(
    session: Session,
    context: Context,
    *,
    user_id: uuid.UUID,
    kind: PledgeKind,
    method: PledgeMethod,
    signed_at: datetime,
    digest: str | None,
) -> Pledge:
    row = Pledge(
        organisation_id=context.organisation_id, user_id=user_id, kind=kind, method=method,
        signed_at=signed_at, file_sha256=digest, recorded_by=context.actor_id,
        recorded_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.PLEDGE_RECORD,
        details={"pledge": str(row.id), "user": str(user_id), "kind": str(kind),
                 "method": str(method), "signed_at": signed_at.isoformat(), "sha256": digest},
    )  # fmt: skip
    return row


def pledges(session: Session, context: Context) -> list[Pledge]:
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(Pledge)
            .where(Pledge.organisation_id == context.organisation_id)
            .order_by(Pledge.signed_at.desc())
        )
    )


def without_pledge_of(session: Session, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    have = set(
        session.scalars(select(Pledge.user_id).where(Pledge.organisation_id == organisation_id))
    )
    return [u for u in handlers(session, organisation_id) if u not in have]


def without_pledge(session: Session, context: Context) -> list[tuple[uuid.UUID, str]]:
    """Clerks with no pledge on record (flagged on the screen and in attention)."""
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    missing = without_pledge_of(session, context.organisation_id)
    names = _names(session, missing)
    return [(u, names.get(u, "")) for u in missing]


# -- supervision ----------------------------------------------------------------------


def clerk_record(
    session: Session, context: Context, user_id: uuid.UUID, *, now: datetime | None = None
) -> ClerkRecord:
    """A clerk's record for their supervisor: assignments, pledges, training, and their
    activity in the trail over the last 90 days (counts per action; the trail holds no
    number, and neither does this)."""
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    org_id = context.organisation_id
    user = _member(session, org_id, user_id)
    affairs = sorted(
        session.scalars(
            select(Affair.code)
            .join(Assignment, Assignment.affair_id == Affair.id)
            .where(Assignment.user_id == user_id, Assignment.organisation_id == org_id)
        )
    )
    since = (now or utcnow()) - timedelta(days=ACTIVITY_DAYS)
    counted = session.execute(
        select(AuditEntry.action, func.count())
        .where(
            AuditEntry.actor_id == user_id,
            AuditEntry.organisation_id == org_id,
            AuditEntry.occurred_at >= since,
        )
        .group_by(AuditEntry.action)
        .order_by(func.count().desc(), AuditEntry.action)
    ).all()
    last_seen = session.scalar(
        select(func.max(AuditEntry.occurred_at)).where(
            AuditEntry.actor_id == user_id, AuditEntry.organisation_id == org_id
        )
    )
    last_seen = None if last_seen is None else as_utc(last_seen)
    return ClerkRecord(
        user.id, user.display_name, user.login,
        sorted(str(r) for r in roles_of(session, user_id, org_id)), affairs,
        list(session.scalars(
            select(Pledge).where(Pledge.organisation_id == org_id, Pledge.user_id == user_id)
            .order_by(Pledge.signed_at.desc())
        )),
        last_attended(session, org_id).get(user_id),
        last_attended(session, org_id, article29_2=True).get(user_id),
        [(str(a), int(n)) for a, n in counted], last_seen,
        list(session.scalars(
            select(SupervisionReview)
            .where(SupervisionReview.organisation_id == org_id,
                   SupervisionReview.user_id == user_id)
            .order_by(SupervisionReview.reviewed_at.desc())
        )),
    )  # fmt: skip


def review(
    session: Session, context: Context, *, user_id: uuid.UUID, note: str | None = None
) -> SupervisionReview:
    """The supervisor records that they looked at the clerk's activity (監督, 別添1 2D a)."""
    authorize(session, context, Permission.TRAINING_MANAGE, organisation_resource(context))
    _member(session, context.organisation_id, user_id)
    row = SupervisionReview(
        organisation_id=context.organisation_id, user_id=user_id,
        note=_optional(note, "所見", "note"), reviewed_by=context.actor_id, reviewed_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.SUPERVISION_REVIEW,
        details={"review": str(row.id), "user": str(user_id)},
    )  # fmt: skip
    return row


# -- attention ---------------------------------------------------------------------------


def attention(
    session: Session, context: Context, *, now: datetime | None = None
) -> list[Attention]:
    """For the dashboard (managers, chief and protection officers): people untrained within
    the interval, the 第29条の2 training of a public body, clerks with no pledge."""
    if not decide(
        session, context, Permission.TRAINING_READ, organisation_resource(context)
    ).allowed:
        return []
    org = _org(session, context.organisation_id)
    found: list[Attention] = []
    checks = [(False, "研修", "training")]
    if is_public_body(org.kind):
        checks.append((True, "番号法第29条の2の研修", "the Act art. 29-2 training"))
    for article, ja, en in checks:
        for gap in gaps_of(session, org.id, article29_2=article, now=now):
            if gap.overdue:
                found.append(
                    Attention(
                        f"{gap.name}: {ja}が未受講・期限切れ",
                        f"{gap.name}: {en} lapsed",
                        gap.due_on,
                        "/training",
                        True,
                    )
                )
    for user_id in without_pledge_of(session, org.id):
        name = _names(session, [user_id]).get(user_id, "")
        found.append(
            Attention(
                f"{name}: 秘密保持の誓約書なし",
                f"{name}: no pledge on record",
                None,
                f"/training/clerks/{user_id}",
                True,
            )
        )
    return found


# -- registers ---------------------------------------------------------------------------

KIND_LABELS = {PledgeKind.PLEDGE: "秘密保持の誓約書", PledgeKind.WORK_RULES: "就業規則の該当条項"}
METHOD_LABELS = {PledgeMethod.UPLOAD: "署名済みの写し", PledgeMethod.SCREEN: "画面・書面で確認"}
# The screens' names, with the English of the language switch.
KIND_NAMES = {
    PledgeKind.PLEDGE: (KIND_LABELS[PledgeKind.PLEDGE], "pledge of confidentiality"),
    PledgeKind.WORK_RULES: (KIND_LABELS[PledgeKind.WORK_RULES], "clause of the work rules"),
}
METHOD_NAMES = {
    PledgeMethod.UPLOAD: (METHOD_LABELS[PledgeMethod.UPLOAD], "signed copy"),
    PledgeMethod.SCREEN: (METHOD_LABELS[PledgeMethod.SCREEN], "confirmed on screen or paper"),
}


def registers(session: Session, context: Context, *, now: datetime | None = None) -> list[Table]:
    """The training register (sessions and attendance), who is due, and the pledge
    register, for CSV and Excel; the export is audited."""
    authorize(session, context, Permission.TRAINING_READ, organisation_resource(context))
    org_id = context.organisation_id
    zone = zone_of(session, org_id)
    views = sessions(session, context)
    people = sorted({u for v in views for u in v.attendees})
    kept = pledges(session, context)
    names = _names(session, [*people, *(p.user_id for p in kept)])

    def day(moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(zone).date()

    held = Table(
        "研修 sessions",
        ["ID", "実施日 day", "計画 plan", "年度 year", "第29条の2 art. 29-2", "テーマ topic",
         "教材 material", "受講者数 attendees"],
        [[str(v.session.id), day(v.session.held_at), v.plan.title, v.plan.fiscal_year,
          "はい" if v.plan.article29_2 else "", v.session.topic, v.session.material,
          len(v.attendees)] for v in views],
    )  # fmt: skip
    attendance = Table(
        "受講 attendance",
        ["研修 session", "実施日 day", "テーマ topic", "受講者 attendee"],
        [[str(v.session.id), day(v.session.held_at), v.session.topic, names.get(u, "")]
         for v in views for u in v.attendees],
    )  # fmt: skip
    gaps = gaps_of(session, org_id, now=now)
    due = Table(
        "受講状況 training due",
        ["担当者 person", "最終受講 last attended", "期限 due", "期限切れ・未受講 overdue"],
        [[g.name, day(g.last), g.due_on, "はい" if g.overdue else ""] for g in gaps],
    )  # fmt: skip
    pledge_table = Table(
        "誓約書 pledges",
        ["ID", "利用者 user", "種類 kind", "方法 method", "署名日 signed", "SHA-256"],
        [[str(p.id), names.get(p.user_id, ""), KIND_LABELS[p.kind], METHOD_LABELS[p.method],
          day(p.signed_at), p.file_sha256] for p in kept],
    )  # fmt: skip
    audit.record(
        session, context, AuditAction.TRAINING_EXPORT,
        details={"sessions": len(views), "pledges": len(kept)},
    )  # fmt: skip
    return [held, attendance, due, pledge_table]
