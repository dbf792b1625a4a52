"""Persons on the screens (issue #6): list and search, by number through the blind index
(POST only), a person's record, reveal for an affair (audited, no-store), acquire with
identity verification (番号法第16条), correction with a reason, a clerk refused a person
outside their assignments (事業者編 別添1 (6)① アクセス制御)."""

from __future__ import annotations

import random
import re
import uuid

from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number, generate_my_numbers
from tests.conftest import MaskedStr
from tests.support.web import Browser, Web, acquire_on_screen, register_person, web

__all__ = ["web"]

SLIP = "withholding_slip"


def _number(seed: int) -> str:
    return MaskedStr(generate_my_number(random.Random(seed)))


# Helpers other screen tests took from here, now in tests/support/web.py.
_register = register_person
_acquire = acquire_on_screen


def _plain(html: str) -> str:
    """The page's text: a revealed number is shown grouped 4-4-4 (issue #18) in spans."""
    return re.sub(r"<[^>]+>", "", html)


def _visited(browser: Browser, *responses: object) -> list[str]:
    urls: list[str] = []
    for response in responses:
        for step in [*response.history, response]:  # type: ignore[attr-defined]
            urls.append(str(step.url))
    return urls


def test_acquire_with_verification_then_reveal_for_an_affair(web: Web):
    number = _number(11)
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E100")
    # A wrong check digit: the form comes back with the documents chosen, not the number.
    bad = str(int(number[:11] + number[11]) + 1)[-12:].zfill(12)
    if bad == number:
        bad = number[:11] + str((int(number[11]) + 1) % 10)
    refused = _acquire(clerk, person_id, MaskedStr(bad), identity_check_document="passport")
    assert refused.status_code == 422
    assert bad not in refused.text
    assert re.search(r'value="passport"\s+checked', refused.text)
    assert 'id="form-error"' in refused.text
    done = _acquire(clerk, person_id, number)
    assert done.url.path == f"/persons/{person_id}"
    assert number not in done.text and "************" in done.text
    assert "個人番号カード" in done.text  # the verification record
    # Reveal: POST with the affair; the page is no-store and carries the number once.
    revealed = clerk.submit(
        f"/persons/{person_id}", f"/persons/{person_id}/reveal", {"affair": SLIP}
    )
    assert revealed.status_code == 200
    assert _plain(revealed.text).count(number) == 1
    assert re.search(r'<span class="digits">\d{4}</span>' * 3, revealed.text)  # issue #18
    assert revealed.headers["cache-control"] == "no-store"
    assert 'src="/static/reveal.js"' in revealed.text
    title = re.search(r"<title>(.*?)</title>", revealed.text, re.S)
    assert title and number not in title.group(1)
    assert all(number not in url for url in _visited(clerk, done, revealed))
    with web.api.vault.transaction() as session:
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "number:read",
                AuditEntry.person_id == uuid.UUID(person_id),
            )
        ).all()
        assert len(reads) == 1 and reads[0].affair_code == SLIP
        assert all(number not in str(e.details) for e in session.scalars(select(AuditEntry)))
    # The hide link is a plain page without the number.
    hidden = clerk.get(f"/persons/{person_id}")
    assert number not in hidden.text


def test_reveal_for_an_affair_the_number_was_not_acquired_for_is_refused(web: Web):
    number = _number(12)
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E101")
    _acquire(clerk, person_id, number)
    other = clerk.submit(
        f"/persons/{person_id}", f"/persons/{person_id}/reveal",
        {"affair": "dependent_deduction_declaration"},
    )  # fmt: skip
    assert other.status_code == 422
    assert number not in _plain(other.text)


def test_search_by_name_kind_and_by_number_never_puts_them_in_a_url(web: Web):
    numbers = [MaskedStr(n) for n in generate_my_numbers(2, 13)]
    clerk = web.browser()
    clerk.sign_in("clerk")
    first = _register(clerk, "E200", "山田 花子")
    _register(clerk, "D201", "山田 次郎", kind="dependent")
    _acquire(clerk, first, numbers[0])
    listed = clerk.get("/persons")
    assert "E200" in listed.text and "D201" in listed.text
    assert numbers[0] not in listed.text
    by_name = clerk.submit("/persons", "/persons", {"q": "花子"})
    assert "E200" in by_name.text and "D201" not in by_name.text
    by_kind = clerk.submit("/persons", "/persons", {"kind": "dependent"})
    assert "D201" in by_kind.text and "E200" not in by_kind.text
    held = clerk.submit("/persons", "/persons", {"status": "held"})
    assert "E200" in held.text and "D201" not in held.text
    awaiting = clerk.submit("/persons", "/persons", {"status": "awaiting"})
    assert "D201" in awaiting.text and "E200" not in awaiting.text
    unknown = clerk.submit("/persons", "/persons", {"status": "nonsense"})  # ignored: all
    assert "D201" in unknown.text and "E200" in unknown.text
    found = clerk.submit("/persons", "/persons/lookup", {"my_number": numbers[0], "affair": SLIP})
    assert found.url.path == f"/persons/{first}"
    missing = clerk.submit("/persons", "/persons/lookup", {"my_number": numbers[1], "affair": SLIP})
    assert missing.url.path == "/persons/lookup" and "該当する対象者はいません" in missing.text
    assert all(n not in u for n in numbers for u in _visited(clerk, found, missing, by_name))
    assert all(n not in missing.text for n in numbers)
    with web.api.vault.transaction() as session:
        lookups = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "number:lookup")
        ).all()
        assert len(lookups) == 2


