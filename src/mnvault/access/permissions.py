"""Permissions as one sorted ``resource:action`` enum, and which role holds which.

The grant table is data. ``admin`` and ``auditor`` hold nothing that returns a number
(DESIGN.md §4 separation of duties; seed 図表2-2 (6)① 管理権限者による不要なアクセスの制御).
"""

from __future__ import annotations

from enum import StrEnum

from mnvault.access.models import Role


class Permission(StrEnum):
    AFFAIR_READ = "affair:read"
    ASSIGNMENT_MANAGE = "assignment:manage"
    AUDIT_READ = "audit:read"
    DISPOSAL_RUN = "disposal:run"
    EXPORT_CREATE = "export:create"
    KEY_ROTATE = "key:rotate"
    NUMBER_ACQUIRE = "number:acquire"
    NUMBER_CORRECT = "number:correct"
    NUMBER_LOOKUP = "number:lookup"
    NUMBER_READ = "number:read"
    ORGANISATION_MANAGE = "organisation:manage"
    PERSON_CREATE = "person:create"
    PERSON_READ = "person:read"
    PROVISION_CREATE = "provision:create"
    SPI_FILE_MANAGE = "spi_file:manage"
    USER_MANAGE = "user:manage"


# Permissions that reveal, search by, or carry a number out; each also needs an
# assignment to the affair named in the context.
NUMBER_PERMISSIONS = frozenset(
    {
        Permission.EXPORT_CREATE,
        Permission.NUMBER_ACQUIRE,
        Permission.NUMBER_CORRECT,
        Permission.NUMBER_LOOKUP,
        Permission.NUMBER_READ,
        Permission.PROVISION_CREATE,
    }
)

_CLERK = frozenset(
    {
        Permission.AFFAIR_READ,
        Permission.EXPORT_CREATE,
        Permission.NUMBER_ACQUIRE,
        Permission.NUMBER_CORRECT,
        Permission.NUMBER_LOOKUP,
        Permission.NUMBER_READ,
        Permission.PERSON_CREATE,
        Permission.PERSON_READ,
        Permission.PROVISION_CREATE,
    }
)
_MANAGER = _CLERK | {Permission.ASSIGNMENT_MANAGE, Permission.DISPOSAL_RUN}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            Permission.AFFAIR_READ,
            Permission.ASSIGNMENT_MANAGE,
            Permission.KEY_ROTATE,
            Permission.ORGANISATION_MANAGE,
            Permission.PERSON_READ,
            Permission.SPI_FILE_MANAGE,
            Permission.USER_MANAGE,
        }
    ),
    Role.AUDITOR: frozenset({Permission.AFFAIR_READ, Permission.AUDIT_READ}),
    Role.CHIEF_OFFICER: _MANAGER,
    Role.CLERK: _CLERK,
    Role.MANAGER: _MANAGER,
    Role.PROTECTION_MANAGER: _MANAGER,
}
