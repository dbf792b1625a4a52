"""The organisation's own data a 基本方針 or 取扱規程 is drafted from, and its fingerprint.

Everything is read here once, as plain text with any number masked (a name or a purpose
typed with a number in it never reaches a document), and the fingerprint is the SHA-256 of
that text: when an affair, a 責任者, an assignment, an SPI file, the office hours, the
handling area or a disposal setting changes, the fingerprint changes and a new draft is
suggested. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.models import AccessConditions, Assignment, Membership, Role, User
from mnvault.affairs.models import Affair, AffairKind
from mnvault.disposal import services as disposal
from mnvault.numbers import redact
from mnvault.orgs.models import Department, Organisation, OrganisationKind
from mnvault.vault.models import SpiFile

_REDACTED = re.compile(r"\[REDACTED:[a-z_]+\]")
MASK = "＊＊＊＊"
WEEKDAYS_JA = {1: "月", 2: "火", 3: "水", 4: "木", 5: "金", 6: "土", 7: "日"}
ROLE_JA = {
    Role.ADMIN: "システム管理者",
    Role.AUDITOR: "監査責任者",
    Role.CHIEF_OFFICER: "総括責任者",
    Role.CLERK: "事務取扱担当者",
    Role.MANAGER: "事務取扱責任者",
    Role.PROTECTION_MANAGER: "保護責任者",
}
KIND_JA = {
    OrganisationKind.ADMINISTRATIVE_AGENCY: "行政機関",
    OrganisationKind.COMPANY: "事業者",
    OrganisationKind.FINANCIAL_INSTITUTION: "金融分野の事業者",
    OrganisationKind.LOCAL_GOVERNMENT: "地方公共団体",
    OrganisationKind.SMALL_BUSINESS: "中小規模事業者",
}
AFFAIR_KIND_JA = {AffairKind.RELATED: "個人番号関係事務", AffairKind.USE: "個人番号利用事務"}


def clean(text: str) -> str:
    """``text`` with every number replaced by a mask (the documents never carry one)."""
    return _REDACTED.sub(MASK, redact(text))


@dataclass(frozen=True)
class AffairLine:
    code: str
    kind_ja: str
    name: str
    legal_basis: str


@dataclass(frozen=True)
class Person:
    name: str
    role_ja: str


@dataclass(frozen=True)
class AssignmentLine:
    clerk: str
    affair: str
    scoped: bool  # limited to some departments, SPI files or kinds of person


@dataclass(frozen=True)
class SpiFileLine:
    name: str
    purpose: str
    affairs: str
    responsible: str
    department: str


@dataclass(frozen=True)
class RetentionLine:
    affair: str
    document_kind: str
    period: str
    source: str
    origin: str


@dataclass(frozen=True)
class Inputs:
    organisation: str
    kind: str
    kind_ja: str
    public_body: bool
    small_business: bool
    affairs: tuple[AffairLine, ...]
    responsible: tuple[Person, ...]
    auditors: tuple[Person, ...]
    assignments: tuple[AssignmentLine, ...]
    spi_files: tuple[SpiFileLine, ...]
    office_hours: str | None
    handling_area: tuple[str, ...]
    time_zone: str
    disposal_confirmation: bool
    retention: tuple[RetentionLine, ...]

    def fingerprint(self) -> str:
        canonical = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row.id: clean(row.display_name) for row in rows}


def _affairs(session: Session, organisation_id: uuid.UUID) -> list[Affair]:
    """The affairs the organisation does: its own, those a clerk is assigned to, and those
    an SPI file is kept for (the catalogue holds many it may never do)."""
    assigned = select(Assignment.affair_id).where(Assignment.organisation_id == organisation_id)
    codes = {
        code
        for codes in session.scalars(
            select(SpiFile.affair_codes).where(SpiFile.organisation_id == organisation_id)
        )
        for code in codes or []
    }
    rows = session.scalars(
        select(Affair).where(
            (Affair.organisation_id == organisation_id)
            | Affair.id.in_(assigned)
            | (Affair.organisation_id.is_(None) & Affair.code.in_(codes))
        )
    ).all()
    by_code: dict[str, Affair] = {}
    for affair in sorted(rows, key=lambda a: a.organisation_id is None):
        by_code.setdefault(affair.code, affair)  # the organisation's own wins
    return sorted(by_code.values(), key=lambda a: a.code)


def _hours(row: AccessConditions | None) -> str | None:
    if row is None or not row.office_days or row.office_start is None or row.office_end is None:
        return None

    def hm(value: time) -> str:
        return value.strftime("%H:%M")

    days = "・".join(WEEKDAYS_JA.get(d, "") for d in sorted(row.office_days))
    return f"{days} {hm(row.office_start)}〜{hm(row.office_end)}"


def _period(years: int, months: int) -> str:
    return f"{years}年" + (f"{months}か月" if months else "")


def gather(session: Session, organisation_id: uuid.UUID) -> Inputs:
    org = session.get_one(Organisation, organisation_id)
    kind = OrganisationKind(org.kind)
    affairs = _affairs(session, organisation_id)
    affair_names = {a.code: clean(a.name_ja) for a in affairs}
    memberships = session.execute(
        select(Membership.user_id, Membership.role).where(
            Membership.organisation_id == organisation_id
        )
    ).all()
    assignments = session.scalars(
        select(Assignment).where(Assignment.organisation_id == organisation_id)
    ).all()
    spi_files = session.scalars(
        select(SpiFile).where(SpiFile.organisation_id == organisation_id).order_by(SpiFile.name)
    ).all()
    names = _names(
        session,
        {m.user_id for m in memberships}
        | {a.user_id for a in assignments}
        | {f.responsible_user_id for f in spi_files if f.responsible_user_id},
    )
    departments = {
        d.id: clean(d.name)
        for d in session.scalars(
            select(Department).where(Department.organisation_id == organisation_id)
        )
    }
    affair_by_id = {a.id: a for a in affairs}

    def people(roles: set[Role]) -> tuple[Person, ...]:
        found = {
            Person(names.get(m.user_id, ""), ROLE_JA[Role(m.role)])
            for m in memberships
            if Role(m.role) in roles
        }
        return tuple(sorted(found, key=lambda p: (p.role_ja, p.name)))

    conditions = session.get(AccessConditions, organisation_id)
    retention = tuple(
        RetentionLine(
            affair_names[entry.rule.affair_code],
            clean(entry.rule.document_kind),
            _period(entry.rule.years, entry.rule.months),
            clean(entry.rule.source),
            entry.origin,
        )
        for entry in disposal.rules_in_force(session, organisation_id)
        if entry.rule.affair_code in affair_names
    )
    return Inputs(
        organisation=clean(org.name),
        kind=kind.value,
        kind_ja=KIND_JA[kind],
        public_body=kind
        in {OrganisationKind.ADMINISTRATIVE_AGENCY, OrganisationKind.LOCAL_GOVERNMENT},
        small_business=kind is OrganisationKind.SMALL_BUSINESS,
        affairs=tuple(
            AffairLine(
                a.code, AFFAIR_KIND_JA[AffairKind(a.kind)], clean(a.name_ja), clean(a.legal_basis)
            )
            for a in affairs
        ),
        responsible=people({Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER}),
        auditors=people({Role.AUDITOR}),
        assignments=tuple(
            sorted(
                (
                    AssignmentLine(
                        names.get(a.user_id, ""),
                        clean(affair_by_id[a.affair_id].name_ja),
                        bool(a.department_ids or a.spi_file_ids or a.person_kinds),
                    )
                    for a in assignments
                    if a.affair_id in affair_by_id
                ),
                key=lambda line: (line.affair, line.clerk),
            )
        ),
        spi_files=tuple(
            SpiFileLine(
                clean(f.name),
                clean(f.purpose),
                "、".join(affair_names.get(c, clean(c)) for c in f.affair_codes or []),
                names.get(f.responsible_user_id, "") if f.responsible_user_id else "",
                departments.get(f.department_id, "") if f.department_id else "",
            )
            for f in spi_files
        ),
        office_hours=_hours(conditions),
        handling_area=tuple(sorted(conditions.networks or [])) if conditions else (),
        time_zone=conditions.time_zone if conditions else "Asia/Tokyo",
        disposal_confirmation=disposal.confirmation_required(session, organisation_id),
        retention=retention,
    )
