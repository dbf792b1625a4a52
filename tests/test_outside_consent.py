"""An outside member needs their home organisation's consent (issue #3), on SQLite and
PostgreSQL.

B (a client) names A's user CODE:LOGIN; the answer and B's audit entry have the same
shape whether or not the user exists, so B learns nothing by probing (seed 図表2-2 (6)②
アクセス者の識別と認証; 事業者編 別添1 (6)②). A (the home: a payroll outsourcer)
decides whom of its staff serves which client (事業者編 第4-2-(1) 委託の取扱い; 番号法
第10条・第11条) and can end it; only A's approval makes the membership in B.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Assignment, OutsideRequest, Role, User
from mnvault.affairs.services import get_affair
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.db.base import utcnow
from mnvault.orgs import services as orgs
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.errors import InvalidInput, NotFound
from tests.conftest import World
from tests.support.outsourcing import contract_with

SLIP = "withholding_slip"


@dataclass
class Three:
    a: Organisation  # the home of tanaka (an outsourcer)
    b: Organisation  # a client asking for tanaka
    c: Organisation  # an unrelated organisation
    admin_a: Context
    admin_b: Context
    admin_c: Context
    tanaka: User


def _admin(session: Session, org: Organisation) -> Context:
    admin = access.create_user(
        session, None, home_organisation_id=org.id, login="admin", display_name="管理者",
        password="an admin password",
    )  # fmt: skip
    access.grant_role(session, None, user=admin, organisation_id=org.id, role=Role.ADMIN)
    return Context(actor_id=admin.id, organisation_id=org.id)


@pytest.fixture
def three(world: World) -> Three:
    with world.sessions() as session:
        kind = OrganisationKind.COMPANY
        a = orgs.create_organisation(session, name="給与計算受託", kind=kind, code="kou-corp")
        b = orgs.create_organisation(session, name="乙株式会社", kind=kind, code="otsu-corp")
        c = orgs.create_organisation(session, name="丙株式会社", kind=kind, code="hei-corp")
        admin_a, admin_b, admin_c = (_admin(session, o) for o in (a, b, c))
        tanaka, _ = access.add_member(
            session, admin_a, login="tanaka", display_name="田中", roles=[Role.CLERK]
        )
        # B outsources to every organisation it names below (issue #16: no request
        # without a current 委託); a code that names no organisation is refused alike.
        for code in ("kou-corp", "hei-corp", "nowhere"):
            contract_with(session, admin_b, code)
        session.commit()
    return Three(a, b, c, admin_a, admin_b, admin_c, tanaka)


def _request(world: World, context: Context, reference: str) -> uuid.UUID:
    with world.sessions() as session:
        row = outside.request_outside_member(
            session, context, reference=reference, roles=[Role.CLERK]
        )
        session.commit()
        return row.id


def _entries(world: World, organisation_id: uuid.UUID, action: AuditAction) -> list[AuditEntry]:
    with world.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.organisation_id == organisation_id,
                    AuditEntry.action == action.value,
                )
                .order_by(AuditEntry.seq)
            )
        )


def _shape(entry: AuditEntry) -> tuple[object, ...]:
    """What B's trail says of a request, the request id and the name typed aside."""
    details = dict(entry.details or {})
    return (
        entry.action, entry.outcome, entry.actor_id, entry.person_id,
        sorted(details), details.get("roles"),
    )  # fmt: skip


def _roles_in_b(world: World, three: Three) -> set[Role]:
    with world.sessions() as session:
        return access.roles_of(session, three.tanaka.id, three.b.id)


# (reference B types, whether it names a real user of A, why) — every one answered alike.
PROBES = [
    ("kou-corp:tanaka", True, "A's user, named deliberately"),
    ("KOU-CORP:tanaka", True, "the code as typed in capitals"),
    ("kou-corp:nobody", False, "no such login in A"),
    ("nowhere:tanaka", False, "no such organisation"),
    ("hei-corp:tanaka", False, "an organisation without a tanaka"),
]


def test_existing_and_missing_users_get_the_same_answer_and_audit_shape(world: World, three: Three):
    """seed 図表2-2 (6)②: B cannot tell which of A's logins exist."""
    answers, shapes = [], []
    for reference, _exists, why in PROBES:
        with world.sessions() as session:
            row = outside.request_outside_member(
                session, three.admin_b, reference=reference, roles=[Role.CLERK]
            )
            answers.append((type(row), row.state, row.roles, row.organisation_id))
            session.commit()
        entry = _entries(world, three.b.id, AuditAction.OUTSIDE_REQUEST_CREATE)[-1]
        shapes.append(_shape(entry))
        assert entry.details["reference"] == outside._normalised(reference), why
        assert "user_id" not in entry.details, why
    assert len(set(map(str, answers))) == 1
    assert len(set(map(str, shapes))) == 1
    # Nothing happens in A's trail on a request, and no membership in B yet.
    assert _entries(world, three.a.id, AuditAction.OUTSIDE_REQUEST_CREATE) == []
    assert _roles_in_b(world, three) == set()


def test_only_requests_for_real_users_reach_the_home_organisation(world: World, three: Three):
    for reference, _exists, _why in PROBES:
        _request(world, three.admin_b, reference)
    with world.sessions() as session:
        seen_a = outside.incoming_requests(session, three.admin_a)
        seen_c = outside.incoming_requests(session, three.admin_c)
        seen_b = outside.incoming_requests(session, three.admin_b)
    # The two names of tanaka are one request (the same name, normalised), kept once.
    assert [(r.login, r.organisation_code) for r in seen_a] == [("tanaka", "otsu-corp")]
    assert seen_c == [] and seen_b == []


