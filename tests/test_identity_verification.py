"""本人確認 (issue #13 "Identity verification"): one verification is a list of documents,
an agent, or the reason no 第16条 check is owed; the rules live in one table
(mnvault.vault.identity) used by acquire, correct, the API, the screen and the CSV import.

Sources: 番号法第16条 (shared/legal/mynumber-act.txt); 事業者編 第4-3-(4) 参考1/参考2 and
第4-3-(2) 第4号 (shared/legal/ppc-guideline-business.txt); 施行令第12条 and 施行規則第1条・
第2条・第6条 (outside shared/legal — verify on e-Gov)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mnvault.db.engine import unit_of_work
from mnvault.vault import identity as idv
from mnvault.vault import importer as imp
from mnvault.vault import services as vs
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.vault.identity import Agent, Authority, Document, Exemption, Presented, Verification
from mnvault.vault.models import NumberRecord, PersonKind
from tests.api_support import Api, api, bearer
from tests.conftest import World, synthetic_numbers
from tests.support.builders import SLIP
from tests.support.builders import person as make_person
from tests.support.web import Web, csrf_of, register_person, web

__all__ = ["api", "web"]  # the fixtures, imported so that pytest finds them here

D = Document
AFTER_CARDS = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
LAST_CARD_DAY = datetime(2025, 11, 30, 16, 0, tzinfo=UTC)  # 2025-12-01 01:00 JST
NUMBERS = synthetic_numbers(8, seed=1313)
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "persons.csv"


def _v(*docs: Document, note: str = "") -> Verification:
    return Verification(tuple(Presented(d, note) for d in docs))


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    verification: Verification
    ok: bool
    kind: str = "employee"
    at: datetime = AFTER_CARDS
    earlier_verified: bool = False


_AGENT_OK = Agent(Authority.POWER_OF_ATTORNEY, (Presented(D.DRIVERS_LICENCE),))

CASES = [
    Case("card alone", "番号法第16条第1号", _v(D.MY_NUMBER_CARD), True),
    Case("smartphone card alone", "番号法第16条第2号",
         _v(D.CARD_SUBSTITUTE_RECORD), True),
    Case("residence certificate + photo ID", "施行令第12条第1項; 施行規則第1条第1項第1号",
         _v(D.RESIDENCE_ITEMS_CERTIFICATE, D.RESIDENCE_CARD), True),
    Case("notification card + driving history certificate", "事業者編 第4-3-(4) 参考2",
         _v(D.NOTIFICATION_CARD, D.DRIVING_HISTORY_CERTIFICATE), True),
    Case("two non-photo documents", "施行規則第1条第1項第3号",
         _v(D.RESIDENCE_CERTIFICATE, D.HEALTH_INSURANCE_ELIGIBILITY_CERTIFICATE, D.PENSION_BOOK),
         True),
    Case("one non-photo document", "施行規則第1条第1項第3号",
         _v(D.RESIDENCE_CERTIFICATE, D.PENSION_BOOK), False),
    Case("photo ID without a number check", "施行令第12条第1項第1号",
         _v(D.PASSPORT), False),
    Case("no documents", "番号法第16条", Verification(), False),
    Case("a handbook is a photo ID", "施行規則第1条第1項第1号",
         _v(D.RESIDENCE_CERTIFICATE, D.PHYSICAL_DISABILITY_HANDBOOK), True),
    Case("employer_known for an employee", "施行規則第2条第6項 (事業者編 参考1 規2⑥)",
         _v(D.NOTIFICATION_CARD, D.EMPLOYER_KNOWN), True),
    Case("employer_known for a payee", "施行規則第2条第6項 (雇用関係)",
         _v(D.NOTIFICATION_CARD, D.EMPLOYER_KNOWN), False, kind="payee"),
    Case("earlier file without an earlier record", "施行規則第2条第1項",
         _v(D.EMPLOYER_RECORD, D.DRIVERS_LICENCE), False),
    Case("earlier file with an earlier verified record", "施行規則第2条第1項",
         _v(D.EMPLOYER_RECORD, D.DRIVERS_LICENCE), True, earlier_verified=True),
    Case("other without a description", "施行規則第2条第1項",
         _v(D.OTHER_NUMBER, D.PASSPORT), False),
    Case("other with a description", "施行規則第2条第1項",
         Verification((Presented(D.OTHER_NUMBER, "個人番号が記載された源泉徴収票の写し"),
                       Presented(D.PASSPORT))), True),
    Case("insurance card after 2025-12-01", "健康保険証の経過措置 (outside shared/legal)",
         _v(D.RESIDENCE_CERTIFICATE, D.HEALTH_INSURANCE_CARD, D.PENSION_BOOK), False),
    Case("insurance card on 2025-12-01 (JST)", "健康保険証の経過措置 (outside shared/legal)",
         _v(D.RESIDENCE_CERTIFICATE, D.HEALTH_INSURANCE_CARD, D.PENSION_BOOK), True,
         at=LAST_CARD_DAY),
    Case("agent with power of attorney and photo ID", "施行令第12条第2項; 施行規則第6条〜第8条",
         Verification((Presented(D.NOTIFICATION_CARD),), _AGENT_OK), True),
    Case("agent with one non-photo document", "施行規則第7条第1項",
         Verification((Presented(D.NOTIFICATION_CARD),),
                      Agent(Authority.LEGAL_REPRESENTATIVE, (Presented(D.PENSION_BOOK),))),
         False),
    Case("agent without the person's number check", "施行令第12条第2項第3号",
         Verification((Presented(D.PASSPORT),), _AGENT_OK), False),
    Case("agent's authority 'other' without a description", "施行規則第6条第1項第3号",
         Verification((Presented(D.NOTIFICATION_CARD),),
                      Agent(Authority.OTHER, (Presented(D.PASSPORT),))), False),
    Case("agent known as an employee", "施行規則第2条第6項 (本人のみ)",
         Verification((Presented(D.NOTIFICATION_CARD),),
                      Agent(Authority.POWER_OF_ATTORNEY, (Presented(D.EMPLOYER_KNOWN),))),
         False),
    Case("received under 第19条第4号", "事業者編 第4-3-(2) 第4号「本人確認は不要」",
         Verification(exemption=Exemption.ARTICLE_19_4), True),
    Case("第19条第4号 for a customer", "番号法第19条第4号 (従業者等)",
         Verification(exemption=Exemption.ARTICLE_19_4), False, kind="customer"),
    Case("dependant through the employee", "番号法第16条 (本人から); 所得税法第194条第1項",
         Verification(exemption=Exemption.DEPENDANT_VIA_EMPLOYEE), True, kind="dependent"),
    Case("employee 'through the employee'", "番号法第16条 (本人から)",
         Verification(exemption=Exemption.DEPENDANT_VIA_EMPLOYEE), False),
    Case("exemption with documents", "番号法第16条",
         Verification((Presented(D.MY_NUMBER_CARD),), exemption=Exemption.ARTICLE_19_4), False),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name} [{c.source}]")
def test_the_rule_table(case: Case):
    """Issue #13 "One verification records a list of documents" and "Documents as of
    2025": each case with its source; today's code has no list, agent or exemption."""
    check = lambda: idv.check(  # noqa: E731
        case.verification, kind=case.kind, verified_at=case.at,
        earlier_verified=case.earlier_verified,
    )  # fmt: skip
    if case.ok:
        check()
    else:
        with pytest.raises(InvalidInput) as refused:
            check()
        assert refused.value.message_ja and refused.value.message_en


