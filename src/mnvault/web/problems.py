"""Errors as RFC 9457 problem documents, in Japanese and English, never with a number."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mnvault.access.errors import AccessError, AuthorizationDenied, WeakPassword
from mnvault.auth.errors import (
    AccountLocked,
    EnrolmentRequired,
    SecondFactorRequired,
    SessionExpired,
    SignInFailed,
    TokenInvalid,
)
from mnvault.crypto import CryptoError
from mnvault.numbers import redact
from mnvault.vault.errors import (
    AlreadyHeld,
    DuplicateNumber,
    NotFound,
    NotHeld,
    UnknownAffair,
    VaultError,
)

PROBLEM = "application/problem+json"


class Sealed(Exception):
    message_ja = "鍵束が封印されています。管理者がアンシールするまで番号は扱えません"
    message_en = "the keyring is sealed; no number work until an operator unseals it"


class RateLimited(Exception):
    message_ja = "要求が多すぎます。しばらく待ってから再度お試しください"
    message_en = "too many requests; wait a moment and try again"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


_STATUS: list[tuple[type[Exception], int, str]] = [
    (AuthorizationDenied, 403, "forbidden"),
    (WeakPassword, 422, "weak-password"),
    (EnrolmentRequired, 403, "enrolment-required"),
    (SecondFactorRequired, 401, "second-factor-required"),
    (AccountLocked, 423, "locked"),
    (SignInFailed, 401, "sign-in-failed"),
    (SessionExpired, 401, "unauthenticated"),
    (TokenInvalid, 401, "unauthenticated"),
    (AccessError, 401, "unauthenticated"),
    (NotFound, 404, "not-found"),
    (NotHeld, 404, "not-held"),
    (UnknownAffair, 422, "unknown-affair"),
    (DuplicateNumber, 409, "duplicate-number"),
    (AlreadyHeld, 409, "already-held"),
    (VaultError, 422, "invalid"),
    (CryptoError, 409, "does-not-decrypt"),
    (Sealed, 503, "sealed"),
    (RateLimited, 429, "rate-limited"),
]


def problem(
    status: int, kind: str, title_ja: str, title_en: str, detail: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://mnvault.example/problems/{kind}",
        "title": title_en,
        "title_ja": title_ja,
        "status": status,
    }
    if detail:
        body["detail"] = redact(detail)  # the last guard: no number in any error
    body.update(extra)
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="mnvault"'
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _known(request: Request, exc: Exception) -> JSONResponse:
    for kind_type, status, kind in _STATUS:
        if isinstance(exc, kind_type):
            ja = getattr(exc, "message_ja", "エラー")
            en = getattr(exc, "message_en", "error")
            extra: dict[str, Any] = {}
            if isinstance(exc, AuthorizationDenied):
                extra["reason"] = exc.reason
            response = problem(status, kind, ja, en, str(exc), **extra)
            if isinstance(exc, RateLimited):
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
    raise exc


def install(app: FastAPI) -> None:
    for kind_type, _, _ in _STATUS:
        app.add_exception_handler(kind_type, _known)

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
        return problem(exc.status_code, "http", "エラー", str(exc.detail))

    @app.exception_handler(Exception)
    def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        return problem(500, "internal", "内部エラーが発生しました", "internal error")
