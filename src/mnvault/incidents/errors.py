"""Incident errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.vault.errors import NotFound, VaultError


class IncidentError(VaultError):
    message_ja = "漏えい等事案の記録を処理できません"
    message_en = "the incident record cannot be processed"


class InvalidFacts(IncidentError):
    message_ja = "事案の事実関係の入力が正しくありません"
    message_en = "invalid incident facts"


class RegimeNotInForce(IncidentError):
    message_ja = "その規律は認知日に施行されていません"
    message_en = "that rule set was not in force on the aware date"


class UnknownIncident(NotFound):
    message_ja = "その漏えい等事案は登録されていません"
    message_en = "no such incident"


class InvalidStep(IncidentError):
    message_ja = "対応手順の指定が正しくありません"
    message_en = "invalid response step"


class UnknownSource(IncidentError):
    message_ja = "事案の発端となった記録の種別が正しくありません"
    message_en = "unknown source of the incident"
