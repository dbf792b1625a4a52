"""Retention rules as data, and when a number falls due.

Each case names its source. 事業者編 第4-3-(3)B 保管制限と廃棄: a number is kept only while
an affair needs it, then for the retention period the governing law sets, and deleted as
soon as possible afterwards; a number still needed by another affair is kept.
"""

from __future__ import annotations

from datetime import date

import pytest

from mnvault.disposal.due import PersonFacts, keep_until, statutory_hold
from mnvault.disposal.rules import STATUTORY, Event, Rule, Start, statutory_rules
from mnvault.disposal.services import compare_with_law, statutory_book

LAW = statutory_book()


def facts(end: date | None = None, *, deceased: bool = False, **events: date) -> PersonFacts:
    return PersonFacts(end, deceased, events)


# (affairs, facts, expected last day of keeping, source)
CASES = [
    pytest.param(
        ("dependent_deduction_declaration",),
        facts(date(2024, 3, 31)),
        # The last declaration was due in 2024; kept from 2025-01-11 for 7 years.
        date(2032, 1, 10),
        id="扶養控除等申告書: 所得税法施行規則第76条の3 (翌年1月10日の翌日から7年)",
    ),
    pytest.param(
        ("dependent_deduction_declaration",),
        facts(date(2024, 12, 31), submission_deadline=date(2023, 1, 24)),
        date(2031, 1, 10),
        id="扶養控除等申告書: a recorded earlier last submission counts (施行規則第76条の3)",
    ),
    pytest.param(
        ("withholding_slip",),
        facts(date(2024, 3, 31)),
        date(2025, 1, 31),
        id="源泉徴収票: 所得税法第226条第1項; 退職者の給与支払報告書 地方税法第317条の6第3項 "
        "(翌年1月31日)",
    ),
    pytest.param(
        ("withholding_slip",),
        facts(None),
        None,
        id="在職中: 事業者編 第4-3-(3)B (継続的な契約関係にある間は保管できる)",
    ),
    pytest.param(
        ("health_pension_insurance",),
        facts(date(2024, 3, 31)),
        date(2026, 3, 31),
        id="健康保険・厚生年金: 健康保険法施行規則第34条; 厚生年金保険法施行規則第28条 (2年)",
    ),
    pytest.param(
        ("employment_insurance",),
        facts(date(2024, 3, 31)),
        date(2028, 3, 31),
        id="雇用保険: 雇用保険法施行規則第143条 (被保険者に関する書類 4年)",
    ),
    pytest.param(
        ("withholding_slip", "employment_insurance"),
        facts(date(2024, 3, 31)),
        date(2028, 3, 31),
        id="another affair still needs it: 事業者編 第4-3-(3)B — the latest rule governs",
    ),
    pytest.param(
        ("fees_payment_record",),
        facts(date(2024, 6, 30)),
        date(2025, 1, 31),
        id="支払調書: 提出期限は所得税法施行規則 (第84条 翌年1月31日); 事業者編 第4-3-(3)B",
    ),
    pytest.param(
        ("dependent_deduction_declaration",),
        facts(date(2024, 3, 31), deceased=True),
        date(2032, 1, 10),
        id="死亡: the deceased follow the same rules (事業者編 第4-2-(2); 番号法第12条)",
    ),
    pytest.param(
        ("resident_tax_assessment",),
        facts(date(2024, 3, 31)),
        date(2029, 3, 31),
        id="個人住民税: 地方税法第18条第1項 (時効5年; 行政機関等編 第4-3-(4)B 文書管理規程等)",
    ),
    pytest.param(
        ("retirement_income_slip",),
        facts(date(2024, 3, 31)),
        date(2024, 4, 30),
        id="退職所得の源泉徴収票: 所得税法第226条第2項 (退職の日以後1月以内)",
    ),
    pytest.param(
        ("retirement_income_declaration",),
        facts(date(2024, 3, 31)),
        date(2032, 1, 10),
        id="退職所得の受給に関する申告書: 所得税法施行規則第77条第4項 (翌年1月10日の翌日から7年; "
        "issue #13, e-Gov で要確認)",
    ),
    pytest.param(
        ("national_pension_category3",),
        facts(date(2024, 3, 31)),
        date(2026, 3, 31),
        id="国民年金第3号: 健康保険法施行規則第34条 (被扶養者（異動）届と同一様式, 2年; issue #13)",
    ),
    pytest.param(
        ("deposit_account_linking",),
        facts(date(2024, 3, 31)),
        date(2024, 3, 31),
        id="預貯金口座: 口座の解約まで (mnvault の解釈; issue #13)",
    ),
    pytest.param(
        ("national_health_insurance",),
        facts(date(2024, 3, 31)),
        date(2026, 3, 31),
        id="国民健康保険: 国民健康保険法第110条第1項 (時効2年; 行政機関等編 第4-3-(4)B)",
    ),
    pytest.param(
        ("an_own_affair",),
        facts(date(2024, 3, 31)),
        date(2024, 3, 31),
        id="an organisation's own affair without a rule: due when the need ends (第4-3-(3)B)",
    ),
]


