"""mnvault.crypto: the sealed keyring, envelope encryption, blind index and signing.

Source: DESIGN.md §4 (Protecting the numbers) —
- envelope encryption: one AES-256-GCM data key (DEK) per person, stored wrapped by a
  key-encryption key (KEK); associated data binds each ciphertext to its organisation,
  person and field, so a ciphertext copied to another row does not decrypt;
- the KEK provider is a local keyring file sealed with a passphrase (scrypt); keys are
  versioned, rotation re-wraps DEKs without re-encrypting data, and once an old KEK version
  is destroyed nothing wrapped under it can be decrypted again;
- the server holds no key until unsealed, and sealing again drops the keys from memory;
- lookup uses a blind index (HMAC-SHA-256 under a separate index key), never deterministic
  encryption of the number.
DESIGN.md invariant 5: only mnvault.crypto touches primitives; these tests import one public
key class to verify signatures independently of the code under test.

Every number here is synthetic (``generate_my_number``); ids are hex UUIDs, as the vault
services pass them (``uuid.UUID.hex``), except where a test checks arbitrary text.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import random
import stat
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: TID251 - tests verify signatures with the primitive directly
    Ed25519PublicKey,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from mnvault.crypto import (
    CryptoError,
    DecryptionFailed,
    Envelope,
    KeyProvider,
    KeyringError,
    KeyringLocked,
    LocalKeyring,
    ScryptParams,
    SealedValue,
    WrappedKey,
)
from mnvault.crypto.envelope import associated_data
from mnvault.numbers import generate_my_number, is_valid_my_number

PASSPHRASE = "correct horse battery staple 正しい馬"
OTHER_PASSPHRASE = "another synthetic passphrase"
FIELD = "my_number"
FAST = ScryptParams.fast_for_tests()


# -- helpers ----------------------------------------------------------------------------


def synthetic_number(seed: int) -> bytes:
    number = generate_my_number(random.Random(seed))
    assert is_valid_my_number(number)
    return number.encode("ascii")


def new_id() -> str:
    return uuid.uuid4().hex


def read_document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def write_document(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2), "utf-8")


def flip_byte(data: bytes, position: int) -> bytes:
    altered = bytearray(data)
    altered[position] ^= 0x01
    return bytes(altered)


def secret_material(keyring: LocalKeyring) -> list[bytes]:
    """Every key the keyring holds (white-box: the test needs the raw bytes to look for)."""
    state = keyring._secrets
    assert state is not None
    return [*state.keks.values(), *state.index_keys.values(), state.signing_key]


def encodings_of(secret: bytes) -> list[bytes]:
    return [
        secret,
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        secret.hex().encode(),
        secret.hex().upper().encode(),
    ]


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    return tmp_path / "keyring" / "mnvault.keyring"


@pytest.fixture
def keyring(keyring_path: Path) -> LocalKeyring:
    return LocalKeyring.create(keyring_path, PASSPHRASE, FAST)


@pytest.fixture
def envelope(keyring: LocalKeyring) -> Envelope:
    return Envelope(keyring)


@pytest.fixture
def other_envelope(tmp_path: Path) -> Envelope:
    return Envelope(LocalKeyring.create(tmp_path / "other.keyring", PASSPHRASE, FAST))


@pytest.fixture(scope="module")
def shared_envelope(tmp_path_factory: pytest.TempPathFactory) -> Envelope:
    """One keyring for the Hypothesis properties (function fixtures do not reset per example)."""
    path = tmp_path_factory.mktemp("shared") / "mnvault.keyring"
    return Envelope(LocalKeyring.create(path, PASSPHRASE, FAST))


# -- LocalKeyring: the file -------------------------------------------------------------


def test_create_writes_a_file_readable_by_the_owner_only(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    assert keyring_path.is_file()
    assert stat.S_IMODE(keyring_path.stat().st_mode) == 0o600
    assert not keyring.sealed


def test_file_stays_owner_only_and_leaves_no_temporary_files_after_rewrites(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    keyring.rotate()
    keyring.destroy_version(1)
    keyring.change_passphrase(OTHER_PASSPHRASE)
    assert stat.S_IMODE(keyring_path.stat().st_mode) == 0o600
    assert [p.name for p in keyring_path.parent.iterdir()] == [keyring_path.name]


def test_file_holds_only_header_nonce_and_sealed_payload(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    document = read_document(keyring_path)
    assert set(document) == {"header", "nonce", "sealed"}
    assert document["header"]["format"] == "mnvault-keyring"
    assert document["header"]["version"] == 1
    assert set(document["header"]["kdf"]) == {"name", "n", "r", "p", "salt"}
    assert len(base64.b64decode(document["nonce"], validate=True)) == 12
    assert len(base64.b64decode(document["header"]["kdf"]["salt"], validate=True)) == 16


def test_file_contains_no_key_material_in_clear(keyring: LocalKeyring, keyring_path: Path) -> None:
    keyring.rotate()  # two KEKs on file
    raw = keyring_path.read_bytes()
    document = read_document(keyring_path)
    decoded = [
        base64.b64decode(document["nonce"], validate=True),
        base64.b64decode(document["sealed"], validate=True),
        base64.b64decode(document["header"]["kdf"]["salt"], validate=True),
    ]
    secrets = secret_material(keyring)
    assert len(secrets) == 5  # KEK v1 and v2, index key v1 and v2, signing key
    for secret in secrets:
        for encoded in encodings_of(secret):
            assert encoded not in raw
        for blob in decoded:
            assert secret not in blob
    # The sealed payload is as long as a JSON document of those keys, so it is all ciphertext:
    # nothing in the file outside "sealed" is long enough to carry a 32-byte key.
    assert len(decoded[1]) > 4 * 32


def test_create_refuses_an_existing_path(keyring: LocalKeyring, keyring_path: Path) -> None:
    before = keyring_path.read_bytes()
    with pytest.raises(KeyringError):
        LocalKeyring.create(keyring_path, OTHER_PASSPHRASE, FAST)
    assert keyring_path.read_bytes() == before
    LocalKeyring.open(keyring_path, PASSPHRASE)  # the original still opens


def test_create_refuses_an_empty_passphrase(keyring_path: Path) -> None:
    with pytest.raises(KeyringError):
        LocalKeyring.create(keyring_path, "", FAST)
    assert not keyring_path.exists()


def test_default_kdf_cost_is_recorded_in_the_header(tmp_path: Path) -> None:
    path = tmp_path / "default.keyring"
    LocalKeyring.create(path, PASSPHRASE)
    kdf = read_document(path)["header"]["kdf"]
    default = ScryptParams()
    assert kdf["name"] == "scrypt"
    assert (kdf["n"], kdf["r"], kdf["p"]) == (default.n, default.r, default.p) == (2**17, 8, 1)


def test_test_kdf_cost_is_recorded_and_reused_on_open(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    kdf = read_document(keyring_path)["header"]["kdf"]
    assert (kdf["n"], kdf["r"], kdf["p"]) == (FAST.n, FAST.r, FAST.p)
    assert FAST.n < ScryptParams().n
    # open() takes no params: the cost comes from the file, so it must match the creator's.
    reopened = LocalKeyring.open(keyring_path, PASSPHRASE)
    assert reopened.public_signing_key() == keyring.public_signing_key()


# -- LocalKeyring: opening --------------------------------------------------------------


def test_open_with_the_right_passphrase_gives_the_same_keys(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    aad = associated_data(new_id(), new_id(), "data_key")
    wrapped = keyring.wrap_key(b"\x42" * 32, aad)
    reopened = LocalKeyring.open(keyring_path, PASSPHRASE)
    assert not reopened.sealed
    assert reopened.unwrap_key(wrapped, aad) == b"\x42" * 32
    assert reopened.blind_index(b"m") == keyring.blind_index(b"m")
    assert reopened.public_signing_key() == keyring.public_signing_key()
    assert reopened.current_kek_version == 1


def test_load_leaves_the_keyring_sealed_until_unseal(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    loaded = LocalKeyring.load(keyring_path)
    assert loaded.sealed
    with pytest.raises(KeyringLocked):
        loaded.blind_index(b"m")
    loaded.unseal(PASSPHRASE)
    assert not loaded.sealed
    assert loaded.blind_index(b"m") == keyring.blind_index(b"m")


@pytest.mark.parametrize("passphrase", [OTHER_PASSPHRASE, PASSPHRASE + " ", PASSPHRASE.upper()])
def test_wrong_passphrase_is_refused(
    keyring: LocalKeyring, keyring_path: Path, passphrase: str
) -> None:
    with pytest.raises(KeyringError):
        LocalKeyring.open(keyring_path, passphrase)
    loaded = LocalKeyring.load(keyring_path)
    with pytest.raises(KeyringError):
        loaded.unseal(passphrase)
    assert loaded.sealed


def test_empty_passphrase_is_refused(keyring: LocalKeyring, keyring_path: Path) -> None:
    with pytest.raises(KeyringError):
        LocalKeyring.open(keyring_path, "")


def test_missing_or_damaged_file_is_a_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError):
        LocalKeyring.open(tmp_path / "absent.keyring", PASSPHRASE)
    damaged = tmp_path / "damaged.keyring"
    damaged.write_text("{not json", "utf-8")
    with pytest.raises(KeyringError):
        LocalKeyring.open(damaged, PASSPHRASE)


def _alter_sealed(document: dict[str, Any], position: int) -> None:
    sealed = base64.b64decode(document["sealed"], validate=True)
    document["sealed"] = base64.b64encode(flip_byte(sealed, position)).decode()


def _alter_nonce(document: dict[str, Any]) -> None:
    nonce = base64.b64decode(document["nonce"], validate=True)
    document["nonce"] = base64.b64encode(flip_byte(nonce, 0)).decode()


def _alter_salt(document: dict[str, Any]) -> None:
    salt = base64.b64decode(document["header"]["kdf"]["salt"], validate=True)
    document["header"]["kdf"]["salt"] = base64.b64encode(flip_byte(salt, 3)).decode()


def _double_n(document: dict[str, Any]) -> None:
    document["header"]["kdf"]["n"] *= 2


def _halve_n(document: dict[str, Any]) -> None:
    document["header"]["kdf"]["n"] //= 2


def _change_r(document: dict[str, Any]) -> None:
    document["header"]["kdf"]["r"] += 1


def _n_as_float(document: dict[str, Any]) -> None:
    # Same derived key (int(1024.0) == 1024), different header bytes: only the header's
    # role as associated data catches this.
    document["header"]["kdf"]["n"] = float(document["header"]["kdf"]["n"])


def _extra_header_field(document: dict[str, Any]) -> None:
    document["header"]["kdf"]["comment"] = "lowered by someone"


ALTERATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "sealed first byte": lambda d: _alter_sealed(d, 0),
    "sealed middle byte": lambda d: _alter_sealed(d, 40),
    "sealed last byte (tag)": lambda d: _alter_sealed(d, -1),
    "nonce": _alter_nonce,
    "salt": _alter_salt,
    "scrypt n raised": _double_n,
    "scrypt n lowered": _halve_n,
    "scrypt r": _change_r,
    "header n same value other encoding": _n_as_float,
    "header extra field": _extra_header_field,
}


def _n_not_a_power_of_two(document: dict[str, Any]) -> None:
    document["header"]["kdf"]["n"] += 1


def _sealed_not_base64(document: dict[str, Any]) -> None:
    document["sealed"] = "!!" + document["sealed"][2:]


@pytest.mark.parametrize(
    "alteration",
    [
        *ALTERATIONS.values(),
        _n_not_a_power_of_two,
        _sealed_not_base64,
    ],
    ids=[*ALTERATIONS, "scrypt n not a power of two", "sealed not base64"],
)
def test_altered_file_is_refused(
    keyring: LocalKeyring,
    keyring_path: Path,
    alteration: Callable[[dict[str, Any]], None],
) -> None:
    LocalKeyring.open(keyring_path, PASSPHRASE)  # opens before the change
    document = read_document(keyring_path)
    alteration(document)
    write_document(keyring_path, document)
    with pytest.raises(KeyringError):
        LocalKeyring.open(keyring_path, PASSPHRASE)


def test_sealed_payload_from_another_keyring_is_refused(
    keyring: LocalKeyring, keyring_path: Path, tmp_path: Path
) -> None:
    """Same passphrase, same cost: a transplanted payload still fails (salt and nonce differ)."""
    other_path = tmp_path / "other.keyring"
    LocalKeyring.create(other_path, PASSPHRASE, FAST)
    document = read_document(keyring_path)
    other = read_document(other_path)
    document["sealed"] = other["sealed"]
    write_document(keyring_path, document)
    with pytest.raises(KeyringError):
        LocalKeyring.open(keyring_path, PASSPHRASE)


# -- LocalKeyring: sealing --------------------------------------------------------------

LOCKED_OPERATIONS: dict[str, Callable[[LocalKeyring], object]] = {
    "current_kek_version": lambda k: k.current_kek_version,
    "kek_versions": lambda k: k.kek_versions(),
    "wrap_key": lambda k: k.wrap_key(b"\x00" * 32, b"aad"),
    "unwrap_key": lambda k: k.unwrap_key(WrappedKey(1, b"\x00" * 60), b"aad"),
    "blind_index": lambda k: k.blind_index(b"m"),
    "sign": lambda k: k.sign(b"m"),
    "public_signing_key": lambda k: k.public_signing_key(),
    "rotate": lambda k: k.rotate(),
    "destroy_version": lambda k: k.destroy_version(1),
    "change_passphrase": lambda k: k.change_passphrase(OTHER_PASSPHRASE),
    "envelope.seal": lambda k: Envelope(k).seal(new_id(), new_id(), FIELD, b"x"),
    "envelope.blind_index": lambda k: Envelope(k).blind_index(new_id(), "x"),
}


@pytest.mark.parametrize("operation", list(LOCKED_OPERATIONS.values()), ids=list(LOCKED_OPERATIONS))
def test_every_operation_on_a_sealed_keyring_raises_locked(
    keyring: LocalKeyring, keyring_path: Path, operation: Callable[[LocalKeyring], object]
) -> None:
    before = keyring_path.read_bytes()
    keyring.seal()
    assert keyring.sealed
    with pytest.raises(KeyringLocked):
        operation(keyring)
    assert keyring_path.read_bytes() == before  # nothing was written either
    # ... and a keyring that was never unsealed behaves the same.
    with pytest.raises(KeyringLocked):
        operation(LocalKeyring.load(keyring_path))


def test_envelope_open_on_a_sealed_keyring_raises_locked(
    keyring: LocalKeyring, envelope: Envelope
) -> None:
    org, person = new_id(), new_id()
    value = envelope.seal(org, person, FIELD, synthetic_number(1))
    keyring.seal()
    with pytest.raises(KeyringLocked):
        envelope.open(org, person, FIELD, value)
    with pytest.raises(KeyringLocked):
        envelope.rewrap(org, person, value.wrapped_key)


def test_seal_drops_every_key_from_memory(keyring: LocalKeyring) -> None:
    keyring.wrap_key(b"\x00" * 32, b"aad")  # populate the cipher cache too
    assert keyring._secrets is not None
    secrets_ref = weakref.ref(keyring._secrets)
    keyring.seal()
    gc.collect()
    assert keyring._secrets is None
    assert keyring._sealing_key is None
    assert secrets_ref() is None, "something still holds the keys after seal()"


def test_seal_then_unseal_restores_the_same_keys(keyring: LocalKeyring) -> None:
    aad = b"mnvault/v1|org|person|data_key"
    wrapped = keyring.wrap_key(b"\x07" * 32, aad)
    index = keyring.blind_index(b"m")
    keyring.seal()
    with pytest.raises(KeyringError):
        keyring.unseal(OTHER_PASSPHRASE)
    assert keyring.sealed
    keyring.unseal(PASSPHRASE)
    assert keyring.unwrap_key(wrapped, aad) == b"\x07" * 32
    assert keyring.blind_index(b"m") == index


def test_crypto_errors_share_a_base_and_carry_both_languages() -> None:
    for error_type in (KeyringError, KeyringLocked, DecryptionFailed):
        assert issubclass(error_type, CryptoError)
        text = str(error_type("detail"))
        assert error_type.message_ja in text
        assert error_type.message_en in text
        assert "detail" in text


# -- LocalKeyring: passphrase change ----------------------------------------------------


def test_change_passphrase_replaces_the_old_one(keyring: LocalKeyring, keyring_path: Path) -> None:
    aad = associated_data(new_id(), new_id(), "data_key")
    wrapped = keyring.wrap_key(b"\x11" * 32, aad)
    old_salt = read_document(keyring_path)["header"]["kdf"]["salt"]

    keyring.change_passphrase(OTHER_PASSPHRASE)

    assert read_document(keyring_path)["header"]["kdf"]["salt"] != old_salt
    with pytest.raises(KeyringError):
        LocalKeyring.open(keyring_path, PASSPHRASE)
    reopened = LocalKeyring.open(keyring_path, OTHER_PASSPHRASE)
    assert reopened.unwrap_key(wrapped, aad) == b"\x11" * 32
    assert reopened.public_signing_key() == keyring.public_signing_key()
    # The live instance keeps working and saves under the new passphrase.
    keyring.rotate()
    assert LocalKeyring.open(keyring_path, OTHER_PASSPHRASE).current_kek_version == 2


def test_change_passphrase_can_change_the_cost_recorded_in_the_header(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    aad = associated_data(new_id(), new_id(), "data_key")
    wrapped = keyring.wrap_key(b"\x22" * 32, aad)
    keyring.change_passphrase(PASSPHRASE, ScryptParams(n=2**11, r=8, p=1))
    assert read_document(keyring_path)["header"]["kdf"]["n"] == 2**11
    assert LocalKeyring.open(keyring_path, PASSPHRASE).unwrap_key(wrapped, aad) == b"\x22" * 32
    keyring.rotate()  # later saves keep the new cost
    assert read_document(keyring_path)["header"]["kdf"]["n"] == 2**11


def test_a_refused_passphrase_change_leaves_the_keyring_usable(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    with pytest.raises(KeyringError):
        keyring.change_passphrase("")
    keyring.rotate()  # any later save
    assert LocalKeyring.open(keyring_path, PASSPHRASE).current_kek_version == 2


# -- KEK versions -----------------------------------------------------------------------


def test_first_kek_version_is_one_and_active(keyring: LocalKeyring) -> None:
    assert keyring.current_kek_version == 1
    [info] = keyring.kek_versions()
    assert (info.version, info.state, info.destroyed_at) == (1, "active", None)
    assert info.created_at


def test_wrapped_key_records_the_kek_version(keyring: LocalKeyring, envelope: Envelope) -> None:
    _, wrapped = envelope.new_data_key(new_id(), new_id())
    assert wrapped.kek_version == 1
    assert isinstance(wrapped, WrappedKey)
    assert len(wrapped.blob) == 12 + 32 + 16  # nonce, DEK, tag


def test_rotate_makes_a_new_current_version_and_old_keys_still_unwrap(
    keyring: LocalKeyring, keyring_path: Path, envelope: Envelope
) -> None:
    org, person = new_id(), new_id()
    dek_1, wrapped_1 = envelope.new_data_key(org, person)

    assert keyring.rotate() == 2

    assert keyring.current_kek_version == 2
    assert envelope.open_data_key(org, person, wrapped_1) == dek_1
    dek_2, wrapped_2 = envelope.new_data_key(org, person)
    assert wrapped_2.kek_version == 2
    assert envelope.open_data_key(org, person, wrapped_2) == dek_2
    states = [(i.version, i.state) for i in keyring.kek_versions()]
    assert states == [(1, "retired"), (2, "active")]
    # Persisted: a fresh open sees the same versions and unwraps both.
    reopened = Envelope(LocalKeyring.open(keyring_path, PASSPHRASE))
    assert reopened.provider.current_kek_version == 2
    assert reopened.open_data_key(org, person, wrapped_1) == dek_1
    assert reopened.open_data_key(org, person, wrapped_2) == dek_2


def test_rotations_use_distinct_keks(keyring: LocalKeyring) -> None:
    keyring.rotate()
    keyring.rotate()
    assert keyring.current_kek_version == 3
    states = [(i.version, i.state) for i in keyring.kek_versions()]
    assert states == [(1, "retired"), (2, "retired"), (3, "active")]
    keks = secret_material(keyring)[:3]
    assert len(set(keks)) == 3


def test_a_blob_relabelled_with_another_kek_version_does_not_unwrap(
    keyring: LocalKeyring, envelope: Envelope
) -> None:
    org, person = new_id(), new_id()
    _, wrapped = envelope.new_data_key(org, person)
    keyring.rotate()
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(org, person, WrappedKey(2, wrapped.blob))
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(org, person, WrappedKey(7, wrapped.blob))


def test_destroyed_version_no_longer_unwraps_in_memory_or_from_disk(
    keyring: LocalKeyring, keyring_path: Path, envelope: Envelope
) -> None:
    org, person = new_id(), new_id()
    number = synthetic_number(2)
    old = envelope.seal(org, person, FIELD, number)
    assert old.wrapped_key.kek_version == 1
    keyring.rotate()
    new_person = new_id()
    new = envelope.seal(org, new_person, FIELD, number)
    assert new.wrapped_key.kek_version == 2
    assert envelope.open(org, person, FIELD, old) == number  # still fine before destroy

    keyring.destroy_version(1)

    with pytest.raises(DecryptionFailed):
        envelope.open(org, person, FIELD, old)
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(org, person, old.wrapped_key)
    info = {i.version: i for i in keyring.kek_versions()}
    assert info[1].state == "destroyed"
    assert info[1].destroyed_at is not None
    assert info[2].state == "active"

    # The file on disk was rewritten without version 1.
    reopened_keyring = LocalKeyring.open(keyring_path, PASSPHRASE)
    reopened = Envelope(reopened_keyring)
    with pytest.raises(DecryptionFailed):
        reopened.open(org, person, FIELD, old)
    assert reopened_keyring._secrets is not None
    assert 1 not in reopened_keyring._secrets.keks
    states = [(i.version, i.state) for i in reopened_keyring.kek_versions()]
    assert states == [(1, "destroyed"), (2, "active")]
    # Version 2 is untouched.
    assert reopened.open(org, new_person, FIELD, new) == number


def test_destroying_the_current_version_is_refused(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    with pytest.raises(KeyringError):
        keyring.destroy_version(1)
    keyring.rotate()
    with pytest.raises(KeyringError):
        keyring.destroy_version(2)
    assert [(i.version, i.state) for i in keyring.kek_versions()] == [
        (1, "retired"),
        (2, "active"),
    ]
    aad = b"mnvault/v1|o|p|data_key"
    assert keyring.unwrap_key(keyring.wrap_key(b"\x01" * 32, aad), aad) == b"\x01" * 32


def test_destroying_an_unknown_or_already_destroyed_version_is_refused(
    keyring: LocalKeyring,
) -> None:
    keyring.rotate()
    with pytest.raises(KeyringError):
        keyring.destroy_version(7)
    keyring.destroy_version(1)
    with pytest.raises(KeyringError):
        keyring.destroy_version(1)


def test_rotation_after_destroy_never_reuses_a_version_number(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    keyring.rotate()
    keyring.destroy_version(1)
    assert keyring.rotate() == 3
    keyring.destroy_version(2)
    reopened = LocalKeyring.open(keyring_path, PASSPHRASE)
    states = [(i.version, i.state) for i in reopened.kek_versions()]
    assert states == [(1, "destroyed"), (2, "destroyed"), (3, "active")]


def test_a_stale_instance_cannot_resurrect_a_destroyed_version(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    aad = b"mnvault/v1|o|p|data_key"
    wrapped_1 = keyring.wrap_key(b"\x01" * 32, aad)
    stale = LocalKeyring.open(keyring_path, PASSPHRASE)  # e.g. the running server
    keyring.rotate()
    wrapped_2 = keyring.wrap_key(b"\x02" * 32, aad)
    keyring.destroy_version(1)
    with contextlib.suppress(KeyringError):
        stale.rotate()  # refusing is fine; silently overwriting is not
    on_disk = LocalKeyring.open(keyring_path, PASSPHRASE)
    with pytest.raises(DecryptionFailed):
        on_disk.unwrap_key(wrapped_1, aad)
    assert on_disk.unwrap_key(wrapped_2, aad) == b"\x02" * 32


def test_a_save_over_a_file_changed_by_another_instance_is_refused(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    stale = LocalKeyring.open(keyring_path, PASSPHRASE)
    keyring.rotate()
    before = keyring_path.read_bytes()
    with pytest.raises(KeyringError):
        stale.rotate()
    assert keyring_path.read_bytes() == before
    fresh = LocalKeyring.open(keyring_path, PASSPHRASE)  # "open it again" works
    assert fresh.rotate() == 3


def test_after_a_refused_rotation_every_key_the_instance_wraps_unwraps_from_disk(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    aad = b"mnvault/v1|o|p|data_key"
    stale = LocalKeyring.open(keyring_path, PASSPHRASE)  # e.g. the running server
    keyring.rotate()  # e.g. an operator's CLI
    with pytest.raises(KeyringError):
        stale.rotate()
    try:
        wrapped = stale.wrap_key(b"\x03" * 32, aad)
    except CryptoError:
        return  # refusing to wrap is fine too
    assert LocalKeyring.open(keyring_path, PASSPHRASE).unwrap_key(wrapped, aad) == b"\x03" * 32


STALE_SAVES: dict[str, Callable[[LocalKeyring], object]] = {
    "rotate": lambda k: k.rotate(),
    "destroy_version": lambda k: k.destroy_version(1),
    "change_passphrase": lambda k: k.change_passphrase(OTHER_PASSPHRASE),
}


@pytest.mark.parametrize("operation", list(STALE_SAVES.values()), ids=list(STALE_SAVES))
def test_a_refused_save_leaves_the_instance_as_it_was(
    keyring: LocalKeyring, keyring_path: Path, operation: Callable[[LocalKeyring], object]
) -> None:
    keyring.rotate()  # version 1 retired, so destroy_version(1) would be allowed
    stale = LocalKeyring.open(keyring_path, PASSPHRASE)
    before = (stale.current_kek_version, stale.kek_versions())
    keyring.rotate()  # another instance saves
    with pytest.raises(KeyringError):
        operation(stale)
    assert (stale.current_kek_version, stale.kek_versions()) == before
    stale.seal()
    stale.unseal(PASSPHRASE)  # re-reads the file in place
    assert stale.current_kek_version == 3


# -- Envelope ---------------------------------------------------------------------------


def test_seal_open_round_trip(envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    number = synthetic_number(3)
    value = envelope.seal(org, person, FIELD, number)
    assert isinstance(value, SealedValue)
    assert value.wrapped_key.kek_version == 1
    assert number not in value.ciphertext
    assert len(value.ciphertext) == 12 + len(number) + 16  # nonce, body, tag
    assert envelope.open(org, person, FIELD, value) == number


def test_several_fields_share_one_data_key(envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    dek, wrapped = envelope.new_data_key(org, person)
    assert len(dek) == 32
    number = synthetic_number(4)
    image = bytes(range(256)) * 4
    sealed_number = Envelope.seal_field(dek, org, person, FIELD, number)
    sealed_image = Envelope.seal_field(dek, org, person, "id_image", image)
    opened_dek = envelope.open_data_key(org, person, wrapped)
    assert opened_dek == dek
    assert Envelope.open_field(opened_dek, org, person, FIELD, sealed_number) == number
    assert Envelope.open_field(opened_dek, org, person, "id_image", sealed_image) == image
    assert envelope.open(org, person, "id_image", SealedValue(wrapped, sealed_image)) == image


def test_empty_plaintext_round_trips(envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    value = envelope.seal(org, person, FIELD, b"")
    assert envelope.open(org, person, FIELD, value) == b""


PLACES = {
    "another organisation": lambda org, person, field: (new_id(), person, field),
    "another person": lambda org, person, field: (org, new_id(), field),
    "another field": lambda org, person, field: (org, person, "id_image"),
    "organisation and person swapped": lambda org, person, field: (person, org, field),
}


@pytest.mark.parametrize("move", list(PLACES.values()), ids=list(PLACES))
def test_a_sealed_value_copied_to_another_place_does_not_open(
    envelope: Envelope, move: Callable[[str, str, str], tuple[str, str, str]]
) -> None:
    org, person = new_id(), new_id()
    number = synthetic_number(5)
    value = envelope.seal(org, person, FIELD, number)
    with pytest.raises(DecryptionFailed):
        envelope.open(*move(org, person, FIELD), value)
    assert envelope.open(org, person, FIELD, value) == number


@pytest.mark.parametrize("move", list(PLACES.values()), ids=list(PLACES))
def test_a_field_ciphertext_is_bound_to_its_place_even_under_the_right_data_key(
    envelope: Envelope, move: Callable[[str, str, str], tuple[str, str, str]]
) -> None:
    """Checks the field's own associated data, not only the wrapped key's."""
    org, person = new_id(), new_id()
    dek, _ = envelope.new_data_key(org, person)
    ciphertext = Envelope.seal_field(dek, org, person, FIELD, synthetic_number(6))
    with pytest.raises(DecryptionFailed):
        Envelope.open_field(dek, *move(org, person, FIELD), ciphertext)


@pytest.mark.parametrize(
    "move",
    [move for name, move in PLACES.items() if name != "another field"],
    ids=[name for name in PLACES if name != "another field"],
)
def test_a_wrapped_data_key_copied_to_another_row_does_not_unwrap(
    envelope: Envelope, move: Callable[[str, str, str], tuple[str, str, str]]
) -> None:
    org, person = new_id(), new_id()
    _, wrapped = envelope.new_data_key(org, person)
    other_org, other_person, _ = move(org, person, FIELD)
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(other_org, other_person, wrapped)


def test_a_ciphertext_moved_into_another_persons_row_does_not_open(envelope: Envelope) -> None:
    """Row B keeps its own wrapped key; only A's ciphertext is copied across."""
    org = new_id()
    person_a, person_b = new_id(), new_id()
    value_a = envelope.seal(org, person_a, FIELD, synthetic_number(7))
    value_b = envelope.seal(org, person_b, FIELD, synthetic_number(8))
    with pytest.raises(DecryptionFailed):
        envelope.open(org, person_b, FIELD, SealedValue(value_b.wrapped_key, value_a.ciphertext))


