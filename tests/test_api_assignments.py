"""`POST /assignments` with a scope: a clerk × affair limited to departments, SPI files and
person kinds (issue #3; seed 図表2-1 (3)① 取り扱う特定個人情報等の範囲の明確化, 図表2-2 (6)①
アクセス制御; 事業者編 別添1 2F a)."""

from __future__ import annotations

from mnvault.access.context import Context
from mnvault.orgs import services as orgs
from mnvault.orgs.models import Department, Organisation, OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.models import PersonKind
from tests.api_support import SLIP, Api, api, bearer

__all__ = ["api"]


def test_an_admin_scopes_an_assignment_and_the_clerk_sees_only_that_scope(api: Api):
    admin_ctx = api.admin_context()
    with api.vault.transaction() as session:
        hr = orgs.create_department(session, admin_ctx, code="HR", name="人事部").id
        sales = orgs.create_department(session, admin_ctx, code="SALES", name="営業部").id
        # Another organisation's department, made directly: its admin is not set up here.
        other = Organisation(name="別会社", kind=OrganisationKind.COMPANY.value)
        session.add(other)
        session.flush()
        elsewhere = Department(organisation_id=other.id, code="HR", name="人事部")
        session.add(elsewhere)
        session.flush()
        clerk = Context(
            actor_id=api.users["clerk"], organisation_id=api.organisation_id, affair_code=SLIP
        )
        for ref, department in (("H1", hr), ("S1", sales)):
            vs.create_person(
                session, clerk, kind=PersonKind.EMPLOYEE, external_ref=ref, name="試験",
                department_id=department,
            )  # fmt: skip
    admin = api.full_session("admin")
    body = {
        "user_id": str(api.users["clerk"]), "affair": SLIP,
        "departments": [str(hr)], "person_kinds": ["employee"],
    }  # fmt: skip
    scoped = api.client.post("/api/v1/assignments", headers=bearer(admin), json=body)
    assert scoped.status_code == 201, scoped.text
    assert scoped.json()["departments"] == [str(hr)]
    assert scoped.json()["person_kinds"] == ["employee"] and scoped.json()["spi_files"] is None
    # The scope holds for the clerk's other affair too, or the list would show both.
    body["affair"] = "dependent_deduction_declaration"
    assert api.client.post("/api/v1/assignments", headers=bearer(admin), json=body).is_success
    listed = api.client.get("/api/v1/persons", headers=bearer(api.full_session("clerk")))
    assert [p["external_ref"] for p in listed.json()["items"]] == ["H1"]
    # A department that is not this organisation's is "not found"; a kind must exist.
    body["departments"] = [str(elsewhere.id)]
    missing = api.client.post("/api/v1/assignments", headers=bearer(admin), json=body)
    assert missing.status_code == 404
    body["departments"], body["person_kinds"] = [str(hr)], ["robot"]
    assert (
        api.client.post("/api/v1/assignments", headers=bearer(admin), json=body).status_code == 422
    )
