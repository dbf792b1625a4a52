"""A report as plain rows: the JSON of the API and CLI, the text table, the Excel workbook.

Times are the organisation's local time: ISO 8601 with offset in the JSON, local_time's one
format in the text table and the workbook; nothing here holds a number.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from mnvault import local_time
from mnvault.compliance.services import GroupSummary, Report
from mnvault.compliance.state import STATE_EN, STATE_JA, MeasureState


def _at(report: Report, value: datetime | None) -> str | None:
    return report.local(value).isoformat(timespec="minutes") if value is not None else None


def _shown(report: Report, value: datetime | None) -> str:
    """For people (the text table, the workbook): local_time's one format."""
    return local_time.shown(value, report.zone)


def measure_row(report: Report, m: MeasureState) -> dict[str, Any]:
    measure = m.measure
    return {
        "id": measure.id,
        "group": measure.group,
        "citation_ja": measure.citation_ja,
        "citation_en": measure.citation_en,
        "title_ja": measure.title_ja,
        "title_en": measure.title_en,
        "text_ja": measure.text_ja,
        "text_en": measure.text_en,
        "small_business_ja": measure.small_business_ja,
        "seed": measure.seed,
        "obligation": str(m.obligation),
        "state": str(m.state),
        "state_ja": STATE_JA[m.state],
        "state_en": STATE_EN[m.state],
        "reason_ja": m.reason_ja,
        "reason_en": m.reason_en,
        "link": m.link,
        "interval_days": m.interval_days,
        "owner": m.owner,
        "due_at": _at(report, m.due_at),
        "checks": [
            {"id": c.id, "passed": r.passed, "reason_ja": r.reason_ja, "reason_en": r.reason_en}
            for c, r in m.checks
        ],
        "evidence": [
            {
                "title": e.title,
                "performed_at": _at(report, e.performed_at),
                "valid_until": _at(report, e.valid_until),
                "source": e.source,
                "link": e.link,
                "file_sha256": e.file_sha256,
            }
            for e in m.evidence
        ],
    }


def group_row(summary: GroupSummary) -> dict[str, Any]:
    return {
        "id": summary.group.id,
        "title_ja": summary.group.title_ja,
        "title_en": summary.group.title_en,
        "counts": {str(k): v for k, v in summary.counts.items()},
        "line_ja": summary.line_ja,
        "line_en": summary.line_en,
    }


def report_json(report: Report, measures: list[MeasureState] | None = None) -> dict[str, Any]:
    chosen = list(report.measures) if measures is None else measures
    return {
        "organisation_id": str(report.organisation_id),
        "organisation": report.organisation_name,
        "kind": str(report.kind),
        "at": _at(report, report.at),
        "time_zone": report.zone.key,
        "groups": [group_row(g) for g in report.groups()],
        "measures": [measure_row(report, m) for m in chosen],
    }


def text_table(report: Report, measures: list[MeasureState] | None = None) -> str:
    chosen = list(report.measures) if measures is None else measures
    lines = [f"{report.organisation_name} ({report.kind}) {_shown(report, report.at)}"]
    for m in chosen:
        due = f" 期限/due {_shown(report, m.due_at)}" if m.due_at else ""
        lines.append(
            f"{m.measure.id:10} {STATE_JA[m.state]}/{STATE_EN[m.state]:14} "
            f"{m.measure.title_ja} — {m.reason_ja} / {m.reason_en}{due}"
        )
    lines.extend(g.line_ja + " / " + g.line_en for g in report.groups())
    return "\n".join(lines)


def to_xlsx(report: Report) -> bytes:
    """One sheet per 別添1 group, one row per measure."""
    from openpyxl import Workbook  # noqa: PLC0415 - only this format needs it

    workbook = Workbook(write_only=True)
    header = ["ID", "出典 / source", "措置 / measure", "義務 / obligation", "状態 / state",
              "理由 / reason", "リンク / link", "間隔(日) / interval", "担当 / owner", "期限 / due",
              "証跡 / evidence"]  # fmt: skip
    summary = workbook.create_sheet("概要 summary")
    summary.append(["組織 / organisation", report.organisation_name, str(report.kind)])
    summary.append(["時点 / as of", _shown(report, report.at), report.zone.key])
    for group in report.groups():
        summary.append([group.group.id, group.line_ja, group.line_en])
    for group in report.groups():
        sheet = workbook.create_sheet(group.group.id)
        sheet.append(header)
        for m in report.measures:
            if m.measure.group != group.group.id:
                continue
            sheet.append([
                m.measure.id, m.measure.citation_ja, f"{m.measure.title_ja} / {m.measure.title_en}",
                str(m.obligation), f"{STATE_JA[m.state]} / {STATE_EN[m.state]}",
                f"{m.reason_ja} / {m.reason_en}", m.link, m.interval_days, m.owner,
                _shown(report, m.due_at), "; ".join(e.title for e in m.evidence),
            ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
