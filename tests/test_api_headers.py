"""Security headers on every answer (issue #3; seed 図表2-2 (6)③ 外部からの不正アクセス等の防止)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api_support import Api, api

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
