"""Issue #17: the incident routes — assess, open, show with the countdown, steps, drafts and
their export; a clerk is refused; a number typed into free text is masked in every answer."""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number
from tests.api_support import Api, api, bearer

__all__ = ["api"]  # the fixture, imported so that pytest finds it here


def test_incidents_over_http(api: Api) -> None:
    number = generate_my_number(random.Random(17))
    grouped = f"{number[:4]} {number[4:8]} {number[8:]}"
    manager = bearer(api.full_session("manager"))
    assessed = api.client.post(
        "/api/v1/incidents/assess",
        headers=manager,
        json={"org_kind": "company", "aware_date": "2026-12-07", "event": "leak",
              "persons_max": 101},
    )  # fmt: skip
    assert assessed.status_code == 200, assessed.text
    assert assessed.json()["final_report_due"] == "2027-01-05"
    opened = api.client.post(
        "/api/v1/incidents",
        headers=manager,
        json={"title": "誤送付", "event": "leak", "aware_on": "2026-12-01", "unit": "人事部",
              "summary": f"番号 {grouped} を記載", "persons_max": 150},
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    incident = opened.json()["id"]
    step = api.client.post(
        f"/api/v1/incidents/{incident}/steps/2B", headers=manager, json={"note": grouped}
    )
    assert step.status_code == 204, step.text
    shown = api.client.get(f"/api/v1/incidents/{incident}", headers=manager)
    assert shown.status_code == 200
    body = shown.json()
    assert body["assessment"]["final_report_due"] == "2027-01-04"
    assert body["days_to_final"] is not None
    patched = api.client.patch(
        f"/api/v1/incidents/{incident}", headers=manager, json={"flags": {"malicious": True}}
    )
    assert patched.status_code == 204, patched.text
    again = api.client.get(f"/api/v1/incidents/{incident}", headers=manager).json()
    assert again["assessment"]["categories"] == [2, 4]
    assert again["assessment"]["final_report_due"] == "2027-01-29"  # 60 days (規則第3条第2項)
    drafted = api.client.post(
        f"/api/v1/incidents/{incident}/drafts/final", headers=manager, json={}
    )
    assert drafted.status_code == 201, drafted.text
    pdf = api.client.get(
        f"/api/v1/incidents/{incident}/drafts/{drafted.json()['id']}.pdf", headers=manager
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = api.client.get("/api/v1/incidents", headers=manager)
    assert [r["id"] for r in listed.json()] == [incident]
    for text in (shown.text, drafted.text, listed.text):
        assert number not in text.replace(" ", "")
    clerk = bearer(api.full_session("clerk"))
    assert api.client.get(f"/api/v1/incidents/{incident}", headers=clerk).status_code == 403
