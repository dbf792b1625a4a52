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
from tests.support.builders import SLIP, acquire
from tests.support.builders import person as make_person

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


# -- viewing a stored document (利用: it shows the number) ---------------------------------


def _stored(world: World, ref: str, number: str, data: bytes = PNG) -> VerificationDocument:
    person = make_person(world, ref)
    acquire(world, person.id, number)
    with unit_of_work(world.sessions) as session:
        return vs.store_document(
            session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id,
            check="number", data=data,
        )  # fmt: skip


def _view(world: World, context, document: VerificationDocument, person_id=None):
    with unit_of_work(world.sessions) as session:
        return vs.open_document(
            session, world.envelope, context, person_id=person_id or document.person_id,
            document_id=document.id,
        )  # fmt: skip


def _last(world: World) -> AuditEntry:
    with world.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    return entry


@pytest.mark.parametrize("data", [PNG, JPEG, PDF])
def test_an_assigned_clerk_gets_the_document_back_and_the_view_is_audited(
    world: World, synthetic_number: str, data: bytes
):
    stored = _stored(world, "V1", synthetic_number, data)
    opened = _view(world, world.ctx("clerk", SLIP), stored)
    assert opened.data == data
    assert opened.content_type == vs.document_type(data) and opened.check == "number"
    entry = _last(world)
    assert (entry.action, entry.outcome, entry.person_id, entry.affair_code) == (
        "document:read", "ok", stored.person_id, SLIP,
    )  # fmt: skip
    # Which document, never its content.
    assert entry.details == {
        "document_id": str(stored.id), "check": "number", "content_type": opened.content_type,
    }  # fmt: skip


def test_a_clerk_of_another_affair_is_denied_and_the_denial_audited(
    world: World, synthetic_number: str
):
    """事業者編 別添1 (6)① アクセス制御: clerk2 handles health insurance, not this slip."""
    stored = _stored(world, "V2", synthetic_number)
    with pytest.raises(AuthorizationDenied):
        _view(world, world.ctx("clerk2", SLIP), stored)
    entry = _last(world)
    assert (entry.action, entry.outcome, entry.person_id) == (
        "access:denied", "denied", stored.person_id,
    )  # fmt: skip
    assert entry.details is not None and entry.details["permission"] == "number:read"


def test_an_affair_the_number_was_not_acquired_for_opens_nothing(
    world: World, synthetic_number: str
):
    """番号法第9条・事業者編 第4-1-(1): use only for the affair it was acquired for."""
    from mnvault.vault.errors import PurposeMismatch

    stored = _stored(world, "V3", synthetic_number)
    for who, affair in [("clerk", "dependent_deduction_declaration"),
                        ("clerk2", "health_pension_insurance")]:  # fmt: skip
        with pytest.raises(PurposeMismatch):
            _view(world, world.ctx(who, affair), stored)
    with world.sessions() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "document:read"))
        assert reads.all() == []


def test_another_organisation_and_another_person_find_nothing(world: World, synthetic_number: str):
    from mnvault.vault.errors import NotFound

    stored = _stored(world, "V4", synthetic_number)
    # The other organisation's clerk, acting there: the person is not found.
    with pytest.raises(NotFound):
        _view(world, world.ctx("outsider", SLIP, org=world.other_org), stored)
    # Naming this organisation without a role in it: denied.
    with pytest.raises(AuthorizationDenied, match="no role"):
        _view(world, world.ctx("outsider", SLIP, org=world.org), stored)
    # The document under a person it does not belong to: not found.
    other = make_person(world, "V5")
    with pytest.raises(NotFound):
        _view(world, world.ctx("clerk", SLIP), stored, person_id=other.id)


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_admin_and_auditor_never_get_a_document(world: World, synthetic_number: str, who: str):
    """DESIGN.md §4: admin and auditor see no number, and a document image shows one;
    even assigned to the affair. assign() refuses that assignment today (issue #11,
    access.separation); one written before that rule or behind the service's back is
    stored directly here, and must still reach nothing."""
    from mnvault.access.models import Assignment
    from mnvault.affairs.services import get_affair

    stored = _stored(world, f"V6{who}", synthetic_number)
    with unit_of_work(world.sessions) as session:
        session.add(
            Assignment(
                user_id=world.users[who].id, organisation_id=world.org.id,
                affair_id=get_affair(session, world.org.id, SLIP).id,
            )
        )  # fmt: skip
    with pytest.raises(AuthorizationDenied):
        _view(world, world.ctx(who, SLIP), stored)
