"""The only place that touches cryptographic primitives (DESIGN.md invariant 5).

A small "recipes" layer in the spirit of pyca/cryptography: callers get sealed
keyrings, envelopes and blind indexes, never raw ciphers, nonces or modes.
"""

from mnvault.crypto.envelope import Envelope, SealedValue, WrappedKey
from mnvault.crypto.errors import CryptoError, DecryptionFailed, KeyringError, KeyringLocked
from mnvault.crypto.keyring import KeyProvider, LocalKeyring, ScryptParams

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
]
