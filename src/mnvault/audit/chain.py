"""The canonical encoding of an audit entry and its SHA-256 chain hash (encoding v1).

An entry's hash covers its sequence number, every field and the previous entry's hash,
so changing, removing, inserting or reordering any entry breaks every hash after it.

Encoding v1 (frozen: a different encoding needs a new tag, never a changed meaning):

    entry_hash = SHA-256(TAG || field(seq) || field(occurred_at) || ... || field(prev_hash))

each field being a 4-byte big-endian length followed by that many bytes, and an absent
value (SQL NULL) the length 0xFFFFFFFF with no bytes, so that NULL and "" differ and
no two field lists share an encoding. Values as bytes:

- seq: decimal ASCII;
- occurred_at: UTC ISO 8601 with microseconds, ``2026-01-02T03:04:05.000006+00:00``;
- ids (actor, organisation, person, SPI file): 32 lowercase hex digits;
- text (action, outcome, affair, request id, client address): UTF-8;
- details: JSON with sorted keys, no whitespace, non-ASCII kept as UTF-8;
- prev_hash: the 32 raw bytes (32 zero bytes before the first entry).

Length prefixes rather than JSON, because the bulk path (a million-row import) builds
the bytes of the fields that stay constant once and splices in only seq and person id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

TAG = b"mnvault.audit.entry.v1\x00"
GENESIS = bytes(32)
HASH_BYTES = 32
_NULL = b"\xff\xff\xff\xff"

# The entry's fields in hash order (seq first, prev_hash last).
FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "organisation_id",
    "action",
    "outcome",
    "affair_code",
    "person_id",
    "spi_file_id",
    "request_id",
    "client_address",
    "details",
    "prev_hash",
)


def field(value: bytes | None) -> bytes:
    if value is None:
        return _NULL
    return len(value).to_bytes(4, "big") + value


def text(value: str | None) -> bytes:
    return field(None if value is None else value.encode("utf-8"))


def seq_field(seq: int) -> bytes:
    return field(str(seq).encode("ascii"))


# -- canonical text of each value (what an exported trail holds) ------------------------


def timestamp_text(value: datetime) -> str:
    if value.tzinfo is None:  # what SQLite hands back; the column always means UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def ident_text(value: uuid.UUID | bytes | None) -> str | None:
    if value is None:
        return None
    return (value.bytes if isinstance(value, uuid.UUID) else bytes(value)).hex()


def canonical_details(details: Mapping[str, Any] | None) -> str | None:
    if details is None:
        return None
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def timestamp(value: datetime) -> bytes:
    return text(timestamp_text(value))


def ident(value: uuid.UUID | bytes | None) -> bytes:
    return text(ident_text(value))


def encode_texts(seq: int, texts: Sequence[str | None], prev_hash: bytes) -> bytes:
    """The encoding from canonical texts: ``texts`` are the eleven fields from
    occurred_at to details, in :data:`FIELDS` order."""
    return b"".join((TAG, seq_field(seq), *map(text, texts), field(prev_hash)))


def encode(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: uuid.UUID | bytes | None,
    organisation_id: uuid.UUID | bytes | None,
    action: str,
    outcome: str,
    affair_code: str | None,
    person_id: uuid.UUID | bytes | None,
    spi_file_id: uuid.UUID | bytes | None,
    request_id: str | None,
    client_address: str | None,
    details: Mapping[str, Any] | None,
    prev_hash: bytes,
) -> bytes:
    texts = (
        timestamp_text(occurred_at),
        ident_text(actor_id),
        ident_text(organisation_id),
        action,
        outcome,
        affair_code,
        ident_text(person_id),
        ident_text(spi_file_id),
        request_id,
        client_address,
        canonical_details(details),
    )
    return encode_texts(seq, texts, prev_hash)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def entry_hash(**fields: Any) -> bytes:
    """SHA-256 of :func:`encode` (keyword arguments named as in :data:`FIELDS`)."""
    return hashlib.sha256(encode(**fields)).digest()


def bulk_hasher(
    *,
    occurred_at: datetime,
    actor_id: uuid.UUID | bytes | None,
    organisation_id: uuid.UUID | bytes | None,
    action: str,
    outcome: str,
    affair_code: str | None,
    spi_file_id: uuid.UUID | bytes | None,
    request_id: str | None,
    client_address: str | None,
    details: Mapping[str, Any] | None,
) -> Callable[[int, bytes, bytes], bytes]:
    """``hash(seq, person_id_16_bytes, prev_hash)`` for entries alike but for seq and person.

    The same bytes as :func:`entry_hash`, with the constant fields encoded once.
    """
    head = b"".join(
        (
            timestamp(occurred_at),
            ident(actor_id),
            ident(organisation_id),
            text(action),
            text(outcome),
            text(affair_code),
        )
    )
    tail = b"".join(
        (
            ident(spi_file_id),
            text(request_id),
            text(client_address),
            text(canonical_details(details)),
        )
    )
    sha256 = hashlib.sha256
    id_prefix = (32).to_bytes(4, "big")
    hash_prefix = HASH_BYTES.to_bytes(4, "big")

    def hash_one(seq: int, person_id: bytes, prev_hash: bytes) -> bytes:
        digits = str(seq).encode("ascii")
        return sha256(
            b"".join(
                (
                    TAG,
                    len(digits).to_bytes(4, "big"),
                    digits,
                    head,
                    id_prefix,
                    person_id.hex().encode("ascii"),
                    tail,
                    hash_prefix,
                    prev_hash,
                )
            )
        ).digest()

    return hash_one
