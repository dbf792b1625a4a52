"""Oversight screens (issue #6): disposal (due list, plan, a manager's confirmation, the
run, records, contractor certificates) and the auditor's trail (search, an entry's chain
status, verify now, analysis reports), and the manager's and auditor's dashboards.

Sources: 事業者編 第4-3-(3)B (disposal once no longer needed), 別添1 2E d (削除・廃棄の
記録; confirmation by the responsible person; a contractor's certificate), 別添1 2C e
(取扱状況の把握: the auditor reviews the record); seed 図表2-2 (5)④; DESIGN.md §4, §6.
No page shows a number.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text

from mnvault.access.context import Context
from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number, redact
from mnvault.orgs.models import Organisation
from mnvault.vault import services as vs
from tests.api_support import acquire
from tests.conftest import MaskedStr
from tests.disposal_support import add_api_manager, no_grace
from tests.support.jobs import result_of
from tests.web_support import Browser, Web, web

__all__ = ["no_grace", "web"]

PDF = b"%PDF-1.4\n% a disposal certificate\n%%EOF\n"


def _persons(web: Web, count: int, *, ended: int) -> tuple[list[str], list[str]]:
    """``count`` employees with numbers; the first ``ended`` retired in 2024 (now due)."""
    numbers = [MaskedStr(generate_my_number(random.Random(900 + i))) for i in range(count)]
    api = web.api
    clerk = api.full_session("clerk")
    ids = [acquire(api, clerk, f"R{i}", n) for i, n in enumerate(numbers)]
    manager = Context(actor_id=api.users["manager"], organisation_id=api.organisation_id)
    with api.vault.transaction() as session:
        for person_id in ids[:ended]:
            vs.end_relationship(
                session, manager, person_id=uuid.UUID(person_id), ended_on=date(2024, 3, 31),
                cause=vs.RelationshipEnd.RETIREMENT,
            )  # fmt: skip
    return ids, numbers


@pytest.mark.usefixtures("no_grace")
def test_a_small_business_single_manager_confirms_own_batch_with_a_statement(web: Web):
    """別添1 2E d 中小規模事業者: 責任ある立場の者が確認する — with one such person, the
    planner confirms with a statement, which the record shows (2C a: 区分 only 望ましい
    where there are several)."""
    with web.api.vault.transaction() as session:
        session.get_one(Organisation, web.api.organisation_id).kind = "small_business"
    _ids, numbers = _persons(web, 1, ended=1)
    manager = _signed_in(web, "manager")
    planned = manager.submit("/disposal", "/disposal/batches", {"reason": "月末廃棄"})
    page = f"/disposal/batches/{_batch_id(planned)}"
    assert 'id="self-confirm"' in planned.text and 'for="statement"' in planned.text
    empty = manager.submit(page, f"{page}/confirm", {"statement": " "})
    assert empty.status_code == 422 and "確認した内容の記述" in empty.text
    confirmed = manager.submit(page, f"{page}/confirm", {"statement": "退職者1名分を確認"})
    assert 'data-state="confirmed"' in confirmed.text
    assert re.search(r'id="confirmation-statement">退職者1名分を確認', confirmed.text)
    assert re.search(r'id="confirmed-by">manager — ', confirmed.text)
    _no_number(numbers, planned, confirmed)


def _no_number(numbers: list[str], *pages: object) -> None:
    for page in pages:
        body = page.text if hasattr(page, "text") else str(page)  # type: ignore[attr-defined]
        for number in numbers:
            assert number not in body


def _batch_id(answer: object) -> str:
    found = re.fullmatch(r"/disposal/batches/([0-9a-f-]{36})", answer.url.path)  # type: ignore[attr-defined]
    assert found, answer.url  # type: ignore[attr-defined]
    return found.group(1)


def _signed_in(web: Web, login: str) -> Browser:
    browser = web.browser()
    browser.sign_in(login)
    return browser


@pytest.mark.usefixtures("no_grace")
def test_a_batch_is_planned_confirmed_by_a_manager_and_run(web: Web):
    _ids, numbers = _persons(web, 3, ended=2)
    manager = _signed_in(web, "manager")
    board = manager.get("/")
    assert 'id="falling-due"' in board.text and "廃棄対象日" in board.text
    due = manager.get("/disposal")
    assert due.status_code == 200
    assert "R0" in due.text and "R1" in due.text and "R2" not in due.text
    # Nothing typed as the reason: the form comes back with the error, keeping the rest.
    refused = manager.submit("/disposal", "/disposal/batches", {"reason": "", "early_reason": "x"})
    assert refused.status_code == 422 and 'id="form-error"' in refused.text
    assert 'value="x"' in refused.text
    planned = manager.submit("/disposal", "/disposal/batches", {"reason": "月末廃棄"})
    assert planned.status_code == 200, planned.text
    batch_id = _batch_id(planned)
    # The planner sees why there is no button: another manager confirms (別添1 2B, 2C a).
    assert 'data-state="planned"' in planned.text and 'id="confirm"' not in planned.text
    assert 'id="planner-hint"' in planned.text and "あなた以外の責任者" in planned.text
    # An administrator holds no disposal:confirm (別添1 2E d: the 責任者 confirms).
    admin = _signed_in(web, "admin")
    denied = admin.submit(
        f"/disposal/batches/{batch_id}", f"/disposal/batches/{batch_id}/confirm", {}
    )
    assert denied.status_code == 403
    page = f"/disposal/batches/{batch_id}"
    own = manager.submit(page, f"{page}/confirm", {})
    assert own.status_code == 403 and 'id="form-error"' in own.text and "別の責任者" in own.text
    add_api_manager(web.api)
    checker = _signed_in(web, "manager2")
    shown = checker.get(page)
    assert 'id="confirm"' in shown.text and 'id="planner-hint"' not in shown.text
    confirmed = checker.submit(page, f"{page}/confirm", {})
    assert 'data-state="confirmed"' in confirmed.text
    assert re.search(r'id="planned-by">manager — ', confirmed.text)
    assert re.search(r'id="confirmed-by">manager2 — ', confirmed.text)
    # Issue #18: the run goes on in the background; its status page links to the record.
    ran = result_of(manager, manager.submit(page, f"{page}/run", {}))
    assert ran.status_code == 200, ran.text
    assert 'data-state="completed"' in ran.text
    rotation = re.search(r'id="rotation">([^<]+)', ran.text)
    # Issue #18: the organisation's time, one format (not UTC).
    assert rotation and re.match(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2} ", rotation.group(1))
    assert ran.text.count("廃棄済み") >= 2 and "R0" in ran.text
    records = manager.get("/disposal/batches")
    assert batch_id in records.text
    _no_number(numbers, board, due, planned, confirmed, ran, records)
    # The auditor reads the record; a clerk cannot.
    auditor = _signed_in(web, "auditor")
    assert auditor.get(page).status_code == 200
    assert _signed_in(web, "clerk").get(page).status_code == 403


def test_a_contractor_disposal_with_its_certificate(web: Web):
    _ids, numbers = _persons(web, 2, ended=0)
    manager = _signed_in(web, "manager")
    form = {
        "contractor_name": "廃棄株式会社", "performed_on": "2026-03-31", "method": "溶解処理",
        "person_refs": "R0\nR1", "affairs": "withholding_slip",
    }  # fmt: skip
    listing = manager.get("/disposal/contractor").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', listing)
    assert token
    not_a_certificate = manager.client.post(
        "/disposal/contractor", data={"csrf_token": token.group(1), **form},
        files={"certificate": ("c.txt", b"hello", "text/plain")},
    )  # fmt: skip
    assert not_a_certificate.status_code == 422
    assert 'value="廃棄株式会社"' in not_a_certificate.text
    # A number typed as a reference by mistake is refused by line, never echoed.
    typo = manager.client.post(
        "/disposal/contractor",
        data={"csrf_token": token.group(1), **form, "person_refs": numbers[0]},
        files={"certificate": ("c.pdf", PDF, "application/pdf")},
    )
    assert typo.status_code == 422 and "1行目" in typo.text
    assert redact(numbers[0]) in typo.text  # what was typed comes back, redacted
    done = manager.client.post(
        "/disposal/contractor", data={"csrf_token": token.group(1), **form},
        files={"certificate": ("c.pdf", PDF, "application/pdf")},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    assert hashlib.sha256(PDF).hexdigest() in done.text
    assert "R0" in done.text and "R1" in done.text
    link = re.search(r'href="(/disposal/contractor/[0-9a-f-]{36}/certificate)"', done.text)
    assert link
    got = manager.get(link.group(1))
    assert got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["cache-control"] == "no-store"
    _no_number(numbers, not_a_certificate, typo, done)


def test_the_auditor_searches_the_trail_and_sees_an_entry_in_the_chain(web: Web):
    _ids, numbers = _persons(web, 1, ended=0)
    auditor = _signed_in(web, "auditor")
    listed = auditor.get("/audit")
    assert listed.status_code == 200 and 'id="trail-count"' in listed.text
    found = auditor.submit("/audit", "/audit", {"actor": "clerk", "action": "number:acquire"})
    assert found.status_code == 200
    assert re.search(r'id="trail-count">[^<]*: 1<', found.text), found.text
    seq = re.search(r'href="/audit/entries/(\d+)"', found.text)
    assert seq
    # The filters travel in the body: nothing of them in the address.
    assert found.url.path == "/audit" and not found.url.query
    entry = auditor.get(f"/audit/entries/{seq.group(1)}")
    assert entry.status_code == 200
    assert "number:acquire" in entry.text
    assert entry.text.count("✔") >= 2
    bad = auditor.submit("/audit", "/audit", {"since": "2026-13-01"})
    assert bad.status_code == 422 and 'id="form-error"' in bad.text
    unknown = auditor.submit("/audit", "/audit", {"actor": numbers[0]})
    assert unknown.status_code == 422
    _no_number(numbers, listed, found, entry, bad, unknown)


def test_verify_now_shows_intact_then_names_the_first_broken_entry(web: Web):
    _persons(web, 1, ended=0)
    auditor = _signed_in(web, "auditor")
    page = auditor.get("/audit/verify")
    assert page.status_code == 200 and 'id="verify-now"' in page.text
    intact = result_of(auditor, auditor.submit("/audit/verify", "/audit/verify", {}))
    assert intact.status_code == 200, intact.text
    assert 'data-result="intact"' in intact.text
    board = auditor.get("/")
    assert re.search(r'id="last-verified">[^<]*改ざんなし', board.text), board.text
    with web.api.vault.transaction() as session:
        seq = session.scalar(
            select(func.min(AuditEntry.seq)).where(AuditEntry.action == "number:acquire")
        )
    # Edited behind the service's back (DESIGN.md §12 tamper tests).
    with web.api.vault.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_entries SET outcome = 'denied' WHERE seq = :seq"), {"seq": seq}
        )
    broken = result_of(auditor, auditor.submit("/audit/verify", "/audit/verify", {}))
    assert 'data-result="broken"' in broken.text
    assert f'href="/audit/entries/{seq}"' in broken.text
    entry = auditor.get(f"/audit/entries/{seq}")
    assert "✘" in entry.text


def test_analysis_report_made_for_a_period_opened_and_downloaded(web: Web):
    auditor = _signed_in(web, "auditor")
    wrong = auditor.submit("/audit/reports", "/audit/reports", {"since": "2026-02-01"})
    assert wrong.status_code == 422 and 'value="2026-02-01"' in wrong.text
    today = date.today().isoformat()
    # Issue #18: made in the background; the status page links to the report.
    started = auditor.submit("/audit/reports", "/audit/reports", {"since": today, "until": today})
    made = result_of(auditor, started)
    assert made.status_code == 200, made.text
    assert re.fullmatch(r"/audit/reports/\d+", made.url.path)
    assert "定期分析" in made.text
    assert "'unsafe-inline'" in made.headers["content-security-policy"]
    assert "script-src" not in made.headers["content-security-policy"]
    listed = auditor.get("/audit/reports")
    assert f'action="{made.url.path}/pdf"' in listed.text
    board = auditor.get("/")
    assert made.url.path in board.text
    pdf = result_of(auditor, auditor.submit("/audit/reports", f"{made.url.path}/pdf", {}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_roles_and_csrf_on_the_oversight_screens(web: Web):
    clerk = _signed_in(web, "clerk")
    for path in ("/audit", "/audit/verify", "/audit/reports", "/disposal", "/disposal/batches"):
        assert clerk.get(path).status_code == 403, path
    admin = _signed_in(web, "admin")
    assert admin.get("/audit").status_code == 403
    auditor = _signed_in(web, "auditor")
    # The auditor reads disposal records but cannot plan one.
    assert auditor.get("/disposal/batches").status_code == 200
    plan = auditor.submit("/disposal/batches", "/disposal/batches", {"reason": "x"})
    assert plan.status_code == 403
    # Every form needs its CSRF token.
    assert auditor.client.post("/audit/verify", data={}).status_code == 403
    assert auditor.client.post("/audit", data={"actor": "clerk"}).status_code == 403
    manager = _signed_in(web, "manager")
    assert manager.client.post("/disposal/batches", data={"reason": "x"}).status_code == 403


@pytest.mark.usefixtures("no_grace")
def test_the_questions_the_trail_answers(web: Web):
    """DESIGN.md §6: who used a person's number; the impact scope of an account (影響範囲
    の特定, 事業者編 別添 漏えい等事案への対応); exports, take-outs, provisions, disposals."""
    ids, numbers = _persons(web, 2, ended=0)
    auditor = _signed_in(web, "auditor")
    page = auditor.get("/audit/questions")
    assert page.status_code == 200
    usage = auditor.submit("/audit/questions", "/audit/questions/person-usage",
                           {"person_id": ids[0]})  # fmt: skip
    assert usage.status_code == 200, usage.text
    assert "number:acquire" in usage.text and "clerk" in usage.text
    assert "個人番号の取得（number:acquire）" in usage.text  # issue #18: named, the code after
    scope = auditor.submit(
        "/audit/questions", "/audit/questions/impact-scope",
        {"actor": "clerk", "since": "2020-01-01", "until": "2099-12-31"},
    )  # fmt: skip
    assert scope.status_code == 200, scope.text
    assert ids[0] in scope.text and ids[1] in scope.text
    csv = auditor.submit(
        "/audit/questions", "/audit/questions/impact-scope",
        {"actor": "clerk", "since": "2020-01-01", "until": "2099-12-31", "output": "csv"},
    )  # fmt: skip
    assert csv.headers["content-type"].startswith("text/csv")
    assert ids[0] in csv.text
    activity = auditor.submit("/audit/questions", "/audit/questions/activity",
                              {"kinds": "disposals"})  # fmt: skip
    assert activity.status_code == 200 and 'class="answer-rows">0<' in activity.text
    # Impact scope needs a period; what was typed comes back, except a number.
    refused = auditor.submit("/audit/questions", "/audit/questions/impact-scope",
                             {"actor": "clerk", "client_address": numbers[0]})  # fmt: skip
    assert refused.status_code == 422 and 'value="clerk"' in refused.text
    # A number typed as the address is refused before the question is recorded.
    typo = auditor.submit(
        "/audit/questions", "/audit/questions/impact-scope",
        {"client_address": numbers[0], "since": "2020-01-01", "until": "2099-12-31"},
    )  # fmt: skip
    assert typo.status_code == 422
    with web.api.vault.transaction() as session:
        details = session.scalars(select(AuditEntry.details)).all()
    assert not any(numbers[0] in str(d) for d in details)
    _no_number(numbers, page, usage, scope, csv, activity, refused, typo)
    assert _signed_in(web, "manager").get("/audit/questions").status_code == 403
