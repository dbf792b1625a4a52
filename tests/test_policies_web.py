"""Issue #15, the 基本方針・取扱規程 page: Japanese first, a suggestion while nothing is drafted,
a 責任者 drafts and uploads an edited copy on screen, approving their own version is refused
with the reason, the files download; a clerk reads without the forms; a number typed into the
note is masked on the page."""

from __future__ import annotations

import io
import random
import re

import docx

from mnvault.numbers import generate_my_number
from tests.support.web import csrf_of
from tests.web_support import Web, web

__all__ = ["web"]


def test_policies_page(web: Web) -> None:
    number = generate_my_number(random.Random(1516))
    manager = web.browser()
    manager.sign_in("manager")
    page = manager.get("/policies")
    assert page.status_code == 200, page.text
    assert "基本方針・取扱規程" in page.text and 'href="/policies"' in page.text
    assert 'id="handling_rules-suggest"' in page.text

    drafted = manager.submit("/policies", "/policies/handling_rules/draft", {})
    assert drafted.status_code == 200, drafted.text
    assert "案（自動作成）" in drafted.text and 'id="handling_rules-suggest"' not in drafted.text
    link = re.search(r'href="(/policies/versions/[^"]+/file\?format=docx)"', drafted.text)
    assert link, drafted.text
    original = manager.get(link.group(1).replace("&amp;", "&"))
    assert original.status_code == 200 and original.content[:2] == b"PK"
    edited = docx.Document(io.BytesIO(original.content))
    edited.add_paragraph("画面から追記")
    buffer = io.BytesIO()
    edited.save(buffer)
    token = csrf_of(manager.get("/policies").text)
    uploaded = manager.client.post(
        "/policies/handling_rules/upload",
        data={"csrf_token": token, "note": f"メモ {number[:4]} {number[4:8]} {number[8:]}"},
        files={"file": ("取扱規程.docx", buffer.getvalue())},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert "編集版（アップロード）" in uploaded.text and "メモ" in uploaded.text
    assert number not in uploaded.text
    approve = re.search(r'action="(/policies/versions/[^"]+/approve)"', uploaded.text)
    assert approve
    refused = manager.submit("/policies", approve.group(1), {})
    assert refused.status_code == 422 and "本人以外" in refused.text

    clerk = web.browser()
    clerk.sign_in("clerk")
    read = clerk.get("/policies")
    assert read.status_code == 200
    assert 'id="draft-handling_rules"' not in read.text and "案（自動作成）" in read.text
    denied = clerk.submit("/policies", "/policies/handling_rules/draft", {})
    assert denied.status_code == 403
