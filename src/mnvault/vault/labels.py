"""Japanese and English names of the vault's codes, as the screens show them."""

from __future__ import annotations

from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument, PersonKind

PERSON_KINDS: dict[str, tuple[str, str]] = {
    PersonKind.EMPLOYEE: ("従業員", "employee"),
    PersonKind.DEPENDENT: ("扶養親族", "dependent"),
    PersonKind.PAYEE: ("支払先（報酬・料金等）", "payee"),
    PersonKind.CUSTOMER: ("顧客", "customer"),
    PersonKind.RESIDENT: ("住民", "resident"),
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

# What the screens show instead of a number: its presence, never its digits.
MASK = "************"
