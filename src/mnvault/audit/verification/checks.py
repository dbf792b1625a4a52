""" "Verify now" from the screens: the whole trail checked as ``mnvault audit verify`` does,
and the result recorded (``audit:verify``) so the dashboard can say when it last held.

事業者編 別添1 2C e (取扱状況の把握及び安全管理措置の見直し): the auditor checks that the
record of handling is intact; DESIGN.md §6: verify names the first entry that breaks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, desc, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.audit.signed_head import SignedHead
from mnvault.audit.verification import verify as audit_verify
from mnvault.audit.verification.cadence import Cadence
from mnvault.audit.verification.findings import Finding


@dataclass(frozen=True)
class Checked:
    ok: bool
    entries: int
    checkpoints: int
    witnessed: int
    signed_through: int
    pruned_through: int
    first: Finding | None
    findings: list[Finding]
    last_checkpoint: AuditCheckpoint | None
    entry_seq: int  # the verification's own audit entry


def verify_now(
    session: Session,
    context: Context,
    *,
    engine: Engine,
    trusted_keys: list[bytes],
    witness_path: Path | None,
    last_signed: SignedHead | None = None,
    cadence: Cadence | None = None,
) -> Checked:
    """Verify the trail in one process (a web request must not fork workers), trusting
    ``trusted_keys`` alone: never a key the witness names (whoever rewrites the database
    can replace the witness and sign with a key of their own)."""
    authorize(session, context, Permission.AUDIT_READ)
    report = audit_verify.verify_database(
        engine, trusted_keys, witness_path, processes=1, last_signed=last_signed, cadence=cadence
    )
    first = report.first
    entry = audit.record(
        session,
        context,
        AuditAction.AUDIT_VERIFY,
        outcome=Outcome.OK if report.ok else Outcome.FAILED,
        details={
            "entries": report.entries,
            "signed_through": report.signed_through,
            "first_problem": str(first.problem) if first else None,
            "first_seq": first.first_seq if first else None,
        },
    )
    last = session.scalar(select(AuditCheckpoint).order_by(desc(AuditCheckpoint.id)).limit(1))
    return Checked(
        report.ok, report.entries, report.checkpoints, report.witnessed, report.signed_through,
        report.pruned_through, first, list(report.findings), last, entry.seq,
    )  # fmt: skip


@dataclass(frozen=True)
class LastCheck:
    at: datetime
    by: uuid.UUID | None
    ok: bool
    signed_through: int | None


def last_verification(session: Session, context: Context) -> LastCheck | None:
    """The latest "verify now" in this organisation, from the trail itself."""
    authorize(session, context, Permission.AUDIT_READ)
    entry = session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.organisation_id == context.organisation_id,
            AuditEntry.action == str(AuditAction.AUDIT_VERIFY),
        )
        .order_by(desc(AuditEntry.seq))
        .limit(1)
    )
    if entry is None:
        return None
    details = entry.details or {}
    return LastCheck(
        entry.occurred_at, entry.actor_id, entry.outcome == str(Outcome.OK),
        details.get("signed_through"),
    )  # fmt: skip
