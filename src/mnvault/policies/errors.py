"""Policy errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.attachments.errors import AttachmentError
from mnvault.errors import MnvaultError


class PolicyError(MnvaultError):
    message_ja = "基本方針・取扱規程の記録を処理できません"
    message_en = "the policy record cannot be processed"
    status = 422
    kind = "invalid-policy"


class UnknownDocument(PolicyError):
    message_ja = "文書の種類は basic_policy（基本方針）か handling_rules（取扱規程）です"
    message_en = "the document is basic_policy or handling_rules"


class VersionNotFound(PolicyError):
    message_ja = "その版は見つかりません"
    message_en = "no such version"
    status = 404
    kind = "not-found"


class WrongState(PolicyError):
    message_ja = "この版の状態ではその操作はできません"
    message_en = "the version's state does not allow this"
    status = 409
    kind = "conflict"


class ApprovalRefused(PolicyError):
    message_ja = "この版を承認できません"
    message_en = "you may not approve this version"
    status = 403
    kind = "forbidden"


class NumberInDocument(PolicyError):
    message_ja = (
        "アップロードした文書に個人番号が含まれています。削除してから再度アップロードしてください"
    )
    message_en = "the uploaded document holds an individual number; remove it and upload again"


class UnreadableDocument(PolicyError):
    message_ja = "Word ファイルを読めません"
    message_en = "the Word file cannot be read"


class InvalidDate(PolicyError):
    message_ja = "施行日が正しくありません"
    message_en = "invalid effective date"


class NothingPublished(PolicyError):
    message_ja = "現行の版はまだありません"
    message_en = "no version is in force yet"
    status = 404
    kind = "not-found"


# What a form shows beside itself (a refusal of the act itself answers its own page).
FORM_ERRORS: tuple[type[MnvaultError], ...] = (PolicyError, AttachmentError)
