"""The policies package's lines under "needs attention" on the dashboard:
基本方針・取扱規程の改訂提案."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.policies import services

panels.register(
    "policies", {Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER}, services.attention
)
