"""Issue #14, the compliance page: grouped as 別添1 groups them, state badges, the overdue/open
filters, a reason and link per measure, the summary per group; Japanese first with the English
switch; a manager records evidence, an admin reads, a clerk is refused; no number on the page."""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date, timedelta

from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from tests.api_support import acquire
from tests.conftest import MaskedStr
from tests.support.jobs import result_of
from tests.web_support import Web, web

__all__ = ["web"]


def test_compliance_page(web: Web) -> None:
    number = MaskedStr(generate_my_number(random.Random(91)))
    acquire(web.api, web.api.full_session("clerk"), "E1", number)
    manager = web.browser()
    manager.sign_in("manager")
    page = manager.get("/compliance")
    assert page.status_code == 200, page.text
    assert "安全管理措置の状況" in page.text  # Japanese first
    assert re.search(r'<tr id="J-2G" data-state="open">', page.text)
    assert re.search(r'<tr id="J-2Fb" data-state="met_by_system">', page.text)
    assert 'id="g-2C"' in page.text and "組織的安全管理措置" in page.text
    assert "2F 技術的安全管理措置: システムで充足" in page.text
    assert number not in page.text

    recorded = manager.submit(
        "/compliance", "/compliance/evidence",
        {"measure_id": "J-2G", "title": "外国での取扱いなし", "performed_on": "2026-01-05"},
    )  # fmt: skip
    assert recorded.status_code == 200, recorded.text
    assert re.search(r'<tr id="J-2G" data-state="evidenced">', recorded.text)
    refused = manager.submit(
        "/compliance", "/compliance/evidence", {"measure_id": "J-2A", "title": f"方針 {number}"}
    )
    assert refused.status_code == 422 and number not in refused.text

    a_year_ago = (date.today() - timedelta(days=360)).isoformat()  # training: yearly by default
    manager.submit(
        "/compliance", "/compliance/evidence",
        {"measure_id": "J-2Db", "title": "番号事務研修", "performed_on": a_year_ago},
    )  # fmt: skip
    board = manager.get("/")
    assert 'id="compliance-summary"' in board.text and "2F 技術的安全管理措置" in board.text
    assert 'href="/compliance#J-2Db"' in board.text  # lapses within 30 days: a reminder
    assert number not in board.text

    open_only = manager.get("/compliance?state=open")
    states = set(re.findall(r'<tr id="[^"]+" data-state="([a-z_]+)"', open_only.text))
    assert states == {"open"}

    # Issue #18: made in the background; the status page offers the download.
    started = manager.submit("/compliance", "/compliance/evidence-pack", {})
    download = result_of(manager, started)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert sorted(names) == [
        "compliance.pdf",
        "compliance.xlsx",
        "spi-files.csv",
        "trail-statement.json",
    ]
    # The entry the page made when it built the pack in the request, now made by the job:
    # the same service with the request's own context (its id and client address).
    with web.api.vault.transaction() as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "compliance:evidence_pack")
        )
        assert entry.request_id == started.history[0].headers["x-request-id"]
        assert (entry.actor_id, entry.outcome) == (web.api.users["manager"], "ok")
        assert entry.client_address == "testclient"

    manager.client.cookies.set("mnv_lang", "en")
    english = manager.get("/compliance")
    assert "Compliance with the safety measures" in english.text

    admin = web.browser()
    admin.sign_in("admin")
    assert admin.get("/compliance").status_code == 200
    assert 'id="evidence-form"' not in admin.get("/compliance").text
    clerk = web.browser()
    clerk.sign_in("clerk")
    assert clerk.get("/compliance").status_code == 403
