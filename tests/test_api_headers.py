"""Security headers on every answer (issue #3; seed 図表2-2 (6)③ 外部からの不正アクセス等の防止)."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from tests.api_support import SLIP, Api, acquire, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]


def test_every_answer_carries_the_security_headers(api: Api):
    for response in (api.client.get("/api/v1/ping"), api.client.get("/api/v1/persons")):
        headers = response.headers
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer"
        # Plain HTTP (behind a proxy, or a test): no HSTS, which would be ignored anyway.
        assert "strict-transport-security" not in headers


def test_https_answers_ask_browsers_to_keep_to_https(api: Api):
    # Without ``with``: the lifespan (which seals the vault on exit) stays the fixture's.
    response = TestClient(api.app, base_url="https://testserver").get("/api/v1/ping")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_each_answer_names_its_request_and_the_read_is_audited_under_that_name(api: Api):
    """The request id (mnvault.web.headers) is fresh per answer and is the one in the audit
    entry, so an answer can be found in the trail (別添1 (4) 取扱状況の記録)."""
    first, second = api.client.get("/api/v1/ping"), api.client.get("/api/v1/ping")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    number = MaskedStr(generate_my_number(random.Random(41)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "H1", number)
    response = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    assert response.status_code == 200
    # The read answers with its fields as NumberOut declares them, and keeps no copy.
    assert response.json() == {"person_id": person_id, "affair": SLIP, "my_number": number}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    with api.vault.transaction() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "number:read")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert entry is not None and entry.request_id == response.headers["x-request-id"]
