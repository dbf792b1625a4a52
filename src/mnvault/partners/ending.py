"""What ending a 委託 does to the outside members it covered: their roles and assignments in
the client end (audited, in the client's trail) unless another current 委託 still covers
them (事業者編 第4-2-(1): the client gives access only for the outsourced affairs)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Assignment, Membership, OutsideRequest, OutsideRequestState, User
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.orgs.models import Organisation
from mnvault.partners.cover import covering


def _outside_users(session: Session, context: Context, code: str) -> list[User]:
    """Users whose home is the organisation ``code`` and who hold a role in the client."""
    return list(
        session.scalars(
            select(User)
            .join(Organisation, Organisation.id == User.home_organisation_id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Organisation.code == code,
                Membership.organisation_id == context.organisation_id,
                User.home_organisation_id != context.organisation_id,
            )
            .distinct()
        )
    )


def withdraw_uncovered(session: Session, context: Context, code: str) -> list[str]:
    """End, for the organisation ``code``'s users, what no current 委託 covers any more:
    every role when nothing covers the organisation, otherwise the assignments to affairs
    outside what still does. Returns the user ids touched."""
    org = context.organisation_id
    still = covering(session, org, code)
    covered = {a for row in still for a in row.affair_codes}
    touched = []
    for user in _outside_users(session, context, code):
        rows = session.execute(
            select(Assignment, Affair.code)
            .join(Affair, Affair.id == Assignment.affair_id)
            .where(Assignment.user_id == user.id, Assignment.organisation_id == org)
        ).all()
        for assignment, affair_code in rows:
            if affair_code not in covered:
                session.delete(assignment)
                audit.record(
                    session, context, AuditAction.ASSIGNMENT_DELETE, affair_code=affair_code,
                    details={"user_id": str(user.id), "by_contract_end": True},
                )  # fmt: skip
        if not still:
            roles = sorted(
                session.scalars(
                    select(Membership.role).where(
                        Membership.user_id == user.id, Membership.organisation_id == org
                    )
                )
            )
            session.execute(
                delete(Membership).where(
                    Membership.user_id == user.id, Membership.organisation_id == org
                )
            )
            for role in roles:
                audit.record(
                    session, context, AuditAction.ROLE_REVOKE,
                    details={"user_id": str(user.id), "role": role, "by_contract_end": True},
                )  # fmt: skip
        touched.append(str(user.id))
    if not still:
        # A request not yet decided would otherwise give the roles back after the end.
        for request in session.scalars(
            select(OutsideRequest).where(
                OutsideRequest.organisation_id == org,
                OutsideRequest.state == OutsideRequestState.PENDING.value,
                OutsideRequest.reference.startswith(f"{code}:"),
            )
        ):
            request.state = OutsideRequestState.REFUSED.value
    session.flush()
    return touched
