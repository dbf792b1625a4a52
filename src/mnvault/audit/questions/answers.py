"""The trail's answers for auditors, shaped for the API, the command line and downloads.

The rules of each question (``audit:read``, only the asking organisation's entries,
the question itself recorded) live in mnvault.audit.questions.queries. This module turns the
period the auditor named into instants (mnvault.audit.period), adds the logins of the
accounts involved (an auditor reads "sato", not a UUID) and lays each answer out as
tables (mnvault.audit.questions.tables). Nothing here holds a number: the trail holds none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.audit import period
from mnvault.audit.questions import queries
from mnvault.audit.questions.queries import (
    ACTIVITY_ACTIONS,
    ActivityKind,
    ImpactScope,
    Transfer,
    Use,
)
from mnvault.audit.questions.tables import Cell, Column, Table
from mnvault.vault.errors import InvalidInput


def logins_of(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The logins of accounts named in an answer (only those: nothing else is looked up)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.login).where(User.id.in_(wanted)))
    return {row.id: row.login for row in rows}


def describe(since: datetime | None, until: datetime | None, zone: ZoneInfo) -> str:
    """The window as people read it, in local time (the end is exclusive)."""

    def shown(value: datetime | None, empty: str) -> str:
        return local_time.shown(value, zone) or empty

    return f"{shown(since, '…')} – {shown(until, '…')} ({zone.key})"


def _when(zone: ZoneInfo) -> Column:
    return Column("occurred_at", f"日時（{zone.key}）", f"time ({zone.key})")


ACTOR = Column("actor_id", "操作者ID", "actor id")
LOGIN = Column("actor_login", "操作者", "actor login")
ACTION = Column("action", "操作", "action")
AFFAIR = Column("affair_code", "事務", "affair")
REQUEST = Column("request_id", "要求ID", "request id")


@dataclass(frozen=True, slots=True)
class PersonUsage:
    person_id: uuid.UUID
    since: datetime | None
    until: datetime | None
    zone: ZoneInfo
    uses: list[Use]
    logins: dict[uuid.UUID, str]

    def tables(self) -> list[Table]:
        columns = (
            Column("seq", "記録番号", "seq"),
            _when(self.zone),
            ACTOR,
            LOGIN,
            ACTION,
            Column("outcome", "結果", "outcome"),
            AFFAIR,
            REQUEST,
            Column("client_address", "接続元", "client address"),
        )
        rows: list[tuple[Cell, ...]] = [
            (u.seq, u.occurred_at, u.actor_id, self.logins.get(u.actor_id) if u.actor_id else None,
             u.action, u.outcome, u.affair_code, u.request_id, u.client_address)
            for u in self.uses
        ]  # fmt: skip
        title = (
            f"対象者 {self.person_id} の利用記録 / uses of person {self.person_id}, "
            f"{describe(self.since, self.until, self.zone)}"
        )
        return [Table("uses", title, columns, rows)]


@dataclass(frozen=True, slots=True)
class Impact:
    named: dict[str, str]
    since: datetime
    until: datetime
    zone: ZoneInfo
    scope: ImpactScope

    def tables(self) -> list[Table]:
        window = describe(self.since, self.until, self.zone)
        who = ", ".join(f"{key}={value}" for key, value in self.named.items())
        persons = Table(
            "persons",
            f"影響を受けうる対象者 / persons touched: {who}, {window}",
            (Column("person_id", "対象者ID", "person id"),),
            [(p,) for p in self.scope.persons],
        )
        affairs = Table(
            "affairs",
            f"関係する事務 / affairs involved: {who}, {window}",
            (AFFAIR,),
            [(a,) for a in self.scope.affairs],
        )
        summary = Table(
            "summary",
            f"影響範囲の概要 / impact scope summary: {who}, {window}",
            (Column("item", "項目", "item"), Column("value", "値", "value")),
            [
                *[(f"{key}", value) for key, value in self.named.items()],
                ("from", self.since),
                ("to", self.until),
                ("entries", self.scope.entries),
                ("persons", len(self.scope.persons)),
                ("affairs", len(self.scope.affairs)),
                ("first_at", self.scope.first_at),
                ("last_at", self.scope.last_at),
            ],
        )
        return [persons, affairs, summary]


@dataclass(frozen=True, slots=True)
class Activity:
    kinds: list[ActivityKind]
    since: datetime | None
    until: datetime | None
    zone: ZoneInfo
    transfers: list[Transfer]
    logins: dict[uuid.UUID, str]

    def kind_of(self, action: str) -> str:
        return next(str(k) for k, actions in ACTIVITY_ACTIONS.items() if action in actions)

    def tables(self) -> list[Table]:
        columns = (
            Column("kind", "種別", "kind"),
            ACTION,
            _when(self.zone),
            ACTOR,
            LOGIN,
            AFFAIR,
            REQUEST,
            Column("persons", "対象者数", "persons"),
        )
        rows: list[tuple[Cell, ...]] = [
            (self.kind_of(t.action), t.action, t.occurred_at, t.actor_id,
             self.logins.get(t.actor_id) if t.actor_id else None, t.affair_code, t.request_id,
             t.persons)
            for t in self.transfers
        ]  # fmt: skip
        kinds = ", ".join(str(k) for k in self.kinds)
        title = (
            f"持出し・提供・廃棄等の記録 / exports, take-outs, provisions, disposals ({kinds}), "
            f"{describe(self.since, self.until, self.zone)}"
        )
        return [Table("activity", title, columns, rows)]


def person_usage(
    session: Session,
    context: Context,
    person: uuid.UUID | str,
    *,
    since: period.When | None = None,
    until: period.When | None = None,
) -> PersonUsage:
    """Who used this person's number (and record), when, for which affair, from where.
    ``person``: the vault's id, or the person's external id (社員番号 …)."""
    person_id = (
        person
        if isinstance(person, uuid.UUID)
        else queries.person_of_reference(session, context, person)
    )
    zone = period.zone_of(session, context.organisation_id)
    start, stop = period.window(since, until, zone)
    uses = queries.uses_of_person(session, context, person_id, since=start, until=stop)
    logins = logins_of(session, (u.actor_id for u in uses))
    return PersonUsage(person_id, start, stop, zone, uses, logins)


def impact(
    session: Session,
    context: Context,
    *,
    since: period.When,
    until: period.When,
    actor_id: uuid.UUID | None = None,
    token_id: uuid.UUID | None = None,
    client_address: str | None = None,
) -> Impact:
    """影響範囲: the persons and affairs an account, an API token or an address touched."""
    named = {
        key: str(value)
        for key, value in (
            ("actor_id", actor_id),
            ("token_id", token_id),
            ("client_address", client_address),
        )
        if value is not None
    }
    if not named:
        raise InvalidInput(
            "操作者・トークン・接続元のいずれかを指定してください",
            "name an account, a token or a client address",
        )
    zone = period.zone_of(session, context.organisation_id)
    start, stop = period.window(since, until, zone, required=True)
    assert start is not None  # noqa: S101 - required=True checked it
    assert stop is not None  # noqa: S101
    scope = queries.impact_scope(
        session, context, since=start, until=stop, actor_id=actor_id, token_id=token_id,
        client_address=client_address,
    )  # fmt: skip
    return Impact(named, start, stop, zone, scope)


def activity(
    session: Session,
    context: Context,
    kinds: Sequence[ActivityKind] = (),
    *,
    since: period.When | None = None,
    until: period.When | None = None,
) -> Activity:
    """What was exported, taken out, provided or disposed of (every kind when none named)."""
    chosen = sorted(set(kinds) or set(ActivityKind))
    zone = period.zone_of(session, context.organisation_id)
    start, stop = period.window(since, until, zone)
    moved = queries.transfers(
        session, context, since=start, until=stop, actions=queries.actions_of(chosen)
    )
    logins = logins_of(session, (t.actor_id for t in moved))
    return Activity(chosen, start, stop, zone, moved, logins)
