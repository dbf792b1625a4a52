"""Issue #17, the assessment: the rule table of 別添2 3–4 (and the 2015 regime of the seed),
one case per row, each naming the passage it follows; and the 確報 deadline calendar."""

# ruff: noqa: E501  (the rule table keeps one case per line, to be read against 別添2)
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from mnvault.incidents import rules
from mnvault.incidents.errors import InvalidFacts, RegimeNotInForce
from mnvault.incidents.facts import parse
from mnvault.incidents.opendays import deadline, is_closed, next_open_day

AWARE = "2026-12-07"  # a Monday; day 30 = 2027-01-05 (Tue, open), day 60 = 2027-02-04 (Thu)
DUE30 = "2027-01-05"
DUE60 = "2027-02-04"


def facts(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "org_kind": "company",
        "aware_date": AWARE,
        "event": "leak",
        "persons_max": 10,
        "malicious": False,
        "public_exposure": False,
        "strong_encryption": False,
        "recovered_unviewed": False,
        "duplicate_exists": False,
        "system": "other",
    }
    base.update(overrides)
    return base


# (passage, facts, reportable, categories, effort, notify, final_report_due)
# fmt: off
CASES: list[tuple[str, dict[str, Any], bool, list[int], bool, bool, str | None]] = [
    # 規則第2条第1号 (system categories)
    ("別添2 3A(1)イ 情報提供ネットワークシステム", facts(system="network_system"), True, [1], False, True, DUE30),
    ("別添2 3A(1)ロ 利用事務の情報システム", facts(system="use_affair_system"), True, [1], False, True, DUE30),
    ("別添2 3A(1)ハ 行政機関等の関係事務システム", facts(org_kind="local_government", system="public_body_related_affair_system"), True, [1], False, True, DUE30),
    ("別添2 3A(1) 滅失も漏えい等", facts(event="loss", system="use_affair_system"), True, [1], False, True, DUE30),
    ("別添2 3A(1) 毀損も漏えい等 (ランサムウェア)", facts(event="damage", system="network_system"), True, [1], False, True, DUE30),
    ("別添2 3A(1) 「発生したおそれ」も対象 (※1)", facts(event="leak_suspected", system="use_affair_system"), True, [1], False, True, DUE30),
    ("別添2 3A(1) 第1号は漏えい等に限る: 第9条違反の利用は第1号でない", facts(event="unlawful_use", system="use_affair_system"), False, [], True, False, None),
    ("別添2 3A(1) 企業の給与システムは第1号でない → 3B 努力", facts(system="other"), False, [], True, False, None),
    # 規則第2条第2号 (不正の目的) — 60 days
    ("別添2 3A(2)イ 不正目的の漏えい (盗難)", facts(malicious=True), True, [2], False, True, DUE60),
    ("別添2 3A(2)ロ 不正目的の利用 (業務外の検索)", facts(event="unlawful_use", malicious=True), True, [2], False, True, DUE60),
    ("別添2 3A(2)ハ 不正目的の提供 (持ち出し)", facts(event="unlawful_provision", malicious=True), True, [2], False, True, DUE60),
    ("別添2 3A(2) 従業者による不正目的のおそれ", facts(event="leak_suspected", malicious=True), True, [2], False, True, DUE60),
    ("別添2 3E 第2号と第1号に該当 → 60日", facts(malicious=True, system="network_system"), True, [1, 2], False, True, DUE60),
    ("別添2 3E 第2号と第4号に該当 → 60日", facts(malicious=True, persons_max=500), True, [2, 4], False, True, DUE60),
    # 規則第2条第3号
    ("別添2 3A(3) 設定ミスでインターネット上で閲覧可能", facts(public_exposure=True), True, [3], False, True, DUE30),
    ("別添2 3A(3) と 3A(4) の両方", facts(public_exposure=True, persons_max=101), True, [3, 4], False, True, DUE30),
    # 規則第2条第4号 (本人の数 > 100)
    ("別添2 3A(4)イ 誤送付 101人", facts(persons_max=101), True, [4], False, True, DUE30),
    ("別添2 3A(4) ちょうど100人は該当しない", facts(persons_max=100), False, [], True, False, None),
    ("別添2 3A(4)ロ 第9条違反の利用 (顧客ID) 150人", facts(event="unlawful_use", persons_max=150), True, [4], False, True, DUE30),
    ("別添2 3A(4)ハ 第19条違反の提供 (マスキング失念) 200人", facts(event="unlawful_provision", persons_max=200), True, [4], False, True, DUE30),
    ("別添2 3A(4) 確定できないときは最大数", facts(event="leak_suspected", persons_max=5000), True, [4], False, True, DUE30),
    ("別添2 3A(4) 滅失 120人", facts(event="loss", persons_max=120), True, [4], False, True, DUE30),
    # 高度な暗号化 (規則第2条第1号括弧書き, 別添2 3A なお書き, 3B)
    ("別添2 3A なお書き 高度な暗号化 → 報告不要", facts(strong_encryption=True, persons_max=1000), False, [], False, False, None),
    ("別添2 3B 括弧書き 高度な暗号化は努力義務も除く", facts(strong_encryption=True), False, [], False, False, None),
    ("規則第2条 暗号化は不正目的の利用を免れさせない (保守的)", facts(event="unlawful_use", malicious=True, strong_encryption=True), True, [2], False, True, DUE60),
    # 漏えい等に当たらない場合 (別添2 1)
    ("別添2 1A なお書き 閲覧前に全て回収", facts(recovered_unviewed=True, persons_max=500), False, [], False, False, None),
    ("別添2 1A 回収済みでも閲覧されていれば漏えい", facts(recovered_unviewed=False, persons_max=500), True, [4], False, True, DUE30),
    ("別添2 1B なお書き 同じデータが他に保管 → 滅失でない", facts(event="loss", duplicate_exists=True, persons_max=500), False, [], False, False, None),
    ("別添2 1C なお書き 同じデータが他に保管 → 毀損でない", facts(event="damage", duplicate_exists=True, system="use_affair_system"), False, [], False, False, None),
    ("別添2 1B 写しは漏えいを消さない (※2 社外流出は漏えい)", facts(event="leak", duplicate_exists=True, persons_max=101), True, [4], False, True, DUE30),
    # 3B: 報告対象事態でない場合
    ("別添2 3B 事業者は努める", facts(org_kind="small_business"), False, [], True, False, None),
    ("別添2（行政機関等編）3B 行政機関等は報告する", facts(org_kind="administrative_agency"), False, [], True, False, None),
    ("別添2 2 番号法違反の事案: 第19条違反の提供 5人", facts(event="unlawful_provision", persons_max=5), False, [], True, False, None),
    # 確報の期限 (別添2 3E ※2)
    ("別添2 3E ※2 30日目が年末年始 → 1月4日", facts(aware_date="2026-12-01", persons_max=101), True, [4], False, True, "2027-01-04"),
    ("別添2 3E ※2 30日目が土曜・敬老の日・国民の休日・秋分の日 → 9月24日", facts(aware_date="2026-08-21", persons_max=101), True, [4], False, True, "2026-09-24"),
    ("別添2 3E ※2 30日目が連休 (振替休日まで) → 5月7日", facts(aware_date="2026-04-03", persons_max=101), True, [4], False, True, "2026-05-07"),
    ("別添2 3E ※2 30日目が祝日 (勤労感謝の日) → 翌日", facts(aware_date="2026-10-25", persons_max=101), True, [4], False, True, "2026-11-24"),
    ("別添2 3E ※2 60日目が日曜、翌日が成人の日 → 火曜", facts(aware_date="2026-11-12", malicious=True), True, [2], False, True, "2027-01-12"),
    ("別添2 3E 施行日当日は2022年の規律", facts(aware_date="2022-04-01", persons_max=101), True, [4], False, True, "2022-05-02"),
    # 2015 regime (seed 図表2-1 (3)④): companies an effort with five exemption conditions
    ("seed (3)④ 事業者: 努める", facts(aware_date="2021-06-01", persons_max=101), False, [], True, True, None),
    ("seed (3)④ 事業者: 五要件を全て満たせば報告不要", facts(aware_date="2021-06-01", event="loss", persons_notified=True, investigation_concluded=True),
        False,
        [],
        False,
        True,
        None,
    ),
    ("seed (3)④ 事業者: 外部への漏えいは免除されない", facts(aware_date="2021-06-01", persons_notified=True, investigation_concluded=True), False, [], True, True, None),
    ("seed (3)④ 行政機関等: 報告義務", facts(aware_date="2021-06-01", org_kind="local_government"), True, [], False, True, None),
]

