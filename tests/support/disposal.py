"""Helpers for the key-rotation and disposal tests: a keyring of each test's own."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.crypto import Envelope, LocalKeyring, ScryptParams
from mnvault.db.engine import unit_of_work
from mnvault.keys import services as keys_services
from mnvault.vault import services as vs
from mnvault.vault.models import IdentityCheckDocument, LifeStatus, NumberCheckDocument, PersonKind
from tests.support.api import PASSWORD, Api
from tests.support.numbers import synthetic_numbers
from tests.support.world import World

PASSPHRASE = "test passphrase"


def own_envelope(tmp_path: Path) -> Envelope:
    """Rotation rewrites the keyring file: each test gets its own, not the session's."""
    path = tmp_path / "keyring" / "keyring.json"
    LocalKeyring.create(path, PASSPHRASE, ScryptParams.fast_for_tests())
    return Envelope(LocalKeyring.open(path, PASSPHRASE))


def add_manager(world: World, login: str = "manager2", role: Role = Role.MANAGER) -> None:
    """A second person who may confirm (the planner may not: confirmation.py)."""
    with unit_of_work(world.sessions) as session:
        user = access.create_user(
            session,
            None,
            home_organisation_id=world.org.id,
            login=f"{login}-{uuid.uuid4().hex[:6]}",
            display_name=login,
            password="correct horse battery staple",
        )
        access.grant_role(session, None, user=user, organisation_id=world.org.id, role=role)
        world.users[login] = user


def add_api_manager(api: Api, login: str = "manager2") -> None:
    """A second manager in an ``open_api`` deployment (password ``api_support.PASSWORD``)."""
    with api.vault.transaction() as session:
        user = access.create_user(
            session, None, home_organisation_id=api.organisation_id,
            login=login, display_name=login, password=PASSWORD,
        )  # fmt: skip
        access.grant_role(
            session, None, user=user, organisation_id=api.organisation_id, role=Role.MANAGER
        )
        api.users[login] = user.id


def keyring_of(world: World) -> LocalKeyring:
    provider = world.envelope.provider
    assert isinstance(provider, LocalKeyring)
    return provider


def add_persons(
    world: World,
    count: int,
    *,
    seed: int = 7,
    affairs: tuple[str, ...] = ("withholding_slip",),
    relationship_end: date | None = None,
    life_status: LifeStatus = LifeStatus.LIVING,
    prefix: str = "E",
    kind: PersonKind = PersonKind.EMPLOYEE,
    related_person_id: uuid.UUID | None = None,
) -> list[tuple[uuid.UUID, str]]:
    """Persons with numbers, acquired by the clerk; returns (id, number) pairs."""
    numbers = synthetic_numbers(count, seed)
    made = []
    verification = vs.IdentityVerification(
        NumberCheckDocument.MY_NUMBER_CARD,
        IdentityCheckDocument.MY_NUMBER_CARD,
        world.users["clerk"].id,
        datetime(2020, 4, 1, 9, 0, tzinfo=UTC),
    )
    with unit_of_work(world.sessions) as session:
        for i, number in enumerate(numbers):
            person = vs.create_person(
                session,
                world.ctx("clerk"),
                kind=kind,
                external_ref=f"{prefix}{seed}-{i:04d}",
                related_person_id=related_person_id,
                name="試験 太郎",
                relationship_end=relationship_end,
                life_status=life_status,
            )
            vs.acquire(
                session,
                world.envelope,
                world.ctx("clerk"),
                person_id=person.id,
                number=number,
                verification=verification,
                affair_codes=list(affairs),
            )
            made.append((person.id, number))
    return made


def read_number(world: World, person_id: uuid.UUID, affair: str = "withholding_slip") -> str:
    with unit_of_work(world.sessions) as session:
        return vs.use(session, world.envelope, world.ctx("clerk", affair), person_id=person_id)


@pytest.fixture(autouse=True)
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotations wait for long-lived processes to follow the keyring file; tests have
    none, so they do not wait (test_keys checks the wait itself)."""
    monkeypatch.setattr(keys_services, "GRACE_SECONDS", 0.0)
