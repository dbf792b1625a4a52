"""Issue #17: the incidents are evidence for 別添1 2C d and the steps of 別添2 2; a reportable
incident past its 確報 deadline without the report step done turns 2E overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mnvault.compliance import services as compliance
from mnvault.compliance.state import State
from mnvault.db.engine import unit_of_work
from mnvault.incidents import services as incidents
from tests.conftest import World


def _states(world: World) -> dict[str, State]:
    with unit_of_work(world.sessions) as session:
        report = compliance.status(session, world.ctx("manager"))
    return {m.measure.id: m.state for m in report.measures}


def test_steps_done_evidence_and_a_late_report_is_overdue(world: World) -> None:
    before = _states(world)
    assert before["J-A2-2E"] is State.OPEN
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx("manager")
        incident_id = incidents.open_incident(
            session, ctx, title="誤送付", event="leak", persons_max=300, unit="人事部",
            aware_on=datetime.now(UTC).date() - timedelta(days=45),
        )  # fmt: skip
        incidents.update_step(session, ctx, incident_id, "2A", done=True)
    states = _states(world)
    assert states["J-A2-2A"] is State.EVIDENCED
    assert states["J-A2-2E"] is State.OVERDUE  # day 30 has passed
    with unit_of_work(world.sessions) as session:
        incidents.update_step(session, world.ctx("manager"), incident_id, "2E", done=True)
    assert _states(world)["J-A2-2E"] is State.EVIDENCED
