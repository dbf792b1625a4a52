"""Issue #11: person usage (`POST /audit/person-usage`, `mnvault audit person-usage`)
takes the person's external id as well as the vault's id; an unknown one is "not found"
without echoing a number typed there, and the trail records the person, never the text.
And the impact scope of a token is what its requests did, not all its account did."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import select

from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.audit.questions import answers
from mnvault.cli.audit import _person_id_or_reference
from mnvault.numbers import generate_my_number
from tests.api_support import SLIP, Api, acquire, api, bearer, system_token
from tests.conftest import MaskedStr

__all__ = ["api"]

WINDOW = {"from": "2000-01-01", "to": "2100-01-01"}


def test_person_usage_by_external_id_answers_as_by_id(api: Api):
    clerk = api.full_session("clerk")
    person = acquire(api, clerk, "E-0042", MaskedStr(generate_my_number(random.Random(42))))
    auditor = api.full_session("auditor")
    by_id = api.client.post(
        "/api/v1/audit/person-usage", headers=bearer(auditor), json={"person_id": person, **WINDOW}
    )
    by_ref = api.client.post(
        "/api/v1/audit/person-usage", headers=bearer(auditor),
        json={"external_ref": "E-0042", **WINDOW},
    )  # fmt: skip
    assert by_ref.status_code == 200, by_ref.text
    assert by_ref.json()["person_id"] == person
    assert [u["seq"] for u in by_ref.json()["items"]] == [u["seq"] for u in by_id.json()["items"]]
    assert any(u["action"] == "number:acquire" for u in by_ref.json()["items"])
    # One of the two, not both, not neither.
    for body in ({"person_id": person, "external_ref": "E-0042"}, {}):
        refused = api.client.post(
            "/api/v1/audit/person-usage", headers=bearer(auditor), json={**body, **WINDOW}
        )
        assert refused.status_code == 422


def test_an_unknown_external_id_is_not_found_and_never_echoed_or_recorded(api: Api):
    typed = MaskedStr(generate_my_number(random.Random(43)))  # a number in the wrong field
    auditor = api.full_session("auditor")
    missing = api.client.post(
        "/api/v1/audit/person-usage", headers=bearer(auditor),
        json={"external_ref": typed, **WINDOW},
    )  # fmt: skip
    assert missing.status_code == 404
    assert typed not in missing.text and "REDACTED" in missing.text
    with api.vault.transaction() as session:
        for entry in session.scalars(select(AuditEntry)):
            assert typed not in repr(entry.details)
    # A clerk may not ask, by id or by reference (the question's permission first).
    clerk = api.full_session("clerk")
    denied = api.client.post(
        "/api/v1/audit/person-usage", headers=bearer(clerk),
        json={"external_ref": "E-0042", **WINDOW},
    )  # fmt: skip
    assert denied.status_code == 403


def test_the_command_line_reads_an_id_or_an_external_id(api: Api):
    person = uuid.uuid4()
    assert _person_id_or_reference(f" {person} ") == person
    assert _person_id_or_reference("E-0042") == "E-0042"
    clerk = api.full_session("clerk")
    acquire(api, clerk, "E-7", MaskedStr(generate_my_number(random.Random(7))))
    with api.vault.transaction() as session:
        auditor = api.admin_context().__class__(
            actor_id=api.users["auditor"], organisation_id=api.organisation_id
        )
        found = answers.person_usage(session, auditor, "E-7")
    assert any(u.action == "number:acquire" for u in found.uses)


def test_a_tokens_impact_scope_is_what_its_requests_did(api: Api):
    """Through the real routes: the token's requests carry its token:use entry's request
    id. Its account's other work from the same address is not the token's."""
    clerk = api.full_session("clerk")
    mine = acquire(api, clerk, "T1", MaskedStr(generate_my_number(random.Random(81))))
    other = acquire(api, clerk, "T2", MaskedStr(generate_my_number(random.Random(82))))
    admin = api.full_session("admin")
    created = system_token(api, admin, [SLIP])  # a system user's, approved by the manager
    token, token_id = created["token"], created["id"]
    for _ in range(2):  # the first use writes (last_used_at), the second is a read path
        read = api.client.post(
            f"/api/v1/persons/{mine}/number/read", headers=bearer(token), json={"affair": SLIP}
        )
        assert read.status_code == 200
    # The same account, from the same address, not through the token.
    with api.vault.transaction() as session:
        by_hand = api.admin_context().__class__(
            actor_id=api.users["payroll"], organisation_id=api.organisation_id,
            affair_code=SLIP, request_id="by-hand", client_address="testclient",
        )  # fmt: skip
        audit.record(session, by_hand, AuditAction.NUMBER_READ, person_id=uuid.UUID(other))
    auditor = api.full_session("auditor")
    scope = api.client.post(
        "/api/v1/audit/impact-scope", headers=bearer(auditor),
        json={"token_id": token_id, **WINDOW},
    )  # fmt: skip
    assert scope.status_code == 200, scope.text
    assert scope.json()["persons"] == [mine]
    assert scope.json()["entries"] == 4  # two token:use entries and the two reads
