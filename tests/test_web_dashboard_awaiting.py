"""The clerk's "persons awaiting verification" (issue #6 dashboard) and viewing a stored
verification document on the screens (番号法第16条 本人確認; the image shows the number,
so it is opened like a reveal: 事業者編 別添1 (6)① アクセス制御, audited, no-store)."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.numbers import generate_my_number
from mnvault.orgs import services as orgs
from mnvault.vault.browse import awaiting_verification
from mnvault.vault.models import PersonKind, VerificationDocument
from tests.conftest import MaskedStr, World
from tests.support.builders import SLIP, acquire
from tests.support.builders import person as make_person
from tests.support.web import acquire_on_screen as _acquire
from tests.support.web import register_person as _register
from tests.web_support import Browser, Web, web

__all__ = ["web"]


def _refs(world: World, who: str) -> list[str]:
    with unit_of_work(world.sessions) as session:
        return [p.external_ref for p in awaiting_verification(session, world.ctx(who))]


def test_awaiting_lists_the_clerks_persons_without_a_number(world: World, synthetic_number: str):
    for ref in ("A1", "A2", "A3"):
        make_person(world, ref)
    acquire(world, make_person(world, "A4").id, synthetic_number)
    make_person(world, "A5", PersonKind.DEPENDENT)
    with unit_of_work(world.sessions) as session:
        orgs.create_department(session, world.ctx("admin"), code="HR", name="人事部")
    assert _refs(world, "clerk") == ["A1", "A2", "A3", "A5"]  # oldest first; A4 is held
    # Scoped to one department: persons elsewhere are outside the assignment.
    with unit_of_work(world.sessions) as session:
        hr = orgs.department_by_code(session, world.ctx("admin"), "HR")
        for code in (SLIP, "dependent_deduction_declaration"):
            access.assign(
                session, world.ctx("admin"), user=world.users["clerk"],
                affair=get_affair(session, world.org.id, code), departments=[hr.id],
            )  # fmt: skip
    assert _refs(world, "clerk") == []
    # A kind scope (clerk2: dependents only) sees the dependents only.
    with unit_of_work(world.sessions) as session:
        access.assign(
            session, world.ctx("admin"), user=world.users["clerk2"],
            affair=get_affair(session, world.org.id, "health_pension_insurance"),
            person_kinds=["dependent"],
        )  # fmt: skip
    assert _refs(world, "clerk2") == ["A5"]


def test_awaiting_is_refused_outside_the_organisation(world: World):
    make_person(world, "B1")
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        awaiting_verification(session, world.ctx("outsider", org=world.org))
    # Acting in their own organisation, the outsider sees none of this one's persons.
    with unit_of_work(world.sessions) as session:
        assert awaiting_verification(session, world.ctx("outsider", org=world.other_org)) == []


def test_the_dashboard_links_the_persons_awaiting_verification(web: Web):
    clerk = web.browser()
    board = clerk.sign_in("clerk")
    assert "本人確認待ちの対象者" in board.text
    waiting = _register(clerk, "W100", name="待機 太郎")
    held = _register(clerk, "W200", name="取得 花子")
    _acquire(clerk, held, MaskedStr(generate_my_number(random.Random(31))))
    board = clerk.get("/")
    listed = re.search(r'<ul id="awaiting-persons">(.*?)</ul>', board.text, re.S)
    assert listed, board.text
    assert f'href="/persons/{waiting}"' in listed.group(1) and "待機 太郎" in listed.group(1)
    assert held not in listed.group(1)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x05" * 300


def _with_document(web: Web) -> tuple[Browser, str, str]:
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "D100")
    page = clerk.get(f"/persons/{person_id}/acquire")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    fields = {
        "csrf_token": token[1], "my_number": MaskedStr(generate_my_number(random.Random(32))),
        "affairs": SLIP, "number_check_document": "my_number_card",
        "identity_check_document": "my_number_card",
    }  # fmt: skip
    done = clerk.client.post(
        f"/persons/{person_id}/acquire", data=fields,
        files={"number_image": ("card.png", PNG, "image/png")},
    )  # fmt: skip
    assert done.url.path == f"/persons/{person_id}"
    with web.api.vault.transaction() as session:
        document_id = str(session.scalars(select(VerificationDocument.id)).one())
    assert f"/persons/{person_id}/documents/{document_id}" in done.text
    return clerk, person_id, document_id


def test_a_document_opens_for_an_affair_no_store_and_audited(web: Web):
    clerk, person_id, document_id = _with_document(web)
    action = f"/persons/{person_id}/documents/{document_id}"
    shown = clerk.submit(f"/persons/{person_id}", action, {"affair": SLIP})
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["cache-control"] == "no-store"
    assert shown.headers["content-disposition"].startswith("inline")
    assert shown.headers["x-content-type-options"] == "nosniff"
    with web.api.vault.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "document:read")
        ).one()
        assert entry.affair_code == SLIP and entry.details is not None
        assert entry.details["document_id"] == document_id


def test_a_document_needs_the_csrf_token_and_an_affair(web: Web):
    clerk, person_id, document_id = _with_document(web)
    action = f"/persons/{person_id}/documents/{document_id}"
    forged = clerk.client.post(action, data={"affair": SLIP})
    assert forged.status_code == 403 and PNG not in forged.content
    unchosen = clerk.submit(f"/persons/{person_id}", action, {})
    assert unchosen.status_code == 403 and PNG not in unchosen.content
    # Another clerk, without the affair: refused, and the refusal is audited.
    other = web.browser()
    other.sign_in("clerk2")
    refused = other.submit("/", action, {"affair": SLIP})
    assert refused.status_code == 403 and PNG not in refused.content
    with web.api.vault.transaction() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "document:read"))
        assert reads.all() == []
