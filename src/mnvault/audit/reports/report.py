"""Rendering the periodic analysis (mnvault.audit.reports.periodic) as HTML and PDF.

The HTML comes from a Jinja2 template (templates/report.html.j2) with inline SVG
charts (mnvault.audit.reports.charts); the PDF is the same HTML through WeasyPrint, with a
Japanese font (Debian fonts-noto-cjk). Japanese first, English beside it. Every
finding links to its section of the appendix, which lists the entries behind it by
sequence number. The report holds ids, logins, codes, times and counts; never a
number, because the trail holds none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mnvault import local_time
from mnvault.audit.reports import charts
from mnvault.audit.reports.analysis import Finding, Kind, ranges
from mnvault.audit.reports.periodic import Report

# The entries listed under each finding in the appendix; the rest are given as ranges.
LISTED_PER_FINDING = 50
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

SECTIONS: tuple[tuple[Kind, str, str], ...] = (
    (Kind.AFTER_HOURS, "時間外の利用", "After-hours use"),
    (Kind.DENIAL, "拒否された操作", "Denials"),
    (Kind.SPIKE, "通常を大きく超える利用量", "Volume spikes"),
    (Kind.DORMANT, "休眠アカウントによる利用", "Use by dormant accounts"),
    (Kind.BULK_EXPORT, "大量の持出し・提供", "Bulk exports"),
)


@dataclass(frozen=True, slots=True)
class Written:
    html: Path
    pdf: Path


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mnvault.audit.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


class _View:
    """What the template reads: names, times and charts prepared from the report."""

    listed_cap = LISTED_PER_FINDING

    def __init__(self, report: Report) -> None:
        self.report = report
        self.anchors: dict[int, str] = {}
        number = 0
        for kind, _, _ in SECTIONS:
            for finding in report.findings[kind]:
                number += 1
                self.anchors[id(finding)] = f"finding-{number}"

    def who(self, actor: uuid.UUID | None) -> str:
        if actor is None:
            return "不明 / unknown"
        return self.report.names.get(actor) or f"{str(actor)[:8]}…"

    def at(self, value: datetime | None) -> str:
        return local_time.shown(value, self.report.zone) or "—"

    def anchor(self, finding: Finding) -> str:
        return self.anchors[id(finding)]

    def seq_ranges(self, finding: Finding) -> str:
        return ", ".join(f"#{a}" if a == b else f"#{a}–#{b}" for a, b in ranges(finding.seqs))

    def listed(self, finding: Finding) -> list[Any]:
        return [self.report.events[s] for s in finding.seqs[:LISTED_PER_FINDING]
                if s in self.report.events]  # fmt: skip

    def period(self) -> str:
        zone = self.report.zone
        last_day = local_time.day(self.report.until - timedelta(microseconds=1), zone)
        return f"{local_time.day(self.report.since, zone)} 〜 {last_day}（{zone.key}）"

    def hours(self) -> str:
        hours = self.report.hours
        days = sorted(hours.office_days or range(1, 8))
        ja = "".join(WEEKDAYS_JA[d - 1] for d in days)
        en = ", ".join(WEEKDAYS_EN[d - 1] for d in days)
        if hours.office_start is None or hours.office_end is None:
            span = "終日 / all day"
        else:
            span = f"{_clock(hours.office_start)}–{_clock(hours.office_end)}"
        source = (
            "組織のアクセス条件 / the organisation's access conditions"
            if self.report.hours_configured
            else "既定値（組織が未設定） / default (the organisation set none)"
        )
        return f"{ja}曜日 {span}（{en}; {hours.time_zone}）— {source}"

    def all_findings(self) -> Iterable[tuple[Kind, str, str, list[Finding]]]:
        for kind, ja, en in SECTIONS:
            yield kind, ja, en, self.report.findings[kind]

    # -- charts ---------------------------------------------------------------------

    def accesses_chart(self) -> Markup:
        bars = [(f"{self.who(t.actor)} / {t.affair or '—'}", t.ok) for t in self.report.accesses]
        return charts.bar_chart(
            [b for b in bars if b[1]], title="利用件数（職員・事務別） / uses per clerk and affair"
        )

    def per_actor_chart(self, kind: Kind, title: str) -> Markup:
        totals: dict[str, int] = {}
        for finding in self.report.findings[kind]:
            name = self.who(finding.actor)
            totals[name] = totals.get(name, 0) + finding.count
        bars = sorted(totals.items(), key=lambda item: -item[1])
        return charts.bar_chart(bars, title=title)

    def spike_chart(self, finding: Finding) -> Markup:
        series = list(finding.facts["series"])
        return charts.column_chart(
            series,
            title=f"{self.who(finding.actor)}: 日別利用件数（直近{len(series) - 1}日と当日） / "
            f"daily uses, the {len(series) - 1} days before and the day",
            highlight=len(series) - 1,
            threshold=float(finding.facts["threshold"]),
        )

    def batches_chart(self) -> Markup:
        bars = [(f"{self.at(b.at)} {self.who(b.actor)}", b.persons) for b in self.report.batches]
        return charts.bar_chart(bars, title="持出し・提供ごとの本人数 / persons per export")


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def render_html(report: Report) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(r=report, v=_View(report), Kind=Kind)


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango and fonts, which only the report needs.
    from weasyprint import HTML  # noqa: PLC0415

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def write(report: Report, out_dir: Path) -> Written:
    """report.html and report.pdf in ``out_dir`` (created when missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_html(report)
    written = Written(out_dir / "report.html", out_dir / "report.pdf")
    written.html.write_text(html, encoding="utf-8")
    written.pdf.write_bytes(render_pdf(html))
    return written
