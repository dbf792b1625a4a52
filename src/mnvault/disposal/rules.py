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

Every source names how far it was checked (citations.py): against the project's copies
in shared/legal of the two PPC guidelines (令和7年6月一部改正) and the My Number Act, or
not there and still to be checked on e-Gov. In shared/legal: 事業者編 第4-3-(3)B (the
principle; continuing contracts; the 扶養控除等申告書 example with 所得税法施行規則第76条の3's
seven years), 行政機関等編 第4-3-(4)B (an agency's periods come from its 文書管理に関する
規程等), 事業者編 第4-2-(2) (the deceased's numbers too). Named there without the detail
used here: 所得税法第226条第1項 (事業者編 第4-3-(2)B b; 翌年1月31日, for a mid-year retiree
退職の日以後一月以内) and 第225条第1項 (第4-1-(1) 1 A b; the duty to file — each 支払調書's
deadline is in 所得税法施行規則). Not there at all: those 施行規則 articles, 所得税法第203条 and
施行規則第77条第4項 (退職所得の受給に関する申告書, 7 years), 第226条第2項, 地方税法第317条の6,
健康保険法施行規則第34条 (also the 国民年金第3号被保険者関係届, filed on the 被扶養者（異動）届's
form), 厚生年金保険法施行規則第28条, 雇用保険法施行規則第143条, 預貯金口座管理法 (which sets no
period: "until the account is closed" is mnvault's reading), 地方税法第18条, 国民健康保険法第110条.

Dependants (扶養親族, 控除対象配偶者 …) are not kept "until someone ends them by hand": a
dependant linked to an employee (persons.related_person_id) whose own relationship end is
not recorded ends with the employee, and the last 申告書 naming them is the employee's last
one unless a dependant's own (earlier) one is recorded (due.dependant_facts, and the same
in due_sql). The local-government affairs (住民税, 国民健康保険)
have no statutory retention period at all: 行政機関等編 第4-3-(4)B leaves it to each
body's rules; the periods here are the prescription periods of the claims (時効), a
default for the body to replace with its own.

A number that was never needed (acquired by mistake, for an affair the person never had)
is outside this table: no document carrying it was filed, so no period holds it, and
batches.plan(never_needed=True) disposes of it at once on a manager's reason.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mnvault.disposal import citations as c


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


GUIDELINE = c.KEEP_WHILE_NEEDED.cite  # the principle every rule applies


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


# Each source is built from citations.py, so it says of every citation whether it was
# checked against shared/legal or still has to be checked on e-Gov.
STATUTORY: tuple[Rule, ...] = (
    _rule(
        "withholding_slip",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        # 第226条第1項 alone would end a mid-year retiree's slip one month after
        # retirement; the affair also files the 退職者's 給与支払報告書 by 翌年1月31日.
        c.source(c.WITHHOLDING_SLIP, c.LOCAL_SALARY_REPORT, c.CONTINUING),
    ),
    _rule(
        "dependent_deduction_declaration",
        Event.SUBMISSION_DEADLINE,
        Start.FOLLOWING_JAN_10,
        7,
        c.source(c.DECLARATION),
        document_kind="給与所得者の扶養控除等（異動）申告書",
        mandatory=True,
    ),
    _rule(
        "retirement_income_declaration",
        Event.SUBMISSION_DEADLINE,
        Start.FOLLOWING_JAN_10,
        7,
        c.source(c.RETIREMENT_DECLARATION, c.KEEP_WHILE_NEEDED),
        document_kind="退職所得の受給に関する申告書",
        mandatory=True,
    ),
    _rule(
        "retirement_income_slip",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        # Not 翌年1月31日 (the 給与所得 slip's date): the 退職所得 slip is due one month
        # after retirement. An allowance paid later needs an organisation rule.
        c.source(c.RETIREMENT_SLIP, c.KEEP_WHILE_NEEDED),
        months=1,
    ),
    _rule(
        "health_pension_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        c.source(c.HEALTH_INSURANCE, c.PENSION_INSURANCE, c.KEEP_WHILE_NEEDED),
        mandatory=True,
    ),
    _rule(
        "employment_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        4,
        c.source(c.EMPLOYMENT_INSURANCE, c.KEEP_WHILE_NEEDED),
        mandatory=True,
    ),
    _rule(
        "national_pension_category3",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        c.source(c.NATIONAL_PENSION_CATEGORY3, c.KEEP_WHILE_NEEDED),
        mandatory=True,
    ),
    _rule(
        "fees_payment_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PAYMENT_RECORD, c.PAYMENT_RECORD_DEADLINE, c.CONTINUING),
    ),
    _rule(
        "real_estate_rent_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PAYMENT_RECORD, c.PAYMENT_RECORD_DEADLINE, c.CONTINUING_LEASE),
    ),
    _rule(
        "dividend_specified_account_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PAYMENT_RECORD, c.PAYMENT_RECORD_DEADLINE, c.SPECIFIED_ACCOUNT, c.CONTINUING),
    ),
    _rule(
        "interest_payment_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PAYMENT_RECORD, c.PAYMENT_RECORD_DEADLINE, c.CONTINUING),
    ),
    _rule(
        "deposit_account_linking",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        c.source(
            c.DEPOSIT_ACCOUNTS,
            c.CONTINUING,
            note="口座の解約まで (法律に保存期間の定めはなく、口座と番号の紐付けが続く間は必要)",
        ),
    ),
    _rule(
        "resident_tax_assessment",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        5,
        # 第18条 is the prescription of the right to collect (5 years from the day after
        # the statutory payment date), not a retention period of documents.
        c.source(c.LOCAL_TAX, c.AGENCY),
    ),
    _rule(
        "national_health_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        # A body that levies 国民健康保険税 instead of 保険料 collects it under 地方税法
        # (5 years, 第18条): it sets its own, longer rule with that reason.
        c.source(c.NATIONAL_HEALTH_INSURANCE, c.AGENCY),
    ),
    # -- the affairs issue #13 added to the catalogue -----------------------------------
    _rule(
        "spouse_basic_adjustment_declaration",
        Event.SUBMISSION_DEADLINE,
        Start.FOLLOWING_JAN_10,
        7,
        c.source(c.DECLARATIONS_76_3, c.DECLARATION),
        document_kind="給与所得者の配偶者控除等申告書・基礎控除申告書・所得金額調整控除申告書",
        mandatory=True,
    ),
    _rule(
        "zaikei_savings",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        c.source(
            c.KEEP_WHILE_NEEDED,
            c.CONTINUING,
            note="勤務先の法定保存期間の定めは見当たらない; 財形契約の終了まで (e-Gov で要確認)",
        ),
    ),
    _rule(
        "public_pension_slip",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PENSION_SLIP, c.CONTINUING),
    ),
    _rule(
        "insurance_payment_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PAYMENT_RECORD, c.CONTINUING),
    ),
    _rule(
        "stock_transfer_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.PAYMENT_RECORD, c.CONTINUING),
    ),
    _rule(
        "specified_account_nisa_opening",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(
            c.SPECIFIED_ACCOUNT,
            c.CONTINUING,
            note="口座の廃止後、最後の年間取引報告書の提出期限まで; "
            "届出書自体の保存期間は e-Gov で要確認",
        ),
    ),
    _rule(
        "foreign_remittance_record",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        0,
        c.source(c.FOREIGN_REMITTANCE, c.CONTINUING),
        months=2,  # the 翌月末日 deadline of the last remittance, at the latest
    ),
    _rule(
        "stock_option_record",
        Event.RELATIONSHIP_END,
        Start.FOLLOWING_JAN_31,
        0,
        c.source(c.STOCK_OPTION, c.CONTINUING),
    ),
    _rule(
        "child_allowance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        c.source(c.WELFARE_PRESCRIPTION, c.AGENCY),
    ),
    _rule(
        "long_term_care_insurance",
        Event.RELATIONSHIP_END,
        Start.EVENT_DAY,
        2,
        c.source(c.WELFARE_PRESCRIPTION, c.AGENCY),
    ),
)


def statutory_rules(affair_code: str) -> list[Rule]:
    return [rule for rule in STATUTORY if rule.affair_code == affair_code]


# An affair outside the catalogue (an organisation's own) has no law behind it here:
# the number is needed until the relationship ends, and then no longer.
FALLBACK_SOURCE = c.source(
    c.KEEP_WHILE_NEEDED, note="事務の必要がなくなった時点; 所管法令の保存期間は組織の規則で設定"
)


def fallback_rule(affair_code: str) -> Rule:
    return Rule(
        affair_code, "", Event.RELATIONSHIP_END, Start.EVENT_DAY, 0, 0, FALLBACK_SOURCE, False
    )
