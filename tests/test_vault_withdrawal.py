"""Withdrawing an affair a number was acquired for by mistake (issue #5).

Sources: 事業者編 第4-3-(3)B 保管制限と廃棄 (kept only while an affair needs it; a document
filed keeps it for its statutory period); 第4-1-(1) 1 B 利用目的を超えた個人番号の利用禁止;
policy table MANAGER_DUTIES (事業者編 別添1 2C a; a manager decides a disposal).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.disposal import services as retention
from mnvault.vault import services as vs
from mnvault.vault.errors import (
    AffairRetained,
    InvalidInput,
    LastAffair,
    NotFound,
    NumberInText,
    PurposeMismatch,
)
from mnvault.vault.models import PersonKind, RecipientKind
from mnvault.vault.withdrawal import withdraw_affair
from tests.conftest import World
from tests.disposal_support import add_persons

TODAY = date(2026, 11, 26)
RETIRED = date(2024, 3, 31)  # withholding slip: kept until 2025-01-31, so due by TODAY
DECL = "dependent_deduction_declaration"  # kept until 2032-01-10 after RETIRED
SLIP = "withholding_slip"
REASON = "扶養控除等申告書の対象外の従業員について誤って取得"


def withdraw(world: World, person_id: uuid.UUID, code: str = DECL, who: str = "manager"):
    with unit_of_work(world.sessions) as session:
        return withdraw_affair(
            session, world.ctx(who), person_id=person_id, affair_code=code, reason=REASON
        )


def provide(world: World, person_id: uuid.UUID, code: str) -> None:
    with unit_of_work(world.sessions) as session:
        vs.provide(
            session, world.ctx("clerk", code), person_ids=[person_id],
            recipient_kind=RecipientKind.TAX_OFFICE, recipient_name="麹町税務署",
            legal_basis="番号法第19条第2号", method="e-Tax",
        )  # fmt: skip


def took_out(world: World, person_id: uuid.UUID, code: str) -> None:
    # The trail entry a take-out leaves (vault/exporter.py), without making the file.
    with unit_of_work(world.sessions) as session:
        audit.record(session, world.ctx("clerk", code), AuditAction.EXPORT_CREATE,
                     person_id=person_id)  # fmt: skip


def in_other_org(world: World) -> uuid.UUID:
    with unit_of_work(world.sessions) as session:
        person = vs.create_person(
            session, world.ctx("outsider", org=world.other_org), kind=PersonKind.EMPLOYEE,
            external_ref="X001", name="別会社 太郎",
        )  # fmt: skip
        return person.id


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    affairs: tuple[str, ...]
    who: str = "manager"
    withdraw: str = DECL
    provided_for: str | None = None
    taken_out_for: str | None = None
    other_org: bool = False
    error: type[Exception] | None = None


# fmt: off
CASES = [
    Case("mistaken affair withdrawn", "事業者編 第4-3-(3)B", (SLIP, DECL)),
    Case("last affair refused: the answer is disposal", "事業者編 第4-3-(3)B 廃棄",
         (DECL,), error=LastAffair),
    Case("affair provided for refused: statutory retention",
         "事業者編 第4-3-(3)B 所管法令の保存期間", (SLIP, DECL), provided_for=DECL,
         error=AffairRetained),
    Case("another affair's provision does not block", "事業者編 第4-3-(3)B",
         (SLIP, DECL), provided_for=SLIP),
    Case("affair taken out for refused: statutory retention", "事業者編 第4-3-(3)B",
         (SLIP, DECL), taken_out_for=DECL, error=AffairRetained),
    Case("clerk refused", "policy table MANAGER_DUTIES (別添1 2C a)", (SLIP, DECL),
         who="clerk", error=AuthorizationDenied),
    Case("auditor refused", "policy table AUDIT", (SLIP, DECL), who="auditor",
         error=AuthorizationDenied),
    Case("other organisation's person is not found", "DESIGN.md §1 (tenants)", (SLIP,),
         other_org=True, error=NotFound),
    Case("affair never acquired for", "事業者編 第4-1-(1) 1 B", (SLIP, DECL),
         withdraw="health_pension_insurance", error=PurposeMismatch),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_withdraw_affair(world: World, case: Case):
    if case.other_org:
        person_id = in_other_org(world)
    else:
        ((person_id, _number),) = add_persons(world, 1, seed=41, affairs=case.affairs)
    if case.provided_for:
        provide(world, person_id, case.provided_for)
    if case.taken_out_for:
        took_out(world, person_id, case.taken_out_for)
    if case.error is not None:
        with pytest.raises(case.error):
            withdraw(world, person_id, case.withdraw, who=case.who)
        if not case.other_org:  # nothing changed
            with world.sessions() as session:
                summary = vs.summarise_person(session, world.ctx("manager"), person_id)
            assert summary.acquired_for == sorted(case.affairs)
        return
    assert withdraw(world, person_id, case.withdraw, who=case.who) == [SLIP]


def test_withdrawal_is_audited_with_affair_and_reason_never_the_number(world: World):
    """Issue #11: a number typed into the reason is refused (the person can take it out),
    so it reaches neither the trail nor the database; a reason without one is recorded."""
    ((person_id, number),) = add_persons(world, 1, seed=42, affairs=(SLIP, DECL))
    with unit_of_work(world.sessions) as session, pytest.raises(NumberInText):
        withdraw_affair(
            session, world.ctx("manager"), person_id=person_id, affair_code=DECL,
            reason=f"{REASON} {number}",  # a number typed into the reason by mistake
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        withdraw_affair(
            session, world.ctx("manager"), person_id=person_id, affair_code=DECL, reason=REASON
        )
    with world.sessions() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "number:withdraw_affair")
        )
        assert entry is not None and entry.person_id == person_id
        assert entry.affair_code == DECL
        assert entry.details is not None
        assert entry.details["affair"] == DECL and REASON in entry.details["reason"]
        assert entry.details["remaining"] == [SLIP]
        assert number not in repr(entry.details)


def test_a_reason_is_required(world: World):
    ((person_id, _),) = add_persons(world, 1, seed=43, affairs=(SLIP, DECL))
    with unit_of_work(world.sessions) as session, pytest.raises(InvalidInput):
        withdraw_affair(
            session, world.ctx("manager"), person_id=person_id, affair_code=DECL, reason="  "
        )


def test_a_withdrawn_affair_no_longer_uses_the_number(world: World):
    """事業者編 第4-1-(1) 1 B: no use beyond the affairs the number is held for."""
    ((person_id, number),) = add_persons(world, 1, seed=44, affairs=(SLIP, DECL))
    withdraw(world, person_id, DECL)
    with unit_of_work(world.sessions) as session, pytest.raises(PurposeMismatch):
        vs.use(session, world.envelope, world.ctx("clerk", DECL), person_id=person_id)
    with unit_of_work(world.sessions) as session:
        got = vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person_id)
    assert got == number


def test_a_withdrawn_affair_no_longer_holds_the_number_back(world: World):
    """事業者編 第4-3-(3)B: due once no remaining affair needs it (due.py and due_sql.py)."""
    ((person_id, _),) = add_persons(
        world, 1, seed=45, affairs=(SLIP, DECL), relationship_end=RETIRED
    )

    def due() -> dict[uuid.UUID, tuple[str, ...]]:
        with unit_of_work(world.sessions) as session:
            items = retention.due_list(session, world.ctx("manager"), today=TODAY)
        return {item.person_id: tuple(item.affairs) for item in items}

    assert person_id not in due()  # the declaration keeps it until 2032
    withdraw(world, person_id, DECL)
    assert due()[person_id] == (SLIP,)
