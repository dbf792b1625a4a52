"""The blind-index key rotates with the KEK; kept numbers are re-indexed online.

Issue #11, "Disposal covers the blind index": during the re-index, lookups and duplicate
checks still work (rows carry either index version and are looked up under each); an
interrupted re-index resumes; at the end the old index key is destroyed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from mnvault.db.engine import unit_of_work
from mnvault.keys import services as keys
from mnvault.vault import services as vs
from mnvault.vault.errors import DuplicateNumber
from mnvault.vault.models import (
    IdentityCheckDocument,
    NumberCheckDocument,
    NumberRecord,
    PersonKind,
)
from tests.conftest import World
from tests.disposal_support import add_persons, keyring_of, no_grace

__all__ = ["no_grace"]  # the fixture, imported so that pytest uses it here

SLIP = "withholding_slip"


class Interrupted(Exception):
    pass


def index_versions_in_use(world: World) -> dict[int, int]:
    with world.sessions() as session:
        counts: dict[int, int] = {}
        for version in session.scalars(select(NumberRecord.index_version)):
            counts[version] = counts.get(version, 0) + 1
        return counts


def lookup(world: World, number: str) -> object:
    with unit_of_work(world.sessions) as session:
        person = vs.lookup(session, world.envelope, world.ctx("clerk", SLIP), number=number)
        return person.id if person else None


def acquire_again(world: World, number: str) -> None:
    """A new person acquiring a number someone already holds: must be refused."""
    with unit_of_work(world.sessions) as session:
        clerk = world.ctx("clerk", SLIP)
        person = vs.create_person(
            session, clerk, kind=PersonKind.EMPLOYEE, external_ref="DUP", name="重複 太郎"
        )
        vs.acquire(
            session, world.envelope, clerk, person_id=person.id, number=number,
            affair_codes=[SLIP],
            verification=vs.IdentityVerification(
                NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
                world.users["clerk"].id, datetime(2020, 4, 1, tzinfo=UTC),
            ),
        )  # fmt: skip


def test_an_interrupted_reindex_keeps_lookups_and_duplicate_checks_then_resumes(world: World):
    people = add_persons(world, 7)
    old = keyring_of(world).current_index_version
    calls: list[int] = []

    def stop_after_two(done: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        keys.rotate(
            world.sessions, keyring_of(world), world.ctx("admin"),
            batch_size=2, progress=stop_after_two,
        )  # fmt: skip
    # Half-way: rows under both index versions, both keys held.
    assert index_versions_in_use(world) == {old: 3, old + 1: 4}
    assert [i.state for i in keyring_of(world).index_versions()][-2:] == ["retired", "active"]
    for person_id, number in people:
        assert lookup(world, number) == person_id
        with pytest.raises(DuplicateNumber):
            acquire_again(world, number)

    result = keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"), batch_size=2)
    assert result.resumed
    assert index_versions_in_use(world) == {old + 1: 7}
    assert [i.state for i in keyring_of(world).index_versions()][-2:] == ["destroyed", "active"]
    for person_id, number in people:
        assert lookup(world, number) == person_id
        with pytest.raises(DuplicateNumber):
            acquire_again(world, number)


def test_a_row_indexed_under_the_old_key_after_the_pass_is_still_reindexed(world: World):
    """A process that had not yet followed the keyring file indexes under the old
    version while the pass runs: the count after the pass finds it, the rotation does
    not destroy the key it needs until it is re-indexed."""
    people = add_persons(world, 2)
    keyring = keyring_of(world)
    old = keyring.current_index_version
    original = keys._rewrap_pass
    stragglers: list[tuple[object, str]] = []

    def pass_then_a_straggler(*args: object, **kwargs: object) -> None:
        original(*args, **kwargs)  # type: ignore[arg-type]
        if not stragglers:
            person_id, _number = people[0]
            with unit_of_work(world.sessions) as session:
                record = session.get_one(NumberRecord, person_id)
                record.index_version = old
                record.blind_index = world.envelope.blind_index(world.org.id.hex, _number, old)
            stragglers.append((person_id, _number))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys, "_rewrap_pass", pass_then_a_straggler)
        keys.rotate(world.sessions, keyring, world.ctx("admin"))
    assert index_versions_in_use(world) == {old + 1: 2}
    assert [i.state for i in keyring.index_versions()][-2:] == ["destroyed", "active"]
    for person_id, number in people:
        assert lookup(world, number) == person_id
