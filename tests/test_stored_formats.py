"""Issue 12, "Stored formats pinned": known answers for every format stored data depends on.

The vectors in tests/vectors/ were made once (tests/vectors/README.md) and must never be
regenerated to make a test pass. A change to the envelope's associated-data layout (its
length prefix, its tag), to the blind index's derivation (its tag, its per-organisation
prefix, any index-key version), to the keyring file, to the audit entry hash, the Merkle
tree, the checkpoint statement, or to the witness line and its consistency proof fails
here, where before it passed every other test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mnvault.audit import consistency, merkle
from mnvault.audit.statement import Checkpoint, key_id
from mnvault.audit.witness import read as read_witness
from mnvault.crypto import Envelope, LocalKeyring, SealedValue, WrappedKey, verify_signature
from mnvault.crypto.envelope import associated_data
from mnvault.vault.services import MY_NUMBER_FIELD
from tests.vectors.make_vectors import entries

VECTORS = Path(__file__).parent / "vectors"
KNOWN: dict[str, Any] = json.loads((VECTORS / "known-answers.json").read_text("utf-8"))
ORG, PERSON, NUMBER = KNOWN["organisation_id"], KNOWN["person_id"], KNOWN["number"]


def _keyring(name: str, tmp_path: Path) -> LocalKeyring:
    # A copy: nothing a test does may touch the committed file.
    copy = tmp_path / name
    shutil.copyfile(VECTORS / name, copy)
    return LocalKeyring.open(copy, KNOWN["passphrase"])


def _sealed(data: dict[str, Any]) -> SealedValue:
    wrapped = WrappedKey(data["kek_version"], bytes.fromhex(data["wrapped_key"]))
    return SealedValue(wrapped, bytes.fromhex(data["ciphertext"]))


def test_the_vectors_name_the_field_the_vault_stores() -> None:
    assert KNOWN["field"] == MY_NUMBER_FIELD


@pytest.mark.parametrize("field", [MY_NUMBER_FIELD, "data_key"])
def test_associated_data_layout(field: str) -> None:
    """4-byte big-endian length prefixes, tag b"mnvault/v1", organisation, person, field."""
    assert associated_data(ORG, PERSON, field).hex() == KNOWN["associated_data"][field]


@pytest.mark.parametrize("sealed", ["sealed_before_rotation", "sealed_after_rotation"])
def test_a_stored_ciphertext_opens_under_the_committed_keyring(sealed: str, tmp_path: Path) -> None:
    keyring = _keyring("keyring-v1.json", tmp_path)
    value = _sealed(KNOWN["keyring-v1.json"][sealed])
    assert Envelope(keyring).open(ORG, PERSON, MY_NUMBER_FIELD, value) == NUMBER.encode()


@pytest.mark.parametrize("version", ["1", "2"])
def test_each_blind_index_version_is_pinned(version: str, tmp_path: Path) -> None:
    envelope = Envelope(_keyring("keyring-v1.json", tmp_path))
    expected = KNOWN["keyring-v1.json"]["blind_index"][version]
    assert envelope.blind_index(ORG, NUMBER, int(version)).hex() == expected
    if version == "2":  # the current version is what a new row stores
        assert envelope.index(ORG, NUMBER) == (2, bytes.fromhex(expected))


def test_the_committed_keyring_holds_its_versions(tmp_path: Path) -> None:
    keyring = _keyring("keyring-v1.json", tmp_path)
    assert [(k.version, k.state) for k in keyring.kek_versions()] == [
        (1, "retired"),
        (2, "active"),
    ]
    assert [(k.version, k.state) for k in keyring.index_versions()] == [
        (1, "retired"),
        (2, "active"),
    ]
    assert keyring.public_signing_key().hex() == KNOWN["keyring-v1.json"]["public_key"]


def test_a_keyring_from_before_index_versions_still_reads(tmp_path: Path) -> None:
    """Its one index key is version 1, the version every existing row was indexed under."""
    keyring = _keyring("keyring-v1-legacy.json", tmp_path)
    known = KNOWN["keyring-v1-legacy.json"]
    envelope = Envelope(keyring)
    assert envelope.open(ORG, PERSON, MY_NUMBER_FIELD, _sealed(known["sealed"])) == NUMBER.encode()
    assert envelope.index(ORG, NUMBER) == (1, bytes.fromhex(known["blind_index"]["1"]))


def test_audit_entry_hashes_and_merkle_roots() -> None:
    hashes = entries()
    assert [h.hex() for h in hashes] == KNOWN["audit"]["entry_hashes"]
    assert merkle_root(hashes[:3]) == KNOWN["audit"]["root_3"]
    assert merkle_root(hashes) == KNOWN["audit"]["root_7"]


def merkle_root(hashes: list[bytes]) -> str:
    frontier = merkle.Frontier()
    frontier.extend(hashes)
    return frontier.root().hex()


def test_the_checkpoint_statement_and_witness_line(tmp_path: Path) -> None:
    """The signed bytes, the signature under the committed key, the witness line as
    written (sorted keys) and its consistency proof are all pinned."""
    line = KNOWN["audit"]["witness_line"]
    data = json.loads(line)
    checkpoint, public_key = Checkpoint.from_json(data)
    assert checkpoint.message().hex() == KNOWN["audit"]["checkpoint_message"]
    assert checkpoint.key_id == key_id(public_key)
    assert verify_signature(public_key, checkpoint.message(), checkpoint.signature)
    # Ed25519 is deterministic: the committed key signs the statement the same way.
    keyring = _keyring("keyring-v1.json", tmp_path)
    assert keyring.sign(checkpoint.message()) == checkpoint.signature
    rebuilt = checkpoint.to_json(public_key)
    rebuilt["consistency"] = data["consistency"]
    assert json.dumps(rebuilt, sort_keys=True) == line

    hashes = entries()
    old = merkle.Frontier()
    old.extend(hashes[:3])
    proof = consistency.prove(old, [merkle.leaf_hash(h) for h in hashes[3:]])
    assert [node.hex() for node in proof] == data["consistency"]["proof"]
    root_3, root_7 = (bytes.fromhex(KNOWN["audit"][k]) for k in ("root_3", "root_7"))
    assert consistency.verify(3, 7, root_3, root_7, proof)

    witness = tmp_path / "witness.jsonl"
    witness.write_text(line + "\n", "utf-8")
    contents = read_witness(witness)
    assert contents.damaged_lines == []
    assert contents.checkpoints == [(checkpoint, public_key)]
    assert contents.proofs[2].earlier == 1 and contents.proofs[2].earlier_size == 3
