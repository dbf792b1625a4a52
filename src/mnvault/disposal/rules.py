"""Statutory retention rules: how long after which event a number may still be kept.

The guideline's principle (事業者編 第4-3-(3)B 保管制限と廃棄; 行政機関等編 likewise): a
number may be kept only while an affair needs it; once the affair no longer needs it and
the retention period the governing law sets for a document carrying it has passed, it
must be deleted as soon as possible by a method that cannot be recovered (事業者編 別添1
2E d). An affair that still needs a number keeps it: the number of a person falls due
only when every one of its affairs has passed its rule.

Each rule counts from one event, starting either on the event's day or on a statutory
deadline that follows it (the 1月10日 or 1月31日 of the following year), and adds a
number of years. ``mandatory`` marks periods the law requires a document to be kept:
an organisation may not shorten those; it may shorten the others.

Which citations the texts in the project's shared/legal (the two PPC guidelines, the My
Number Act) contain, and which they do not: 所得税法第226条第1項 (給与所得の源泉徴収票) and
第225条第1項 (支払調書) are quoted in 事業者編 第4-2 and 第4-3-(3)A; 所得税法施行規則第76条の3
(扶養控除等申告書, 7年) in 事業者編 and 行政機関等編 第4-3-(3)B. Every other statute below
is cited from the statute itself, not from those texts, and is marked "shared/legal に本文
なし" in its source so that a reviewer checks it against e-Gov before relying on it. The
local-government affairs (住民税, 国民健康保険) have no statutory retention period at all:
行政機関等編 第4-3-(3)B leaves it to each body's 文書管理規程; the periods here are the
prescription periods of the claims (時効), a default for the body to replace with its own.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Event(StrEnum):
    DEATH = "death"
    LAST_FILING = "last_filing"
    RELATIONSHIP_END = "relationship_end"  # retirement, end of contract, closed account
    SUBMISSION_DEADLINE = "submission_deadline"  # of the last declaration received


class Start(StrEnum):
    EVENT_DAY = "event_day"
    FOLLOWING_JAN_10 = "following_jan_10"  # 所得税法施行規則第76条の3: 翌年1月10日の翌日から
    FOLLOWING_JAN_31 = "following_jan_31"  # 所得税法第225条・第226条: 翌年1月31日までに提出


@dataclass(frozen=True, slots=True)
class Rule:
    affair_code: str
    document_kind: str  # "" for the affair as a whole
    event: Event
    start: Start
    years: int
    months: int
    source: str
    mandatory: bool

    def keep_until(self, event_on: date) -> date:
        """The last day the number may be kept; it falls due the day after."""
        if self.start is Start.FOLLOWING_JAN_10:
            base = date(event_on.year + 1, 1, 10)
        elif self.start is Start.FOLLOWING_JAN_31:
            base = date(event_on.year + 1, 1, 31)
        else:
            base = event_on
        return add_months(base, self.years * 12 + self.months)

    def length_months(self) -> int:
        return self.years * 12 + self.months


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


GUIDELINE = "事業者編 第4-3-(3)B 保管制限と廃棄"
CONTINUING = f"{GUIDELINE} (継続的な契約関係にある間は保管できる)"
AGENCY = "行政機関等編 第4-3-(3)B 保管制限と廃棄 (保存期間は各団体の文書管理規程による)"
NOT_IN_SHARED = "shared/legal に本文なし"


def _rule(
    affair: str,
    event: Event,
    start: Start,
    years: int,
    source: str,
    *,
    months: int = 0,
    document_kind: str = "",
    mandatory: bool = False,
) -> Rule:
    return Rule(affair, document_kind, event, start, years, months, source, mandatory)


STATUTORY: tuple[Rule, ...] = (
    _rule(
        "withholding_slip",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        f"所得税法第226条第1項 (退職後の源泉徴収票・翌年1月31日までの提出); {CONTINUING}",
    ),
    _rule(
        "dependent_deduction_declaration",
        Event.SUBMISSION_DEADLINE,
        Start.FOLLOWING_JAN_10,
        7,
        f"所得税法施行規則第76条の3 (提出期限の属する年の翌年1月10日の翌日から7年); {GUIDELINE}",
        document_kind="給与所得者の扶養控除等（異動）申告書",
        mandatory=True,
    ),
    _rule(
        "retirement_income_slip",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        # Not 翌年1月31日 (the 給与所得 slip's date): the 退職所得 slip is due one month
        # after retirement. An allowance paid later needs an organisation rule.
        f"所得税法第226条第2項 (退職所得の源泉徴収票: 退職の日以後1月以内に提出・交付; "
        f"{NOT_IN_SHARED}); {GUIDELINE}",
        months=1,
    ),
    _rule(
        "health_pension_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        "健康保険法施行規則第34条; 厚生年金保険法施行規則第28条 (完結の日から2年間; "
        f"{NOT_IN_SHARED}); {GUIDELINE}",
        mandatory=True,
    ),
    _rule(
        "employment_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        4,
        f"雇用保険法施行規則第143条 (被保険者に関する書類は完結の日から4年間; {NOT_IN_SHARED}); "
        f"{GUIDELINE}",
        mandatory=True,
    ),
    _rule(
        "national_pension_category3",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        f"{GUIDELINE} (法定保存期間の定めなし: 事務の必要がなくなった時点)",
    ),
    _rule(
        "fees_payment_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        f"所得税法第225条第1項 (支払調書は翌年1月31日までに提出); {CONTINUING}",
    ),
    _rule(
        "real_estate_rent_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        f"所得税法第225条第1項 (支払調書は翌年1月31日までに提出); {CONTINUING}",
    ),
    _rule(
        "dividend_specified_account_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        f"所得税法第225条第1項; 租税特別措置法第37条の11の3第7項 ({NOT_IN_SHARED}); {CONTINUING}",
    ),
    _rule(
        "interest_payment_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        f"所得税法第225条第1項; {CONTINUING}",
    ),
    _rule(
        "deposit_account_linking",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        f"預貯金口座管理法第6条第1項 ({NOT_IN_SHARED}); {CONTINUING} (口座の解約まで)",
    ),
    _rule(
        "resident_tax_assessment",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        5,
        # 第18条 is the prescription of the right to collect (5 years from the day after
        # the statutory payment date), not a retention period of documents.
        f"地方税法第18条第1項 (地方団体の徴収金の徴収権の消滅時効5年; 保存期間の定めではない; "
        f"{NOT_IN_SHARED}); {AGENCY}",
    ),
    _rule(
        "national_health_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        # A body that levies 国民健康保険税 instead of 保険料 collects it under 地方税法
        # (5 years, 第18条): it sets its own, longer rule with that reason.
        f"国民健康保険法第110条第1項 (保険料等の徴収・保険給付を受ける権利の時効2年; "
        f"保存期間の定めではない; {NOT_IN_SHARED}); {AGENCY}",
    ),
)


def statutory_rules(affair_code: str) -> list[Rule]:
    return [rule for rule in STATUTORY if rule.affair_code == affair_code]


# An affair outside the catalogue (an organisation's own) has no law behind it here:
# the number is needed until the relationship ends, and then no longer.
FALLBACK_SOURCE = f"{GUIDELINE} (事務の必要がなくなった時点; 所管法令の保存期間は組織の規則で設定)"


def fallback_rule(affair_code: str) -> Rule:
    return Rule(
        affair_code, "", Event.RELATIONSHIP_END, Start.EVENT_DAY, 0, 0, FALLBACK_SOURCE, False
    )
