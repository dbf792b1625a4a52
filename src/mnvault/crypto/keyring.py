"""Key-encryption keys (KEK) behind a provider interface.

The embedded default is :class:`LocalKeyring`: one file, sealed with a key derived
from a passphrase by scrypt, holding versioned KEKs, versioned blind-index keys and the
signing key. A rotation adds a version of both: the index key must go with a disposal
too, or a backup plus the current keyring would still confirm a guessed disposed number
(an HMAC under a key that never changes is a perfect offline oracle).

A PKCS#11 token can implement :class:`KeyProvider` later without any caller changing,
because callers only ever ask a provider to wrap, unwrap, index or sign; they never see
a KEK. Such a provider must version its index keys the same way (``index_versions``,
``blind_index(message, version)``) and re-read its key versions when asked to unwrap
under one it does not know yet (another process rotated).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mnvault.crypto.errors import DecryptionFailed, KeyringError, KeyringLocked

FORMAT = "mnvault-keyring"
FORMAT_VERSION = 1
# How often a long-lived instance (a server) looks whether another process rotated the
# keyring file; the rotation waits at least twice this long before its last count.
REFRESH_SECONDS = 1.0
_NONCE_BYTES = 12
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under one KEK version."""

    kek_version: int
    blob: bytes


@dataclass(frozen=True, slots=True)
class KekInfo:
    version: int
    created_at: str
    state: str  # "active", "retired" (still unwraps) or "destroyed"
    destroyed_at: str | None = None


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost; the defaults follow RFC 7914 §2's interactive-login guidance scaled up."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    @classmethod
    def fast_for_tests(cls) -> ScryptParams:
        # Only tests use this: the keyring format records the cost, so a test keyring
        # cannot weaken a production one.
        return cls(n=2**10, r=8, p=1)


class KeyProvider(Protocol):
    """What the vault needs from wherever the keys live (file, PKCS#11 token, ...)."""

    @property
    def current_kek_version(self) -> int: ...

    def wrap_key(self, key: bytes, aad: bytes) -> WrappedKey: ...

    def unwrap_key(self, wrapped: WrappedKey, aad: bytes) -> bytes: ...

    @property
    def current_index_version(self) -> int: ...

    def blind_index(self, message: bytes, version: int | None = None) -> bytes: ...

    def index_versions(self) -> list[KekInfo]: ...

    def sign(self, message: bytes) -> bytes: ...

    def public_signing_key(self) -> bytes: ...

    def kek_versions(self) -> list[KekInfo]: ...


