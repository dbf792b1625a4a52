"""Audit errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.errors import MnvaultError


class AuditError(MnvaultError):
    message_ja = "監査記録のエラー"
    message_en = "audit trail error"


class ChainHeadMissing(AuditError):
    message_ja = "監査記録の連鎖の先頭がありません（データベースが損傷しています）"
    message_en = "the audit chain has no head (the database is damaged)"


class WitnessUnreadable(AuditError):
    message_ja = "証人ファイルを読めません"
    message_en = "the witness file cannot be read"


class TrailUnreadable(AuditError):
    message_ja = "監査記録を読めません（データベースがないか、初期化されていません）"
    message_en = "the audit trail cannot be read (no database, or not initialised)"


class NothingToArchive(AuditError):
    message_ja = "保管できる（署名済みで指定日より前の）監査記録がありません"
    message_en = "no signed audit entries before that date to archive"


class ArchiveInvalid(AuditError):
    message_ja = "保管ファイルを検証できません"
    message_en = "the archive does not verify"


class PruneRefused(AuditError):
    message_ja = "監査記録の整理（削除）を拒否しました"
    message_en = "pruning the audit trail was refused"


class AuditUnavailable(AuditError):
    message_ja = "監査記録を書き込めないため、処理を中止しました"
    message_en = "the audit entry could not be written, so the operation was refused"
    status = 503
    kind = "audit-unavailable"


class PinnedKeyInvalid(AuditError):
    message_ja = "固定された監査署名公開鍵を使えません"
    message_en = "the pinned audit signing key cannot be used"


class CheckpointRefused(AuditError):
    """The vault will not sign: the trail does not extend the last head it signed."""

    message_ja = "チェックポイントの署名を拒否しました（最後に署名した木と整合しません）"
    message_en = "refused to sign the checkpoint: the trail does not extend the last signed head"


class LastSignedUnreadable(AuditError):
    message_ja = "鍵束とともに保管した最後の署名（audit-last-signed.json）を読めません"
    message_en = (
        "the last signed head kept with the keyring (audit-last-signed.json) cannot be read"
    )
