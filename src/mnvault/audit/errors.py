"""Audit errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations


class AuditError(Exception):
    message_ja = "監査記録のエラー"
    message_en = "audit trail error"

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"


class ChainHeadMissing(AuditError):
    message_ja = "監査記録の連鎖の先頭がありません（データベースが損傷しています）"
    message_en = "the audit chain has no head (the database is damaged)"


class WitnessUnreadable(AuditError):
    message_ja = "証人ファイルを読めません"
    message_en = "the witness file cannot be read"


class TrailUnreadable(AuditError):
    message_ja = "監査記録を読めません（データベースがないか、初期化されていません）"
    message_en = "the audit trail cannot be read (no database, or not initialised)"


class _Detailed(AuditError):
    def __init__(self, detail_ja: str = "", detail_en: str = "") -> None:
        self.detail_ja, self.detail_en = detail_ja, detail_en
        super().__init__(str(self))

    def __str__(self) -> str:
        ja = f"{self.message_ja}（{self.detail_ja}）" if self.detail_ja else self.message_ja
        en = f"{self.message_en} ({self.detail_en})" if self.detail_en else self.message_en
        return f"{ja} / {en}"


class NothingToArchive(_Detailed):
    message_ja = "保管できる（署名済みで指定日より前の）監査記録がありません"
    message_en = "no signed audit entries before that date to archive"


class ArchiveInvalid(_Detailed):
    message_ja = "保管ファイルを検証できません"
    message_en = "the archive does not verify"


class PruneRefused(_Detailed):
    message_ja = "監査記録の整理（削除）を拒否しました"
    message_en = "pruning the audit trail was refused"


class AuditUnavailable(AuditError):
    message_ja = "監査記録を書き込めないため、処理を中止しました"
    message_en = "the audit entry could not be written, so the operation was refused"


class PinnedKeyInvalid(_Detailed):
    message_ja = "固定された監査署名公開鍵を使えません"
    message_en = "the pinned audit signing key cannot be used"


class CheckpointRefused(_Detailed):
    """The vault will not sign: the trail does not extend the last head it signed."""

    message_ja = "チェックポイントの署名を拒否しました（最後に署名した木と整合しません）"
    message_en = "refused to sign the checkpoint: the trail does not extend the last signed head"


class LastSignedUnreadable(AuditError):
    message_ja = "鍵束とともに保管した最後の署名（audit-last-signed.json）を読めません"
    message_en = (
        "the last signed head kept with the keyring (audit-last-signed.json) cannot be read"
    )
