"""The context every service call carries: who, in which organisation, for which affair."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Context:
    actor_id: uuid.UUID
    organisation_id: uuid.UUID
    affair_code: str | None = None
    purpose: str | None = None
    request_id: str = field(default_factory=new_request_id)
    client_address: str | None = None
    channel: str = "cli"

    def for_affair(self, affair_code: str) -> Context:
        return replace(self, affair_code=affair_code)
