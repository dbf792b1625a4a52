"""Inspection errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.vault.errors import NotFound, VaultError


class InspectionError(VaultError):
    message_ja = "点検・監査の記録を処理できません"
    message_en = "the inspection record cannot be processed"


class UnknownInspection(NotFound):
    message_ja = "その点検・監査の記録はありません"
    message_en = "no such inspection"


class UnknownAction(NotFound):
    message_ja = "その是正措置はありません"
    message_en = "no such corrective action"


class InvalidInspection(InspectionError):
    message_ja = "点検・監査の入力が正しくありません"
    message_en = "invalid inspection input"


class InspectionClosed(InspectionError):
    message_ja = "この点検・監査は既に完了しています"
    message_en = "this inspection is already completed"
    status = 409
    kind = "inspection-closed"


class NotFinished(InspectionError):
    message_ja = "未記入の項目、または是正措置のない指摘事項があります"
    message_en = "some items are not recorded, or a finding has no corrective action"
    status = 409
    kind = "inspection-not-finished"


class NotAPublicBody(InspectionError):
    message_ja = "総括責任者への報告は行政機関等の監査で記録します"
    message_en = "the report to the chief officer is recorded for public bodies' audits"
