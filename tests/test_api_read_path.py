"""The number read over HTTP runs in a read transaction and answers only after the group
commit has made its audit entry durable (DESIGN.md §3 invariants 1 and 2; issue #3,
"its audit entry committed before the response"; PPC guideline for businesses, 別添1
安全管理措置 (アクセスの記録)).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from mnvault.access.models import Assignment
from mnvault.access.services import remove_assignment
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.models import AuditEntry
from mnvault.audit.verification.verify import verify_database
from mnvault.auth.models import WebSession
from mnvault.auth.services import digest
from mnvault.db.base import utcnow
from mnvault.db.engine import make_engine
from mnvault.numbers import generate_my_number
from mnvault.web import calls
from tests.api_support import SLIP, Api, acquire, api, bearer, open_api, system_token
from tests.conftest import MaskedStr, pg_url

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
    report = verify_database(api.vault.engine, [api.vault.keyring.public_signing_key()], witness)
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
    created = system_token(api, admin, [SLIP])
    token = created["token"]
    uses = _actions(api).count(("token:use", "ok"))
    reads = _actions(api).count(("number:read", "ok"))
    assert _read(api, token, person_id)[0] == 200  # first use: the writing path
    batches = api.vault.audit_writer.batches
    assert _read(api, token, person_id)[0] == 200  # used within a minute: the read path
    assert api.vault.audit_writer.batches == batches + 1
    assert _actions(api).count(("token:use", "ok")) == uses + 2
    assert _actions(api).count(("number:read", "ok")) == reads + 2
    api.client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin))
    assert _read(api, token, person_id)[0] == 401  # revocation holds at once


# -- the read on the event loop (web.calls.read_call_async) ---------------------------------


def test_on_sqlite_the_read_takes_no_thread_pool_unless_it_must_write(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    """The read transaction runs on the event loop and its entry is committed by the
    group commit's own thread; the thread pool serves only the writing path."""
    number = MaskedStr(generate_my_number(random.Random(36)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G6", number)
    pooled: list[str] = []
    real = calls.run_in_threadpool

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        pooled.append(getattr(func, "__name__", "?"))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(calls, "run_in_threadpool", counting)
    batches = api.vault.audit_writer.batches
    status, body = _read(api, token, person_id)
    assert status == 200 and number in body
    assert pooled == []
    assert api.vault.audit_writer.batches == batches + 1
    with api.vault.transaction() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == digest(token))
            .values(last_seen_at=utcnow() - timedelta(minutes=5))
        )
    assert _read(api, token, person_id)[0] == 200
    assert pooled == ["call"]  # due a touch: the writing path, in the pool


def test_a_session_signed_out_during_concurrent_reads_is_refused_at_once(api: Api):
    number = MaskedStr(generate_my_number(random.Random(37)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G7", number)
    signed_out = threading.Event()
    after: list[tuple[int, bool]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            # Read the flag first: a read begun after sign-out has returned must fail.
            late = signed_out.is_set()
            status, body = _read(api, token, person_id)
            if late:
                after.append((status, number in body))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        assert _read(api, token, person_id)[0] == 200
        assert api.client.post("/api/v1/auth/sign-out", headers=bearer(token)).status_code == 200
        signed_out.set()
        while len(after) < 8:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert after and all(status == 401 and not leaked for status, leaked in after)


def test_an_assignment_removed_between_two_reads_refuses_the_second(api: Api):
    """Decisions are remembered by their facts (access.policy.engine), the facts are read
    on every request: the assignment's end is seen at once (seed 図表2-1 (3)①)."""
    number = MaskedStr(generate_my_number(random.Random(38)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G8", number)
    assert _read(api, token, person_id)[0] == 200
    assert _read(api, token, person_id)[0] == 200  # the same question, answered again
    with api.vault.transaction() as session:
        assignment = session.scalars(
            select(Assignment).where(Assignment.user_id == api.users["clerk"])
            .join(Affair, Affair.id == Assignment.affair_id).where(Affair.code == SLIP)
        ).one()  # fmt: skip
        remove_assignment(session, api.admin_context(), assignment_id=assignment.id)
    denied_before = _actions(api).count(("access:denied", "denied"))
    status, body = _read(api, token, person_id)
    assert status == 403 and number not in body
    assert _actions(api).count(("access:denied", "denied")) == denied_before + 1


def test_a_failed_batch_refuses_every_concurrent_read_without_the_number(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    number = MaskedStr(generate_my_number(random.Random(39)))
    token = api.full_session("clerk")
    person_id = acquire(api, token, "G9", number)
    reads = _actions(api).count(("number:read", "ok"))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "insert_all", broken)
    answers: list[tuple[int, bool]] = []

    def reader() -> None:
        for _ in range(3):
            status, body = _read(api, token, person_id)
            answers.append((status, number in body))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert answers == [(503, False)] * 12
    assert _actions(api).count(("number:read", "ok")) == reads
    assert _read(api, token, person_id)[0] == 200


@pytest.fixture
def pg_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The app on PostgreSQL, in a schema of its own, dropped afterwards."""
    request.getfixturevalue("pg_engine")  # skips, or fails under CI, when unreachable
    name = f"read_path_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url())
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {name}"))
    url = make_url(pg_url()).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        with open_api(tmp_path, url.render_as_string(hide_password=False)) as opened:
            yield opened
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@pytest.mark.postgres
def test_on_postgresql_the_read_is_audited_before_it_is_answered(
    pg_api: Api, monkeypatch: pytest.MonkeyPatch
):
    """There the read transaction runs in the thread pool and the request awaits the
    group commit on the event loop: the same guarantees as on SQLite."""
    number = MaskedStr(generate_my_number(random.Random(40)))
    token = pg_api.full_session("clerk")
    person_id = acquire(pg_api, token, "P1", number)
    reads = _actions(pg_api).count(("number:read", "ok"))
    batches = pg_api.vault.audit_writer.batches
    status, body = _read(pg_api, token, person_id)
    assert status == 200 and number in body
    assert pg_api.vault.audit_writer.batches == batches + 1
    assert _actions(pg_api).count(("number:read", "ok")) == reads + 1

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "insert_all", broken)
    status, body = _read(pg_api, token, person_id)
    monkeypatch.undo()
    assert status == 503 and number not in body
    assert _actions(pg_api).count(("number:read", "ok")) == reads + 1
    denied = _actions(pg_api).count(("access:denied", "denied"))
    status, body = _read(pg_api, pg_api.full_session("clerk2"), person_id)
    assert status == 403 and number not in body
    assert _actions(pg_api).count(("access:denied", "denied")) == denied + 1
