"""Who confirms a disposal batch: someone other than its planner (maker-checker).

Sources: 事業者編 別添1 2B 取扱規程等の策定 (手法の例示: 複数人による確認（責任者による最終
確認を含む。）), 2C a 組織体制の整備 (確認体制の整備; 中小規模事業者: 事務取扱担当者が複数いる
場合、責任者と事務取扱担当者を区分することが望ましい), 2E d 中小規模事業者 (特定個人情報等を
削除・廃棄したことを、責任ある立場の者が確認する); seed 図表2-2 (5)④.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.audit.models import AuditEntry
from mnvault.crypto import Envelope
from mnvault.db.engine import unit_of_work
from mnvault.disposal import batches
from mnvault.disposal.errors import PlannerCannotConfirm, StatementRequired
from mnvault.disposal.models import BatchState, DisposalBatch
from mnvault.orgs.models import Organisation, OrganisationKind
from tests.conftest import World
from tests.disposal_support import add_manager, add_persons, no_grace, own_envelope

TODAY = date(2026, 11, 26)
RETIRED = date(2024, 3, 31)  # withholding slip: due since 2025-02-01

__all__ = ["no_grace"]

OK = "confirmed"
STATEMENT = "退職者3名の源泉徴収票の提出を確認し、保存期間経過を確認した"

# (organisation kind, other persons who could confirm, who confirms, statement, outcome)
CASES = [
    pytest.param(
        OrganisationKind.COMPANY, ("manager2",), "manager2", None, OK,
        id="company: another manager confirms — 別添1 2B 複数人による確認",
    ),
    pytest.param(
        OrganisationKind.COMPANY, ("manager2",), "manager", None, PlannerCannotConfirm,
        id="company: the planner confirms own batch — refused (2C a 確認体制)",
    ),
    pytest.param(
        OrganisationKind.COMPANY, ("manager2",), "manager", STATEMENT, PlannerCannotConfirm,
        id="company: a statement does not replace the second person",
    ),
    pytest.param(
        OrganisationKind.COMPANY, (), "manager", STATEMENT, PlannerCannotConfirm,
        id="company with one manager: still refused (中小規模事業者の特例 is not theirs)",
    ),
    pytest.param(
        OrganisationKind.FINANCIAL_INSTITUTION, (), "manager", STATEMENT, PlannerCannotConfirm,
        id="financial institution with one manager: refused (別添1 2 (注) 金融分野は除く)",
    ),
    pytest.param(
        OrganisationKind.SMALL_BUSINESS, (), "manager", STATEMENT, OK,
        id="small business, single responsible person, with a statement — 2E d 中小規模事業者",
    ),
    pytest.param(
        OrganisationKind.SMALL_BUSINESS, (), "manager", "  ", StatementRequired,
        id="small business, single responsible person, no statement — refused",
    ),
    pytest.param(
        OrganisationKind.SMALL_BUSINESS, ("manager2",), "manager", STATEMENT,
        PlannerCannotConfirm,
        id="small business with two managers: the other confirms (2C a 区分)",
    ),
    pytest.param(
        OrganisationKind.SMALL_BUSINESS, ("chief",), "manager", STATEMENT, PlannerCannotConfirm,
        id="small business: any role holding disposal:confirm counts as another person",
    ),
    pytest.param(
        OrganisationKind.SMALL_BUSINESS, ("manager2",), "manager2", None, OK,
        id="small business with two managers: the other confirms without a statement",
    ),
    pytest.param(
        OrganisationKind.COMPANY, ("manager2",), "admin", None, AuthorizationDenied,
        id="an admin holds no disposal:confirm (2E d: 責任ある立場の者)",
    ),
]  # fmt: skip


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


def _as_kind(world: World, kind: OrganisationKind) -> None:
    with unit_of_work(world.sessions) as session:
        session.get_one(Organisation, world.org.id).kind = kind.value


def _plan(world: World, **kwargs) -> DisposalBatch:
    with unit_of_work(world.sessions) as session:
        return batches.plan(session, world.ctx("manager"), today=TODAY, reason="月末廃棄", **kwargs)


def _confirm(world: World, batch_id, who: str, statement: str | None = None) -> DisposalBatch:
    with unit_of_work(world.sessions) as session:
        return batches.confirm(session, world.ctx(who), batch_id=batch_id, statement=statement)


@pytest.mark.parametrize(("kind", "others", "who", "statement", "outcome"), CASES)
def test_who_may_confirm(  # noqa: PLR0917 - one column of the table each
    world: World,
    kind: OrganisationKind,
    others: tuple[str, ...],
    who: str,
    statement: str | None,
    outcome: object,
):
    _as_kind(world, kind)
    for login in others:
        add_manager(world, login, Role.CHIEF_OFFICER if login == "chief" else Role.MANAGER)
    add_persons(world, 1, seed=31, relationship_end=RETIRED)
    batch = _plan(world)
    assert batch.state == BatchState.PLANNED
    if outcome != OK:
        assert isinstance(outcome, type)
        with pytest.raises(outcome):
            _confirm(world, batch.id, who, statement)
        with world.sessions() as session:
            assert session.get_one(DisposalBatch, batch.id).state == BatchState.PLANNED
        return
    done = _confirm(world, batch.id, who, statement)
    assert done.state == BatchState.CONFIRMED
    assert done.planned_by == world.users["manager"].id
    assert done.confirmed_by == world.users[who].id
    self_confirmed = who == "manager"
    assert done.confirmation_statement == (STATEMENT if self_confirmed else None)
    with world.sessions() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "disposal:confirm")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert entry is not None and entry.actor_id == world.users[who].id
    assert entry.details["self_confirmed"] is self_confirmed
    assert STATEMENT not in str(entry.details)  # free text stays on the batch only


def test_a_refused_self_confirmation_is_audited(world: World):
    add_manager(world)
    add_persons(world, 1, seed=32, relationship_end=RETIRED)
    batch = _plan(world)
    with pytest.raises(PlannerCannotConfirm) as refused:
        _confirm(world, batch.id, "manager")
    assert "別の責任者" in str(refused.value) and "another manager" in str(refused.value)
    with world.sessions() as session:
        denied = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert denied is not None and (denied.action, denied.outcome) == ("access:denied", "denied")
    assert denied.details["permission"] == "disposal:confirm"
    assert denied.details["reason"] == "planner cannot confirm"


def test_an_inactive_second_manager_does_not_count(world: World):
    """A small business whose other manager left (account disabled) is back to one person."""
    _as_kind(world, OrganisationKind.SMALL_BUSINESS)
    add_manager(world)
    with unit_of_work(world.sessions) as session:
        session.get_one(type(world.users["manager2"]), world.users["manager2"].id).is_active = False
    add_persons(world, 1, seed=33, relationship_end=RETIRED)
    batch = _plan(world)
    assert _confirm(world, batch.id, "manager", STATEMENT).confirmed_by == (
        world.users["manager"].id
    )


def test_a_number_in_the_statement_is_masked(world: World):
    _as_kind(world, OrganisationKind.SMALL_BUSINESS)
    ((_, number),) = add_persons(world, 1, seed=34, relationship_end=RETIRED)
    batch = _plan(world)
    done = _confirm(world, batch.id, "manager", f"{number} の本人分を確認")
    assert number not in (done.confirmation_statement or "")
    assert "の本人分を確認" in (done.confirmation_statement or "")


def test_early_disposal_is_confirmed_by_another_manager_too(world: World):
    """A number still needed (在職中) disposed early on a manager's reason: the same
    maker-checker; the planner cannot confirm it (事業者編 第4-3-(3)B, 別添1 2C a)."""
    add_manager(world)
    ((person_id, _),) = add_persons(world, 1, seed=35)
    batch = _plan(world, person_ids=[person_id], early_reason="誤って取得したため")
    assert batch.state == BatchState.PLANNED and batch.confirmation_required
    with pytest.raises(PlannerCannotConfirm):
        _confirm(world, batch.id, "manager")
    done = _confirm(world, batch.id, "manager2")
    assert (done.planned_by, done.confirmed_by) == (
        world.users["manager"].id,
        world.users["manager2"].id,
    )
