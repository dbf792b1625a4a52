"""The affairs page: what the organisation may acquire numbers for, and (for a manager) a
form to define an affair of its own. Thin: parse, call affairs.services, render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, decide
from mnvault.affairs import services as affairs
from mnvault.affairs.models import Affair, AffairKind
from mnvault.vault.errors import InvalidInput, VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
Text = Annotated[str, Form(max_length=1000)]
Many = Annotated[list[str] | None, Form()]


@dataclass(frozen=True)
class Listing:
    affairs: list[Affair]
    may_define: bool


def _page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> Listing:
        authorize(call.session, call.context, Permission.AFFAIR_READ)
        return Listing(
            affairs.offered_affairs(call.session, call.context.organisation_id),
            decide(call.session, call.context, Permission.AFFAIR_MANAGE).allowed,
        )

    listing = call(request, work)
    values = {
        "listing": listing,
        "error": error,
        "kinds": list(AffairKind),
        "person_kinds": affairs.PERSON_KINDS,
        "egov_mark": affairs.egov_mark,
    }
    return render(request, "affairs/affairs.html", values, status=status)


@router.get("/affairs")
def page(request: Request) -> Response:
    return _page(request)


@router.post("/affairs")
def define(
    request: Request,
    *,
    code: Text = "",
    kind: Text = "",
    name_ja: Text = "",
    name_en: Text = "",
    legal_basis: Text = "",
    person_kinds: Many = None,
) -> Response:
    """A manager defines an affair of the organisation's own (audited)."""

    def work(call: PageCall) -> None:
        try:
            affair_kind = AffairKind(kind)
        except ValueError:
            raise InvalidInput("事務の種類を選んでください", "choose the affair's kind") from None
        affairs.define_affair(
            call.session, call.context, code=code.strip(), kind=affair_kind, name_ja=name_ja,
            name_en=name_en, legal_basis=legal_basis, person_kinds=person_kinds or [],
        )  # fmt: skip

    try:
        call(request, work)
    except VaultError as exc:
        return _page(request, error=message_of(request, exc), status=422)
    return redirect(request, "/affairs")
