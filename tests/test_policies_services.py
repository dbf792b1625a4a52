"""Issue #15, 基本方針 and 取扱規程: drafting from the organisation's own data (docx opens with
python-docx and names the affairs; the PDF text has them), versioning (draft → upload → approve
→ publish, history kept, the current one downloadable), who approves, the suggestion when the
data changes, the compliance state of 2A/2B, and no number in any document or record."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
from datetime import timedelta

import docx
import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.compliance import services as compliance
from mnvault.compliance.state import State
from mnvault.db.engine import unit_of_work
from mnvault.numbers import generate_my_number
from mnvault.orgs.models import Organisation
from mnvault.policies import services as policies
from mnvault.policies.errors import ApprovalRefused, NumberInDocument, WrongState
from mnvault.policies.models import PolicyVersion
from mnvault.policies.rules import Document, Shown, VersionState
from tests.conftest import World

WITHHOLDING = "給与所得の源泉徴収票・給与支払報告書の作成"


def _docx_text(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _pdf_text(data: bytes, tmp_path: object) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is needed to read the PDF"
    done = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=False
    )
    assert done.returncode == 0
    return re.sub(r"\s+", "", done.stdout.decode())


def _draft(world: World, document: Document, who: str = "manager") -> PolicyVersion:
    with unit_of_work(world.sessions) as session:
        row = policies.draft(session, world.envelope, world.ctx(who), document=document)
        session.expunge(row)
    return row


def _download(world: World, version: PolicyVersion, fmt: str, who: str = "manager") -> bytes:
    with unit_of_work(world.sessions) as session:
        got = policies.download(
            session, world.envelope, world.ctx(who), version_id=version.id, fmt=fmt
        )
    return got.data


def test_drafts_name_the_organisations_affairs_in_docx_and_pdf(world: World) -> None:
    """#15: the generated docx opens with python-docx and holds the affairs with their legal
    bases, the 責任者 by name, the stages and 別添1 2B's examples; the PDF text has them."""
    rules = _draft(world, Document.HANDLING_RULES)
    text = _docx_text(_download(world, rules, "docx"))
    for expected in (
        "試験株式会社", WITHHOLDING, "番号法第9条第4項", "所得税法第226条第1項",
        "事務取扱責任者 manager", "clerk", "取得段階", "利用段階", "保存段階", "提供段階",
        "削除・廃棄段階", "本人確認の手順", "紐付けの確認", "源泉徴収票等の作成方法",
        "事業者編 別添1 2B",
    ):  # fmt: skip
        assert expected in text, expected
    pdf = _pdf_text(_download(world, rules, "pdf"), None)
    assert WITHHOLDING in pdf and "取得段階" in pdf and "本人確認の手順" in pdf

    basic = _draft(world, Document.BASIC_POLICY)
    text = _docx_text(_download(world, basic, "docx"))
    for item in ("事業者の名称", "関係法令・ガイドライン等の遵守", "安全管理措置に関する事項",
                 "質問及び苦情処理の窓口", "事業者編 別添1 2A", WITHHOLDING):  # fmt: skip
        assert item in text, item
    assert basic.number == 1 and rules.number == 1


def _approve(world: World, version: PolicyVersion, who: str) -> None:
    with unit_of_work(world.sessions) as session:
        policies.approve(session, world.ctx(who), version_id=version.id)


def _second_manager(world: World, role: Role = Role.MANAGER) -> str:
    with unit_of_work(world.sessions) as session:
        user = access.create_user(
            session, None, home_organisation_id=world.org.id, login=f"m2-{role}",
            display_name="second", password="Correct-Horse-Battery-9",
        )  # fmt: skip
        access.grant_role(session, None, user=user, organisation_id=world.org.id, role=role)
        world.users["manager2"] = user
    return "manager2"


