"""Audit actions as one sorted ``resource:action`` enum."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    ACCESS_DENIED = "access:denied"
    ACCESS_CONDITIONS_UPDATE = "access_conditions:update"
    ASSIGNMENT_CREATE = "assignment:create"
    ASSIGNMENT_UPDATE = "assignment:update"
    AUDIT_QUERY = "audit:query"
    AUDIT_REPORT = "audit:report"
    AUTH_LOCKOUT = "auth:lockout"
    AUTH_LOGIN = "auth:login"
    AUTH_LOGIN_FAILED = "auth:login_failed"
    AUTH_LOGOUT = "auth:logout"
    AUTH_LOGOUT_ALL = "auth:logout_all"
    AUTH_PASSWORD_CHANGE = "auth:password_change"
    AUTH_PASSWORD_RESET = "auth:password_reset"
    AUTH_SECOND_FACTOR = "auth:second_factor"
    AUTH_TOTP_ENROL = "auth:totp_enrol"
    DEPARTMENT_CREATE = "department:create"
    DOCUMENT_STORE = "document:store"
    EXPORT_APPROVE = "export:approve"
    EXPORT_CREATE = "export:create"
    EXPORT_REJECT = "export:reject"
    EXPORT_REQUEST = "export:request"
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
    TOKEN_CREATE = "token:create"
    TOKEN_REVOKE = "token:revoke"
    TOKEN_USE = "token:use"
    USER_CREATE = "user:create"


class Outcome(StrEnum):
    DENIED = "denied"
    FAILED = "failed"
    OK = "ok"