# (who decides, approve?, outcome, roles tanaka then holds in B, why)
DECISIONS = [
    ("admin_a", True, None, {Role.CLERK}, "the home approves: the membership begins"),
    ("admin_a", False, None, set(), "the home refuses: no membership"),
    ("admin_c", True, NotFound, set(), "another organisation's admin cannot approve"),
    ("admin_b", True, NotFound, set(), "B cannot consent to its own request"),
]


@pytest.mark.parametrize(("who", "approve", "error", "held", "why"), DECISIONS)
def test_deciding_a_request(
    world: World, three: Three, *, who: str, approve: bool, error, held: set[Role], why: str
):
    request_id = _request(world, three.admin_b, "kou-corp:tanaka")
    context = getattr(three, who)
    with world.sessions() as session:
        if error is None:
            outside.decide_request(session, context, request_id=request_id, approve=approve)
            session.commit()
        else:
            with pytest.raises(error):
                outside.decide_request(session, context, request_id=request_id, approve=approve)
    assert _roles_in_b(world, three) == held, why
    if error is None:
        action = (
            AuditAction.OUTSIDE_REQUEST_APPROVE if approve else AuditAction.OUTSIDE_REQUEST_REFUSE
        )
        (entry,) = _entries(world, three.a.id, action)
        assert entry.actor_id == three.admin_a.actor_id
        assert entry.details["organisation"] == "otsu-corp"
        grants = [
            e
            for e in _entries(world, three.b.id, AuditAction.ROLE_GRANT)
            if e.details["user_id"] == str(three.tanaka.id)
        ]
        assert len(grants) == (1 if approve else 0)  # B's trail shows when tanaka began
        with world.sessions() as session, pytest.raises(NotFound):  # decided once only
            outside.decide_request(session, three.admin_a, request_id=request_id, approve=True)


def test_a_request_for_no_one_cannot_be_decided_by_anyone(world: World, three: Three):
    request_id = _request(world, three.admin_b, "kou-corp:nobody")
    for context in (three.admin_a, three.admin_b, three.admin_c):
        with world.sessions() as session, pytest.raises(NotFound):
            outside.decide_request(session, context, request_id=request_id, approve=True)


def test_a_request_lapses_after_thirty_days(world: World, three: Three):
    request_id = _request(world, three.admin_b, "kou-corp:tanaka")
    with world.sessions() as session:
        session.execute(
            update(OutsideRequest)
            .where(OutsideRequest.id == request_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    with world.sessions() as session:
        assert outside.incoming_requests(session, three.admin_a) == []
        with pytest.raises(NotFound):
            outside.decide_request(session, three.admin_a, request_id=request_id, approve=True)
    # Asked again, it is a new request with a new term.
    again = _request(world, three.admin_b, "kou-corp:tanaka")
    assert again != request_id
    with world.sessions() as session:
        (fresh,) = outside.incoming_requests(session, three.admin_a)
        assert fresh.expires_at - fresh.requested_at == timedelta(days=30)


# (reference, error, why): refusals that tell B only what B knows already.
REFUSED = [
    ("tanaka", InvalidInput, "a bare login is never another organisation's"),
    ("kou-corp:", InvalidInput, "no login"),
    ("otsu-corp:admin", InvalidInput, "B's own user is not an outside one"),
]


@pytest.mark.parametrize(("reference", "error", "why"), REFUSED)
def test_refused_requests(world: World, three: Three, *, reference: str, error, why: str):
    with world.sessions() as session, pytest.raises(error):
        outside.request_outside_member(
            session, three.admin_b, reference=reference, roles=[Role.CLERK]
        )


def test_the_home_lists_and_revokes_roles_held_elsewhere(world: World, three: Three):
    request_id = _request(world, three.admin_b, "kou-corp:tanaka")
    with world.sessions() as session:
        outside.decide_request(session, three.admin_a, request_id=request_id, approve=True)
        access.assign(
            session, three.admin_b, user=session.get(User, three.tanaka.id),
            affair=get_affair(session, three.b.id, SLIP),
        )  # fmt: skip
        session.commit()
    with world.sessions() as session:
        held = outside.roles_elsewhere(session, three.admin_a)
        assert [(r.login, r.organisation_code, r.role) for r in held] == [
            ("tanaka", "otsu-corp", "clerk")
        ]
        assert outside.roles_elsewhere(session, three.admin_c) == []
        # B holds tanaka's role but is not tanaka's home: it cannot revoke A's way.
        with pytest.raises(NotFound):
            outside.revoke_elsewhere(
                session, three.admin_b, user_id=three.tanaka.id, organisation_id=three.b.id
            )
        with pytest.raises(NotFound):
            outside.revoke_elsewhere(
                session, three.admin_c, user_id=three.tanaka.id, organisation_id=three.b.id
            )
    with world.sessions() as session:
        ended = outside.revoke_elsewhere(
            session, three.admin_a, user_id=three.tanaka.id, organisation_id=three.b.id
        )
        session.commit()
    assert ended == 1
    assert _roles_in_b(world, three) == set()
    with world.sessions() as session:
        assert (
            session.scalars(select(Assignment).where(Assignment.user_id == three.tanaka.id)).all()
            == []
        )
        assert outside.roles_elsewhere(session, three.admin_a) == []
    (revoked,) = _entries(world, three.a.id, AuditAction.OUTSIDE_ROLE_REVOKE)
    assert revoked.details["organisation"] == "otsu-corp"
    (in_b,) = _entries(world, three.b.id, AuditAction.ROLE_REVOKE)
    assert in_b.details["by_home"] is True
