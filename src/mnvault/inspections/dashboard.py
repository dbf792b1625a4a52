"""The inspections package's lines under "needs attention" on the dashboard:
点検・監査と是正措置の期限."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.inspections import services

panels.register(
    "inspections",
    {Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER, Role.AUDITOR},
    services.attention,
)
