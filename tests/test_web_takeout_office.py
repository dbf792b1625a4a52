"""Take-outs an office can send, on the screens (issue #18, "Take-outs an office can
send"): the workbook's passphrase shown once to the requester, the approver's preview
(persons and columns, no number), and the register of recipients kept by managers."""

from __future__ import annotations

import re

import pyrage
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from tests.api_support import SLIP, acquire
from tests.conftest import synthetic_numbers
from tests.web_support import Web, web

__all__ = ["web"]


def test_workbook_passphrase_shown_once_and_the_approver_sees_the_preview(web: Web):
    """Items 1 (b) and 2: shown once (a POST's answer, no-store), never on the request's
    page; the manager's page lists persons and columns and holds no number."""
    numbers = synthetic_numbers(2, seed=1821)
    token = web.api.full_session("clerk")
    for i, number in enumerate(numbers):
        acquire(web.api, token, f"E{i:04}", number)
    clerk = web.browser()
    clerk.sign_in("clerk")
    shown = clerk.submit(
        "/exports", "/exports",
        {"affair": SLIP, "purpose": "税理士へ", "protection": "excel_passphrase"},
    )  # fmt: skip
    assert shown.status_code == 201, shown.text
    assert shown.headers["cache-control"] == "no-store"
    found = re.search(r'id="workbook-passphrase"[^>]*>([a-z2-9-]{24})<', shown.text)
    assert found, shown.text
    passphrase = found.group(1)
    request_id = re.search(r'href="/exports/([0-9a-f-]{36})"', shown.text)
    assert request_id
    page = clerk.get(f"/exports/{request_id.group(1)}")
    assert passphrase not in page.text and 'id="request-protection"' in page.text
    assert passphrase not in clerk.get("/exports").text
    manager = web.browser()
    manager.sign_in("manager")
    approval = manager.get(f"/exports/{request_id.group(1)}")
    assert 'id="preview-count">2<' in approval.text
    assert "個人番号" in approval.text and "氏名" in approval.text and "社員番号等" in approval.text
    assert passphrase not in approval.text and all(n not in approval.text for n in numbers)
    # A recipient's key is not asked for a workbook, and a workbook is never a CSV.
    assert (
        clerk.submit(
            "/exports", "/exports",
            {"affair": SLIP, "purpose": "税理士へ", "protection": "age", "recipient": ""},
        ).status_code
        == 422
    )  # fmt: skip


def test_register_of_recipients_on_the_screens(web: Web):
    """Item 1 (c): the clerk reads the register and picks from it; only a manager adds
    (the key checked, the error bilingual) and removes; both audited."""
    manager = web.browser()
    manager.sign_in("manager")
    key = str(pyrage.x25519.Identity.generate().to_public())
    bad = manager.submit(
        "/takeout-recipients", "/takeout-recipients",
        {"name": "港区役所", "kind": "municipality", "public_key": "age1nope"},
    )  # fmt: skip
    assert bad.status_code == 422 and "受取人の公開鍵が不正です" in bad.text
    assert 'value="港区役所"' in bad.text
    added = manager.submit(
        "/takeout-recipients", "/takeout-recipients",
        {"name": "港区役所", "kind": "municipality", "public_key": key},
    )  # fmt: skip
    assert added.status_code == 200 and key in added.text and "市区町村" in added.text
    clerk = web.browser()
    clerk.sign_in("clerk")
    listed = clerk.get("/takeout-recipients")
    assert key in listed.text and 'action="/takeout-recipients"' not in listed.text
    form = clerk.get("/exports")
    assert 'id="protection-registered"' in form.text and "港区役所" in form.text
    refused = clerk.submit(
        "/takeout-recipients", "/takeout-recipients",
        {"name": "偽物", "kind": "other", "public_key": key},
    )  # fmt: skip
    assert refused.status_code == 403
    entry_id = re.search(r'action="/takeout-recipients/([0-9a-f-]{36})/remove"', added.text)
    assert entry_id
    path = f"/takeout-recipients/{entry_id.group(1)}/remove"
    assert manager.submit("/takeout-recipients", path, {}).status_code == 200
    assert key not in manager.get("/takeout-recipients").text
    with web.api.vault.transaction() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"takeout_recipient:add", "takeout_recipient:remove"} <= actions
