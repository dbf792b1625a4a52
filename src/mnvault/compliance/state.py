"""A measure's state for one organisation, computed, never typed by hand (DESIGN §7).

Order of precedence, per applicable measure:
1. system checks (checks.py): any failing → overdue (a due date passed) or open, with its
   reason; all passing → met_by_system;
2. otherwise evidence (evidence.py): the newest current → evidenced; only lapsed → overdue;
3. nothing → open, saying there is no check and no evidence yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mnvault import local_time
from mnvault.compliance.catalogue import Measure, Obligation
from mnvault.compliance.checks import Check, Result
from mnvault.compliance.evidence import Evidence


class State(StrEnum):
    EVIDENCED = "evidenced"
    MET_BY_SYSTEM = "met_by_system"
    OPEN = "open"
    OVERDUE = "overdue"


STATE_JA = {
    State.MET_BY_SYSTEM: "システムで充足",
    State.EVIDENCED: "記録あり",
    State.OVERDUE: "期限切れ",
    State.OPEN: "未対応",
}
STATE_EN = {
    State.MET_BY_SYSTEM: "met by the system",
    State.EVIDENCED: "evidenced",
    State.OVERDUE: "overdue",
    State.OPEN: "open",
}


@dataclass(frozen=True)
class MeasureState:
    measure: Measure
    obligation: Obligation
    state: State
    reason_ja: str
    reason_en: str
    link: str
    checks: tuple[tuple[Check, Result], ...]
    evidence: tuple[Evidence, ...]
    interval_days: int | None
    owner: str
    # When the state will lapse: the evidence's end of currency, the next check due.
    due_at: datetime | None


def lapses_at(evidence: Evidence, interval_days: int | None) -> datetime | None:
    if evidence.valid_until is not None:
        return evidence.valid_until
    if interval_days is not None:
        return evidence.performed_at + timedelta(days=interval_days)
    return None


def decide(
    measure: Measure,
    obligation: Obligation,
    *,
    now: datetime,
    checks: list[tuple[Check, Result]],
    evidence: list[Evidence],
    interval_days: int | None,
    owner: str,
) -> MeasureState:
    anchor = f"/compliance#{measure.id}"

    def made(state: State, ja: str, en: str, link: str, due: datetime | None) -> MeasureState:
        return MeasureState(
            measure, obligation, state, ja, en, link, tuple(checks), tuple(evidence),
            interval_days, owner, due,
        )  # fmt: skip

    failing = [(c, r) for c, r in checks if not r.passed]
    if failing:
        _check, result = next(((c, r) for c, r in failing if r.overdue), failing[0])
        state = State.OVERDUE if result.overdue else State.OPEN
        return made(state, result.reason_ja, result.reason_en, result.link, None)
    if checks:
        dues = [r.due_at for _c, r in checks if r.due_at is not None]
        ja = "；".join(r.reason_ja for _c, r in checks)
        en = "; ".join(r.reason_en for _c, r in checks)
        return made(State.MET_BY_SYSTEM, ja, en, checks[0][1].link, min(dues) if dues else None)
    if evidence:
        newest = evidence[0]
        until = lapses_at(newest, interval_days)
        link = newest.link or anchor
        when = f"{local_time.day(newest.performed_at)}"
        if until is not None and until <= now:
            return made(
                State.OVERDUE,
                f"最新の記録「{newest.title}」（{when}）は{local_time.day(until)}に期限切れです",
                f"the latest record '{newest.title}' ({when}) lapsed on {local_time.day(until)}",
                link,
                until,
            )
        return made(
            State.EVIDENCED,
            f"記録「{newest.title}」（{when}）",
            f"record '{newest.title}' ({when})",
            link,
            until,
        )
    return made(
        State.OPEN,
        "システムによる確認も記録もまだありません",
        "no system check and no evidence yet",
        anchor,
        None,
    )
