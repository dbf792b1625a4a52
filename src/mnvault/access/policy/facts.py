"""Database rows -> policy facts: the actor's roles and assignments, the person, the
organisation's conditions. The evaluators never touch the database.

SPI file membership is derived, not stored: a person belongs to every SPI file of the
organisation whose affair codes meet the affairs their number was acquired for (plus,
while acquiring, the affairs being acquired for). It costs two queries, so it is only
computed when one of the actor's assignments restricts SPI files; otherwise no rule
reads it.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, literal_column, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import AccessConditions, Assignment, Membership, User
from mnvault.access.policy.model import (
    Conditions,
    PersonFacts,
    Request,
    Resource,
    Scope,
)
from mnvault.access.policy.table import CONDITIONED_ACTIONS, NUMBER_BLIND_ROLES
from mnvault.affairs.models import Affair
from mnvault.db import core
from mnvault.db.base import GUID, utcnow
from mnvault.vault.models import NumberRecord, NumberRecordAffair, SpiFile


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person as a caller hands it to authorize(): what the row says, plus the affairs
    a number is about to be acquired for. ``id`` is None for a person not yet created."""

    id: uuid.UUID | None
    organisation_id: uuid.UUID
    kind: str
    department_id: uuid.UUID | None = None
    acquiring: tuple[str, ...] = ()


def _dimension(values: Iterable[str] | None) -> frozenset[str] | None:
    # NULL and [] both mean "all" (the assignments table's convention).
    return frozenset(values) if values else None


# Built once: every authorize() runs these, and building a statement costs more than
# running it on SQLite.
_MEMBERSHIPS = Membership.__table__.c
_ASSIGNMENT = Assignment.__table__.c
_USER_TABLE = User.__table__
_BLIND = Membership.__table__.alias("blind").c
_USER = User.__table__.c
_AFFAIR = Affair.__table__.c
_CONDITION = AccessConditions.__table__.c
# On the tables, run through mnvault.db.core: every authorize() runs the first two.
_ROLES = core.Prepared(
    select(_MEMBERSHIPS.role).where(
        _MEMBERSHIPS.user_id == bindparam("actor", type_=GUID()),
        _MEMBERSHIPS.organisation_id == bindparam("organisation", type_=GUID()),
    )
)
_ASSIGNMENTS = core.Prepared(
    select(
        _AFFAIR.code,
        _ASSIGNMENT.department_ids,
        _ASSIGNMENT.spi_file_ids,
        _ASSIGNMENT.person_kinds,
    )
    .join(Affair.__table__, _AFFAIR.id == _ASSIGNMENT.affair_id)
    # An account a manager has yet to confirm (its password was set by an administrator
    # before its second factor was enrolled) reaches no number: no assignment counts.
    .join(_USER_TABLE, _USER.id == _ASSIGNMENT.user_id)
    .where(
        _ASSIGNMENT.user_id == bindparam("actor", type_=GUID()),
        _ASSIGNMENT.organisation_id == bindparam("organisation", type_=GUID()),
        _USER.unconfirmed_since.is_(None),
        # Who administers or audits anywhere reaches no number anywhere, even where an
        # older grant (before issue #11 refused it) gave them a number role.
        ~exists().where(
            _BLIND.user_id == _ASSIGNMENT.user_id,
            # Literals, not parameters: the statement is prepared once with its own.
            _BLIND.role.in_([literal_column(f"'{r.value}'") for r in sorted(NUMBER_BLIND_ROLES)]),
        ),
    )
)
_CONDITIONS = core.Prepared(
    select(
        _CONDITION.time_zone,
        _CONDITION.office_days,
        _CONDITION.office_start,
        _CONDITION.office_end,
        _CONDITION.networks,
    ).where(_CONDITION.organisation_id == bindparam("organisation", type_=GUID()))
)


class ConditionsRow(Protocol):
    """What :func:`conditions_of` reads: an ``AccessConditions`` or a row of its columns."""

    time_zone: str
    office_days: list[int] | None
    office_start: time | None
    office_end: time | None
    networks: list[str] | None


def principal(session: Session, context: Context) -> tuple[frozenset[str], tuple[Scope, ...]]:
    """The actor's roles and assignments in the organisation the context acts in."""
    key = {"actor": context.actor_id, "organisation": context.organisation_id}
    roles = frozenset(_ROLES.scalars(session, key))
    if not roles:
        return roles, ()
    scopes = tuple(
        Scope(code, _dimension(departments), _dimension(files), _dimension(kinds))
        for code, departments, files, kinds in _ASSIGNMENTS.rows(session, key)
    )
    return roles, scopes


