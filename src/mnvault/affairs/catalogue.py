"""The seeded catalogue of common affairs, each with the law that permits it.

Sources: 番号法 (2025-09 e-Gov text, ../shared/legal/mynumber-act.txt) 第2条第11項・第12項
(definitions), 第9条第1項 and 別表 (個人番号利用事務), 第9条第4項 (個人番号関係事務, which
names 健康保険法第48条, 厚生年金保険法第27条, 所得税法第225条〜第228条の3の2, 雇用保険法第7条,
租税特別措置法第37条の11の3第7項 among others).
"""

from __future__ import annotations

from dataclasses import dataclass

from mnvault.affairs.models import AffairKind

EMPLOYEE = "employee"
DEPENDENT = "dependent"
CUSTOMER = "customer"
PAYEE = "payee"
RESIDENT = "resident"


@dataclass(frozen=True)
class CatalogueAffair:
    code: str
    kind: AffairKind
    name_ja: str
    name_en: str
    legal_basis: str
    person_kinds: tuple[str, ...]


RELATED_BASIS = "番号法第9条第4項"

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
        "番号法第9条第1項・別表; 地方税法",
        (RESIDENT,),
    ),
    CatalogueAffair(
        "national_health_insurance",
        AffairKind.USE,
        "国民健康保険の資格・給付",
        "National health insurance eligibility and benefits",
        "番号法第9条第1項・別表; 国民健康保険法",
        (RESIDENT,),
    ),
)
