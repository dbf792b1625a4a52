"""The items a client checks when it selects a 委託先 and the clauses its contract must hold,
quoted from 事業者編 第4-2-(1) 1B 必要かつ適切な監督 (番号法第11条).

Each item is (key, Japanese, English). ``REQUIRED_CLAUSES`` are the ones the guideline says the
contract 盛り込まなければならない; ``DESIRABLE_CLAUSES`` the ones it calls 望ましい.
"""

from __future__ import annotations

Item = tuple[str, str, str]

# 委託先の選定: 「委託先の設備、技術水準、従業者に対する監督・教育の状況、その他委託先の経営環境等」
# and that the outsourcee will take measures equal to the client's own.
SELECTION: tuple[Item, ...] = (
    ("equivalent_measures", "委託者自らが果たすべき安全管理措置と同等の措置が講じられること",
     "the outsourcee will take safety measures equal to the client's own"),
    ("facilities", "委託先の設備", "the outsourcee's facilities"),
    ("technical_level", "技術水準", "its technical level"),
    ("staff_supervision", "従業者に対する監督・教育の状況",
     "how it supervises and trains its staff"),
    ("business_environment", "その他委託先の経営環境等", "its business environment"),
)  # fmt: skip

REQUIRED_CLAUSES: tuple[Item, ...] = (
    ("confidentiality", "秘密保持義務", "confidentiality"),
    ("no_taking_out", "事業所内からの特定個人情報の持出しの禁止",
     "no taking SPI out of the premises beyond the work's needs"),
    ("no_other_purpose", "特定個人情報の目的外利用の禁止", "no use of SPI for another purpose"),
    ("subcontracting_terms", "再委託における条件", "the conditions of sub-outsourcing"),
    ("incident_liability", "漏えい等事案が発生した場合の委託先の責任",
     "the outsourcee's liability for an incident"),
    ("return_or_disposal", "委託契約終了後の特定個人情報の返却又は廃棄",
     "return or disposal of SPI when the contract ends"),
    ("staff_supervision", "従業者に対する監督・教育", "supervision and training of staff"),
    ("compliance_reports", "契約内容の遵守状況について報告を求める規定",
     "reports on compliance with the contract"),
)  # fmt: skip

DESIRABLE_CLAUSES: tuple[Item, ...] = (
    ("named_staff", "特定個人情報を取り扱う従業者の明確化", "naming the staff who handle SPI"),
    ("on_site_audit", "委託者が委託先に対して実地の調査を行うことができる規定",
     "the client may inspect the outsourcee on site"),
)  # fmt: skip

CLAUSES = REQUIRED_CLAUSES + DESIRABLE_CLAUSES
SELECTION_KEYS = frozenset(k for k, _, _ in SELECTION)
CLAUSE_KEYS = frozenset(k for k, _, _ in CLAUSES)
REQUIRED_CLAUSE_KEYS = frozenset(k for k, _, _ in REQUIRED_CLAUSES)

SUPERVISION_KINDS: tuple[Item, ...] = (
    ("report", "取扱状況の報告の受領", "report received"),
    ("on_site", "実地の調査", "on-site check"),
)
SUPERVISION_KEYS = frozenset(k for k, _, _ in SUPERVISION_KINDS)
