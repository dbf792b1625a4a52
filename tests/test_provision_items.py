"""Issue #13 (Provision, 番号法第19条): the table of items a provision may rest on.

Source of every case: shared/legal/mynumber-act.txt (番号法, e-Gov 2025-09), 第十九条 各号.
The quotes are checked against that text; the tests find it at ``../shared/legal`` from
the project root (or ``../../shared/legal`` from a worktree) and fail under CI=true when
it is missing.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from mnvault.affairs.models import AffairKind
from mnvault.errors import problem
from mnvault.orgs.models import OrganisationKind
from mnvault.vault.errors import (
    ConditionMissing,
    InvalidConsent,
    ItemNotForAffair,
    ItemNotForOrganisation,
    NotAnArticle19Item,
)
from mnvault.vault.provision import Conditions, Consent, checked_item
from mnvault.vault.provision_items import ITEMS, Item16Condition, item_of, items_for
from tests.support.legal import legal_text

ROOT = Path(__file__).resolve().parents[1]
KANJI = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _kanji(text: str) -> int:
    if text.startswith("十"):
        return 10 + (KANJI[text[1:]] if text[1:] else 0)
    return KANJI[text]


def _act() -> str:
    return legal_text("mynumber-act.txt")


def article19_items() -> dict[int, str]:
    """第十九条's items by number, from the Act's text."""
    text = _act()
    start = text.index("\n第十九条\n")
    section = text[start : text.index("\n第二十条\n", start)]
    found = re.findall(r"^  ([一二三四五六七八九十]+) (.+)$", section, re.MULTILINE)
    return {_kanji(number): body for number, body in found}


def test_article_19_has_seventeen_items_in_the_2025_text():
    assert sorted(article19_items()) == list(range(1, 18))


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: f"第19条第{i.number}号")
def test_each_quote_is_the_text_of_its_item(item):
    """Each row quotes the 2025 text of its own item (not of a neighbour, not of 2015)."""
    assert item.quote in article19_items()[item.number]


def test_item_15_is_the_public_interest_item_of_2025():
    """第15号 is 訴訟・捜査・租税犯則調査・会計検査院 (2025 numbering)."""
    text = article19_items()[15]
    for words in ("訴訟手続", "刑事事件の捜査", "犯則事件の調査", "会計検査院の検査"):
        assert words in text
    assert "会計検査院" in item_of("番号法第19条第15号").quote  # type: ignore[union-attr]


# (organisation kind, items open to it) — from the items' own words (module docstring).
BUSINESS = [1, 2, 4, 6, 8, 9, 13, 15, 16, 17]
OPEN_ITEMS = [
    (OrganisationKind.COMPANY, BUSINESS),
    (OrganisationKind.SMALL_BUSINESS, BUSINESS),
    (OrganisationKind.FINANCIAL_INSTITUTION, sorted([*BUSINESS, 12])),
    # 第11号 names 地方公共団体の機関 only: a national agency gets 10, not 11.
    (OrganisationKind.ADMINISTRATIVE_AGENCY, sorted([*BUSINESS, 10])),
    (OrganisationKind.LOCAL_GOVERNMENT, sorted([*BUSINESS, 10, 11])),
]


@pytest.mark.parametrize(("kind", "numbers"), OPEN_ITEMS, ids=str)
def test_items_open_to_each_organisation_kind(kind, numbers):
    assert [i.number for i in items_for(kind)] == numbers


NONE = Conditions()
CONSENT = Conditions(consent=Consent(date(2026, 3, 1), "乙株式会社", "個人番号"))
# (basis, organisation kind, affair kind, conditions, expected error or None) — 番号法第19条.
CASES = [
    ("番号法第19条第2号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, None),
    ("番号法第19条第1号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, ItemNotForAffair),
    ("番号法第19条第1号", OrganisationKind.LOCAL_GOVERNMENT, AffairKind.USE, NONE, None),
    ("番号法第19条第2号", OrganisationKind.LOCAL_GOVERNMENT, AffairKind.USE, NONE,
     ItemNotForAffair),
    ("番号法第19条第8号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, ItemNotForAffair),
    ("番号法第19条第10号", OrganisationKind.COMPANY, AffairKind.USE, NONE, ItemNotForOrganisation),
    ("番号法第19条第11号", OrganisationKind.ADMINISTRATIVE_AGENCY, AffairKind.USE, NONE,
     ItemNotForOrganisation),
    ("番号法第19条第11号", OrganisationKind.LOCAL_GOVERNMENT, AffairKind.USE, NONE, None),
    ("番号法第19条第12号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE,
     ItemNotForOrganisation),
    ("番号法第19条第12号", OrganisationKind.FINANCIAL_INSTITUTION, AffairKind.RELATED, NONE, None),
    ("番号法第19条第15号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, None),
    ("番号法第19条第4号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, ConditionMissing),
    ("番号法第19条第4号", OrganisationKind.COMPANY, AffairKind.RELATED, CONSENT, None),
    ("番号法第19条第2号", OrganisationKind.COMPANY, AffairKind.RELATED, CONSENT, InvalidConsent),
    ("番号法第19条第16号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, ConditionMissing),
    ("番号法第19条第16号", OrganisationKind.COMPANY, AffairKind.RELATED,
     Conditions(item16=Item16Condition.CONSENT_DIFFICULT), None),
    ("番号法第19条第3号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, NotAnArticle19Item),
    ("番号法第19条第5号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, NotAnArticle19Item),
    ("番号法第19条第99号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, NotAnArticle19Item),
    ("番号法第19条（社内で共有）", OrganisationKind.COMPANY, AffairKind.RELATED, NONE,
     NotAnArticle19Item),
    ("番号法第19条第2号（社内で共有）", OrganisationKind.COMPANY, AffairKind.RELATED, NONE,
     NotAnArticle19Item),
    ("社内利用", OrganisationKind.COMPANY, AffairKind.RELATED, NONE, NotAnArticle19Item),
]  # fmt: skip


@pytest.mark.parametrize(("basis", "org", "affair", "conditions", "error"), CASES)
def test_basis_cases(basis, org, affair, conditions, error):
    if error is None:
        assert checked_item(basis, org, affair, conditions).basis == basis
    else:
        with pytest.raises(error):
            checked_item(basis, org, affair, conditions)


def test_a_free_text_basis_is_refused_in_both_languages():
    with pytest.raises(NotAnArticle19Item) as caught:
        checked_item("番号法第19条第99号", OrganisationKind.COMPANY, AffairKind.RELATED, NONE)
    body = problem(caught.value).body
    assert problem(caught.value).status == 422
    assert "番号法第19条の各号" in body["detail"] and "Article 19" in body["detail"]
