"""Issue #13 (Provision, 番号法第19条): the service, the API, the CLI and the screen accept
only an item of the one table (vault/provision_items.py), fitting the organisation's and
the affair's kind, with 第4号's consent and 第16号's condition recorded; a legacy free-text
basis stays readable, marked. Source: shared/legal/mynumber-act.txt 第十九条."""

from __future__ import annotations

import random
from datetime import date

import pyrage
import pytest
from sqlalchemy import select

from mnvault.db.engine import unit_of_work
from mnvault.numbers import generate_my_number
from mnvault.vault import browse
from mnvault.vault import services as vs
from mnvault.vault.errors import (
    ConditionMissing,
    ItemNotForAffair,
    NotAnArticle19Item,
)
from mnvault.vault.models import Provision, ProvisionPerson, RecipientKind
from mnvault.vault.provision import Conditions, Consent
from mnvault.vault.provision_items import Item16Condition
from tests.support.api import SLIP as API_SLIP
from tests.support.api import Api, api, bearer
from tests.support.api import acquire as api_acquire
from tests.support.builders import SLIP, acquired_person
from tests.support.numbers import MaskedStr
from tests.support.web import Web, acquire_on_screen, register_person, web
from tests.support.world import World

__all__ = ["api", "web"]  # the fixture, imported so that pytest finds it here

FREE_TEXT = ["番号法第19条第99号", "番号法第19条（社内で共有）", "番号法第19条第2号（社内で共有）"]


def _provide(world: World, person_id, basis: str, conditions: Conditions | None = None):
    with unit_of_work(world.sessions) as session:
        return vs.provide(
            session, world.ctx("clerk", SLIP), person_ids=[person_id],
            recipient_kind=RecipientKind.OTHER, recipient_name="乙株式会社",
            legal_basis=basis, method="paper", conditions=conditions,
        )  # fmt: skip


@pytest.mark.parametrize("basis", FREE_TEXT)
def test_the_service_refuses_a_free_text_basis(world: World, basis: str):
    """Today's main accepted anything starting with 番号法第19条."""
    person = acquired_person(world, MaskedStr(generate_my_number(random.Random(1))))
    with pytest.raises(NotAnArticle19Item) as caught:
        _provide(world, person.id, basis)
    assert "番号法第19条の各号" in str(caught.value) and "Article 19" in str(caught.value)


def test_item_1_is_refused_for_a_related_affair(world: World):
    """第1号 is the 個人番号利用事務実施者's: the withholding slip is a 関係事務."""
    person = acquired_person(world, MaskedStr(generate_my_number(random.Random(2))))
    with pytest.raises(ItemNotForAffair):
        _provide(world, person.id, "番号法第19条第1号")


def test_item_4_records_the_consent(world: World):
    person = acquired_person(world, MaskedStr(generate_my_number(random.Random(3))))
    with pytest.raises(ConditionMissing):
        _provide(world, person.id, "番号法第19条第4号")
    consent = Consent(date(2026, 3, 1), "乙株式会社（転籍先）", "個人番号・氏名・住所")
    made = _provide(world, person.id, "番号法第19条第4号", Conditions(consent=consent))
    with world.sessions() as session:
        stored = session.get(Provision, made.id)
        assert stored is not None
        assert (stored.article19_item, stored.consent_given_on, stored.consent_recipient,
                stored.consent_data) == (4, date(2026, 3, 1), "乙株式会社（転籍先）",
                                         "個人番号・氏名・住所")  # fmt: skip


def test_item_16_records_which_condition_applies(world: World):
    person = acquired_person(world, MaskedStr(generate_my_number(random.Random(4))))
    with pytest.raises(ConditionMissing):
        _provide(world, person.id, "番号法第19条第16号")
    made = _provide(
        world, person.id, "番号法第19条第16号",
        Conditions(item16=Item16Condition.CONSENT_DIFFICULT),
    )  # fmt: skip
    with world.sessions() as session:
        stored = session.get(Provision, made.id)
        assert stored is not None and stored.item16_condition == "consent_difficult"


def test_item_15_is_accepted(world: World):
    person = acquired_person(world, MaskedStr(generate_my_number(random.Random(5))))
    assert _provide(world, person.id, "番号法第19条第15号").article19_item == 15


def test_a_legacy_free_text_row_stays_readable_marked(world: World):
    """Rows stored before the table (free text, no item) are shown, marked as legacy."""
    person = acquired_person(world, MaskedStr(generate_my_number(random.Random(6))))
    made = _provide(world, person.id, "番号法第19条第2号")
    with unit_of_work(world.sessions) as session:
        stored = session.get(Provision, made.id)
        assert stored is not None
        stored.legal_basis, stored.article19_item = "番号法第19条（社内で共有）", None
    with world.sessions() as session:
        summary = vs.summarise_person(session, world.ctx("clerk"), person.id)
        rows = browse.provisions(session, summary)
    assert [(r.legal_basis, r.legacy_basis) for r in rows] == [("番号法第19条（社内で共有）", True)]