@dataclass
class _Secrets:
    keks: dict[int, bytes]
    kek_info: dict[int, KekInfo]
    current: int
    index_keys: dict[int, bytes]
    index_info: dict[int, KekInfo]
    index_current: int
    signing_key: bytes
    kek_ciphers: dict[int, AESGCM] = field(default_factory=dict)

    def copy(self) -> _Secrets:
        return _Secrets(
            keks=dict(self.keks),
            kek_info=dict(self.kek_info),
            current=self.current,
            index_keys=dict(self.index_keys),
            index_info=dict(self.index_info),
            index_current=self.index_current,
            signing_key=self.signing_key,
            kek_ciphers=dict(self.kek_ciphers),
        )

    def index_key(self, version: int | None) -> bytes:
        key = self.index_keys.get(self.index_current if version is None else version)
        if key is None:
            raise DecryptionFailed(f"blind-index key version {version} is not available")
        return key

    def cipher(self, version: int) -> AESGCM:
        cached = self.kek_ciphers.get(version)
        if cached is None:
            key = self.keks.get(version)
            if key is None:
                raise DecryptionFailed(f"KEK version {version} is not available")
            cached = self.kek_ciphers[version] = AESGCM(key)
        return cached


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _derive(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    if not passphrase:
        raise KeyringError("empty passphrase")
    kdf = Scrypt(salt=salt, length=_KEY_BYTES, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def _kdf_of(header: dict[str, Any]) -> tuple[ScryptParams, bytes]:
    if header.get("format") != FORMAT or header.get("version") != FORMAT_VERSION:
        raise KeyringError("unknown keyring format")
    kdf = header["kdf"]
    if kdf.get("name") != "scrypt":
        raise KeyringError("unknown key derivation function")
    return ScryptParams(n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"])), _unb64(kdf["salt"])


def _header_bytes(header: dict[str, Any]) -> bytes:
    # The header (format and KDF cost) is authenticated as associated data, so nobody
    # can lower the scrypt cost or swap the salt without the unseal failing.
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


class LocalKeyring:
    """A passphrase-sealed keyring file: the embedded default KEK provider.

    Keep this file apart from the database and out of database backups: a destroyed
    KEK version is only gone if no copy of the file that held it survives.
    """

    def __init__(self, path: Path, params: ScryptParams, salt: bytes) -> None:
        self.path = path
        self._params = params
        self._salt = salt
        self._sealing_key: bytes | None = None
        self._secrets: _Secrets | None = None
        # Digest of the file as this instance last read or wrote it: a save over a file
        # someone else changed (another process rotated or destroyed a version) is refused.
        self._seen: bytes | None = None
        self._checked_at = 0.0
        self._stat: tuple[int, int, int] | None = None

    # -- life cycle -------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: Path, passphrase: str, params: ScryptParams | None = None
    ) -> LocalKeyring:
        keyring = cls(path, params or ScryptParams(), secrets.token_bytes(16))
        key = _derive(passphrase, keyring._salt, keyring._params)
        state = _Secrets(
            keks={1: AESGCM.generate_key(bit_length=256)},
            kek_info={1: KekInfo(version=1, created_at=_now(), state="active")},
            current=1,
            index_keys={1: secrets.token_bytes(_KEY_BYTES)},
            index_info={1: KekInfo(version=1, created_at=_now(), state="active")},
            index_current=1,
            signing_key=secrets.token_bytes(_KEY_BYTES),
        )
        keyring._commit(state, keyring._salt, key, create=True)
        return keyring

    @classmethod
    def load(cls, path: Path) -> LocalKeyring:
        """Read the file's header; the keyring stays sealed until :meth:`unseal`."""
        try:
            params, salt = _kdf_of(json.loads(path.read_text("utf-8"))["header"])
            return cls(path, params, salt)
        except FileNotFoundError as exc:
            raise KeyringError(f"no keyring at {path}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyringError("the keyring file is damaged") from exc

    @classmethod
    def open(cls, path: Path, passphrase: str) -> LocalKeyring:
        keyring = cls.load(path)
        keyring.unseal(passphrase)
        return keyring

    @property
    def sealed(self) -> bool:
        return self._secrets is None

    def unseal(self, passphrase: str) -> None:
        raw = self.path.read_bytes()
        try:
            document = json.loads(raw)
            # The salt and cost come from the file as it is now, not as load() saw it:
            # another process may have changed the passphrase since.
            params, salt = _kdf_of(document["header"])
            key = _derive(passphrase, salt, params)
            payload = AESGCM(key).decrypt(
                _unb64(document["nonce"]),
                _unb64(document["sealed"]),
                _header_bytes(document["header"]),
            )
            secrets_ = self._decode(json.loads(payload))
        except KeyringError:
            raise
        except InvalidTag as exc:
            raise KeyringError("wrong passphrase or the keyring file was altered") from exc
        except (KeyError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
            raise KeyringError("the keyring file is damaged") from exc
        self._salt, self._params = salt, params
        self._sealing_key = key
        self._secrets = secrets_
        self._seen = hashlib.sha256(raw).digest()

    def seal(self) -> None:
        """Drop every key from memory (as far as Python lets us)."""
        self._secrets = None
        self._sealing_key = None

    def change_passphrase(self, new_passphrase: str, params: ScryptParams | None = None) -> None:
        """Seal the same keys under a new passphrase, and a new scrypt cost if given (raise
        it as machines get faster; the cost is in the authenticated header)."""
        state = self._require()
        salt = secrets.token_bytes(16)
        cost = params or self._params
        key = _derive(new_passphrase, salt, cost)
        previous = self._params
        self._params = cost  # the header written below records the new cost
        try:
            self._commit(state, salt, key)
        except BaseException:
            self._params = previous
            raise

    # -- key versions -----------------------------------------------------------------

    def rotate(self) -> int:
        """Add a new KEK version and a new blind-index key version and make both current;
        older versions still unwrap and still match until they are destroyed. One file
        write, so a KEK rotation never leaves the index key behind."""
        state = self._require().copy()
        new_version = max(state.kek_info) + 1
        state.keks[new_version] = AESGCM.generate_key(bit_length=256)
        old = state.kek_info[state.current]
        state.kek_info[state.current] = KekInfo(old.version, old.created_at, "retired")
        state.kek_info[new_version] = KekInfo(new_version, _now(), "active")
        state.current = new_version
        new_index = max(state.index_info) + 1
        state.index_keys[new_index] = secrets.token_bytes(_KEY_BYTES)
        old = state.index_info[state.index_current]
        state.index_info[state.index_current] = KekInfo(old.version, old.created_at, "retired")
        state.index_info[new_index] = KekInfo(new_index, _now(), "active")
        state.index_current = new_index
        self._commit(state, self._salt, self._sealing_key)
        return new_version

    def destroy_index_version(self, version: int) -> None:
        """Forget one retired blind-index key for good: an index made under it no longer
        confirms any guess, whoever holds a copy of the rows."""
        state = self._require().copy()
        if version == state.index_current:
            raise KeyringError("the current blind-index key cannot be destroyed")
        info = state.index_info.get(version)
        if info is None or info.state == "destroyed":
            raise KeyringError(f"blind-index key version {version} is not held")
        del state.index_keys[version]
        state.index_info[version] = KekInfo(version, info.created_at, "destroyed", _now())
        self._commit(state, self._salt, self._sealing_key)

    def destroy_version(self, version: int) -> None:
        """Forget one retired KEK version for good (the file is rewritten without it)."""
        state = self._require().copy()
        if version == state.current:
            raise KeyringError("the current KEK version cannot be destroyed")
        info = state.kek_info.get(version)
        if info is None or info.state == "destroyed":
            raise KeyringError(f"KEK version {version} is not held")
        del state.keks[version]
        state.kek_ciphers.pop(version, None)
        state.kek_info[version] = KekInfo(version, info.created_at, "destroyed", _now())
        self._commit(state, self._salt, self._sealing_key)

    # -- KeyProvider ------------------------------------------------------------------

    @property
    def current_kek_version(self) -> int:
        return self._require().current

    def kek_versions(self) -> list[KekInfo]:
        return [info for _, info in sorted(self._require().kek_info.items())]

    @property
    def current_index_version(self) -> int:
        self._require()
        self._follow_file()
        return self._require().index_current

    def index_versions(self) -> list[KekInfo]:
        """Every blind-index key version (held or destroyed), oldest first."""
        self._require()
        self._follow_file()
        return [info for _, info in sorted(self._require().index_info.items())]

    def refresh(self) -> bool:
        """Adopt the file as another process left it (it rotated or destroyed a version).

        Without this a server would keep wrapping new data keys under a version that a
        `mnvault keys rotate` elsewhere has retired and is about to destroy."""
        if self._secrets is None or self._sealing_key is None:
            return False
        raw = self.path.read_bytes()
        digest = hashlib.sha256(raw).digest()
        if digest == self._seen:
            return False
        try:
            document = json.loads(raw)
            _, salt = _kdf_of(document["header"])
            if salt != self._salt:
                # The passphrase changed elsewhere: this instance cannot follow; refuse.
                self.seal()
                raise KeyringLocked()
            payload = AESGCM(self._sealing_key).decrypt(
                _unb64(document["nonce"]),
                _unb64(document["sealed"]),
                _header_bytes(document["header"]),
            )
            self._secrets = self._decode(json.loads(payload))
        except InvalidTag as exc:
            raise KeyringError("the keyring file was altered") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyringError("the keyring file is damaged") from exc
        self._seen = digest
        return True

    def _follow_file(self, *, now_: bool = False) -> None:
        now = time.monotonic()
        if not now_ and now - self._checked_at < REFRESH_SECONDS:
            return
        self._checked_at = now
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        mark = (st.st_ino, st.st_mtime_ns, st.st_size)
        if mark != self._stat:
            self._stat = mark
            self.refresh()

    def wrap_key(self, key: bytes, aad: bytes) -> WrappedKey:
        self._require()
        self._follow_file()
        state = self._require()
        nonce = os.urandom(_NONCE_BYTES)
        blob = nonce + state.cipher(state.current).encrypt(nonce, key, aad)
        return WrappedKey(state.current, blob)

    def unwrap_key(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        state = self._require()
        if wrapped.kek_version not in state.keks:
            # Another process (`mnvault keys rotate`, a disposal run) may have added the
            # version since this instance read the file: look before refusing.
            self._follow_file(now_=True)
            state = self._require()
        cipher = state.cipher(wrapped.kek_version)
        if len(wrapped.blob) < _NONCE_BYTES + 16:
            raise DecryptionFailed("wrapped key too short")
        try:
            return cipher.decrypt(wrapped.blob[:_NONCE_BYTES], wrapped.blob[_NONCE_BYTES:], aad)
        except InvalidTag as exc:
            raise DecryptionFailed("data key does not unwrap") from exc

    def blind_index(self, message: bytes, version: int | None = None) -> bytes:
        """HMAC-SHA-256 under the current index key, or under ``version`` (a lookup
        during a re-index looks under every held version)."""
        state = self._require()
        if version is not None and version not in state.index_keys:
            self._follow_file(now_=True)
            state = self._require()
        return hmac.digest(state.index_key(version), message, "sha256")

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self._require().signing_key).sign(message)

    def public_signing_key(self) -> bytes:
        private = Ed25519PrivateKey.from_private_bytes(self._require().signing_key)
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    # -- internals --------------------------------------------------------------------

    def _require(self) -> _Secrets:
        if self._secrets is None:
            raise KeyringLocked()
        return self._secrets

    def _header(self, salt: bytes) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kdf": {
                "name": "scrypt",
                "n": self._params.n,
                "r": self._params.r,
                "p": self._params.p,
                "salt": _b64(salt),
            },
        }

    @staticmethod
    def _encode(state: _Secrets) -> bytes:
        return json.dumps(
            {
                "current": state.current,
                "keks": [
                    {
                        "version": v,
                        "created_at": info.created_at,
                        "state": info.state,
                        "destroyed_at": info.destroyed_at,
                        "key": _b64(state.keks[v]) if v in state.keks else None,
                    }
                    for v, info in sorted(state.kek_info.items())
                ],
                "index_current": state.index_current,
                "index_keys": [
                    {
                        "version": v,
                        "created_at": info.created_at,
                        "state": info.state,
                        "destroyed_at": info.destroyed_at,
                        "key": _b64(state.index_keys[v]) if v in state.index_keys else None,
                    }
                    for v, info in sorted(state.index_info.items())
                ],
                "signing_key": _b64(state.signing_key),
            }
        ).encode("utf-8")

    @staticmethod
    def _decode(payload: dict[str, Any]) -> _Secrets:
        keks: dict[int, bytes] = {}
        info: dict[int, KekInfo] = {}
        for entry in payload["keks"]:
            version = int(entry["version"])
            info[version] = KekInfo(
                version, entry["created_at"], entry["state"], entry.get("destroyed_at")
            )
            if entry.get("key"):
                keks[version] = _unb64(entry["key"])
        index_keys: dict[int, bytes] = {}
        index_info: dict[int, KekInfo] = {}
        if "index_keys" in payload:
            for entry in payload["index_keys"]:
                version = int(entry["version"])
                index_info[version] = KekInfo(
                    version, entry["created_at"], entry["state"], entry.get("destroyed_at")
                )
                if entry.get("key"):
                    index_keys[version] = _unb64(entry["key"])
            index_current = int(payload["index_current"])
        else:
            # A keyring written before index keys had versions: its one key is version 1
            # (the version every existing row was indexed under, migration 0016).
            index_keys[1] = _unb64(payload["index_key"])
            index_info[1] = KekInfo(1, info[min(info)].created_at, "active")
            index_current = 1
        return _Secrets(
            keks=keks,
            kek_info=info,
            current=int(payload["current"]),
            index_keys=index_keys,
            index_info=index_info,
            index_current=index_current,
            signing_key=_unb64(payload["signing_key"]),
        )

    def _commit(
        self, state: _Secrets, salt: bytes, sealing_key: bytes | None, *, create: bool = False
    ) -> None:
        """Write the new state; only once it is on disk does this instance adopt it.

        So a refused save (the file changed under us) leaves the instance as it was,
        and nothing is ever wrapped under a KEK that the file does not hold.
        """
        if sealing_key is None:
            raise KeyringLocked()
        header = self._header(salt)
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(sealing_key).encrypt(nonce, self._encode(state), _header_bytes(header))
        document = {"header": header, "nonce": _b64(nonce), "sealed": _b64(sealed)}
        data = json.dumps(document, indent=2).encode("utf-8")
        with _locked(self.path):
            try:
                current: bytes | None = hashlib.sha256(self.path.read_bytes()).digest()
            except FileNotFoundError:
                current = None
            if create and current is not None:
                raise KeyringError(f"{self.path} already exists")
            if not create and current != self._seen:
                raise KeyringError("the keyring file changed since it was opened; open it again")
            _atomic_write(self.path, data)
        self._seen = hashlib.sha256(data).digest()
        self._salt, self._sealing_key, self._secrets = salt, sealing_key, state


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the keyring's directory, so two processes never save at once.

    The directory, not the file: the file is replaced on every save, so a lock on it
    would guard an inode nobody else opens."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    # Write-then-rename so a crash never leaves half a keyring; the old file is
    # replaced (not kept as a backup) because a destroyed KEK must not survive.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=path.parent)
    try:
        os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
