"""Issue #16 over HTTP: the places API (areas, entry-log import with line-numbered errors,
devices, take-out approval by another manager, disposal with a certificate, export) and the
screens (Japanese first, forms, the ledger); a number typed anywhere is refused and shown
nowhere."""

from __future__ import annotations

import base64
import io
import random

from openpyxl import load_workbook

from mnvault.numbers import generate_my_number
from tests.api_support import Api, api, bearer
from tests.conftest import MaskedStr
from tests.web_support import Web, web

__all__ = ["api", "web"]

LOG = (
    "日時,社員コード,扉,入退\n"
    "2026/11/10 09:00:00,clerk,3F,入室\n"
    "2026/11/10 18:00:00,clerk,3F,退室\n"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_places_api(api: Api) -> None:
    number = MaskedStr(generate_my_number(random.Random(16)))
    admin = bearer(api.full_session("admin"))
    manager = bearer(api.full_session("manager"))
    clerk = bearer(api.full_session("clerk"))
    made = api.client.post(
        "/api/v1/places/areas", headers=admin,
        json={"name": "給与課", "kind": "handling", "location": "本社3階",
              "measures": ["entry_control", "screening"], "networks": ["10.1.2.0/24"]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    area_id = made.json()["id"]
    listed = api.client.get("/api/v1/places/areas", headers=clerk).json()
    assert listed[0]["network_links"] == [{"network": "10.1.2.0/24", "enforced": False}]

    bad = LOG + "2026/11/10 25:00:00,clerk,3F,入室\n"
    refused = api.client.post(
        f"/api/v1/places/areas/{area_id}/entries", headers=admin,
        json={"mapping": "generic_ja", "data_base64": _b64(bad.encode("cp932"))},
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["lines"][0]["line"] == 4
    imported = api.client.post(
        f"/api/v1/places/areas/{area_id}/entries", headers=admin,
        json={"mapping": "generic_ja", "data_base64": _b64(LOG.encode("cp932"))},
    )  # fmt: skip
    assert imported.status_code == 201 and imported.json()["rows"] == 2

    device = api.client.post(
        "/api/v1/places/devices", headers=manager,
        json={"kind": "usb", "label": "USB-01", "owner_login": "clerk", "encryption": "full_disk"},
    )  # fmt: skip
    assert device.status_code == 201, device.text
    device_id = device.json()["id"]
    leaky = api.client.post(
        "/api/v1/places/takeouts", headers=clerk,
        json={"device_id": device_id, "purpose": f"提出 {number}", "destination": "税務署",
              "safeguards": ["encrypted"]},
    )  # fmt: skip
    assert leaky.status_code == 422 and number not in leaky.text
    asked = api.client.post(
        "/api/v1/places/takeouts", headers=clerk,
        json={"device_id": device_id, "purpose": "提出", "destination": "税務署",
              "safeguards": ["encrypted"]},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    takeout = asked.json()["id"]
    own = api.client.post(
        f"/api/v1/places/takeouts/{takeout}/decision", headers=clerk, json={"approve": True}
    )
    assert own.status_code == 403
    ok = api.client.post(
        f"/api/v1/places/takeouts/{takeout}/decision", headers=manager, json={"approve": True}
    )
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    busy = api.client.post(
        f"/api/v1/places/devices/{device_id}/disposal", headers=manager,
        json={"method": "physical_destruction", "performed_on": "2026-11-10",
              "performed_by_login": "manager"},
    )  # fmt: skip
    assert busy.status_code == 409
    assert api.client.post(f"/api/v1/places/takeouts/{takeout}/return", headers=manager).is_success
    gone = api.client.post(
        f"/api/v1/places/devices/{device_id}/disposal", headers=manager,
        json={"method": "contractor", "performed_on": "2026-11-10", "performed_by_login": "manager",
              "contractor_name": "株式会社廃棄", "certificate_base64": _b64(b"%PDF-1.4\n%x\n")},
    )  # fmt: skip
    assert gone.status_code == 201, gone.text

    sheet = api.client.get("/api/v1/places/export", params={"format": "xlsx"}, headers=manager)
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.sheetnames == ["areas", "devices", "takeouts", "disposals"]
    csv = api.client.get("/api/v1/places/export", params={"format": "csv"}, headers=manager)
    assert csv.content.startswith("\ufeff".encode()) and "USB-01" in csv.content.decode("utf-8")
    for answer in (sheet, csv):
        assert number.encode() not in answer.content


def test_places_screens(web: Web) -> None:
    number = MaskedStr(generate_my_number(random.Random(61)))
    manager = web.browser()
    manager.sign_in("manager")
    page = manager.get("/places/areas")
    assert page.status_code == 200 and "管理区域・取扱区域" in page.text
    made = manager.submit(
        "/places/areas", "/places/areas",
        {"name": "サーバ室", "kind": "controlled", "location": "B1", "measures": "entry_control"},
    )  # fmt: skip
    assert made.status_code == 200 and "サーバ室" in made.text and "入退室管理" in made.text
    leaky = manager.submit(
        "/places/areas", "/places/areas", {"name": "x", "kind": "handling", "location": number}
    )
    assert leaky.status_code == 422 and number not in leaky.text
    devices = manager.submit(
        "/places/devices", "/places/devices",
        {"kind": "paper_file", "label": "扶養控除等申告書 2025", "owner_login": "clerk",
         "encryption": "not_applicable"},
    )  # fmt: skip
    assert devices.status_code == 200 and "扶養控除等申告書 2025" in devices.text
    clerk = web.browser()
    clerk.sign_in("clerk")
    ledger = clerk.get("/places/takeouts")
    device_id = ledger.text.split('<option value="')[1].split('"')[0]
    asked = clerk.submit(
        "/places/takeouts", "/places/takeouts",
        {"device_id": device_id, "purpose": "年末調整", "destination": "本社",
         "safeguards": "sealed"},
    )  # fmt: skip
    assert asked.status_code == 200 and 'data-state="requested"' in asked.text
    assert "/approve" not in asked.text  # the asker is offered no approval
    shown = manager.get("/places/takeouts")
    takeout_id = (
        shown.text.split('data-state="requested"')[0].rsplit('<tr id="', 1)[1].split('"')[0]
    )
    approved = manager.submit("/places/takeouts", f"/places/takeouts/{takeout_id}/approve", {})
    assert approved.status_code == 200 and 'data-state="approved"' in approved.text
    assert number not in approved.text
