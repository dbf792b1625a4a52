"""Take-outs an office can send (issue #18, "Take-outs an office can send"): a
passphrase-protected Excel workbook (ECMA-376 agile encryption, as Excel does) whose
passphrase the vault generates and shows once; an age recipient typed or chosen from the
organisation's register; files that open in Japanese Excel (numbers as text, a BOM or
cp932, no formula runs); and the approver's preview of persons and columns, without a
number. One workbook take-out serves every assertion about it (each costs an encryption).
"""

from __future__ import annotations

import io
import json
import logging
import uuid

import msoffcrypto
import openpyxl
import pyrage
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault import errors
from mnvault.access.context import Context
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.vault import exporter, takeout_file
from mnvault.vault.errors import InvalidInput
from mnvault.vault.models import ExportRequest
from tests.api_support import SLIP, Api, acquire, api, bearer
from tests.conftest import World, synthetic_numbers
from tests.disposal_support import no_grace

__all__ = ["api", "no_grace"]


def _trail(api: Api) -> str:
    with api.vault.transaction() as session:
        entries = session.scalars(select(AuditEntry)).all()
        return " ".join(
            json.dumps([e.action, e.details], ensure_ascii=False, default=str) for e in entries
        )


def _approve(api: Api, manager: str, request_id: str) -> None:
    decided = api.client.post(
        f"/api/v1/exports/{request_id}/decision", headers=bearer(manager), json={"approve": True}
    )
    assert decided.status_code == 200, decided.text


@pytest.mark.usefixtures("no_grace")
def test_workbook_take_out_opens_with_its_passphrase_and_holds_numbers_as_text(
    api: Api, caplog: pytest.LogCaptureFixture
):
    """Items 1 (b), 2 and 3: the workbook, its passphrase shown once and kept sealed
    (re-wrapped by a KEK rotation that destroys the old version while the request
    waits), text cells, the approver's preview, no number or passphrase in trail or logs."""
    caplog.set_level(logging.DEBUG)
    clerk = api.full_session("clerk")
    numbers = synthetic_numbers(3, seed=1818)
    for i, number in enumerate(numbers):
        acquire(api, clerk, f"E{i:04}", number)
    asked = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "税理士への年末調整資料", "protection": "excel_passphrase",
              "file_format": "xlsx"},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    assert asked.headers["cache-control"] == "no-store"
    passphrase = asked.json()["passphrase"]
    assert isinstance(passphrase, str) and len(passphrase) == 24  # 20 symbols, 4 hyphens
    request_id = asked.json()["id"]
    # Kept sealed, not in plain text, and never shown again.
    with api.vault.transaction() as session:
        row = session.get(ExportRequest, uuid.UUID(request_id))
        assert row is not None and row.passphrase_ciphertext and row.passphrase_wrapped_key
        assert passphrase.encode() not in row.passphrase_ciphertext
    mine = api.client.get("/api/v1/exports", headers=bearer(clerk))
    assert passphrase not in mine.text
    rotated = api.client.post("/api/v1/keys/rotate", headers=bearer(api.full_session("admin")))
    assert rotated.status_code == 200 and rotated.json()["destroyed_versions"] == [1]
    with api.vault.transaction() as session:
        row = session.get(ExportRequest, uuid.UUID(request_id))
        assert row is not None and row.passphrase_kek_version == 2
    # The approver's preview: persons and columns, no number, no passphrase.
    manager = api.full_session("manager")
    waiting = api.client.get("/api/v1/exports?waiting=true", headers=bearer(manager))
    [row_out] = waiting.json()
    assert row_out["person_count"] == 3
    assert row_out["columns"] == ["external_ref", "kind", "name", "my_number"]
    # Issue #18 (polish, item 1): the preview names the columns as the file's first line
    # will: Japanese labels by default.
    assert row_out["header"] == "ja"
    assert row_out["headings"] == ["社員番号等", "区分", "氏名", "個人番号"]
    assert row_out["protection"] == "excel_passphrase" and row_out["recipient"] is None
    assert all(n not in waiting.text for n in numbers) and passphrase not in waiting.text
    _approve(api, manager, request_id)
    got = api.client.post(f"/api/v1/exports/{request_id}/download", headers=bearer(clerk))
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].endswith('.xlsx"')
    assert all(n.encode() not in got.content for n in numbers)
    # Opened back as Excel would: with the passphrase, by msoffcrypto-tool and openpyxl.
    office = msoffcrypto.OfficeFile(io.BytesIO(got.content))
    assert office.is_encrypted()
    office.load_key(password=passphrase)
    plain = io.BytesIO()
    office.decrypt(plain)
    sheet = openpyxl.load_workbook(plain).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=False))
    # Issue #18 (polish, item 1): Japanese labels in the header and the kinds.
    assert [c.value for c in rows[0]] == ["社員番号等", "区分", "氏名", "個人番号"]
    assert {r[1].value for r in rows[1:]} == {"従業員"}
    held = [r[3] for r in rows[1:]]
    assert sorted(c.value for c in held) == sorted(numbers)
    assert all(c.data_type == "s" and c.number_format == "@" for c in held)
    # A wrong passphrase opens nothing.
    wrong = msoffcrypto.OfficeFile(io.BytesIO(got.content))
    wrong.load_key(password="wrong-" + passphrase)
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        wrong.decrypt(io.BytesIO())
    # The download cleared the sealed passphrase; neither it nor a number is in the
    # trail or the logs.
    with api.vault.transaction() as session:
        row = session.get(ExportRequest, uuid.UUID(request_id))
        assert row is not None and row.state == "downloaded"
        assert row.passphrase_ciphertext is None and row.passphrase_wrapped_key is None
    trail = _trail(api)
    assert "export:request" in trail and "export:create" in trail
    assert passphrase not in trail and all(n not in trail for n in numbers)
    assert passphrase not in caplog.text and all(n not in caplog.text for n in numbers)


