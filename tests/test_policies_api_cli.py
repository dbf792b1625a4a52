"""Issue #15, 基本方針 and 取扱規程 over HTTP and on the command line: a draft, the list, an
edited copy uploaded, approval (refused to the author), publication, the current file; clerks
read but do not draft; a number typed into the note comes back masked."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
from sqlalchemy import update

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role
from mnvault.config import load_settings
from mnvault.db.engine import make_engine
from mnvault.numbers import generate_my_number
from mnvault.orgs.models import Organisation
from mnvault.policies import services as policies
from mnvault.policies.rules import Document
from tests.api_support import Api, api, bearer
from tests.test_cli_flow import Deployment, deployment

__all__ = ["api", "deployment"]


def _tokyo_today() -> str:
    """The organisation's date (Asia/Tokyo, the default zone), whatever the machine's."""
    return datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()


def _edited(data: bytes, line: str) -> bytes:
    doc = docx.Document(io.BytesIO(data))
    doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_policies_over_http(api: Api) -> None:
    number = generate_my_number(random.Random(1515))
    with api.vault.transaction() as session:
        second = access.create_user(
            session, None, home_organisation_id=api.organisation_id, login="manager2",
            display_name="第二責任者", password="Correct-Horse-Battery-9",
        )  # fmt: skip
        access.grant_role(
            session, None, user=second, organisation_id=api.organisation_id, role=Role.MANAGER
        )
        drafted = policies.draft(
            session, api.vault.envelope,
            Context(actor_id=second.id, organisation_id=api.organisation_id),
            document=Document.BASIC_POLICY,
        )  # fmt: skip
        drafted_id = str(drafted.id)
    manager = bearer(api.full_session("manager"))
    clerk = bearer(api.full_session("clerk"))

    listed = api.client.get("/api/v1/policies", headers=clerk)
    assert listed.status_code == 200, listed.text
    basic = listed.json()["documents"][0]
    assert basic["document"] == "basic_policy" and basic["versions"][0]["id"] == drafted_id
    assert api.client.post("/api/v1/policies/basic_policy/drafts", headers=clerk).status_code == 403

    approved = api.client.post(f"/api/v1/policies/versions/{drafted_id}/approve", headers=manager)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by"] == "manager" and approved.json()["state"] == "approved"
    published = api.client.post(
        f"/api/v1/policies/versions/{drafted_id}/publish", headers=manager,
        json={"effective_from": _tokyo_today()},
    )  # fmt: skip
    assert published.status_code == 200, published.text
    current = api.client.get("/api/v1/policies/basic_policy/current?format=docx", headers=clerk)
    assert current.status_code == 200 and current.content[:2] == b"PK"
    pdf = api.client.get("/api/v1/policies/basic_policy/current", headers=clerk)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    made = api.client.post("/api/v1/policies/handling_rules/drafts", headers=manager)
    assert made.status_code == 201, made.text
    file = api.client.get(
        f"/api/v1/policies/versions/{made.json()['id']}/file?format=docx", headers=manager
    )
    uploaded = api.client.post(
        "/api/v1/policies/handling_rules/uploads", headers=manager,
        files={"file": ("取扱規程.docx", _edited(file.content, "追記"))},
        data={"note": f"番号 {number[:4]}-{number[4:8]}-{number[8:]} を書いてしまった"},
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    assert number not in uploaded.text and uploaded.json()["number"] == 2
    own = api.client.post(
        f"/api/v1/policies/versions/{uploaded.json()['id']}/approve", headers=manager
    )
    assert own.status_code == 403 and "本人以外" in own.text
    assert number not in api.client.get("/api/v1/policies", headers=manager).text


def test_policy_commands(deployment: Deployment, tmp_path: Path) -> None:
    code, out = deployment.manager("policy", "draft", "handling_rules")
    assert code == 0, out
    code, out = deployment.manager("policy", "list")
    assert code == 0, out
    body, _end = json.JSONDecoder().raw_decode(out[out.index("{") :])
    rules = {d["document"]: d for d in body["documents"]}["handling_rules"]
    assert rules["versions"][0]["state"] == "draft"

    draft = tmp_path / "draft.docx"
    code, out = deployment.manager(
        "policy", "download", "handling_rules", "--version", "1", "--format", "docx",
        "--out", str(draft),
    )  # fmt: skip
    assert code == 0, out
    assert "給与所得の源泉徴収票" in "\n".join(
        c.text for t in docx.Document(str(draft)).tables for r in t.rows for c in r.cells
    )
    edited = tmp_path / "edited.docx"
    edited.write_bytes(_edited(draft.read_bytes(), "社内で追記"))
    code, out = deployment.manager("policy", "upload", "handling_rules", str(edited))
    assert code == 0, out
    code, out = deployment.manager("policy", "approve", "handling_rules", "2")
    assert code == 1 and "本人以外" in out, out  # the only manager uploaded it
    code, out = deployment.clerk("policy", "draft", "handling_rules")
    assert code == 1, out

    # A 中小規模事業者 whose one 責任者 drafted may approve it (recorded as a self-approval).
    settings = load_settings(deployment.data)
    engine = make_engine(str(settings.database_url))
    with engine.begin() as connection:
        connection.execute(update(Organisation).values(kind="small_business"))
    engine.dispose()
    code, out = deployment.manager("policy", "approve", "handling_rules", "2")
    assert code == 0, out
    today = _tokyo_today()
    code, out = deployment.manager("policy", "publish", "handling_rules", "2", "--effective", today)
    assert code == 0, out
    current = tmp_path / "current.docx"
    code, out = deployment.clerk(
        "policy", "download", "handling_rules", "--format", "docx", "--out", str(current)
    )
    assert code == 0, out
    assert "社内で追記" in "\n".join(p.text for p in docx.Document(str(current)).paragraphs)
