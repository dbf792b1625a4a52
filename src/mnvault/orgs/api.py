"""JSON routes for the deployment's administration: further organisations (tenants).

Only administrators of the operator organisation (the one ``init`` made) may create
one; nothing here returns a number.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mnvault.orgs import services as orgs
from mnvault.orgs.models import OrganisationKind
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["administration"], responses=SIGNED_IN)


class OrganisationIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    code: str | None = Field(
        default=None, min_length=3, max_length=32, description="sign-in code; random if absent"
    )
    admin_login: str = Field(
        default="admin", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$"
    )


class OrganisationCreated(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    admin_login: str
    admin_initial_password: str = Field(
        description="shown once; the new administrator must change it at first sign-in"
    )


@router.post(
    "/organisations",
    response_model=OrganisationCreated,
    status_code=201,
    responses=WITH_BODY | problem_responses(422),
)
def create_organisation(request: Request, body: OrganisationIn) -> OrganisationCreated:
    def work(call: Call) -> OrganisationCreated:
        made = orgs.create_client_organisation(
            call.session, call.context, name=body.name, kind=body.kind, code=body.code,
            admin_login=body.admin_login,
        )  # fmt: skip
        org = made.organisation
        return OrganisationCreated(
            id=org.id, code=org.code, name=org.name, kind=org.kind,
            admin_login=made.admin_login, admin_initial_password=made.admin_password,
        )  # fmt: skip

    return call(request, work)
