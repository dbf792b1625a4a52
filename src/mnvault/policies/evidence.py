"""The compliance spine's evidence for 別添1 2A (基本方針) and 2B (取扱規程等): the version in
force today, published after the 責任者's approval. None in force: the measure stays open."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.attachments.models import Attachment
from mnvault.compliance import evidence
from mnvault.compliance.evidence import Evidence, once_per_gathering
from mnvault.policies.models import PolicyVersion
from mnvault.policies.rules import TITLE_JA, Document
from mnvault.policies.services import current_row, today_of

BASIC_POLICY_MEASURES = ("J-2A", "G-2A")
HANDLING_RULES_MEASURES = ("J-2B", "J-2B.1", "J-2B.2", "J-2B.3", "G-2B", "G-2B.1", "G-2B.2")


def _document_for(measure_id: str) -> Document:
    return Document.BASIC_POLICY if measure_id in BASIC_POLICY_MEASURES else Document.HANDLING_RULES


@once_per_gathering
def _current(session: Session, organisation_id: uuid.UUID, document: str) -> PolicyVersion | None:
    """The document's version in force today (one query per document while gathering)."""
    rows = list(
        session.scalars(
            select(PolicyVersion).where(
                PolicyVersion.organisation_id == organisation_id,
                PolicyVersion.document == document,
            )
        )
    )
    return current_row(rows, today_of(session, organisation_id))


def current_version(
    session: Session, organisation_id: uuid.UUID, measure_id: str
) -> Sequence[Evidence]:
    document = _document_for(measure_id)
    row = _current(session, organisation_id, document.value)
    if row is None or row.published_at is None or row.effective_from is None:
        return []
    file_id = row.docx_attachment_id or row.pdf_attachment_id
    sha = session.scalar(select(Attachment.sha256).where(Attachment.id == file_id))
    return [
        Evidence(
            f"{TITLE_JA[document]} 第{row.number}版（施行 {row.effective_from.isoformat()}）",
            row.published_at,
            None,
            link=f"/policies#{document.value}",
            source="policy",
            file_sha256=sha,
        )
    ]


evidence.register(BASIC_POLICY_MEASURES + HANDLING_RULES_MEASURES, "policies", current_version)
