"""A workbook take-out's passphrase between the request and the download.

The vault generates it at the request and shows it once to the requester, who passes it
to the recipient by another channel (telephone, in person) while the request waits for
approval. The file is made only at the download, so the passphrase is kept until then,
sealed like a number: under a data key of its own (AES-256-GCM, bound to the
organisation and the request), wrapped by the keyring's KEK and re-wrapped by a rotation
(registered in vault/models.py); never in plain text, never logged or audited. The
download clears it.
"""

from __future__ import annotations

from mnvault.crypto import Envelope, WrappedKey
from mnvault.crypto.envelope import SealedValue
from mnvault.vault.models import ExportRequest

FIELD = "takeout_passphrase"


def seal(envelope: Envelope, request: ExportRequest, text: str) -> None:
    sealed = envelope.seal(request.organisation_id.hex, request.id.hex, FIELD, text.encode())
    request.passphrase_kek_version = sealed.wrapped_key.kek_version
    request.passphrase_wrapped_key = sealed.wrapped_key.blob
    request.passphrase_ciphertext = sealed.ciphertext


def take(envelope: Envelope, request: ExportRequest) -> str:
    """The passphrase, once: the request keeps no copy of it afterwards."""
    version, wrapped = request.passphrase_kek_version, request.passphrase_wrapped_key
    ciphertext = request.passphrase_ciphertext
    if version is None or wrapped is None or ciphertext is None:
        raise ValueError("no passphrase kept for this request")
    value = SealedValue(WrappedKey(version, wrapped), ciphertext)
    text = envelope.open(request.organisation_id.hex, request.id.hex, FIELD, value).decode()
    request.passphrase_kek_version = None
    request.passphrase_wrapped_key = None
    request.passphrase_ciphertext = None
    return text
