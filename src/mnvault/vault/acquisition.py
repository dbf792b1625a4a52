"""The rules of acquiring a number (取得), once: for one person (``services.acquire``) and
for the bulk import (``importer``), so that both refuse the same input with the same reason.

Each rule raises a :class:`VaultError`; the import turns it into a line error with
:func:`reasons`, ``acquire`` lets it rise. The import runs the per-line rules in its
reader process, without a database: they take what they need (affairs, the holder of a
blind index) as arguments.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mnvault import numbers
from mnvault.access.context import Context
from mnvault.affairs.models import Affair
from mnvault.affairs.services import admit_holder, get_affair
from mnvault.crypto import Envelope
from mnvault.vault import identity
from mnvault.vault.errors import AffairNotApplicable, DuplicateNumber, InvalidInput, VaultError
from mnvault.vault.freetext import without_number

MY_NUMBER_FIELD = "my_number"

# NUL and the other C0 controls: PostgreSQL refuses NUL in text, and none belongs in an
# id or a name (a tab or a line break there is a pasting accident).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def affair_codes(codes: Sequence[str]) -> list[str]:
    """The affairs named, each once (an affair named twice counts once), at least one."""
    unique = list(dict.fromkeys(codes))
    if not unique:
        raise InvalidInput("事務を指定してください", "name at least one affair")
    return unique


def resolve_affairs(session: Session, context: Context, codes: Sequence[str]) -> list[Affair]:
    """The affairs named, each one the organisation's kind may hold (affairs/holders.py)."""
    affairs = [get_affair(session, context.organisation_id, code) for code in codes]
    for affair in affairs:
        admit_holder(session, context.organisation_id, affair)
    return affairs


def admit_kind(affairs: Sequence[Affair], kind: str) -> None:
    """Every affair must apply to the person's kind (番号法第9条 別表)."""
    for affair in affairs:
        if kind not in affair.person_kinds:
            raise AffairNotApplicable(f"{affair.code} × {kind}", f"{affair.code} for {kind}")


def check_person_text(external_ref: str, name: str) -> None:
    if not external_ref.strip() or not name.strip():
        raise InvalidInput("社員番号等と氏名は必須です", "external id and name are required")
    if _CONTROL.search(external_ref) or _CONTROL.search(name):
        raise InvalidInput(
            "社員番号等と氏名に制御文字（NULなど）は使えません",
            "the external id and the name may not contain control characters (such as NUL)",
        )
    # A number typed into the wrong column never lands in a person's record (issue #11).
    without_number(external_ref, "社員番号等", "external id")
    without_number(name, "氏名", "name")


def parse_number(raw: str) -> str:
    """The number to acquire, normalised; the refusal names the field, never the input."""
    try:
        return numbers.parse_my_number(raw)
    except numbers.InvalidNumber as exc:
        raise InvalidInput(f"個人番号: {exc.message_ja}", f"my_number: {exc.message_en}") from None


def admit_verification(
    verification: identity.Verification,
    kind: str,
    verified_at: datetime,
    *,
    earlier_verified: bool,
) -> identity.Verification:
    """本人確認 (番号法第16条): the rule tables of :mod:`mnvault.vault.identity`."""
    identity.check(
        verification, kind=kind, verified_at=verified_at, earlier_verified=earlier_verified
    )
    return verification


def refuse_duplicate(holder: uuid.UUID | bytes | None, person_id: uuid.UUID | bytes) -> None:
    """A number held by another person of the organisation is not acquired again."""
    if holder is not None and holder != person_id:
        raise DuplicateNumber()


@dataclass(frozen=True, slots=True)
class SealedNumber:
    blind_index: bytes
    ciphertext: bytes
    index_version: int


def seal_number(
    envelope: Envelope,
    org_hex: str,
    person_hex: str,
    dek: bytes,
    number: str,
    *,
    index_version: int | None = None,
) -> SealedNumber:
    """The number sealed under the person's data key, and its blind index under
    ``index_version`` (by default the current index key)."""
    if index_version is None:
        index_version, index = envelope.index(org_hex, number)
    else:
        index = envelope.blind_index(org_hex, number, index_version)
    return SealedNumber(
        index,
        envelope.seal_field(dek, org_hex, person_hex, MY_NUMBER_FIELD, number.encode("ascii")),
        index_version,
    )


def reasons(exc: VaultError) -> tuple[str, str]:
    """A rule's refusal as the (Japanese, English) reason of an import line: the detail
    alone for bad input (the line says what is wrong), else the message and detail."""
    if isinstance(exc, InvalidInput) and exc.detail_ja and exc.detail_en:
        return exc.detail_ja, exc.detail_en
    ja = f"{exc.message_ja}（{exc.detail_ja}）" if exc.detail_ja else exc.message_ja
    en = f"{exc.message_en} ({exc.detail_en})" if exc.detail_en else exc.message_en
    return ja, en