def test_age_recipient_gets_a_csv_with_a_bom_or_cp932(api: Api):
    """Items 1 (a) and 2: the age path decrypts with the matching identity; the CSV has a
    BOM (or is cp932 on request); a typed formula is neutralised."""
    clerk = api.full_session("clerk")
    manager = api.full_session("manager")
    [number] = synthetic_numbers(1, seed=1819)
    person = api.client.post(
        "/api/v1/persons", headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "E0001", "name": "=HYPERLINK(1)"},
    )  # fmt: skip
    assert person.status_code == 201, person.text
    acquired = api.client.post(
        f"/api/v1/persons/{person.json()['id']}/number", headers=bearer(clerk),
        json={"my_number": number, "affairs": [SLIP],
              "verification": {"number_check_document": "my_number_card",
                               "identity_check_document": "my_number_card"}},
    )  # fmt: skip
    assert acquired.status_code == 201, acquired.text
    identity = pyrage.x25519.Identity.generate()
    key = str(identity.to_public())
    files = {}
    # Issue #18 (polish, item 1): Japanese labels by default, the codes on request.
    asks = {"csv": ("csv", "ja"), "csv_cp932": ("csv_cp932", "ja"), "codes": ("csv", "codes")}
    for name, (file_format, header) in asks.items():
        asked = api.client.post(
            "/api/v1/exports", headers=bearer(clerk),
            json={"affair": SLIP, "purpose": "給与計算の委託", "recipient": key,
                  "file_format": file_format, "header": header},
        )  # fmt: skip
        assert asked.status_code == 201, asked.text
        assert asked.json()["passphrase"] is None
        _approve(api, manager, asked.json()["id"])
        got = api.client.post(
            f"/api/v1/exports/{asked.json()['id']}/download", headers=bearer(clerk)
        )
        assert got.status_code == 200, got.text
        assert got.headers["content-disposition"].endswith('.csv.age"')
        files[name] = pyrage.decrypt(got.content, [identity])
    assert files["csv"].startswith(b"\xef\xbb\xbf")
    text = files["csv"].decode("utf-8-sig")
    first, row = text.splitlines()[:2]
    assert first == "社員番号等,区分,氏名,個人番号" and row.startswith("E0001,従業員,")
    assert number in text
    assert files["csv_cp932"].decode("cp932") == text
    codes = files["codes"].decode("utf-8-sig").splitlines()
    assert codes[0] == "external_ref,kind,name,my_number" and codes[1].startswith("E0001,employee,")
    assert "'=HYPERLINK(1)" in text
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(got.content, [pyrage.x25519.Identity.generate()])


