"""Access errors, each with a Japanese and an English message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mnvault.errors import MnvaultError, Refusal
from mnvault.vault.errors import VaultError

if TYPE_CHECKING:
    from mnvault.access.passwords import PasswordProblem


class AccessError(MnvaultError):
    message_ja = "アクセスエラー"
    message_en = "access error"
    status = 401
    kind = "unauthenticated"
    to_sign_in = True  # a screen sends the person (back) to sign in


class AuthenticationFailed(AccessError):
    message_ja = "ユーザー名またはパスワードが正しくありません"
    message_en = "wrong user name or password"


@dataclass
class AuthorizationDenied(AccessError, Refusal):
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
    status = 403
    kind = "forbidden"
    to_sign_in = False  # signed in, but refused: the error page says why

    def detail_texts(self) -> tuple[str, str]:
        return self.reason, self.reason

    def shown_reason(self) -> str | None:
        return self.reason

    def problem_members(self) -> dict[str, Any]:
        return {"reason": self.reason}

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en} ({self.permission}: {self.reason})"


@dataclass
class OutOfReach(AuthorizationDenied):
    """A person outside the actor's assignments, answered as one that does not exist
    (issue #11): a clerk learns nothing of the persons beyond their scope, not even that
    they exist; the trail records the denial as for any other (``permission``, ``reason``)."""

    detail_ja: str = ""
    detail_en: str = ""

    message_ja = "見つかりません"
    message_en = "not found"
    status = 404
    kind = "not-found"

    def detail_texts(self) -> tuple[str, str]:
        return self.detail_ja, self.detail_en

    def problem_members(self) -> dict[str, Any]:
        return {}  # no reason: said as NotFound is

    def shown_reason(self) -> str | None:
        return None  # a person beyond one's assignments looks like no person

    def __str__(self) -> str:  # as vault.errors.NotFound says it
        ja = f"{self.message_ja}（{self.detail_ja}）" if self.detail_ja else self.message_ja
        en = f"{self.message_en} ({self.detail_en})" if self.detail_en else self.message_en
        return f"{ja} / {en}"

    @classmethod
    def of(cls, denied: AuthorizationDenied, detail_ja: str, detail_en: str) -> OutOfReach:
        fields = {k: getattr(denied, k) for k in AuthorizationDenied.__dataclass_fields__}
        return cls(**fields, detail_ja=detail_ja, detail_en=detail_en)


class WeakPassword(AccessError):
    """A new password breaks the rules of :mod:`mnvault.access.passwords`.

    ``problems`` holds each broken rule with its own Japanese and English message; none of
    them repeats the password."""

    message_ja = "パスワードが要件を満たしていません"
    message_en = "the password does not meet the requirements"
    status = 422
    kind = "weak-password"

    def __init__(self, problems: Sequence[PasswordProblem]) -> None:
        self.problems: tuple[PasswordProblem, ...] = tuple(problems)
        super().__init__()

    def detail_texts(self) -> tuple[str, str]:
        return (
            " ".join(p.message_ja for p in self.problems),
            " ".join(p.message_en for p in self.problems),
        )

    def __str__(self) -> str:
        text = f"{self.message_ja} / {self.message_en}"
        details = "; ".join(f"{p.message_ja} / {p.message_en}" for p in self.problems)
        return f"{text}: {details}" if details else text


class LoginTaken(VaultError):
    """The login is already used in the same organisation. Only there: a login in
    another organisation is never checked, so this says nothing about anyone else's
    users (issue #3)."""

    message_ja = "このログイン名はこの組織で既に使われています"
    message_en = "this login is already used in this organisation"
    status = 409
    kind = "login-taken"
