"""Issue #17, containment from the incident: each act goes through its own service (authorized
there) and is kept on the incident and audited with its id."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import User
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.incidents import containment
from mnvault.incidents import services as incidents
from mnvault.incidents.errors import IncidentError
from tests.conftest import World


def _incident(world: World) -> object:
    with unit_of_work(world.sessions) as session:
        return incidents.open_incident(
            session, world.ctx("manager"), title="不正な参照", event="leak_suspected",
            aware_on=date(2026, 12, 1), unit="情報システム部",
        )  # fmt: skip


def test_the_admin_suspends_an_account_from_the_incident(world: World) -> None:
    incident_id = _incident(world)
    clerk = world.users["clerk"].id
    with unit_of_work(world.sessions) as session:
        result = containment.contain_user(
            session,
            world.ctx("admin"),
            incident_id,
            containment.Act.SUSPEND_ACCOUNT,
            clerk,  # type: ignore[arg-type]
        )
        containment.contain_user(
            session,
            world.ctx("admin"),
            incident_id,
            containment.Act.REVOKE_TOKENS,
            clerk,  # type: ignore[arg-type]
        )
    assert "suspended" in result
    with unit_of_work(world.sessions) as session:
        user = session.get(User, clerk)
        assert user is not None and user.is_active is False
        view = incidents.incident(session, world.ctx("manager"), incident_id)  # type: ignore[arg-type]
        contained = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "incident:contain")
        ).all()
    assert [a.act for a in view.acts] == ["suspend_account", "revoke_tokens"]
    assert all((e.details or {})["incident"] == str(incident_id) for e in contained)
    assert len(contained) == 2


def test_the_manager_cannot_suspend_and_an_outside_user_is_refused(world: World) -> None:
    incident_id = _incident(world)
    with unit_of_work(world.sessions) as session, pytest.raises(AuthorizationDenied):
        containment.contain_user(
            session, world.ctx("manager"), incident_id, containment.Act.SUSPEND_ACCOUNT,  # type: ignore[arg-type]
            world.users["clerk"].id,
        )  # fmt: skip
    with unit_of_work(world.sessions) as session, pytest.raises(IncidentError):
        containment.contain_user(
            session, world.ctx("admin"), incident_id, containment.Act.END_SESSIONS,  # type: ignore[arg-type]
            world.users["outsider"].id,
        )  # fmt: skip


def test_an_act_is_kept_on_the_incident_only_for_one_who_may_read_it(world: World) -> None:
    """Tenant walk (tests/test_policy_services.py): record_act() wrote an act on the
    organisation's incident without authorizing. A clerk (no incident:read) and another
    organisation's clerk are now refused, the refusal audited, and no act is kept."""
    incident_id = _incident(world)
    for context in (world.ctx("clerk"), world.ctx("outsider", org=world.org)):
        with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
            incidents.record_act(session, context, incident_id, "note", result="偽の記録")  # type: ignore[arg-type]
        with world.sessions() as session:
            last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and last.action == "access:denied"
    with unit_of_work(world.sessions) as session:
        view = incidents.incident(session, world.ctx("manager"), incident_id)  # type: ignore[arg-type]
    assert view.acts == ()