def test_a_clerk_outside_the_scope_is_refused_and_the_refusal_is_audited(web: Web):
    number = _number(14)
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E300")
    _acquire(clerk, person_id, number)
    stranger = web.browser()
    stranger.sign_in("clerk2")  # assigned to nothing
    assert "E300" not in stranger.get("/persons").text
    refused = stranger.get(f"/persons/{person_id}")
    assert refused.status_code == 403
    assert "E300" not in refused.text and number not in refused.text
    reveal = stranger.client.post(
        f"/persons/{person_id}/reveal",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', refused.text)[1],
              "affair": SLIP},
    )  # fmt: skip
    assert reveal.status_code == 403 and number not in _plain(reveal.text)
    with web.api.vault.transaction() as session:
        denied = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "access:denied",
                AuditEntry.actor_id == web.api.users["clerk2"],
            )
        ).all()
        assert len(denied) >= 2


def test_admin_sees_persons_masked_and_cannot_reveal(web: Web):
    number = _number(15)
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E400")
    _acquire(clerk, person_id, number)
    admin = web.browser()
    admin.sign_in("admin")
    page = admin.get(f"/persons/{person_id}")
    assert page.status_code == 200 and "************" in page.text
    assert 'action="/persons/' + person_id + '/reveal"' not in page.text
    forced = admin.submit(f"/persons/{person_id}", f"/persons/{person_id}/reveal", {"affair": SLIP})
    assert forced.status_code == 403 and number not in forced.text


def test_correction_needs_a_reason_and_keeps_it(web: Web):
    old, new = (MaskedStr(n) for n in generate_my_numbers(2, 16))
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E500")
    _acquire(clerk, person_id, old)
    form = {
        "affair": SLIP, "number_check_document": "notification_card",
        "identity_check_document": "drivers_licence",
    }  # fmt: skip
    no_reason = clerk.submit(
        f"/persons/{person_id}/correct", f"/persons/{person_id}/correct",
        {**form, "my_number": new, "reason": "  "},
    )  # fmt: skip
    assert no_reason.status_code == 422 and new not in no_reason.text
    assert re.search(r'value="drivers_licence"\s+checked', no_reason.text)
    done = clerk.submit(
        f"/persons/{person_id}/correct", f"/persons/{person_id}/correct",
        {**form, "my_number": new, "reason": "通知カードの記載誤り"},
    )  # fmt: skip
    assert done.url.path == f"/persons/{person_id}"
    assert "通知カードの記載誤り" in done.text and "運転免許証" in done.text
    assert old not in done.text and new not in done.text
    revealed = clerk.submit(
        f"/persons/{person_id}", f"/persons/{person_id}/reveal", {"affair": SLIP}
    )
    assert new in _plain(revealed.text) and old not in _plain(revealed.text)


def test_the_next_page_keeps_the_filters_in_the_body(web: Web):
    from mnvault.access.context import Context
    from mnvault.vault import services as vs
    from mnvault.vault.models import PersonKind

    clerk_ctx = Context(actor_id=web.api.users["clerk"], organisation_id=web.api.organisation_id)
    with web.api.vault.transaction() as session:
        for i in range(55):
            vs.create_person(
                session, clerk_ctx, kind=PersonKind.EMPLOYEE, external_ref=f"P{i:03d}",
                name=f"社員 {i:03d}",
            )  # fmt: skip
        vs.create_person(
            session, clerk_ctx, kind=PersonKind.DEPENDENT, external_ref="Q001", name="家族"
        )
    clerk = web.browser()
    clerk.sign_in("clerk")
    first = clerk.submit("/persons", "/persons", {"kind": "employee"})
    assert "P000" in first.text and "P054" not in first.text and "Q001" not in first.text
    second = clerk.client.post(
        "/persons",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', first.text)[1],
              "kind": "employee", "offset": "50"},
    )  # fmt: skip
    assert "P054" in second.text and "P000" not in second.text and "Q001" not in second.text
    assert second.url.query == b""


def test_a_sealed_vault_answers_a_bilingual_page(web: Web):
    browser = web.browser()
    page = browser.get("/sign-in")
    web.api.app.state.vault.keyring.seal()
    sealed = browser.client.post(
        "/sign-in",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1],
              "login": "admin", "password": "x"},
    )  # fmt: skip
    assert sealed.status_code == 503 and "鍵束が封印されています" in sealed.text


def test_acquire_with_document_images_stored_encrypted(web: Web):
    from mnvault.vault.models import VerificationDocument

    number = _number(17)
    png = b"\x89PNG\r\n\x1a\n" + b"\x07" * 200
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E600")
    page = clerk.get(f"/persons/{person_id}/acquire")
    assert 'enctype="multipart/form-data"' in page.text
    fields = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1],
        "my_number": number, "affairs": SLIP, "number_check_document": "my_number_card",
        "identity_check_document": "passport",
    }  # fmt: skip
    # A file that is no image: refused, nothing acquired, the choices kept.
    refused = clerk.client.post(
        f"/persons/{person_id}/acquire", data=fields,
        files={"identity_image": ("passport.gif", b"GIF89a....", "image/gif")},
    )  # fmt: skip
    assert refused.status_code == 422 and "JPEG・PNG・PDF" in refused.text
    assert re.search(r'value="passport"\s+checked', refused.text)
    assert number not in refused.text
    done = clerk.client.post(
        f"/persons/{person_id}/acquire", data=fields,
        files={"identity_image": ("passport.png", png, "image/png")},
    )  # fmt: skip
    assert done.url.path == f"/persons/{person_id}"
    assert "image/png" in done.text and "暗号化して保存" in done.text
    assert "passport.png" not in done.text
    with web.api.vault.transaction() as session:
        stored = session.scalars(select(VerificationDocument)).one()
        assert stored.check == "identity" and png not in stored.ciphertext
