"""The training package's lines under "needs attention" on the dashboard:
研修の未受講と誓約書."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.training import services

panels.register(
    "training",
    {Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER, Role.AUDITOR},
    services.attention,
)
