"""Contractor (委託先) disposal with a certificate (事業者編 別添1 2E d: 委託先が確実に削除
又は廃棄したことについて、証明書等により確認する)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.crypto import Envelope
from mnvault.db.engine import unit_of_work
from mnvault.disposal import contractor
from mnvault.disposal.errors import InvalidCertificate
from mnvault.disposal.models import ContractorDisposal
from mnvault.keys import services as keys
from tests.conftest import World
from tests.disposal_support import add_persons, keyring_of, no_grace, own_envelope

PDF = b"%PDF-1.4\n% certificate of disposal\n1 0 obj<<>>endobj\n%%EOF\n"

__all__ = ["no_grace"]  # the fixture, imported so that pytest uses it here


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


def record(world: World, data: bytes = PDF, who: str = "manager", persons=None):
    persons = persons or [p for p, _ in add_persons(world, 2, seed=31)]
    with unit_of_work(world.sessions) as session:
        return contractor.record(
            session, world.envelope, world.ctx(who),
            contractor_name="株式会社給与計算センター", performed_on=date(2026, 10, 31),
            method="溶解処理", certificate=data, person_ids=persons,
            affair_codes=["withholding_slip"],
        )  # fmt: skip


def test_certificate_is_stored_encrypted_with_its_hash_and_survives_rotation(world: World):
    row = record(world)
    assert row.certificate_media_type == "application/pdf"
    assert row.certificate_sha256 == hashlib.sha256(PDF).hexdigest()
    assert b"certificate of disposal" not in row.certificate_ciphertext
    keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"))
    with world.sessions() as session:
        assert session.get_one(ContractorDisposal, row.id).kek_version == 2
    with unit_of_work(world.sessions) as session:
        _stored, data = contractor.certificate(
            session, world.envelope, world.ctx("auditor"), record_id=row.id
        )
        listed = contractor.list_records(session, world.ctx("manager"))
    assert data == PDF
    assert len(listed) == 1 and len(listed[0][1]) == 2
    with world.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "disposal_certificate:create")
        ).all()
    assert len(entries) == 2 and all(e.person_id for e in entries)


@pytest.mark.parametrize(
    "data",
    [b"GIF89a....", b"<html>not a certificate</html>", b""],
    ids=["gif", "html", "empty"],
)
def test_only_pdf_or_png_or_jpeg_certificates(world: World, data: bytes):
    with pytest.raises(InvalidCertificate):
        record(world, data)


def test_clerks_cannot_record_contractor_disposals(world: World):
    persons = [p for p, _ in add_persons(world, 1, seed=32)]
    with pytest.raises(AuthorizationDenied):
        record(world, who="clerk", persons=persons)
