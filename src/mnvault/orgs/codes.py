"""Organisation codes: the short public name a user types when signing in (企業コード).

A login is unique within its home organisation only, so signing in names the
organisation first, as Japanese business systems do (企業コード + ログインID). A code is
public, not a secret: it says which organisation, never who is in it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.orgs.models import Organisation
from mnvault.vault.errors import InvalidInput

CODE_MAX = 32
CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
# Letters and digits that cannot be misread for one another when read aloud or typed.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def normalise_code(text: str) -> str:
    """Full-width input (a Japanese IME's default) and capitals read as the same code."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def require_code(text: str) -> str:
    code = normalise_code(text)
    if not CODE.fullmatch(code):
        raise InvalidInput(
            "組織コードは英数字とハイフンで32文字以内にしてください（先頭と末尾は英数字）",
            "an organisation code is up to 32 ASCII letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        )
    return code


def new_code() -> str:
    """A default code made from nothing but randomness (no name, no secret)."""
    return "org-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def organisation_by_code(session: Session, text: str) -> Organisation | None:
    code = normalise_code(text)
    if not CODE.fullmatch(code):
        return None
    return session.scalar(select(Organisation).where(Organisation.code == code))


def code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None
