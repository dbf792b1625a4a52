"""The incident rules the routes, pages and commands call."""

from __future__ import annotations

from typing import Any

from mnvault.incidents import rules
from mnvault.incidents.facts import parse


def assess_facts(raw: object) -> dict[str, Any]:
    """The assessment of facts given as decoded JSON (``mnvault incident assess``, the API):
    exactly the object issue #17 specifies."""
    return rules.assess(parse(raw)).as_json()
