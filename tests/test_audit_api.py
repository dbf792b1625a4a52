"""The auditor's questions over the REST API (issue 4): who used a person's number, the
impact scope of an account, what left the vault; as JSON, CSV and Excel. Only roles the
policy table grants ``audit:read`` may ask, every question is recorded, and another
organisation's auditor sees nothing of this one."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.access.permissions import Permission
from mnvault.access.policy.table import REACH
from mnvault.audit.models import AuditEntry
from mnvault.db.base import utcnow
from mnvault.numbers import generate_my_number
from mnvault.orgs.models import Organisation, OrganisationKind
from tests.conftest import MaskedStr
from tests.test_api import PASSWORD, SLIP, Api, acquire, api, bearer

__all__ = ["api"]  # the fixture, shared with the API tests


def tokyo_today() -> str:
    """Dates in questions are the organisation's (Asia/Tokyo), not UTC's."""
    return str(utcnow().astimezone(ZoneInfo("Asia/Tokyo")).date())


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _trail(api: Api) -> tuple[list[str], list[str]]:
    """A clerk acquires two numbers, reads one and records a provision."""
    numbers = [MaskedStr(generate_my_number(random.Random(seed))) for seed in (41, 42)]
    clerk = api.full_session("clerk")
    persons = [acquire(api, clerk, f"A{i}", n) for i, n in enumerate(numbers)]
    read = api.client.post(
        f"/api/v1/persons/{persons[0]}/number/read", headers=bearer(clerk), json={"affair": SLIP}
    )
    assert read.status_code == 200
    provided = api.client.post(
        "/api/v1/provisions", headers=bearer(clerk),
        json={"affair": SLIP, "person_ids": persons, "recipient_kind": "tax_office",
              "recipient_name": "麹町税務署", "legal_basis": "番号法第19条第2号",
              "method": "e-Tax"},
    )  # fmt: skip
    assert provided.status_code == 201, provided.text
    return persons, numbers


def test_an_auditor_asks_who_used_a_number_in_json_csv_and_excel(api: Api) -> None:
    persons, numbers = _trail(api)
    auditor = api.full_session("auditor")
    asked = api.client.post(
        "/api/v1/audit/person-usage", headers=bearer(auditor), json={"person_id": persons[0]}
    )
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["time_zone"] == "Asia/Tokyo" and body["from"] is None
    seen = {(i["action"], i["actor_login"], i["outcome"]) for i in body["items"]}
    assert {("number:acquire", "clerk", "ok"), ("number:read", "clerk", "ok")} <= seen
    assert ("provision:create", "clerk", "ok") in seen
    texts = [asked.text]

    yesterday = str(date.fromisoformat(tokyo_today()) - timedelta(days=1))
    csv = api.client.post(
        "/api/v1/audit/person-usage?format=csv", headers=bearer(auditor),
        json={"person_id": persons[0], "from": yesterday},
    )  # fmt: skip
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith("attachment;")
    assert csv.headers["cache-control"] == "no-store"
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("記録番号 / seq,日時（Asia/Tokyo） / time (Asia/Tokyo)")
    assert len(lines) == 1 + len(body["items"])
    texts.append(csv.content.decode("utf-8-sig"))

    xlsx = api.client.post(
        "/api/v1/audit/person-usage?format=xlsx", headers=bearer(auditor),
        json={"person_id": persons[0]},
    )  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    assert 'filename="mnvault-person-usage.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "記録番号 / seq" and len(rows) == 2 + len(body["items"])
    texts.extend(str(cell) for row in rows for cell in row)

    for text in texts:
        for number in numbers:
            assert number not in text


def test_impact_scope_and_activity_and_every_question_is_recorded(api: Api) -> None:
    persons, _ = _trail(api)
    auditor = api.full_session("auditor")
    today = tokyo_today()
    scope = api.client.post(
        "/api/v1/audit/impact-scope", headers=bearer(auditor),
        json={"actor_id": str(api.users["clerk"]), "from": today, "to": today},
    )  # fmt: skip
    assert scope.status_code == 200, scope.text
    assert sorted(scope.json()["persons"]) == sorted(persons)
    assert scope.json()["affairs"] == [SLIP]
    by_address = api.client.post(
        "/api/v1/audit/impact-scope?format=csv", headers=bearer(auditor),
        json={"client_address": "testclient", "from": today, "to": today},
    )  # fmt: skip
    assert by_address.status_code == 200
    assert set(persons) <= set(by_address.content.decode("utf-8-sig").splitlines()[1:])

    moved = api.client.post(
        "/api/v1/audit/activity", headers=bearer(auditor), json={"kinds": ["provisions"]}
    )
    assert moved.status_code == 200, moved.text
    assert [(i["kind"], i["persons"], i["actor_login"]) for i in moved.json()["items"]] == [
        ("provisions", 2, "clerk")
    ]
    everything = api.client.post(
        "/api/v1/audit/activity?format=xlsx", headers=bearer(auditor), json={}
    )
    assert everything.status_code == 200
    assert load_workbook(io.BytesIO(everything.content)).sheetnames == ["activity"]

    with api.vault.transaction() as session:
        questions = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "audit:query", AuditEntry.actor_id == api.users["auditor"]
            )
        ).all()
    assert [q.details["question"] for q in questions] == [
        "impact_scope", "impact_scope", "transfers", "transfers",
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["clerk", "manager", "admin", "auditor"])
def test_only_roles_the_policy_grants_audit_read_may_ask(api: Api, role: str) -> None:
    allowed = (role, str(Permission.AUDIT_READ)) in REACH
    token = api.full_session(role)
    answer = api.client.post("/api/v1/audit/activity", headers=bearer(token), json={})
    assert answer.status_code == (200 if allowed else 403), answer.text
    if not allowed:
        assert answer.json()["reason"] == "no role grants audit:read"
        with api.vault.transaction() as session:
            denied = session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "access:denied", AuditEntry.actor_id == api.users[role]
                )
            ).all()
        assert [d.details["permission"] for d in denied] == ["audit:read"]


def test_another_organisations_auditor_sees_nothing_of_this_one(api: Api) -> None:
    persons, _ = _trail(api)
    with api.vault.transaction() as session:
        other = Organisation(name="別会社", kind=OrganisationKind.COMPANY.value, code="betsu")
        session.add(other)
        session.flush()
        outsider = access.create_user(
            session,
            None,
            home_organisation_id=other.id,
            login="outside-auditor",
            display_name="外部",
            password=PASSWORD,
        )
        access.grant_role(session, None, user=outsider, organisation_id=other.id, role=Role.AUDITOR)
    token = api.full_session("outside-auditor", code="betsu")
    today = tokyo_today()
    usage = api.client.post(
        "/api/v1/audit/person-usage", headers=bearer(token), json={"person_id": persons[0]}
    )
    assert usage.status_code == 200 and usage.json()["items"] == []
    scope = api.client.post(
        "/api/v1/audit/impact-scope", headers=bearer(token),
        json={"actor_id": str(api.users["clerk"]), "from": today, "to": today},
    )  # fmt: skip
    assert scope.json()["persons"] == [] and scope.json()["entries"] == 0
    moved = api.client.post("/api/v1/audit/activity", headers=bearer(token), json={})
    assert moved.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("impact-scope", {"from": "2026-04-01", "to": "2026-04-30"}),  # names no one
        ("impact-scope", {"client_address": "a\nb", "from": "2026-04-01", "to": "2026-04-02"}),
        ("impact-scope", {"actor_id": "00000000-0000-0000-0000-000000000001",
                          "from": "2026-04-02", "to": "2026-04-01"}),  # ends before it starts
        ("person-usage", {"person_id": "not a uuid"}),
        ("person-usage", {"person_id": "00000000-0000-0000-0000-000000000001",
                          "from": "9999-12-31", "to": "9999-12-31"}),  # past the calendar
        ("activity", {"kinds": ["lunch"]}),
    ],
)  # fmt: skip
def test_bad_questions_are_problem_documents(api: Api, path: str, body: dict[str, object]) -> None:
    auditor = api.full_session("auditor")
    answer = api.client.post(f"/api/v1/audit/{path}", headers=bearer(auditor), json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    wrong_format = api.client.post(
        "/api/v1/audit/activity?format=pdf", headers=bearer(auditor), json={}
    )
    assert wrong_format.status_code == 422