def spi_files_of(
    session: Session,
    organisation_id: uuid.UUID,
    person_id: uuid.UUID | None,
    acquiring: Sequence[str],
) -> frozenset[str] | None:
    """The SPI files the person belongs to; None while no number is held or acquired."""
    held = person_id is not None and session.get(NumberRecord, person_id) is not None
    if not held and not acquiring:
        return None
    affairs = set(acquiring)
    if held:
        affairs.update(
            session.scalars(
                select(Affair.code)
                .join(NumberRecordAffair, NumberRecordAffair.affair_id == Affair.id)
                .where(NumberRecordAffair.person_id == person_id)
            )
        )
    files = session.execute(
        select(SpiFile.id, SpiFile.affair_codes).where(SpiFile.organisation_id == organisation_id)
    )
    return frozenset(str(file_id) for file_id, codes in files if affairs & set(codes or ()))


def person_facts(session: Session, ref: PersonRef, *, with_files: bool) -> PersonFacts:
    files = (
        spi_files_of(session, ref.organisation_id, ref.id, ref.acquiring) if with_files else None
    )
    return PersonFacts(
        id=str(ref.id) if ref.id is not None else "new",
        kind=ref.kind,
        department=str(ref.department_id) if ref.department_id is not None else None,
        spi_files=files,
    )


def _minutes(value: time | None) -> int | None:
    return None if value is None else value.hour * 60 + value.minute


def conditions_of(row: ConditionsRow | None) -> Conditions | None:
    """The row as policy data; values are re-checked, and a row that cannot be read
    raises rather than silently dropping a condition."""
    if row is None:
        return None
    ZoneInfo(row.time_zone)  # raises ZoneInfoNotFoundError for an unknown zone
    networks = (
        tuple(str(ipaddress.ip_network(n, strict=False)) for n in row.networks)
        if row.networks
        else None
    )
    days = frozenset(int(d) for d in row.office_days) if row.office_days else None
    conditions = Conditions(
        time_zone=row.time_zone,
        office_days=days,
        office_start=_minutes(row.office_start),
        office_end=_minutes(row.office_end),
        networks=networks,
    )
    if not conditions.has_office_hours and conditions.networks is None:
        return None
    return conditions


def load_conditions(session: Session, organisation_id: uuid.UUID) -> Conditions | None:
    return conditions_of(_CONDITIONS.first(session, {"organisation": organisation_id}))


def requests_for(
    session: Session,
    context: Context,
    action: str,
    resources: Sequence[PersonRef | Resource | None],
    *,
    at: datetime | None = None,
) -> list[Request]:
    """The facts of several decisions by one actor, loaded once (imports, listings)."""
    roles, assignments = principal(session, context)
    with_files = any(a.spi_files is not None for a in assignments)
    conditions = (
        load_conditions(session, context.organisation_id)
        if roles and action in CONDITIONED_ACTIONS
        else None
    )
    now = at or utcnow()
    files_of_new: dict[tuple[uuid.UUID, tuple[str, ...]], frozenset[str] | None] = {}

    def resolve(resource: PersonRef | Resource | None) -> Resource:
        if resource is None:
            return Resource(str(context.organisation_id))
        if not isinstance(resource, PersonRef):
            return resource
        if resource.id is None and with_files:
            # Persons not yet created differ only in kind and department: their SPI files
            # depend on the affairs alone, so one query serves them all.
            key = (resource.organisation_id, resource.acquiring)
            if key not in files_of_new:
                files_of_new[key] = spi_files_of(
                    session, resource.organisation_id, None, resource.acquiring
                )
            facts = person_facts(session, resource, with_files=False)
            return Resource(
                str(resource.organisation_id),
                PersonFacts(facts.id, facts.kind, facts.department, files_of_new[key]),
            )
        return Resource(
            str(resource.organisation_id), person_facts(session, resource, with_files=with_files)
        )

    return [
        Request(
            actor=str(context.actor_id),
            organisation=str(context.organisation_id),
            roles=roles,
            assignments=assignments,
            action=action,
            resource=resolve(resource),
            affair=context.affair_code,
            at=now,
            client_address=context.client_address,
            conditions=conditions,
        )
        for resource in resources
    ]


def request_for(
    session: Session,
    context: Context,
    action: str,
    resource: PersonRef | Resource | None,
    *,
    at: datetime | None = None,
) -> Request:
    """Everything one authorize() call reads."""
    return requests_for(session, context, action, [resource], at=at)[0]
