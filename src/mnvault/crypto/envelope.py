"""Envelope encryption: a data key (DEK) per person, wrapped by the provider's KEK.

Every ciphertext is bound by associated data to its organisation, its person and
its field, so a ciphertext or a wrapped key copied into another row fails to open.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mnvault.crypto.errors import DecryptionFailed
from mnvault.crypto.keyring import KeyProvider, WrappedKey

_NONCE_BYTES = 12
_DEK_BYTES = 32
_AAD_PREFIX = b"mnvault/v1"
_DEK_FIELD = "data_key"

__all__ = ["Envelope", "SealedValue", "WrappedKey", "associated_data"]


def _part(value: str | bytes) -> bytes:
    # Length-prefixed, so that no two different tuples of parts encode alike whatever
    # characters the ids contain.
    data = value.encode() if isinstance(value, str) else value
    return len(data).to_bytes(4, "big") + data


@functools.lru_cache(maxsize=256)
def _prefix(kind: bytes, organisation_id: str) -> bytes:
    # The organisation part repeats for every row of an import: encode it once.
    return _part(kind) + _part(organisation_id)


def associated_data(organisation_id: str, person_id: str, field: str) -> bytes:
    """The binding of a ciphertext to its place (organisation, person, field)."""
    return _prefix(_AAD_PREFIX, organisation_id) + _part(person_id) + _part(field)


@dataclass(frozen=True, slots=True)
class SealedValue:
    """One encrypted field together with the wrapped data key that opens it."""

    wrapped_key: WrappedKey
    ciphertext: bytes


class Envelope:
    """Seal and open person fields through a :class:`KeyProvider`."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    # -- data keys --------------------------------------------------------------------

    def new_data_key(self, organisation_id: str, person_id: str) -> tuple[bytes, WrappedKey]:
        dek = os.urandom(_DEK_BYTES)
        aad = associated_data(organisation_id, person_id, _DEK_FIELD)
        return dek, self.provider.wrap_key(dek, aad)

    def open_data_key(self, organisation_id: str, person_id: str, wrapped: WrappedKey) -> bytes:
        aad = associated_data(organisation_id, person_id, _DEK_FIELD)
        return self.provider.unwrap_key(wrapped, aad)

    def wrap_data_key(self, organisation_id: str, person_id: str, dek: bytes) -> WrappedKey:
        """Wrap an already opened data key under the current KEK version."""
        aad = associated_data(organisation_id, person_id, _DEK_FIELD)
        return self.provider.wrap_key(dek, aad)

    def rewrap(self, organisation_id: str, person_id: str, wrapped: WrappedKey) -> WrappedKey:
        """Re-wrap under the current KEK version; the data stays encrypted as it was."""
        aad = associated_data(organisation_id, person_id, _DEK_FIELD)
        return self.provider.wrap_key(self.provider.unwrap_key(wrapped, aad), aad)

    # -- fields -----------------------------------------------------------------------

    @staticmethod
    def seal_field(
        dek: bytes, organisation_id: str, person_id: str, field: str, plaintext: bytes
    ) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        aad = associated_data(organisation_id, person_id, field)
        return nonce + AESGCM(dek).encrypt(nonce, plaintext, aad)

    @staticmethod
    def open_field(
        dek: bytes, organisation_id: str, person_id: str, field: str, ciphertext: bytes
    ) -> bytes:
        aad = associated_data(organisation_id, person_id, field)
        if len(ciphertext) < _NONCE_BYTES + 16:
            raise DecryptionFailed("ciphertext too short")
        try:
            return AESGCM(dek).decrypt(ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:], aad)
        except InvalidTag as exc:
            raise DecryptionFailed("field does not open in this place") from exc

    def seal(
        self, organisation_id: str, person_id: str, field: str, plaintext: bytes
    ) -> SealedValue:
        """A fresh data key for a new person, and their first field sealed under it."""
        dek, wrapped = self.new_data_key(organisation_id, person_id)
        return SealedValue(
            wrapped, self.seal_field(dek, organisation_id, person_id, field, plaintext)
        )

    def open(self, organisation_id: str, person_id: str, field: str, value: SealedValue) -> bytes:
        dek = self.open_data_key(organisation_id, person_id, value.wrapped_key)
        return self.open_field(dek, organisation_id, person_id, field, value.ciphertext)

    # -- lookup -----------------------------------------------------------------------

    def blind_index(self, organisation_id: str, value: str, version: int | None = None) -> bytes:
        """HMAC-SHA-256 of a normalised value, per organisation (no cross-tenant linking),
        under the current index key or under ``version``."""
        return self.provider.blind_index(
            _prefix(b"mnvault/bi/v1", organisation_id) + _part(value), version
        )

    def index(self, organisation_id: str, value: str) -> tuple[int, bytes]:
        """The index to store with a row: (index key version, HMAC under it)."""
        version = self.provider.current_index_version
        return version, self.blind_index(organisation_id, value, version)

    def live_index_versions(self) -> list[int]:
        """Index key versions still held, current first: while a re-index runs, rows
        carry either, so a lookup or a duplicate check must look under each."""
        current = self.provider.current_index_version
        held = [i.version for i in self.provider.index_versions() if i.state != "destroyed"]
        return [current, *(v for v in reversed(held) if v != current)]

    def blind_indexes(self, organisation_id: str, value: str) -> list[bytes]:
        """The value's index under every held index key version, current first."""
        return [
            self.blind_index(organisation_id, value, version)
            for version in self.live_index_versions()
        ]
