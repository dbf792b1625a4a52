"""Reading the trail on the auditor's screens: a search, and one entry's place in the chain.

Both need ``audit:read`` and are themselves recorded (``audit:query``: who searched for
what, never the answer). The trail holds no number, so neither can show one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import desc, func, select, text
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, user_by_reference
from mnvault.audit import period, trail
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.audit.questions.answers import logins_of
from mnvault.audit.questions.queries import _asked
from mnvault.numbers import redact
from mnvault.vault.errors import InvalidInput, NotFound

PAGE = 50


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # a login
    action: str = ""
    person_id: uuid.UUID | None = None
    since: date | None = None
    until: date | None = None  # included
    offset: int = 0


@dataclass
class Page:
    entries: list[AuditEntry]
    logins: dict[uuid.UUID, str]
    total: int
    offset: int
    size: int = PAGE

    @property
    def previous(self) -> int | None:
        return max(self.offset - self.size, 0) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.size if self.offset + self.size < self.total else None


def actions(session: Session, context: Context) -> list[str]:
    """The actions this organisation's trail holds, for the filter's choices."""
    authorize(session, context, Permission.AUDIT_READ)
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.organisation_id == context.organisation_id)
            .distinct()
            .order_by(AuditEntry.action)
        )
    )


def user_id(session: Session, context: Context, login: str) -> uuid.UUID:
    """The account a filter names: a login of this organisation, or CODE:LOGIN for a
    member whose home is another (shown redacted if it is not one). Logins are per
    organisation: a bare login never finds another organisation's user (issue #3)."""
    authorize(session, context, Permission.AUDIT_READ)
    found = user_by_reference(session, context, login)
    if found is None:
        shown = redact(login)
        raise InvalidInput(f"利用者 {shown} はいません", f"no user {shown}")
    return found.id


def search(session: Session, context: Context, filters: Filters) -> Page:
    """Entries of the organisation matching ``filters``, newest first, one page."""
    _asked(
        # What was typed is recorded redacted: a number typed into a filter stays out.
        session, context, "trail_search", actor=redact(filters.actor) or None,
        action=redact(filters.action) or None, person_id=filters.person_id, since=filters.since,
        until=filters.until, offset=filters.offset or None,
    )  # fmt: skip
    zone = period.zone_of(session, context.organisation_id)
    start, stop = period.window(filters.since, filters.until, zone)
    conditions: list[Any] = [AuditEntry.organisation_id == context.organisation_id]
    if filters.actor:
        conditions.append(AuditEntry.actor_id == user_id(session, context, filters.actor))
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    if filters.person_id is not None:
        conditions.append(AuditEntry.person_id == filters.person_id)
    if start is not None:
        conditions.append(AuditEntry.occurred_at >= start)
    if stop is not None:
        conditions.append(AuditEntry.occurred_at < stop)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    entries = list(
        session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(desc(AuditEntry.seq))
            .offset(filters.offset)
            .limit(PAGE)
        )
    )
    return Page(entries, logins_of(session, [e.actor_id for e in entries]), int(total),
                filters.offset)  # fmt: skip


@dataclass
class ChainStatus:
    """One entry and its links: does its hash match its fields, does it follow the entry
    before it, does the next one follow it, and which signed checkpoint covers it."""

    entry: AuditEntry
    actor_login: str | None
    hash_matches: bool
    follows_previous: bool | None  # None: the first entry (or the one before was pruned)
    followed_by_next: bool | None  # None: the newest entry
    checkpoint: AuditCheckpoint | None
    hashes: dict[str, str] = field(default_factory=dict)


def _raw(session: Session, seqs: list[int]) -> dict[int, trail.TrailEntry]:
    # Raw driver values, like verification reads them: no type processing to trust.
    marks = ", ".join(f":s{i}" for i in range(len(seqs)))
    rows = session.execute(
        text(f"{trail.ENTRIES_SQL} WHERE seq IN ({marks})"),
        {f"s{i}": seq for i, seq in enumerate(seqs)},
    )
    found = (trail.canonical_entry(tuple(row)) for row in rows)
    return {entry.seq: entry for entry in found}


def chain_status(session: Session, context: Context, seq: int) -> ChainStatus:
    _asked(session, context, "entry_chain_status", seq=seq)
    entry = session.get(AuditEntry, seq)
    if entry is None or entry.organisation_id != context.organisation_id:
        raise NotFound(f"監査記録 {seq} 番", f"audit entry {seq}")
    raw = _raw(session, [seq - 1, seq, seq + 1])
    own = raw[seq]
    before, after = raw.get(seq - 1), raw.get(seq + 1)
    checkpoint = session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tree_size >= seq)
        .order_by(AuditCheckpoint.tree_size)
        .limit(1)
    )
    return ChainStatus(
        entry,
        logins_of(session, [entry.actor_id]).get(entry.actor_id) if entry.actor_id else None,
        own.computed_hash() == own.entry_hash,
        None if before is None else before.entry_hash == own.prev_hash,
        None if after is None else after.prev_hash == own.entry_hash,
        checkpoint,
        {"prev_hash": own.prev_hash.hex(), "entry_hash": own.entry_hash.hex()},
    )