def test_every_document_carries_its_citation_and_the_notification_card_its_condition():
    """Issue #13: each rule is a table with its citation; 通知カード carries 記載事項に変更が
    ない場合に限る (事業者編 第4-3-(4) 参考2); the 2025 documents are there."""
    for document in Document:
        rule = idv.DOCUMENTS[document]
        assert rule.citation and rule.ja and rule.en
        assert rule.number or rule.identity
    assert "変更がない場合に限る" in idv.DOCUMENTS[D.NOTIFICATION_CARD].condition_ja
    assert "第16条第2号" in idv.DOCUMENTS[D.CARD_SUBSTITUTE_RECORD].citation
    ja, _en = idv.describe(_v(D.NOTIFICATION_CARD, D.PASSPORT))
    assert "変更がない場合に限る" in ja
    for _doc, rule in idv.DOCUMENTS.items():
        if "施行" in rule.citation:
            assert idv.EGOV in rule.citation


def test_the_mask_warning_names_insurance_documents_only():
    """Issue #13 "A warning on uploads of 資格確認書/保険証 images" (告知要求制限)."""
    assert idv.upload_warning(_v(D.HEALTH_INSURANCE_ELIGIBILITY_CERTIFICATE)) == idv.MASK_WARNING
    assert idv.upload_warning(_v(D.HEALTH_INSURANCE_CARD)) == idv.MASK_WARNING
    assert idv.upload_warning(_v(D.MY_NUMBER_CARD)) is None
    assert "被保険者等記号・番号" in idv.MASK_WARNING[0]


