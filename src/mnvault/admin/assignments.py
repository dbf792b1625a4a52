"""The assignments screen: clerk × affair × scope as a table a person reads, adding and
ending an assignment, and the organisation's conditions (office hours, handling-area
networks) that apply to every SPI permission (事業者編 別添1 2C a, 2F a, 2F c;
seed 図表2-1 (3)①, 図表2-2 (6)①③)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import Request, Response

from mnvault.access import services as access
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.admin import listing
from mnvault.admin.forms import (
    FORM_ERRORS,
    Many,
    Text,
    message,
    new_router,
    status_of,
    uuid_or_none,
    uuids,
)
from mnvault.affairs.services import get_affair
from mnvault.vault import labels
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.web.pages import redirect, render
from mnvault.web.signed_in import PageCall, call

assignments_router = new_router()
EMPTY: dict[str, Any] = {"user": "", "affair": "", "departments": [], "spi_files": [],
                         "person_kinds": []}  # fmt: skip
WEEKDAYS = [(1, "月", "Mon"), (2, "火", "Tue"), (3, "水", "Wed"), (4, "木", "Thu"),
            (5, "金", "Fri"), (6, "土", "Sat"), (7, "日", "Sun")]  # fmt: skip


def _page(
    request: Request,
    error: str | None = None,
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> Response:
    def work(call: PageCall) -> Any:
        return listing.assignments(call.session, call.context)

    board = call(request, work)
    values = {"board": board, "kinds": labels.PERSON_KINDS, "weekdays": WEEKDAYS, "error": error,
              "done": request.query_params.get("done", ""), "form": form or EMPTY}  # fmt: skip
    return render(request, "admin/assignments.html", values, status=status)


@assignments_router.get("/admin/assignments")
def assignments(request: Request) -> Response:
    return _page(request)


@assignments_router.post("/admin/assignments")
def add_assignment(
    request: Request, *, user: Text = "", affair: Text = "", departments: Many = None,
    spi_files: Many = None, person_kinds: Many = None,
) -> Response:  # fmt: skip
    departments, spi_files, person_kinds = departments or [], spi_files or [], person_kinds or []
    form = {"user": user, "affair": affair, "departments": departments, "spi_files": spi_files,
            "person_kinds": person_kinds}  # fmt: skip

    def work(call: PageCall) -> None:
        access.authorize(call.session, call.context, Permission.ASSIGNMENT_MANAGE)
        user_id = uuid_or_none(user)
        target = call.session.get(User, user_id) if user_id else None
        if target is None:
            raise NotFound("利用者", "user")
        access.assign(
            call.session, call.context, user=target,
            affair=get_affair(call.session, call.context.organisation_id, affair),
            departments=uuids(departments), spi_files=uuids(spi_files),
            person_kinds=[k for k in person_kinds if k],
        )  # fmt: skip

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc), form)
    return redirect(request, "/admin/assignments?done=assigned")


@assignments_router.post("/admin/assignments/{assignment_id}/remove")
def remove_assignment(request: Request, assignment_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        access.remove_assignment(call.session, call.context, assignment_id=assignment_id)

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/admin/assignments?done=removed")


def _time(raw: str) -> dt.time | None:
    if not raw.strip():
        return None
    try:
        return dt.time.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("時刻は HH:MM で入力してください", "times are HH:MM") from None


@assignments_router.post("/admin/conditions")
def conditions(
    request: Request, *, time_zone: Text = "Asia/Tokyo", office_days: Many = None,
    office_start: Text = "", office_end: Text = "", networks: Text = "",
) -> Response:  # fmt: skip
    def work(call: PageCall) -> None:
        days = [int(d) for d in office_days or [] if d.isdigit()]
        cidrs = [n for n in networks.replace(",", "\n").split() if n]
        access.set_conditions(
            call.session,
            call.context,
            time_zone=time_zone.strip() or "Asia/Tokyo",
            office_days=days or None,
            office_start=_time(office_start),
            office_end=_time(office_end),
            networks=cidrs or None,
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/admin/assignments?done=conditions")
