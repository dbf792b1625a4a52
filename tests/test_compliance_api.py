"""Issue #14: GET /api/v1/compliance (managers, auditors; admins read; clerks refused), the
due list, evidence recorded over HTTP by a manager only; no number in any answer."""

from __future__ import annotations

import io
import zipfile

from mnvault.numbers import generate_my_number
from tests.api_support import Api, acquire, api, bearer

__all__ = ["api"]  # the fixture, imported so that pytest finds it here


def test_compliance_over_http(api: Api) -> None:
    import random

    number = generate_my_number(random.Random(77))
    clerk = api.full_session("clerk")
    acquire(api, clerk, "E1", number)
    manager = bearer(api.full_session("manager"))
    answer = api.client.get("/api/v1/compliance", headers=manager)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["kind"] == "company" and body["time_zone"] == "Asia/Tokyo"
    states = {m["id"]: m for m in body["measures"]}
    assert states["J-2G"]["state"] == "open"
    assert states["J-2Fb"]["state"] == "met_by_system"
    assert body["groups"][0]["id"] == "1"
    assert number not in answer.text

    recorded = api.client.post(
        "/api/v1/compliance/evidence",
        headers=manager,
        json={"measure_id": "J-2G", "title": "外国での取扱いなし（確認）"},
    )
    assert recorded.status_code == 201, recorded.text
    only_open = api.client.get("/api/v1/compliance", params={"state": "evidenced"}, headers=manager)
    assert [m["id"] for m in only_open.json()["measures"]] == ["J-2G"]
    assert (
        api.client.put(
            "/api/v1/compliance/settings/J-2G", headers=manager, json={"interval_days": 30}
        ).status_code
        == 204
    )
    soon = api.client.get("/api/v1/compliance/due", params={"within_days": 40}, headers=manager)
    assert "J-2G" in {m["id"] for m in soon.json()["measures"]}

    packed = api.client.post("/api/v1/compliance/evidence-pack", headers=manager)
    assert packed.status_code == 200 and packed.content[:2] == b"PK"
    archive = zipfile.ZipFile(io.BytesIO(packed.content))
    for name in (
        "spi-files.csv",
        "trail-statement.json",
    ):  # the PDF and workbook: test_compliance_pack
        assert number.encode() not in archive.read(name)

    admin = bearer(api.full_session("admin"))  # admins give a second factor too (#11)
    assert api.client.get("/api/v1/compliance", headers=admin).status_code == 200
    refused = api.client.post(
        "/api/v1/compliance/evidence", headers=admin, json={"measure_id": "J-2G", "title": "x"}
    )
    assert refused.status_code == 403
    assert api.client.get("/api/v1/compliance", headers=bearer(clerk)).status_code == 403