def test_a_different_keyring_cannot_open(envelope: Envelope, other_envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    value = envelope.seal(org, person, FIELD, synthetic_number(9))
    with pytest.raises(DecryptionFailed):
        other_envelope.open(org, person, FIELD, value)
    with pytest.raises(DecryptionFailed):
        other_envelope.open_data_key(org, person, value.wrapped_key)


def test_a_different_data_key_cannot_open(envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    dek, _ = envelope.new_data_key(org, person)
    other_dek, _ = envelope.new_data_key(org, person)
    assert dek != other_dek
    ciphertext = Envelope.seal_field(dek, org, person, FIELD, synthetic_number(10))
    with pytest.raises(DecryptionFailed):
        Envelope.open_field(other_dek, org, person, FIELD, ciphertext)


@pytest.mark.parametrize("position", [0, 11, 12, 15, -17, -1], ids=lambda p: f"byte {p}")
def test_tampered_ciphertext_does_not_open(envelope: Envelope, position: int) -> None:
    org, person = new_id(), new_id()
    value = envelope.seal(org, person, FIELD, synthetic_number(11))
    tampered = SealedValue(value.wrapped_key, flip_byte(value.ciphertext, position))
    with pytest.raises(DecryptionFailed):
        envelope.open(org, person, FIELD, tampered)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c[:-1],
        lambda c: c + b"\x00",
        lambda c: c[:12],
        lambda c: c[:8],
        lambda c: c[:7],
        lambda c: b"",
    ],
    ids=["truncated", "extended", "nonce only", "8 bytes", "7 bytes", "empty"],
)
def test_truncated_or_extended_ciphertext_does_not_open(
    envelope: Envelope, change: Callable[[bytes], bytes]
) -> None:
    org, person = new_id(), new_id()
    value = envelope.seal(org, person, FIELD, synthetic_number(12))
    with pytest.raises(DecryptionFailed):
        envelope.open(org, person, FIELD, SealedValue(value.wrapped_key, change(value.ciphertext)))


