"""Japanese and English names of the vault's codes, as the screens show them."""

from __future__ import annotations

from mnvault.vault.models import (
    IdentityCheckDocument,
    NumberCheckDocument,
    PersonKind,
    RecipientKind,
)

PERSON_KINDS: dict[str, tuple[str, str]] = {
    PersonKind.EMPLOYEE: ("従業員", "employee"),
    PersonKind.DEPENDENT: ("扶養親族", "dependent"),
    PersonKind.PAYEE: ("支払先（報酬・料金等）", "payee"),
    PersonKind.CUSTOMER: ("顧客", "customer"),
    PersonKind.RESIDENT: ("住民", "resident"),
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

# The items of 番号法第19条 a business or body may provide under (mynumber-act.txt 第十九条);
# the value is what ``services.provide`` stores and checks ("番号法第19条…").
LEGAL_BASES: dict[str, tuple[str, str]] = {
    "番号法第19条第2号": (
        "第19条第2号 個人番号関係事務のための提供（源泉徴収票・届出書の提出など）",
        "Art. 19 (ii) for a number-related affair (withholding slips, filings …)",
    ),
    "番号法第19条第1号": (
        "第19条第1号 個人番号利用事務のための提供", "Art. 19 (i) for a number-use affair",
    ),
    "番号法第19条第4号": (
        "第19条第4号 従業者等の転籍・出向先への提供（本人の同意あり）",
        "Art. 19 (iv) to a new employer of a transferred employee, with consent",
    ),
    "番号法第19条第6号": (
        "第19条第6号 取扱いの委託・事業の承継に伴う提供",
        "Art. 19 (vi) with an outsourcing or a succession of the business",
    ),
    "番号法第19条第13号": (
        "第19条第13号 個人情報保護委員会の求め（第35条第1項）",
        "Art. 19 (xiii) requested by the PPC (Art. 35(1))",
    ),
    "番号法第19条第16号": (
        "第19条第16号 人の生命・身体・財産の保護のため",
        "Art. 19 (xvi) to protect a person's life, body or property",
    ),
    "番号法第19条第17号": (
        "第19条第17号 その他委員会規則で定めるとき", "Art. 19 (xvii) other cases in PPC rules",
    ),
}  # fmt: skip

# How the numbers were handed over.
PROVISION_METHODS: dict[str, tuple[str, str]] = {
    "electronic_filing": ("電子申告・電子申請（e-Tax、eLTAX、e-Gov）", "electronic filing"),
    "paper": ("書面（郵送・手渡し）", "paper (post or by hand)"),
    "encrypted_media": ("暗号化した電子媒体", "encrypted electronic media"),
    "secure_transfer": ("暗号化した通信（ファイル転送）", "encrypted transfer"),
}

# What the screens show instead of a number: its presence, never its digits.
MASK = "************"
