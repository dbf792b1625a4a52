"""A number that was never needed: acquired by mistake, or for an affair the person never
had (an offer withdrawn before the first day, the wrong affair ticked at acquisition).

Sources: 事業者編 第4-3-(3)B 保管制限と廃棄 (「それらの事務を行う必要がある場合に限り特定
個人情報を保管し続けることができる」; a statutory period binds 「これらの書類等に記載された個人
番号」, the documents actually kept under the law); 第4-3-(1) 2 提供を求める時期 (「契約内容
等から個人番号関係事務が明らかに発生しないと認められる場合には、個人番号の提供を求めては
ならない」); 番号法第20条 (no keeping outside 第19条); 別添1 2E d (できるだけ速やかに削除).
Where no document carrying the number was ever filed or provided, no retention period
runs, so the number goes at once — on a manager's reason, confirmed by another manager.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.crypto import Envelope
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from mnvault.disposal import batches
from mnvault.disposal.errors import NumberWasProvided, StatutoryRetention
from mnvault.disposal.models import BatchState, DisposalBatch
from mnvault.numbers import generate_my_number
from mnvault.vault import services as vs
from mnvault.vault.errors import InvalidInput, NotHeld
from mnvault.vault.models import RecipientKind
from tests.api_support import acquire
from tests.conftest import MaskedStr, World
from tests.disposal_support import (
    add_manager,
    add_persons,
    keyring_of,
    no_grace,
    own_envelope,
    read_number,
)
from tests.web_support import Web, web

__all__ = ["no_grace", "web"]

TODAY = date(2026, 11, 26)
SLIP = "withholding_slip"
DECL = "dependent_deduction_declaration"
HEALTH = "health_pension_insurance"
EMPLOYMENT = "employment_insurance"
REASON = "内定取消: 入社せず、申告書・届出は一切提出していない"

OK = "disposed"

# (affairs held, provided to the tax office first, outcome)
CASES = [
    pytest.param(
        (DECL,), False, OK,
        id="扶養控除等申告書, 入社せず提出なし: 施行規則第76条の3 の保存対象なし — disposed",
    ),
    pytest.param(
        (HEALTH,), False, OK,
        id="健保・厚年, 資格取得届を出していない: 保存期間 (健保則第34条) の対象なし — disposed",
    ),
    pytest.param(
        (SLIP, EMPLOYMENT), False, OK,
        id="源泉徴収票と雇用保険, どちらも未提出 — disposed",
    ),
    pytest.param(
        (DECL,), True, NumberWasProvided,
        id="提供の記録あり (番号法第19条): 書類に記載され提出済み — refused, the period runs",
    ),
]  # fmt: skip


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


def _assign(world: World, affairs: tuple[str, ...]) -> None:
    with unit_of_work(world.sessions) as session:
        for code in set(affairs) - {SLIP, DECL}:
            access.assign(
                session, world.ctx("admin"), user=world.users["clerk"],
                affair=get_affair(session, world.org.id, code),
            )  # fmt: skip


def _plan(world: World, person_id, who: str = "manager", **kwargs) -> DisposalBatch:
    with unit_of_work(world.sessions) as session:
        return batches.plan(
            session, world.ctx(who), today=TODAY, reason="誤って取得", person_ids=[person_id],
            **kwargs,
        )  # fmt: skip


@pytest.mark.parametrize(("affairs", "provided", "outcome"), CASES)
def test_a_number_never_needed_goes_without_waiting_for_a_period(
    world: World, affairs: tuple[str, ...], provided: bool, outcome: object
):
    _assign(world, affairs)
    add_manager(world)
    ((person_id, number),) = add_persons(world, 1, seed=51, affairs=affairs)
    if affairs[0] in {DECL, HEALTH}:
        # What the table guards against: without the statement, the statutory hold
        # (not yet started: the person is "still employed") refuses the early disposal.
        with pytest.raises(StatutoryRetention):
            _plan(world, person_id, early_reason=REASON)
    if provided:
        with unit_of_work(world.sessions) as session:
            vs.provide(
                session, world.ctx("clerk", affairs[0]), person_ids=[person_id],
                recipient_kind=RecipientKind.TAX_OFFICE, recipient_name="麹町税務署",
                legal_basis="番号法第19条第2号", method="e-Tax",
            )  # fmt: skip
    if outcome is not OK:
        assert isinstance(outcome, type)
        with pytest.raises(outcome):
            _plan(world, person_id, early_reason=REASON, never_needed=True)
        assert read_number(world, person_id, affairs[0]) == number
        return
    batch = _plan(world, person_id, early_reason=REASON, never_needed=True)
    assert batch.state == BatchState.PLANNED and batch.confirmation_required
    assert batch.never_needed and batch.early_reason == REASON
    with unit_of_work(world.sessions) as session:
        batches.confirm(session, world.ctx("manager2"), batch_id=batch.id)
    done = batches.run(world.sessions, keyring_of(world), world.ctx("manager"), batch_id=batch.id)
    assert done.disposed_count == 1
    with pytest.raises(NotHeld):
        read_number(world, person_id, affairs[0])
    with world.sessions() as session:
        planned = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "disposal:plan")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert planned is not None and planned.details["never_needed"] is True
    assert planned.details["early"] is True


def test_never_needed_needs_a_reason_named_persons_and_a_manager(world: World):
    ((person_id, _),) = add_persons(world, 1, seed=52, affairs=(DECL,))
    with pytest.raises(InvalidInput) as missing:
        _plan(world, person_id, never_needed=True)
    assert "理由" in str(missing.value) and "reason" in str(missing.value)
    with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
        # The due list is about periods that ended; "never needed" is said of a person.
        batches.plan(
            session, world.ctx("manager"), today=TODAY, reason="x", early_reason=REASON,
            never_needed=True,
        )  # fmt: skip
    with pytest.raises(AuthorizationDenied):
        _plan(world, person_id, who="clerk", early_reason=REASON, never_needed=True)


def test_the_planner_cannot_confirm_a_never_needed_batch(world: World):
    """The statement that no document was filed is the planner's; another manager checks
    it (別添1 2B 複数人による確認, 2C a)."""
    add_manager(world)
    ((person_id, _),) = add_persons(world, 1, seed=53, affairs=(DECL,))
    batch = _plan(world, person_id, early_reason=REASON, never_needed=True)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        batches.confirm(session, world.ctx("manager"), batch_id=batch.id)


@pytest.mark.usefixtures("no_grace")
def test_the_plan_form_records_never_needed(web: Web):
    """The screen: tick a person listed as falling due later, give the reason, say the
    number was never needed; the record shows it."""
    api = web.api
    number = MaskedStr(generate_my_number(random.Random(951)))
    person_id = acquire(api, api.full_session("clerk"), "N0", number)
    manager_ctx = Context(actor_id=api.users["manager"], organisation_id=api.organisation_id)
    with api.vault.transaction() as session:
        vs.end_relationship(
            session, manager_ctx, person_id=uuid.UUID(person_id), ended_on=utcnow().date(),
            cause=vs.RelationshipEnd.RETIREMENT,
        )  # fmt: skip
    manager = web.browser()
    manager.sign_in("manager")
    listed = manager.get("/disposal?within=3660")
    assert "N0" in listed.text and 'id="never_needed"' in listed.text
    planned = manager.submit(
        "/disposal?within=3660", "/disposal/batches",
        {"reason": "誤って取得", "early_reason": REASON, "never_needed": "true",
         "person_ids": person_id, "within": "3660"},
    )  # fmt: skip
    assert planned.status_code == 200, planned.text
    assert 'id="never-needed"' in planned.text and 'data-state="planned"' in planned.text
    assert number not in planned.text
