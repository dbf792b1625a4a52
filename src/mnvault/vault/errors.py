"""Vault errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.crypto.errors import CryptoError, KeyringLocked
from mnvault.errors import MnvaultError, register

# The crypto layer keeps its own errors (it stays a leaf); met by a vault operation, a
# ciphertext that does not decrypt conflicts with what is held.
register(CryptoError, 409, "does-not-decrypt")
register(KeyringLocked, 503, "sealed")  # sealed while the request ran


class VaultError(MnvaultError):
    message_ja = "処理できません"
    message_en = "cannot be processed"
    status = 422
    kind = "invalid"


class InvalidInput(VaultError):
    message_ja = "入力が正しくありません"
    message_en = "invalid input"


class NotFound(VaultError):
    message_ja = "見つかりません"
    message_en = "not found"
    status = 404
    kind = "not-found"


class UnknownAffair(VaultError):
    message_ja = "事務が登録されていません"
    message_en = "unknown affair"
    status = 422
    kind = "unknown-affair"


class AffairNotApplicable(VaultError):
    message_ja = "この事務はこの種別の対象者に適用できません"
    message_en = "this affair does not apply to this kind of person"


class DuplicateNumber(VaultError):
    message_ja = "この個人番号は既に別の対象者に登録されています"
    message_en = "this number is already held for another person"
    status = 409
    kind = "duplicate-number"


class AlreadyHeld(VaultError):
    message_ja = "この対象者の個人番号は既に登録されています（訂正を使ってください）"
    message_en = "a number is already held for this person (use a correction)"
    status = 409
    kind = "already-held"


class SameNumber(VaultError):
    """A correction that would store the number already held: nothing to correct."""

    message_ja = (
        "入力された個人番号は現在保管している番号と同じです。"
        "訂正するには正しい番号を入力してください"
    )
    message_en = (
        "the number entered is the one already held; enter the correct number to correct it"
    )
    status = 422
    kind = "same-number"


class NotHeld(VaultError):
    message_ja = "この対象者の個人番号は保管されていません"
    message_en = "no number is held for this person"
    status = 404
    kind = "not-held"


class PurposeMismatch(VaultError):
    message_ja = "この事務のために取得した個人番号ではありません"
    message_en = "the number was not acquired for this affair"


class LastAffair(VaultError):
    message_ja = (
        "個人番号に残る最後の事務は取り下げられません（不要になった個人番号は廃棄してください）"
    )
    message_en = (
        "the last affair of a number cannot be withdrawn (dispose of a number no longer needed)"
    )
    status = 409
    kind = "last-affair"


class AffairRetained(VaultError):
    message_ja = (
        "この事務で提供・持出しの記録がある個人番号は取り下げられません"
        "（提出した書類の法定保存期間に従います）"
    )
    message_en = (
        "an affair the number was provided or taken out for cannot be withdrawn "
        "(the retention period of the document filed applies)"
    )
    status = 409
    kind = "affair-retained"


class ImportsRateLimited(VaultError):
    message_ja = "取込みの回数が上限に達しました。しばらくしてから取り込んでください"
    message_en = "too many imports: try again later"


class NumberInText(InvalidInput):
    """A number typed into a field that is not for one. Refused rather than redacted: a
    person typed it and can take it out; the field is named, its content never echoed."""

    message_ja = "個人番号・法人番号はこの欄に書けません。番号を除いて入力し直してください"
    message_en = (
        "an individual or corporate number cannot be written in this field; "
        "remove it and enter the text again"
    )


class AffairNotOffered(VaultError):
    message_ja = "この事務（個人番号利用事務）はこの種別の組織には認められていません（番号法第9条）"
    message_en = (
        "this affair (a use affair under My Number Act art. 9) is not open to this kind of "
        "organisation"
    )


class AffairExists(VaultError):
    message_ja = "このコードの事務は既に登録されています"
    message_en = "an affair with this code already exists"
    status = 409
    kind = "affair-exists"


class AffairAlreadyHeld(VaultError):
    message_ja = "個人番号はこの事務のために既に保管されています"
    message_en = "the number is already held for this affair"
    status = 409
    kind = "affair-already-held"


class NotAnArticle19Item(InvalidInput):
    message_ja = "提供の根拠は番号法第19条の各号（第1号、第2号など）から選んでください"
    message_en = (
        "the basis of a provision must be an item of Article 19 of the My Number Act "
        "(item 1, item 2 …)"
    )
    kind = "not-an-article-19-item"
    status = 422


class ItemNotForOrganisation(InvalidInput):
    message_ja = "この組織の種別は番号法第19条のこの号に基づいて提供できません"
    message_en = "an organisation of this kind cannot provide under this item of Article 19"
    kind = "item-not-for-organisation"
    status = 422


class ItemNotForAffair(InvalidInput):
    message_ja = "番号法第19条のこの号はこの事務の種別（利用事務・関係事務）に当たりません"
    message_en = "this item of Article 19 does not fit the kind of this affair (use or related)"
    kind = "item-not-for-affair"
    status = 422


class ConditionMissing(InvalidInput):
    message_ja = "この号による提供には本人の同意または号の要件の記録が必要です"
    message_en = "a provision under this item must record the person's consent or its condition"
    kind = "provision-condition-missing"
    status = 422


class InvalidConsent(ConditionMissing):
    message_ja = "同意・要件の記録は番号法第19条第4号・第16号による提供にのみ付けます"
    message_en = "consent and condition records belong to items 4 and 16 of Article 19 only"


class AwaitingLinkCheck(VaultError):
    """紐付けの確認 (orgs/linking.py): a number not yet checked by a second person."""

    message_ja = (
        "個人番号と本人の紐付けが別の担当者又は責任者に確認されていません（確認待ち）。"
        "確認までは提供・持出しに使えません"
    )
    message_en = (
        "the link of the number to the person awaits a second person's check: it cannot be "
        "provided or exported until then"
    )
    status = 409
    kind = "awaiting-link-check"


class SelfLinkCheck(VaultError):
    message_ja = "紐付けの確認は、取得・訂正した者以外の者が行います"
    message_en = "the link is checked by someone other than the person who acquired or corrected it"
    status = 403
    kind = "self-link-check"


class NoLinkCheckPending(VaultError):
    message_ja = "この対象者の個人番号は確認待ちではありません"
    message_en = "this person's number is not awaiting a check"
    status = 409
    kind = "no-link-check-pending"
