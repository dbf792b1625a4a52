"""Which organisations may hold an affair: 利用事務 only for those the law gives them to.

番号法第9条第1項 gives 個人番号利用事務 to the bodies in the 上欄 of its 別表 (行政機関,
地方公共団体, 独立行政法人等, 健康保険組合等 …), 第9条第2項 to 地方公共団体 by 条例, and
第9条第3項 to their 委託先; 第9条第4項 gives 個人番号関係事務 to anyone a law obliges
to put another's number on a document (事業者編 第4-1-(1) 1 A a/b: "およそ従業員等を有する
全ての事業者" are 関係事務実施者). A company therefore never acquires for 住民税賦課.

The organisation kinds of this vault have no kind yet for 健康保険組合等 or for a 委託先
of a public body (issue #13, organisation kinds): until they do, only public bodies are
offered 利用事務, and an organisation of another kind is refused them.
"""

from __future__ import annotations

from mnvault.affairs.models import AffairKind
from mnvault.orgs.models import OrganisationKind

BASIS = "番号法第9条第1項〜第4項; 事業者編 第4-1-(1) 1 A"

# Organisation kinds that may hold some 利用事務 (their own affairs of kind "use").
USE_HOLDERS: frozenset[str] = frozenset(
    {OrganisationKind.ADMINISTRATIVE_AGENCY, OrganisationKind.LOCAL_GOVERNMENT}
)

# Catalogue 利用事務 held by one kind only: the 別表 items of 市町村長 (地方税法, 国民健康
# 保険法, 児童手当法, 介護保険法 — outside shared/legal, verify on e-Gov).
CATALOGUE_HOLDERS: dict[str, frozenset[str]] = {
    "resident_tax_assessment": frozenset({OrganisationKind.LOCAL_GOVERNMENT}),
    "national_health_insurance": frozenset({OrganisationKind.LOCAL_GOVERNMENT}),
    "child_allowance": frozenset({OrganisationKind.LOCAL_GOVERNMENT}),
    "long_term_care_insurance": frozenset({OrganisationKind.LOCAL_GOVERNMENT}),
}


def may_hold(organisation_kind: str, affair_kind: str, code: str, *, catalogue: bool) -> bool:
    """Whether an organisation of ``organisation_kind`` may hold this affair."""
    if affair_kind != AffairKind.USE:
        return True  # 第9条第4項: every organisation may hold 関係事務
    if catalogue and code in CATALOGUE_HOLDERS:
        return organisation_kind in CATALOGUE_HOLDERS[code]
    return organisation_kind in USE_HOLDERS
