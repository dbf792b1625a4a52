"""Logins per organisation through the REST API and the screens (issue #3).

Two organisations each add a "tanaka"; each signs in with their own organisation code;
a wrong code reads like a wrong password; a client names an outsourcer's clerk
CODE:LOGIN to give them a role, and sees them under that name. Sources: seed 図表2-2
(6)② アクセス者の識別と認証; 事業者編 第4-2-(1) 委託の取扱い.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.orgs import services as orgs
from mnvault.orgs.codes import organisation_by_code
from mnvault.orgs.models import OrganisationKind
from tests.api_support import PASSWORD, Api, api, bearer
from tests.support.outsourcing import contract_with
from tests.web_support import Web, web

__all__ = ["api", "web"]


def _second_organisation(api: Api, code: str = "otsu") -> str:
    """Another organisation with its own admin (password PASSWORD); its admin's token."""
    with api.vault.transaction() as session:
        other = orgs.create_organisation(
            session, name="乙株式会社", kind=OrganisationKind.COMPANY, code=code
        )
        admin = access.create_user(
            session, None, home_organisation_id=other.id, login="admin", display_name="乙管理者",
            password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=admin, organisation_id=other.id, role=Role.ADMIN)
        # Issue #16: it outsources to the deployment's organisation (and to a code that
        # names no organisation), so that it may ask for their users.
        for outsourcee in (api.organisation_code, "nowhere"):
            contract_with(session, Context(actor_id=admin.id, organisation_id=other.id), outsourcee)
    return api.full_session("admin", code=code)


