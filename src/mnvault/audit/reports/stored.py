"""Periodic analysis reports made from the screens, kept for auditors to open again.

The trail is the index: each report is its own ``audit:report`` entry (who made it, for
which period); the rendered HTML is kept in the data directory under that entry's
sequence number, and the PDF is rendered from it when someone downloads it. Reports name
accounts and person ids, never a number (the trail holds none).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import period
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.audit.questions.answers import logins_of
from mnvault.audit.reports import periodic, report
from mnvault.vault.errors import NotFound

FOLDER = "audit-reports"
LISTED = 20


@dataclass(frozen=True)
class Kept:
    seq: int
    produced_at: datetime
    produced_by: str | None
    since: date | None
    until: date | None  # included
    available: bool


def _path(root: Path, organisation_id: uuid.UUID, seq: int) -> Path:
    return root / FOLDER / organisation_id.hex / f"{seq}.html"


def generate(session: Session, context: Context, *, root: Path, since: date, until: date) -> int:
    """Analyse ``[since, until]`` and keep the HTML; the report's audit entry number."""
    found = periodic.gather(session, context, since=since, until=until)
    path = _path(root, context.organisation_id, found.entry_seq)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.render_html(found), encoding="utf-8")
    return found.entry_seq


def latest(session: Session, context: Context, *, root: Path, limit: int = LISTED) -> list[Kept]:
    authorize(session, context, Permission.AUDIT_READ)
    entries = list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.organisation_id == context.organisation_id,
                AuditEntry.action == str(AuditAction.AUDIT_REPORT),
            )
            .order_by(desc(AuditEntry.seq))
            .limit(limit)
        )
    )
    logins = logins_of(session, [e.actor_id for e in entries])
    zone = period.zone_of(session, context.organisation_id)

    def day(raw: object, *, end: bool) -> date | None:
        try:
            local = datetime.fromisoformat(str(raw)).astimezone(zone)
        except ValueError:
            return None
        # The window's end is exclusive: the last day included is the one before.
        return (local - timedelta(days=1)).date() if end else local.date()

    return [
        Kept(
            e.seq,
            e.occurred_at,
            logins.get(e.actor_id) if e.actor_id else None,
            day((e.details or {}).get("from"), end=False),
            day((e.details or {}).get("to"), end=True),
            _path(root, context.organisation_id, e.seq).exists(),
        )
        for e in entries
    ]


def html_of(session: Session, context: Context, *, root: Path, seq: int) -> str:
    authorize(session, context, Permission.AUDIT_READ)
    path = _path(root, context.organisation_id, seq)
    if not path.exists():
        raise NotFound(f"報告書 {seq}", f"report {seq}")
    return path.read_text(encoding="utf-8")


def pdf_of(session: Session, context: Context, *, root: Path, seq: int) -> bytes:
    return report.render_pdf(html_of(session, context, root=root, seq=seq))
