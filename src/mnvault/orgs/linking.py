"""Whether a second person confirms each number linked to a person (紐付けの確認).

The texts, quoted in QUOTES and checked against shared/legal by the tests:
- 事業者編 別添1 2B 取扱規程等の策定 手法の例示 ＊: 「本人確認及び個人番号の確認の手順、
  個人番号と個人情報の紐付けの際の複数人による確認（責任者による最終確認を含む。）等の確認の
  手順等 … 取扱規程等において明確にしておくことが重要である」 — an example for a business:
  off by default, the organisation turns it on.
- 行政機関等編 別添1 2B 取扱規程等の見直し等 手法の例示 ＊ (the same words, 「情報連携を行う際の
  作業手順等」 added), and 2C a, which an agency's 組織体制 must include: 「特定個人情報等の
  取扱いにおける人的ミスの発生を防止するための確認体制の整備」 — on by default for
  administrative agencies and local governments.

When it is on, a number acquired or corrected waits ("awaiting second check") until a
different user who may acquire for one of its affairs, or a manager, confirms it
(vault/link_check.py); it is neither provided nor exported before.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.orgs.models import Organisation, OrganisationKind, OrganisationSettings
from mnvault.orgs.standing import settings_row

BUSINESS_QUOTE = "個人番号と個人情報の紐付けの際の複数人による確認（責任者による最終確認を含む。）"
GOVERNMENT_QUOTE = "特定個人情報等の取扱いにおける人的ミスの発生を防止するための確認体制の整備"
SOURCE_BUSINESS = "事業者編 別添1 2B 手法の例示 (紐付けの際の複数人による確認)"
SOURCE_GOVERNMENT = (
    "行政機関等編 別添1 2B 手法の例示 (紐付けの際の複数人による確認), 2C a (確認体制の整備)"
)

# On by default where the guideline makes the check part of the required structure.
ON_BY_DEFAULT = frozenset(
    {OrganisationKind.ADMINISTRATIVE_AGENCY, OrganisationKind.LOCAL_GOVERNMENT}
)


def source_for(kind: OrganisationKind) -> str:
    return SOURCE_GOVERNMENT if kind in ON_BY_DEFAULT else SOURCE_BUSINESS


def default_for(kind: OrganisationKind) -> bool:
    return kind in ON_BY_DEFAULT


def required(session: Session, organisation_id: uuid.UUID) -> bool:
    """No authorization: acquisition and the checks read it."""
    row = session.get(OrganisationSettings, organisation_id)
    if row is not None and row.linking_check is not None:
        return row.linking_check
    organisation = session.get_one(Organisation, organisation_id)
    return default_for(OrganisationKind(organisation.kind))


def set_required(session: Session, context: Context, *, on: bool) -> None:
    """The organisation's administrator turns the check on or off (audited). Numbers
    already awaiting a check keep waiting: turning it off confirms nothing."""
    authorize(session, context, Permission.ORGANISATION_MANAGE, organisation_resource(context))
    row = settings_row(session, context.organisation_id)
    row.linking_check = on
    session.flush()
    audit.record(session, context, AuditAction.ORGANISATION_LINKING_CHECK, details={"required": on})
