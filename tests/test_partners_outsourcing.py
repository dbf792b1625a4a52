"""Outsourcing (委託) gates outside members (issue #16, "Outsourcing (委託) and sub-outsourcing").

番号法第11条 and 事業者編 第4-2-(1) 1B: the client supervises its 委託先 — selection, a contract
with the required clauses, and 取扱状況の把握. 番号法第10条 and 第4-2-(1) 2A/2B: a 再委託 only
with the client's approval. An outside organisation's users get roles here only while a
current 委託 (or an approved 再委託) covers what they are given; ending it ends their roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Assignment, Role, User
from mnvault.affairs.services import get_affair
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.errors import MnvaultError
from mnvault.orgs import services as orgs
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.partners import services as partners
from mnvault.partners.errors import (
    ContractIncomplete,
    NotCovered,
    SelectionIncomplete,
    WrongState,
)
from mnvault.partners.models import Outsourcee, Supervision
from mnvault.vault.errors import NotFound, NumberInText
from tests.conftest import World
from tests.support.outsourcing import ALL_SELECTION, REQUIRED, contract_with

SLIP = "withholding_slip"
HEALTH = "health_pension_insurance"


@dataclass
class Parties:
    client: Organisation
    kou: Organisation  # the 委託先 (a payroll outsourcer)
    hei: Organisation  # its 再委託先
    admin_client: Context
    admin_kou: Context
    admin_hei: Context
    tanaka: User  # kou's clerk
    suzuki: User  # hei's clerk


def _admin(session: Session, org: Organisation) -> Context:
    admin = access.create_user(
        session, None, home_organisation_id=org.id, login="admin", display_name="管理者",
        password="an admin password",
    )  # fmt: skip
    access.grant_role(session, None, user=admin, organisation_id=org.id, role=Role.ADMIN)
    return Context(actor_id=admin.id, organisation_id=org.id)


@pytest.fixture
def parties(world: World) -> Parties:
    with world.sessions() as session:
        kind = OrganisationKind.COMPANY
        client = orgs.create_organisation(session, name="委託元株式会社", kind=kind, code="client")
        kou = orgs.create_organisation(session, name="給与計算受託", kind=kind, code="kou-corp")
        hei = orgs.create_organisation(session, name="再委託先", kind=kind, code="hei-corp")
        admins = [_admin(session, o) for o in (client, kou, hei)]
        tanaka, _ = access.add_member(
            session, admins[1], login="tanaka", display_name="田中", roles=[Role.CLERK]
        )
        suzuki, _ = access.add_member(
            session, admins[2], login="suzuki", display_name="鈴木", roles=[Role.CLERK]
        )
        session.commit()
    return Parties(client, kou, hei, *admins, tanaka, suzuki)


def _bring_in(world: World, p: Parties, reference: str, home: Context) -> None:
    """The client asks for CODE:LOGIN as a clerk and the home approves."""
    with world.sessions() as session:
        row = outside.request_outside_member(
            session, p.admin_client, reference=reference, roles=[Role.CLERK]
        )
        session.commit()
        outside.decide_request(session, home, request_id=row.id, approve=True)
        session.commit()


def _roles(world: World, user: User, org: Organisation) -> set[Role]:
    with world.sessions() as session:
        return access.roles_of(session, user.id, org.id)


def _assign(world: World, p: Parties, user: User, affair: str) -> None:
    with world.sessions() as session:
        access.assign(
            session, p.admin_client, user=session.get(User, user.id),
            affair=get_affair(session, p.client.id, affair),
        )  # fmt: skip
        session.commit()


def _contract(world: World, p: Parties, code: str = "kou-corp", affairs=(SLIP,)) -> Outsourcee:
    with world.sessions() as session:
        row = contract_with(session, p.admin_client, code, affairs)
        session.commit()
        return row


def _actions(world: World, org: Organisation, action: AuditAction) -> list[AuditEntry]:
    with world.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.organisation_id == org.id, AuditEntry.action == action.value)
                .order_by(AuditEntry.seq)
            )
        )


def test_no_outside_member_without_a_current_contract(world: World, parties: Parties):
    """Issue #16: an outside organisation's user gets no role without a current 委託; the
    refusal is bilingual and the same for a login that exists and one that does not."""
    for reference in ("kou-corp:tanaka", "kou-corp:nobody"):
        with world.sessions() as session, pytest.raises(NotCovered) as refused:
            outside.request_outside_member(
                session, parties.admin_client, reference=reference, roles=[Role.CLERK]
            )
        error: MnvaultError = refused.value
        assert "委託" in error.message_ja and "outsourcing" in error.message_en
    assert _roles(world, parties.tanaka, parties.client) == set()
    _contract(world, parties)
    _bring_in(world, parties, "kou-corp:tanaka", parties.admin_kou)
    assert _roles(world, parties.tanaka, parties.client) == {Role.CLERK}


def test_a_contract_ended_before_the_approval_gives_no_role(world: World, parties: Parties):
    """Ending the 委託 closes the requests still pending; a contract whose term passed
    before the home approves is refused at the approval."""
    row = _contract(world, parties)
    with world.sessions() as session:
        asked = outside.request_outside_member(
            session, parties.admin_client, reference="kou-corp:tanaka", roles=[Role.CLERK]
        )
        session.commit()
        partners.end(session, parties.admin_client, row.id, reason="契約満了")
        session.commit()
        with pytest.raises(NotFound):
            outside.decide_request(session, parties.admin_kou, request_id=asked.id, approve=True)
    again = _contract(world, parties)
    with world.sessions() as session:
        asked = outside.request_outside_member(
            session, parties.admin_client, reference="kou-corp:tanaka", roles=[Role.CLERK]
        )
        session.get(Outsourcee, again.id).contract_end = date.today() - timedelta(days=2)
        session.commit()
        with pytest.raises(NotCovered):
            outside.decide_request(session, parties.admin_kou, request_id=asked.id, approve=True)
    assert _roles(world, parties.tanaka, parties.client) == set()


def test_affairs_given_must_be_outsourced(world: World, parties: Parties):
    """The outside clerk is assigned only to affairs the 委託 covers."""
    _contract(world, parties, affairs=(SLIP,))
    _bring_in(world, parties, "kou-corp:tanaka", parties.admin_kou)
    _assign(world, parties, parties.tanaka, SLIP)
    with pytest.raises(NotCovered):
        _assign(world, parties, parties.tanaka, HEALTH)


def test_a_contract_past_its_term_covers_nothing(world: World, parties: Parties):
    with world.sessions() as session:
        row = partners.register(
            session, parties.admin_client, name="期間満了", affair_codes=[SLIP],
            organisation_code="KOU-CORP",
        )  # fmt: skip
        partners.record_selection(session, parties.admin_client, row.id, checked=ALL_SELECTION)
        yesterday = date.today() - timedelta(days=1)
        partners.record_contract(
            session, parties.admin_client, row.id, clauses=REQUIRED,
            start=date(2020, 1, 1), end=yesterday - timedelta(days=1),
        )  # fmt: skip
        session.commit()
        with pytest.raises(NotCovered):
            outside.request_outside_member(
                session, parties.admin_client, reference="kou-corp:tanaka", roles=[Role.CLERK]
            )
        titles = [a.title_en for a in partners.attention(session, parties.admin_client)]
    assert any("term has passed" in t for t in titles)


def test_ending_the_contract_ends_roles_and_opens_the_return(world: World, parties: Parties):
    """Issue #16: contract end removes the outside members' roles and assignments (audited)
    and starts the return/disposal follow-up, which record_return closes."""
    row = _contract(world, parties)
    _bring_in(world, parties, "kou-corp:tanaka", parties.admin_kou)
    _assign(world, parties, parties.tanaka, SLIP)
    with world.sessions() as session:
        partners.end(session, parties.admin_client, row.id, reason="契約満了")
        session.commit()
    assert _roles(world, parties.tanaka, parties.client) == set()
    with world.sessions() as session:
        left = session.scalars(
            select(Assignment).where(Assignment.user_id == parties.tanaka.id)
        ).all()
        assert left == []
        follow = partners.attention(session, parties.admin_client)
    assert [(a.overdue, a.link) for a in follow] == [(True, f"/partners/{row.id}")]
    revoked = _actions(world, parties.client, AuditAction.ROLE_REVOKE)
    assert [(e.details["user_id"], e.details["role"]) for e in revoked] == [
        (str(parties.tanaka.id), "clerk")
    ]
    (ended,) = _actions(world, parties.client, AuditAction.PARTNER_END)
    assert ended.details["withdrawn_users"] == [str(parties.tanaka.id)]
    with world.sessions() as session:
        partners.record_return(session, parties.admin_client, row.id, how="disposed",
                               note="廃棄証明書を受領")  # fmt: skip
        session.commit()
        assert partners.attention(session, parties.admin_client) == []


def test_another_current_contract_keeps_the_roles(world: World, parties: Parties):
    """A renewed contract (a second record) keeps the member when the old one ends."""
    old = _contract(world, parties)
    _contract(world, parties)
    _bring_in(world, parties, "kou-corp:tanaka", parties.admin_kou)
    with world.sessions() as session:
        partners.end(session, parties.admin_client, old.id, reason="更新")
        session.commit()
    assert _roles(world, parties.tanaka, parties.client) == {Role.CLERK}


def test_subcontracting_needs_the_clients_approval_before_any_role(world: World, parties: Parties):
    """番号法第10条第1項: the 再委託先's user gets nothing while the request awaits the
    client's approval, a role after it, and loses it when the 委託 above ends."""
    row = _contract(world, parties)
    with world.sessions() as session:
        sub = partners.request_subcontract(
            session, parties.admin_client, row.id, name="丙社", affair_codes=[SLIP],
            organisation_code="hei-corp",
        )  # fmt: skip
        session.commit()
        with pytest.raises(NotCovered):
            outside.request_outside_member(
                session, parties.admin_client, reference="hei-corp:suzuki", roles=[Role.CLERK]
            )
        with pytest.raises(WrongState):  # a 再委託 is approved, never contracted by the client
            partners.record_contract(
                session, parties.admin_client, sub.id, clauses=REQUIRED, start=date(2000, 1, 1)
            )
        partners.decide_subcontract(session, parties.admin_client, sub.id, approve=True)
        session.commit()
    _bring_in(world, parties, "hei-corp:suzuki", parties.admin_hei)
    _assign(world, parties, parties.suzuki, SLIP)
    assert _roles(world, parties.suzuki, parties.client) == {Role.CLERK}
    with world.sessions() as session:
        partners.end(session, parties.admin_client, row.id, reason="契約解除")
        session.commit()
        assert session.get(Outsourcee, sub.id).state == "ended"
    assert _roles(world, parties.suzuki, parties.client) == set()


