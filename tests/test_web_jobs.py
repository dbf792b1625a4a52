"""Issue #18, "long actions (report PDF, disposal run, verify) show progress or run in the
background with a status page": the jobs registry (mnvault.jobs.registry) and its status
pages (mnvault.jobs.views).

Tests wait for a job by joining its thread (``Jobs.wait``) or for an event the work sets,
never by sleeping and sampling; nothing here asserts a duration.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from mnvault import local_time
from mnvault.audit.models import AuditEntry
from mnvault.jobs.registry import (
    Download,
    Jobs,
    JobState,
    Outcome,
    Progress,
    TooManyJobs,
    of_app,
)
from mnvault.numbers import generate_my_number
from mnvault.web.problems import Conflict
from tests.conftest import MaskedStr
from tests.disposal_support import add_api_manager, no_grace
from tests.support.api import bearer
from tests.support.jobs import finished
from tests.web_support import Browser, Web, web

__all__ = ["no_grace", "web"]

OWNER, ORG = uuid.uuid4(), uuid.uuid4()
# Generous: a bound that fails loudly if a job never reaches the state (never a timing).
NEVER = 120


class _Refused(Conflict):
    """Its messages only: it answers as Conflict, registering nothing new."""

    message_ja = "できません"
    message_en = "refused"


def _blocked(started: threading.Event, release: threading.Event) -> Any:
    def work(progress: Progress) -> Outcome:
        progress(1, 4)
        started.set()
        assert release.wait(NEVER), "the test never released the job"
        return Outcome(summary=("完了", "done"))

    return work


def _start(jobs: Jobs, work: Any, owner: uuid.UUID = OWNER, **extra: Any) -> Any:
    return jobs.start(owner=owner, organisation_id=ORG, kind="test", title=("試験", "test"),
                      work=work, **extra)  # fmt: skip


def test_a_job_goes_queued_running_done_and_the_next_waits_for_a_worker() -> None:
    """The states table: queued → running → done; with one worker, a second job waits."""
    jobs = Jobs(workers=1)
    started, release = threading.Event(), threading.Event()
    first = _start(jobs, _blocked(started, release))
    assert started.wait(NEVER)
    assert first.state is JobState.RUNNING and first.started_at is not None
    assert (first.done, first.total, first.percent) == (1, 4, 25)
    second = _start(jobs, lambda progress: Outcome(summary=("二", "two")))
    assert second.state is JobState.QUEUED  # the one worker is busy with the first
    release.set()
    assert jobs.wait(first.id).state is JobState.DONE
    done = jobs.wait(second.id)
    assert done.state is JobState.DONE and done.outcome.summary == ("二", "two")
    assert done.percent == 100 and done.finished_at is not None
    assert done.queued_at <= done.started_at <= done.finished_at


def test_a_failure_is_bilingual_and_masked_and_a_fault_says_only_internal_error() -> None:
    number = MaskedStr(generate_my_number(random.Random(181)))
    jobs = Jobs()

    def refuse(progress: Progress) -> Outcome:
        raise _Refused(f"番号 {number}", f"number {number}")

    def crash(progress: Progress) -> Outcome:
        raise RuntimeError(f"secret detail {number}")

    refused = jobs.wait(_start(jobs, refuse).id)
    assert refused.state is JobState.FAILED and refused.failure is not None
    ja, en = refused.failure
    assert ja.startswith("できません（番号 ") and en.startswith("refused (number ")
    assert number not in ja + en
    crashed = jobs.wait(_start(jobs, crash).id)
    assert crashed.failure == ("内部エラーが発生しました", "internal error")


def test_bounds_owner_only_and_no_number_result_for_who_administers() -> None:
    jobs = Jobs(per_owner=2, keep=3)
    started, release = threading.Event(), threading.Event()
    running = [_start(jobs, _blocked(started, release)) for _ in range(2)]
    with pytest.raises(TooManyJobs):
        _start(jobs, _blocked(started, release))
    other = _start(jobs, lambda progress: Outcome(), owner=uuid.uuid4())  # not counted
    release.set()
    jobs.drain()  # what the app does at shutdown, before the vault is sealed
    assert all(job.state is JobState.DONE for job in [*running, other])
    assert jobs.get(running[0].id, OWNER, ORG) is running[0]
    assert jobs.get(running[0].id, other.owner, ORG) is None
    assert jobs.get(running[0].id, OWNER, uuid.uuid4()) is None
    assert [j.id for j in jobs.of_owner(other.owner, ORG)] == [other.id]
    # Kept finished jobs are bounded: the oldest go first.
    later = [jobs.wait(_start(jobs, lambda progress: Outcome()).id) for _ in range(3)]
    kept = {j.id for j in jobs.of_owner(OWNER, ORG)}
    assert running[0].id not in kept and {j.id for j in later} <= kept
    # A result that could hold a number never reaches one who administers or audits.
    numbered = Outcome(download=Download("x.csv", "text/csv", b"x"), may_hold_numbers=True)
    withheld = jobs.wait(_start(jobs, lambda progress: numbered, administers=True).id)
    assert withheld.state is JobState.FAILED and withheld.outcome is None
    assert "管理者・監査者" in withheld.failure[0]
    given = jobs.wait(_start(jobs, lambda progress: numbered).id)
    assert given.outcome is numbered


# -- the screens --------------------------------------------------------------------------


def _signed_in(web: Web, login: str) -> Browser:
    browser = web.browser()
    browser.sign_in(login)
    return browser


def _entries(web: Web, action: str) -> list[AuditEntry]:
    with web.api.vault.transaction() as session:
        found = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        rows = list(found)
        session.expunge_all()
    return rows


def _same(entry: AuditEntry) -> tuple[Any, ...]:
    return (entry.actor_id, entry.organisation_id, entry.action, entry.outcome,
            entry.client_address, sorted(entry.details or {}))  # fmt: skip


def test_a_finished_job_is_shown_and_downloaded_by_its_owner_only(web: Web) -> None:
    """The status page (Japanese, English under the switch, the organisation's time)
    offers the download to the owner alone; anyone else gets 404, never 403, so that a
    job's id is not confirmed. (The evidence pack's own job: test_compliance_web.py.)"""
    manager = _signed_in(web, "manager")
    made = Outcome(summary=("できました", "ready"),
                   download=Download("a.zip", "application/zip", b"PK\x03\x04 test"))  # fmt: skip
    jobs = of_app(web.api.app.state)
    job = jobs.wait(jobs.start(
        owner=web.api.users["manager"], organisation_id=web.api.organisation_id,
        kind="test", title=("証跡一式の作成", "Evidence pack"), work=lambda progress: made,
        back="/compliance",
    ).id)  # fmt: skip
    page = manager.get(f"/jobs/{job.id}")
    assert 'data-state="done"' in page.text and "証跡一式の作成" in page.text
    assert "data-running" not in page.text and "import-progress.js" not in page.text
    shown = local_time.shown(job.finished_at, "Asia/Tokyo", seconds=True)
    assert re.search(rf'id="job-finished">{re.escape(shown)}<', page.text), page.text
    assert 'href="/compliance"' in page.text and 'href="/jobs"' in page.text
    download = manager.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.content == b"PK\x03\x04 test"
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["content-disposition"] == 'attachment; filename="a.zip"'
    assert f'href="/jobs/{job.id}"' in manager.get("/jobs").text
    manager.client.cookies.set("mnv_lang", "en")
    english = manager.get(f"/jobs/{job.id}").text
    assert "Evidence pack" in english and ">Done<" in english

    # Nobody else learns that the job exists: another manager, a clerk, an admin.
    add_api_manager(web.api)
    for login in ("manager2", "clerk", "admin"):
        other = _signed_in(web, login)
        for path in (f"/jobs/{job.id}", f"/jobs/{job.id}/download"):
            assert other.get(path).status_code == 404, (login, path)
        assert job.id not in other.get("/jobs").text
    assert manager.get("/jobs/not-a-job").status_code == 404


@pytest.mark.usefixtures("no_grace")
def test_a_disposal_run_the_service_refuses_shows_the_refusal(web: Web) -> None:
    """A failure is the refusal's own bilingual message, not an internal error; a clerk's
    attempt is audited as the API (the foreground path) audits it."""
    manager = _signed_in(web, "manager")
    missing = uuid.uuid4()
    page = f"/disposal/batches/{missing}"
    job, shown = finished(manager, manager.submit("/disposal", f"{page}/run", {}))
    assert job.state is JobState.FAILED
    assert 'data-state="failed"' in shown.text and 'id="job-failed"' in shown.text
    assert "見つかりません" in shown.text and "内部エラー" not in shown.text
    assert f'href="{page}"' in shown.text  # back to the batch

    clerk = _signed_in(web, "clerk")
    job, shown = finished(clerk, clerk.submit("/", f"{page}/run", {}))
    assert "この操作は許可されていません" in shown.text
    clerk.client.cookies.set("mnv_lang", "en")
    assert "this operation is not permitted" in clerk.get(f"/jobs/{job.id}").text
    token = web.api.full_session("clerk")
    refused = web.api.client.post(f"/api/v1{page}/run", headers=bearer(token))
    assert refused.status_code == 403
    denied = [e for e in _entries_by(web, web.api.users["clerk"]) if e.outcome == "denied"]
    assert len(denied) == 2 and _same(denied[0]) == _same(denied[1]), denied


def _entries_by(web: Web, actor: uuid.UUID) -> list[AuditEntry]:
    with web.api.vault.transaction() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.actor_id == actor)))
        session.expunge_all()
    return rows


def test_a_running_job_page_reloads_itself_and_shows_progress(web: Web) -> None:
    """While queued or running the page refreshes itself (a script file: the CSP allows
    no inline script) and works without it (a reload link)."""
    manager = _signed_in(web, "manager")
    started, release = threading.Event(), threading.Event()
    jobs = of_app(web.api.app.state)
    job = jobs.start(
        owner=web.api.users["manager"], organisation_id=web.api.organisation_id,
        kind="test", title=("試験の処理", "a test action"), work=_blocked(started, release),
        back="/compliance",
    )  # fmt: skip
    try:
        assert started.wait(NEVER)
        page = manager.get(f"/jobs/{job.id}")
        assert 'data-state="running"' in page.text and 'data-running="true"' in page.text
        assert '<script src="/static/import-progress.js">' in page.text
        assert 'value="25"' in page.text and "（1 / 4）" in page.text
        assert f'href="/jobs/{job.id}"' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]
    finally:
        release.set()
        jobs.wait(job.id)
    done = manager.get(f"/jobs/{job.id}")
    assert 'data-state="done"' in done.text and "import-progress.js" not in done.text
    # No download offered: the download path answers 404.
    assert manager.get(f"/jobs/{job.id}/download").status_code == 404
