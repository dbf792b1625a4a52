"""Sealed attachments (issues #15–#17): every uploaded file is sealed like the numbers'
records, refused unless its content is an allowed kind, matched by its SHA-256, kept within
its organisation and re-wrapped by a KEK rotation; a number in its file name is masked."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from pathlib import Path

import pytest

from mnvault.attachments import media
from mnvault.attachments import services as attachments
from mnvault.attachments.errors import (
    AttachmentDamaged,
    AttachmentNotFound,
    EmptyFile,
    FileTooLarge,
    UnsupportedFile,
)
from mnvault.attachments.models import Attachment
from mnvault.crypto import Envelope
from mnvault.db.engine import unit_of_work
from mnvault.keys import services as keys
from tests.conftest import World
from tests.disposal_support import keyring_of, own_envelope

PDF = b"%PDF-1.4\n% inspection record\n%%EOF\n"


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


def store(world: World, data: bytes = PDF, filename: str = "点検記録.pdf", **kw):
    with unit_of_work(world.sessions) as session:
        return attachments.store(
            session, world.envelope, world.ctx("manager"), owner="inspection",
            owner_id=kw.pop("owner_id", uuid.uuid4()), filename=filename, data=data, **kw,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (PDF, media.PDF),
        (b"\x89PNG\r\n\x1a\n....", media.PNG),
        (b"\xff\xd8\xff\xe0....", media.JPEG),
        (office("word/document.xml"), media.DOCX),
        (office("xl/workbook.xml"), media.XLSX),
        ("氏名,日付\n山田,2026-12-01\n".encode("cp932"), media.CSV),
        ("\ufeff氏名,日付\n".encode(), media.CSV),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "csv-cp932", "csv-utf8-bom"],
)
def test_media_type_is_decided_by_content(data: bytes, media_type: str) -> None:
    assert media.media_type_of(data) == media_type


@pytest.mark.parametrize(
    "data", [b"MZ\x90\x00\x03\x00binary", office("other/part.xml")], ids=["exe", "zip"]
)
def test_other_content_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFile):
        media.media_type_of(data)


def test_sealed_with_its_hash_opened_after_rotation_and_name_masked(
    world: World, synthetic_number: str
) -> None:
    row = store(world, filename=f"C:\\scans\\{synthetic_number}.pdf")
    assert row.sha256 == hashlib.sha256(PDF).hexdigest()
    assert b"inspection record" not in row.ciphertext
    assert synthetic_number not in row.filename and row.filename.endswith(".pdf")
    assert "\\" not in row.filename
    keys.rotate(world.sessions, keyring_of(world), world.ctx("admin"))
    with unit_of_work(world.sessions) as session:
        assert session.get_one(Attachment, row.id).kek_version == 2
        opened, data = attachments.open(
            session, world.envelope, world.ctx("auditor"), row.id, owner="inspection"
        )
        listed = attachments.listing(
            session, world.ctx("clerk"), owner="inspection", owner_id=row.owner_id
        )
    assert data == PDF and opened.id == row.id
    assert [a.id for a in listed] == [row.id]


def test_allowed_kinds_size_and_emptiness(world: World) -> None:
    with pytest.raises(UnsupportedFile):
        store(world, b"a,b\n1,2\n", allowed=attachments.IMAGES_AND_PDF)
    with pytest.raises(EmptyFile):
        store(world, b"")
    with pytest.raises(FileTooLarge):
        store(world, PDF + b"\0" * attachments.MAX_BYTES)


def test_other_organisation_or_owner_kind_finds_nothing(world: World) -> None:
    row = store(world)
    with unit_of_work(world.sessions) as session:
        with pytest.raises(AttachmentNotFound):
            attachments.get(session, world.ctx("manager", org=world.other_org), row.id,
                            owner="inspection")  # fmt: skip
        with pytest.raises(AttachmentNotFound):
            attachments.get(session, world.ctx("manager"), row.id, owner="contract")


def test_a_changed_ciphertext_does_not_open(world: World) -> None:
    row = store(world)
    other = store(world, b"\x89PNG\r\n\x1a\nother")
    with unit_of_work(world.sessions) as session:
        stored = session.get_one(Attachment, row.id)
        stored.sha256 = other.sha256
    with unit_of_work(world.sessions) as session, pytest.raises(AttachmentDamaged):
        attachments.open(session, world.envelope, world.ctx("manager"), row.id, owner="inspection")
