"""Moved to tests/support/ (issue #12); re-exported for tests that use the old name."""

from tests.support.cli import (
    MNVAULT,
    first_sign_in,
    fresh_code,
    mnvault,
    secret_of,
)

__all__ = [
    "MNVAULT",
    "first_sign_in",
    "fresh_code",
    "mnvault",
    "secret_of",
]
