"""The JSON shape of a document's versions (the API and the CLI); no number is in it."""

from __future__ import annotations

from typing import Any

from mnvault.policies.services import DocumentOverview, VersionView


def version_json(v: VersionView) -> dict[str, Any]:
    return {
        "id": str(v.id),
        "document": v.document.value,
        "number": v.number,
        "state": v.state.value,
        "shown": v.shown.value,
        "shown_ja": v.shown_ja,
        "origin": v.origin,
        "stale": v.stale,
        "files": [f for f, has in (("docx", v.has_docx), ("pdf", v.has_pdf)) if has],
        "note": v.note,
        "created_by": v.created_by,
        "created_at": v.created_at.isoformat(),
        "approved_by": v.approved_by,
        "approved_at": v.approved_at.isoformat() if v.approved_at else None,
        "published_by": v.published_by,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "effective_from": v.effective_from.isoformat() if v.effective_from else None,
    }


def overview_json(documents: list[DocumentOverview]) -> dict[str, Any]:
    return {
        "documents": [
            {
                "document": d.document.value,
                "title_ja": d.title_ja,
                "title_en": d.title_en,
                "current": version_json(d.current) if d.current else None,
                "suggest_draft": d.suggest_draft,
                "versions": [version_json(v) for v in d.versions],
            }
            for d in documents
        ]
    }
