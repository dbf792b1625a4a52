"""Affair catalogue upkeep and lookups."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mnvault.affairs.catalogue import CATALOGUE
from mnvault.affairs.models import Affair
from mnvault.numbers import redact
from mnvault.vault.errors import UnknownAffair


def sync_catalogue(session: Session) -> int:
    """Insert or update the shared catalogue rows; returns how many were added."""
    existing = {
        affair.code: affair
        for affair in session.scalars(select(Affair).where(Affair.organisation_id.is_(None)))
    }
    added = 0
    for entry in CATALOGUE:
        affair = existing.get(entry.code)
        if affair is None:
            affair = Affair(organisation_id=None, code=entry.code)
            session.add(affair)
            added += 1
        affair.kind = entry.kind.value
        affair.name_ja = entry.name_ja
        affair.name_en = entry.name_en
        affair.legal_basis = entry.legal_basis
        affair.person_kinds = list(entry.person_kinds)
    session.flush()
    return added


def list_affairs(session: Session, organisation_id: uuid.UUID) -> list[Affair]:
    return list(
        session.scalars(
            select(Affair)
            .where(or_(Affair.organisation_id.is_(None), Affair.organisation_id == organisation_id))
            .order_by(Affair.code)
        )
    )


# What an affair code looks like (the catalogue's snake_case names); anything else is
# named nowhere, and is never echoed: a number typed into the affair field stays out.
AFFAIR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def get_affair(session: Session, organisation_id: uuid.UUID, code: str) -> Affair:
    """The organisation's own affair of that code, else the catalogue's."""
    if not AFFAIR_CODE.fullmatch(code) or redact(code) != code:
        raise UnknownAffair()
    candidates = session.scalars(
        select(Affair).where(
            Affair.code == code,
            or_(Affair.organisation_id.is_(None), Affair.organisation_id == organisation_id),
        )
    ).all()
    if not candidates:
        raise UnknownAffair(f"コード {code}", f"code {code}")
    return sorted(candidates, key=lambda a: a.organisation_id is None)[0]
