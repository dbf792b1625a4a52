"""The syslog witness (issue 4: "a file path, and optionally syslog"): each checkpoint is
also sent to syslog, here to a real UDP socket and a unix datagram socket opened by the
test; a syslog that cannot be reached loses nothing and is reported."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.audit import checkpoints, witness
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.models import AuditCheckpoint
from mnvault.audit.statement import Checkpoint
from mnvault.audit.verification.verify import verify_connection
from mnvault.config import load_settings
from mnvault.crypto import verify_signature
from mnvault.db.engine import unit_of_work
from tests.conftest import World


@pytest.fixture
def udp_receiver() -> Iterator[socket.socket]:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    yield receiver
    receiver.close()


def _received(receiver: socket.socket, count: int) -> list[tuple[str, Checkpoint, bytes]]:
    """(syslog header, checkpoint, public key) of each message."""
    found = []
    for _ in range(count):
        data = receiver.recv(65536).decode("utf-8")
        header, _, body = data.partition(" - {")
        checkpoint, key = Checkpoint.from_json(json.loads("{" + body))
        found.append((header, checkpoint, key))
    return found


def _work(world: World, checkpointer: Checkpointer, entries: int) -> None:
    checkpoints.attach(world.sessions, checkpointer)
    for i in range(entries):
        with unit_of_work(world.sessions) as session:
            audit.record(session, world.ctx("clerk"), AuditAction.PERSON_READ, details={"i": i})


def test_each_checkpoint_reaches_a_udp_syslog(
    world: World, tmp_path: Path, udp_receiver: socket.socket
) -> None:
    port = udp_receiver.getsockname()[1]
    checkpointer = Checkpointer(
        world.envelope.provider,  # type: ignore[arg-type]
        tmp_path / "witness.jsonl",
        every_entries=4,
        syslog=f"udp://127.0.0.1:{port}",
    )
    _work(world, checkpointer, 9)
    with world.sessions() as session:
        stored = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    received = _received(udp_receiver, len(stored))
    key = checkpointer.public_key()
    for (header, checkpoint, public_key), row in zip(received, stored, strict=True):
        assert (
            header.startswith("<85>1 ") and " mnvault " in header and "audit-checkpoint" in header
        )
        assert (checkpoint.id, checkpoint.tree_size, checkpoint.root) == (
            row.id,
            row.tree_size,
            row.root,
        )
        assert public_key == key
        assert verify_signature(key, checkpoint.message(), checkpoint.signature)
    # The same checkpoints as the file witness.
    assert [c for c, _ in witness.read(tmp_path / "witness.jsonl").checkpoints] == [
        c for _, c, _ in received
    ]


def test_a_unix_socket_syslog(world: World, tmp_path: Path) -> None:
    path = tmp_path / "log.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(str(path))
        receiver.settimeout(5)
        checkpointer = Checkpointer(
            world.envelope.provider,  # type: ignore[arg-type]
            None,
            every_entries=100,
            syslog=str(path),
        )
        _work(world, checkpointer, 1)
        [(_, checkpoint, _)] = _received(receiver, 1)
    with world.sessions() as session:
        assert session.get(AuditCheckpoint, checkpoint.id) is not None


def test_a_failing_syslog_loses_nothing_and_is_reported(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = Checkpointer(
        world.envelope.provider,  # type: ignore[arg-type]
        tmp_path / "witness.jsonl",
        every_entries=3,
        syslog=str(tmp_path / "no-such-socket"),
    )
    with caplog.at_level(logging.ERROR, logger="mnvault.audit.checkpoints"):
        _work(world, checkpointer, 7)
    reports = [r for r in caplog.records if "syslog" in r.getMessage()]
    assert reports and all(r.levelno == logging.ERROR for r in reports)
    with world.sessions() as session:
        stored = session.scalars(select(AuditCheckpoint)).all()
        assert len(stored) == len(witness.read(tmp_path / "witness.jsonl").checkpoints) >= 3
        report = verify_connection(
            session.connection(),
            [checkpointer.public_key()],
            witness.read(tmp_path / "witness.jsonl"),
        )
    assert report.ok, [str(f) for f in report.findings]


def test_the_syslog_setting(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"MNVAULT_AUDIT_SYSLOG": "udp://127.0.0.1:514"})
    assert settings.audit_syslog == "udp://127.0.0.1:514"
    assert load_settings(tmp_path, {}).audit_syslog is None
    assert (
        load_settings(tmp_path, {"MNVAULT_AUDIT_RETENTION_DAYS": "400"}).audit_retention_days == 400
    )
