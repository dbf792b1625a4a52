"""Issue #17, the screens: the incident list and page (Japanese first) with the 確報 countdown,
steps, containment, drafts and their export; a number typed in free text is masked on the
page; a clerk is refused."""

from __future__ import annotations

import random
import re

from mnvault.numbers import generate_my_number
from tests.conftest import MaskedStr
from tests.web_support import Web, web

__all__ = ["web"]


def test_incident_pages(web: Web) -> None:
    number = MaskedStr(generate_my_number(random.Random(117)))
    manager = web.browser()
    manager.sign_in("manager")
    listing = manager.get("/incidents")
    assert listing.status_code == 200, listing.text
    assert "漏えい等事案" in listing.text and 'id="no-incidents"' in listing.text
    opened = manager.submit(
        "/incidents", "/incidents",
        {"title": "源泉徴収票の誤送付", "event": "leak", "aware_on": "2026-12-01",
         "unit": "人事部", "persons_max": "150", "system": "other",
         "summary": f"番号 {number[:4]}-{number[4:8]}-{number[8:]} を記載"},
    )  # fmt: skip
    assert opened.status_code == 200, opened.text
    page_path = opened.url.path
    assert re.search(r'id="final-due" class="countdown[^"]*" data-days="-?\d+"', opened.text)
    assert "2027/01/04" in opened.text  # issue #18: one format
    assert 'data-reportable="true"' in opened.text
    assert number not in opened.text

    stepped = manager.submit(
        page_path, f"{page_path}/steps/2A", {"action": "done", "note": "報告済"}
    )
    assert re.search(r'id="step-2A" data-done="true"', stepped.text), stepped.text
    drafted = manager.submit(page_path, f"{page_path}/drafts", {"kind": "final"})
    assert 'data-kind="final" data-version="1"' in drafted.text
    link = re.search(r'href="(/incidents/[^"]+\.pdf)"', drafted.text)
    assert link
    pdf = manager.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert number not in drafted.text

    clerk = web.browser()
    clerk.sign_in("clerk")
    assert clerk.get(page_path).status_code == 403


def test_a_file_is_kept_sealed_with_the_incident(web: Web) -> None:
    """Issue #17 / COMMON sealed attachments: a PDF kept with the incident comes back whole; a
    clerk cannot fetch it."""
    manager = web.browser()
    manager.sign_in("manager")
    opened = manager.submit(
        "/incidents", "/incidents",
        {"title": "媒体の紛失", "event": "loss", "aware_on": "2026-12-01", "unit": "総務部"},
    )  # fmt: skip
    page_path = opened.url.path
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    token = re.search(r'name="csrf_token" value="([^"]+)"', manager.get(page_path).text)
    assert token
    kept = manager.client.post(
        f"{page_path}/files",
        data={"csrf_token": token.group(1)},
        files={"upload": ("受付票.pdf", pdf, "application/pdf")},
    )
    assert kept.status_code == 200, kept.text
    link = re.search(r'href="(/incidents/[^"]+/files/[^"]+)"', kept.text)
    assert link and "受付票.pdf" in kept.text
    fetched = manager.get(link.group(1))
    assert fetched.status_code == 200 and fetched.content == pdf


def test_the_admin_seals_the_server_from_the_incident_page(web: Web) -> None:
    """Issue #17 containment: sealing from the incident is the admin's audited act."""
    manager = web.browser()
    manager.sign_in("manager")
    opened = manager.submit(
        "/incidents", "/incidents",
        {"title": "不正アクセスの疑い", "event": "leak_suspected", "aware_on": "2026-12-01",
         "unit": "情報システム部"},
    )  # fmt: skip
    page_path = opened.url.path
    admin = web.browser()
    admin.sign_in("admin")
    sealed = admin.submit(page_path, f"{page_path}/contain", {"act": "seal_server"})
    assert web.api.app.state.vault.keyring.sealed
    assert sealed.status_code in (200, 503)


def test_the_admin_rotates_the_keys_from_the_incident_page(web: Web) -> None:
    """Issue #17 containment: a key rotation started from the incident is kept on it."""
    manager = web.browser()
    manager.sign_in("manager")
    opened = manager.submit(
        "/incidents", "/incidents",
        {"title": "鍵の漏えいの疑い", "event": "leak_suspected", "aware_on": "2026-12-01",
         "unit": "情報システム部"},
    )  # fmt: skip
    page_path = opened.url.path
    admin = web.browser()
    admin.sign_in("admin")
    rotated = admin.submit(page_path, f"{page_path}/contain", {"act": "rotate_keys"})
    assert rotated.status_code == 200, rotated.text
    assert "鍵の更新" in rotated.text and "rotated to version" in rotated.text
