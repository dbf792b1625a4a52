"""Audit actions as one sorted ``resource:action`` enum."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    ACCESS_DENIED = "access:denied"
    ASSIGNMENT_CREATE = "assignment:create"
    AUTH_LOGIN = "auth:login"
    AUTH_LOGIN_FAILED = "auth:login_failed"
    DEPARTMENT_CREATE = "department:create"
    EXPORT_CREATE = "export:create"
    IMPORT_FINISH = "import:finish"
    IMPORT_START = "import:start"
    KEYRING_CREATE = "keyring:create"
    NUMBER_ACQUIRE = "number:acquire"
    NUMBER_CORRECT = "number:correct"
    NUMBER_DISPOSE = "number:dispose"
    NUMBER_LOOKUP = "number:lookup"
    NUMBER_READ = "number:read"
    ORGANISATION_CREATE = "organisation:create"
    PERSON_CREATE = "person:create"
    PERSON_READ = "person:read"
    PROVISION_CREATE = "provision:create"
    ROLE_GRANT = "role:grant"
    SPI_FILE_CREATE = "spi_file:create"
    USER_CREATE = "user:create"


class Outcome(StrEnum):
    DENIED = "denied"
    FAILED = "failed"
    OK = "ok"
