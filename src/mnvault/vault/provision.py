"""The rule of a provision's basis: a real item of 番号法第19条 (provision_items.ITEMS),
open to the organisation's kind, fitting the affair's kind, with what the item asks
recorded (第4号 the employee's consent; 第16号 which of its alternatives applies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mnvault.affairs.models import AffairKind
from mnvault.orgs.models import OrganisationKind
from mnvault.vault.errors import (
    ConditionMissing,
    InvalidConsent,
    ItemNotForAffair,
    ItemNotForOrganisation,
    NotAnArticle19Item,
)
from mnvault.vault.freetext import without_number
from mnvault.vault.provision_items import Item16Condition, ProvisionItem, item_of

_KINDS_JA = {AffairKind.USE: "個人番号利用事務", AffairKind.RELATED: "個人番号関係事務"}


@dataclass(frozen=True)
class Consent:
    """第4号: 当該従業者等の同意 — when it was given, and the recipient and data it names."""

    given_on: date
    recipient: str
    data: str


@dataclass(frozen=True)
class Conditions:
    """What an item may ask beside its number; empty for most items."""

    consent: Consent | None = None
    item16: Item16Condition | None = None


def checked_item(
    basis: str,
    organisation_kind: OrganisationKind | str,
    affair_kind: AffairKind | str,
    conditions: Conditions,
) -> ProvisionItem:
    """The item ``basis`` names, or a bilingual refusal saying why it cannot be used."""
    without_number(basis, "根拠", "legal basis")
    item = item_of(basis)
    if item is None:
        raise NotAnArticle19Item()
    number = item.number
    if OrganisationKind(organisation_kind) not in item.organisation_kinds:
        raise ItemNotForOrganisation(
            f"第19条第{number}号、組織の種別 {organisation_kind}",
            f"Art. 19 item {number}, organisation kind {organisation_kind}",
        )
    if item.affair_kind is not None and AffairKind(affair_kind) != item.affair_kind:
        raise ItemNotForAffair(
            f"第19条第{number}号は{_KINDS_JA[item.affair_kind]}のみ",
            f"Art. 19 item {number} is for {item.affair_kind.value} affairs only",
        )
    consent = conditions.consent
    if item.needs_consent:
        if consent is None or not consent.recipient.strip() or not consent.data.strip():
            raise ConditionMissing(
                "第19条第4号: 同意の日付、同意が示す提供先と提供する情報",
                "Art. 19 item 4: the date of the consent, the recipient and data it names",
            )
        without_number(consent.recipient, "同意の提供先", "consent recipient")
        without_number(consent.data, "同意の対象情報", "consent data")
    elif consent is not None:
        raise InvalidConsent()
    if item.needs_condition and conditions.item16 is None:
        raise ConditionMissing(
            "第19条第16号: 本人の同意があるか、本人の同意を得ることが困難であるか",
            "Art. 19 item 16: whether the person consented or consent is difficult to obtain",
        )
    if not item.needs_condition and conditions.item16 is not None:
        raise InvalidConsent()
    return item
