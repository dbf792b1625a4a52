"""Lifecycle services on SQLite and on PostgreSQL (DESIGN.md §3 invariants 1-3, §4)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.crypto import DecryptionFailed
from mnvault.db.engine import unit_of_work
from mnvault.numbers import generate_my_number
from mnvault.vault import services as vs
from mnvault.vault.errors import (
    AffairNotApplicable,
    AlreadyHeld,
    DuplicateNumber,
    InvalidInput,
    NotFound,
    PurposeMismatch,
)
from mnvault.vault.models import (
    NumberCorrection,
    NumberRecord,
    PersonKind,
    RecipientKind,
)
from tests.support.builders import SLIP, acquire, audit_actions, verification
from tests.support.builders import person as make_person
from tests.support.numbers import MaskedStr
from tests.support.world import World

# Helpers other tests took from here, now builders in tests/support/builders.py.
__all__ = ["SLIP", "acquire", "audit_actions", "make_person", "verification"]


def test_acquire_then_use_returns_the_number_and_audits(world: World, synthetic_number: str):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    with unit_of_work(world.sessions) as session:
        got = vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id)
    assert got == synthetic_number
    actions = audit_actions(world)
    assert ("number:acquire", "ok") in actions
    assert actions[-1] == ("number:read", "ok")
    with world.sessions() as session:
        record = session.get(NumberRecord, person.id)
        assert record is not None
        assert synthetic_number.encode() not in record.ciphertext
        assert len(record.blind_index) == 32


def test_acquire_accepts_full_width_and_hyphens(world: World, synthetic_number: str):
    full_width = synthetic_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    grouped = f"{full_width[:4]}－{full_width[4:8]}　{full_width[8:]}"
    person = make_person(world)
    acquire(world, person.id, grouped)
    with unit_of_work(world.sessions) as session:
        assert (
            vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id)
            == synthetic_number
        )


def test_acquire_refuses_bad_check_digit_without_echoing_it(world: World, synthetic_number: str):
    bad = synthetic_number[:-1] + str((int(synthetic_number[-1]) + 1) % 10)
    person = make_person(world)
    with pytest.raises(InvalidInput) as caught:
        acquire(world, person.id, bad)
    assert bad not in str(caught.value)
    assert "チェックデジット" in str(caught.value) and "check digit" in str(caught.value)


def test_acquire_refuses_affair_not_applicable_to_person_kind(world: World, rng: random.Random):
    # 源泉徴収票 applies to employees and dependents, not to customers (catalogue.py).
    with unit_of_work(world.sessions) as session:
        authorizing = world.ctx("clerk")
        customer = vs.create_person(
            session, authorizing, kind=PersonKind.CUSTOMER, external_ref="C1", name="顧客"
        )
    with pytest.raises(AffairNotApplicable):
        acquire(world, customer.id, MaskedStr(generate_my_number(rng)))


def test_acquire_refuses_a_number_held_for_another_person(world: World, synthetic_number: str):
    first, second = make_person(world, "E1"), make_person(world, "E2")
    acquire(world, first.id, synthetic_number)
    with pytest.raises(DuplicateNumber) as caught:
        acquire(world, second.id, synthetic_number)
    assert synthetic_number not in str(caught.value)
    with pytest.raises(AlreadyHeld):
        acquire(world, first.id, synthetic_number)


def test_the_same_number_may_be_held_by_two_organisations(world: World, synthetic_number: str):
    # A payroll outsourcer's clients each hold their own employee's number: the blind
    # index is per organisation, so neither learns the other holds it.
    mine = make_person(world, "E1")
    acquire(world, mine.id, synthetic_number)
    with unit_of_work(world.sessions) as session:
        theirs = vs.create_person(
            session,
            world.ctx("outsider", org=world.other_org),
            kind=PersonKind.EMPLOYEE,
            external_ref="E1",
            name="他社",
        )
        vs.acquire(
            session,
            world.envelope,
            world.ctx("outsider", org=world.other_org),
            person_id=theirs.id,
            number=synthetic_number,
            verification=verification(world),
            affair_codes=[SLIP],
        )


def test_use_is_limited_to_the_affairs_of_acquisition(world: World, synthetic_number: str):
    person = make_person(world)
    acquire(world, person.id, synthetic_number, affairs=(SLIP,))
    with pytest.raises(PurposeMismatch), unit_of_work(world.sessions) as session:
        vs.use(
            session,
            world.envelope,
            world.ctx("clerk", "dependent_deduction_declaration"),
            person_id=person.id,
        )


@pytest.mark.parametrize(
    ("who", "affair", "reason"),
    [
        ("admin", SLIP, "no role grants number:read"),
        ("auditor", SLIP, "no role grants number:read"),
        ("clerk2", SLIP, "not assigned to this affair"),
        ("clerk", None, "no affair named"),
    ],
)
def test_use_is_denied_and_the_denial_audited(
    world: World, synthetic_number: str, who: str, affair: str | None, reason: str
):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    with pytest.raises(AuthorizationDenied) as caught, unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, world.ctx(who, affair), person_id=person.id)
    assert caught.value.reason == reason
    with world.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None
    assert (last.action, last.outcome) == ("access:denied", "denied")
    assert last.actor_id == world.users[who].id
    assert last.person_id == person.id
    assert last.details is not None and last.details["permission"] == "number:read"


def test_another_organisation_cannot_reach_a_person(world: World, synthetic_number: str):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    outsider = world.ctx("outsider", SLIP, org=world.other_org)
    with pytest.raises(NotFound), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, outsider, person_id=person.id)
    with unit_of_work(world.sessions) as session:
        assert vs.lookup(session, world.envelope, outsider, number=synthetic_number) is None
    # Acting in the other organisation's name without a role there is denied outright.
    intruder = world.ctx("outsider", SLIP, org=world.org)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, intruder, person_id=person.id)


def test_lookup_by_number_uses_the_blind_index(world: World, synthetic_number: str):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    with unit_of_work(world.sessions) as session:
        found = vs.lookup(
            session, world.envelope, world.ctx("clerk", SLIP), number=synthetic_number
        )
    assert found is not None and found.id == person.id
    with world.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "number:lookup"
    assert synthetic_number not in str(entry.details)


def test_correct_replaces_the_number_and_keeps_history(world: World, rng: random.Random):
    old, new = MaskedStr(generate_my_number(rng)), MaskedStr(generate_my_number(rng))
    person = make_person(world)
    acquire(world, person.id, old)
    with unit_of_work(world.sessions) as session:
        vs.correct(
            session,
            world.envelope,
            world.ctx("clerk", SLIP),
            person_id=person.id,
            number=new,
            reason="通知カードの記載誤り",
            verification=verification(world),
        )
    with unit_of_work(world.sessions) as session:
        assert vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id) == new
        assert vs.lookup(session, world.envelope, world.ctx("clerk", SLIP), number=old) is None
        history = session.scalars(select(NumberCorrection)).all()
    assert [h.reason for h in history] == ["通知カードの記載誤り"]
    with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
        vs.correct(
            session,
            world.envelope,
            world.ctx("clerk", SLIP),
            person_id=person.id,
            number=old,
            reason=" ",
            verification=verification(world),
        )


def test_provide_records_recipient_and_legal_basis(world: World, synthetic_number: str):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    with unit_of_work(world.sessions) as session:
        provision = vs.provide(
            session,
            world.ctx("clerk", SLIP),
            person_ids=[person.id],
            recipient_kind=RecipientKind.TAX_OFFICE,
            recipient_name="麹町税務署",
            legal_basis="番号法第19条第2号",
            method="e-Tax",
        )
    assert provision.legal_basis == "番号法第19条第2号"
    with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
        vs.provide(
            session,
            world.ctx("clerk", SLIP),
            person_ids=[person.id],
            recipient_kind=RecipientKind.OTHER,
            recipient_name="営業部",
            legal_basis="社内利用",
            method="mail",
        )


def test_ciphertext_moved_to_another_row_does_not_decrypt(world: World, rng: random.Random):
    a, b = make_person(world, "E1"), make_person(world, "E2")
    acquire(world, a.id, MaskedStr(generate_my_number(rng)))
    acquire(world, b.id, MaskedStr(generate_my_number(rng)))
    with world.sessions() as session:
        ra, rb = session.get(NumberRecord, a.id), session.get(NumberRecord, b.id)
        assert ra is not None and rb is not None
        rb.ciphertext = ra.ciphertext  # behind the service's back
        session.commit()
    with pytest.raises(DecryptionFailed), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=b.id)


def test_a_failing_audit_write_fails_the_operation(
    world: World, synthetic_number: str, monkeypatch: pytest.MonkeyPatch
):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("mnvault.audit.services.record", broken)
    with pytest.raises(RuntimeError), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id)
    monkeypatch.undo()
    # The read was not completed, so there is no read entry either (fail closed).
    assert ("number:read", "ok") not in audit_actions(world)


def test_names_given_twice_count_once(world: World, synthetic_number: str):
    # The CLI and imports reach the services without the API's own de-duplication.
    person = make_person(world)
    acquire(world, person.id, synthetic_number, affairs=(SLIP, SLIP))
    with unit_of_work(world.sessions) as session:
        provision = vs.provide(
            session, world.ctx("clerk", SLIP), person_ids=[person.id, person.id],
            recipient_kind=RecipientKind.TAX_OFFICE, recipient_name="麹町税務署",
            legal_basis="番号法第19条第2号", method="e-Tax",
        )  # fmt: skip
    assert provision.id is not None
