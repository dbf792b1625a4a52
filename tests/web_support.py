"""Moved to tests/support/ (issue #12); re-exported for tests that use the old name."""

from tests.support.web import (
    CSRF,
    Browser,
    Web,
    csrf_of,
    web,
)

__all__ = [
    "CSRF",
    "Browser",
    "Web",
    "csrf_of",
    "web",
]