@pytest.mark.parametrize(
    "change",
    [
        lambda b: flip_byte(b, 0),
        lambda b: flip_byte(b, 20),
        lambda b: flip_byte(b, -1),
        lambda b: b[:-1],
        lambda b: b"",
    ],
    ids=["nonce", "body", "tag", "truncated", "empty"],
)
def test_tampered_wrapped_key_does_not_unwrap(
    envelope: Envelope, change: Callable[[bytes], bytes]
) -> None:
    org, person = new_id(), new_id()
    _, wrapped = envelope.new_data_key(org, person)
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(org, person, WrappedKey(wrapped.kek_version, change(wrapped.blob)))


def test_no_deterministic_encryption(envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    number = synthetic_number(13)
    dek, _ = envelope.new_data_key(org, person)
    first = Envelope.seal_field(dek, org, person, FIELD, number)
    second = Envelope.seal_field(dek, org, person, FIELD, number)
    assert first[:12] != second[:12]  # fresh nonce
    assert first[12:] != second[12:]
    one = envelope.seal(org, person, FIELD, number)
    two = envelope.seal(org, person, FIELD, number)
    assert one.ciphertext != two.ciphertext
    assert one.wrapped_key.blob[:12] != two.wrapped_key.blob[:12]
    assert envelope.open_data_key(org, person, one.wrapped_key) != envelope.open_data_key(
        org, person, two.wrapped_key
    )  # a fresh data key per seal()


def test_rewrap_moves_a_key_to_the_current_version_and_the_field_still_opens(
    keyring: LocalKeyring, keyring_path: Path, envelope: Envelope
) -> None:
    org, person = new_id(), new_id()
    number = synthetic_number(14)
    value = envelope.seal(org, person, FIELD, number)
    dek = envelope.open_data_key(org, person, value.wrapped_key)
    keyring.rotate()

    rewrapped = envelope.rewrap(org, person, value.wrapped_key)

    assert rewrapped.kek_version == 2
    assert rewrapped.blob != value.wrapped_key.blob
    assert envelope.open_data_key(org, person, rewrapped) == dek  # the same DEK
    moved = SealedValue(rewrapped, value.ciphertext)  # data not re-encrypted
    assert envelope.open(org, person, FIELD, moved) == number
    keyring.destroy_version(1)
    assert envelope.open(org, person, FIELD, moved) == number
    assert (
        Envelope(LocalKeyring.open(keyring_path, PASSPHRASE)).open(org, person, FIELD, moved)
        == number
    )
    with pytest.raises(DecryptionFailed):
        envelope.open(org, person, FIELD, value)
    with pytest.raises(DecryptionFailed):
        envelope.rewrap(org, person, value.wrapped_key)  # too late once v1 is gone


def test_rewrap_keeps_the_binding_to_the_person(keyring: LocalKeyring, envelope: Envelope) -> None:
    org, person = new_id(), new_id()
    _, wrapped = envelope.new_data_key(org, person)
    keyring.rotate()
    with pytest.raises(DecryptionFailed):
        envelope.rewrap(org, new_id(), wrapped)
    rewrapped = envelope.rewrap(org, person, wrapped)
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(org, new_id(), rewrapped)
    with pytest.raises(DecryptionFailed):
        envelope.open_data_key(new_id(), person, rewrapped)


# -- blind index ------------------------------------------------------------------------


def test_blind_index_is_deterministic_and_survives_reopen(
    keyring: LocalKeyring, keyring_path: Path, envelope: Envelope
) -> None:
    org = new_id()
    number = synthetic_number(15).decode()
    index = envelope.blind_index(org, number)
    assert envelope.blind_index(org, number) == index
    assert Envelope(LocalKeyring.open(keyring_path, PASSPHRASE)).blind_index(org, number) == index


def test_blind_index_key_rotates_with_the_kek_and_the_old_one_can_be_destroyed(
    keyring: LocalKeyring, keyring_path: Path, envelope: Envelope
) -> None:
    """Issue #11 "Disposal covers the blind index": a rotation adds an index key version;
    the old one still matches (a re-index may be half done) until it is destroyed, and
    then nothing, this process or another, computes an index under it any more."""
    org = new_id()
    number = synthetic_number(15).decode()
    old = envelope.index(org, number)
    assert old == (1, envelope.blind_index(org, number))
    keyring.rotate()
    version, new = envelope.index(org, number)
    assert version == 2 and new != old[1]
    assert envelope.blind_indexes(org, number) == [new, old[1]]
    keyring.destroy_index_version(1)
    assert envelope.blind_indexes(org, number) == [new]
    with pytest.raises(DecryptionFailed):
        envelope.blind_index(org, number, 1)
    reopened = LocalKeyring.open(keyring_path, PASSPHRASE)
    assert [i.state for i in reopened.index_versions()] == ["destroyed", "active"]
    assert Envelope(reopened).blind_index(org, number) == new
    with pytest.raises(KeyringError):
        keyring.destroy_index_version(2)  # the current one


def test_blind_index_shape_and_secrecy(envelope: Envelope) -> None:
    org = new_id()
    number = synthetic_number(16).decode()
    index = envelope.blind_index(org, number)
    assert isinstance(index, bytes)
    assert len(index) == 32
    assert number.encode() not in index
    assert number not in index.hex()
    assert number[:6].encode() not in index


def test_blind_index_differs_across_organisations(envelope: Envelope) -> None:
    number = synthetic_number(17).decode()
    indexes = {envelope.blind_index(new_id(), number) for _ in range(5)}
    assert len(indexes) == 5


def test_blind_index_differs_across_keyrings(envelope: Envelope, other_envelope: Envelope) -> None:
    org = new_id()
    number = synthetic_number(18).decode()
    assert envelope.blind_index(org, number) != other_envelope.blind_index(org, number)


def test_blind_index_differs_across_values(envelope: Envelope) -> None:
    org = new_id()
    numbers = {synthetic_number(seed).decode() for seed in range(50)}
    assert len({envelope.blind_index(org, n) for n in numbers}) == len(numbers)


# -- signing ----------------------------------------------------------------------------


def test_signature_verifies_with_the_public_key(keyring: LocalKeyring) -> None:
    message = b"audit chain head 0001"
    signature = keyring.sign(message)
    public = keyring.public_signing_key()
    assert len(public) == 32
    assert len(signature) == 64
    Ed25519PublicKey.from_public_bytes(public).verify(signature, message)


def test_signature_does_not_verify_a_changed_message_or_another_key(
    keyring: LocalKeyring, other_envelope: Envelope
) -> None:
    message = b"audit chain head 0002"
    signature = keyring.sign(message)
    public = Ed25519PublicKey.from_public_bytes(keyring.public_signing_key())
    with pytest.raises(InvalidSignature):
        public.verify(signature, message + b"!")
    with pytest.raises(InvalidSignature):
        public.verify(flip_byte(signature, 10), message)
    other_public = Ed25519PublicKey.from_public_bytes(other_envelope.provider.public_signing_key())
    with pytest.raises(InvalidSignature):
        other_public.verify(signature, message)


def test_signing_key_survives_reopen_rotation_and_passphrase_change(
    keyring: LocalKeyring, keyring_path: Path
) -> None:
    public = keyring.public_signing_key()
    keyring.rotate()
    keyring.change_passphrase(OTHER_PASSPHRASE)
    reopened = LocalKeyring.open(keyring_path, OTHER_PASSPHRASE)
    assert reopened.public_signing_key() == public
    Ed25519PublicKey.from_public_bytes(public).verify(reopened.sign(b"m"), b"m")


def test_local_keyring_is_a_key_provider(keyring: LocalKeyring) -> None:
    provider: KeyProvider = keyring  # checked by mypy; at run time, check the surface
    for name in (
        "current_kek_version",
        "wrap_key",
        "unwrap_key",
        "blind_index",
        "sign",
        "public_signing_key",
        "kek_versions",
    ):
        assert hasattr(provider, name)


# -- properties -------------------------------------------------------------------------

# Hex UUIDs as the services pass them, and arbitrary text: the encoding must not rely on
# the ids' alphabet.
ids = st.one_of(st.uuids().map(lambda u: u.hex), st.text(max_size=12))
fields = st.text(max_size=20)
places = st.tuples(ids, ids, fields)


@st.composite
def place_pairs(draw: st.DrawFn) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """A place and another one that differs in at least one of org, person, field."""
    place = draw(places)
    changed = draw(st.sets(st.sampled_from([0, 1, 2]), min_size=1))
    other = list(place)
    for position in changed:
        strategy = fields if position == 2 else ids
        other[position] = draw(strategy.filter(place[position].__ne__))
    return place, (other[0], other[1], other[2])


@settings(deadline=None)
@given(plaintext=st.binary(max_size=2048), pair=place_pairs())
def test_property_opens_only_in_its_own_place(
    shared_envelope: Envelope,
    plaintext: bytes,
    pair: tuple[tuple[str, str, str], tuple[str, str, str]],
) -> None:
    place, other = pair
    value = shared_envelope.seal(*place, plaintext)
    assert shared_envelope.open(*place, value) == plaintext
    with pytest.raises(DecryptionFailed):
        shared_envelope.open(*other, value)
    # And under the right data key, so the field's own binding is exercised too.
    dek = shared_envelope.open_data_key(place[0], place[1], value.wrapped_key)
    with pytest.raises(DecryptionFailed):
        Envelope.open_field(dek, *other, value.ciphertext)


@settings(deadline=None)
@given(pair=place_pairs())
def test_property_associated_data_differs_between_places(
    pair: tuple[tuple[str, str, str], tuple[str, str, str]],
) -> None:
    place, other = pair
    assert associated_data(*place) != associated_data(*other)


def test_associated_data_does_not_depend_on_the_ids_being_hex() -> None:
    """The parts are length-prefixed, not joined with a separator an id could contain."""
    assert associated_data("a|", "b", FIELD) != associated_data("a", "|b", FIELD)
    assert associated_data("a", "b", "c") != associated_data("ab", "", "c")
    assert associated_data("", "", "ab") != associated_data("a", "", "b")


def test_blind_index_does_not_depend_on_the_ids_being_hex(envelope: Envelope) -> None:
    assert envelope.blind_index("a|", "b") != envelope.blind_index("a", "|b")
    assert envelope.blind_index("a", "bc") != envelope.blind_index("ab", "c")
