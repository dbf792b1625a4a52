"""The 基本方針・取扱規程 page: both documents, the version in force, the history, a suggestion
when the data changed; a 責任者 drafts, uploads, approves and publishes here. Thin: parse, call
mnvault.policies.services, render. No page shows a number."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from mnvault.policies import services as policies
from mnvault.policies.errors import FORM_ERRORS, InvalidDate
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
Format = Annotated[str, Query(alias="format", pattern="^(docx|pdf)$")]


def _page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> policies.Page:
        return policies.page(call.session, call.context)

    return render(
        request, "policies/policies.html", {"page": call(request, work), "error": error},
        status=status,
    )  # fmt: skip


def _act(request: Request, work: object, anchor: str) -> Response:
    try:
        call(request, work)  # type: ignore[arg-type]
    except FORM_ERRORS as exc:
        return _page(request, error=message_of(request, exc), status=422)
    return redirect(request, f"/policies#{anchor}")


@router.get("/policies")
def page(request: Request) -> Response:
    return _page(request)


@router.post("/policies/{document}/draft")
def draft(request: Request, document: str) -> Response:
    """A 責任者 generates a draft from the organisation's data."""

    def work(call: PageCall) -> None:
        policies.draft(
            call.session, call.envelope, call.context, document=policies.document_of(document)
        )

    return _act(request, work, document)


@router.post("/policies/{document}/upload")
def upload(
    request: Request,
    document: str,
    file: Annotated[UploadFile | None, File()] = None,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A 責任者 uploads an edited copy (.docx or PDF) as a new version."""
    data = file.file.read(UPLOAD_MAX_BYTES + 1) if file is not None and file.filename else b""
    filename = file.filename if file is not None and file.filename else "upload"

    def work(call: PageCall) -> None:
        policies.upload(
            call.session, call.envelope, call.context, document=policies.document_of(document),
            filename=filename, data=data, note=note or None,
        )  # fmt: skip

    return _act(request, work, document)


@router.post("/policies/versions/{version_id}/approve")
def approve(request: Request, version_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        policies.approve(call.session, call.context, version_id=version_id)

    return _act(request, work, "versions")


@router.post("/policies/versions/{version_id}/publish")
def publish(
    request: Request,
    version_id: uuid.UUID,
    effective_from: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def work(call: PageCall) -> None:
        try:
            day = date.fromisoformat(effective_from)
        except ValueError:
            raise InvalidDate() from None
        policies.publish(call.session, call.context, version_id=version_id, effective_from=day)

    return _act(request, work, "versions")


def _file(request: Request, got: policies.Download) -> Response:
    response = Response(
        got.data, media_type=got.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(got.filename)}"},
    )  # fmt: skip
    return finish(request, response)


@router.get("/policies/versions/{version_id}/file")
def version_file(request: Request, version_id: uuid.UUID, fmt: Format = "docx") -> Response:
    def work(call: PageCall) -> policies.Download:
        return policies.download(
            call.session, call.envelope, call.context, version_id=version_id, fmt=fmt
        )

    return _file(request, call(request, work))


@router.get("/policies/{document}/current")
def current_file(request: Request, document: str, fmt: Format = "pdf") -> Response:
    def work(call: PageCall) -> policies.Download:
        return policies.download(
            call.session,
            call.envelope,
            call.context,
            document=policies.document_of(document),
            fmt=fmt,
        )

    return _file(request, call(request, work))
