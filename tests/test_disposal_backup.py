"""The backup test of issue #5: a copy of the data directory taken before a disposal
cannot give back a disposed number once the rotation has destroyed the old KEK version,
nor (issue #11, "Disposal covers the blind index") confirm a guessed disposed number
through its blind index once the rotation has destroyed the old index key.

Sources: 事業者編 別添1 2E d (復元不可能な手段で削除); DESIGN.md §4 (crypto-shredding, then
a KEK rotation; holds only while no copy of an old KEK version survives — the keyring
lives apart from the database and its backups).
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair
from mnvault.config import load_settings
from mnvault.crypto import DecryptionFailed, Envelope, LocalKeyring, ScryptParams, WrappedKey
from mnvault.db.engine import make_engine
from mnvault.deployment import services as deployment
from mnvault.disposal import batches
from mnvault.orgs.models import OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.models import (
    DataKey,
    IdentityCheckDocument,
    NumberCheckDocument,
    NumberRecord,
    PersonKind,
)
from tests.conftest import synthetic_numbers
from tests.disposal_support import no_grace

PASSPHRASE = "backup test passphrase"
SLIP = "withholding_slip"

__all__ = ["no_grace"]  # the fixture, imported so that pytest uses it here


def _setup(vault: deployment.Vault, organisation_id: uuid.UUID) -> tuple[Context, Context]:
    with vault.transaction() as session:
        admin = session.scalars(select(User).where(User.login == "admin")).one()
        admin_ctx = Context(actor_id=admin.id, organisation_id=organisation_id)
        users = {}
        for login, role in (("clerk", Role.CLERK), ("manager", Role.MANAGER)):
            users[login] = access.create_user(
                session,
                admin_ctx,
                home_organisation_id=organisation_id,
                login=login,
                display_name=login,
                password="x" * 20,
            )
            access.grant_role(
                session, admin_ctx, user=users[login], organisation_id=organisation_id, role=role
            )
        access.assign(
            session, admin_ctx, user=users["clerk"],
            affair=get_affair(session, organisation_id, SLIP),
        )  # fmt: skip
    return (
        Context(actor_id=users["clerk"].id, organisation_id=organisation_id),
        Context(actor_id=users["manager"].id, organisation_id=organisation_id),
    )


def _open_from(db_file: Path, keyring: LocalKeyring, person_id: uuid.UUID) -> str:
    """What an attacker holding the copy would do: unwrap the key, open the ciphertext."""
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine) as session:
            stored = session.get_one(DataKey, person_id)
            record = session.get_one(NumberRecord, person_id)
            org, pid = record.organisation_id.hex, person_id.hex
            envelope = Envelope(keyring)
            dek = envelope.open_data_key(
                org, pid, WrappedKey(stored.kek_version, stored.wrapped_key)
            )
            return envelope.open_field(
                dek, org, pid, vs.MY_NUMBER_FIELD, record.ciphertext
            ).decode()
    finally:
        engine.dispose()


def _confirms_from(
    db_file: Path, keyring: LocalKeyring, organisation_id: uuid.UUID, guess: str
) -> bool:
    """The offline guessing attack: the guess's HMAC under any index key the keyring
    holds, looked for among the copy's blind indexes."""
    envelope = Envelope(keyring)
    guesses = [
        envelope.blind_index(organisation_id.hex, guess, info.version)
        for info in keyring.index_versions()
        if info.state != "destroyed"
    ]
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine) as session:
            found = session.scalars(
                select(NumberRecord.person_id).where(NumberRecord.blind_index.in_(guesses))
            ).all()
            return bool(found)
    finally:
        engine.dispose()