def test_versioning_upload_approve_publish_history_and_current(world: World) -> None:
    """#15: draft → uploaded edited copy → approved by another 責任者 → published with an
    effective date; history kept; the current one downloadable; each step audited."""
    draft = _draft(world, Document.HANDLING_RULES)
    edited = docx.Document(io.BytesIO(_download(world, draft, "docx")))
    edited.add_paragraph("第6章 追記: 社内で編集した条文")
    buffer = io.BytesIO()
    edited.save(buffer)
    with unit_of_work(world.sessions) as session:
        uploaded = policies.upload(
            session, world.envelope, world.ctx("manager"), document=Document.HANDLING_RULES,
            filename="取扱規程.docx", data=buffer.getvalue(), note="総務部で編集",
        )  # fmt: skip
        uploaded_id = uploaded.id
        assert uploaded.based_on_id == draft.id and uploaded.fingerprint == draft.fingerprint
    with pytest.raises(ApprovalRefused):  # the uploader approves no version of their own
        _approve(world, uploaded, "manager")
    with pytest.raises(AuthorizationDenied):
        _approve(world, uploaded, "clerk")
    second = _second_manager(world)
    _approve(world, uploaded, second)
    with pytest.raises(WrongState), unit_of_work(world.sessions) as session:
        policies.approve(session, world.ctx(second), version_id=uploaded_id)
    with unit_of_work(world.sessions) as session:
        today = policies.today_of(session, world.org.id)
        policies.publish(
            session, world.ctx("manager"), version_id=uploaded_id, effective_from=today
        )
    with unit_of_work(world.sessions) as session:
        overview = {d.document: d for d in policies.overview(session, world.ctx("clerk"))}
        current = policies.download(
            session, world.envelope, world.ctx("clerk"), document=Document.HANDLING_RULES
        )
    rules = overview[Document.HANDLING_RULES]
    assert rules.current is not None and rules.current.number == 2
    assert [v.shown for v in rules.versions] == [Shown.CURRENT, Shown.DRAFT]
    assert rules.current.approved_by == "second" and rules.current.approved_at is not None
    assert rules.current.effective_from == today and rules.current.note == "総務部で編集"
    assert "社内で編集した条文" in _docx_text(current.data)
    with unit_of_work(world.sessions) as session:
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("policy:%"))
                .order_by(AuditEntry.seq)
            )
        ]
    assert actions[:5] == [
        "policy:draft", "policy:download", "policy:upload", "policy:approve", "policy:publish",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "approver_roles", "same_person", "responsible", "allowed", "self_approved"),
    [
        ("company", {Role.MANAGER}, False, 2, True, False),
        ("company", {Role.MANAGER}, True, 2, False, False),
        ("company", {Role.MANAGER}, True, 1, False, False),  # only a small business may
        ("company", {Role.ADMIN}, False, 2, False, False),
        ("company", {Role.AUDITOR}, False, 2, False, False),
        ("company", {Role.CHIEF_OFFICER}, False, 2, True, False),
        ("small_business", {Role.MANAGER}, True, 1, True, True),
        ("small_business", {Role.MANAGER}, True, 2, False, False),
        ("local_government", {Role.PROTECTION_MANAGER}, False, 3, False, False),
        ("local_government", {Role.CHIEF_OFFICER}, False, 3, True, False),
        ("administrative_agency", {Role.CHIEF_OFFICER}, True, 3, False, False),
    ],
)
def test_who_approves(
    *,
    kind: str,
    approver_roles: set[Role],
    same_person: bool,
    responsible: int,
    allowed: bool,
    self_approved: bool,
) -> None:
    """#15: the 責任者 approves, never the version's author (別添1 2B 複数人による確認), a
    public body's 総括責任者 (行政機関等編 2C a, 2C e); a 中小規模事業者 whose one 責任者
    drafted may approve (2C a 中小規模事業者: 区分は望ましい), recorded as a self-approval."""
    import uuid

    from mnvault.orgs.models import OrganisationKind
    from mnvault.policies.rules import who_approves

    author, other = uuid.uuid4(), uuid.uuid4()
    decision = who_approves(
        OrganisationKind(kind), author if same_person else other, approver_roles, author,
        responsible,
    )  # fmt: skip
    assert (decision.allowed, decision.self_approved) == (allowed, self_approved)


