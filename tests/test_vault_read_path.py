"""``vs.use`` with ``audit_later`` (the read path of the API): the same checks and the
same number, but the entry is handed back to be group-committed, not written here
(DESIGN.md §3 invariants 1-3; 番号法第19条/第29条の利用制限: the affair must be one the
number was acquired for)."""

from __future__ import annotations

import pytest

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import read_only, unit_of_work
from mnvault.vault import services as vs
from mnvault.vault.errors import NotFound, PurposeMismatch
from tests.conftest import World
from tests.support.builders import SLIP, acquire, audit_actions
from tests.support.builders import person as make_person


def test_the_entry_is_handed_back_not_written(world: World, synthetic_number: str):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    before = audit_actions(world)
    later: list[AuditEntry] = []
    with read_only(world.sessions) as session:
        number = vs.use(
            session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id,
            audit_later=later,
        )  # fmt: skip
    assert number == synthetic_number
    assert audit_actions(world) == before  # nothing written by the read itself
    assert [(e.action, e.outcome, e.person_id) for e in later] == [("number:read", "ok", person.id)]
    assert synthetic_number not in repr(vars(later[0]))


@pytest.mark.parametrize(
    ("who", "affair", "refused"),
    [
        ("admin", SLIP, AuthorizationDenied),  # no role grants number:read (DESIGN.md §1)
        ("clerk2", SLIP, AuthorizationDenied),  # not assigned to the affair
        ("clerk", "dependent_deduction_declaration", PurposeMismatch),  # not acquired for it
        ("outsider", SLIP, NotFound),  # another organisation's person is not found
    ],
)
def test_the_read_path_refuses_what_use_refuses(
    world: World, synthetic_number: str, who: str, affair: str, refused: type[Exception]
):
    person = make_person(world)
    acquire(world, person.id, synthetic_number)
    context = world.ctx(who, affair, org=world.other_org if who == "outsider" else None)
    later: list[AuditEntry] = []
    with pytest.raises(refused), read_only(world.sessions) as session:
        vs.use(session, world.envelope, context, person_id=person.id, audit_later=later)
    assert later == []  # a refused read has no read entry (its denial is audited apart)
    with pytest.raises(refused), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, context, person_id=person.id)
