"""The items of 番号法第19条 a provision (提供) may rest on: one table, with its citation.

Source: shared/legal/mynumber-act.txt (番号法, e-Gov 2025-09), 第十九条 各号. Each row quotes
its item's text verbatim (a long item is quoted by the passage that decides who provides
to whom); tests/test_provision_items.py checks every quote against the text.

Who may rest on which item follows the item's own words: 第1号 is the 個人番号利用事務実施者's
(a 利用事務 affair), 第2号 the 個人番号関係事務実施者's (a 関係事務 affair), 第8号・第9号 the
情報提供ネットワークシステム's 情報提供者 (別表行政機関等 such as 健康保険組合等: a 利用事務
affair), 第10号 the 国税庁長官・都道府県知事・市町村長's, 第11号 a 地方公共団体の機関's, 第12号
a 振替機関等's. Items 3 (the person's own provision), 5 (機構), 7 (住民基本台帳法) and 14
(総務大臣 on 機構処理事務) are not acts an organisation of this vault records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from mnvault.affairs.models import AffairKind
from mnvault.orgs.models import OrganisationKind

ACT = "番号法"
PREFIX = "番号法第19条第"

_BUSINESSES = frozenset(
    {
        OrganisationKind.COMPANY,
        OrganisationKind.SMALL_BUSINESS,
        OrganisationKind.FINANCIAL_INSTITUTION,
    }
)
_PUBLIC = frozenset({OrganisationKind.ADMINISTRATIVE_AGENCY, OrganisationKind.LOCAL_GOVERNMENT})
_ALL = _BUSINESSES | _PUBLIC


class Item16Condition(StrEnum):
    """第16号's two alternatives: which one the provision rests on."""

    CONSENT = "consent"  # 本人の同意があり
    CONSENT_DIFFICULT = "consent_difficult"  # 本人の同意を得ることが困難であるとき


ITEM16_CONDITIONS: dict[Item16Condition, tuple[str, str]] = {
    Item16Condition.CONSENT: ("本人の同意がある", "the person consented"),
    Item16Condition.CONSENT_DIFFICULT: (
        "本人の同意を得ることが困難である",
        "the person's consent is difficult to obtain",
    ),
}


@dataclass(frozen=True)
class ProvisionItem:
    """One item of 番号法第19条: who may rest on it, for which kind of affair, and what the
    provision must record beside it."""

    number: int
    quote: str  # verbatim from mynumber-act.txt 第十九条 第N号
    name_ja: str
    name_en: str
    organisation_kinds: frozenset[OrganisationKind]
    affair_kind: AffairKind | None = None  # None: any affair
    needs_consent: bool = False  # 第4号: 当該従業者等の同意を得て
    needs_condition: bool = False  # 第16号: which of its two alternatives applies

    @property
    def basis(self) -> str:
        """The stored form, e.g. 番号法第19条第2号."""
        return f"{PREFIX}{self.number}号"

    @property
    def citation(self) -> str:
        return f"番号法第19条第{self.number}号 (shared/legal/mynumber-act.txt 第十九条)"


