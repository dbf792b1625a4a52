"""The only place that touches cryptographic primitives (DESIGN.md invariant 5).

A small "recipes" layer in the spirit of pyca/cryptography: callers get sealed
keyrings, envelopes and blind indexes, never raw ciphers, nonces or modes.
"""

from mnvault.crypto.check import key_check_value
from mnvault.crypto.envelope import Envelope, SealedValue, WrappedKey
from mnvault.crypto.errors import CryptoError, DecryptionFailed, KeyringError, KeyringLocked
from mnvault.crypto.keyring import KeyProvider, LocalKeyring, ScryptParams
from mnvault.crypto.signing import verify_signature
from mnvault.crypto.totp import (
    new_totp_secret,
    totp_code,
    totp_provisioning_uri,
    totp_step,
    verify_totp,
)

__all__ = [
    "CryptoError",
    "DecryptionFailed",
    "Envelope",
    "KeyProvider",
    "KeyringError",
    "KeyringLocked",
    "LocalKeyring",
    "ScryptParams",
    "SealedValue",
    "WrappedKey",
    "key_check_value",
    "new_totp_secret",
    "totp_code",
    "totp_provisioning_uri",
    "totp_step",
    "verify_signature",
    "verify_totp",
]
