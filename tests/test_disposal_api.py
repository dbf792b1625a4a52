"""Disposal and key routes: due list, reminders, a batch from plan to KEK rotation.

Sources: 事業者編 第4-3-(3)B; 別添1 2E d; DESIGN.md §4 (admins see key versions, never
numbers). No response carries a number.
"""

from __future__ import annotations

import random
import uuid
from datetime import date

from mnvault.access.context import Context
from mnvault.numbers import generate_my_number
from mnvault.vault import services as vs
from tests.api_support import Api, acquire, api, bearer
from tests.conftest import MaskedStr
from tests.disposal_support import add_api_manager, no_grace

__all__ = ["api", "no_grace"]  # the fixture, imported so that pytest finds it here


def test_due_list_batch_and_key_status_over_http(api: Api):
    numbers = [MaskedStr(generate_my_number(random.Random(seed))) for seed in (41, 42, 43)]
    clerk = api.full_session("clerk")
    ids = [acquire(api, clerk, f"E{i}", n) for i, n in enumerate(numbers)]
    manager_ctx = Context(actor_id=api.users["manager"], organisation_id=api.organisation_id)
    with api.vault.transaction() as session:
        for person_id in ids[:2]:
            vs.end_relationship(
                session,
                manager_ctx,
                person_id=uuid.UUID(person_id),
                ended_on=date(2024, 3, 31),
                cause=vs.RelationshipEnd.RETIREMENT,
            )
    manager = bearer(api.full_session("manager"))
    due = api.client.get("/api/v1/disposal/due", headers=manager)
    assert due.status_code == 200, due.text
    assert sorted(item["person_id"] for item in due.json()) == sorted(ids[:2])
    notices = api.client.get("/api/v1/disposal/reminders", headers=manager).json()
    assert [n["kind"] for n in notices] == ["overdue"]
    planned = api.client.post(
        "/api/v1/disposal/batches", headers=manager, json={"reason": "月末廃棄"}
    )
    assert planned.status_code == 201, planned.text
    batch_id = planned.json()["id"]
    assert planned.json()["state"] == "planned"
    early = api.client.post(f"/api/v1/disposal/batches/{batch_id}/run", headers=manager)
    assert early.status_code == 422
    assert early.headers["content-type"] == "application/problem+json"
    # The planner cannot confirm (別添1 2B, 2C a): another manager does.
    own = api.client.post(f"/api/v1/disposal/batches/{batch_id}/confirm", headers=manager)
    assert own.status_code == 403 and own.json()["reason"] == "planner cannot confirm"
    assert "another manager" in own.json()["title"] and "別の責任者" in own.json()["title_ja"]
    add_api_manager(api)
    checker = bearer(api.full_session("manager2"))
    confirmed = api.client.post(
        f"/api/v1/disposal/batches/{batch_id}/confirm", headers=checker, json={}
    )
    assert confirmed.json()["state"] == "confirmed", confirmed.text
    assert confirmed.json()["planned_by"] == str(api.users["manager"])
    assert confirmed.json()["confirmed_by"] == str(api.users["manager2"])
    assert confirmed.json()["confirmation_statement"] is None
    ran = api.client.post(f"/api/v1/disposal/batches/{batch_id}/run", headers=manager)
    assert ran.status_code == 200, ran.text
    assert ran.json()["state"] == "completed"
    assert ran.json()["kek_versions_destroyed"] == [1]
    record = api.client.get(f"/api/v1/disposal/batches/{batch_id}", headers=manager).json()
    assert sorted(m["person_id"] for m in record["members"]) == sorted(ids[:2])
    admin = bearer(api.full_session("admin"))
    keys = api.client.get("/api/v1/keys", headers=admin)
    assert keys.status_code == 200, keys.text
    # The person kept, and the TOTP secrets of the users enrolled with a second factor
    # (re-wrapped too, or no one could sign in after a disposal).
    totp = len(api.secrets)
    assert [(v["version"], v["state"], v["wrapped_keys"]) for v in keys.json()["versions"]] == [
        (1, "destroyed", 0),
        (2, "active", 1 + totp),
    ]
    assert api.client.get("/api/v1/keys", headers=manager).status_code == 403
    assert api.client.post("/api/v1/keys/rotate", headers=manager).status_code == 403
    rotated = api.client.post("/api/v1/keys/rotate", headers=admin)
    assert rotated.json()["destroyed_versions"] == [2]
    rules = api.client.get("/api/v1/disposal/rules", headers=manager).json()
    assert any("所得税法施行規則第76条の3" in r["source"] for r in rules)
    for response in (due, planned, confirmed, ran, keys, rotated):
        for number in numbers:
            assert number not in response.text
    read = api.client.post(
        f"/api/v1/persons/{ids[2]}/number/read", headers=bearer(clerk),
        json={"affair": "withholding_slip"},
    )  # fmt: skip
    assert read.json()["my_number"] == numbers[2]
