"""The partners package's lines under "needs attention" on the dashboard: supervision due,
再委託 awaiting approval, contracts past their term, return or disposal after an end."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.partners import services

panels.register(
    "partners",
    {Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER, Role.ADMIN},
    services.attention,
)
