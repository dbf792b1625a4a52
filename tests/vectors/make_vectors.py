"""Made the known-answer vectors in this directory ONCE (issue 12, "Stored formats pinned").

Never run this again to make a test pass: the vectors stand for data already stored in
deployments (keyring files, ciphertexts, blind indexes, signed checkpoints, witness
lines). A test that fails against them means the code changed a stored format; fix
the code, or add a new format version next to the old one and keep both vectors.

    uv run --frozen python -m tests.vectors.make_vectors  # wrote the committed files
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mnvault.audit import consistency, merkle
from mnvault.audit.chain import entry_hash
from mnvault.audit.statement import Checkpoint, key_id
from mnvault.crypto import Envelope, LocalKeyring, ScryptParams
from mnvault.crypto.envelope import associated_data
from mnvault.numbers import generate_my_number

HERE = Path(__file__).parent
PASSPHRASE = "synthetic test passphrase: never a real one"
ORGANISATION = uuid.UUID("00000000-0000-4000-8000-00000000000a").hex
PERSON = uuid.UUID("00000000-0000-4000-8000-0000000000b1").hex
FIELD = "my_number"  # mnvault.vault.services.MY_NUMBER_FIELD
NUMBER = generate_my_number(random.Random(20261207))  # synthetic, valid check digit
CHECKPOINT_AT = datetime(2026, 12, 7, 3, 0, 0, 123456, tzinfo=UTC)


def _legacy_encode(state: Any) -> bytes:
    # The payload as written before blind-index keys had versions (one "index_key").
    return json.dumps(
        {
            "current": state.current,
            "keks": [
                {
                    "version": v,
                    "created_at": info.created_at,
                    "state": info.state,
                    "destroyed_at": info.destroyed_at,
                    "key": base64.b64encode(state.keks[v]).decode(),
                }
                for v, info in sorted(state.kek_info.items())
            ],
            "index_key": base64.b64encode(state.index_keys[1]).decode(),
            "signing_key": base64.b64encode(state.signing_key).decode(),
        }
    ).encode("utf-8")


def _sealed(keyring: LocalKeyring) -> dict[str, Any]:
    envelope = Envelope(keyring)
    value = envelope.seal(ORGANISATION, PERSON, FIELD, NUMBER.encode("ascii"))
    return {
        "kek_version": value.wrapped_key.kek_version,
        "wrapped_key": value.wrapped_key.blob.hex(),
        "ciphertext": value.ciphertext.hex(),
    }


def entries() -> list[bytes]:
    """Seven synthetic audit entry hashes, chained (the inputs are part of the vector)."""
    hashes: list[bytes] = []
    prev = b"\x00" * 32
    for seq in range(1, 8):
        prev = entry_hash(
            seq=seq,
            occurred_at=datetime(2026, 12, 7, 2, 0, seq, 1000 * seq, tzinfo=UTC),
            actor_id=uuid.UUID(int=seq),
            organisation_id=uuid.UUID(ORGANISATION),
            action="vault.reveal" if seq % 2 else "vault.acquire",
            outcome="allowed",
            affair_code="withholding" if seq != 3 else None,
            person_id=uuid.UUID(PERSON) if seq % 3 else None,
            spi_file_id=None,
            request_id=f"req-{seq}",
            client_address="127.0.0.1",
            details={"n": seq, "why": "合成データ"} if seq != 5 else None,
            prev_hash=prev,
        )
        hashes.append(prev)
    return hashes


def main() -> None:
    fast = ScryptParams.fast_for_tests()
    current = LocalKeyring.create(HERE / "keyring-v1.json", PASSPHRASE, fast)
    before_rotation = _sealed(current)
    current.rotate()
    after_rotation = _sealed(current)
    envelope = Envelope(current)

    original = LocalKeyring._encode
    LocalKeyring._encode = staticmethod(_legacy_encode)  # type: ignore[method-assign]
    try:
        legacy = LocalKeyring.create(HERE / "keyring-v1-legacy.json", PASSPHRASE, fast)
    finally:
        LocalKeyring._encode = original  # type: ignore[method-assign]
    legacy = LocalKeyring.open(HERE / "keyring-v1-legacy.json", PASSPHRASE)

    hashes = entries()
    old, new = merkle.Frontier(), merkle.Frontier()
    old.extend(hashes[:3])
    new.extend(hashes)
    public_key = current.public_signing_key()
    unsigned = Checkpoint(
        id=2,
        tree_size=7,
        root=new.root(),
        head_hash=hashes[-1],
        created_at=CHECKPOINT_AT,
        key_id=key_id(public_key),
        signature=b"",
    )
    signature = current.sign(unsigned.message())
    line = replace(unsigned, signature=signature).to_json(public_key)
    line["consistency"] = {
        "from": 1,
        "from_size": 3,
        "proof": [
            node.hex() for node in consistency.prove(old, [merkle.leaf_hash(h) for h in hashes[3:]])
        ],
    }
    vectors = {
        "passphrase": PASSPHRASE,
        "organisation_id": ORGANISATION,
        "person_id": PERSON,
        "field": FIELD,
        "number": NUMBER,
        "associated_data": {
            FIELD: associated_data(ORGANISATION, PERSON, FIELD).hex(),
            "data_key": associated_data(ORGANISATION, PERSON, "data_key").hex(),
        },
        "keyring-v1.json": {
            "sealed_before_rotation": before_rotation,
            "sealed_after_rotation": after_rotation,
            "blind_index": {
                str(v): envelope.blind_index(ORGANISATION, NUMBER, v).hex() for v in (1, 2)
            },
            "public_key": public_key.hex(),
        },
        "keyring-v1-legacy.json": {
            "sealed": _sealed(legacy),
            "blind_index": {"1": Envelope(legacy).blind_index(ORGANISATION, NUMBER, 1).hex()},
        },
        "audit": {
            "entry_hashes": [h.hex() for h in hashes],
            "root_3": old.root().hex(),
            "root_7": new.root().hex(),
            "checkpoint_message": unsigned.message().hex(),
            "witness_line": json.dumps(line, sort_keys=True),
        },
    }
    (HERE / "known-answers.json").write_text(json.dumps(vectors, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
