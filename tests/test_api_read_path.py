"""The number read over HTTP runs in a read transaction and answers only after the group
commit has made its audit entry durable (DESIGN.md §3 invariants 1 and 2; issue #3,
"its audit entry committed before the response"; PPC guideline for businesses, 別添1
安全管理措置 (アクセスの記録)).
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mnvault.audit import services as audit
from mnvault.audit.models import AuditEntry
from mnvault.audit.verify import verify_database, witness_keys
from mnvault.auth.models import WebSession
from mnvault.auth.services import digest
from mnvault.db.base import utcnow
from mnvault.numbers import generate_my_number
from tests.api_support import SLIP, Api, acquire, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

READERS = 8
READS_EACH = 5


def _actions(api: Api) -> list[tuple[str, str]]:
    with api.vault.transaction() as session:
        return [
            (e.action, e.outcome)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]


def _read(api: Api, token: str, person_id: str) -> tuple[int, str]:
    response = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    return response.status_code, response.text


def test_concurrent_reads_are_each_audited_and_the_chain_verifies(api: Api):
    number = MaskedStr(generate_my_number(random.Random(31)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G1", number)
    before = _actions(api).count(("number:read", "ok"))
    batches = api.vault.audit_writer.batches
    answers: list[tuple[int, bool]] = []

    def reader() -> None:
        for _ in range(READS_EACH):
            status, body = _read(api, token, person_id)
            answers.append((status, number in body))

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(200, True)] * READERS * READS_EACH
    assert _actions(api).count(("number:read", "ok")) == before + READERS * READS_EACH
    # They went through the group commit (the read-only path), not a transaction each.
    assert 0 < api.vault.audit_writer.batches - batches <= READERS * READS_EACH
    witness = api.vault.settings.audit_witness_path
    report = verify_database(api.vault.engine, witness_keys(witness), witness)
    assert report.ok, [str(finding) for finding in report.findings]


def test_no_entry_no_number(api: Api, monkeypatch: pytest.MonkeyPatch):
    number = MaskedStr(generate_my_number(random.Random(32)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G2", number)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    reads = _actions(api).count(("number:read", "ok"))
    # Both ways an entry is written: the group commit's and a single transaction's.
    monkeypatch.setattr(audit, "insert_all", broken)
    monkeypatch.setattr(audit, "append_all", broken)
    status, body = _read(api, token, person_id)
    monkeypatch.undo()
    assert status == 503
    assert number not in body
    assert "audit" in body
    assert _actions(api).count(("number:read", "ok")) == reads  # fail closed
    assert _read(api, token, person_id)[0] == 200  # and reads again once the store does


def test_a_denied_read_is_audited_before_the_refusal(api: Api):
    number = MaskedStr(generate_my_number(random.Random(33)))
    person_id = acquire(api, api.full_session("clerk"), "G3", number)
    token = api.full_session("clerk2")  # a clerk not assigned to SLIP
    denied_before = _actions(api).count(("access:denied", "denied"))
    status, body = _read(api, token, person_id)
    assert status == 403 and number not in body
    assert _actions(api).count(("access:denied", "denied")) == denied_before + 1


def test_a_session_due_a_touch_takes_the_writing_path(api: Api):
    number = MaskedStr(generate_my_number(random.Random(34)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G4", number)
    stale = utcnow() - timedelta(minutes=5)
    with api.vault.transaction() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == digest(token))
            .values(last_seen_at=stale)
        )
    status, body = _read(api, token, person_id)
    assert status == 200 and number in body
    with api.vault.transaction() as session:
        row = session.get(WebSession, digest(token))
        assert row is not None and row.last_seen_at > stale
    # Idle past the timeout: ended, as on every other route.
    with api.vault.transaction() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == digest(token))
            .values(last_seen_at=utcnow() - timedelta(hours=1))
        )
    assert _read(api, token, person_id)[0] == 401


def test_every_api_token_use_is_audited_on_the_read_path(api: Api):
    number = MaskedStr(generate_my_number(random.Random(35)))
    person_id = acquire(api, api.full_session("clerk"), "G5", number)
    admin = api.full_session("admin")
    created = api.client.post(
        "/api/v1/tokens", headers=bearer(admin),
        json={"user_id": str(api.users["payroll"]), "name": "給与システム", "affairs": [SLIP]},
    )  # fmt: skip
    token = created.json()["token"]
    uses = _actions(api).count(("token:use", "ok"))
    reads = _actions(api).count(("number:read", "ok"))
    assert _read(api, token, person_id)[0] == 200  # first use: the writing path
    batches = api.vault.audit_writer.batches
    assert _read(api, token, person_id)[0] == 200  # used within a minute: the read path
    assert api.vault.audit_writer.batches == batches + 1
    assert _actions(api).count(("token:use", "ok")) == uses + 2
    assert _actions(api).count(("number:read", "ok")) == reads + 2
    api.client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=bearer(admin))
    assert _read(api, token, person_id)[0] == 401  # revocation holds at once
