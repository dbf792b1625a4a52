"""Departments and the register of SPI files (特定個人情報ファイル).

The register is one of the means to confirm how SPI is handled (事業者編 別添1 2C c
取扱状況を確認する手段の整備; seed 図表2-1 (3)③: 種類・名称, 責任者・取扱部署, 利用目的 …);
it never holds a number.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.orgs import standing
from mnvault.orgs.codes import code_taken, new_code, require_code
from mnvault.orgs.models import Department, Organisation, OrganisationKind
from mnvault.orgs.small_business import Declaration, Exclusion, require_small_business
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import SpiFile


def create_organisation(
    session: Session,
    *,
    name: str,
    kind: OrganisationKind,
    code: str | None = None,
    operator: bool = False,
    context: Context | None = None,
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
    organisation = Organisation(name=name, kind=kind.value, code=code, operator=operator)
    session.add(organisation)
    session.flush()
    audit.record(
        session, context, AuditAction.ORGANISATION_CREATE, organisation_id=organisation.id,
        details={"kind": kind.value, "code": code},
    )  # fmt: skip
    return organisation


@dataclass(frozen=True)
class NewOrganisation:
    """A further organisation and its first administrator's one-time password."""

    organisation: Organisation
    admin_login: str
    admin_password: str


def create_client_organisation(
    session: Session,
    context: Context,
    *,
    name: str,
    kind: OrganisationKind,
    code: str | None = None,
    admin_login: str = "admin",
    employees: int | None = None,
    answers: Mapping[Exclusion, bool | None] | None = None,
) -> NewOrganisation:
    """A further organisation (a payroll outsourcer's client), made by an administrator of
    the deployment's operator organisation, with a first administrator of its own.

    The first administrator's password is generated and must be changed at the first
    sign-in, as ``init``'s is; it is returned once and stored only as a hash. The new
    administrator is number-blind like every administrator.
    """
    authorize(session, context, Permission.ORGANISATION_MANAGE)
    acting = session.get(Organisation, context.organisation_id)
    if acting is None or not acting.operator:
        raise AuthorizationDenied(
            permission=str(Permission.ORGANISATION_MANAGE), reason="not the operator",
            actor_id=context.actor_id, organisation_id=context.organisation_id,
            request_id=context.request_id, client_address=context.client_address,
        )  # fmt: skip
    if not name.strip():
        raise InvalidInput("組織名は必須です", "an organisation needs a name")
    if code is not None:
        code = require_code(code)  # before anything is created
    declaration = _declaration(kind, employees, dict(answers or {}))
    organisation = create_organisation(
        session, name=name.strip(), kind=kind, code=code, context=context
    )
    if declaration is not None:
        standing.store(session, organisation.id, declaration, context.actor_id)
    password = access.generate_password()
    admin = access.create_user(
        session, context, home_organisation_id=organisation.id, login=admin_login,
        display_name="管理者 / Administrator", password=password,
    )  # fmt: skip
    admin.must_change_password = True
    access.grant_role(
        session, context, user=admin, organisation_id=organisation.id, role=Role.ADMIN
    )
    return NewOrganisation(organisation, admin_login, password)


def _declaration(
    kind: OrganisationKind, employees: int | None, answers: dict[Exclusion, bool | None]
) -> Declaration | None:
    """A small business only on the facts (別添1 2 (注)); any other kind may answer too."""
    declaration = require_small_business(kind, employees, answers)
    given = employees is not None or any(v is not None for v in answers.values())
    if declaration is None and given:
        declaration = standing.declaration_from(employees, answers)
    return declaration


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
