"""Issue #11: archiving and pruning the trail need a signed-in user with the permission
(archive: ``audit:read``; prune: ``audit:prune``, the auditor's alone) and the entries
that record them name that user; a refusal is audited and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.archive import pruning
from mnvault.audit.models import AuditEntry
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from tests.test_audit_prune import Trail, trail

__all__ = ["trail"]


def _archive(trail: Trail, who: str, out: Path) -> object:
    world = trail.world
    # The world's sessions share one connection; a refusal never reaches the engine.
    engine = world.sessions.kw["bind"].engine
    return pruning.archive_as(
        engine, world.sessions, world.ctx(who), out=out, before=utcnow(), key=trail.key
    )


def _prune(trail: Trail, who: str, path: Path) -> pruning.Pruned:
    moment = utcnow() + timedelta(seconds=1)
    with unit_of_work(trail.world.sessions) as session:
        return pruning.prune_as(
            session, trail.world.ctx(who), path, before=moment - timedelta(seconds=1),
            retention_days=0,
        )  # fmt: skip


def _last(trail: Trail) -> AuditEntry:
    with trail.world.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def test_who_may_not_read_the_trail_cannot_archive_it(trail: Trail, tmp_path: Path):
    """Refused before anything is written, and audited (the auditor's archive, and its
    entry naming them, run end to end in test_audit_cli_retention.py)."""
    for who in ("clerk", "manager"):
        with pytest.raises(AuthorizationDenied):
            _archive(trail, who, tmp_path / f"{who}.jsonl")
        assert not (tmp_path / f"{who}.jsonl").exists()
        denied = _last(trail)
        assert (denied.action, denied.actor_id) == ("access:denied", trail.world.users[who].id)


def test_only_the_auditor_prunes_and_the_prune_entry_names_them(trail: Trail, tmp_path: Path):
    path = tmp_path / "a.jsonl"
    trail.archive(path)
    with trail.world.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    for who in ("admin", "clerk", "manager"):
        with pytest.raises(AuthorizationDenied):
            _prune(trail, who, path)
        assert _last(trail).action == "access:denied"
    with trail.world.sessions() as session:
        # Nothing was deleted: only the refusals were added.
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 3
    done = _prune(trail, "auditor", path)
    with trail.world.sessions() as session:
        record = session.get(AuditEntry, done.record_seq)
        assert record is not None and record.action == "audit:prune"
        assert record.actor_id == trail.world.users["auditor"].id
