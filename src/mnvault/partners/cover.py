"""Whether a current 委託 covers an outside organisation's users (番号法第10条・第11条;
事業者編 第4-2-(1)).

The outside-member mechanism (access.outside, access.services.assign) asks here before an
outside organisation's user gets a role or an affair: a 委託先 under a contract in force, or
a 再委託先 the client approved under such a 委託先, whose affairs include the ones given.
The check reads the client's own register by the code the client typed; it tells nothing
about the other organisation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.db.base import utcnow
from mnvault.orgs.codes import normalise_code
from mnvault.partners.errors import NotCovered
from mnvault.partners.models import Outsourcee, OutsourceeState


def today() -> date:
    return utcnow().date()


def is_current(session: Session, row: Outsourcee, on: date | None = None) -> bool:
    """In force on ``on``: a contract begun and not ended, or an approved 再委託 whose
    委託先 is itself current (the client's approval never outlives the contract)."""
    on = on or today()
    if row.ended_at is not None:
        return False
    if row.parent_id is None:
        return (
            row.state == OutsourceeState.CONTRACTED.value
            and row.contract_start is not None
            and row.contract_start <= on
            and (row.contract_end is None or on <= row.contract_end)
        )
    parent = session.get(Outsourcee, row.parent_id)
    return (
        row.state == OutsourceeState.APPROVED.value
        and parent is not None
        and is_current(session, parent, on)
    )


def covering(
    session: Session, organisation_id: uuid.UUID, code: str, affair_codes: Sequence[str] = ()
) -> list[Outsourcee]:
    """The current records of ``organisation_id`` for the organisation ``code`` whose
    affairs include every one of ``affair_codes``."""
    rows = session.scalars(
        select(Outsourcee).where(
            Outsourcee.organisation_id == organisation_id,
            Outsourcee.organisation_code == normalise_code(code),
        )
    )
    wanted = set(affair_codes)
    return [r for r in rows if is_current(session, r) and wanted <= set(r.affair_codes)]


def require_cover(
    session: Session, organisation_id: uuid.UUID, code: str, affair_codes: Sequence[str] = ()
) -> None:
    if not covering(session, organisation_id, code, affair_codes):
        raise NotCovered()
