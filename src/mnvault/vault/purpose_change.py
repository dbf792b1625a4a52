"""Adding an affair to a number already held: a change of purpose (利用目的の変更).

A number is used only within the purpose specified; when a further affair needs it, the
purpose may be changed within what is reasonably related to the first one, and the
person notified (事業者編 第4-1-(1) 1 B a 利用目的を超えた個人番号の利用禁止, citing
個人情報保護法第17条第2項・第21条第3項; its example: a number given for the 源泉徴収票
used for 健康保険・厚生年金保険届出事務 after notice). The number is not acquired again:
the affair is added to the ones it is held for, with when and how the person was told,
in the audit trail. The reverse (an affair acquired for by mistake) is withdrawal.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import decide, person_resource
from mnvault.affairs.models import Affair
from mnvault.affairs.services import admit_holder, get_affair, offered_affairs
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.numbers import redact
from mnvault.vault.acquisition import admit_kind
from mnvault.vault.errors import AffairAlreadyHeld, InvalidInput, NotHeld
from mnvault.vault.freetext import without_number
from mnvault.vault.models import NumberRecord, NumberRecordAffair, Person
from mnvault.vault.services import _authorized_person
from mnvault.vault.withdrawal import _affair_codes

# Deciding what a number is used for is the 責任者's (policy table MANAGER_DUTIES).
PERMISSION = Permission.AFFAIR_MANAGE
NOTE_MAX = 1000
GUIDELINE = "事業者編 第4-1-(1) 1 B a; 個人情報保護法第17条第2項・第21条第3項"


class NoticeMethod(StrEnum):
    """How the person was told: the ways 事業者編 第4-1-(1) 1 B a names (社内LANにおける
    通知, 利用目的を記載した書類の提示, 就業規則への明記, ホームページ等への掲載), and others."""

    INTRANET = "intranet"  # 社内LANにおける通知
    DOCUMENT = "document"  # 利用目的を記載した書類の提示・交付
    WORK_RULES = "work_rules"  # 就業規則への明記
    WEBSITE = "website"  # ホームページ等への掲載（公表）
    MAIL = "mail"  # 書面・電子メールによる通知
    OTHER = "other"  # その他（内容を記録）


NOTICE_LABELS: dict[NoticeMethod, tuple[str, str]] = {
    NoticeMethod.INTRANET: ("社内LANにおける通知", "notice on the intranet"),
    NoticeMethod.DOCUMENT: ("利用目的を記載した書類の提示・交付", "a document stating the purpose"),
    NoticeMethod.WORK_RULES: ("就業規則への明記", "stated in the work rules"),
    NoticeMethod.WEBSITE: ("ホームページ等への掲載", "published on the website"),
    NoticeMethod.MAIL: ("書面・電子メールによる通知", "a letter or e-mail"),
    NoticeMethod.OTHER: ("その他（内容を記録）", "other (describe it)"),
}


def add_affair(
    session: Session,
    context: Context,
    *,
    person_id: uuid.UUID,
    affair_code: str,
    notified_on: date,
    method: NoticeMethod,
    note: str = "",
) -> list[str]:
    """Add ``affair_code`` to the affairs the number is held for; returns them all."""
    person = _authorized_person(session, context, PERMISSION, person_id)
    note = note.strip()
    if method is NoticeMethod.OTHER and not note:
        raise InvalidInput(
            "通知の方法が「その他」のときは内容を記録してください",
            "describe the notice when its method is 'other'",
        )
    without_number(note, "通知の内容", "notice note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"通知の内容は{NOTE_MAX}文字までです", f"up to {NOTE_MAX} characters")
    # A day ahead of UTC covers Japan (UTC+9): only a date no one has reached is refused.
    if notified_on > (datetime.now(tz=UTC) + timedelta(days=1)).date():
        raise InvalidInput(
            "本人への通知日に未来の日付は指定できません", "the notice date may not be in the future"
        )
    if session.get(NumberRecord, person_id) is None:
        raise NotHeld()
    affair = get_affair(session, context.organisation_id, affair_code)
    admit_holder(session, context.organisation_id, affair)
    admit_kind([affair], person.kind)
    if session.get(NumberRecordAffair, (person_id, affair.id)) is not None:
        raise AffairAlreadyHeld(affair_code, affair_code)
    session.add(NumberRecordAffair(person_id=person_id, affair_id=affair.id))
    session.flush()
    held = _affair_codes(session, person_id)
    audit.record(
        session,
        context,
        AuditAction.NUMBER_ADD_AFFAIR,
        person_id=person_id,
        affair_code=affair.code,
        details={
            "affair": affair.code,
            "notified_on": notified_on.isoformat(),
            "method": method.value,
            # Typed by hand: a number typed into it never reaches the trail.
            "note": redact(note),
            "basis": GUIDELINE,
            "held": held,
        },
    )
    return held


def addable(
    session: Session, context: Context, person: Person, held: Sequence[str]
) -> list[Affair]:
    """The affairs to offer on the person's page: an answer, not an attempt (nothing
    audited); none unless the caller may change the purpose and a number is held."""
    if not held or not decide(session, context, PERMISSION, person_resource(person)).allowed:
        return []
    return [
        affair
        for affair in offered_affairs(session, context.organisation_id)
        if person.kind in affair.person_kinds and affair.code not in held
    ]
