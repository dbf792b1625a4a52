"""The questions the trail answers: who used a person's number, the impact scope of an
account, address or token, and what left the vault in a period (issue 4)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.questions import queries
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from mnvault.vault import services as vs
from tests.conftest import World
from tests.support.builders import SLIP, acquire
from tests.support.builders import person as make_person


def test_who_used_this_persons_number(world: World, synthetic_number: str) -> None:
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    with unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, world.ctx("clerk2", SLIP), person_id=person.id)
    with unit_of_work(world.sessions) as session:
        uses = queries.uses_of_person(session, world.ctx("auditor"), person.id)
    actions = [(u.action, u.outcome, u.actor_id) for u in uses]
    clerk, clerk2 = world.users["clerk"].id, world.users["clerk2"].id
    assert ("number:acquire", "ok", clerk) in actions
    assert ("number:read", "ok", clerk) in actions
    assert ("access:denied", "denied", clerk2) in actions
    assert all(u.affair_code in {None, SLIP} for u in uses)
    assert [u.seq for u in uses] == sorted(u.seq for u in uses)
    text = repr(uses)
    assert synthetic_number not in text


def test_only_an_auditor_may_ask_and_asking_is_recorded(world: World) -> None:
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        queries.uses_of_person(session, world.ctx("clerk"), uuid.uuid4())
    with unit_of_work(world.sessions) as session:
        queries.uses_of_person(session, world.ctx("auditor"), uuid.uuid4())
    with unit_of_work(world.sessions) as session:
        asked = queries.transfers(session, world.ctx("auditor"), actions=[AuditAction.AUDIT_QUERY])
    assert [t.actor_id for t in asked] == [world.users["auditor"].id] * len(asked)
    assert len(asked) >= 1


def test_impact_scope_of_an_account_an_address_and_a_token(world: World) -> None:
    start = utcnow()
    clerk = replace(world.ctx("clerk", SLIP), client_address="192.0.2.7")
    touched = [uuid.uuid4() for _ in range(5)]
    token = uuid.uuid4()
    with unit_of_work(world.sessions) as session:
        audit.record_many(session, clerk, AuditAction.NUMBER_READ, touched[:3])
        audit.record(
            session,
            None,
            AuditAction.TOKEN_USE,
            actor_id=world.users["clerk"].id,
            organisation_id=world.org.id,
            client_address="198.51.100.9",
            request_id="request-with-the-token",
            details={"token_id": str(token)},
        )
        via_token = replace(
            clerk, client_address="198.51.100.9", affair_code="health_pension_insurance",
            request_id="request-with-the-token",
        )  # fmt: skip
        audit.record_many(session, via_token, AuditAction.PERSON_READ, touched[3:])
        # Issue #11: the same account from the same address, signed in (no token): not
        # the token's doing.
        by_hand = replace(via_token, request_id="request-signed-in")
        audit.record_many(session, by_hand, AuditAction.PERSON_READ, [uuid.uuid4()])
        # Another organisation's entries never show.
        outsider = world.ctx("outsider", SLIP, org=world.other_org)
        audit.record_many(session, replace(outsider, client_address="192.0.2.7"),
                          AuditAction.NUMBER_READ, [uuid.uuid4()])  # fmt: skip
    end = utcnow() + timedelta(seconds=1)
    auditor = world.ctx("auditor")
    with unit_of_work(world.sessions) as session:
        by_account = queries.impact_scope(
            session, auditor, since=start, until=end, actor_id=world.users["clerk"].id
        )
        by_address = queries.impact_scope(
            session, auditor, since=start, until=end, client_address="192.0.2.7"
        )
        by_token = queries.impact_scope(session, auditor, since=start, until=end, token_id=token)
        before = queries.impact_scope(
            session,
            auditor,
            since=start - timedelta(days=1),
            until=start,
            client_address="192.0.2.7",
        )
        with pytest.raises(ValueError, match="name an account"):
            queries.impact_scope(session, auditor, since=start, until=end)
    assert set(touched) < set(by_account.persons) and len(by_account.persons) == 6
    assert by_account.affairs == sorted([SLIP, "health_pension_insurance"])
    assert by_address.persons == sorted(touched[:3]) and by_address.affairs == [SLIP]
    assert by_token.persons == sorted(touched[3:])  # not the signed-in read
    assert by_token.entries == 3  # its token:use and the two reads of its request
    assert before.persons == [] and before.entries == 0


def test_what_left_the_vault_in_a_period(world: World) -> None:
    start = utcnow()
    clerk = world.ctx("clerk", SLIP)
    with unit_of_work(world.sessions) as session:
        audit.record_many(
            session, clerk, AuditAction.EXPORT_CREATE, [uuid.uuid4() for _ in range(4)]
        )
        audit.record(session, clerk, AuditAction.PROVISION_CREATE, person_id=uuid.uuid4())
        audit.record(session, clerk, AuditAction.NUMBER_DISPOSE, person_id=uuid.uuid4())
        audit.record(session, clerk, AuditAction.NUMBER_READ, person_id=uuid.uuid4())
    with unit_of_work(world.sessions) as session:
        moved = queries.transfers(
            session, world.ctx("auditor"), since=start, until=utcnow() + timedelta(seconds=1)
        )
    assert [(t.action, t.persons) for t in moved] == [
        ("export:create", 4),
        ("provision:create", 1),
        ("number:dispose", 1),
    ]
