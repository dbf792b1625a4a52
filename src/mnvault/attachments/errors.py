"""Attachment errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.errors import MnvaultError


class AttachmentError(MnvaultError):
    message_ja = "添付ファイルを処理できません"
    message_en = "the attachment cannot be processed"
    status = 422
    kind = "invalid-attachment"


class UnsupportedFile(AttachmentError):
    message_ja = "この種類のファイルは添付できません"
    message_en = "this kind of file cannot be attached"


class FileTooLarge(AttachmentError):
    message_ja = "添付ファイルが大きすぎます"
    message_en = "the attachment is too large"
    status = 413
    kind = "too-large"


class EmptyFile(AttachmentError):
    message_ja = "添付ファイルが空です"
    message_en = "the attachment is empty"


class AttachmentNotFound(AttachmentError):
    message_ja = "添付ファイルが見つかりません"
    message_en = "attachment not found"
    status = 404
    kind = "not-found"


class AttachmentDamaged(AttachmentError):
    message_ja = "添付ファイルが記録されたハッシュと一致しません"
    message_en = "the attachment does not match its recorded hash"
    status = 409
    kind = "does-not-decrypt"
