"""Transfers on the screens (issue #6): CSV import with its line-numbered error report,
take-outs as two people's work (事業者編 別添1 物理的安全管理措置 c, 電子媒体等の持出し;
DESIGN.md §4 separation of duties), provisions with their legal basis (番号法第19条)."""

from __future__ import annotations

import csv
import io
import os
import re
import uuid

import pyrage
from sqlalchemy import select
from starlette.formparsers import MultiPartParser

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_numbers
from mnvault.transfer import jobs as jobs_module
from mnvault.transfer.views import IMPORT_MAX_BYTES
from mnvault.vault.csvfile import COLUMNS
from mnvault.vault.importer import ImportMode
from mnvault.vault.models import ExportRequest, Person, Provision
from tests.conftest import MaskedList, MaskedStr
from tests.web_support import Browser, Web, csrf_of, web

__all__ = ["web"]

SLIP = "withholding_slip"


def _csv(numbers: list[str], *, bad_line: int | None = None) -> bytes:
    """Persons E1…; the person on file line ``bad_line`` gets a broken check digit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for i, good in enumerate(numbers, start=1):
        number = good[:11] + str((int(good[11]) + 1) % 10) if bad_line == i + 1 else good
        writer.writerow([f"E{i}", "employee", f"試験 {i}", number, "my_number_card",
                         "my_number_card", "", "", "", "", ""])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _upload(
    browser: Browser, data: bytes, *, mode: str = "skip_bad", affair: str = SLIP, **more: str
):
    token = csrf_of(browser.get("/imports/new").text)
    return browser.client.post(
        "/imports/new",
        data={"csrf_token": token, "affair": affair, "mode": mode, **more},
        files={"file": ("persons.csv", data, "text/csv")},
    )


def _finished(web: Web, answer) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    found = re.fullmatch(r"/imports/([A-Za-z0-9_-]+)", answer.url.path)
    assert found, answer.url
    web.api.app.state.import_jobs.wait(found.group(1))
    return found.group(1), answer.url.path


def _entries(web: Web, action: str) -> list[AuditEntry]:
    with web.api.vault.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_import_skips_a_bad_line_and_reports_its_line_number(web: Web):
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(3, 301))
    data = _csv(numbers, bad_line=3)
    clerk = web.browser()
    clerk.sign_in("clerk")
    started = _upload(clerk, data)
    assert started.status_code == 200
    job_id, path = _finished(web, started)
    done = clerk.get(path)
    assert done.headers["cache-control"] == "no-store"
    assert re.search(r'id="count-imported">2<', done.text)
    assert re.search(r'id="count-rejected">1<', done.text)
    assert re.search(r"<td>3</td><td>個人番号", done.text)  # the line number, in Japanese
    assert all(n not in done.text for n in numbers)
    bad = numbers[1][:11] + str((int(numbers[1][11]) + 1) % 10)
    assert bad not in done.text
    report = clerk.get(f"/imports/{job_id}/errors.csv")
    assert report.headers["content-type"].startswith("text/csv")
    assert report.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["line", "reason_ja", "reason_en"]
    assert [r[0] for r in rows[1:]] == ["3"] and rows[1][2].startswith("my_number")
    assert bad not in report.text and all(n not in report.text for n in numbers)
    assert _entries(web, "import:start") and _entries(web, "import:finish")
    assert len(_entries(web, "number:acquire")) == 2
    # Another person cannot see this job, even with its address.
    other = web.browser()
    other.sign_in("clerk2")
    assert other.get(path).status_code == 404
    assert other.get(f"/imports/{job_id}/errors.csv").status_code == 404


def test_import_all_or_nothing_stores_nothing(web: Web):
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(2, 302))
    clerk = web.browser()
    clerk.sign_in("clerk")
    started = _upload(clerk, _csv(numbers, bad_line=2), mode="all_or_nothing")
    _job, path = _finished(web, started)
    done = clerk.get(path)
    assert "何も取り込んでいません" in done.text
    assert re.search(r'id="count-rejected">1<', done.text)
    assert re.search(r"<td>2</td><td>個人番号", done.text)
    assert not _entries(web, "number:acquire")


def test_import_reads_the_encoding_chosen_on_the_screen_and_refuses_nul(web: Web):
    """Issue #11: a Shift_JIS (cp932) upload imports when chosen on the screen (and when
    detected); read as UTF-8 its kanji lines are line errors; a NUL byte is a line error."""
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(4, 303))
    sjis = _csv(numbers).decode("utf-8").encode("cp932")  # csv.writer ends lines CRLF
    clerk = web.browser()
    clerk.sign_in("clerk")
    assert 'name="encoding"' in clerk.get("/imports/new").text
    _job, path = _finished(web, _upload(clerk, sjis, encoding="utf-8", mode="all_or_nothing"))
    done = clerk.get(path)
    assert re.search(r"<td>2</td><td>UTF-8 として読めないバイト", done.text)
    _job, path = _finished(web, _upload(clerk, sjis, encoding="cp932"))
    done = clerk.get(path)
    assert re.search(r'id="count-imported">4<', done.text)
    assert re.search(r'id="encoding">cp932 \(Shift_JIS\)<', done.text)
    with web.api.vault.transaction() as session:
        assert session.scalars(select(Person.name).where(Person.external_ref == "E3")).one() == (
            "試験 3"
        )
    more = MaskedList(MaskedStr(n) for n in generate_my_numbers(2, 304))
    nul = _csv(more).replace(b"E1,", b"F1,").replace(b"E2,", b"F\x002,")
    _job, path = _finished(web, _upload(clerk, nul))
    done = clerk.get(path)
    assert re.search(r"<td>3</td><td>NUL文字", done.text)
    assert re.search(r'id="count-imported">1<', done.text)


def test_import_form_errors_keep_the_choices(web: Web):
    clerk = web.browser()
    clerk.sign_in("clerk")
    # No file: the form comes back with the mode chosen.
    token = csrf_of(clerk.get("/imports/new").text)
    answer = clerk.client.post(
        "/imports/new", data={"csrf_token": token, "affair": SLIP, "mode": "all_or_nothing"},
        files={"file": ("", b"", "text/csv")},
    )  # fmt: skip
    assert answer.status_code == 422
    assert 'id="form-error"' in answer.text
    assert re.search(r'value="all_or_nothing" checked', answer.text)
    # An affair the clerk does not hold.
    refused = _upload(clerk, b"x", affair="no_such_affair")
    assert refused.status_code == 422 and "担当している事務" in refused.text
    # Without the CSRF token: refused before anything runs.
    forged = clerk.client.post(
        "/imports/new", data={"affair": SLIP}, files={"file": ("a.csv", b"x", "text/csv")}
    )
    assert forged.status_code == 403
    assert not _entries(web, "import:start")


def test_an_upload_over_the_in_memory_limit_is_refused_unread(web: Web, monkeypatch):
    clerk = web.browser()
    clerk.sign_in("clerk")
    monkeypatch.setattr("mnvault.transfer.views.IMPORT_MAX_BYTES", 1000)
    answer = _upload(clerk, b"x" * 2000)
    assert answer.status_code == 422
    assert "6 MB" in answer.text
    assert not _entries(web, "import:start")
    # What is admitted stays within what the multipart parser keeps in memory.
    assert MultiPartParser.spool_max_size >= IMPORT_MAX_BYTES


def test_the_import_reads_the_file_from_memory_not_disk(web: Web, monkeypatch):
    seen: list[tuple[int, tuple[int, int]]] = []
    real = jobs_module.in_memory_file

    def spy(data: bytes) -> int:
        fd = real(data)
        status = os.fstat(fd)
        seen.append((fd, (status.st_dev, status.st_ino)))
        return fd

    monkeypatch.setattr(jobs_module, "in_memory_file", spy)
    clerk = web.browser()
    clerk.sign_in("clerk")
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(1, 303))
    _finished(web, _upload(clerk, _csv(numbers)))
    assert seen  # a memfd, closed when the job ended
    assert all(not _still_the_memfd(fd, identity) for fd, identity in seen)


def _still_the_memfd(fd: int, identity: tuple[int, int]) -> bool:
    # The descriptor's number may since have been reused by another file (a database
    # connection, say): closed means that number no longer names the same memfd.
    try:
        status = os.fstat(fd)
    except OSError:
        return False
    return (status.st_dev, status.st_ino) == identity


# -- take-outs ---------------------------------------------------------------------------------


def _request(clerk: Browser, recipient: str, purpose: str = "年末調整の外部委託") -> str:
    answer = clerk.submit(
        "/exports", "/exports", {"affair": SLIP, "purpose": purpose, "recipient": recipient}
    )
    found = re.fullmatch(r"/exports/([0-9a-f-]{36})", answer.url.path)
    assert found, answer.text
    return found.group(1)


def test_take_out_requested_approved_by_another_then_downloaded(web: Web):
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(2, 304))
    clerk = web.browser()
    clerk.sign_in("clerk")
    _finished(web, _upload(clerk, _csv(numbers)))
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    # A bad key: the form keeps the purpose.
    refused = clerk.submit(
        "/exports", "/exports", {"affair": SLIP, "purpose": "委託", "recipient": "age1bad"}
    )
    assert refused.status_code == 422 and 'value="委託"' in refused.text
    request_id = _request(clerk, recipient)
    page = clerk.get(f"/exports/{request_id}")
    assert "承認待ち" in page.text and "Download" not in page.text
    assert "ダウンロード" not in page.text.split("two-people")[1].split("</ol>")[1]
    # The clerk cannot decide at all.
    assert (
        clerk.submit(
            f"/exports/{request_id}", f"/exports/{request_id}/decide", {"decision": "approve"}
        ).status_code
        == 403
    )
    manager = web.browser()
    manager.sign_in("manager")
    waiting = manager.get("/exports")
    assert f"/exports/{request_id}" in waiting.text and "clerk" in waiting.text
    approved = manager.submit(
        f"/exports/{request_id}", f"/exports/{request_id}/decide", {"decision": "approve"}
    )
    assert approved.status_code == 200
    assert 'id="requested-by">clerk（clerk）' in approved.text
    assert 'id="decided-by">manager（manager）' in approved.text
    # Only the requester downloads.
    assert (
        manager.submit(f"/exports/{request_id}", f"/exports/{request_id}/download", {}).status_code
        == 403
    )
    assert not _entries(web, "export:create")
    got = clerk.submit(f"/exports/{request_id}", f"/exports/{request_id}/download", {})
    assert got.status_code == 200
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert all(n not in str(got.url) and n.encode() not in got.content for n in numbers)
    plain = pyrage.decrypt(got.content, [identity]).decode("utf-8")
    assert all(n in plain for n in numbers)
    assert _entries(web, "export:request") and _entries(web, "export:approve")
    assert len(_entries(web, "export:create")) == 2  # one per person
    with web.api.vault.transaction() as session:
        row = session.get(ExportRequest, uuid.UUID(request_id))
        assert row is not None and row.state == "downloaded"
        details = " ".join(str(e.details) for e in session.scalars(select(AuditEntry)))
        assert all(n not in details for n in numbers)
    # Once only.
    again = clerk.submit(f"/exports/{request_id}", f"/exports/{request_id}/download", {})
    assert again.status_code == 422 and 'id="form-error"' in again.text


def test_a_manager_cannot_approve_their_own_request(web: Web):
    with web.api.vault.transaction() as session:
        admin = Context(actor_id=web.api.users["admin"], organisation_id=web.api.organisation_id)
        user = session.get(User, web.api.users["manager"])
        access.assign(
            session, admin, user=user, affair=get_affair(session, web.api.organisation_id, SLIP)
        )
    manager = web.browser()
    manager.sign_in("manager")
    request_id = _request(manager, str(pyrage.x25519.Identity.generate().to_public()))
    page = manager.get(f"/exports/{request_id}")
    assert 'id="own-request"' in page.text
    refused = manager.submit(
        f"/exports/{request_id}", f"/exports/{request_id}/decide", {"decision": "approve"}
    )
    assert refused.status_code == 403
    assert "自分の申請は承認も却下もできません" in refused.text
    assert "承認待ち" in refused.text
    denied = [e for e in _entries(web, "access:denied") if e.actor_id == web.api.users["manager"]]
    assert denied and not _entries(web, "export:approve")


# -- provisions ------------------------------------------------------------------------------


def test_a_provision_is_recorded_with_its_legal_basis(web: Web):
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(1, 305))
    clerk = web.browser()
    clerk.sign_in("clerk")
    _finished(web, _upload(clerk, _csv(numbers)))
    with web.api.vault.transaction() as session:
        person_id = session.scalars(select(Person.id).where(Person.external_ref == "E1")).one()
    page = f"/persons/{person_id}/provide"
    assert "番号法第19条第2号" in clerk.get(page).text
    # Missing the legal basis: the typed recipient name stays.
    incomplete = clerk.submit(page, page, {
        "affair": SLIP, "recipient_kind": "tax_office", "recipient_name": "麹町税務署",
        "legal_basis": "", "method": "electronic_filing",
    })  # fmt: skip
    assert incomplete.status_code == 422 and 'value="麹町税務署"' in incomplete.text
    done = clerk.submit(page, page, {
        "affair": SLIP, "recipient_kind": "tax_office", "recipient_name": "麹町税務署",
        "legal_basis": "番号法第19条第2号", "method": "electronic_filing",
    })  # fmt: skip
    assert done.status_code == 200 and done.url.path == page
    assert 'id="provisions"' in done.text and "麹町税務署" in done.text
    assert numbers[0] not in done.text
    with web.api.vault.transaction() as session:
        provision = session.scalars(select(Provision)).one()
        assert provision.legal_basis == "番号法第19条第2号"
    entries = _entries(web, "provision:create")
    assert [e.person_id for e in entries] == [person_id]
    # A basis outside the list is refused on the form.
    odd = clerk.submit(page, page, {
        "affair": SLIP, "recipient_kind": "tax_office", "recipient_name": "x",
        "legal_basis": "番号法第99条", "method": "paper",
    })  # fmt: skip
    assert odd.status_code == 422


def test_a_running_import_offers_a_reload_link_and_polls_without_inline_script(web: Web):
    clerk = web.browser()
    clerk.sign_in("clerk")
    jobs = jobs_module.ImportJobs()
    job = jobs_module.WebImport(
        "running-job", web.api.users["clerk"], "big.csv", [SLIP], ImportMode.SKIP_BAD, 1000,
        position=250,
    )  # fmt: skip
    jobs._jobs[job.id] = job
    web.api.app.state.import_jobs = jobs
    page = clerk.get("/imports/running-job")
    assert page.status_code == 200
    assert 'href="/imports/running-job"' in page.text  # works without JavaScript
    assert 'src="/static/import-progress.js"' in page.text
    assert 'http-equiv="refresh"' not in page.text and "<script>" not in page.text
    assert 'value="25"' in page.text


def test_the_transfer_screens_in_english(web: Web):
    clerk = web.browser()
    clerk.sign_in("clerk")
    clerk.submit("/exports", "/language", {"lang": "en", "next": "/exports"})
    assert "Request a take-out" in clerk.get("/exports").text
    assert "Import persons from CSV" in clerk.get("/imports/new").text
    refused = clerk.submit(
        "/exports", "/exports", {"affair": SLIP, "purpose": "p", "recipient": "age1bad"}
    )
    assert refused.status_code == 422 and "malformed age recipient" in refused.text
