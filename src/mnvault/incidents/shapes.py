"""What the incident services hand to pages, routes and commands: plain values, no rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mnvault.incidents.rules import Assessment

# The six response steps: 別添2 2A–2E, with publication (2E なお書き) as its own step, as the
# seed's list of six has it (報告と被害拡大防止 … 事実関係と再発防止策の公表).
STEPS: tuple[tuple[str, str, str], ...] = (
    ("2A", "組織内における報告及び被害の拡大防止", "Internal report and containment"),
    ("2B", "事実関係の調査及び原因の究明", "Investigation of facts and cause"),
    ("2C", "影響範囲の特定", "Impact scope"),
    ("2D", "再発防止策の検討及び実施", "Prevention of recurrence"),
    ("2E", "委員会への報告及び本人への通知", "Report to the PPC and notice to the persons"),
    ("2E-pub", "事実関係及び再発防止策等の公表", "Publication of facts and prevention"),
)
STEP_IDS = tuple(step for step, _, _ in STEPS)

SOURCE_KINDS = {
    "manual": ("手動で登録", "opened by hand"),
    "analysis_finding": ("監査証跡の分析結果", "an analysis finding of the trail"),
    "trail_verification": ("監査証跡の検証失敗", "a failed trail verification"),
    "lost_device": ("機器・媒体の紛失記録", "a lost device or medium record"),
}

# The flags of the assessment an incident keeps (facts.Facts' booleans).
FLAGS = (
    "malicious",
    "public_exposure",
    "strong_encryption",
    "recovered_unviewed",
    "duplicate_exists",
    "outsourcee",
)


@dataclass(frozen=True)
class Awareness:
    unit: str
    aware_on: date


@dataclass(frozen=True)
class StepView:
    step: str
    title_ja: str
    title_en: str
    owner: str | None
    started_at: datetime | None
    done_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class ActView:
    act: str
    target: str | None
    result: str | None
    actor: str
    at: datetime


@dataclass(frozen=True)
class Scope:
    actor_id: uuid.UUID | None
    token_id: uuid.UUID | None
    address: str | None
    since: datetime | None
    until: datetime | None
    persons: int | None
    affairs: tuple[str, ...]
    entries: int | None
    refreshed_at: datetime | None


@dataclass(frozen=True)
class DraftView:
    id: uuid.UUID
    kind: str
    version: int
    sections: tuple[tuple[str, str], ...]
    author: str
    created_at: datetime


@dataclass(frozen=True)
class IncidentView:
    id: uuid.UUID
    title: str
    summary: str | None
    event: str
    system: str
    systems_note: str | None
    reporter: str | None
    spi_file_ids: tuple[str, ...]
    source_kind: str
    source_ref: str | None
    flags: dict[str, bool]
    encryption_note: str | None
    persons_max: int
    awareness: tuple[Awareness, ...]
    aware_date: date
    steps: tuple[StepView, ...]
    acts: tuple[ActView, ...]
    scope: Scope
    assessment: Assessment
    today: date  # in the organisation's zone: the countdowns count from it
    closed: bool
    opened_at: datetime

    @property
    def days_to_final(self) -> int | None:
        due = self.assessment.final_report_due
        return None if due is None else (due - self.today).days

    @property
    def days_to_preliminary(self) -> int | None:
        target = self.assessment.preliminary_target
        return None if target is None else (target - self.today).days

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "title": self.title,
            "summary": self.summary,
            "event": self.event,
            "system": self.system,
            "systems_note": self.systems_note,
            "reporter": self.reporter,
            "spi_file_ids": list(self.spi_file_ids),
            "source_kind": self.source_kind,
            "source_ref": self.source_ref,
            "flags": self.flags,
            "encryption_note": self.encryption_note,
            "persons_max": self.persons_max,
            "aware_date": self.aware_date.isoformat(),
            "awareness": [
                {"unit": a.unit, "aware_on": a.aware_on.isoformat()} for a in self.awareness
            ],
            "steps": [
                {
                    "step": s.step,
                    "title_ja": s.title_ja,
                    "owner": s.owner,
                    "started_at": s.started_at.isoformat() if s.started_at else None,
                    "done_at": s.done_at.isoformat() if s.done_at else None,
                    "note": s.note,
                }
                for s in self.steps
            ],
            "acts": [
                {"act": a.act, "target": a.target, "result": a.result, "at": a.at.isoformat()}
                for a in self.acts
            ],
            "scope": {
                "persons": self.scope.persons,
                "affairs": list(self.scope.affairs),
                "entries": self.scope.entries,
                "refreshed_at": self.scope.refreshed_at.isoformat()
                if self.scope.refreshed_at
                else None,
            },
            "assessment": self.assessment.as_json(),
            "days_to_final": self.days_to_final,
            "closed": self.closed,
            "opened_at": self.opened_at.isoformat(),
        }


@dataclass(frozen=True)
class IncidentRow:
    id: uuid.UUID
    title: str
    event: str
    aware_date: date
    reportable: bool
    final_report_due: date | None
    days_to_final: int | None
    closed: bool


@dataclass(frozen=True)
class Attention:
    """One line for the dashboard (the lead wires it in): a deadline coming or passed."""

    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool
