"""Who may confirm a disposal batch: someone other than the person who planned it.

The confirmation is a second person's check (maker-checker): 事業者編 別添1 2C a 組織体制の
整備 asks for 「特定個人情報等の取扱いにおける人的ミスの発生を防止するための確認体制の整備」,
and 2B 取扱規程等の策定 gives as its example 「複数人による確認（責任者による最終確認を含む。）」.
A planner confirming their own batch would make the record say two acts happened where
one person decided alone.

The one exception is the small business (中小規模事業者) whose only responsible person
planned the batch. There 別添1 2E d asks only that 「特定個人情報等を削除・廃棄したことを、
責任ある立場の者が確認する」, and 2C a separates the 責任者 from the 事務取扱担当者 only
「事務取扱担当者が複数いる場合」 (as 望ましい): with a single person there is no one else to
check. That person confirms their own batch with a written statement of what they checked,
kept on the batch beside their name, so that the record shows plainly that no second
person looked. Any other organisation (the relief is not theirs: 別添1 2 (注) excludes
financial institutions and contractors from 中小規模事業者) needs a second manager.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Membership, User
from mnvault.access.permissions import Permission
from mnvault.access.policy.table import GRANTS
from mnvault.disposal.errors import PlannerCannotConfirm, StatementRequired
from mnvault.numbers import redact
from mnvault.orgs.standing import standing as org_standing

SOURCE = "事業者編 別添1 2B, 2C a (確認体制), 2E d 中小規模事業者 (責任ある立場の者が確認)"
MAX_STATEMENT = 2000


def confirming_roles() -> frozenset[str]:
    """The roles the policy table lets confirm a disposal (責任者 and its agency variants)."""
    return frozenset(str(g.role) for g in GRANTS if Permission.DISPOSAL_CONFIRM in g.permissions)


def other_confirmers(session: Session, organisation_id: uuid.UUID, actor_id: uuid.UUID) -> int:
    """Active users of the organisation, other than the actor, who could confirm."""
    count = session.scalar(
        select(func.count(func.distinct(Membership.user_id)))
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id == organisation_id,
            Membership.role.in_(sorted(confirming_roles())),
            Membership.user_id != actor_id,
            User.is_active.is_(True),
        )
    )
    return int(count or 0)


@dataclass(frozen=True, slots=True)
class Standing:
    """How the actor stands towards confirming a batch they look at."""

    planner: bool  # the actor planned it
    may_self_confirm: bool  # ... and is the small business's only responsible person
    # Registered as a small business, but its answers exclude it: no self-confirmation.
    small_business_warning: tuple[str, str] | None = None


def standing(session: Session, context: Context, *, planned_by: uuid.UUID) -> Standing:
    planner = planned_by == context.actor_id
    if not planner:
        return Standing(False, False)
    answers = org_standing(session, context.organisation_id)
    alone = (
        answers.relief_applies
        and other_confirmers(session, context.organisation_id, context.actor_id) == 0
    )
    return Standing(True, alone, answers.warning())


def check(
    session: Session, context: Context, *, planned_by: uuid.UUID, statement: str | None
) -> str | None:
    """The statement to record (a self-confirmation), None (a second person), or refuse.

    A statement from someone who did not plan the batch is not needed and not kept: the
    record then already names two people."""
    seen = standing(session, context, planned_by=planned_by)
    if not seen.planner:
        return None
    if not seen.may_self_confirm:
        raise PlannerCannotConfirm(
            permission=str(Permission.DISPOSAL_CONFIRM),
            reason="planner cannot confirm",
            actor_id=context.actor_id,
            organisation_id=context.organisation_id,
            request_id=context.request_id,
            client_address=context.client_address,
            details={"source": SOURCE},
        )
    text = (statement or "").strip()
    if not text:
        raise StatementRequired()
    # Free text lands in the disposal record: a number typed into it must not.
    return redact(text)[:MAX_STATEMENT]
