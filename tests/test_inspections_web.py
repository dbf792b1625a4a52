"""Issue #15 over HTTP and on the screens: an inspection and its corrective action through the
API, the registers as CSV (UTF-8 with a BOM) and Excel, training attendance from a cp932 CSV
upload, a clerk's own pledge on screen, the supervision page; a number typed into a note is
refused and appears in no answer, page or trail; Japanese first; a clerk is refused."""

from __future__ import annotations

import io
import random
import re

from openpyxl import load_workbook

from mnvault.numbers import generate_my_number
from tests.api_support import Api, api, bearer
from tests.web_support import Web, web

__all__ = ["api", "web"]


def test_an_inspection_over_http(api: Api) -> None:
    manager = bearer(api.full_session("manager"))
    started = api.client.post(
        "/api/v1/inspections", headers=manager,
        json={"kind": "self_inspection", "title": "第1四半期", "performed_on": "2026-04-10"},
    )  # fmt: skip
    assert started.status_code == 201, started.text
    inspection_id = started.json()["id"]
    shown = api.client.get(f"/api/v1/inspections/{inspection_id}", headers=manager).json()
    assert shown["performed_at"] == "2026-04-10T03:00:00+00:00"  # noon in Tokyo, stored UTC
    items = shown["items"]
    assert items[0]["look_at_ja"]
    number = generate_my_number(random.Random(5))
    grouped = f"{number[:4]} {number[4:8]} {number[8:]}"
    refused = api.client.put(
        f"/api/v1/inspections/items/{items[0]['id']}", headers=manager,
        json={"result": "finding", "note": f"番号 {grouped} の記載あり"},
    )  # fmt: skip
    assert refused.status_code == 422 and number not in refused.text
    for item in items:
        finding = item is items[0]
        answer = api.client.put(
            f"/api/v1/inspections/items/{item['id']}", headers=manager,
            json={"result": "finding" if finding else "ok", "note": "漏れ" if finding else None},
        )  # fmt: skip
        assert answer.status_code == 204, answer.text
    action = api.client.post(
        f"/api/v1/inspections/items/{items[0]['id']}/actions", headers=manager,
        json={"title": "様式の見直し", "owner": "manager", "due_on": "2026-05-31"},
    )  # fmt: skip
    assert action.status_code == 201, action.text
    done = api.client.post(
        f"/api/v1/inspections/{inspection_id}/complete", headers=manager, json={"summary": "完了"}
    )
    assert done.status_code == 204, done.text
    closed = api.client.post(
        f"/api/v1/inspections/actions/{action.json()['id']}/close", headers=manager,
        json={"note": "様式を改訂"},
    )  # fmt: skip
    assert closed.status_code == 204, closed.text
    csv = api.client.get(
        "/api/v1/inspections/export", params={"format": "csv", "table": "actions"}, headers=manager
    )
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "様式の見直し" in csv.content.decode("utf-8-sig")
    xlsx = api.client.get("/api/v1/inspections/export", headers=manager)
    sheets = load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert sheets == ["点検・監査 inspections", "是正措置 corrective actions"]
    clerk = bearer(api.full_session("clerk"))
    assert api.client.get("/api/v1/inspections", headers=clerk).status_code == 403
    trail = api.client.get("/api/v1/compliance", headers=manager).json()
    assert {m["id"]: m for m in trail["measures"]}["J-2Ce"]["state"] == "evidenced"


def test_training_and_pledges_on_the_screens(web: Web) -> None:
    manager = web.browser()
    manager.sign_in("manager")
    page = manager.get("/training")
    assert page.status_code == 200 and "研修・誓約書・監督" in page.text, page.text
    assert 'id="without-pledge"' in page.text
    manager.submit("/training", "/training/plans", {"title": "番号事務研修", "fiscal_year": "2026"})
    page = manager.get("/training")
    plan_id = re.search(r'<option value="([0-9a-f-]{36})">2026 番号事務研修', page.text)
    assert plan_id, page.text
    number = generate_my_number(random.Random(6))
    refused = manager.submit(
        "/training", "/training/sessions",
        {"plan_id": plan_id.group(1), "held_on": "2026-04-10", "topic": f"研修 {number}"},
    )  # fmt: skip
    assert refused.status_code == 422 and number not in refused.text
    manager.submit(
        "/training", "/training/sessions",
        {"plan_id": plan_id.group(1), "held_on": "2026-04-10", "topic": "適正な取扱い"},
    )  # fmt: skip
    page = manager.get("/training")
    session_id = re.search(r'id="session-([0-9a-f-]{36})"', page.text)
    assert session_id
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    upload = manager.client.post(
        f"/training/sessions/{session_id.group(1)}/attendance.csv",
        data={"csrf_token": token.group(1)},
        files={"csv_file": ("受講者.csv", "利用者ID\r\nclerk\r\n".encode("cp932"), "text/csv")},
    )
    assert upload.status_code == 200, upload.text
    assert re.search(r'value="[0-9a-f-]{36}" checked', upload.text)
    bad = manager.client.post(
        f"/training/sessions/{session_id.group(1)}/attendance.csv",
        data={"csrf_token": token.group(1)},
        files={"csv_file": ("x.csv", b"login\r\nclerk\r\nnobody\r\n", "text/csv")},
    )
    assert bad.status_code == 422 and "3行目" in bad.text
    clerk = web.browser()
    clerk.sign_in("clerk")
    mine = clerk.submit("/training/pledge", "/training/pledge", {"kind": "pledge", "agree": "on"})
    assert mine.status_code == 200 and "秘密保持の誓約書" in mine.text
    assert clerk.get("/training").status_code == 403
    page = manager.get("/training")
    clerk_id = re.search(r'href="/training/clerks/([0-9a-f-]{36})"', page.text)
    assert clerk_id, page.text
    record = manager.get(f"/training/clerks/{clerk_id.group(1)}")
    assert record.status_code == 200 and "監査証跡上の活動" in record.text
    xlsx = manager.get("/training/export.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "研修 sessions"
