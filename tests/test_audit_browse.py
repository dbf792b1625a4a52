"""The auditor's trail search and one entry's chain status (mnvault.audit.questions.browse), on
SQLite and PostgreSQL. 事業者編 別添1 2C e (取扱状況の把握): the auditor reads the record of
handling; DESIGN.md §6: entries form a hash chain, checkpoints sign it. Each search is
itself recorded (audit:query); another organisation's entries stay out of sight."""

from __future__ import annotations

import pytest
from sqlalchemy import desc, select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.audit.models import AuditEntry
from mnvault.audit.questions import browse
from mnvault.db.engine import unit_of_work
from mnvault.vault.errors import InvalidInput, NotFound
from tests.conftest import World
from tests.disposal_support import add_persons


def test_search_filters_pages_and_is_recorded(world: World):
    made = add_persons(world, 3, seed=31)
    auditor = world.ctx("auditor")
    with unit_of_work(world.sessions) as session:
        clerk_login = world.users["clerk"].login
        acquired = browse.search(
            session, auditor, browse.Filters(actor=clerk_login, action="number:acquire")
        )
        assert acquired.total == 3
        assert {e.person_id for e in acquired.entries} == {p for p, _ in made}
        assert set(acquired.logins.values()) == {clerk_login}
        one = browse.search(session, auditor, browse.Filters(person_id=made[0][0]))
        assert one.total >= 2 and all(e.person_id == made[0][0] for e in one.entries)
        asked = session.scalar(select(AuditEntry).order_by(desc(AuditEntry.seq)).limit(1))
        assert asked is not None and asked.action == "audit:query"
        assert (asked.details or {}).get("question") == "trail_search"
        with pytest.raises(InvalidInput):
            browse.search(session, auditor, browse.Filters(actor="nobody-here"))


def test_paging_never_reaches_another_organisation(world: World):
    add_persons(world, 2, seed=32)
    with unit_of_work(world.sessions) as session:
        everything = browse.search(session, world.ctx("auditor"), browse.Filters())
        assert everything.total > 0 and everything.previous is None
        assert all(e.organisation_id == world.org.id for e in everything.entries)


def test_only_an_auditor_reads_the_trail(world: World):
    for who in ("clerk", "admin", "manager"):
        with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
            browse.search(session, world.ctx(who), browse.Filters())


def test_an_entry_chain_status(world: World):
    made = add_persons(world, 2, seed=33)
    auditor = world.ctx("auditor")
    with unit_of_work(world.sessions) as session:
        seq = session.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.action == "number:acquire", AuditEntry.person_id == made[0][0]
            )
        )
        assert seq is not None
        status = browse.chain_status(session, auditor, seq)
        assert status.entry.seq == seq
        assert status.hash_matches is True
        assert status.follows_previous is True
        assert status.followed_by_next is True
        assert len(status.hashes["entry_hash"]) == 64
        with pytest.raises(NotFound):
            browse.chain_status(session, auditor, 10**9)
    # An auditor of another organisation does not find this one's entry.
    with unit_of_work(world.sessions) as session:
        access.grant_role(
            session, None, user=world.users["auditor"], organisation_id=world.other_org.id,
            role=Role.AUDITOR,
        )  # fmt: skip
    with unit_of_work(world.sessions) as session, pytest.raises(NotFound):
        browse.chain_status(session, world.ctx("auditor", org=world.other_org), seq)
