"""An organisation's own affairs, and adding an affair to a number held (issue #13,
Affairs items 2 and 3).

Sources: policy table MANAGER_DUTIES (事業者編 別添1 2C a: the 責任者 decides what numbers
may be used for); 番号法第9条 (利用事務 for public bodies); 事業者編 第4-1-(1) 1 B a
(利用目的の変更: related purpose, notice to the person; example: 源泉徴収票作成事務 →
健康保険・厚生年金保険届出事務).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.affairs.models import Affair, AffairKind
from mnvault.affairs.services import define_affair, offered_affairs
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.numbers import generate_my_numbers
from mnvault.orgs.models import OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.errors import (
    AffairAlreadyHeld,
    AffairExists,
    AffairNotApplicable,
    AffairNotOffered,
    InvalidInput,
    NotHeld,
    NumberInText,
    PurposeMismatch,
)
from mnvault.vault.models import NumberRecord, PersonKind
from mnvault.vault.purpose_change import NoticeMethod, add_affair
from tests.conftest import World
from tests.support.builders import SLIP, acquired_person, organisation, person, user

HEALTH = "health_pension_insurance"
NOTICE_DAY = date(2026, 4, 1)


def define(world: World, who: str = "manager", **kw: object) -> Affair:
    fields: dict[str, object] = {
        "code": "company_housing",
        "kind": AffairKind.RELATED,
        "name_ja": "社宅管理に伴う住民税の届出",
        "name_en": "Inhabitant tax notices for company housing",
        "legal_basis": "番号法第9条第4項; 地方税法",
        "person_kinds": ["employee"],
    }
    fields.update(kw)
    with unit_of_work(world.sessions) as session:
        return define_affair(session, world.ctx(who), **fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Define:
    name: str
    source: str
    who: str = "manager"
    fields: tuple[tuple[str, object], ...] = ()
    error: type[Exception] | None = None


# fmt: off
DEFINES = [
    Define("manager defines a related affair", "policy table MANAGER_DUTIES"),
    Define("clerk refused", "MANAGER_DUTIES (別添1 2C a)", who="clerk",
           error=AuthorizationDenied),
    Define("admin refused: not an administrator's decision", "MANAGER_DUTIES", who="admin",
           error=AuthorizationDenied),
    Define("auditor refused", "policy table AUDIT", who="auditor", error=AuthorizationDenied),
    Define("a company's own use affair refused", "番号法第9条第1項・第2項",
           fields=(("kind", AffairKind.USE),), error=AffairNotOffered),
    Define("a catalogue code refused", "catalogue.py",
           fields=(("code", "withholding_slip"),), error=AffairExists),
    Define("a code that is not snake_case refused", "affairs/services.py AFFAIR_CODE",
           fields=(("code", "社宅"),), error=InvalidInput),
    Define("no legal basis refused", "番号法第9条 (a basis is the point)",
           fields=(("legal_basis", " "),), error=InvalidInput),
    Define("an unknown person kind refused", "vault PersonKind",
           fields=(("person_kinds", ["visitor"]),), error=InvalidInput),
]
# fmt: on


@pytest.mark.parametrize("case", DEFINES, ids=[c.name for c in DEFINES])
def test_define_an_own_affair(world: World, case: Define):
    """Issue #13 Affairs item 2."""
    if case.error is not None:
        with pytest.raises(case.error):
            define(world, case.who, **dict(case.fields))
        return
    made = define(world, case.who, **dict(case.fields))
    with world.sessions() as session:
        codes = [a.code for a in offered_affairs(session, world.org.id)]
        other = [a.code for a in offered_affairs(session, world.other_org.id)]
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "affair:define"))
    assert made.code in codes and made.code not in other
    assert "resident_tax_assessment" not in codes  # a company is not offered 利用事務
    assert entry is not None and entry.affair_code == made.code
    assert entry.details == {"affair": made.code, "kind": "related", "person_kinds": ["employee"]}


def test_defining_an_affair_grants_no_number_access(world: World):
    """A new affair reaches no number until someone is assigned to it (番号法第9条)."""
    define(world)
    (number,) = generate_my_numbers(1, seed=1301)
    held = acquired_person(world, number)
    with unit_of_work(world.sessions) as session, pytest.raises(AuthorizationDenied):
        vs.use(session, world.envelope, world.ctx("manager", "company_housing"), person_id=held.id)


def test_a_number_in_the_name_is_refused(world: World):
    (number,) = generate_my_numbers(1, seed=1302)
    with pytest.raises(NumberInText):
        define(world, name_ja=f"社宅 {number}")


def test_a_local_government_defines_its_own_use_affair(world: World):
    """番号法第9条第2項: 条例で定める事務 of a 地方公共団体."""
    city = organisation(world, "試験市", OrganisationKind.LOCAL_GOVERNMENT)
    user(world, "city-manager", Role.MANAGER, org=city)
    with unit_of_work(world.sessions) as session:
        made = define_affair(
            session,
            world.ctx("city-manager", org=city),
            code="city_medical_aid",
            kind=AffairKind.USE,
            name_ja="子ども医療費助成",
            name_en="Child medical aid",
            legal_basis="番号法第9条第2項; 試験市個人番号利用条例第2条",
            person_kinds=["resident"],
        )
    assert made.organisation_id == city.id


# -- adding an affair to a number held -------------------------------------------------------


