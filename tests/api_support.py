"""Moved to tests/support/ (issue #12); re-exported for tests that use the old name."""

from tests.support.api import (
    ASSIGNED,
    DEPENDENT_DECLARATION,
    ORGANISATION_CODE,
    PASSPHRASE,
    PASSWORD,
    SLIP,
    SYSTEM_USERS,
    USERS,
    Api,
    acquire,
    api,
    bearer,
    open_api,
    system_token,
)

__all__ = [
    "ASSIGNED",
    "DEPENDENT_DECLARATION",
    "ORGANISATION_CODE",
    "PASSPHRASE",
    "PASSWORD",
    "SLIP",
    "SYSTEM_USERS",
    "USERS",
    "Api",
    "acquire",
    "api",
    "bearer",
    "open_api",
    "system_token",
]