def _acquire(world: World, person_id, number: str, check: Verification | None, **legacy):  # type: ignore[no-untyped-def]
    with unit_of_work(world.sessions) as session:
        return vs.acquire(
            session, world.envelope, world.ctx("clerk"), person_id=person_id, number=number,
            verification=vs.IdentityVerification(
                legacy.get("number"), legacy.get("identity"), world.users["clerk"].id,
                AFTER_CARDS, check,
            ),
            affair_codes=[SLIP],
        )  # fmt: skip


def _summary(world: World, person_id) -> vs.IdentityVerification:  # type: ignore[no-untyped-def]
    with world.sessions() as session:
        summary = vs.summarise_person(session, world.ctx("clerk"), person_id)
        assert summary.verification is not None
        return summary.verification


def test_acquire_records_the_documents_the_agent_and_refuses_by_the_table(world: World):
    """Issue #13: acquire stores the whole list and the agent, and applies the same table
    (one non-photo document refused; an insurance card refused in 2026)."""
    person = make_person(world, "ID1")
    with pytest.raises(VaultError):
        _acquire(world, person.id, NUMBERS[0], _v(D.RESIDENCE_CERTIFICATE, D.HEALTH_INSURANCE_CARD,
                                                  D.PENSION_BOOK))  # fmt: skip
    with pytest.raises(VaultError):
        _acquire(world, person.id, NUMBERS[0], _v(D.NOTIFICATION_CARD, D.PENSION_BOOK))
    agent = Verification((Presented(D.NOTIFICATION_CARD),), _AGENT_OK)
    record = _acquire(world, person.id, NUMBERS[0], agent)
    assert record.number_check_document == "notification_card"
    assert record.identity_check_document == "drivers_licence"
    stored = _summary(world, person.id).resolved()
    assert stored == agent
    assert NUMBERS[0] not in (record.verification or "")


def test_a_dependant_is_recorded_with_the_reason_not_a_fictitious_document(world: World):
    """Issue #13 "Cases where no 第16条 check is owed … dependants' numbers received through
    the employee on the 扶養控除等申告書"."""
    dependant = make_person(world, "ID2", PersonKind.DEPENDENT)
    exempt = Verification(exemption=Exemption.DEPENDANT_VIA_EMPLOYEE)
    with unit_of_work(world.sessions) as session:
        vs.acquire(
            session, world.envelope, world.ctx("clerk"), person_id=dependant.id,
            number=NUMBERS[1],
            verification=vs.IdentityVerification(None, None, world.users["clerk"].id,
                                                 AFTER_CARDS, exempt),
            affair_codes=["dependent_deduction_declaration"],
        )  # fmt: skip
    assert _summary(world, dependant.id).resolved().exemption is Exemption.DEPENDANT_VIA_EMPLOYEE
    ja, en = idv.describe(_summary(world, dependant.id).resolved())
    assert "確認不要" in ja and "no check owed" in en


