"""Images of identity-verification documents (番号法第16条; issue #6 "document images
uploaded and stored encrypted"): sealed under the person's data key, typed by their bytes,
authorized like acquiring, audited without content; shredded with the data key at disposal
(事業者編 別添1 (7)② 削除・廃棄 — deleting the key makes the image unreadable too)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.crypto import DecryptionFailed
from mnvault.db.engine import unit_of_work
from mnvault.vault import services as vs
from mnvault.vault.errors import InvalidInput
from mnvault.vault.models import DataKey, VerificationDocument
from tests.conftest import World
from tests.test_vault_services import SLIP, acquire, make_person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64
PDF = b"%PDF-1.7\n" + b"\x02" * 64


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (PDF, "application/pdf"),
        (b"GIF89a" + b"\x00" * 10, None),  # not among the accepted types
        (b"", None),  # empty
        (b"%PDF-" + b"\x00" * vs.DOCUMENT_MAX_BYTES, None),  # over 5 MB
    ],
)
def test_the_type_comes_from_the_bytes(data: bytes, expected: str | None):
    if expected is None:
        with pytest.raises(InvalidInput):
            vs.document_type(data)
    else:
        assert vs.document_type(data) == expected


def _open(world: World, document: VerificationDocument) -> bytes:
    with world.sessions() as session:
        person = session.get(vs.Person, document.person_id)
        dek = vs._data_key(session, world.envelope, person)
        return world.envelope.open_field(
            dek, document.organisation_id.hex, document.person_id.hex,
            f"document:{document.id}", document.ciphertext,
        )  # fmt: skip


def test_a_document_is_sealed_under_the_person_key_and_audited(world: World, synthetic_number: str):
    person = make_person(world, "D1")
    acquire(world, person.id, synthetic_number)
    with unit_of_work(world.sessions) as session:
        stored = vs.store_document(
            session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id,
            check="identity", data=PNG,
        )  # fmt: skip
    assert stored.content_type == "image/png" and stored.size_bytes == len(PNG)
    assert PNG not in stored.ciphertext
    assert _open(world, stored) == PNG
    with world.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "document:store")
        ).one()
        assert entry.person_id == person.id and entry.affair_code == SLIP
        assert entry.details == {
            "document_id": str(stored.id), "check": "identity",
            "content_type": "image/png", "size": len(PNG),
        }  # fmt: skip
        # Disposal deletes the data key: the image no longer opens.
        session.execute(DataKey.__table__.delete().where(DataKey.person_id == person.id))
        session.commit()
    with pytest.raises(DecryptionFailed):
        _open(world, stored)


def test_a_clerk_without_the_affair_cannot_store_one(world: World, synthetic_number: str):
    person = make_person(world, "D2")
    acquire(world, person.id, synthetic_number)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        vs.store_document(
            session, world.envelope, world.ctx("clerk2", SLIP), person_id=person.id,
            check="number", data=PNG,
        )  # fmt: skip
    with world.sessions() as session:
        assert session.scalars(select(VerificationDocument)).all() == []
