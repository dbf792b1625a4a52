"""The policy's reach as a SQL filter: "the persons this actor may see (or act on)".

For listings and bulk work (person lists, exports) asking the policy once per row
would cost a decision per person; instead the same table is turned into a WHERE
clause. It mirrors plain.outside() dimension by dimension, and a test compares the
two on the same persons. It does not check the organisation's conditions or the
grant itself: callers authorize() the action first (access.services.visible_persons
does both).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.policy.facts import principal
from mnvault.access.policy.model import Scope
from mnvault.access.policy.table import REACH, Reach
from mnvault.affairs.models import Affair
from mnvault.vault.models import NumberRecord, NumberRecordAffair, Person, SpiFile


def _files_clause(session: Session, context: Context, files: frozenset[str]) -> ColumnElement[bool]:
    ids = [uuid.UUID(f) for f in files]
    codes: set[str] = set()
    for affair_codes in session.scalars(
        select(SpiFile.affair_codes).where(
            SpiFile.organisation_id == context.organisation_id, SpiFile.id.in_(ids)
        )
    ):
        codes.update(affair_codes or ())
    held = exists().where(NumberRecord.person_id == Person.id)
    in_files = (
        exists()
        .where(NumberRecordAffair.person_id == Person.id)
        .where(NumberRecordAffair.affair_id == Affair.id)
        .where(Affair.code.in_(sorted(codes)))
    )
    # Not yet held: in no SPI file, so this dimension does not apply (model.PersonFacts).
    return or_(~held, in_files)


def _scope_clause(session: Session, context: Context, scope: Scope) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if scope.person_kinds is not None:
        parts.append(Person.kind.in_(sorted(scope.person_kinds)))
    if scope.departments is not None:
        parts.append(Person.department_id.in_([uuid.UUID(d) for d in scope.departments]))
    if scope.spi_files is not None:
        parts.append(_files_clause(session, context, scope.spi_files))
    return and_(true(), *parts)


def persons_in_scope(session: Session, context: Context, action: str) -> ColumnElement[bool]:
    """WHERE clause over ``Person`` for the persons ``action`` reaches for this actor."""
    roles, assignments = principal(session, context)
    reaches = {REACH[(role, action)] for role in roles if (role, action) in REACH}
    mine = Person.organisation_id == context.organisation_id
    if Reach.ORGANISATION in reaches:
        return mine
    scopes: list[Scope] = []
    if Reach.ASSIGNED in reaches:
        scopes.extend(assignments)
    if Reach.AFFAIR in reaches and context.affair_code:
        scopes.extend(a for a in assignments if a.affair == context.affair_code)
    if not scopes:
        return false()
    return and_(mine, or_(*(_scope_clause(session, context, s) for s in scopes)))
