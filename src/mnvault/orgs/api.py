"""JSON routes for the deployment's administration: further organisations (tenants).

Only administrators of the operator organisation (the one ``init`` made) may create
one; nothing here returns a number.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mnvault.orgs import services as orgs
from mnvault.orgs import standing
from mnvault.orgs.models import OrganisationKind
from mnvault.orgs.small_business import Exclusion
from mnvault.web.calls import Call, call
from mnvault.web.fields import Line
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["administration"], responses=SIGNED_IN)


class SmallBusinessIn(BaseModel):
    """The headcount and each exclusion of 事業者編 別添1 2 (注), answered one by one."""

    employees: int = Field(ge=0, le=10_000_000, description="従業員の数 (中小企業基本法)")
    use_affairs: bool = Field(description="個人番号利用事務実施者")
    contractor: bool = Field(
        description="委託に基づいて個人番号関係事務又は個人番号利用事務を業務として行う事業者"
    )
    financial: bool = Field(description="金融分野の事業者")
    over_5000_persons: bool = Field(
        description="識別される特定の個人の数の合計が過去６月以内のいずれかの日において5,000を超える"
    )

    def answers(self) -> dict[Exclusion, bool | None]:
        return {
            Exclusion.USE_AFFAIRS: self.use_affairs, Exclusion.CONTRACTOR: self.contractor,
            Exclusion.FINANCIAL: self.financial,
            Exclusion.OVER_5000_PERSONS: self.over_5000_persons,
        }  # fmt: skip


class SmallBusinessOut(BaseModel):
    kind: str
    answered: bool
    employees: int | None
    exclusions: list[str]
    small_business: bool = Field(description="the answers meet 別添1 2 (注)")
    relief_applies: bool = Field(description="the 中小規模事業者における対応方法 may be used")
    reasons: list[str]
    lines_ja: list[str]
    lines_en: list[str]
    warning_ja: str | None
    warning_en: str | None


def _shape(result: standing.Standing) -> SmallBusinessOut:
    warning = result.warning()
    declaration = result.declaration
    return SmallBusinessOut(
        kind=result.kind.value, answered=result.answered,
        employees=declaration.employees if declaration else None,
        exclusions=sorted(e.value for e in declaration.exclusions) if declaration else [],
        small_business=result.qualifies, relief_applies=result.relief_applies,
        reasons=list(result.reasons), lines_ja=[ja for ja, _ in result.lines()],
        lines_en=[en for _, en in result.lines()],
        warning_ja=warning[0] if warning else None, warning_en=warning[1] if warning else None,
    )  # fmt: skip


@router.get("/organisation/small-business", response_model=SmallBusinessOut)
def small_business_status(request: Request) -> SmallBusinessOut:
    """Whether the organisation is a 中小規模事業者, and why (its stored answers)."""

    def work(call: Call) -> SmallBusinessOut:
        return _shape(standing.read(call.session, call.context))

    return call(request, work)


@router.put(
    "/organisation/small-business",
    response_model=SmallBusinessOut,
    responses=WITH_BODY | problem_responses(422),
)
def small_business_answer(request: Request, body: SmallBusinessIn) -> SmallBusinessOut:
    """Answer the headcount and the four exclusions (audited); the result says what they
    decide. Answers that exclude a registered small business are stored and the relief lapses."""

    def work(call: Call) -> SmallBusinessOut:
        return _shape(
            standing.answer(
                call.session, call.context, employees=body.employees, answers=body.answers()
            )
        )

    return call(request, work)


class OrganisationIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    code: str | None = Field(
        default=None, min_length=3, max_length=32, description="sign-in code; random if absent"
    )
    admin_login: str = Field(
        default="admin", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$"
    )
    small_business: SmallBusinessIn | None = Field(
        default=None, description="required for kind small_business (事業者編 別添1 2 (注))"
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
            employees=body.small_business.employees if body.small_business else None,
            answers=body.small_business.answers() if body.small_business else None,
        )  # fmt: skip
        org = made.organisation
        return OrganisationCreated(
            id=org.id, code=org.code, name=org.name, kind=org.kind,
            admin_login=made.admin_login, admin_initial_password=made.admin_password,
        )  # fmt: skip

    return call(request, work)
