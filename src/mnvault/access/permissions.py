"""Permissions as one sorted ``resource:action`` enum, and the classes the policy reads.

Which role holds which permission, and how far it reaches, is the policy table in
``mnvault.access.policy.table``.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    AFFAIR_MANAGE = "affair:manage"
    AFFAIR_READ = "affair:read"
    AREA_MANAGE = "area:manage"
    AREA_READ = "area:read"
    ASSIGNMENT_MANAGE = "assignment:manage"
    AUDIT_PRUNE = "audit:prune"
    AUDIT_READ = "audit:read"
    COMPLIANCE_READ = "compliance:read"
    COMPLIANCE_RECORD = "compliance:record"
    DEVICE_DISPOSE = "device:dispose"
    DEVICE_MANAGE = "device:manage"
    DEVICE_READ = "device:read"
    DISPOSAL_CONFIRM = "disposal:confirm"
    DISPOSAL_READ = "disposal:read"
    DISPOSAL_RUN = "disposal:run"
    EXPORT_APPROVE = "export:approve"
    EXPORT_CREATE = "export:create"
    INCIDENT_MANAGE = "incident:manage"
    INCIDENT_READ = "incident:read"
    INSPECTION_READ = "inspection:read"
    INSPECTION_RECORD = "inspection:record"
    KEY_READ = "key:read"
    KEY_ROTATE = "key:rotate"
    KEYRING_SEAL = "keyring:seal"
    MEDIA_TAKEOUT_APPROVE = "media_takeout:approve"
    MEDIA_TAKEOUT_REQUEST = "media_takeout:request"
    NUMBER_ACQUIRE = "number:acquire"
    NUMBER_CORRECT = "number:correct"
    NUMBER_LOOKUP = "number:lookup"
    NUMBER_READ = "number:read"
    ORGANISATION_MANAGE = "organisation:manage"
    PARTNER_MANAGE = "partner:manage"
    PARTNER_READ = "partner:read"
    PERSON_CREATE = "person:create"
    PERSON_READ = "person:read"
    PERSON_UPDATE = "person:update"
    POLICY_APPROVE = "policy:approve"
    POLICY_DRAFT = "policy:draft"
    POLICY_READ = "policy:read"
    PROVISION_CREATE = "provision:create"
    RETENTION_MANAGE = "retention:manage"
    SPI_FILE_MANAGE = "spi_file:manage"
    TRAINING_MANAGE = "training:manage"
    TRAINING_READ = "training:read"
    USER_MANAGE = "user:manage"


# Permissions that reveal, search by, store or carry a number out; each also needs an
# assignment to the affair named in the context (番号法第9条: use is bound to an affair).
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

# Permissions whose answer contains a number (the plain number, or a file holding
# numbers). The policy table refuses to give any of them to a number-blind role.
RETURNS_NUMBER = frozenset({Permission.EXPORT_CREATE, Permission.NUMBER_READ})

# Permissions that handle SPI (persons and their numbers): the organisation's office
# hours and handling-area networks apply to these. Administration and audit do not
# handle SPI, and an auditor must be able to read the trail during an incident at night.
SPI_PERMISSIONS = NUMBER_PERMISSIONS | {
    Permission.DISPOSAL_CONFIRM,
    Permission.DISPOSAL_READ,
    Permission.DISPOSAL_RUN,
    Permission.EXPORT_APPROVE,
    Permission.PERSON_CREATE,
    Permission.PERSON_READ,
    Permission.PERSON_UPDATE,
}
