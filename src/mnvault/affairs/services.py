"""Affair catalogue upkeep and lookups."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Assignment
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.catalogue import (
    CATALOGUE,
    CUSTOMER,
    DEPENDENT,
    EMPLOYEE,
    PAYEE,
    RESIDENT,
    VERIFY_ON_EGOV_EN,
    VERIFY_ON_EGOV_JA,
    verify_on_egov,
)
from mnvault.affairs.holders import may_hold
from mnvault.affairs.models import Affair, AffairKind
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.numbers import redact
from mnvault.orgs.models import Organisation
from mnvault.vault.errors import AffairExists, AffairNotOffered, InvalidInput, UnknownAffair
from mnvault.vault.freetext import without_number

PERSON_KINDS = (EMPLOYEE, DEPENDENT, PAYEE, CUSTOMER, RESIDENT)


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


# -- an organisation's own affairs -------------------------------------------------------

NAME_MAX = 200
BASIS_MAX = 1000


def define_affair(
    session: Session,
    context: Context,
    *,
    code: str,
    kind: AffairKind,
    name_ja: str,
    name_en: str,
    legal_basis: str,
    person_kinds: Sequence[str],
) -> Affair:
    """Add an affair of the organisation's own: what its numbers may be used for.

    Defining a purpose is the 責任者's decision (policy table MANAGER_DUTIES), audited; it
    grants no one access to a number (that is an assignment to the affair)."""
    authorize(session, context, Permission.AFFAIR_MANAGE)
    if not AFFAIR_CODE.fullmatch(code) or redact(code) != code:
        raise InvalidInput(
            "事務コードは英小文字で始まる英小文字・数字・_ の64文字までです",
            "an affair code is up to 64 lower-case letters, digits and _, starting with a letter",
        )
    texts = {"name_ja": name_ja.strip(), "name_en": name_en.strip(), "basis": legal_basis.strip()}
    if not all(texts.values()):
        raise InvalidInput(
            "事務の名称（日本語・英語）と法令上の根拠は必須です",
            "the affair's names (Japanese, English) and its legal basis are required",
        )
    for value, max_len in (
        (texts["name_ja"], NAME_MAX),
        (texts["name_en"], NAME_MAX),
        (texts["basis"], BASIS_MAX),
    ):
        if len(value) > max_len:
            raise InvalidInput(f"{max_len}文字までです", f"up to {max_len} characters")
        without_number(value, "事務の名称・根拠", "affair name or basis")
    kinds = list(dict.fromkeys(person_kinds))
    unknown = [k for k in kinds if k not in PERSON_KINDS]
    if not kinds or unknown:
        raise InvalidInput(
            f"本人の種別は {', '.join(PERSON_KINDS)} から選んでください",
            f"choose person kinds among {', '.join(PERSON_KINDS)}",
        )
    organisation = session.get(Organisation, context.organisation_id)
    if organisation is None or not may_hold(organisation.kind, kind, code, catalogue=False):
        raise AffairNotOffered(code, code)
    taken = session.scalar(
        select(Affair.id).where(
            Affair.code == code,
            or_(
                Affair.organisation_id.is_(None), Affair.organisation_id == context.organisation_id
            ),
        )
    )
    if taken is not None or any(entry.code == code for entry in CATALOGUE):
        raise AffairExists(code, code)
    affair = Affair(
        organisation_id=context.organisation_id,
        code=code,
        kind=kind.value,
        name_ja=texts["name_ja"],
        name_en=texts["name_en"],
        legal_basis=texts["basis"],
        person_kinds=kinds,
    )
    session.add(affair)
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.AFFAIR_DEFINE,
        affair_code=code,
        details={"affair": code, "kind": kind.value, "person_kinds": kinds},
    )
    return affair


def admit_holder(session: Session, organisation_id: uuid.UUID, affair: Affair) -> None:
    """Refuse a 利用事務 to an organisation whose kind may not hold it (holders.py)."""
    organisation = session.get(Organisation, organisation_id)
    kind = organisation.kind if organisation is not None else ""
    if not may_hold(kind, affair.kind, affair.code, catalogue=affair.organisation_id is None):
        raise AffairNotOffered(affair.code, affair.code)


def offered_affairs(session: Session, organisation_id: uuid.UUID) -> list[Affair]:
    """The affairs the organisation may acquire numbers for (list_affairs less the 利用事務
    its kind may not hold)."""
    organisation = session.get(Organisation, organisation_id)
    kind = organisation.kind if organisation is not None else ""
    return [
        affair
        for affair in list_affairs(session, organisation_id)
        if may_hold(kind, affair.kind, affair.code, catalogue=affair.organisation_id is None)
    ]


def egov_mark(affair: Affair) -> tuple[str, str] | None:
    """The screens' and the API's mark on a basis to verify on e-Gov (catalogue.py)."""
    if verify_on_egov(affair.kind, affair.legal_basis):
        return VERIFY_ON_EGOV_JA, VERIFY_ON_EGOV_EN
    return None


def my_affairs(session: Session, context: Context) -> list[Affair]:
    """The affairs the caller is assigned to in its organisation (a clerk's own)."""
    return list(
        session.scalars(
            select(Affair)
            .join(Assignment, Assignment.affair_id == Affair.id)
            .where(
                Assignment.user_id == context.actor_id,
                Assignment.organisation_id == context.organisation_id,
            )
            .order_by(Affair.code)
        )
    )
