"""Issue #16 over HTTP: a 委託先 from registration to the end of its contract, the contract file
stored sealed (its bytes are not in the database), 再委託 awaiting the client's approval, places
abroad and the SPI file register; a clerk is refused; a number in free text is refused and
appears nowhere."""

from __future__ import annotations

import base64
import random

from sqlalchemy import select

from mnvault.attachments.models import Attachment
from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from mnvault.partners.checklists import REQUIRED_CLAUSES, SELECTION
from tests.api_support import Api, api, bearer

__all__ = ["api"]

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_outsourcee_over_http(api: Api) -> None:
    manager = bearer(api.full_session("manager"))
    created = api.client.post(
        "/api/v1/partners", headers=manager,
        json={"name": "給与計算受託", "affair_codes": ["withholding_slip"],
              "organisation_code": "kou-corp"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    partner = created.json()["id"]
    early = api.client.post(
        f"/api/v1/partners/{partner}/contract", headers=manager,
        json={"clauses": [k for k, _, _ in REQUIRED_CLAUSES], "start": "2026-01-01"},
    )  # fmt: skip
    assert early.status_code == 409 and early.json()["type"].endswith("selection-incomplete")
    selected = api.client.post(
        f"/api/v1/partners/{partner}/selection", headers=manager,
        json={"checked": [k for k, _, _ in SELECTION]},
    )  # fmt: skip
    assert selected.status_code == 200, selected.text
    contract = api.client.post(
        f"/api/v1/partners/{partner}/contract", headers=manager,
        json={"clauses": [k for k, _, _ in REQUIRED_CLAUSES], "start": "2026-01-01",
              "contract": {"filename": "契約書.pdf",
                           "content_base64": base64.b64encode(PDF).decode()}},
    )  # fmt: skip
    assert contract.status_code == 200, contract.text
    body = contract.json()
    assert body["state"] == "contracted" and body["current"] is True
    with api.vault.transaction() as session:
        (stored,) = session.scalars(select(Attachment)).all()
        assert stored.owner == "outsourcee_contract" and PDF not in stored.ciphertext
        assert stored.sha256 == body["contract_sha256"]

    sub = api.client.post(
        f"/api/v1/partners/{partner}/subcontracts", headers=manager,
        json={"name": "丙社", "affair_codes": ["withholding_slip"], "organisation_code": "hei"},
    )  # fmt: skip
    assert sub.status_code == 201 and sub.json()["state"] == "requested", sub.text
    approved = api.client.post(
        f"/api/v1/partners/{sub.json()['id']}/decision", headers=manager, json={"approve": True}
    )
    assert approved.json()["current"] is True

    ended = api.client.post(
        f"/api/v1/partners/{partner}/end", headers=manager, json={"reason": "満了"}
    )
    assert ended.json()["state"] == "ended"
    listed = api.client.get("/api/v1/partners", headers=manager).json()
    assert {r["state"] for r in listed} == {"ended"}  # the 再委託 ended with it
    follow = api.client.get("/api/v1/partners/attention", headers=manager).json()
    assert [a["overdue"] for a in follow] == [True, True]

    clerk = bearer(api.full_session("clerk"))
    assert api.client.get("/api/v1/partners", headers=clerk).status_code == 403


def test_places_and_register_over_http_hold_no_number(api: Api) -> None:
    number = generate_my_number(random.Random(16))
    grouped = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    manager = bearer(api.full_session("manager"))
    place = {
        "kind": "cloud", "country": "US", "place": "us-east-1", "what": "バックアップ",
        "safeguards": "暗号化", "regime_note": "制度を把握", "reviewed_on": "2026-11-01",
    }  # fmt: skip
    refused = api.client.post(
        "/api/v1/partners/places", headers=manager, json=place | {"what": f"控え {grouped}"}
    )
    assert refused.status_code == 422, refused.text
    assert number not in refused.text and grouped not in refused.text
    assert (
        api.client.post("/api/v1/partners/places", headers=manager, json=place).status_code == 201
    )
    shown = api.client.get("/api/v1/partners/places", headers=manager).json()
    assert shown["location"]["country"] == "JP" and shown["places"][0]["country"] == "US"
    register = api.client.get("/api/v1/partners/spi-files", headers=manager)
    assert register.status_code == 200, register.text
    with api.vault.transaction() as session:
        trail = " ".join(str(e.details) for e in session.scalars(select(AuditEntry)))
    assert number not in trail and grouped not in trail


def test_an_spi_file_is_completed_over_http(api: Api) -> None:
    admin = bearer(api.full_session("admin"))
    with api.vault.transaction() as session:
        from mnvault.orgs import services as orgs

        spi_file = orgs.register_spi_file(
            session, api.admin_context(), name="源泉徴収票", purpose="法定調書",
            affair_codes=["withholding_slip"],
        ).id  # fmt: skip
    done = api.client.put(
        f"/api/v1/partners/spi-files/{spi_file}", headers=admin,
        json={"kind": "electronic", "form": "データベース", "items": ["氏名", "個人番号"],
              "responsible_user_id": str(api.users["manager"])},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    (entry,) = api.client.get("/api/v1/partners/spi-files", headers=admin).json()
    assert entry["items"] == "氏名、個人番号" and entry["form"] == "データベース"
