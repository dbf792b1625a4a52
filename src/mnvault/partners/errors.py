"""Outsourcing errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.vault.errors import NotFound, VaultError


class PartnerError(VaultError):
    message_ja = "委託先の記録を処理できません"
    message_en = "the outsourcee record cannot be processed"


class InvalidPartner(PartnerError):
    message_ja = "委託先の記録の内容が正しくありません"
    message_en = "invalid outsourcee record"


class PartnerNotFound(NotFound):
    message_ja = "委託先が見つかりません"
    message_en = "no such outsourcee"


class NotCovered(PartnerError):
    """An outside member's role or affair without a current 委託 that covers it."""

    message_ja = (
        "この組織との現在有効な委託契約（再委託は委託元の許諾）がないため、"
        "役割や事務を与えられません"
    )
    message_en = (
        "no current outsourcing contract (or approved sub-outsourcing) with this organisation "
        "covers it, so no role or affair can be given"
    )
    status = 409
    kind = "outsourcing-not-covered"


class ContractIncomplete(PartnerError):
    message_ja = "委託契約に必要な条項が揃っていません"
    message_en = "the contract lacks required clauses"
    status = 409
    kind = "contract-incomplete"


class SelectionIncomplete(PartnerError):
    message_ja = "委託先の選定の確認事項が済んでいません"
    message_en = "the outsourcee's selection check is not complete"
    status = 409
    kind = "selection-incomplete"


class WrongState(PartnerError):
    message_ja = "この委託先の状態ではその操作はできません"
    message_en = "not possible in the outsourcee's present state"
    status = 409
    kind = "outsourcee-state"
