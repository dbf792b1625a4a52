"""An insider with the database (and the witness file) cannot rewrite the trail unseen
(issue 11, "Audit trail that an insider with the database cannot rewrite (high)").

Each attack is what whoever can write the database can do: re-chain the entries after a
change, re-sign the checkpoints with a key of their own and replace the witness; or
delete the checkpoints and the witness; or leave the vault to sign over a rewritten
trail. On today's main the first two are reported intact and the third is signed."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mnvault.access.context import Context
from mnvault.audit import checkpoints, pinned_key, signed_head, trail
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.errors import CheckpointRefused
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.audit.verification import cadence
from mnvault.audit.verification import verify as audit_verify
from mnvault.audit.verification.findings import Problem
from mnvault.config import Settings, load_settings
from mnvault.crypto import LocalKeyring, ScryptParams
from mnvault.deployment import services as deployment
from mnvault.orgs.models import OrganisationKind
from tests.support.jobs import result_of
from tests.test_audit_tamper import forge
from tests.web_support import Web, web

__all__ = ["web"]  # the fixture

PASSPHRASE = "insider test passphrase"


def _attacker(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring.create(tmp_path / "attacker.json", "x", ScryptParams.fast_for_tests())


def _database(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def _rewrite(settings: Settings, attacker: LocalKeyring, signatures: str) -> None:
    """Change an entry and re-chain the rest (mnvault's own tamper test's forger)."""
    db = sqlite3.connect(_database(settings), isolation_level=None)
    try:
        forge(db, 2, signatures, attacker)
    finally:
        db.close()


def _replace_witness(settings: Settings, attacker: LocalKeyring) -> None:
    """A witness of the forger's making: the re-signed checkpoints, naming their key."""
    db = sqlite3.connect(_database(settings))
    try:
        rows = db.execute(
            "SELECT id, tree_size, root, head_hash, created_at, key_id, signature"
            " FROM audit_checkpoints ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    public = attacker.public_signing_key()
    lines = []
    for cid, size, root, head_hash, created_at, kid, signature in rows:
        statement = trail.Checkpoint(
            cid, size, root, head_hash, trail._created_at(created_at), kid, signature
        )
        lines.append(json.dumps(statement.to_json(public), sort_keys=True))
    settings.audit_witness_path.write_text("\n".join(lines) + "\n", "utf-8")


# -- the CLI ------------------------------------------------------------------------------


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mnvault.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_cli_verify_trusts_the_pinned_key_never_the_witness(tmp_path: Path) -> None:
    """A rewritten chain, re-signed with the attacker's key and a replaced witness, is
    reported broken; init printed the fingerprint that verify shows it trusts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    env.update(MNVAULT_DATA_DIR=str(tmp_path / "data"), MNVAULT_PASSPHRASE=PASSPHRASE)
    init = _cli(["init", "--org-name", "試験株式会社"], env)
    assert init.returncode == 0, init.stderr
    settings = load_settings(env=env)
    pinned = pinned_key.read(settings.keyring_path)
    assert pinned is not None
    fingerprint = pinned_key.fingerprint(pinned)
    assert fingerprint in init.stdout
    assert not settings.audit_witness_path.is_relative_to(settings.data_dir)
    assert _cli(["audit", "checkpoint"], env).returncode == 0
    intact = _cli(["audit", "verify"], env)
    assert intact.returncode == 0, intact.stderr
    assert fingerprint in intact.stderr

    attacker = _attacker(tmp_path)
    _rewrite(settings, attacker, "resign")
    _replace_witness(settings, attacker)
    broken = _cli(["audit", "verify"], env)
    assert broken.returncode == 1, broken.stdout
    assert "untrusted key" in broken.stderr or "bad signature" in broken.stderr
    # Even with every line of the witness naming the attacker's key, and no head kept.
    signed_head.path_of(settings.keyring_path).unlink()
    again = _cli(["audit", "verify"], env)
    assert again.returncode == 1, again.stdout
    assert "untrusted key" in again.stderr


def test_the_verify_screen_trusts_the_pinned_key_never_the_witness(web: Web) -> None:
    """ "Verify now" on the screens: the same forgery is reported broken."""
    settings = web.api.vault.settings
    auditor = web.browser()
    auditor.sign_in("auditor")
    with web.api.vault.transaction() as session:
        audit.record(session, None, AuditAction.PERSON_READ)
        checkpoints.checkpoint_now(session)
    intact = result_of(auditor, auditor.submit("/audit/verify", "/audit/verify", {}))
    assert 'data-result="intact"' in intact.text, intact.text
    attacker = _attacker(settings.data_dir)
    _rewrite(settings, attacker, "resign")
    _replace_witness(settings, attacker)
    broken = result_of(auditor, auditor.submit("/audit/verify", "/audit/verify", {}))
    assert 'data-result="broken"' in broken.text
    assert "信頼する鍵のものではありません" in broken.text


# -- a deployment opened in this process ----------------------------------------------------


@dataclass
class Opened:
    settings: Settings
    vault: deployment.Vault
    context: Context


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    env = {
        "MNVAULT_PASSPHRASE": PASSPHRASE,
        "MNVAULT_AUDIT_CHECKPOINT_ENTRIES": "5",
        "MNVAULT_AUDIT_CHECKPOINT_GRACE_ENTRIES": "5",
    }
    settings = load_settings(tmp_path / "data", env=env)
    init = deployment.initialise(
        settings,
        organisation_name="試験株式会社",
        organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE,
        scrypt=ScryptParams.fast_for_tests(),
    )
    vault = deployment.open_vault(settings, PASSPHRASE)
    context = Context(actor_id=uuid.uuid4(), organisation_id=init.organisation_id)
    try:
        yield Opened(settings, vault, context)
    finally:
        vault.close()


def _append(opened: Opened, count: int) -> None:
    for _ in range(count):
        with opened.vault.transaction() as session:
            audit.record(session, opened.context, AuditAction.PERSON_READ, person_id=uuid.uuid4())


def _verify(opened: Opened) -> audit_verify.Report:
    pinned = pinned_key.read(opened.settings.keyring_path)
    assert pinned is not None
    return audit_verify.verify_deployment(
        opened.settings, [pinned], opened.settings.audit_witness_path
    )


def test_deleting_the_checkpoints_and_the_witness_fails_on_the_cadence(opened: Opened) -> None:
    """With every checkpoint and the witness gone (and even the head kept with the
    keyring), a rewritten trail is not intact: nothing signed 40 entries at 5 a time."""
    _append(opened, 40)
    assert _verify(opened).ok
    _rewrite(opened.settings, _attacker(opened.settings.data_dir), "delete")
    opened.settings.audit_witness_path.unlink()
    signed_head.path_of(opened.settings.keyring_path).unlink()
    report = _verify(opened)
    assert not report.ok
    overdue = [f for f in report.findings if f.problem is Problem.CHECKPOINTS_OVERDUE]
    assert overdue and overdue[0].first_seq == 1, [str(f) for f in report.findings]
    # What today's main did: no cadence, so the forgery was "intact".
    engine = opened.vault.engine
    pinned = pinned_key.read(opened.settings.keyring_path)
    assert pinned is not None
    assert audit_verify.verify_database(engine, [pinned], None).ok


def test_the_last_signed_head_outside_the_database_catches_the_rewrite(opened: Opened) -> None:
    """The head the vault last signed is kept with the keyring: a rewrite with the
    checkpoints and witness deleted contradicts it."""
    _append(opened, 12)
    _rewrite(opened.settings, _attacker(opened.settings.data_dir), "delete")
    opened.settings.audit_witness_path.unlink()
    report = _verify(opened)
    problems = {f.problem for f in report.findings}
    assert Problem.REWRITTEN in problems and Problem.WITNESS_DISAGREES in problems


@pytest.mark.parametrize("signatures", ["keep", "delete"])
def test_the_vault_refuses_to_sign_a_rewritten_trail(
    opened: Opened, signatures: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The next checkpoint would sign a forgery: refused, logged, recorded in the trail;
    no checkpoint, witness line or signed head is written."""
    _append(opened, 7)
    with opened.vault.transaction() as session:
        checkpoints.checkpoint_now(session)
    head_path = signed_head.path_of(opened.settings.keyring_path)
    kept_head = head_path.read_bytes()
    witness = opened.settings.audit_witness_path.read_bytes()
    with opened.vault.transaction() as session:
        signed_before = session.scalar(select(func.count()).select_from(AuditCheckpoint))
    _rewrite(opened.settings, _attacker(opened.settings.data_dir), signatures)

    with caplog.at_level(logging.ERROR, logger="mnvault.audit.checkpoints"):
        _append(opened, 6)  # more than the 5-entry cadence: a checkpoint is due
    assert any("refused" in record.getMessage() for record in caplog.records)
    with opened.vault.transaction() as session:
        refusals = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "audit:checkpoint_refused")
        ).all()
        signed_after = session.scalar(select(func.count()).select_from(AuditCheckpoint))
        with pytest.raises(CheckpointRefused):
            checkpoints.checkpoint_now(session)
    assert len(refusals) == 1 and refusals[0].outcome == "failed"
    assert signed_after == (signed_before if signatures == "keep" else 0)
    assert head_path.read_bytes() == kept_head
    assert opened.settings.audit_witness_path.read_bytes() == witness


