"""A key check value: which keyring this is, without revealing anything of its keys.

Ed25519 signatures are deterministic (RFC 8032 §5.1.6), so the signature of a fixed
message identifies the signing key, which no rotation changes; its hash is stored in
the database so that a keyring that is not the database's is never taken for it. Any
:class:`~mnvault.crypto.keyring.KeyProvider` (a PKCS#11 token too) can compute it.
"""

from __future__ import annotations

import hashlib

from mnvault.crypto.keyring import KeyProvider

_MESSAGE = b"mnvault/keyring-check/v1"


def key_check_value(provider: KeyProvider) -> bytes:
    return hashlib.sha256(_MESSAGE + provider.sign(_MESSAGE)).digest()
