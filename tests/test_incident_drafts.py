"""Issue #17, the reports and notices: the PPC report items (別添2 3D (1)–(9)) for 速報 and 確報,
the notice to the persons (規則第5条 → 第3条第1項 第1・2・4・5・9号), the alternative, the
publication text and the 委託先→委託元 notice; versioned, audited, exported as PDF and Excel, and
no number in any of them."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.incidents import drafts
from mnvault.incidents import services as incidents
from tests.conftest import World


def _digits(text: str) -> str:
    return "".join(
        ch
        for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if ch.isdigit()
    )


def test_every_draft_kind_is_filled_versioned_audited_and_carries_no_number(
    world: World, synthetic_number: str
) -> None:
    n = synthetic_number
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx("manager")
        incident_id = incidents.open_incident(
            session, ctx, title="源泉徴収票の誤送付", event="leak", aware_on=date(2026, 11, 2),
            unit="人事部", summary=f"番号 {n[:4]}-{n[4:8]}-{n[8:]} を含む", persons_max=150,
            systems_note="源泉徴収票（従業員情報、紙媒体）", flags={"outsourcee": True},
        )  # fmt: skip
        incidents.update_step(session, ctx, incident_id, "2B", note=f"宛名の取り違え {n}")
        for kind in drafts.KINDS:
            incidents.draft(session, ctx, incident_id, kind)
        second = incidents.draft(
            session,
            ctx,
            incident_id,
            "final",
            edits={"(5) 二次被害又はそのおそれの有無及びその内容": f"なし {n}"},
        )
        listed = incidents.draft_list(session, ctx, incident_id)
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "incident:draft")
        ).all()
    assert second.version == 2
    assert len(listed) == len(drafts.KINDS) + 1
    assert len(entries) == len(drafts.KINDS) + 1
    final = next(d for d in listed if d.kind == "final" and d.version == 1)
    assert [h for h, _ in final.sections] == list(drafts.PPC_ITEMS)
    assert "最大 150 人" in dict(final.sections)["(3) 特定個人情報に係る本人の数"]
    assert "第4号" in dict(final.sections)["(1) 概要"]
    notice = next(d for d in listed if d.kind == "notice_persons")
    assert "原因" in dict(notice.sections)
    for d in listed:
        assert n not in _digits(" ".join(h + t for h, t in d.sections)), d.kind


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_draft_exports_as_pdf_and_excel(world: World, fmt: str) -> None:
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx("manager")
        incident_id = incidents.open_incident(
            session, ctx, title="紛失", event="loss", aware_on=date(2026, 11, 2), unit="総務部",
        )  # fmt: skip
        made = incidents.draft(session, ctx, incident_id, "preliminary")
        name, data = incidents.export_draft(session, ctx, incident_id, made.id, fmt)
    assert name.endswith(f".{fmt}")
    if fmt == "pdf":
        assert data.startswith(b"%PDF")
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            assert "xl/workbook.xml" in book.namelist()
