"""The policy table: which role may do what, how far, and why (the guideline behind it).

This table is the policy. plain.py evaluates it directly; policies.cedar is generated
from it (generate.py) and a test fails when the two drift apart. Anything not granted
here is denied (deny by default).

Reach:
- ``organisation``: anything of the organisation the actor acts in.
- ``assigned``: persons inside any of the actor's assignments (kind, department and
  SPI file all covered by one assignment); without a person, at least one assignment.
- ``affair``: the context must name an affair the actor is assigned to, and a person
  must be inside that assignment's scope (番号法第9条: use is bound to an affair).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from mnvault.access.models import Role
from mnvault.access.permissions import (
    NUMBER_PERMISSIONS,
    RETURNS_NUMBER,
    SPI_PERMISSIONS,
    Permission,
)


class Reach(StrEnum):
    AFFAIR = "affair"
    ASSIGNED = "assigned"
    ORGANISATION = "organisation"


# Sources, cited in the generated Cedar file and in the generated tests.
ACCESS_CONTROL = "事業者編 別添1 2F a アクセス制御 / seed 図表2-2 (6)①"
CLERKS_DESIGNATED = (
    "事業者編 別添1 2C a 組織体制の整備 (事務取扱担当者の明確化) / seed 図表2-1 (3)①"
)
ADMIN_NO_CONTENT = (
    "行政機関等編 別添1 2F a (管理者権限を有するユーザー…直接アクセスできない) / "
    "seed 図表2-2 (6)① 管理権限者による不要なアクセスの制御"
)
AUDIT = "事業者編 別添1 2C e 取扱状況の把握及び安全管理措置の見直し / seed 図表2-1 (3)⑤"
# disposal:confirm is granted here by role; that the confirmer is not the planner
# (maker-checker) depends on the batch, so disposal/confirmation.py checks it.
MANAGER_DUTIES = (
    "事業者編 別添1 2C a (責任者の設置及び責任の明確化; 確認体制), 2E d (削除・廃棄の確認: "
    "計画者以外の責任者) / seed 図表2-1 (3)①, 図表2-2 (5)④"
)
OFFICE_HOURS = (
    "事業者編 別添1 2B 取扱規程等の策定 (the organisation's own rules) / seed 図表2-1 (2)"
)
HANDLING_AREA = (
    "事業者編 別添1 2F a (取り扱うことのできる情報システム端末等を限定), 2E a 取扱区域 / "
    "seed 図表2-2 (6)①③, (5)①"
)

PHYSICAL = (
    "事業者編 別添1 2E 物理的安全管理措置 (a 区域, b 盗難防止, c 持出し, d 廃棄) / seed 図表2-2 (5)"
)

# Roles that never see a number (DESIGN.md §4 separation of duties).
NUMBER_BLIND_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    reach: Reach
    permissions: frozenset[Permission]
    source: str


_NUMBER_WORK = NUMBER_PERMISSIONS  # acquire, read, look up, correct, provide, export


def _manager_like(role: Role) -> tuple[Grant, ...]:
    """事務取扱責任者 and its agency variants (総括責任者, 保護責任者: 行政機関等編 別添1 2C a)."""
    return (
        Grant(
            role,
            Reach.ORGANISATION,
            frozenset(
                {
                    # Defining what numbers may be used for, and adding an affair to a
                    # number held (利用目的の変更), is the 責任者's decision.
                    Permission.AFFAIR_MANAGE,
                    Permission.AFFAIR_READ,
                    # 別添1 2E: the areas, devices and their take-outs and disposals are
                    # the 責任者's to keep; approving a take-out is theirs (two people).
                    Permission.AREA_MANAGE,
                    Permission.AREA_READ,
                    Permission.ASSIGNMENT_MANAGE,
                    Permission.COMPLIANCE_READ,
                    Permission.COMPLIANCE_RECORD,
                    Permission.DEVICE_DISPOSE,
                    Permission.DEVICE_MANAGE,
                    Permission.DEVICE_READ,
                    Permission.DISPOSAL_CONFIRM,
                    Permission.DISPOSAL_READ,
                    Permission.DISPOSAL_RUN,
                    Permission.EXPORT_APPROVE,
                    # 別添1 2C d / 別添2 2: the 責任者 runs the incident response and reports.
                    Permission.INCIDENT_MANAGE,
                    Permission.INCIDENT_READ,
                    Permission.INSPECTION_READ,
                    Permission.INSPECTION_RECORD,
                    Permission.KEYRING_SEAL,
                    Permission.MEDIA_TAKEOUT_APPROVE,
                    Permission.MEDIA_TAKEOUT_REQUEST,
                    # 委託先の監督 (番号法第11条) is the 責任者's duty; its register holds no SPI.
                    Permission.PARTNER_MANAGE,
                    Permission.PARTNER_READ,
                    Permission.PERSON_CREATE,
                    Permission.PERSON_READ,
                    Permission.PERSON_UPDATE,
                    # The 基本方針 and 取扱規程 are drafted and approved by the 責任者
                    # (policies/rules.py says who may approve whose version).
                    Permission.POLICY_APPROVE,
                    Permission.POLICY_DRAFT,
                    Permission.POLICY_READ,
                    Permission.RETENTION_MANAGE,
                    Permission.TRAINING_MANAGE,
                    Permission.TRAINING_READ,
                }
            ),
            MANAGER_DUTIES,
        ),
        # A manager handles numbers only for affairs they are assigned to, like a clerk.
        Grant(role, Reach.AFFAIR, _NUMBER_WORK, ACCESS_CONTROL),
    )


GRANTS: tuple[Grant, ...] = (
    Grant(
        Role.ADMIN,
        Reach.ORGANISATION,
        frozenset(
            {
                Permission.AFFAIR_READ,
                # The system administrator registers areas, servers and PCs and imports
                # the access-control system's logs; disposal and take-outs stay managers'.
                Permission.AREA_MANAGE,
                Permission.AREA_READ,
                Permission.ASSIGNMENT_MANAGE,
                Permission.COMPLIANCE_READ,
                # Containment (suspend, revoke, seal, rotate) starts from the incident page.
                Permission.INCIDENT_READ,
                Permission.DEVICE_MANAGE,
                Permission.DEVICE_READ,
                Permission.KEY_READ,
                Permission.KEY_ROTATE,
                # Sealing drops the keys from every session at once: an emergency stop
                # that needs no passphrase (unsealing does; mnvault.deployment.sealing).
                Permission.KEYRING_SEAL,
                Permission.ORGANISATION_MANAGE,
                Permission.PARTNER_MANAGE,
                Permission.PARTNER_READ,
                Permission.PERSON_READ,
                Permission.POLICY_READ,
                Permission.SPI_FILE_MANAGE,
                Permission.USER_MANAGE,
            }
        ),
        ADMIN_NO_CONTENT,
    ),
    Grant(
        Role.AUDITOR,
        Reach.ORGANISATION,
        # audit:prune deletes archived entries past their retention (audit/archive/pruning.py):
        # the auditor's, who keeps the trail, never the admin's, whom it watches.
        frozenset(
            {
                Permission.AFFAIR_READ,
                Permission.AREA_READ,
                Permission.AUDIT_PRUNE,
                Permission.AUDIT_READ,
                Permission.COMPLIANCE_READ,
                Permission.DEVICE_READ,
                Permission.DISPOSAL_READ,
                # 点検・監査 (別添1 2C e): the 監査責任者 holds the audit and records it.
                Permission.INSPECTION_READ,
                Permission.INSPECTION_RECORD,
                Permission.TRAINING_READ,
                Permission.POLICY_READ,
                # The auditor determines the impact scope from the trail (別添2 2C).
                Permission.INCIDENT_READ,
                Permission.PARTNER_READ,
            }
        ),
        AUDIT,
    ),
    *_manager_like(Role.CHIEF_OFFICER),
    # A clerk reads the rules it works by (事業者編 別添1 2D b: 適正な取扱いを周知徹底).
    Grant(
        Role.CLERK,
        Reach.ORGANISATION,
        frozenset({Permission.AFFAIR_READ, Permission.POLICY_READ}),
        CLERKS_DESIGNATED,
    ),
    Grant(
        Role.CLERK,
        Reach.ORGANISATION,
        frozenset({Permission.AREA_READ, Permission.DEVICE_READ, Permission.MEDIA_TAKEOUT_REQUEST}),
        PHYSICAL,
    ),
    Grant(
        Role.CLERK,
        Reach.ASSIGNED,
        frozenset({Permission.PERSON_CREATE, Permission.PERSON_READ, Permission.PERSON_UPDATE}),
        ACCESS_CONTROL,
    ),
    Grant(Role.CLERK, Reach.AFFAIR, _NUMBER_WORK, ACCESS_CONTROL),
    *_manager_like(Role.MANAGER),
    *_manager_like(Role.PROTECTION_MANAGER),
)


def _check(grants: tuple[Grant, ...]) -> None:
    """Refuse, at import, a table that breaks what must hold by construction."""
    seen: set[tuple[Role, Permission]] = set()
    for grant in grants:
        if grant.role in NUMBER_BLIND_ROLES and grant.permissions & (
            RETURNS_NUMBER | NUMBER_PERMISSIONS
        ):
            raise ValueError(f"{grant.role} may not hold a number permission")
        if grant.reach is not Reach.AFFAIR and grant.permissions & NUMBER_PERMISSIONS:
            raise ValueError(f"{grant.role}: number permissions need an affair reach")
        for permission in grant.permissions:
            if (grant.role, permission) in seen:
                raise ValueError(f"{grant.role} × {permission} granted twice")
            seen.add((grant.role, permission))


_check(GRANTS)


def _index(grants: tuple[Grant, ...]) -> Mapping[tuple[str, str], Reach]:
    return MappingProxyType({(str(g.role), str(p)): g.reach for g in grants for p in g.permissions})


# (role, permission) -> reach: the table as the plain evaluator reads it.
REACH: Mapping[tuple[str, str], Reach] = _index(GRANTS)

# Actions the organisation's conditions (office hours, handling area) apply to.
CONDITIONED_ACTIONS = frozenset(str(p) for p in SPI_PERMISSIONS)


def source_of(role: Role, permission: Permission) -> str | None:
    for grant in GRANTS:
        if grant.role is role and permission in grant.permissions:
            return grant.source
    return None
