"""Compliance errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.vault.errors import NotFound, VaultError


class ComplianceError(VaultError):
    message_ja = "安全管理措置の記録を処理できません"
    message_en = "the compliance record cannot be processed"


class UnknownMeasure(NotFound):
    message_ja = "その安全管理措置はカタログにありません"
    message_en = "no such measure in the catalogue"


class NotApplicable(ComplianceError):
    message_ja = "この組織の種別には適用されない措置です"
    message_en = "the measure does not apply to this kind of organisation"


class InvalidEvidence(ComplianceError):
    message_ja = "証跡の内容が正しくありません"
    message_en = "invalid evidence"


class InvalidSetting(ComplianceError):
    message_ja = "措置の設定が正しくありません"
    message_en = "invalid measure setting"