def test_register_of_recipients_kept_by_managers_and_audited(api: Api):
    """Item 1 (c): a manager adds a recipient (key validated; audited), a clerk picks it,
    the file opens with the recipient's identity; removal is audited and final."""
    clerk = api.full_session("clerk")
    manager = api.full_session("manager")
    identity = pyrage.x25519.Identity.generate()
    body = {
        "name": "山田税理士事務所",
        "kind": "tax_accountant",
        "public_key": str(identity.to_public()),
    }
    refused = api.client.post("/api/v1/takeout-recipients", headers=bearer(clerk), json=body)
    assert refused.status_code == 403
    bad = api.client.post(
        "/api/v1/takeout-recipients",
        headers=bearer(manager),
        json=body | {"public_key": "age1" + "q" * 58},
    )
    assert bad.status_code == 422
    added = api.client.post("/api/v1/takeout-recipients", headers=bearer(manager), json=body)
    assert added.status_code == 201, added.text
    recipient_id = added.json()["id"]
    listed = api.client.get("/api/v1/takeout-recipients", headers=bearer(clerk))
    assert [r["name"] for r in listed.json()] == ["山田税理士事務所"]
    [number] = synthetic_numbers(1, seed=1820)
    acquire(api, clerk, "E0001", number)
    both = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "年末調整", "registered_recipient": recipient_id,
              "recipient": str(identity.to_public())},
    )  # fmt: skip
    assert both.status_code == 422
    asked = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "年末調整", "registered_recipient": recipient_id,
              "file_format": "xlsx"},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    [waiting] = api.client.get("/api/v1/exports?waiting=true", headers=bearer(manager)).json()
    assert waiting["recipient_name"] == "山田税理士事務所"
    assert waiting["recipient"] == str(identity.to_public())
    _approve(api, manager, asked.json()["id"])
    got = api.client.post(f"/api/v1/exports/{asked.json()['id']}/download", headers=bearer(clerk))
    assert got.status_code == 200 and got.headers["content-disposition"].endswith('.xlsx.age"')
    sheet = openpyxl.load_workbook(io.BytesIO(pyrage.decrypt(got.content, [identity]))).active
    assert sheet is not None and sheet["D2"].value == number and sheet["D2"].data_type == "s"
    # Removal: a clerk may not; a manager may, audited; no new request names it.
    gone = f"/api/v1/takeout-recipients/{recipient_id}"
    assert api.client.delete(gone, headers=bearer(clerk)).status_code == 403
    assert api.client.delete(gone, headers=bearer(manager)).status_code == 204
    assert api.client.get("/api/v1/takeout-recipients", headers=bearer(clerk)).json() == []
    again = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "年末調整", "registered_recipient": recipient_id},
    )  # fmt: skip
    assert again.status_code == 404
    trail = _trail(api)
    assert "takeout_recipient:add" in trail and "takeout_recipient:remove" in trail
    assert number not in trail


def test_files_written_for_excel():
    """Item 2, without the vault: cp932 refuses what it cannot hold (bilingual), a
    workbook cell that looks like a formula is text with Excel's quote prefix."""
    rows = [takeout_file.COLUMNS, ("=cmd|' /C calc'!A0", "employee", "𠮷野 家", "012345678901")]
    with pytest.raises(InvalidInput) as refused:
        takeout_file.write(rows, takeout_file.FileFormat.CSV_CP932)
    assert "cp932" in errors.message(refused.value, "ja")
    assert "cp932" in errors.message(refused.value, "en")
    book = openpyxl.load_workbook(
        io.BytesIO(takeout_file.write(rows, takeout_file.FileFormat.XLSX))
    )
    sheet = book.active
    assert sheet is not None
    assert sheet["A2"].data_type == "s" and sheet["A2"].quotePrefix
    assert sheet["D2"].value == "012345678901" and sheet["D2"].number_format == "@"
    assert takeout_file.new_passphrase() != takeout_file.new_passphrase()


def test_one_form_sent_twice_at_once_makes_one_request(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #18 (polish, item 6): two sends of one request form that both pass the first
    look-up (a double click reaching two workers): the unique index stops the second,
    which answers with the request the first made, on SQLite and PostgreSQL."""
    clerk = world.ctx("clerk", SLIP)
    key = str(pyrage.x25519.Identity.generate().to_public())
    with unit_of_work(world.sessions) as session:
        first = exporter.request_takeout(
            session, world.envelope, clerk, purpose="委託", recipient=key, form_nonce="n1"
        ).request.id
    looked_up = exporter._made_by_form  # the race is between its two calls
    calls: list[str] = []

    def missed_once(session: Session, context: Context, nonce: str) -> ExportRequest | None:
        calls.append(nonce)
        return None if len(calls) == 1 else looked_up(session, context, nonce)

    monkeypatch.setattr(exporter, "_made_by_form", missed_once)
    with unit_of_work(world.sessions) as session:
        again = exporter.request_takeout(
            session, world.envelope, clerk, purpose="委託", recipient=key, form_nonce="n1"
        )
        assert again.repeated and again.request.id == first and calls == ["n1", "n1"]
    with unit_of_work(world.sessions) as session:
        assert session.scalar(select(func.count()).select_from(ExportRequest)) == 1