@pytest.mark.parametrize("basis", FREE_TEXT)
def test_the_api_refuses_a_free_text_basis_in_both_languages(api: Api, basis: str):
    clerk = api.full_session("clerk")
    person = api_acquire(api, clerk, "R1", MaskedStr(generate_my_number(random.Random(7))))
    refused = api.client.post(
        "/api/v1/provisions", headers=bearer(clerk),
        json={"affair": API_SLIP, "person_ids": [person], "recipient_kind": "other",
              "recipient_name": "乙株式会社", "legal_basis": basis, "method": "paper"},
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert "番号法第19条の各号" in problem["detail"] and "Article 19" in problem["detail"]
    with api.vault.transaction() as session:
        assert session.scalars(select(Provision)).all() == []


def test_the_api_records_item_4_with_consent_and_lists_items(api: Api):
    clerk = api.full_session("clerk")
    person = api_acquire(api, clerk, "R1", MaskedStr(generate_my_number(random.Random(8))))
    listed = api.client.get("/api/v1/provision-items", headers=bearer(clerk))
    assert listed.status_code == 200, listed.text
    assert [i["number"] for i in listed.json()] == [1, 2, 4, 6, 8, 9, 13, 15, 16, 17]
    made = api.client.post(
        "/api/v1/provisions", headers=bearer(clerk),
        json={"affair": API_SLIP, "person_ids": [person], "recipient_kind": "other",
              "recipient_name": "乙株式会社", "legal_basis": "番号法第19条第4号",
              "method": "paper", "consent": {"given_on": "2026-03-01",
              "recipient": "乙株式会社", "data": "個人番号"}},
    )  # fmt: skip
    assert made.status_code == 201, made.text


def test_the_screen_offers_the_table_and_refuses_free_text_in_both_languages(web: Web):
    """The form lists the items open to a company (not 第10号 to 第12号) and a basis typed
    around the select is refused by the service with the bilingual message."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    person = register_person(clerk, "W1")
    acquire_on_screen(clerk, person, MaskedStr(generate_my_number(random.Random(9))))
    page = f"/persons/{person}/provide"
    shown = clerk.get(page).text
    assert 'value="番号法第19条第15号"' in shown and 'value="番号法第19条第10号"' not in shown
    form = {"affair": SLIP, "recipient_kind": "other", "recipient_name": "乙株式会社",
            "method": "paper"}  # fmt: skip
    for basis in FREE_TEXT:
        refused = clerk.submit(page, page, {**form, "legal_basis": basis})
        assert refused.status_code == 422
        assert "番号法第19条の各号" in refused.text  # the viewer's language (ja by default)
    done = clerk.submit(page, page, {
        **form, "legal_basis": "番号法第19条第16号", "item16_condition": "consent",
    })  # fmt: skip
    assert done.status_code == 200 and "本人の同意がある" in done.text
    with web.api.vault.transaction() as session:
        assert session.scalars(select(Provision.article19_item)).all() == [16]


def test_a_take_out_to_a_group_company_is_a_provision(api: Api):
    """A take-out to another legal entity (a group company) names its 第19条 item when
    requested — free text refused — and appears in the provision records once downloaded."""
    clerk, manager = api.full_session("clerk"), api.full_session("manager")
    person = api_acquire(api, clerk, "G1", MaskedStr(generate_my_number(random.Random(10))))
    identity = pyrage.x25519.Identity.generate()
    body = {"affair": API_SLIP, "purpose": "グループ会社への事務委託",
            "recipient": str(identity.to_public())}  # fmt: skip
    outside = {"recipient_kind": "contractor", "recipient_name": "甲グループ給与サービス株式会社"}
    refused = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={**body, "outside": {**outside, "legal_basis": "番号法第19条（グループ内で共有）"}},
    )  # fmt: skip
    assert refused.status_code == 422 and "Article 19" in refused.json()["detail"]
    asked = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={**body, "outside": {**outside, "legal_basis": "番号法第19条第6号"}},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    export_id = asked.json()["id"]
    approved = api.client.post(
        f"/api/v1/exports/{export_id}/decision", headers=bearer(manager), json={"approve": True}
    )
    assert approved.status_code == 200, approved.text
    with api.vault.transaction() as session:
        assert session.scalars(select(Provision)).all() == []  # nothing left yet
    got = api.client.post(f"/api/v1/exports/{export_id}/download", headers=bearer(clerk))
    assert got.status_code == 200
    with api.vault.transaction() as session:
        provision = session.scalars(select(Provision)).one()
        assert (provision.article19_item, provision.recipient_name) == (
            6, "甲グループ給与サービス株式会社",
        )  # fmt: skip
        persons = session.scalars(
            select(ProvisionPerson.person_id).where(ProvisionPerson.provision_id == provision.id)
        ).all()
    assert [str(p) for p in persons] == [person]
