"""Issue #11, "Scope beyond number reads": a clerk scoped to one department sees, opens,
finds by external id and looks up by number only the persons of that department; a
person outside answers exactly as a person that does not exist (API, screens, and the
service the CLI's `person show` calls), while the trail records each refusal."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import User
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from mnvault.orgs import services as orgs
from mnvault.vault import services as vs
from mnvault.vault.errors import NotFound
from mnvault.vault.models import PersonKind
from tests.api_support import DEPENDENT_DECLARATION, SLIP, Api, api, bearer
from tests.conftest import MaskedStr
from tests.web_support import Web, web

__all__ = ["api", "web"]

HR_NUMBER = MaskedStr(generate_my_number(random.Random(101)))
SALES_NUMBER = MaskedStr(generate_my_number(random.Random(102)))


def _company(api: Api) -> dict[str, str]:
    """HR and SALES, a person with a number in each; the clerk scoped to HR."""
    admin = api.admin_context()
    manager_token = api.full_session("manager")
    with api.vault.transaction() as session:
        hr = orgs.create_department(session, admin, code="HR", name="人事部").id
        sales = orgs.create_department(session, admin, code="SALES", name="営業部").id
        manager = session.get(User, api.users["manager"])
        assert manager is not None
        access.assign(
            session, admin, user=manager, affair=get_affair(session, admin.organisation_id, SLIP)
        )
    ids: dict[str, str] = {}
    for ref, department, number in (("H1", hr, HR_NUMBER), ("S1", sales, SALES_NUMBER)):
        with api.vault.transaction() as session:
            manager_ctx = Context(
                actor_id=api.users["manager"], organisation_id=api.organisation_id
            )
            person = vs.create_person(
                session, manager_ctx,
                kind=PersonKind.EMPLOYEE, external_ref=ref, name="試験", department_id=department,
            )  # fmt: skip
            ids[ref] = str(person.id)
        done = api.client.post(
            f"/api/v1/persons/{ids[ref]}/number", headers=bearer(manager_token),
            json={"my_number": number, "affairs": [SLIP],
                  "verification": {"number_check_document": "my_number_card",
                                   "identity_check_document": "my_number_card"}},
        )  # fmt: skip
        assert done.status_code == 201, done.text
    with api.vault.transaction() as session:
        clerk = session.get(User, api.users["clerk"])
        assert clerk is not None
        for code in (SLIP, DEPENDENT_DECLARATION):
            access.assign(
                session, admin, user=clerk, affair=get_affair(session, admin.organisation_id, code),
                departments=[hr],
            )  # fmt: skip
    return ids


def _without_ids(text: str, *ids: str) -> str:
    for value in ids:
        text = text.replace(value, "<id>")
    return text


def test_the_api_shows_a_clerk_only_their_department_and_nothing_of_the_rest(api: Api):
    ids = _company(api)
    clerk = api.full_session("clerk")
    listed = api.client.get("/api/v1/persons", headers=bearer(clerk)).json()
    assert [p["external_ref"] for p in listed["items"]] == ["H1"] and listed["total"] == 1
    assert api.client.get(f"/api/v1/persons/{ids['H1']}", headers=bearer(clerk)).status_code == 200
    # Outside the scope is "not found", word for word as an id that does not exist.
    outside = api.client.get(f"/api/v1/persons/{ids['S1']}", headers=bearer(clerk))
    nobody_id = str(uuid.uuid4())
    nobody = api.client.get(f"/api/v1/persons/{nobody_id}", headers=bearer(clerk))
    assert outside.status_code == nobody.status_code == 404
    assert _without_ids(outside.text, ids["S1"]) == _without_ids(nobody.text, nobody_id)

    # A lookup by number: the same answer as for a number no one holds.
    def lookup(number: str) -> dict[str, object]:
        found = api.client.post(
            "/api/v1/numbers/lookup", headers=bearer(clerk),
            json={"my_number": number, "affair": SLIP},
        )  # fmt: skip
        assert found.status_code == 200, found.text
        return dict(found.json())

    assert lookup(HR_NUMBER)["found"] is True
    unheld = MaskedStr(generate_my_number(random.Random(103)))
    assert lookup(SALES_NUMBER) == lookup(unheld) == {"found": False, "person": None}
    # Each look beyond the scope is in the trail as a denial.
    with api.vault.transaction() as session:
        denials = [
            (e.details or {}).get("permission")
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "access:denied"))
            if e.person_id == uuid.UUID(ids["S1"])
        ]
    assert sorted(denials) == ["number:lookup", "person:read"]


def test_the_service_behind_person_show_says_not_found_alike(api: Api):
    _company(api)
    clerk = Context(actor_id=api.users["clerk"], organisation_id=api.organisation_id)
    with api.vault.transaction() as session:
        assert vs.find_person(session, clerk, "H1").external_ref == "H1"
    messages = []
    for ref in ("S1", "S9"):  # outside the scope; no such person
        with (
            pytest.raises((AuthorizationDenied, NotFound)) as caught,
            api.vault.transaction() as session,
        ):
            vs.find_person(session, clerk, ref)
        messages.append(str(caught.value).replace(ref, "<ref>"))
    assert messages[0] == messages[1]


def test_the_screens_show_a_clerk_only_their_department(web: Web):
    ids = _company(web.api)
    browser = web.browser()
    browser.sign_in("clerk")
    listed = browser.get("/persons")
    assert "H1" in listed.text and "S1" not in listed.text
    outside = browser.get(f"/persons/{ids['S1']}")
    nobody_id = str(uuid.uuid4())
    nobody = browser.get(f"/persons/{nobody_id}")
    assert outside.status_code == nobody.status_code == 404
    assert "department" not in outside.text  # no reason given away
