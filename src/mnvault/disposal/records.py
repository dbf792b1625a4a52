"""What the disposal screens show beside a record: persons by external reference, accounts
by name, and persons named by reference on a form. Read-only; never a number."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.vault.errors import NotFound
from mnvault.vault.models import Person


def references(session: Session, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(person_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.external_ref).where(Person.id.in_(wanted)))
    return {row.id: row.external_ref for row in rows}


def names(session: Session, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {row.id: row.display_name for row in rows}


def persons_by_reference(session: Session, context: Context, refs: list[str]) -> list[uuid.UUID]:
    """The persons of this organisation with these external references, in order; for
    whoever records a disposal (a lookup must not tell others who exists)."""
    authorize(session, context, Permission.DISPOSAL_RUN, organisation_resource(context))
    found: list[uuid.UUID] = []
    for line, ref in enumerate(refs, start=1):
        person_id = session.scalar(
            select(Person.id).where(
                Person.organisation_id == context.organisation_id, Person.external_ref == ref
            )
        )
        if person_id is None:
            # The line, not the text: someone may have typed a number there by mistake.
            raise NotFound(f"{line}行目の対象者", f"the person on line {line}")
        found.append(person_id)
    return found
