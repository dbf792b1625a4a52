"""KEK rotation on its own (`mnvault keys rotate`): re-wrap online, resume, destroy.

Sources: DESIGN.md §4 (rotation re-wraps DEKs online without re-encrypting data); 事業者編
別添1 2E d (削除は復元不可能な手段で); 行政機関等編 別添1 2F a (管理者は内容に触れない).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.auth import services as auth
from mnvault.auth.models import UserSecurity
from mnvault.crypto import Envelope, LocalKeyring
from mnvault.db.engine import unit_of_work
from mnvault.keys import services as keys
from mnvault.keys.models import KekRotation, RotationState
from mnvault.vault.models import DataKey, NumberRecord
from tests.conftest import World
from tests.disposal_support import (
    PASSPHRASE,
    add_persons,
    keyring_of,
    no_grace,
    own_envelope,
    read_number,
)

__all__ = ["no_grace"]  # the fixture, imported so that pytest uses it here


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


class Interrupted(Exception):
    pass


def versions_in_use(world: World) -> dict[int, int]:
    with world.sessions() as session:
        counts: dict[int, int] = {}
        for version in session.scalars(select(DataKey.kek_version)):
            counts[version] = counts.get(version, 0) + 1
        return counts


def test_rotation_rewraps_every_key_and_destroys_the_old_version(world: World):
    people = add_persons(world, 5)
    with world.sessions() as session:
        before = {r.person_id: r.ciphertext for r in session.scalars(select(NumberRecord))}
    result = keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"), batch_size=2)
    assert result.to_version == 2
    assert result.rewrapped == 5
    assert result.destroyed_versions == [1]
    assert versions_in_use(world) == {2: 5}
    states = {v.version: v.state for v in keyring_of(world).kek_versions()}
    assert states == {1: "destroyed", 2: "active"}
    # Only the wrapped keys changed: the ciphertexts are as they were.
    with world.sessions() as session:
        after = {r.person_id: r.ciphertext for r in session.scalars(select(NumberRecord))}
    assert after == before
    for person_id, number in people:
        assert read_number(world, person_id) == number


def test_an_interrupted_rotation_resumes_where_it_stopped(world: World):
    people = add_persons(world, 7)
    batches: list[int] = []

    def stop_after_two(done: int) -> None:
        batches.append(done)
        if len(batches) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        keys.rotate(
            world.sessions,
            keyring_of(world),
            world.ctx("admin"),
            batch_size=2,
            progress=stop_after_two,
        )
    # Half-way: some keys under the new version, some still under the old one, which is
    # kept; every number still opens.
    assert versions_in_use(world) == {1: 3, 2: 4}
    assert {v.version: v.state for v in keyring_of(world).kek_versions()} == {
        1: "retired",
        2: "active",
    }
    for person_id, number in people:
        assert read_number(world, person_id) == number
    with world.sessions() as session:
        rotation = session.scalars(select(KekRotation)).one()
        assert rotation.state == RotationState.REWRAPPING
        assert rotation.rewrapped == 4

    result = keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"), batch_size=2)
    assert result.resumed
    assert result.to_version == 2  # no third version: the open rotation was continued
    assert result.rewrapped == 7
    assert result.destroyed_versions == [1]
    assert versions_in_use(world) == {2: 7}
    for person_id, number in people:
        assert read_number(world, person_id) == number


def test_status_shows_versions_and_counts_to_admins_only(world: World):
    add_persons(world, 3)
    with unit_of_work(world.sessions) as session:
        versions, open_rotation = keys.status(session, keyring_of(world), world.ctx("admin"))
    assert [(v.version, v.state, v.wrapped_keys) for v in versions] == [(1, "active", 3)]
    assert open_rotation is None
    for who in ("clerk", "manager", "auditor"):
        with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
            keys.status(session, keyring_of(world), world.ctx(who))


def test_rotation_is_an_admin_operation_and_audited(world: World):
    add_persons(world, 2)
    with pytest.raises(AuthorizationDenied):
        keys.rotate(world.sessions, keyring_of(world), world.ctx("manager"))
    assert keyring_of(world).current_kek_version == 1
    keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"))
    with world.sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert "access:denied" in actions
    tail = actions[actions.index("key:rotate") :]
    assert tail == ["key:rotate", "key:destroy", "key:destroy", "key:rewrap"]  # KEK, index key


def test_a_rotation_waits_for_long_lived_processes_before_destroying(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    add_persons(world, 1)
    slept: list[float] = []
    monkeypatch.setattr(keys, "GRACE_SECONDS", 5.0)
    monkeypatch.setattr(keys.time, "sleep", slept.append)
    keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"))
    assert len(slept) == 1 and 0 < slept[0] <= 5.0


def test_a_server_keyring_follows_a_rotation_made_elsewhere(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    """A server opened before `mnvault keys rotate` must not keep wrapping new data keys
    under the version the rotation retires and destroys."""
    monkeypatch.setattr("mnvault.crypto.keyring.REFRESH_SECONDS", 0.0)
    server = LocalKeyring.open(keyring_of(world).path, PASSPHRASE)
    assert server.wrap_key(b"k" * 32, b"aad").kek_version == 1
    add_persons(world, 1)
    keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"))
    wrapped = server.wrap_key(b"k" * 32, b"aad")
    assert wrapped.kek_version == 2
    assert [v.state for v in server.kek_versions()] == ["destroyed", "active"]


def test_second_factors_survive_a_rotation(world: World):
    """A TOTP secret is sealed under a data key wrapped by the KEK like a person's: a
    rotation that left it under the old version would destroy every second factor with
    it (found by hand: after `mnvault dispose run`, no clerk or manager could sign in)."""
    add_persons(world, 1)
    clerk = world.users["clerk"]
    secret = b"s" * 20
    sealed = world.envelope.seal("users", clerk.id.hex, "totp_secret", secret)
    with unit_of_work(world.sessions) as session:
        state = session.get(UserSecurity, clerk.id) or UserSecurity(user_id=clerk.id)
        state.totp_kek_version = sealed.wrapped_key.kek_version
        state.totp_wrapped_key = sealed.wrapped_key.blob
        state.totp_ciphertext = sealed.ciphertext
        session.add(state)
    result = keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"))
    assert result.destroyed_versions == [1]
    with world.sessions() as session:
        state = session.get_one(UserSecurity, clerk.id)
        assert state.totp_kek_version == 2
        assert auth._totp_secret(world.envelope, state) == secret
        versions, _ = keys.status(session, keyring_of(world), world.ctx("admin"))
    assert {v.version: v.wrapped_keys for v in versions}[2] == 2  # the person's and the secret
