"""The seeded catalogue of common affairs, each with the law that permits it.

Sources: 番号法 (2025-09 e-Gov text, ../shared/legal/mynumber-act.txt) 第2条第11項・第12項
(definitions), 第9条第1項 and 別表 (個人番号利用事務), 第9条第4項 (個人番号関係事務, which
names 健康保険法第48条, 厚生年金保険法第27条, 所得税法第225条〜第228条の3の2, 雇用保険法第7条,
租税特別措置法第37条の11の3第7項, 第37条の14第35項, 国外送金等調書法第4条第1項 among others).

Which statute each form comes from is written from the statutes themselves where they are
not in shared/legal: those parts say "outside shared/legal — verify on e-Gov" (OUTSIDE).
The 別表 of 番号法 (one table since the 令和5年改正) is not in the project's copy either:
the use affairs name their 別表 item by its subject and leave the item number to be
verified on e-Gov rather than print a number nobody here has checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnvault.affairs.models import AffairKind

EMPLOYEE = "employee"
DEPENDENT = "dependent"
CUSTOMER = "customer"
PAYEE = "payee"
RESIDENT = "resident"


OUTSIDE = "outside shared/legal — verify on e-Gov"
# How the screens mark a basis that names what shared/legal does not hold.
VERIFY_ON_EGOV_JA = "e-Govで要確認（shared/legal に本文なし）"
VERIFY_ON_EGOV_EN = "verify on e-Gov (text not in shared/legal)"


def verify_on_egov(kind: AffairKind | str, legal_basis: str) -> bool:
    """The basis names a text not in shared/legal: a catalogue part marked OUTSIDE, or any
    use affair's 別表 item (番号法 別表 is not in the project's copy, so an item number an
    organisation types for its own affair is unchecked too)."""
    return OUTSIDE in legal_basis or (AffairKind(kind) is AffairKind.USE and "別表" in legal_basis)


@dataclass(frozen=True)
class CatalogueAffair:
    code: str
    kind: AffairKind
    name_ja: str
    name_en: str
    legal_basis: str
    person_kinds: tuple[str, ...]


RELATED_BASIS = "番号法第9条第4項"
# 番号法第9条第1項 and its 別表 item (by subject; the item number: see the module note).
USE_BASIS = "番号法第9条第1項・別表"

CATALOGUE: tuple[CatalogueAffair, ...] = (
    CatalogueAffair(
        "withholding_slip",
        AffairKind.RELATED,
        "給与所得の源泉徴収票・給与支払報告書の作成",
        "Salary withholding slips and salary payment reports",
        f"{RELATED_BASIS}; 所得税法第226条第1項; 地方税法第317条の6第1項",
        (EMPLOYEE, DEPENDENT),
    ),
    CatalogueAffair(
        "dependent_deduction_declaration",
        AffairKind.RELATED,
        "給与所得者の扶養控除等（異動）申告書の受理・保存",
        "Declarations for the dependent deduction of salary earners",
        f"{RELATED_BASIS}; 所得税法第194条第1項",
        (EMPLOYEE, DEPENDENT),
    ),
    CatalogueAffair(
        "retirement_income_declaration",
        AffairKind.RELATED,
        "退職所得の受給に関する申告書の受理・保存",
        "Declarations on the receipt of retirement income",
        f"{RELATED_BASIS}; 所得税法第203条第1項",
        (EMPLOYEE,),
    ),
    CatalogueAffair(
        "retirement_income_slip",
        AffairKind.RELATED,
        "退職所得の源泉徴収票・特別徴収票の作成",
        "Retirement income withholding slips",
        f"{RELATED_BASIS}; 所得税法第226条第2項; 地方税法第328条の14",
        (EMPLOYEE,),
    ),
    CatalogueAffair(
        "health_pension_insurance",
        AffairKind.RELATED,
        "健康保険・厚生年金保険の届出",
        "Health insurance and employees' pension insurance notifications",
        f"{RELATED_BASIS}; 健康保険法第48条; 厚生年金保険法第27条",
        (EMPLOYEE, DEPENDENT),
    ),
    CatalogueAffair(
        "employment_insurance",
        AffairKind.RELATED,
        "雇用保険の届出",
        "Employment insurance notifications",
        f"{RELATED_BASIS}; 雇用保険法第7条",
        (EMPLOYEE,),
    ),
    CatalogueAffair(
        "national_pension_category3",
        AffairKind.RELATED,
        "国民年金第3号被保険者の届出",
        "Notifications for category 3 insured persons of the national pension",
        f"{RELATED_BASIS}; 国民年金法第12条第5項",
        (EMPLOYEE, DEPENDENT),
    ),
    CatalogueAffair(
        "fees_payment_record",
        AffairKind.RELATED,
        "報酬・料金・契約金及び賞金の支払調書の作成",
        "Payment records for fees, remuneration, contract money and prizes",
        f"{RELATED_BASIS}; 所得税法第225条第1項第3号",
        (PAYEE,),
    ),
    CatalogueAffair(
        "real_estate_rent_record",
        AffairKind.RELATED,
        "不動産の使用料等の支払調書の作成",
        "Payment records for real estate rents",
        f"{RELATED_BASIS}; 所得税法第225条第1項第9号",
        (PAYEE,),
    ),
    CatalogueAffair(
        "dividend_specified_account_record",
        AffairKind.RELATED,
        "配当・特定口座年間取引報告書等の支払調書の作成",
        "Dividend payment records and annual reports of specified accounts",
        f"{RELATED_BASIS}; 所得税法第225条第1項第2号; 租税特別措置法第37条の11の3第7項",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "interest_payment_record",
        AffairKind.RELATED,
        "利子等の支払調書の作成",
        "Payment records for interest",
        f"{RELATED_BASIS}; 所得税法第225条第1項第1号",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "deposit_account_linking",
        AffairKind.RELATED,
        "預貯金口座への個人番号の付番",
        "Linking individual numbers to deposit accounts",
        f"{RELATED_BASIS}; 国税通則法第74条の13の2; 預貯金者の意思に基づく個人番号の利用による"
        "預貯金口座の管理等に関する法律第6条第1項",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "resident_tax_assessment",
        AffairKind.USE,
        "個人住民税の賦課徴収",
        "Assessment and collection of individual inhabitant tax",
        f"{USE_BASIS} (地方税法による地方税の賦課徴収に関する事務の項; {OUTSIDE}); 地方税法",
        (RESIDENT,),
    ),
    CatalogueAffair(
        "national_health_insurance",
        AffairKind.USE,
        "国民健康保険の資格・給付",
        "National health insurance eligibility and benefits",
        f"{USE_BASIS} (国民健康保険法による保険給付の支給等に関する事務の項; {OUTSIDE}); "
        "国民健康保険法",
        (RESIDENT,),
    ),
    CatalogueAffair(
        "spouse_basic_adjustment_declaration",
        AffairKind.RELATED,
        "給与所得者の配偶者控除等申告書・基礎控除申告書・所得金額調整控除申告書の受理・保存",
        "Declarations for the spouse, basic and income adjustment deductions",
        f"{RELATED_BASIS}; 所得税法第195条の2・第195条の3; 租税特別措置法第41条の3の4 ({OUTSIDE})",
        (EMPLOYEE, DEPENDENT),
    ),
    CatalogueAffair(
        "zaikei_savings",
        AffairKind.RELATED,
        "財産形成住宅貯蓄・財産形成年金貯蓄の非課税申告書等の提出",
        "Tax-exempt declarations for employee asset-formation (zaikei) savings",
        f"{RELATED_BASIS}; 租税特別措置法第4条の2・第4条の3 ({OUTSIDE})",
        (EMPLOYEE,),
    ),
    CatalogueAffair(
        "public_pension_slip",
        AffairKind.RELATED,
        "公的年金等の源泉徴収票の作成",
        "Withholding slips for public pensions",
        f"{RELATED_BASIS}; 所得税法第226条第3項 ({OUTSIDE})",
        (PAYEE,),
    ),
    CatalogueAffair(
        "insurance_payment_record",
        AffairKind.RELATED,
        "生命保険契約等・損害保険契約等の一時金・満期返戻金等の支払調書の作成",
        "Payment records for life and non-life insurance benefits",
        f"{RELATED_BASIS}; 所得税法第225条第1項第4号・第5号 ({OUTSIDE})",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "stock_transfer_record",
        AffairKind.RELATED,
        "株式等の譲渡の対価等の支払調書の作成",
        "Payment records for the consideration of share transfers",
        f"{RELATED_BASIS}; 所得税法第225条第1項第10号 ({OUTSIDE})",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "specified_account_nisa_opening",
        AffairKind.RELATED,
        "特定口座開設届出書・非課税口座（NISA）開設届出書の受理",
        "Opening notifications of specified accounts and NISA accounts",
        f"{RELATED_BASIS} (租税特別措置法第37条の11の3第7項・第37条の14第35項を掲げる); "
        f"租税特別措置法第37条の11の3第4項・第37条の14第5項 ({OUTSIDE})",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "foreign_remittance_record",
        AffairKind.RELATED,
        "国外送金等調書・国外証券移管等調書の作成",
        "Reports of cross-border remittances and securities transfers",
        f"{RELATED_BASIS} (国外送金等調書法第4条第1項・第4条の3第1項を掲げる)",
        (CUSTOMER,),
    ),
    CatalogueAffair(
        "stock_option_record",
        AffairKind.RELATED,
        "特定株式等の行使等に関する調書（ストックオプション調書）の作成",
        "Reports on the exercise of stock options",
        f"{RELATED_BASIS}; 所得税法第228条の2 ({OUTSIDE})",
        (EMPLOYEE, PAYEE),
    ),
    CatalogueAffair(
        "child_allowance",
        AffairKind.USE,
        "児童手当の認定・支給",
        "Child allowance eligibility and payment",
        f"{USE_BASIS} (児童手当法による児童手当の支給に関する事務の項; {OUTSIDE}); 児童手当法",
        (RESIDENT,),
    ),
    CatalogueAffair(
        "long_term_care_insurance",
        AffairKind.USE,
        "介護保険の資格・保険料・給付",
        "Long-term care insurance eligibility, premiums and benefits",
        f"{USE_BASIS} (介護保険法による保険給付の支給等に関する事務の項; {OUTSIDE}); 介護保険法",
        (RESIDENT,),
    ),
)
