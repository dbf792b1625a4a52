"""Moved to tests/support/ (issue #12); re-exported for tests that use the old name."""

from tests.support.disposal import (
    PASSPHRASE,
    add_api_manager,
    add_manager,
    add_persons,
    keyring_of,
    no_grace,
    own_envelope,
    read_number,
)

__all__ = [
    "PASSPHRASE",
    "add_api_manager",
    "add_manager",
    "add_persons",
    "keyring_of",
    "no_grace",
    "own_envelope",
    "read_number",
]