def add(
    world: World,
    person_id: uuid.UUID,
    code: str = HEALTH,
    who: str = "manager",
    *,
    method: NoticeMethod = NoticeMethod.INTRANET,
    note: str = "",
) -> list[str]:
    with unit_of_work(world.sessions) as session:
        return add_affair(
            session,
            world.ctx(who),
            person_id=person_id,
            affair_code=code,
            notified_on=NOTICE_DAY,
            method=method,
            note=note,
        )


@dataclass(frozen=True)
class Change:
    name: str
    source: str
    code: str = HEALTH
    who: str = "manager"
    kind: PersonKind = PersonKind.EMPLOYEE
    affairs: tuple[str, ...] = (SLIP,)
    method: NoticeMethod = NoticeMethod.INTRANET
    note: str = ""
    held: bool = True
    error: type[Exception] | None = None


# fmt: off
CHANGES = [
    Change("源泉徴収票 → 健保・厚年, notified on the intranet", "事業者編 第4-1-(1) 1 B a 例"),
    Change("notice by work rules", "事業者編 第4-1-(1) 1 B a (就業規則への明記)",
           method=NoticeMethod.WORK_RULES),
    Change("'other' notice needs its description", "事業者編 第4-1-(1) 1 B a",
           method=NoticeMethod.OTHER, error=InvalidInput),
    Change("'other' notice with its description", "事業者編 第4-1-(1) 1 B a",
           method=NoticeMethod.OTHER, note="面談で口頭説明し記録"),
    Change("clerk refused: a 責任者's decision", "MANAGER_DUTIES", who="clerk",
           error=AuthorizationDenied),
    Change("admin refused", "MANAGER_DUTIES", who="admin", error=AuthorizationDenied),
    Change("affair already held", "no double holding", code=SLIP, error=AffairAlreadyHeld),
    Change("affair not for this kind of person", "番号法第9条 (person kinds)",
           code="interest_payment_record", error=AffairNotApplicable),
    Change("a company cannot add 住民税賦課", "番号法第9条第1項・別表",
           code="resident_tax_assessment", error=AffairNotOffered),
    Change("no number held: acquire instead", "事業者編 第4-3-(1)", held=False,
           error=NotHeld),
]
# fmt: on


@pytest.mark.parametrize("case", CHANGES, ids=[c.name for c in CHANGES])
def test_add_an_affair_to_a_number_held(world: World, case: Change):
    """Issue #13 Affairs item 3: the purpose changes, the number is not acquired again."""
    (number,) = generate_my_numbers(1, seed=1310)
    if case.held:
        target = acquired_person(world, number, kind=case.kind, affairs=case.affairs)
    else:
        target = person(world, kind=case.kind)
    if case.error is not None:
        with pytest.raises(case.error):
            add(world, target.id, case.code, case.who, method=case.method, note=case.note)
        if case.held:
            with world.sessions() as session:
                summary = vs.summarise_person(session, world.ctx("manager"), target.id)
            assert summary.acquired_for == sorted(case.affairs)
        return
    assert add(world, target.id, case.code, case.who, method=case.method, note=case.note) == sorted(
        (*case.affairs, case.code)
    )


def test_the_added_affair_uses_the_same_number_and_the_notice_is_audited(world: World):
    """事業者編 第4-1-(1) 1 B a: after the notice the number serves the new affair; no
    dispose-and-reacquire: one record, one acquisition in the trail."""
    (number,) = generate_my_numbers(1, seed=1311)
    held = acquired_person(world, number)
    with unit_of_work(world.sessions) as session, pytest.raises(PurposeMismatch):
        vs.use(session, world.envelope, world.ctx("clerk2", HEALTH), person_id=held.id)
    with world.sessions() as session:
        before = session.get(NumberRecord, held.id)
        assert before is not None
        acquired_at, ciphertext = before.acquired_at, before.ciphertext
    add(world, held.id, note="")
    with unit_of_work(world.sessions) as session:
        got = vs.use(session, world.envelope, world.ctx("clerk2", HEALTH), person_id=held.id)
    assert got == number
    with world.sessions() as session:
        after = session.get(NumberRecord, held.id)
        assert after is not None
        assert (after.acquired_at, after.ciphertext) == (acquired_at, ciphertext)
        acquisitions = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "number:acquire", AuditEntry.person_id == held.id)
        )
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "number:add_affair"))
    assert acquisitions == 1
    assert entry is not None and entry.person_id == held.id and entry.affair_code == HEALTH
    assert entry.details is not None
    assert entry.details["notified_on"] == "2026-04-01"
    assert entry.details["method"] == "intranet"
    assert entry.details["held"] == sorted([SLIP, HEALTH])
    assert number not in repr(entry.details)


def test_a_number_in_the_notice_note_is_refused(world: World):
    first, second = generate_my_numbers(2, seed=1312)
    held = acquired_person(world, first)
    with pytest.raises(NumberInText):
        add(world, held.id, method=NoticeMethod.OTHER, note=f"説明 {second}")


def test_a_future_notice_date_is_refused(world: World):
    (number,) = generate_my_numbers(1, seed=1314)
    held = acquired_person(world, number)
    with unit_of_work(world.sessions) as session, pytest.raises(InvalidInput):
        add_affair(
            session,
            world.ctx("manager"),
            person_id=held.id,
            affair_code=HEALTH,
            notified_on=date(2999, 1, 1),
            method=NoticeMethod.INTRANET,
        )