def test_the_vault_refuses_to_sign_over_a_restored_database(opened: Opened) -> None:
    """A database put back to an older copy is behind the head signed since: refused."""
    _append(opened, 3)
    database = _database(opened.settings)
    copy = database.with_name("backup.sqlite3")
    opened.vault.engine.dispose()
    shutil.copy(database, copy)
    _append(opened, 9)
    opened.vault.engine.dispose()
    shutil.copy(copy, database)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with opened.vault.transaction() as session:
        audit.record(session, opened.context, AuditAction.PERSON_READ)
        with pytest.raises(CheckpointRefused) as refused:
            checkpoints.checkpoint_now(session)
    assert "behind checkpoint" in str(refused.value)


def test_witnessed_consistency_proofs_are_checked(opened: Opened) -> None:
    """Each witness line after the first carries the RFC 6962 proof from the checkpoint
    before; a proof that does not hold is a finding."""
    _append(opened, 16)
    path = opened.settings.audit_witness_path
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    proved = [line for line in lines if line.get("consistency")]
    assert len(proved) >= 3 and _verify(opened).ok
    target = proved[-1]
    node = bytes.fromhex(target["consistency"]["proof"][0])
    target["consistency"]["proof"][0] = bytes([node[0] ^ 1, *node[1:]]).hex()
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    report = _verify(opened)
    assert [f.checkpoint for f in report.findings if f.problem is Problem.INCONSISTENT] == [
        target["checkpoint"]
    ]


