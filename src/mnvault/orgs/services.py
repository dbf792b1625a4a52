"""Departments and the register of SPI files (特定個人情報ファイル).

The register is one of the means to confirm how SPI is handled (seed 図表2-1 (3)③:
種類・名称, 責任者・取扱部署, 利用目的 …); it never holds a number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.orgs.codes import code_taken, new_code, require_code
from mnvault.orgs.models import Department, Organisation, OrganisationKind
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import SpiFile


def create_organisation(
    session: Session, *, name: str, kind: OrganisationKind, code: str | None = None
) -> Organisation:
    """A new organisation (tenant) with its public sign-in code: the one given, or a
    random ``org-xxxxxx`` (nothing in it is derived from the name or any secret)."""
    if code is None:
        code = new_code()
        while code_taken(session, code):
            code = new_code()
    else:
        code = require_code(code)
        if code_taken(session, code):
            raise InvalidInput(
                f"組織コード {code} は既に使われています", f"organisation code {code} is taken"
            )
    without_number(name, "組織名", "organisation name")
    organisation = Organisation(name=name, kind=kind.value, code=code)
    session.add(organisation)
    session.flush()
    audit.record(
        session, None, AuditAction.ORGANISATION_CREATE, organisation_id=organisation.id,
        details={"kind": kind.value, "code": code},
    )  # fmt: skip
    return organisation


def create_department(session: Session, context: Context, *, code: str, name: str) -> Department:
    authorize(session, context, Permission.ORGANISATION_MANAGE)
    if not code.strip() or not name.strip():
        raise InvalidInput("部署コードと名称は必須です", "a department needs a code and a name")
    department = Department(
        organisation_id=context.organisation_id, code=code.strip(), name=name.strip()
    )
    session.add(department)
    session.flush()
    audit.record(
        session, context, AuditAction.DEPARTMENT_CREATE, details={"department": code.strip()}
    )
    return department


def department_by_code(session: Session, context: Context, code: str) -> Department:
    department = session.scalar(
        select(Department).where(
            Department.organisation_id == context.organisation_id, Department.code == code
        )
    )
    if department is None:
        raise NotFound(f"部署 {code}", f"department {code}")
    return department


def register_spi_file(
    session: Session,
    context: Context,
    *,
    name: str,
    purpose: str,
    affair_codes: Sequence[str],
    responsible_user_id: uuid.UUID | None = None,
    department_code: str | None = None,
) -> SpiFile:
    authorize(session, context, Permission.SPI_FILE_MANAGE)
    if not name.strip() or not purpose.strip():
        raise InvalidInput("名称と利用目的は必須です", "a name and a purpose are required")
    without_number(name, "名称", "name")
    without_number(purpose, "利用目的", "purpose")
    if not affair_codes:
        raise InvalidInput("事務を指定してください", "name at least one affair")
    for code in affair_codes:
        get_affair(session, context.organisation_id, code)
    department = department_by_code(session, context, department_code) if department_code else None
    spi_file = SpiFile(
        organisation_id=context.organisation_id,
        name=name.strip(),
        purpose=purpose.strip(),
        affair_codes=sorted(set(affair_codes)),
        responsible_user_id=responsible_user_id,
        department_id=department.id if department else None,
    )
    session.add(spi_file)
    session.flush()
    audit.record(session, context, AuditAction.SPI_FILE_CREATE, spi_file_id=spi_file.id)
    return spi_file


def spi_file_register(session: Session, context: Context) -> list[SpiFile]:
    authorize(session, context, Permission.AFFAIR_READ)
    return list(
        session.scalars(
            select(SpiFile)
            .where(SpiFile.organisation_id == context.organisation_id)
            .order_by(SpiFile.name)
        )
    )
