"""The retention table's citations say how far they were checked (citations.py).

A citation marked as checked against the project's copies of the legal texts
(/work/shared/legal: 事業者編, 行政機関等編, 番号法) quotes a phrase that is really there;
one that is not there says so in every rule that uses it ("e-Gov で要確認"), and quotes
nothing. The quote test reads the copies at ``../shared/legal`` relative to the project
root (or ``../../shared/legal`` from a worktree, or MNVAULT_LEGAL_DIR); they are reference
material, not part of the repository, so it skips without them — but fails under CI=true
(issue #13, Citations).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mnvault.disposal import citations as c
from mnvault.disposal.rules import FALLBACK_SOURCE, STATUTORY
from tests.support.legal import BESIDE, legal_dir
from tests.support.legal import legal_copy as _copy

ROOT = Path(__file__).resolve().parents[1]


def _flat(text: str) -> str:
    # The copies break lines inside sentences (around emphasised phrases).
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    "citation",
    [pytest.param(x, id=x.cite[:40]) for x in c.ALL if x.checked is not c.Checked.OUTSIDE],
)
def test_a_checked_citation_quotes_the_text_it_names(citation: c.Citation):
    path = _copy(citation.file)
    assert citation.where and citation.quote
    text = _flat(path.read_text("utf-8"))
    assert _flat(citation.quote) in text, citation.cite


def test_a_citation_outside_the_copies_quotes_nothing():
    for citation in c.ALL:
        if citation.checked is c.Checked.OUTSIDE:
            assert (citation.file, citation.where, citation.quote) == ("", "", ""), citation


# (affair, the citations its source must carry; the statute in each, and where checked)
TABLE = [
    pytest.param(
        "dependent_deduction_declaration", (c.DECLARATION,),
        id="扶養控除等申告書: 事業者編 第4-3-(3)B (施行規則第76条の3, 7年) — checked",
    ),
    pytest.param(
        "withholding_slip", (c.WITHHOLDING_SLIP, c.LOCAL_SALARY_REPORT, c.CONTINUING),
        id="源泉徴収票: 所得税法第226条第1項 named in 事業者編 第4-3-(2)B b (退職の日以後一月以内)"
        "; 地方税法第317条の6第3項 — e-Gov",
    ),
    pytest.param(
        "retirement_income_slip", (c.RETIREMENT_SLIP, c.KEEP_WHILE_NEEDED),
        id="退職所得の源泉徴収票: 所得税法第226条第2項 — not in shared/legal, e-Gov",
    ),
    pytest.param(
        "retirement_income_declaration", (c.RETIREMENT_DECLARATION, c.KEEP_WHILE_NEEDED),
        id="退職所得の受給に関する申告書: 施行規則第77条第4項 (7年) — outside shared/legal, e-Gov",
    ),
    pytest.param(
        "national_pension_category3", (c.NATIONAL_PENSION_CATEGORY3, c.KEEP_WHILE_NEEDED),
        id="国民年金第3号: 健保則第34条 (被扶養者異動届と同一様式, 2年) — e-Gov",
    ),
    pytest.param(
        "deposit_account_linking", (c.DEPOSIT_ACCOUNTS, c.CONTINUING),
        id="預貯金口座: 預貯金口座管理法 — e-Gov; 解約まで is mnvault's reading",
    ),
    pytest.param(
        "health_pension_insurance", (c.HEALTH_INSURANCE, c.PENSION_INSURANCE, c.KEEP_WHILE_NEEDED),
        id="健保・厚年: 健保則第34条, 厚年則第28条 — not in shared/legal, e-Gov",
    ),
    pytest.param(
        "employment_insurance", (c.EMPLOYMENT_INSURANCE, c.KEEP_WHILE_NEEDED),
        id="雇用保険: 雇保則第143条 — not in shared/legal, e-Gov",
    ),
    pytest.param(
        "fees_payment_record", (c.PAYMENT_RECORD, c.PAYMENT_RECORD_DEADLINE, c.CONTINUING),
        id="支払調書: 第225条第1項 in 事業者編 第4-1-(1) 1 A b; deadline 施行規則 — e-Gov",
    ),
    pytest.param(
        "real_estate_rent_record",
        (c.PAYMENT_RECORD, c.PAYMENT_RECORD_DEADLINE, c.CONTINUING_LEASE),
        id="地代等: 事業者編 第4-3-(3)B 土地の賃貸借契約等 — checked",
    ),
    pytest.param(
        "dividend_specified_account_record",
        (c.PAYMENT_RECORD, c.SPECIFIED_ACCOUNT, c.CONTINUING),
        id="特定口座: 租特法第37条の11の3第7項 named in 番号法第9条第4項 — e-Gov",
    ),
    pytest.param(
        "resident_tax_assessment", (c.LOCAL_TAX, c.AGENCY),
        id="住民税: 行政機関等編 第4-3-(4)B (文書管理規程等) — checked; 地方税法第18条 — e-Gov",
    ),
    pytest.param(
        "national_health_insurance", (c.NATIONAL_HEALTH_INSURANCE, c.AGENCY),
        id="国保: 行政機関等編 第4-3-(4)B — checked; 国保法第110条 — e-Gov",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("affair", "cited"), TABLE)
def test_each_rule_carries_its_citations_with_their_check(affair: str, cited):
    (rule,) = [r for r in STATUTORY if r.affair_code == affair]
    for citation in cited:
        assert citation.render() in rule.source, (affair, citation.cite)


def test_every_rule_marks_every_citation():
    """No bare citation: a source is made only of citations with their check, and
    mnvault's own reading, marked as such."""
    for source in [r.source for r in STATUTORY] + [FALLBACK_SOURCE]:
        rest = source.split("; mnvault の解釈: ")[0]
        for citation in sorted(c.ALL, key=lambda x: -len(x.render())):
            rest = rest.replace(citation.render(), "")
        assert rest.replace(";", "").strip() == "", source


def test_the_agency_guideline_is_cited_at_its_own_section():
    """行政機関等編 numbers 収集・保管制限 第4-3-(4), not (3) as 事業者編 does."""
    for rule in STATUTORY:
        assert "行政機関等編 第4-3-(3)" not in rule.source, rule.affair_code
    assert "行政機関等編 第4-3-(4)B" in c.AGENCY.cite


def test_the_legal_copies_are_found_beside_the_project(tmp_path, monkeypatch):
    """Issue #13 Citations: ../shared/legal relative to the project root (CI's layout), not a
    fixed absolute path; and missing copies fail under CI=true instead of skipping."""
    monkeypatch.delenv("MNVAULT_LEGAL_DIR", raising=False)
    found = legal_dir()
    if found is not None:
        assert found in BESIDE
    monkeypatch.setenv("MNVAULT_LEGAL_DIR", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _copy(c.BUSINESS)
