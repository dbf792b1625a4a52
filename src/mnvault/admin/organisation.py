"""The organisation settings screen: the small-business answers (事業者編 別添1 2 (注)) with
what they decide, and the second check of linked numbers (orgs/linking.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response

from mnvault.admin.forms import FORM_ERRORS, message, new_router, status_of
from mnvault.orgs import linking, small_business, standing
from mnvault.orgs.small_business import Exclusion
from mnvault.web.pages import redirect, render
from mnvault.web.signed_in import PageCall, call

organisation_router = new_router()
Answer = Annotated[str, Form(max_length=3)]


def _page(request: Request, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        result = standing.read(call.session, call.context)
        kind = result.kind
        return {
            "standing": result, "lines": result.lines(),
            "small_business_warning": result.warning(),
            "seen": small_business.check(call.session, call.context),
            "questions": small_business.EXCLUSIONS, "relief": (small_business.RELIEF_JA,
                                                              small_business.RELIEF_EN),
            "linking": linking.required(call.session, call.context.organisation_id),
            "linking_default": linking.default_for(kind),
            "linking_source": linking.source_for(kind),
        }  # fmt: skip

    values = call(request, work) | {"error": error, "done": request.query_params.get("done", "")}
    return render(request, "admin/organisation.html", values, status=status)


@organisation_router.get("/admin/organisation")
def organisation_settings(request: Request) -> Response:
    return _page(request)


def _yes_no(raw: str) -> bool | None:
    return {"yes": True, "no": False}.get(raw)


@organisation_router.post("/admin/organisation/small-business")
def small_business_answers(
    request: Request,
    *,
    employees: Annotated[str, Form(max_length=9)] = "",
    use_affairs: Answer = "",
    contractor: Answer = "",
    financial: Answer = "",
    over_5000_persons: Answer = "",
) -> Response:
    answers = {
        Exclusion.USE_AFFAIRS: _yes_no(use_affairs), Exclusion.CONTRACTOR: _yes_no(contractor),
        Exclusion.FINANCIAL: _yes_no(financial),
        Exclusion.OVER_5000_PERSONS: _yes_no(over_5000_persons),
    }  # fmt: skip
    count = int(employees) if employees.strip().isdigit() else None

    def work(call: PageCall) -> None:
        standing.answer(call.session, call.context, employees=count, answers=answers)

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/admin/organisation?done=answers")


@organisation_router.post("/admin/organisation/linking")
def linking_setting(
    request: Request, linking_check: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    def work(call: PageCall) -> None:
        linking.set_required(call.session, call.context, on=linking_check == "on")

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/admin/organisation?done=linking")
