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


class AuditUnavailable(AuditError):
    message_ja = "監査記録を書き込めないため、処理を中止しました"
    message_en = "the audit entry could not be written, so the operation was refused"
