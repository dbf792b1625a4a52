"""The questions the trail answers (DESIGN.md §6; the guidelines' records of use and the
facts an incident response needs: 影響範囲の特定).

Each question needs ``audit:read`` in the asking organisation, sees only that
organisation's entries, and is itself recorded (who asked what, never the answer).
Answers hold person ids and affair codes, never a number: the trail holds none.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.numbers import redact
from mnvault.vault.errors import NotFound
from mnvault.vault.models import Person

# What takes numbers out of the vault's keeping: exported, taken out, provided, disposed.
TRANSFER_ACTIONS = (
    AuditAction.EXPORT_CREATE,
    AuditAction.NUMBER_DISPOSE,
    AuditAction.PROVISION_CREATE,
)


class ActivityKind(StrEnum):
    """The kinds of activity an auditor asks about by name (事業者編 別添1 2C b
    取扱規程等に基づく運用; seed 図表2-1 (3)②: records of
    output, take-out, provision and deletion)."""

    DISPOSALS = "disposals"
    EXPORTS = "exports"
    PROVISIONS = "provisions"
    TAKE_OUTS = "take-outs"


# An export is asked for, then decided by a second person (the workflow: 持出しの申請・
# 承認); the take-out is the encrypted file actually leaving the vault (持出し).
ACTIVITY_ACTIONS: Mapping[ActivityKind, tuple[AuditAction, ...]] = {
    ActivityKind.DISPOSALS: (AuditAction.NUMBER_DISPOSE,),
    ActivityKind.EXPORTS: (
        AuditAction.EXPORT_APPROVE,
        AuditAction.EXPORT_REJECT,
        AuditAction.EXPORT_REQUEST,
    ),
    ActivityKind.PROVISIONS: (AuditAction.PROVISION_CREATE,),
    ActivityKind.TAKE_OUTS: (AuditAction.EXPORT_CREATE,),
}


def actions_of(kinds: Sequence[ActivityKind]) -> tuple[AuditAction, ...]:
    """The actions behind the kinds asked for, each once, in a stable order."""
    return tuple(sorted({action for kind in kinds for action in ACTIVITY_ACTIONS[kind]}))


@dataclass(frozen=True, slots=True)
class Use:
    """One entry about a person: who, when, what, for which affair, from where."""

    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    action: str
    outcome: str
    affair_code: str | None
    request_id: str | None
    client_address: str | None


@dataclass(frozen=True, slots=True)
class ImpactScope:
    """Which persons and affairs a principal touched in a window, from how many entries."""

    persons: list[uuid.UUID]
    affairs: list[str]
    entries: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class Transfer:
    """One export, take-out, provision or disposal (a bulk one is one row, with its count)."""

    action: str
    occurred_at: datetime
    actor_id: uuid.UUID | None
    affair_code: str | None
    request_id: str | None
    persons: int


def _window(since: datetime | None, until: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if since is not None:
        conditions.append(AuditEntry.occurred_at >= since)
    if until is not None:
        conditions.append(AuditEntry.occurred_at < until)
    return conditions


def _asked(session: Session, context: Context, question: str, **about: Any) -> None:
    authorize(session, context, Permission.AUDIT_READ)
    shown = {key: str(value) for key, value in about.items() if value is not None}
    audit.record(session, context, AuditAction.AUDIT_QUERY, details={"question": question, **shown})


def person_of_reference(session: Session, context: Context, external_ref: str) -> uuid.UUID:
    """The person an auditor names by their external id (社員番号 …) rather than the
    vault's id. Authorized as the question itself; the reference is never recorded (a
    number typed there must not reach the trail), only the person it names."""
    authorize(session, context, Permission.AUDIT_READ)
    found = session.scalar(
        select(Person.id).where(
            Person.organisation_id == context.organisation_id,
            Person.external_ref == external_ref.strip(),
        )
    )
    if found is None:
        shown = redact(external_ref.strip())
        raise NotFound(f"社員番号等 {shown}", f"external id {shown}")
    return found


def uses_of_person(
    session: Session,
    context: Context,
    person_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Use]:
    """Who used this person's number (and record), when, and for which affair."""
    _asked(session, context, "uses_of_person", person_id=person_id, since=since, until=until)
    rows = session.execute(
        select(
            AuditEntry.seq,
            AuditEntry.occurred_at,
            AuditEntry.actor_id,
            AuditEntry.action,
            AuditEntry.outcome,
            AuditEntry.affair_code,
            AuditEntry.request_id,
            AuditEntry.client_address,
        )
        .where(
            AuditEntry.person_id == person_id,
            AuditEntry.organisation_id == context.organisation_id,
            *_window(since, until),
        )
        .order_by(AuditEntry.seq)
    )
    return [Use(*row) for row in rows]


