"""The incidents package's lines under "needs attention" on the dashboard:
漏えい等事案の報告期限."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.incidents import services

panels.register(
    "incidents", {Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER}, services.attention
)