def _add(api: Api, token: str, login: str) -> dict[str, object]:
    created = api.client.post(
        "/api/v1/users", headers=bearer(token),
        json={"login": login, "display_name": login, "roles": ["auditor"]},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return dict(created.json())


def _own(code: str) -> str:
    return f"{code.lower()} horse battery staple"


def _first_password(api: Api, login: str, initial: str, code: str) -> None:
    """The auditor's first sign-in: change the password an admin set."""
    token = str(api.sign_in(login, initial, code=code)["token"])
    changed = api.client.post(
        "/api/v1/auth/password", headers=bearer(token),
        json={"current_password": initial, "new_password": _own(code)},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text


def test_the_same_login_in_two_organisations(api: Api):
    here = api.full_session("admin")
    there = _second_organisation(api)
    mine, theirs = _add(api, here, "tanaka"), _add(api, there, "tanaka")  # no 409 for B
    assert mine["id"] != theirs["id"] and mine["reference"] == theirs["reference"] == "tanaka"
    _first_password(api, "tanaka", str(mine["initial_password"]), api.organisation_code)
    _first_password(api, "tanaka", str(theirs["initial_password"]), "otsu")
    for code, expected in ((api.organisation_code, api.organisation_id), ("OTSU", None)):
        signed = api.sign_in("tanaka", _own(code), code=code)
        assert signed["stage"] == "full"
        if expected is not None:
            assert signed["organisation_id"] == str(expected)
    again = api.client.post(
        "/api/v1/users", headers=bearer(there),
        json={"login": "tanaka", "display_name": "二人目", "roles": ["auditor"]},
    )  # fmt: skip
    assert again.status_code == 409 and again.json()["type"].endswith("/login-taken")


def test_a_wrong_code_reads_like_a_wrong_password(api: Api):
    _second_organisation(api)
    answers = [
        api.client.post("/api/v1/auth/sign-in", json=body)
        for body in (
            api.credentials("clerk", code="otsu"),  # clerk exists, but not in otsu
            api.credentials("clerk", code="nowhere"),
            api.credentials("clerk", "a wrong password"),
            {"login": "clerk", "password": PASSWORD},  # no code at all: invalid input
        )
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 422]
    assert answers[0].json() == answers[1].json() == answers[2].json()


def test_a_client_names_the_outsourcers_clerk_code_login(api: Api):
    """The deployment's organisation is the outsourcer; "otsu" its client."""
    client = _second_organisation(api)
    users = api.client.get("/api/v1/users", headers=bearer(client)).json()
    assert {u["login"] for u in users} == {"admin"}  # nothing of the outsourcer's users
    refused = api.client.post(
        "/api/v1/users/outside", headers=bearer(client),
        json={"reference": "clerk2", "roles": ["clerk"]},
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    # Whether or not the name exists, the same answer: the outsourcer decides.
    reference = f"{api.organisation_code}:clerk2"
    answers = {}
    for named in (reference, f"{api.organisation_code}:nobody", "nowhere:clerk2"):
        sent = api.client.post(
            "/api/v1/users/outside", headers=bearer(client),
            json={"reference": named, "roles": ["clerk"]},
        )  # fmt: skip
        assert sent.status_code == 202, sent.text
        body = sent.json()
        answers[named] = body
        assert body["state"] == "pending" and body["reference"] == named
    shapes = {tuple(sorted(k for k in b if k not in {"id", "reference", "expires_at"}))
              for b in answers.values()}  # fmt: skip
    assert len(shapes) == 1
    assert {u["login"] for u in api.client.get("/api/v1/users", headers=bearer(client)).json()} == {
        "admin"
    }  # nothing granted yet
    # The outsourcer's admin sees the one real request, and approves it.
    home = api.full_session("admin")
    incoming = api.client.get("/api/v1/users/outside-requests", headers=bearer(home)).json()
    assert [(r["login"], r["organisation_code"]) for r in incoming] == [("clerk2", "otsu")]
    # The client cannot consent to its own request.
    own = api.client.post(
        f"/api/v1/users/outside-requests/{incoming[0]['id']}/approve", headers=bearer(client)
    )
    assert own.status_code == 404
    approved = api.client.post(
        f"/api/v1/users/outside-requests/{incoming[0]['id']}/approve", headers=bearer(home)
    )
    assert approved.status_code == 200, approved.text
    members = api.client.get("/api/v1/users", headers=bearer(client)).json()
    added = next(u for u in members if u["id"] == str(api.users["clerk2"]))
    assert added["reference"] == reference and added["roles"] == ["clerk"]
    elsewhere = api.client.get("/api/v1/users/outside-roles", headers=bearer(home)).json()
    assert [(r["login"], r["organisation_code"], r["role"]) for r in elsewhere] == [
        ("clerk2", "otsu", "clerk")
    ]
    # The client cannot reset the outsourcer's clerk's password (nor second factor).
    reset = api.client.post(
        f"/api/v1/users/{api.users['clerk2']}/password-reset", headers=bearer(client)
    )
    assert reset.status_code == 403
    # The clerk signs in with the outsourcer's code and names the client to act for.
    with api.vault.transaction() as session:
        other = organisation_by_code(session, "otsu")
        assert other is not None
        other_id = other.id
    pending = api.client.post("/api/v1/auth/sign-in", json=api.credentials("clerk2"))
    assert pending.status_code == 401 and pending.json()["type"].endswith("organisation-required")
    acting = api.client.post(
        "/api/v1/auth/sign-in",
        json={**api.credentials("clerk2"), "organisation_id": str(other_id)},
    )
    assert acting.status_code == 200 and acting.json()["organisation_id"] == str(other_id)


def test_the_screens_ask_for_the_organisation_code(web: Web):
    browser = web.browser()
    page = browser.get("/sign-in?organisation=shiken").text
    assert 'name="organisation_code"' in page and 'value="shiken"' in page
    assert "組織コード" in page
    wrong = browser.submit(
        "/sign-in", "/sign-in", {"organisation_code": "nowhere", "login": "admin",
                                 "password": PASSWORD},
    )  # fmt: skip
    assert wrong.status_code == 401 and "組織コード" in wrong.text
    assert 'value="nowhere"' in wrong.text  # kept, to correct it
    browser.sign_in("admin")
    users = browser.get("/admin/users").text
    assert re.search(r'id="organisation-code">[^<]*<code>shiken</code>', users), users
    made = browser.submit(
        "/admin/users", "/admin/users",
        {"login": "hr.kato", "display_name": "加藤", "roles": "auditor"},
    )  # fmt: skip
    assert "<code>shiken</code>" in made.text and "<code>hr.kato</code>" in made.text


def test_an_admin_adds_an_outside_member_on_the_screen(web: Web):
    api = web.api
    with api.vault.transaction() as session:
        other = orgs.create_organisation(
            session, name="受託会社", kind=OrganisationKind.COMPANY, code="itaku"
        )
        sato = access.create_user(
            session, None, home_organisation_id=other.id, login="sato", display_name="佐藤",
            password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=sato, organisation_id=other.id, role=Role.CLERK)
        # Issue #16: outside members only under a current 委託, both ways here.
        here = Context(actor_id=api.users["admin"], organisation_id=api.organisation_id)
        contract_with(session, here, "itaku")
    admin = web.browser()
    admin.sign_in("admin")
    pages = []
    for reference in ("itaku:nobody", "ITAKU:sato"):
        sent = admin.submit(
            "/admin/users", "/admin/users/outside", {"reference": reference, "roles": "clerk"}
        )
        assert sent.status_code == 200 and 'id="outside-requested"' in sent.text, sent.text
        pages.append(sent.text.replace(reference, ""))
    assert pages[0] == pages[1]  # whether or not the user exists
    with api.vault.transaction() as session:
        here = Context(actor_id=api.users["admin"], organisation_id=api.organisation_id)
        assert access.roles_of(session, sato.id, here.organisation_id) == set()
    # itaku (sato's home) approves; then sato is a member here.
    with api.vault.transaction() as session:
        itaku_admin = access.create_user(
            session, None, home_organisation_id=other.id, login="admin", display_name="受託管理",
            password=PASSWORD,
        )  # fmt: skip
        access.grant_role(
            session, None, user=itaku_admin, organisation_id=other.id, role=Role.ADMIN
        )
        itaku = Context(actor_id=itaku_admin.id, organisation_id=other.id)
        contract_with(session, itaku, api.organisation_code)
        (request,) = outside.incoming_requests(session, itaku)
        outside.decide_request(session, itaku, request_id=request.id, approve=True)
        # And itaku asks for this organisation's clerk2 (a clerk there too: who sees numbers
        # never also audits, issue #11), decided on this screen below.
        outside.request_outside_member(
            session, itaku, reference=f"{api.organisation_code}:clerk2", roles=[Role.CLERK]
        )
    assert "itaku:sato" in admin.get("/admin/users").text
    with api.vault.transaction() as session:
        assert access.roles_of(session, sato.id, api.organisation_id) == {Role.CLERK}
    listed = admin.get("/admin/users").text
    assert 'id="incoming"' in listed and "clerk2" in listed
    action = re.search(r'action="(/admin/users/outside-requests/[0-9a-f-]+)"', listed)
    assert action is not None
    approved = admin.submit("/admin/users", action.group(1), {"decision": "approve"})
    assert approved.status_code == 200 and 'id="outside-done"' in approved.text
    assert 'id="elsewhere"' in approved.text and "itaku" in approved.text
    withdraw = re.search(
        r'action="(/admin/users/[0-9a-f-]+/elsewhere/[0-9a-f-]+/revoke)"', approved.text
    )
    assert withdraw is not None
    withdrawn = admin.submit("/admin/users", withdraw.group(1), {})
    assert withdrawn.status_code == 200 and 'id="elsewhere"' not in withdrawn.text
    with api.vault.transaction() as session:
        assert access.roles_of(session, api.users["clerk2"], other.id) == set()


def test_a_member_of_two_organisations_names_the_one_to_act_for_on_the_screen(web: Web):
    api = web.api
    with api.vault.transaction() as session:
        client = orgs.create_organisation(
            session, name="顧客会社", kind=OrganisationKind.COMPANY, code="kokyaku"
        )
        admin = access.create_user(
            session, None, home_organisation_id=client.id, login="admin", display_name="顧客管理",
            password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=admin, organisation_id=client.id, role=Role.ADMIN)
        client_id = client.id
        client_context = Context(actor_id=admin.id, organisation_id=client.id)
        contract_with(session, client_context, api.organisation_code)  # issue #16
        asked = outside.request_outside_member(
            session, client_context,
            reference=f"{api.organisation_code}:auditor", roles=[Role.AUDITOR],
        )  # fmt: skip
        home = Context(actor_id=api.users["admin"], organisation_id=api.organisation_id)
        outside.decide_request(session, home, request_id=asked.id, approve=True)
    browser = web.browser()
    asked = browser.submit("/sign-in", "/sign-in", api.credentials("auditor"))
    assert asked.status_code == 401 and 'name="acting_code"' in asked.text
    assert "複数の組織" in asked.text
    wrong = browser.submit(
        "/sign-in", "/sign-in", {**api.credentials("auditor"), "acting_code": "nowhere"}
    )
    assert wrong.status_code == 401 and 'value="nowhere"' in wrong.text
    acting = browser.submit(
        "/sign-in", "/sign-in", {**api.credentials("auditor"), "acting_code": "KOKYAKU"}
    )
    assert acting.status_code == 200 and acting.url.path == "/", acting.text
    with api.vault.transaction() as session:
        signed = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == AuditAction.AUTH_LOGIN.value)
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert signed is not None and signed.organisation_id == client_id