def test_a_change_of_the_data_suggests_a_new_draft(world: World) -> None:
    """#15: a new affair assigned (a changed procedure) changes the fingerprint of the inputs:
    the page and attention() suggest a new draft; a new draft clears it."""
    with unit_of_work(world.sessions) as session:
        first = policies.attention(session, world.ctx("manager"))
    assert any("未策定" in a.title_ja for a in first)
    _draft(world, Document.BASIC_POLICY)
    with unit_of_work(world.sessions) as session:
        basic = policies.overview(session, world.ctx("manager"))[0]
        assert not basic.suggest_draft
        access.assign(
            session, world.ctx("admin"), user=world.users["clerk2"],
            affair=get_affair(session, world.org.id, "dependent_deduction_declaration"),
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        basic = policies.overview(session, world.ctx("manager"))[0]
        notes = policies.attention(session, world.ctx("manager"))
        assert policies.attention(session, world.ctx("clerk")) == []
    assert basic.suggest_draft and basic.versions[0].stale
    assert any("元データ" in a.title_ja and a.link == "/policies#basic_policy" for a in notes)
    _draft(world, Document.BASIC_POLICY)
    with unit_of_work(world.sessions) as session:
        assert not policies.overview(session, world.ctx("manager"))[0].suggest_draft


def test_compliance_of_2a_and_2b_follows_the_published_version(world: World) -> None:
    """#15: a published version in force evidences J-2A / J-2B; an approved one not yet
    published, or one effective later, leaves the measure open."""

    def states() -> dict[str, State]:
        with unit_of_work(world.sessions) as session:
            report = compliance.status(session, world.ctx("manager"))
        return {m.measure.id: m.state for m in report.measures}

    assert states()["J-2A"] is State.OPEN and states()["J-2B"] is State.OPEN
    draft = _draft(world, Document.BASIC_POLICY)
    second = _second_manager(world)
    _approve(world, draft, second)
    assert states()["J-2A"] is State.OPEN
    with unit_of_work(world.sessions) as session:
        today = policies.today_of(session, world.org.id)
        policies.publish(
            session, world.ctx(second), version_id=draft.id,
            effective_from=today + timedelta(days=10),
        )  # fmt: skip
    assert states()["J-2A"] is State.OPEN  # published, not yet in force
    with unit_of_work(world.sessions) as session:
        row = session.get_one(PolicyVersion, draft.id)
        row.effective_from = today
    after = states()
    assert after["J-2A"] is State.EVIDENCED and after["J-2B"] is State.OPEN


def test_no_number_in_documents_or_records(world: World) -> None:
    """#15: a number in the organisation's data (name, a 責任者's name, an SPI file's purpose:
    grouped 4-4-4, full-width, with hyphens) never reaches the docx, the PDF, the note, the
    trail; an uploaded Word file holding one is refused."""
    number = generate_my_number(random.Random(15))
    grouped = f"{number[:4]} {number[4:8]} {number[8:]}"
    full = "".join(chr(ord(c) + 0xFEE0) for c in number)
    hyphens = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    with unit_of_work(world.sessions) as session:
        session.get_one(Organisation, world.org.id).name = f"試験株式会社 {grouped}"
        manager = session.merge(world.users["manager"])
        manager.display_name = f"責任者 {full}"
    rules = _draft(world, Document.HANDLING_RULES)
    text = _docx_text(_download(world, rules, "docx"))
    pdf = _pdf_text(_download(world, rules, "pdf"), None)
    assert "試験株式会社" in text and "試験株式会社" in pdf
    for shown in (text, pdf):
        assert number not in re.sub(
            r"\D", "", shown.translate({0xFF10 + i: str(i) for i in range(10)})
        )
    with unit_of_work(world.sessions) as session:
        uploaded = policies.upload(
            session, world.envelope, world.ctx("manager"), document=Document.HANDLING_RULES,
            filename=f"規程 {hyphens}.pdf", data=_download(world, rules, "pdf"),
            note=f"メモ {hyphens}",
        )  # fmt: skip
        assert uploaded.note is not None and number not in uploaded.note
    leaked = docx.Document()
    leaked.add_paragraph(f"番号 {grouped}")
    buffer = io.BytesIO()
    leaked.save(buffer)
    with pytest.raises(NumberInDocument), unit_of_work(world.sessions) as session:
        policies.upload(
            session, world.envelope, world.ctx("manager"), document=Document.HANDLING_RULES,
            filename="x.docx", data=buffer.getvalue(),
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        trail = [str(e.details) for e in session.scalars(select(AuditEntry))]
        overview = policies.overview(session, world.ctx("manager"))
    assert not any(number in t for t in trail)
    assert all(number not in str(v) for d in overview for v in d.versions)
    assert VersionState.UPLOADED in {v.state for d in overview for v in d.versions}
