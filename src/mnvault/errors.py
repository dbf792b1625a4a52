"""The one error model: a bilingual base error, the statuses packages register for the
errors they own, and the one renderer that turns any error into a problem document
(RFC 9457), a form message or a CLI line, always with its numbers masked.

A package's ``errors.py`` subclasses :class:`MnvaultError`. A class that declares
``status`` (and ``kind``) registers them; a subclass that declares only ``message_ja``
and ``message_en`` answers with the status of its nearest registered base. An error this
module cannot own (the crypto layer's, which stays a leaf) is registered by the package
that gives it a meaning, with :func:`register`.

The kernel (numbers, crypto, config, db, errors, context) imports no domain package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from mnvault.numbers import mask_numbers

PROBLEM_TYPE = "https://mnvault.example/problems/"

# What answers an error nobody registered: it is a fault, and its text is not shown.
INTERNAL = (500, "internal")
INTERNAL_JA, INTERNAL_EN = "内部エラーが発生しました", "internal error"

_REGISTERED: dict[type[Exception], tuple[int, str]] = {}


def register(error: type[Exception], status: int, kind: str) -> None:
    """``error`` and its subclasses answer ``status``, with the problem type ``kind``
    (a subclass registered itself wins over its base)."""
    _REGISTERED[error] = (status, kind)


def registered() -> dict[type[Exception], tuple[int, str]]:
    """Every registered error with its status and kind (for the OpenAPI handlers, tests)."""
    return dict(_REGISTERED)


def status_of(error: BaseException) -> tuple[int, str] | None:
    """The status and kind of the nearest registered class of ``error``, or None."""
    for klass in type(error).__mro__:
        found = _REGISTERED.get(klass)
        if found is not None:
            return found
    return None


class MnvaultError(Exception):
    """An error a person can cause or meet: a Japanese and an English message, an
    optional detail in both languages, and (through registration) an HTTP status and a
    kind. Its text never carries a number; the renderer masks one anyway."""

    message_ja: ClassVar[str] = "処理できません"
    message_en: ClassVar[str] = "cannot be processed"
    status: ClassVar[int]
    kind: ClassVar[str]
    detail_ja: str = ""
    detail_en: str = ""
    # A screen that meets this error sends the person to sign in (a session that is over);
    # the package that owns the error says so, the frame only asks (web/pages.py).
    to_sign_in: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "status" in cls.__dict__ or "kind" in cls.__dict__:
            register(cls, cls.status, cls.kind)

    def __init__(self, detail_ja: str = "", detail_en: str = "") -> None:
        self.detail_ja = detail_ja
        self.detail_en = detail_en
        super().__init__(str(self))

    def detail_texts(self) -> tuple[str, str]:
        """The detail in Japanese and in English ("" for none)."""
        return self.detail_ja, self.detail_en

    def problem_members(self) -> dict[str, Any]:
        """Members the problem document carries beside the standard ones."""
        return {}

    def headers(self) -> dict[str, str]:
        """Headers an HTTP answer with this error carries."""
        return {}

    def shown_reason(self) -> str | None:
        """Why it was refused, where an error page may say so (None: say nothing more)."""
        return None

    def __str__(self) -> str:
        detail_ja, detail_en = self.detail_texts()
        ja = f"{self.message_ja}（{detail_ja}）" if detail_ja else self.message_ja
        en = f"{self.message_en} ({detail_en})" if detail_en else self.message_en
        return f"{ja} / {en}"


class Refusal(MnvaultError):
    """A refused attempt: the audited transaction (mnvault.context) records it after the
    rollback, in a transaction of its own (DESIGN.md invariant 2)."""

    message_ja = "この操作は許可されていません"
    message_en = "this operation is not permitted"
    status = 403
    kind = "forbidden"


# -- the renderer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """An error as an RFC 9457 problem document: ``body`` is the JSON, already masked."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def problem(error: BaseException) -> Problem:
    """The problem document of ``error``: English ``title``, Japanese ``title_ja``, the
    whole bilingual text as ``detail``. An error nobody registered is a fault: a 500
    that says nothing of it."""
    found = status_of(error)
    if found is None:
        return document(*INTERNAL, INTERNAL_JA, INTERNAL_EN)
    status, kind = found
    ja, en = _messages(error)
    members = error.problem_members() if isinstance(error, MnvaultError) else {}
    headers = error.headers() if isinstance(error, MnvaultError) else {}
    return document(status, kind, ja, en, str(error), headers=headers, **members)


def document(
    status: int,
    kind: str,
    title_ja: str,
    title_en: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **members: Any,
) -> Problem:
    """A problem document from its parts (for errors that are not exceptions of ours:
    invalid input, an HTTP error of the framework)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + kind,
        "title": mask_numbers(title_en),
        "title_ja": mask_numbers(title_ja),
        "status": status,
    }
    if detail:
        body["detail"] = mask_numbers(detail)
    body.update(members)
    return Problem(status, body, dict(headers or {}))


def message(error: BaseException, lang: str, *, detail: bool = True) -> str:
    """What a form (message and detail) or an error page (``detail=False``: the page
    says the rest) says in ``lang`` (``ja`` or ``en``), masked. An error nobody
    registered says only that it happened."""
    if status_of(error) is None:
        return INTERNAL_JA if lang == "ja" else INTERNAL_EN
    ja, en = _messages(error)
    detail_ja, detail_en = ("", "")
    if detail and isinstance(error, MnvaultError):
        detail_ja, detail_en = error.detail_texts()
    if lang == "ja":
        text = f"{ja}（{detail_ja}）" if detail_ja else ja
    else:
        text = f"{en} ({detail_en})" if detail_en else en
    return mask_numbers(text)


def reason(error: BaseException) -> str | None:
    """The reason an error page shows, masked; None for an error that shows none."""
    shown = error.shown_reason() if isinstance(error, MnvaultError) else None
    return mask_numbers(shown) if shown else None


def sends_to_sign_in(error: BaseException) -> bool:
    """Whether a screen answers ``error`` by sending the person to sign in."""
    return isinstance(error, MnvaultError) and error.to_sign_in


def line(error: BaseException | str) -> str:
    """What a command prints: both languages on one line (an error's own text, or a
    command's bilingual words), masked."""
    return f"エラー / error: {mask_numbers(str(error))}"


def _messages(error: BaseException) -> tuple[str, str]:
    return (
        str(getattr(error, "message_ja", "")) or "エラー",
        str(getattr(error, "message_en", "")) or "error",
    )