# -- the cadence rule on its own ------------------------------------------------------------

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULE = cadence.Cadence(every_entries=10, every_seconds=60, grace_entries=5, grace_seconds=30)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_cadence_entries_and_seconds_with_grace() -> None:
    start = cadence.Signed(0, None)
    times = [(seq, _at(seq)) for seq in range(1, 31)]
    # Signed at 10, 20, 30: within the cadence.
    signed = [cadence.Signed(n, _at(n)) for n in (10, 20, 30)]
    assert cadence.check(RULE, start, signed, times, 30) == []
    # 15 entries in one stretch is within the grace; 16 is not.
    assert cadence.check(RULE, start, [cadence.Signed(15, _at(15))], times[:15], 15) == []
    found = cadence.check(RULE, start, [cadence.Signed(16, _at(16))], times[:16], 16)
    assert [(f.first_seq, f.last_seq) for f in found] == [(1, 16)]
    # An unsigned tail longer than the cadence and grace.
    found = cadence.check(RULE, start, [cadence.Signed(10, _at(10))], times[:26], 26)
    assert [(f.first_seq, f.last_seq) for f in found] == [(11, 26)]


def test_cadence_seconds_after_the_last_checkpoint() -> None:
    start = cadence.Signed(0, None)
    signed = [cadence.Signed(2, _at(1)), cadence.Signed(4, _at(200))]
    # Idle for minutes, then an entry that is signed at once: fine.
    times = [(1, _at(0)), (2, _at(1)), (3, _at(200)), (4, _at(200))]
    assert cadence.check(RULE, start, signed, times, 4) == []
    # An entry 100 s after checkpoint 1 that waited until 200 s for its signature.
    times = [(1, _at(0)), (2, _at(1)), (3, _at(100)), (4, _at(200))]
    found = cadence.check(RULE, start, signed, times, 4)
    assert [(f.first_seq, f.problem) for f in found] == [(3, Problem.CHECKPOINTS_OVERDUE)]
    # Within the grace (60 + 30 s): fine; an unsigned tail older than that: not.
    times = [(1, _at(0)), (2, _at(1)), (3, _at(85))]
    assert cadence.check(RULE, start, signed[:1], times, 3) == []
    times = [(1, _at(0)), (2, _at(1)), (3, _at(95))]
    assert [f.first_seq for f in cadence.check(RULE, start, signed[:1], times, 3)] == [3]
    # No checkpoint at all: the first entry stands in for one.
    times = [(1, _at(0)), (2, _at(50)), (3, _at(120))]
    assert [f.first_seq for f in cadence.check(RULE, start, [], times, 3)] == [3]


def test_a_bulk_append_signs_at_the_entry_cadence(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One append of many entries (an import, a take-out) is signed at its chunk ends
    when the entry cadence asks, so the cadence check holds for it as for single ones."""
    monkeypatch.setattr(audit, "BULK_CHUNK", 4)
    people = [uuid.uuid4() for _ in range(30)]
    with opened.vault.transaction() as session:
        audit.record_many(session, opened.context, AuditAction.NUMBER_ACQUIRE, people)
    with opened.vault.transaction() as session:
        sizes = list(session.scalars(select(AuditCheckpoint.tree_size)))
    gaps = [b - a for a, b in pairwise(sizes)]
    assert len(sizes) >= 6 and max(gaps) <= 5 + 4 - 1, sizes
    assert _verify(opened).ok
