"""Disposal's panels on the dashboard (mnvault.dashboard.panels): a manager's batches
waiting for a decision and the numbers falling due."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from mnvault.access.models import Role
from mnvault.context import Context
from mnvault.dashboard import panels
from mnvault.disposal import batches
from mnvault.disposal import services as retention
from mnvault.disposal.models import BatchState, DisposalBatch

WAITING = {BatchState.PLANNED, BatchState.CONFIRMED, BatchState.EXECUTED}


def _batches(session: Session, context: Context, _where: panels.Where) -> list[DisposalBatch]:
    return [b for b in batches.list_batches(session, context) if b.state in WAITING]


def _due(session: Session, context: Context, _where: panels.Where) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {"notices": retention.reminders(session, context, today=today)}


panels.section(
    "disposal-batches", {Role.MANAGER}, "disposal/_dashboard_batches.html", _batches, order=21
)
panels.section("disposal-due", {Role.MANAGER}, "disposal/_dashboard_due.html", _due, order=30)