@pytest.mark.parametrize(("affairs", "person", "expected"), CASES)
def test_keep_until_follows_the_rule_table(affairs, person, expected):
    assert keep_until(affairs, LAW, person) == expected


def test_every_statutory_rule_cites_its_source():
    assert STATUTORY
    for rule in STATUTORY:
        assert rule.source.strip(), rule
        assert "第" in rule.source, rule  # an article or a guideline section


def test_the_declaration_rule_is_the_guideline_example():
    (rule,) = statutory_rules("dependent_deduction_declaration")
    assert rule.document_kind == "給与所得者の扶養控除等（異動）申告書"
    assert rule.event is Event.SUBMISSION_DEADLINE
    assert rule.start is Start.FOLLOWING_JAN_10
    assert rule.years == 7
    assert rule.mandatory
    assert "所得税法施行規則第76条の3" in rule.source


def test_a_statutory_hold_blocks_early_disposal_while_running_or_still_to_start():
    """事業者編 第4-3-(3)B: documents the law requires kept keep their numbers for the
    period; for a current employee that period has not started, and nothing of it has
    passed either (所得税法施行規則第76条の3; 健康保険法施行規則第34条)."""
    person = facts(date(2024, 3, 31))
    affairs = ("dependent_deduction_declaration",)
    hold = statutory_hold(affairs, LAW, person, date(2025, 6, 1))
    assert hold is not None and hold.until == date(2032, 1, 10)
    assert "施行規則第76条の3" in hold.source
    assert statutory_hold(affairs, LAW, person, date(2032, 1, 11)) is None
    # Not mandatory (no statutory retention of the slip's copy): no hold.
    assert statutory_hold(("withholding_slip",), LAW, person, date(2024, 6, 1)) is None
    assert statutory_hold(("withholding_slip",), LAW, facts(None), date(2024, 6, 1)) is None
    # Still employed: the period starts later, so it holds with no end yet.
    for held in (
        affairs,
        ("health_pension_insurance",),
        ("withholding_slip", "employment_insurance"),
    ):
        still = statutory_hold(held, LAW, facts(None), date(2024, 6, 1))
        assert still is not None and still.until is None, held


def own(affair: str, event: Event, start: Start, years: int, months: int = 0) -> Rule:
    return Rule(affair, "", event, start, years, months, "社内規程", False)


@pytest.mark.parametrize(
    ("rule", "longer", "shorter"),
    [
        pytest.param(
            own("withholding_slip", Event.RELATIONSHIP_END, Start.FOLLOWING_JAN_31, 0),
            False,
            False,
            id="same as 所得税法第226条第1項",
        ),
        pytest.param(
            own("withholding_slip", Event.RELATIONSHIP_END, Start.EVENT_DAY, 0, 1),
            False,
            True,
            id="stricter: one month after retirement (施行規則 not mandatory here)",
        ),
        pytest.param(
            own("withholding_slip", Event.RELATIONSHIP_END, Start.FOLLOWING_JAN_31, 1),
            True,
            False,
            id="looser: a year more than the law — needs a reason",
        ),
        pytest.param(
            own("employment_insurance", Event.LAST_FILING, Start.EVENT_DAY, 1),
            True,
            False,
            id="another event is not comparable: treated as looser",
        ),
    ],
)
def test_organisation_rules_compare_with_the_law(rule, longer, shorter):
    assert compare_with_law(rule) == (longer, shorter)


def test_issue_13_retention_periods_and_citations():
    """Issue #13 Retention: 退職所得の受給に関する申告書 7 years; 国民年金第3号 2 years
    (健保則34条); 所得税法第226条第1項 with 退職の日以後一月以内; 支払調書 deadlines from the
    施行規則, not 第225条第1項; the 預貯金口座 period marked as mnvault's reading."""
    (declaration,) = statutory_rules("retirement_income_declaration")
    assert (declaration.years, declaration.start, declaration.mandatory) == (
        7,
        Start.FOLLOWING_JAN_10,
        True,
    )
    assert declaration.document_kind == "退職所得の受給に関する申告書"
    (category3,) = statutory_rules("national_pension_category3")
    assert (category3.years, category3.mandatory) == (2, True)
    assert "健康保険法施行規則第34条" in category3.source
    (slip,) = statutory_rules("withholding_slip")
    assert "所得税法第226条第1項" in slip.source and "退職の日以後一月以内" in slip.source
    for code in ("fees_payment_record", "real_estate_rent_record", "interest_payment_record"):
        (rule,) = statutory_rules(code)
        assert "所得税法施行規則" in rule.source, code
        assert "第225条第1項 (支払調書は翌年1月31日" not in rule.source, code
    (deposit,) = statutory_rules("deposit_account_linking")
    law, reading = deposit.source.split("; mnvault の解釈: ")
    assert "口座の解約まで" in reading and "口座の解約まで" not in law
