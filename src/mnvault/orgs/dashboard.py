"""The organisation's own standing on the dashboard: an administrator is asked for the
中小規模事業者 answers when they are missing or no longer admit the relief (orgs/standing.py)."""

from __future__ import annotations

from mnvault.access.models import Role
from mnvault.dashboard import panels
from mnvault.orgs import standing

panels.register("organisation-standing", {Role.ADMIN}, standing.attention)