ITEMS: tuple[ProvisionItem, ...] = (
    ProvisionItem(
        1,
        "個人番号利用事務実施者が個人番号利用事務を処理するために必要な限度で本人若しくは"
        "その代理人又は個人番号関係事務実施者に対し特定個人情報を提供するとき",
        "第19条第1号 個人番号利用事務のための提供",
        "Art. 19 (i) for a number-use affair",
        _ALL,
        AffairKind.USE,
    ),
    ProvisionItem(
        2,
        "個人番号関係事務実施者が個人番号関係事務を処理するために必要な限度で特定個人情報を"
        "提供するとき（第十二号に規定する場合を除く。）。",
        "第19条第2号 個人番号関係事務のための提供（源泉徴収票・届出書の提出など）",
        "Art. 19 (ii) for a number-related affair (withholding slips, filings …)",
        _ALL,
        AffairKind.RELATED,
    ),
    ProvisionItem(
        4,
        "当該従業者等の同意を得て、当該一の使用者等が当該他の使用者等に対し、その個人番号関係"
        "事務を処理するために必要な限度で当該従業者等の個人番号を含む特定個人情報を提供するとき。",
        "第19条第4号 従業者等の転籍・出向先への提供（本人の同意あり）",
        "Art. 19 (iv) to a new employer of a transferred employee, with the employee's consent",
        _ALL,
        needs_consent=True,
    ),
    ProvisionItem(
        6,
        "特定個人情報の取扱いの全部若しくは一部の委託又は合併その他の事由による事業の承継に"
        "伴い特定個人情報を提供するとき。",
        "第19条第6号 取扱いの委託・事業の承継に伴う提供",
        "Art. 19 (vi) with an outsourcing or a succession of the business",
        _ALL,
    ),
    ProvisionItem(
        8,
        "当該情報提供者が情報提供ネットワークシステムを使用して当該利用特定個人情報を提供するとき。",
        "第19条第8号 情報提供ネットワークシステムによる提供（情報提供者: 健康保険組合等）",
        "Art. 19 (viii) through the information provision network (provider: health "
        "insurance societies and other 別表 bodies)",
        _ALL,
        AffairKind.USE,
    ),
    ProvisionItem(
        9,
        "当該条例事務関係情報提供者が情報提供ネットワークシステムを使用して当該利用特定個人情報を"
        "提供するとき。",
        "第19条第9号 条例事務のための情報提供ネットワークシステムによる提供",
        "Art. 19 (ix) through the information provision network for an ordinance affair",
        _ALL,
        AffairKind.USE,
    ),
    ProvisionItem(
        10,
        "国税庁長官が都道府県知事若しくは市町村長に又は都道府県知事若しくは市町村長が国税庁長官"
        "若しくは他の都道府県知事若しくは市町村長に",
        "第19条第10号 国税・地方税に関する国税庁長官・都道府県知事・市町村長間の提供",
        "Art. 19 (x) national or local tax information between the NTA, prefectures and "
        "municipalities",
        _PUBLIC,
        AffairKind.USE,
    ),
    ProvisionItem(
        11,
        "地方公共団体の機関が、条例で定めるところにより、当該地方公共団体の他の機関に、その事務を"
        "処理するために必要な限度で特定個人情報を提供するとき。",
        "第19条第11号 同一地方公共団体の他の機関への提供（条例による）",
        "Art. 19 (xi) to another organ of the same local government, as an ordinance provides",
        # The item names 地方公共団体の機関 only: a national agency cannot rest on it.
        frozenset({OrganisationKind.LOCAL_GOVERNMENT}),
    ),
    ProvisionItem(
        12,
        "社債、株式等の振替に関する法律（平成十三年法律第七十五号）第二条第五項に規定する"
        "振替機関等（以下この号において単に「振替機関等」という。）が",
        "第19条第12号 振替機関等による社債等の発行者・他の振替機関等への提供",
        "Art. 19 (xii) by a book-entry transfer institution to issuers or other institutions",
        frozenset({OrganisationKind.FINANCIAL_INSTITUTION}),
        AffairKind.RELATED,
    ),
    ProvisionItem(
        13,
        "第三十五条第一項の規定により求められた特定個人情報を個人情報保護委員会（以下「委員会」"
        "という。）に提供するとき。",
        "第19条第13号 個人情報保護委員会の求め（第35条第1項）",
        "Art. 19 (xiii) requested by the PPC (Art. 35(1))",
        _ALL,
    ),
    ProvisionItem(
        15,
        "訴訟手続その他の裁判所における手続、裁判の執行、刑事事件の捜査、租税に関する法律の規定に"
        "基づく犯則事件の調査又は会計検査院の検査（第三十六条において「各議院審査等」という。）が"
        "行われるとき、その他政令で定める公益上の必要があるとき。",
        "第19条第15号 各議院審査等・訴訟手続・刑事事件の捜査・租税犯則調査・会計検査院の検査等",
        "Art. 19 (xv) Diet inquiries, court proceedings, criminal investigations, tax "
        "offence investigations, Board of Audit inspections, other public interest by "
        "cabinet order",
        _ALL,
    ),
    ProvisionItem(
        16,
        "人の生命、身体又は財産の保護のために必要がある場合において、本人の同意があり、又は本人の"
        "同意を得ることが困難であるとき。",
        "第19条第16号 人の生命・身体・財産の保護のため（本人の同意があり、又は本人の同意を得る"
        "ことが困難であるとき）",
        "Art. 19 (xvi) to protect a person's life, body or property (with the person's "
        "consent, or where consent is difficult to obtain)",
        _ALL,
        needs_condition=True,
    ),
    ProvisionItem(
        17,
        "その他これらに準ずるものとして個人情報保護委員会規則で定めるとき。",
        "第19条第17号 その他委員会規則で定めるとき（個人情報保護委員会規則: verify on e-Gov）",
        "Art. 19 (xvii) other cases in PPC rules (outside shared/legal: verify on e-Gov)",
        _ALL,
    ),
)

BY_NUMBER: dict[int, ProvisionItem] = {item.number: item for item in ITEMS}
BY_BASIS: dict[str, ProvisionItem] = {item.basis: item for item in ITEMS}

_BASIS = re.compile(r"番号法第19条第(\d{1,2})号")


def item_of(basis: str) -> ProvisionItem | None:
    """The item a stored or typed basis names exactly ("番号法第19条第2号"), or None.

    Nothing looser is read as an item: "番号法第19条（社内で共有）" names none."""
    found = _BASIS.fullmatch(basis.strip())
    return BY_NUMBER.get(int(found.group(1))) if found else None


def items_for(kind: OrganisationKind | str) -> tuple[ProvisionItem, ...]:
    """The items an organisation of ``kind`` may rest a provision on, in the Act's order."""
    return tuple(item for item in ITEMS if OrganisationKind(kind) in item.organisation_kinds)
