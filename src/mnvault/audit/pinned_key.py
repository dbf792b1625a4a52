"""The pinned checkpoint key: the one public key ``audit verify`` trusts without being told.

Written once by ``init``, next to the keyring (apart from the database and its backups),
and printed there with its fingerprint for the operator to record elsewhere. A witness
line names a public key too, but whoever rewrites the database can rewrite the witness
and sign with a key of their own: trust never comes from the material being checked.
"""

from __future__ import annotations

import os
from pathlib import Path

from mnvault.audit.errors import PinnedKeyInvalid
from mnvault.audit.statement import key_id

FILE_NAME = "audit-signing-key.pub"
PUBLIC_KEY_BYTES = 32


def path_of(keyring_path: Path) -> Path:
    return keyring_path.parent / FILE_NAME


def fingerprint(public_key: bytes) -> str:
    """What the operator records and compares: SHA-256 of the raw key, as key ids are."""
    return f"SHA256:{key_id(public_key)}"


def pin(keyring_path: Path, public_key: bytes) -> Path:
    """Pin ``public_key``; a different key already pinned is refused, never replaced."""
    path = path_of(keyring_path)
    existing = read(keyring_path)
    if existing is not None:
        if existing != public_key:
            raise PinnedKeyInvalid("別の鍵が既に固定されています", "another key is already pinned")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        f"# mnvault audit checkpoint key / 監査チェックポイント署名公開鍵\n"
        f"# fingerprint: {fingerprint(public_key)}\n{public_key.hex()}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def read(keyring_path: Path) -> bytes | None:
    """The pinned key, or None when none was pinned (a deployment older than the pin)."""
    path = path_of(keyring_path)
    if not path.exists():
        return None
    return parse(path.read_text("utf-8"))


def parse(text: str) -> bytes:
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    try:
        key = bytes.fromhex(keys[0]) if len(keys) == 1 else b""
    except ValueError:
        key = b""
    if len(key) != PUBLIC_KEY_BYTES:
        raise PinnedKeyInvalid("32バイトの16進鍵ではありません", "not one 32-byte hex key")
    return key