def test_a_refused_or_wider_subcontract_covers_nothing(world: World, parties: Parties):
    row = _contract(world, parties, affairs=(SLIP,))
    with world.sessions() as session:
        with pytest.raises(MnvaultError):  # beyond the affairs outsourced
            partners.request_subcontract(
                session, parties.admin_client, row.id, name="丙社", affair_codes=[HEALTH],
                organisation_code="hei-corp",
            )  # fmt: skip
        sub = partners.request_subcontract(
            session, parties.admin_client, row.id, name="丙社", affair_codes=[SLIP],
            organisation_code="hei-corp",
        )  # fmt: skip
        partners.decide_subcontract(session, parties.admin_client, sub.id, approve=False)
        session.commit()
        with pytest.raises(NotCovered):
            outside.request_outside_member(
                session, parties.admin_client, reference="hei-corp:suzuki", roles=[Role.CLERK]
            )


def test_contract_needs_selection_and_required_clauses(world: World, parties: Parties):
    """事業者編 第4-2-(1) 1B: selection first; the contract holds every required clause."""
    with world.sessions() as session:
        row = partners.register(
            session, parties.admin_client, name="乙社", affair_codes=[SLIP],
            organisation_code="kou-corp",
        )  # fmt: skip
        with pytest.raises(SelectionIncomplete):
            partners.record_contract(
                session, parties.admin_client, row.id, clauses=REQUIRED, start=date(2000, 1, 1)
            )
        partners.record_selection(session, parties.admin_client, row.id, checked=ALL_SELECTION[:2])
        with pytest.raises(SelectionIncomplete):
            partners.record_contract(
                session, parties.admin_client, row.id, clauses=REQUIRED, start=date(2000, 1, 1)
            )
        partners.record_selection(session, parties.admin_client, row.id, checked=ALL_SELECTION)
        with pytest.raises(ContractIncomplete) as missing:
            partners.record_contract(
                session, parties.admin_client, row.id, clauses=REQUIRED[1:],
                start=date(2000, 1, 1),
            )  # fmt: skip
        assert "秘密保持義務" in missing.value.detail_ja
        partners.record_contract(
            session, parties.admin_client, row.id, clauses=REQUIRED, start=date(2000, 1, 1)
        )


