"""Japanese and English names of the vault's codes, as the screens show them."""

from __future__ import annotations

from mnvault.vault import provision_items
from mnvault.vault.models import (
    IdentityCheckDocument,
    NumberCheckDocument,
    PersonKind,
    RecipientKind,
)
from mnvault.vault.provision_items import ITEMS

PERSON_KINDS: dict[str, tuple[str, str]] = {
    PersonKind.EMPLOYEE: ("従業員", "employee"),
    PersonKind.DEPENDENT: ("扶養親族", "dependent"),
    PersonKind.PAYEE: ("支払先（報酬・料金等）", "payee"),
    PersonKind.CUSTOMER: ("顧客", "customer"),
    PersonKind.RESIDENT: ("住民", "resident"),
}

# A dependant's relation to the employee (扶養親族の続柄).
RELATIONS: dict[str, tuple[str, str]] = {
    "spouse": ("配偶者", "spouse"),
    "child": ("子", "child"),
    "parent": ("父母", "parent"),
    "grandparent": ("祖父母", "grandparent"),
    "sibling": ("兄弟姉妹", "sibling"),
    "other": ("その他の親族", "other relative"),
}

# What the person page records: a hire, an end (vault.services.RelationshipEnd) or a death.
HR_EVENTS: dict[str, tuple[str, str]] = {
    "hire": ("入社・開始", "hired or started"),
    "retirement": ("退職", "retired"),
    "contract_end": ("契約終了", "contract ended"),
    "death": ("死亡", "death"),
}

# The persons list's status filter: what a clerk looks for when preparing a filing or
# a disposal.
PERSON_STATUSES: dict[str, tuple[str, str]] = {
    "held": ("番号取得済み", "number held"),
    "awaiting": ("番号未取得", "number not yet acquired"),
    "ended": ("退職・契約終了", "relationship ended"),
    "deceased": ("死亡", "deceased"),
}

# 番号確認 documents (番号法第16条; 施行規則第1条〜第3条).
NUMBER_CHECK: dict[str, tuple[str, str]] = {
    NumberCheckDocument.MY_NUMBER_CARD: ("個人番号カード", "My Number Card"),
    NumberCheckDocument.NOTIFICATION_CARD: ("通知カード", "notification card"),
    NumberCheckDocument.RESIDENCE_CERTIFICATE: (
        "住民票の写し（個人番号付き）", "certificate of residence with the number",
    ),
    NumberCheckDocument.EMPLOYER_RECORD: (
        "過去に本人確認の上作成した特定個人情報ファイル", "an SPI file made after an earlier check",
    ),
    NumberCheckDocument.OTHER: ("その他", "other"),
}  # fmt: skip

# 身元（実存）確認 documents.
IDENTITY_CHECK: dict[str, tuple[str, str]] = {
    IdentityCheckDocument.MY_NUMBER_CARD: ("個人番号カード", "My Number Card"),
    IdentityCheckDocument.DRIVERS_LICENCE: ("運転免許証", "driving licence"),
    IdentityCheckDocument.PASSPORT: ("旅券（パスポート）", "passport"),
    IdentityCheckDocument.HEALTH_INSURANCE_CARD: ("健康保険の被保険者証", "health insurance card"),
    IdentityCheckDocument.PENSION_BOOK: ("年金手帳", "pension book"),
    IdentityCheckDocument.EMPLOYER_KNOWN: (
        "雇用関係にあり本人と知覚できる", "known to the employer in person",
    ),
    IdentityCheckDocument.OTHER: ("その他", "other"),
}  # fmt: skip

# 提供先 (番号法第19条): who received the numbers.
RECIPIENT_KINDS: dict[str, tuple[str, str]] = {
    RecipientKind.TAX_OFFICE: ("税務署", "tax office"),
    RecipientKind.MUNICIPALITY: ("市区町村", "municipality"),
    RecipientKind.PENSION_OFFICE: ("年金事務所", "pension office"),
    RecipientKind.HEALTH_INSURANCE_SOCIETY: ("健康保険組合", "health insurance society"),
    RecipientKind.PUBLIC_EMPLOYMENT_SECURITY_OFFICE: (
        "公共職業安定所（ハローワーク）", "public employment security office",
    ),
    RecipientKind.CONTRACTOR: ("委託先", "contractor"),
    RecipientKind.OTHER: ("その他", "other"),
}  # fmt: skip

# The items of 番号法第19条 (vault/provision_items.py, one table); the key is what
# ``services.provide`` stores and checks ("番号法第19条第N号").
LEGAL_BASES: dict[str, tuple[str, str]] = {i.basis: (i.name_ja, i.name_en) for i in ITEMS}
ITEM16_CONDITIONS = provision_items.ITEM16_CONDITIONS
LEGACY_BASIS = (
    "旧形式の根拠（番号法第19条の号として未確認）",
    "legacy basis (not checked as an item)",
)

# How the numbers were handed over.
PROVISION_METHODS: dict[str, tuple[str, str]] = {
    "electronic_filing": ("電子申告・電子申請（e-Tax、eLTAX、e-Gov）", "electronic filing"),
    "paper": ("書面（郵送・手渡し）", "paper (post or by hand)"),
    "encrypted_media": ("暗号化した電子媒体", "encrypted electronic media"),
    "secure_transfer": ("暗号化した通信（ファイル転送）", "encrypted transfer"),
}

# What the screens show instead of a number: its presence, never its digits.
MASK = "************"
