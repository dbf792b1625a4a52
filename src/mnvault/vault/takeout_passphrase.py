"""A workbook take-out's passphrase between the request and the download.

The vault generates it at the request and shows it once to the requester, who passes it
to the recipient by another channel (telephone, in person) while the request waits for
approval. The file is made only at the download, so the passphrase is kept until then,
sealed like a number: under a fresh data key wrapped by the keyring (AES-256-GCM, bound
to the organisation and the request), never in plain text, never logged or audited; the
download clears it.
"""

from __future__ import annotations

import struct
import uuid

from mnvault.crypto import Envelope, WrappedKey
from mnvault.crypto.envelope import SealedValue

FIELD = "takeout_passphrase"
_HEADER = struct.Struct(">IH")  # key version, length of the wrapped key


def seal(envelope: Envelope, organisation_id: uuid.UUID, request_id: uuid.UUID, text: str) -> bytes:
    sealed = envelope.seal(organisation_id.hex, request_id.hex, FIELD, text.encode())
    wrapped = sealed.wrapped_key
    return _HEADER.pack(wrapped.kek_version, len(wrapped.blob)) + wrapped.blob + sealed.ciphertext


def open_sealed(
    envelope: Envelope, organisation_id: uuid.UUID, request_id: uuid.UUID, blob: bytes
) -> str:
    version, length = _HEADER.unpack_from(blob)
    start = _HEADER.size
    wrapped = WrappedKey(version, blob[start : start + length])
    value = SealedValue(wrapped, blob[start + length :])
    return envelope.open(organisation_id.hex, request_id.hex, FIELD, value).decode()