def test_supervision_is_recorded_and_audited(world: World, parties: Parties):
    row = _contract(world, parties)
    with world.sessions() as session:
        partners.record_supervision(
            session, parties.admin_client, row.id, kind="report",
            performed_on=date.today(), summary="四半期報告を受領", next_due=date(2099, 1, 1),
        )  # fmt: skip
        session.commit()
        assert partners.attention(session, parties.admin_client) == []
        (record,) = partners.supervisions(session, parties.admin_client, row.id)
        assert record.kind == "report"
    assert len(_actions(world, parties.client, AuditAction.PARTNER_SUPERVISE)) == 1


NUMBER_FORMS = ("{0}{1}{2}", "{0} {1} {2}", "{0}-{1}-{2}")


def _forms(number: str) -> list[str]:
    parts = (number[:4], number[4:8], number[8:])
    plain = [f.format(*parts) for f in NUMBER_FORMS]
    return [*plain, plain[0].translate(str.maketrans("0123456789", "０１２３４５６７８９"))]


@pytest.mark.parametrize("field", ["name", "note"])
def test_no_number_in_an_outsourcee_record(
    world: World, parties: Parties, synthetic_number: str, field: str
):
    """A number typed into free text is refused (vault.freetext): nothing is stored."""
    number = synthetic_number
    for typed in _forms(number):
        values = {"name": "乙社", "note": None, field: f"担当 {typed}"}
        with world.sessions() as session, pytest.raises(NumberInText):
            partners.register(session, parties.admin_client, affair_codes=[SLIP], **values)
    row = _contract(world, parties)
    with world.sessions() as session:
        for call in (
            lambda t: partners.end(session, parties.admin_client, row.id, reason=t),
            lambda t: partners.record_supervision(
                session,
                parties.admin_client,
                row.id,
                kind="on_site",
                performed_on=date.today(),
                summary=t,
            ),
        ):
            with pytest.raises(NumberInText):
                call(f"番号 {_forms(number)[2]}")
        assert session.scalars(select(Supervision)).all() == []
        assert (
            session.scalars(select(Outsourcee).where(Outsourcee.ended_at.is_not(None))).all() == []
        )