def test_a_record_made_before_the_list_stays_readable(world: World):
    """Issue #13 "old single-document checks stay readable": a record with only the two
    columns (verification NULL), even one today's rules refuse (健康保険証 alone)."""
    person = make_person(world, "ID3")
    _acquire(world, person.id, NUMBERS[2], _v(D.MY_NUMBER_CARD))
    with unit_of_work(world.sessions) as session:
        record = session.get(NumberRecord, person.id)
        assert record is not None
        record.verification = None
        record.number_check_document = "notification_card"
        record.identity_check_document = "health_insurance_card"
    read = _summary(world, person.id).resolved()
    assert [p.document for p in read.documents] == [D.NOTIFICATION_CARD, D.HEALTH_INSURANCE_CARD]


def test_the_earlier_file_is_accepted_on_correction_of_a_verified_record(world: World):
    """Issue #13 「過去に本人確認の上作成したファイル」 only when an earlier verified record of
    that person exists: refused at acquisition, accepted at correction."""
    person = make_person(world, "ID4")
    with pytest.raises(VaultError):
        _acquire(world, person.id, NUMBERS[3], _v(D.EMPLOYER_RECORD, D.PASSPORT))
    _acquire(world, person.id, NUMBERS[3], _v(D.MY_NUMBER_CARD))
    with unit_of_work(world.sessions) as session:
        vs.correct(
            session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id,
            number=NUMBERS[4], reason="転記誤り",
            verification=vs.IdentityVerification(
                None, None, world.users["clerk"].id, AFTER_CARDS,
                _v(D.EMPLOYER_RECORD, D.PASSPORT),
            ),
        )  # fmt: skip
    assert D.EMPLOYER_RECORD in [
        p.document for p in _summary(world, person.id).resolved().documents
    ]


def _import(world: World, tmp_path: Path, header: list[str], rows: list[list[str]]):  # type: ignore[no-untyped-def]
    path = tmp_path / "ids.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path, affair_codes=[SLIP]
    )


def test_the_csv_takes_a_list_the_old_pair_and_refuses_by_the_same_table(
    world: World, tmp_path: Path
):
    """Issue #13: the CSV keeps its two columns and adds ``documents`` (semicolons),
    ``document_note`` and ``verification_exemption``; the same table refuses."""
    header = ["external_ref", "kind", "name", "my_number", "number_check_document",
              "identity_check_document", "verified_at", "documents", "document_note",
              "verification_exemption"]  # fmt: skip
    when = "2026-04-01T09:00:00+09:00"
    report = _import(world, tmp_path, header, [
        ["C1", "employee", "一", NUMBERS[5], "my_number_card", "my_number_card", when, "", "", ""],
        ["C2", "employee", "二", NUMBERS[6], "", "", when,
         "residence_certificate;health_insurance_eligibility_certificate;pension_book", "", ""],
        ["C3", "employee", "三", NUMBERS[7], "", "", when,
         "residence_certificate;health_insurance_card;pension_book", "", ""],
        ["C4", "employee", "四", NUMBERS[4], "", "", when, "other_number;passport", "", ""],
        ["C5", "employee", "五", NUMBERS[3], "", "", when, "", "", "dependant_via_employee"],
    ])  # fmt: skip
    assert report.imported == 2
    reasons = {e.line: e.reason_en for e in report.first_errors}
    assert "health insurance card" in reasons[4]
    assert "description" in reasons[5]
    assert "dependent only" in reasons[6]
    with world.sessions() as session:
        stored = [json.loads(r.verification) for r in session.query(NumberRecord).all()]
    assert sorted(len(s["documents"]) for s in stored) == [1, 3]


