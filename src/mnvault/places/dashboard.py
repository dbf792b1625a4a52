"""The places package's lines under "needs attention" on the dashboard:
媒体持出しの承認待ち・返却期限."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.places import services

panels.register(
    "places", {Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER}, services.attention
)
