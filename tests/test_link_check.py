"""Issue #13, Organisation kinds: 紐付けの際の複数人による確認. When the organisation requires
it (on by default for administrative agencies and local governments, off for companies), an
acquired or corrected number waits for a different user's check, audited, and is neither
provided nor exported until then.

Sources: 事業者編 別添1 2B 取扱規程等の策定 手法の例示 ＊ 「個人番号と個人情報の紐付けの際の
複数人による確認（責任者による最終確認を含む。）」; 行政機関等編 別添1 2B 手法の例示 ＊ (same
words) and 2C a 「特定個人情報等の取扱いにおける人的ミスの発生を防止するための確認体制の整備」.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.context import unit_of_work
from mnvault.numbers import generate_my_number
from mnvault.orgs import linking
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault import exporter, link_check
from mnvault.vault import services as vs
from mnvault.vault.errors import AwaitingLinkCheck, NoLinkCheckPending, SelfLinkCheck
from mnvault.vault.models import NumberRecord, RecipientKind
from tests.api_support import acquire
from tests.conftest import World
from tests.disposal_support import add_persons
from tests.test_retention_citations import _copy, _flat
from tests.web_support import Web, web

__all__ = ["web"]

K = OrganisationKind

# (kind, on by default?, source)
DEFAULTS = [
    pytest.param(K.ADMINISTRATIVE_AGENCY, True, id="行政機関等編 別添1 2C a 確認体制の整備"),
    pytest.param(K.LOCAL_GOVERNMENT, True, id="行政機関等編 別添1 2C a 確認体制の整備 (地方)"),
    pytest.param(K.COMPANY, False, id="事業者編 別添1 2B 手法の例示 (an example: off)"),
    pytest.param(K.SMALL_BUSINESS, False, id="事業者編 別添1 2B 手法の例示 (small business)"),
    pytest.param(K.FINANCIAL_INSTITUTION, False, id="事業者編 別添1 2B 手法の例示 (金融)"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "on"), DEFAULTS)
def test_on_by_default_for_public_bodies(kind, on):
    assert linking.default_for(kind) is on


def test_the_quoted_passages_are_in_the_texts():
    business = _flat(_copy("ppc-guideline-business.txt").read_text("utf-8"))
    government = _flat(_copy("ppc-guideline-government.txt").read_text("utf-8"))
    assert _flat(linking.BUSINESS_QUOTE) in business
    assert _flat(linking.BUSINESS_QUOTE) in government
    assert _flat(linking.GOVERNMENT_QUOTE) in government


def _provide(world: World, person_id):  # type: ignore[no-untyped-def]
    with unit_of_work(world.sessions) as session:
        return vs.provide(
            session, world.ctx("clerk", "withholding_slip"), person_ids=[person_id],
            recipient_kind=RecipientKind.TAX_OFFICE, recipient_name="麹町税務署",
            legal_basis="番号法第19条第2号", method="e-Tax",
        )  # fmt: skip


def _export(world: World, who: str = "clerk"):  # type: ignore[no-untyped-def]
    with unit_of_work(world.sessions) as session:
        return exporter.export_affair(
            session, world.envelope, world.ctx(who, "withholding_slip"),
            purpose="税務署提出", passphrase="correct horse battery staple",
        )  # fmt: skip


def test_a_company_needs_no_second_check_by_default(world: World):
    ((person_id, _n),) = add_persons(world, 1, seed=401)
    _provide(world, person_id)  # no waiting


def test_the_number_waits_for_a_second_person(world: World):
    """Item 3: on → awaiting; the acquirer cannot check their own link; a manager (責任者
    による最終確認) can; provision and export are refused until then; audited."""
    with unit_of_work(world.sessions) as session:
        linking.set_required(session, world.ctx("admin"), on=True)
    ((person_id, _n),) = add_persons(world, 1, seed=402)
    with world.sessions() as session:
        assert session.get_one(NumberRecord, person_id).link_pending
    with pytest.raises(AwaitingLinkCheck):
        _provide(world, person_id)
    with pytest.raises(AwaitingLinkCheck):
        _export(world)
    with pytest.raises(SelfLinkCheck), unit_of_work(world.sessions) as session:
        link_check.confirm(session, world.ctx("clerk", "withholding_slip"), person_id=person_id)
    with unit_of_work(world.sessions) as session:
        link_check.confirm(session, world.ctx("manager", "withholding_slip"), person_id=person_id)
    with pytest.raises(NoLinkCheckPending), unit_of_work(world.sessions) as session:
        link_check.confirm(session, world.ctx("manager", "withholding_slip"), person_id=person_id)
    _provide(world, person_id)
    assert _export(world).person_count == 1
    with world.sessions() as session:
        record = session.get_one(NumberRecord, person_id)
        assert not record.link_pending and record.link_checked_by == world.users["manager"].id
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "number:link_check")
        ).one()
        assert entry.person_id == person_id and entry.actor_id == world.users["manager"].id


def test_a_local_government_waits_without_being_asked(world: World):
    with unit_of_work(world.sessions) as session:
        session.get_one(Organisation, world.org.id).kind = K.LOCAL_GOVERNMENT.value
    ((person_id, _n),) = add_persons(world, 1, seed=403)
    with world.sessions() as session:
        assert session.get_one(NumberRecord, person_id).link_pending
        assert link_check.awaiting(session, world.org.id) == 1


def test_the_screen_shows_the_wait_and_takes_the_check(web: Web):
    with web.api.vault.transaction() as session:
        session.get_one(Organisation, web.api.organisation_id).kind = K.LOCAL_GOVERNMENT.value
        admin = session.scalars(select(User).where(User.login == "admin")).one()
        access.assign(
            session, Context(actor_id=admin.id, organisation_id=web.api.organisation_id),
            user=session.get_one(User, web.api.users["manager"]),
            affair=get_affair(session, web.api.organisation_id, "withholding_slip"),
        )  # fmt: skip
    number = generate_my_number(random.Random(404))
    person_id = acquire(web.api, web.api.full_session("clerk"), "L1", number)
    clerk = web.browser()
    clerk.sign_in("clerk")
    page = clerk.get(f"/persons/{person_id}")
    assert 'id="link-pending"' in page.text and 'id="confirm-link"' in page.text
    own = clerk.submit(f"/persons/{person_id}", f"/persons/{person_id}/link-check",
                       {"affair": "withholding_slip"})  # fmt: skip
    assert own.status_code == 422 and 'id="link-error"' in own.text
    manager = web.browser()
    manager.sign_in("manager")
    done = manager.submit(f"/persons/{person_id}", f"/persons/{person_id}/link-check",
                          {"affair": "withholding_slip"})  # fmt: skip
    assert done.status_code == 200 and 'id="link-pending"' not in done.text
    assert number not in page.text + own.text + done.text


def test_the_compliance_check_reads_the_setting(world: World):
    """J-2B.2 / G-2Ca.4 (確認体制の整備): met by the system once the second check is on."""
    from mnvault.compliance import checks
    from tests.test_compliance_checks import NOW

    with world.sessions() as session:
        probe = checks.Probe(session, world.org.id, NOW, NOW.date(), None)
        assert not checks.link_checked(probe).passed
        linking.set_required(session, world.ctx("admin"), on=True)
        assert checks.link_checked(probe).passed
        assert [c.id for c in checks.checks_for("G-2Ca.4")] == ["link_checked"]


def test_the_dashboard_attention_counts_the_waiting_numbers(world: World):
    with unit_of_work(world.sessions) as session:
        linking.set_required(session, world.ctx("admin"), on=True)
    add_persons(world, 2, seed=405)
    with world.sessions() as session:
        (item,) = link_check.attention(session, world.ctx("manager"))
        assert "2件" in item.title_ja and item.link == "/persons" and not item.overdue


def test_a_correction_is_a_new_link_and_waits_again(world: World):
    """Item 3: 取得 and 訂正 alike (issue #13: "acquisition and correction then wait")."""
    from datetime import UTC, datetime

    from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument

    with unit_of_work(world.sessions) as session:
        linking.set_required(session, world.ctx("admin"), on=True)
    ((person_id, _n),) = add_persons(world, 1, seed=406)
    with unit_of_work(world.sessions) as session:
        link_check.confirm(session, world.ctx("manager", "withholding_slip"), person_id=person_id)
    corrected = generate_my_number(random.Random(407))
    with unit_of_work(world.sessions) as session:
        vs.correct(
            session, world.envelope, world.ctx("manager", "withholding_slip"),
            person_id=person_id, number=corrected, reason="転記誤り",
            verification=vs.IdentityVerification(
                NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
                world.users["manager"].id, datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
            ),
        )  # fmt: skip
    with world.sessions() as session:
        assert session.get_one(NumberRecord, person_id).link_pending
    with pytest.raises(SelfLinkCheck), unit_of_work(world.sessions) as session:
        link_check.confirm(session, world.ctx("manager", "withholding_slip"), person_id=person_id)
    with unit_of_work(world.sessions) as session:
        link_check.confirm(session, world.ctx("clerk", "withholding_slip"), person_id=person_id)
