"""Writing a provision (提供) down: its row, its persons, one audit entry per person.

Shared by the provision a clerk records (services.provide) and by a take-out to a
recipient outside the organisation, which is a provision too (exporter.download_export).
The basis is checked before this is called (vault/provision.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.orgs.models import Organisation
from mnvault.vault.errors import NotFound
from mnvault.vault.models import Provision, ProvisionPerson, RecipientKind
from mnvault.vault.provision import Conditions
from mnvault.vault.provision_items import ProvisionItem


def organisation_kind(session: Session, context: Context) -> str:
    """The kind of the acting organisation (the items open to it depend on it)."""
    kind = session.scalar(
        select(Organisation.kind).where(Organisation.id == context.organisation_id)
    )
    if kind is None:
        raise NotFound("組織が見つかりません", "organisation not found")
    return kind


def add_provision(
    session: Session,
    context: Context,
    *,
    affair: Affair,
    item: ProvisionItem,
    conditions: Conditions,
    person_ids: Sequence[uuid.UUID],
    recipient_kind: RecipientKind,
    recipient_name: str,
    method: str,
) -> Provision:
    consent = conditions.consent
    provision = Provision(
        organisation_id=context.organisation_id,
        recipient_kind=recipient_kind.value,
        recipient_name=recipient_name,
        legal_basis=item.basis,
        article19_item=item.number,
        consent_given_on=consent.given_on if consent else None,
        consent_recipient=consent.recipient.strip() if consent else None,
        consent_data=consent.data.strip() if consent else None,
        item16_condition=conditions.item16.value if conditions.item16 else None,
        affair_id=affair.id,
        method=method,
        provided_by=context.actor_id,
    )
    session.add(provision)
    session.flush()
    session.add_all(ProvisionPerson(provision_id=provision.id, person_id=p) for p in person_ids)
    for person_id in person_ids:
        audit.record(
            session,
            context,
            AuditAction.PROVISION_CREATE,
            person_id=person_id,
            details={
                "provision_id": str(provision.id),
                "recipient_kind": recipient_kind.value,
                "article19_item": item.number,
            },
        )
    return provision
