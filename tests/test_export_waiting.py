"""A manager sees the waiting take-out requests before deciding: who asked, for what,
how many persons (issue #11, "Operating it as the README says"; 事業者編 別添1 2E c
電子媒体等の取扱いにおける漏えい等の防止: take-outs are approved knowingly)."""

from __future__ import annotations

import pyrage

from tests.api_support import SLIP, Api, acquire, api, bearer
from tests.conftest import synthetic_numbers

__all__ = ["api"]


def test_manager_lists_waiting_requests_with_requester_purpose_and_count(api: Api):
    clerk = api.full_session("clerk")
    for i, number in enumerate(synthetic_numbers(3, seed=1207)):
        acquire(api, clerk, f"E{i:04}", number)
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    asked = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "給与支払報告書の提出", "recipient": recipient},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    manager = api.full_session("manager")
    waiting = api.client.get("/api/v1/exports?waiting=true", headers=bearer(manager))
    assert waiting.status_code == 200, waiting.text
    [row] = waiting.json()
    assert row["id"] == asked.json()["id"]
    assert row["purpose"] == "給与支払報告書の提出"
    assert row["affair"] == SLIP
    assert "clerk" in row["requested_by_name"]
    assert row["person_count"] == 3
    # A clerk may not see the manager's list; their own list is theirs.
    refused = api.client.get("/api/v1/exports?waiting=true", headers=bearer(clerk))
    assert refused.status_code == 403
    mine = api.client.get("/api/v1/exports", headers=bearer(clerk))
    assert [r["id"] for r in mine.json()] == [row["id"]]
    # Once decided, it leaves the waiting list.
    decided = api.client.post(
        f"/api/v1/exports/{row['id']}/decision", headers=bearer(manager), json={"approve": True}
    )
    assert decided.status_code == 200, decided.text
    assert api.client.get("/api/v1/exports?waiting=true", headers=bearer(manager)).json() == []