def impact_scope(
    session: Session,
    context: Context,
    *,
    since: datetime,
    until: datetime,
    actor_id: uuid.UUID | None = None,
    client_address: str | None = None,
    token_id: uuid.UUID | None = None,
) -> ImpactScope:
    """The persons and affairs an account, a client address or an API token touched.

    A token is traced through its own ``token:use`` entries: each names the request it
    authenticated, and the entries of that request are what the token did (not all that
    its account did from the same address). ``token:use`` entries written before they
    carried the request (issue #11) trace nothing.
    """
    _asked(
        session,
        context,
        "impact_scope",
        actor_id=actor_id,
        client_address=client_address,
        token_id=token_id,
        since=since,
        until=until,
    )
    conditions: list[Any] = [
        AuditEntry.organisation_id == context.organisation_id,
        *_window(since, until),
    ]
    if actor_id is not None:
        conditions.append(AuditEntry.actor_id == actor_id)
    if client_address is not None:
        conditions.append(AuditEntry.client_address == client_address)
    if token_id is not None:
        conditions.append(AuditEntry.request_id.in_(_token_requests(context, token_id)))
    if len(conditions) == 1 + len(_window(since, until)):
        raise ValueError("name an account, a client address or a token")
    # Distinct and sorted in the database: a busy account touches tens of thousands of
    # persons a month, and Python compares UUIDs slowly. Both backends order UUIDs by
    # their bytes, as uuid.UUID does. Read raw (no per-row type processing), then made
    # UUIDs here: PostgreSQL's driver hands back UUIDs, SQLite the 16 bytes.
    raw: Any = type_coerce(AuditEntry.person_id, NullType())
    persons = [
        value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=bytes(value))
        for value in session.scalars(
            select(raw)
            .where(*conditions, AuditEntry.person_id.is_not(None))
            .distinct()
            .order_by(raw)
        )
    ]
    affairs = session.scalars(
        select(AuditEntry.affair_code)
        .where(*conditions, AuditEntry.person_id.is_not(None), AuditEntry.affair_code.is_not(None))
        .distinct()
        .order_by(AuditEntry.affair_code)
    ).all()
    count, first_at, last_at = session.execute(
        select(
            func.count(), func.min(AuditEntry.occurred_at), func.max(AuditEntry.occurred_at)
        ).where(*conditions)
    ).one()
    return ImpactScope(persons, [a for a in affairs if a], count, first_at, last_at)


def _token_requests(context: Context, token_id: uuid.UUID) -> Select[str | None]:
    """The requests this token authenticated (its ``token:use`` entries name them)."""
    return select(AuditEntry.request_id).where(
        AuditEntry.action == str(AuditAction.TOKEN_USE),
        AuditEntry.organisation_id == context.organisation_id,
        AuditEntry.request_id.is_not(None),
        AuditEntry.details["token_id"].as_string() == str(token_id),
    )


def transfers(
    session: Session,
    context: Context,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actions: Sequence[AuditAction] = TRANSFER_ACTIONS,
) -> list[Transfer]:
    """What was exported, taken out, provided or disposed of in a period."""
    _asked(
        session,
        context,
        "transfers",
        since=since,
        until=until,
        actions=",".join(sorted(str(action) for action in actions)),
    )
    rows = session.execute(
        select(
            AuditEntry.action,
            func.min(AuditEntry.occurred_at),
            AuditEntry.actor_id,
            AuditEntry.affair_code,
            AuditEntry.request_id,
            func.count(AuditEntry.person_id),
        )
        .where(
            AuditEntry.organisation_id == context.organisation_id,
            AuditEntry.action.in_([str(action) for action in actions]),
            *_window(since, until),
        )
        .group_by(
            AuditEntry.action, AuditEntry.actor_id, AuditEntry.affair_code, AuditEntry.request_id
        )
        .order_by(func.min(AuditEntry.seq))
    )
    return [Transfer(*row) for row in rows]