def test_the_example_csv_is_a_lawful_2026_check(world: World, tmp_path: Path):
    """Issue #13 "The example CSV … show[s] a lawful 2026 check": every valid line imports
    (today's example verifies a dependant with a 健康保険証 in April 2026, refused now)."""
    dependant_affairs = ["withholding_slip", "dependent_deduction_declaration"]
    report = imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=EXAMPLE,
        affair_codes=dependant_affairs,
    )  # fmt: skip
    # Line 4 carries a wrong check digit on purpose (README), nothing else is refused.
    assert [(e.line, e.reason_en) for e in report.first_errors] == [
        (4, "my_number: check digit does not match")
    ]
    assert report.imported == 4


def test_the_api_takes_the_list_the_agent_and_refuses_an_insurance_card_in_2026(
    api: Api,
):
    """Issue #13 over the API: ``verification.documents`` (and ``agent``), one rule set;
    a 健康保険証 check dated 2026 is refused with a bilingual problem."""
    clerk = api.full_session("clerk")
    person = api.client.post(
        "/api/v1/persons", headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "A1", "name": "試験 一郎"},
    ).json()  # fmt: skip
    url = f"/api/v1/persons/{person['id']}/number"
    when = "2026-04-01T09:00:00+09:00"
    refused = api.client.post(url, headers=bearer(clerk), json={
        "my_number": NUMBERS[0], "affairs": [SLIP],
        "verification": {"verified_at": when, "documents": [
            {"document": "residence_certificate"}, {"document": "health_insurance_card"},
            {"document": "pension_book"}]},
    })  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert "2025-12-01" in refused.text and NUMBERS[0] not in refused.text
    accepted = api.client.post(url, headers=bearer(clerk), json={
        "my_number": NUMBERS[0], "affairs": [SLIP],
        "verification": {"verified_at": when, "documents": [{"document": "notification_card"}],
                         "agent": {"authority": "power_of_attorney",
                                   "identity_documents": [{"document": "passport"}]}},
    })  # fmt: skip
    assert accepted.status_code == 201, accepted.text


def test_the_screen_offers_the_list_warns_to_mask_and_records_an_agent(web: Web):
    """Issue #13 on the acquire screen: the 2025 documents with the 通知カード condition,
    the 告知要求制限 warning by the uploads, an agent recorded, the record shows it."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = register_person(clerk, "W1")
    page = clerk.get(f"/persons/{person_id}/acquire").text
    for code in (
        "health_insurance_eligibility_certificate",
        "residence_card",
        "special_permanent_resident_certificate",
        "card_substitute_record",
    ):
        assert f'value="{code}"' in page
    assert "記載事項" in page and "被保険者等記号・番号" in page
    token = csrf_of(page)
    done = clerk.client.post(f"/persons/{person_id}/acquire", data={
        "csrf_token": token, "my_number": NUMBERS[1], "affairs": SLIP,
        "documents": ["notification_card"], "agent_authority": "legal_representative",
        "agent_documents": ["drivers_licence"],
    })  # fmt: skip
    assert done.status_code == 200 and done.url.path == f"/persons/{person_id}", done.text
    assert "法定代理人" in done.text and NUMBERS[1] not in done.text


def test_a_number_typed_into_a_description_is_refused_without_echo():
    """Issue #13 「その他」 needs a description — free text that never keeps a number
    (COMMON: a number never leaks into free text)."""
    typed = Verification((Presented(D.OTHER_NUMBER, f"写し {NUMBERS[0]}"), Presented(D.PASSPORT)))
    with pytest.raises(VaultError) as refused:
        idv.check(typed, kind="employee", verified_at=AFTER_CARDS, earlier_verified=False)
    assert NUMBERS[0] not in str(refused.value.message_ja) + str(refused.value.detail_en)
