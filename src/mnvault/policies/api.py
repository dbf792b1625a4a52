"""JSON routes of the 基本方針 and 取扱規程 (thin): the documents and their versions, a new
draft, an edited copy uploaded, approval, publication, and the files. No number here."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.policies import services as policies
from mnvault.policies.rules import Document
from mnvault.policies.shapes import overview_json, version_json
from mnvault.web import body_limits
from mnvault.web.calls import Call, call
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["policies"], responses=SIGNED_IN)
BODY_AND_VERSION = {**WITH_BODY, **problem_responses(404, 409)}
UPLOADS = {**BODY_AND_VERSION, **problem_responses(413)}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE = {200: {"content": {"application/pdf": {}, DOCX: {}}}, **problem_responses(404, 409)}
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# An edited 基本方針 or 取扱規程 (Word or PDF), on the API and the screen.
body_limits.upload(r"(/api/v1)?/policies/[^/]+/uploads?", UPLOAD_MAX_BYTES)


class PublishIn(BaseModel):
    effective_from: date


def _version(session: Session, context: Context, version_id: uuid.UUID) -> dict[str, Any]:
    for doc in policies.overview(session, context):
        for v in doc.versions:
            if v.id == version_id:
                return version_json(v)
    return {}


@router.get("/policies")
def documents(request: Request) -> dict[str, Any]:
    """Both documents: the version in force, the history, whether a new draft is suggested."""

    def work(call: Call) -> dict[str, Any]:
        return overview_json(policies.overview(call.session, call.context))

    return call(request, work)


@router.post("/policies/{document}/drafts", status_code=201, responses=BODY_AND_VERSION)
def draft(request: Request, document: Document) -> dict[str, Any]:
    """Generate a draft (.docx and PDF) from the organisation's data (managers)."""

    def work(call: Call) -> dict[str, Any]:
        row = policies.draft(call.session, call.envelope, call.context, document=document)
        return _version(call.session, call.context, row.id)

    return call(request, work)


@router.post("/policies/{document}/uploads", status_code=201, responses=UPLOADS)
def upload(
    request: Request,
    document: Document,
    file: Annotated[UploadFile, File()],
    note: Annotated[str | None, Form(max_length=1000)] = None,
    based_on: Annotated[uuid.UUID | None, Form()] = None,
) -> dict[str, Any]:
    """Upload an edited copy (.docx or PDF) as a new version (managers)."""
    data = file.file.read(UPLOAD_MAX_BYTES + 1)

    def work(call: Call) -> dict[str, Any]:
        row = policies.upload(
            call.session, call.envelope, call.context, document=document,
            filename=file.filename or "upload", data=data, note=note, based_on=based_on,
        )  # fmt: skip
        return _version(call.session, call.context, row.id)

    return call(request, work)


@router.post("/policies/versions/{version_id}/approve", responses=BODY_AND_VERSION)
def approve(request: Request, version_id: uuid.UUID) -> dict[str, Any]:
    """The 責任者 approves a version someone else made (policies/rules.py)."""

    def work(call: Call) -> dict[str, Any]:
        policies.approve(call.session, call.context, version_id=version_id)
        return _version(call.session, call.context, version_id)

    return call(request, work)


@router.post("/policies/versions/{version_id}/publish", responses=BODY_AND_VERSION)
def publish(request: Request, version_id: uuid.UUID, body: PublishIn) -> dict[str, Any]:
    """Publish an approved version with its effective date (the organisation's date)."""

    def work(call: Call) -> dict[str, Any]:
        policies.publish(
            call.session, call.context, version_id=version_id, effective_from=body.effective_from
        )
        return _version(call.session, call.context, version_id)

    return call(request, work)


def _file(got: policies.Download) -> Response:
    return Response(
        got.data,
        media_type=got.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(got.filename)}",
            "X-Content-SHA256": got.sha256,
        },
    )


@router.get("/policies/versions/{version_id}/file", response_class=Response, responses=FILE)
def version_file(
    request: Request,
    version_id: uuid.UUID,
    fmt: str = Query("docx", alias="format", pattern="^(docx|pdf)$"),
) -> Response:
    """A version's Word file or PDF (audited)."""

    def work(call: Call) -> policies.Download:
        return policies.download(
            call.session, call.envelope, call.context, version_id=version_id, fmt=fmt
        )

    return _file(call(request, work))


@router.get("/policies/{document}/current", response_class=Response, responses=FILE)
def current_file(
    request: Request,
    document: str,
    fmt: str = Query("pdf", alias="format", pattern="^(docx|pdf)$"),
) -> Response:
    """The version in force today (audited); ``document`` is basic_policy or handling_rules
    (checked after sign-in, so that a GET without a token answers 401 whatever it names)."""

    def work(call: Call) -> policies.Download:
        return policies.download(
            call.session,
            call.envelope,
            call.context,
            document=policies.document_of(document),
            fmt=fmt,
        )

    return _file(call(request, work))
