"""A take-out to a recipient outside the organisation is a provision (提供).

Another legal entity — a group company, a parent, a subsidiary — is "他人" to the
organisation: handing it numbers is 提供, allowed only under an item of 番号法第19条
(mynumber-act.txt 第十九条; a group relation is not one of its items). So such an export
request names its item when it is made (checked like any provision: vault/provision.py),
and its download writes the provision with the persons the file carried, so it appears in
the provision records beside the take-out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.models import Affair
from mnvault.vault.freetext import without_number
from mnvault.vault.models import Provision, RecipientKind
from mnvault.vault.provision import Conditions, Consent, checked_item
from mnvault.vault.provision_items import Item16Condition, item_of
from mnvault.vault.provision_records import add_provision, organisation_kind

# What carries the take-out file: it is always an age-encrypted file (exporter).
TAKE_OUT_METHOD = "encrypted_media"


@dataclass(frozen=True)
class OutsideRecipient:
    """The outside recipient of a take-out and the item of 番号法第19条 it rests on."""

    recipient_kind: RecipientKind
    recipient_name: str
    legal_basis: str
    conditions: Conditions = field(default_factory=Conditions)


def checked(
    session: Session, context: Context, affair: Affair, outside: OutsideRecipient
) -> dict[str, Any]:
    """The request's stored form, once the item is shown lawful for this organisation and
    affair (the same check a recorded provision passes)."""
    authorize(session, context, Permission.PROVISION_CREATE)
    without_number(outside.recipient_name, "提供先", "recipient")
    item = checked_item(
        outside.legal_basis, organisation_kind(session, context), affair.kind, outside.conditions
    )
    consent = outside.conditions.consent
    item16 = outside.conditions.item16
    return {
        "recipient_kind": outside.recipient_kind.value,
        "recipient_name": outside.recipient_name.strip(),
        "article19_item": item.number,
        "consent": (
            {"given_on": consent.given_on.isoformat(), "recipient": consent.recipient,
             "data": consent.data}
            if consent else None
        ),
        "item16_condition": item16.value if item16 else None,
    }  # fmt: skip


def record(
    session: Session,
    context: Context,
    affair: Affair,
    stored: dict[str, Any],
    person_ids: Sequence[uuid.UUID],
) -> Provision:
    """The provision a downloaded outside take-out is, for the persons its file carried."""
    item = item_of(f"番号法第19条第{stored['article19_item']}号")
    if item is None:  # only a checked item was ever stored
        raise ValueError("stored take-out names no item of Article 19")
    consent = stored.get("consent")
    condition = stored.get("item16_condition")
    conditions = Conditions(
        Consent(date.fromisoformat(consent["given_on"]), consent["recipient"], consent["data"])
        if consent
        else None,
        Item16Condition(condition) if condition else None,
    )
    return add_provision(
        session, context, affair=affair, item=item, conditions=conditions,
        person_ids=person_ids, recipient_kind=RecipientKind(stored["recipient_kind"]),
        recipient_name=stored["recipient_name"], method=TAKE_OUT_METHOD,
    )  # fmt: skip