# fmt: on


def test_the_table_has_at_least_thirty_cases_each_citing_a_passage() -> None:
    assert len(CASES) >= 30
    assert all(case[0].startswith(("別添2", "規則第2条", "seed")) for case in CASES)


@pytest.mark.parametrize(
    ("passage", "raw", "reportable", "categories", "effort", "notify", "due"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_assessment_table(  # noqa: PLR0917 - one parameter per column of the table
    passage: str,
    raw: dict[str, Any],
    reportable: bool,
    categories: list[int],
    effort: bool,
    notify: bool,
    due: str | None,
) -> None:
    """Issue #17 assessment: each row follows the passage in its id."""
    out = rules.assess(parse(raw)).as_json()
    assert (
        out["reportable"],
        out["categories"],
        out["effort_to_report"],
        out["notify_persons"],
        out["final_report_due"],
    ) == (reportable, categories, effort, notify, due), passage
    assert (out["preliminary"] is not None) == reportable
    assert out["reasons"] and all(r["passage"] and r["ja"] and r["en"] for r in out["reasons"])


def test_the_json_has_exactly_the_issue_keys() -> None:
    out = rules.assess(parse(facts(persons_max=101))).as_json()
    assert set(out) == {
        "reportable",
        "categories",
        "effort_to_report",
        "notify_persons",
        "preliminary",
        "final_report_due",
        "reasons",
    }
    assert "2026/12/10" in out["preliminary"]  # 速報 target: 3 days after awareness


def test_public_bodies_serious_case_in_2015_is_reported_at_once() -> None:
    """seed (3)④ 行政機関等: 重大事案は直ちに."""
    raw = facts(aware_date="2020-02-03", org_kind="administrative_agency", malicious=True)
    out = rules.assess(parse(raw)).as_json()
    assert out["preliminary"].startswith("直ちに")


def test_the_2015_regime_cannot_be_chosen_for_an_incident_after_april_2022() -> None:
    with pytest.raises(RegimeNotInForce):
        rules.assess(parse(facts(regime="2015")))
    assert rules.assess(parse(facts(aware_date="2022-03-31"))).regime == "2015"
    assert rules.assess(parse(facts(aware_date="2022-03-31", regime="2015"))).regime == "2015"


def test_the_outsourcee_is_told_to_notify_the_outsourcer() -> None:
    """別添2 3C・3F / 規則第4条."""
    out = rules.assess(parse(facts(persons_max=101, outsourcee=True))).as_json()
    assert any("規則第4条" in r["passage"] for r in out["reasons"])


@pytest.mark.parametrize(
    "raw",
    [
        facts(event="stolen"),
        facts(org_kind="club"),
        facts(aware_date="07/12/2026"),
        facts(persons_max=-1),
        facts(persons_max=True),
        facts(malicious="yes"),
        facts(typo_field=True),
        [1, 2],
    ],
)
def test_bad_facts_are_refused(raw: Any) -> None:
    with pytest.raises(InvalidFacts):
        parse(raw)


def test_open_days() -> None:
    """別添2 3E ※2: Saturdays, Sundays, national holidays and 12/29–1/3 are closed."""
    assert is_closed(date(2026, 12, 5))  # Saturday
    assert is_closed(date(2026, 12, 29))
    assert is_closed(date(2027, 1, 3))
    assert is_closed(date(2026, 11, 3))  # 文化の日
    assert not is_closed(date(2026, 12, 28))
    assert next_open_day(date(2026, 12, 26)) == date(2026, 12, 28)
    assert next_open_day(date(2026, 12, 29)) == date(2027, 1, 4)
    assert deadline(date(2026, 12, 7), 30) == date(2027, 1, 5)
