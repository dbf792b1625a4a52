"""A current 委託 for tests that need an outside member (issue #16: outside members get
roles only under a contract in force)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.partners import checklists
from mnvault.partners import services as partners
from mnvault.partners.models import Outsourcee

ALL_SELECTION = [k for k, _, _ in checklists.SELECTION]
REQUIRED = [k for k, _, _ in checklists.REQUIRED_CLAUSES]


def contract_with(
    session: Session,
    context: Context,
    code: str,
    affairs: Sequence[str] = ("withholding_slip",),
    *,
    name: str = "給与計算受託株式会社",
) -> Outsourcee:
    """Register, select and contract an outsourcee (the organisation ``code``) for
    ``affairs``, in force from 2000-01-01."""
    row = partners.register(
        session, context, name=name, affair_codes=list(affairs), organisation_code=code
    )
    partners.record_selection(session, context, row.id, checked=ALL_SELECTION)
    return partners.record_contract(
        session, context, row.id, clauses=REQUIRED, start=date(2000, 1, 1)
    )
