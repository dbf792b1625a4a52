"""What each role is called in the organisation's own guideline (issue #13).

A business reads 事業者編 (責任者, 事務取扱担当者 — 別添1 2C a); an administrative agency or a
local government reads 行政機関等編 別添1 2C a, whose 組織体制 names 「総括責任者（行政機関等に
各１名）」, 「保護責任者（個人番号利用事務等を実施する課室等に各１名）」 and 「監査責任者」 (the
older 総括保護管理者 / 保護管理者 are not the current names). 監査責任者 is the ``auditor``
role (DESIGN.md §1); ``admin`` is the system's own (システム管理者).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from mnvault.access.models import Role
from mnvault.orgs.models import Organisation, OrganisationKind

GOVERNMENT = frozenset({OrganisationKind.ADMINISTRATIVE_AGENCY, OrganisationKind.LOCAL_GOVERNMENT})

# (ja, en, source)
BUSINESS: dict[Role, tuple[str, str, str]] = {
    Role.ADMIN: ("システム管理者", "System administrator", "DESIGN.md §1"),
    Role.AUDITOR: ("監査責任者", "Audit officer", "DESIGN.md §1 (事業者編 別添1 2C e 監査)"),
    Role.CHIEF_OFFICER: ("総括責任者", "Chief officer", "行政機関等編 別添1 2C a"),
    Role.CLERK: ("事務取扱担当者", "Clerk", "事業者編 別添1 2C a"),
    Role.MANAGER: ("事務取扱責任者", "Manager", "事業者編 別添1 2C a 責任者の設置"),
    Role.PROTECTION_MANAGER: ("保護責任者", "Protection manager", "行政機関等編 別添1 2C a"),
}
AGENCY: dict[Role, tuple[str, str, str]] = BUSINESS | {
    Role.AUDITOR: ("監査責任者", "Audit officer", "行政機関等編 別添1 2C a 監査責任者"),
    Role.CHIEF_OFFICER: (
        "総括責任者", "Chief officer (one per body)", "行政機関等編 別添1 2C a 総括責任者",
    ),
    Role.CLERK: ("事務取扱担当者", "Clerk", "行政機関等編 別添1 2C a"),
    Role.MANAGER: ("責任者", "Responsible officer", "行政機関等編 別添1 2C a 責任者"),
    Role.PROTECTION_MANAGER: (
        "保護責任者", "Protection manager (one per office)", "行政機関等編 別添1 2C a 保護責任者",
    ),
}  # fmt: skip


def names_for(kind: OrganisationKind | str) -> dict[str, tuple[str, str]]:
    table = AGENCY if OrganisationKind(kind) in GOVERNMENT else BUSINESS
    return {role.value: (ja, en) for role, (ja, en, _source) in table.items()}


def names_of(session: Session, organisation_id: uuid.UUID) -> dict[str, tuple[str, str]]:
    return names_for(session.get_one(Organisation, organisation_id).kind)
