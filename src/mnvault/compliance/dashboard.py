"""The compliance spine on the dashboard (mnvault.dashboard.panels): one line per 別添1
group, and the measures overdue or due within 30 days, for a manager."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mnvault.access.models import Role
from mnvault.compliance import services
from mnvault.context import Context
from mnvault.dashboard import panels


def _compliance(session: Session, context: Context, _where: panels.Where) -> dict[str, Any]:
    report = services.status(session, context)
    return {"groups": report.groups(), "due": services.due_of(report)}


panels.section("compliance", {Role.MANAGER}, "compliance/_dashboard.html", _compliance, order=40)
