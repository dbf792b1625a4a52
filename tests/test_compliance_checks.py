"""Issue #14, live state: each system check of mnvault.compliance.checks made to fail and to
pass on live data (SQLite and PostgreSQL). Sources in each check's docstring (別添1 2F a/b,
2E a/d, 2C a/b/c; 行政機関等編 別添1 2C a)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete

from mnvault.access import services as access
from mnvault.access.models import AccessConditions, Assignment, Membership, Role
from mnvault.access.permissions import Permission
from mnvault.access.policy.table import GRANTS, Grant, Reach
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.compliance import checks
from mnvault.db.engine import unit_of_work
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.models import DataKey, SpiFile
from tests.conftest import World
from tests.disposal_support import add_persons

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _probe(session, world: World, now: datetime = NOW, interval: int | None = None, org=None):  # type: ignore[no-untyped-def]
    org_id = (org or world.org).id
    return checks.Probe(session, org_id, now, now.date(), interval)


def _user(session, org: Organisation, role: Role, login: str):  # type: ignore[no-untyped-def]
    user = access.create_user(
        session, None, home_organisation_id=org.id, login=f"{login}-{uuid.uuid4().hex[:6]}",
        display_name=login, password="correct horse battery staple",
    )  # fmt: skip
    access.grant_role(session, None, user=user, organisation_id=org.id, role=role)
    return user


def test_number_blind_fails_when_an_admin_also_holds_a_number_role(world: World) -> None:
    with world.sessions() as session:
        assert checks.number_blind(_probe(session, world)).passed
        # grant_role refuses this today (access.separation); a grant written before that
        # rule, or behind the service's back, is what the check must still catch.
        session.add(
            Membership(
                user_id=world.users["admin"].id, organisation_id=world.org.id, role=Role.CLERK
            )
        )
        session.flush()
        result = checks.number_blind(_probe(session, world))
        assert not result.passed and "1" in result.reason_en


def test_number_blind_fails_on_a_table_granting_a_blind_role_numbers(world: World) -> None:
    broken = (*GRANTS, Grant(Role.AUDITOR, Reach.AFFAIR, frozenset({Permission.NUMBER_READ}), "x"))
    with world.sessions() as session:
        assert not checks.number_blind(_probe(session, world), grants=broken).passed
        assert checks.number_blind(_probe(session, world), grants=GRANTS).passed


def test_totp_enforced_fails_when_a_reading_role_escapes_totp() -> None:
    probe = checks.Probe(None, uuid.uuid4(), NOW, NOW.date())  # type: ignore[arg-type]
    assert checks.totp_enforced(probe).passed
    loose = checks.totp_enforced(probe, enforced_roles={Role.CLERK})
    assert not loose.passed and "manager" in loose.reason_en


def test_access_conditions_need_hours_and_networks(world: World) -> None:
    with world.sessions() as session:
        result = checks.access_conditions_set(_probe(session, world))
        assert not result.passed and "office hours" in result.reason_en
        session.add(AccessConditions(organisation_id=world.org.id, office_days=[1, 2, 3, 4, 5],
                                     office_start=time(9), office_end=time(18)))  # fmt: skip
        session.flush()
        result = checks.access_conditions_set(_probe(session, world))
        assert not result.passed and result.reason_en == "handling-area networks not set"
        row = session.get(AccessConditions, world.org.id)
        assert row is not None
        row.networks = ["192.0.2.0/24"]
        session.flush()
        assert checks.access_conditions_set(_probe(session, world)).passed


def test_nothing_past_disposal_turns_overdue_with_a_due_number(world: World) -> None:
    with world.sessions() as session:
        assert checks.nothing_past_disposal(_probe(session, world)).passed
    add_persons(world, 2, relationship_end=date(2010, 3, 31))
    with world.sessions() as session:
        result = checks.nothing_past_disposal(_probe(session, world))
    assert not result.passed and result.overdue
    assert "2 numbers" in result.reason_en


def _verify_entry(world: World, outcome: Outcome) -> datetime:
    with unit_of_work(world.sessions) as session:
        first = 3 if outcome is Outcome.FAILED else None
        entry = audit.record(
            session, world.ctx("auditor"), AuditAction.AUDIT_VERIFY, outcome=outcome,
            details={"first_seq": first},
        )  # fmt: skip
        return entry.occurred_at


def test_trail_verified_open_stale_broken_and_current(world: World) -> None:
    """The trail is append-only, so the probe's clock moves instead of the entry's."""
    with world.sessions() as session:
        result = checks.trail_verified(_probe(session, world))
        assert not result.passed and not result.overdue and "never" in result.reason_en
    at = _verify_entry(world, Outcome.OK)
    with world.sessions() as session:
        stale = checks.trail_verified(_probe(session, world, now=at + timedelta(days=40)))
        assert not stale.passed and stale.overdue
        assert checks.trail_verified(
            _probe(session, world, now=at + timedelta(days=40), interval=60)
        ).passed
        current = checks.trail_verified(_probe(session, world, now=at + timedelta(days=2)))
        assert current.passed and current.due_at == at + timedelta(days=30)
    broken_at = _verify_entry(world, Outcome.FAILED)
    with world.sessions() as session:
        broken = checks.trail_verified(_probe(session, world, now=broken_at + timedelta(hours=1)))
        assert not broken.passed and "broken (entry 3)" in broken.reason_en


def test_spi_register_empty_incomplete_and_kept(world: World) -> None:
    with world.sessions() as session:
        assert not checks.spi_register(_probe(session, world)).passed
        session.add(
            SpiFile(
                organisation_id=world.org.id, name="従業員番号台帳", purpose="源泉徴収票作成",
                responsible_user_id=world.users["manager"].id, affair_codes=["withholding_slip"],
            )
        )  # fmt: skip
        session.flush()
        assert checks.spi_register(_probe(session, world)).passed
        session.add(SpiFile(organisation_id=world.org.id, name="顧客番号台帳", purpose=" ",
                            affair_codes=["payment_record"]))  # fmt: skip
        session.flush()
        result = checks.spi_register(_probe(session, world))
        assert not result.passed and result.reason_en.startswith("1 SPI files lack")


def test_clerks_named_fails_without_assignments(world: World) -> None:
    with world.sessions() as session:
        assert checks.clerks_named(_probe(session, world)).passed
        session.execute(delete(Assignment).where(Assignment.organisation_id == world.org.id))
        assert not checks.clerks_named(_probe(session, world)).passed


def test_officers_of_a_body(world: World) -> None:
    """行政機関等編 別添1 2C a: one 総括責任者, 保護責任者, 監査責任者; a company's manager."""
    with world.sessions() as session:
        agency = Organisation(name="試験市", kind=OrganisationKind.LOCAL_GOVERNMENT.value)
        session.add(agency)
        session.flush()
        for check in (
            checks.chief_officer,
            checks.protection_manager,
            checks.audit_officer,
            checks.manager_separate,
        ):
            assert not check(_probe(session, world, org=agency)).passed, check.__name__
        _user(session, agency, Role.CHIEF_OFFICER, "chief")
        _user(session, agency, Role.PROTECTION_MANAGER, "protect")
        _user(session, agency, Role.AUDITOR, "audit")
        for check in (
            checks.chief_officer,
            checks.protection_manager,
            checks.audit_officer,
            checks.manager_separate,
        ):
            assert check(_probe(session, world, org=agency)).passed, check.__name__
        _user(session, agency, Role.CHIEF_OFFICER, "chief2")
        two = checks.chief_officer(_probe(session, world, org=agency))
        assert not two.passed and "now 2" in two.reason_en


def test_every_check_names_catalogued_measures() -> None:
    from mnvault.compliance.catalogue import measure_by_id

    for check in checks.CHECKS:
        assert check.measures
        for measure_id in check.measures:
            assert measure_by_id(measure_id) is not None, (check.id, measure_id)


def test_numbers_encrypted_fails_for_a_number_without_its_data_key(world: World) -> None:
    with world.sessions() as session:
        assert checks.numbers_encrypted(_probe(session, world)).passed  # nothing stored yet
    (person_id, _number), _second = add_persons(world, 2)
    with world.sessions() as session:
        assert checks.numbers_encrypted(_probe(session, world)).passed
        session.execute(delete(DataKey).where(DataKey.person_id == person_id))
        result = checks.numbers_encrypted(_probe(session, world))
        assert not result.passed and result.reason_en.startswith("1 stored numbers")


def test_disposal_confirmed_follows_the_setting(world: World) -> None:
    from mnvault.disposal import services as retention

    with unit_of_work(world.sessions) as session:
        assert checks.disposal_confirmed(_probe(session, world)).passed  # on by default
        retention.set_confirmation_required(session, world.ctx("admin"), required=False)
    with world.sessions() as session:
        assert not checks.disposal_confirmed(_probe(session, world)).passed
