"""Errors as RFC 9457 problem documents, in Japanese and English, never with a number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from mnvault import errors
from mnvault.errors import MnvaultError

PROBLEM = "application/problem+json"


# -- the problem document, as the OpenAPI schema declares it ------------------------------


class InvalidField(BaseModel):
    """Where a request failed validation; never the offending value (it may be a number)."""

    loc: list[str]
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem document: English ``title``, Japanese ``title_ja``; no number."""

    type: str = Field(description="a URI naming the kind of problem")
    title: str
    title_ja: str
    status: int
    detail: str | None = Field(default=None, description="more, in Japanese / English")
    reason: str | None = Field(default=None, description="why access was denied (403)")
    errors: list[InvalidField] | None = Field(
        default=None, description="where the input is invalid (422)"
    )


_REF = "#/components/schemas/Problem"
_DESCRIPTIONS = {
    400: "the body cannot be parsed / 本文を解析できません",
    401: "not signed in, session over, second factor pending, or sign-in failed / 未認証",
    403: "not permitted, or a step of signing in still to do / 権限がありません",
    404: "not found in this organisation / 見つかりません",
    409: "conflicts with what is held / 登録内容と矛盾します",
    422: "invalid input / 入力が正しくありません",
    423: "account locked after repeated failures / アカウントがロックされています",
    429: "too many requests / 要求が多すぎます",
    503: "the keyring is sealed, or the audit entry cannot be written / 鍵束が封印されています、"
    "または監査記録を書き込めません",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    429: {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: these statuses answer a problem document."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM: {"schema": {"$ref": _REF}}},
        }
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    return responses


# What any route behind ``web.calls.call`` may answer: no or a dead session (401), enrolment
# or permission missing (403), invalid input (422), the keyring sealed (503).
SIGNED_IN = problem_responses(401, 403, 422, 503)
# A route with a JSON body may also meet one that cannot be parsed at all (400).
WITH_BODY = problem_responses(400)


class Sealed(MnvaultError):
    message_ja = "鍵束が封印されています。管理者がアンシールするまで番号は扱えません"
    message_en = "the keyring is sealed; no number work until an operator unseals it"
    status = 503
    kind = "sealed"


class Conflict(MnvaultError):
    """The request would duplicate something that must be unique (a login, say)."""

    message_ja = "既に登録されています"
    message_en = "already exists"
    status = 409
    kind = "conflict"


class RateLimited(MnvaultError):
    message_ja = "要求が多すぎます。しばらく待ってから再度お試しください"
    message_en = "too many requests; wait a moment and try again"
    status = 429
    kind = "rate-limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


_HTTP_TITLES_JA = {
    400: "リクエストを解析できません",
    404: "見つかりません",
    405: "このメソッドは使えません",
}


def respond(rendered: errors.Problem) -> JSONResponse:
    """A rendered problem document as the HTTP answer (never cached; 401 names its realm)."""
    headers = {"Cache-Control": "no-store", **rendered.headers}
    if rendered.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="mnvault"'
    return JSONResponse(
        rendered.body, status_code=rendered.status, media_type=PROBLEM, headers=headers
    )


def problem(
    status: int, kind: str, title_ja: str, title_en: str, detail: str | None = None, **extra: Any
) -> JSONResponse:
    return respond(errors.document(status, kind, title_ja, title_en, detail, **extra))


def _known(_request: Request, exc: Exception) -> JSONResponse:
    return respond(errors.problem(exc))


def _document(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with the problem document among the schemas, and FastAPI's default
    422 answer (a JSON ``HTTPValidationError``, which this app never sends) replaced by
    the problem document that ``_invalid`` below does send."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        invalid = problem_responses(422)[422]
        default = "#/components/schemas/HTTPValidationError"
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                answer = operation.get("responses", {}).get("422", {})
                if answer.get("content", {}).get("application/json", {}).get("schema") == {
                    "$ref": default
                }:
                    operation["responses"]["422"] = invalid
        if default not in str(document.get("paths")):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        app.openapi_schema = document
        return document

    return openapi


def install(app: FastAPI) -> None:
    app.openapi = _document(app)  # type: ignore[method-assign]
    # Every registered error, and any error of ours registered after this (a subclass
    # finds its base's handler; the renderer finds its nearest registered status).
    handled: set[type[Exception]] = {MnvaultError, *errors.registered()}
    for error in handled:
        app.add_exception_handler(error, _known)

    @app.exception_handler(RequestValidationError)
    def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Pydantic echoes the offending input; a number may be in it, so keep only where.
        errors = [
            {"loc": [str(part) for part in e.get("loc", ())], "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem(422, "invalid", "入力が正しくありません", "invalid input", errors=errors)

    @app.exception_handler(HTTPException)
    def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        ja = _HTTP_TITLES_JA.get(exc.status_code, "エラー")
        response = problem(exc.status_code, "http", ja, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers.setdefault(name, value)  # Allow on 405, say
        return response

    @app.exception_handler(Exception)
    def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        return problem(500, "internal", "内部エラーが発生しました", "internal error")