def test_a_backup_taken_before_disposal_cannot_recover_the_disposed_number(tmp_path: Path):
    data, keys_dir = tmp_path / "data", tmp_path / "keyring-apart"
    settings = load_settings(data, env={"MNVAULT_KEYRING_PATH": str(keys_dir / "keyring.json")})
    assert not settings.keyring_path.is_relative_to(data)  # the keyring lives apart
    init = deployment.initialise(
        settings,
        organisation_name="試験株式会社",
        organisation_kind=OrganisationKind.SMALL_BUSINESS,
        passphrase=PASSPHRASE,
        scrypt=ScryptParams.fast_for_tests(),
    )
    vault = deployment.open_vault(settings, PASSPHRASE)
    try:
        clerk, manager = _setup(vault, init.organisation_id)
        numbers = synthetic_numbers(3, seed=99)
        people: list[uuid.UUID] = []
        with vault.transaction() as session:
            for i, number in enumerate(numbers):
                person = vs.create_person(
                    session, clerk, kind=PersonKind.EMPLOYEE, external_ref=f"E{i}",
                    name="試験 三郎", relationship_end=date(2024, 3, 31) if i == 0 else None,
                )  # fmt: skip
                vs.acquire(
                    session, vault.envelope, clerk.for_affair(SLIP), person_id=person.id,
                    number=number, affair_codes=[SLIP],
                    verification=vs.IdentityVerification(
                        NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
                        clerk.actor_id, person.created_at,
                    ),
                )  # fmt: skip
                people.append(person.id)
        disposed, remaining = people[0], people[1:]

        # The nightly backup: the whole data directory (database included, keyring not).
        backup = tmp_path / "backup"
        shutil.copytree(data, backup)
        backup_db = backup / "db" / "mnvault.sqlite3"
        assert not any(p.name == "keyring.json" for p in backup.rglob("*"))
        # A keyring copy that should not exist, kept only to show why it must not.
        stray_keyring = tmp_path / "stray" / "keyring.json"
        stray_keyring.parent.mkdir()
        shutil.copy(settings.keyring_path, stray_keyring)
        assert _open_from(backup_db, vault.keyring, disposed) == numbers[0]
        org = init.organisation_id
        assert _confirms_from(backup_db, vault.keyring, org, numbers[0])

        # Dispose (a small business whose only manager planned it: confirmed with a
        # statement, 別添1 2E d) and finish the rotation.
        with vault.transaction() as session:
            batch = batches.plan(session, manager, today=date(2026, 11, 26), reason="退職者")
            batches.confirm(
                session, manager, batch_id=batch.id, statement="退職者1名の保存期間経過を確認"
            )
        done = batches.run(vault.sessions, vault.keyring, manager, batch_id=batch.id)
        assert done.disposed_count == 1 and done.rotation_completed_at is not None

        # The copy plus the current keyring: the old KEK version is gone.
        current = LocalKeyring.open(settings.keyring_path, PASSPHRASE)
        assert [v.state for v in current.kek_versions()] == ["destroyed", "active"]
        with pytest.raises(DecryptionFailed):
            _open_from(backup_db, current, disposed)
        # Nor does its blind index confirm a guess: the old index key is gone too.
        assert [v.state for v in current.index_versions()] == ["destroyed", "active"]
        assert not _confirms_from(backup_db, current, org, numbers[0])
        assert not _confirms_from(backup_db, current, org, numbers[1])
        # The live system still opens everyone who remains.
        with vault.transaction() as session:
            for person_id, number in zip(remaining, numbers[1:], strict=True):
                got = vs.use(session, vault.envelope, clerk.for_affair(SLIP), person_id=person_id)
                assert got == number
                # Kept numbers were re-indexed: a lookup still finds them.
                found = vs.lookup(session, vault.envelope, clerk.for_affair(SLIP), number=number)
                assert found is not None and found.id == person_id
        # Why the README insists: a surviving copy of the old keyring undoes all of this.
        assert (
            _open_from(backup_db, LocalKeyring.open(stray_keyring, PASSPHRASE), disposed)
            == (numbers[0])
        )
        assert _confirms_from(
            backup_db, LocalKeyring.open(stray_keyring, PASSPHRASE), org, numbers[0]
        )
    finally:
        vault.close()
