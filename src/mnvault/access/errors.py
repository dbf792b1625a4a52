"""Access errors, each with a Japanese and an English message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class AccessError(Exception):
    message_ja = "アクセスエラー"
    message_en = "access error"

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"


class AuthenticationFailed(AccessError):
    message_ja = "ユーザー名またはパスワードが正しくありません"
    message_en = "wrong user name or password"


@dataclass
class AuthorizationDenied(AccessError):
    """Raised by authorize(); carries what the audit entry of the denial must say."""

    permission: str
    reason: str
    actor_id: Any = None
    organisation_id: Any = None
    affair_code: str | None = None
    person_id: Any = None
    request_id: str | None = None
    client_address: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    message_ja = "この操作は許可されていません"
    message_en = "this operation is not permitted"

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en} ({self.permission}: {self.reason})"
