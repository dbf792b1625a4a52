"""Assignment scopes, conditions and tenants through the services, on SQLite and PostgreSQL.

Sources: 事業者編 別添1 2C a (事務取扱担当者が取り扱う特定個人情報等の範囲の明確化), 2F a
アクセス制御 / seed 図表2-1 (3)①, 図表2-2 (6)①③; DESIGN.md §1 (tenants), §3 invariants
1-2 (authorize, deny by default, a denial audited), §4 (admin and auditor see no number).
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import inspect
import pkgutil
import random
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pyrage
import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

import mnvault
from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AccessError, AuthorizationDenied
from mnvault.access.models import Assignment, Role
from mnvault.access.permissions import NUMBER_PERMISSIONS, RETURNS_NUMBER, Permission
from mnvault.access.policy import engine
from mnvault.admin import listing as admin_listing
from mnvault.affairs.models import AffairKind
from mnvault.affairs.services import define_affair, get_affair
from mnvault.audit.models import AuditEntry
from mnvault.audit.questions import answers
from mnvault.audit.questions import browse as audit_browse
from mnvault.audit.questions import queries as audit_queries
from mnvault.audit.reports import periodic, stored
from mnvault.audit.verification import checks
from mnvault.auth import services as auth
from mnvault.compliance import pack as compliance_pack
from mnvault.compliance import services as compliance
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import unit_of_work
from mnvault.deployment import sealing
from mnvault.deployment.services import Vault
from mnvault.disposal import batches, contractor, records
from mnvault.disposal import services as retention
from mnvault.disposal.rules import Event, Start
from mnvault.errors import MnvaultError
from mnvault.incidents import containment
from mnvault.incidents import files as incident_files
from mnvault.incidents import services as incidents
from mnvault.inspections import services as inspections
from mnvault.inspections.models import InspectionItem, InspectionKind, ItemResult
from mnvault.keys import services as keys
from mnvault.numbers import generate_my_number, generate_my_numbers, is_valid_my_number
from mnvault.orgs import linking, small_business, standing
from mnvault.orgs import services as orgs
from mnvault.orgs.models import OrganisationKind
from mnvault.partners import places as partner_places
from mnvault.partners import services as partners
from mnvault.partners import spi_register
from mnvault.partners.errors import NotCovered
from mnvault.places import areas as places_areas
from mnvault.places import devices as places_devices
from mnvault.places import services as places
from mnvault.places.models import Area
from mnvault.policies import services as policies
from mnvault.policies.rules import Document
from mnvault.training import services as training
from mnvault.vault import (
    browse,
    csvfile,
    exporter,
    link_check,
    purpose_change,
    takeout_recipients,
    withdrawal,
)
from mnvault.vault import importer as imp
from mnvault.vault import services as vs
from mnvault.vault.errors import DuplicateNumber, InvalidInput, NotFound
from mnvault.vault.models import (
    IdentityCheckDocument,
    NumberCheckDocument,
    Person,
    PersonKind,
    RecipientKind,
)
from mnvault.vault.takeout_file import FileFormat, Protection
from tests.conftest import MaskedStr, World
from tests.disposal_support import PASSPHRASE, keyring_of
from tests.support.outsourcing import contract_with

SLIP, DEPENDENTS, INSURANCE = (
    "withholding_slip",
    "dependent_deduction_declaration",
    "health_pension_insurance",
)

# A window that holds everything the tests do.
EPOCH, FAR = datetime(2026, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
# Tuesday 10:00 and 20:00 in Tokyo.
OFFICE_TIME = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
NIGHT_TIME = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


# Each evaluator with one store (issue #12, the suite's time: the full cross doubled this
# file's cost). The evaluators decide from the request alone and the stores answer the same
# SQL whichever decided, so the pairs cover both; tests/test_policy.py holds the evaluators
# to the same decisions case by case.
EVALUATOR_FOR_STORE = {"sqlite": "cedar", "postgresql": "plain"}


@pytest.fixture
def evaluator(request: pytest.FixtureRequest):
    """Every service test here runs under both engines: Cedar on SQLite, the plain
    evaluator on PostgreSQL."""
    name = EVALUATOR_FOR_STORE[request.node.callspec.params["engine"]]
    previous = engine.use(name)
    yield name
    engine.restore(previous)


def verification(world: World) -> vs.IdentityVerification:
    return vs.IdentityVerification(
        NumberCheckDocument.MY_NUMBER_CARD,
        IdentityCheckDocument.MY_NUMBER_CARD,
        world.users["manager"].id,
        datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
    )


def last_entry(world: World) -> AuditEntry:
    with world.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    return entry


@dataclass
class Company:
    """world.org with two departments, two SPI files and four persons, numbers held."""

    hr: uuid.UUID
    sales: uuid.UUID
    employee_ledger: uuid.UUID
    insurance_ledger: uuid.UUID
    persons: dict[str, Person]
    numbers: dict[str, str]


@pytest.fixture
def company(world: World, evaluator: str) -> Company:
    admin, manager = world.ctx("admin"), world.ctx("manager")
    with unit_of_work(world.sessions) as session:
        hr = orgs.create_department(session, admin, code="HR", name="人事部").id
        sales = orgs.create_department(session, admin, code="SALES", name="営業部").id
        employee_ledger = orgs.register_spi_file(
            session, admin, name="従業員番号台帳", purpose="源泉徴収票の作成",
            affair_codes=[SLIP, DEPENDENTS],
        ).id  # fmt: skip
        insurance_ledger = orgs.register_spi_file(
            session, admin, name="社会保険台帳", purpose="社会保険の届出", affair_codes=[INSURANCE]
        ).id
        # The manager may also hold insurance numbers, to acquire some for that affair.
        access.assign(
            session, admin, user=world.users["manager"],
            affair=get_affair(session, world.org.id, INSURANCE),
        )  # fmt: skip
    layout = {
        "hr_employee": (PersonKind.EMPLOYEE, hr, (SLIP,)),
        "hr_dependent": (PersonKind.DEPENDENT, hr, (SLIP,)),
        "sales_employee": (PersonKind.EMPLOYEE, sales, (SLIP,)),
        "insured_hr_employee": (PersonKind.EMPLOYEE, hr, (INSURANCE,)),
    }
    persons: dict[str, Person] = {}
    held: dict[str, str] = {}
    for i, (ref, (kind, department, affairs)) in enumerate(layout.items()):
        number = MaskedStr(generate_my_number(random.Random(i)))
        with unit_of_work(world.sessions) as session:
            person = vs.create_person(
                session, manager, kind=kind, external_ref=ref, name="試験 太郎",
                department_id=department,
            )  # fmt: skip
            for affair in affairs:
                vs.acquire(
                    session, world.envelope, manager.for_affair(affair), person_id=person.id,
                    number=number, verification=verification(world), affair_codes=[affair],
                )  # fmt: skip
        persons[ref], held[ref] = person, number
    return Company(hr, sales, employee_ledger, insurance_ledger, persons, held)


def scope_clerk(world: World, **scope: Any) -> None:
    """Give the clerk one scope on both of their affairs."""
    with unit_of_work(world.sessions) as session:
        for code in (SLIP, DEPENDENTS):
            access.assign(
                session, world.ctx("admin"), user=world.users["clerk"],
                affair=get_affair(session, world.org.id, code), **scope,
            )  # fmt: skip


def use(world: World, who: str, person: Person, affair: str = SLIP, **ctx: Any) -> str:
    with unit_of_work(world.sessions) as session:
        context = replace(world.ctx(who, affair), **ctx)
        return vs.use(session, world.envelope, context, person_id=person.id)


def visible(world: World, who: str, affair: str | None = None) -> set[str]:
    with unit_of_work(world.sessions) as session:
        where = access.visible_persons(session, world.ctx(who, affair))
        return set(session.scalars(select(Person.external_ref).where(where)))


# -- assignment scopes -----------------------------------------------------------------


def test_a_department_scope_limits_the_clerk_to_that_department(world: World, company: Company):
    scope_clerk(world, departments=[company.hr])
    assert use(world, "clerk", company.persons["hr_employee"]) == company.numbers["hr_employee"]
    outsider = company.persons["sales_employee"]
    with pytest.raises(AuthorizationDenied) as caught:
        use(world, "clerk", outsider)
    assert caught.value.reason == "person outside the assignment (department)"
    entry = last_entry(world)
    assert (entry.action, entry.outcome, entry.person_id) == (
        "access:denied",
        "denied",
        outsider.id,
    )
    assert entry.details is not None and entry.details["permission"] == "number:read"
    # The clerk's list holds their department only; the manager's holds everyone.
    assert visible(world, "clerk") == {"hr_employee", "hr_dependent", "insured_hr_employee"}
    assert visible(world, "manager") == set(company.persons)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        vs.summarise_person(session, world.ctx("clerk"), outsider.id)


def test_a_kind_scope_limits_the_clerk_to_those_persons(world: World, company: Company):
    scope_clerk(world, person_kinds=["dependent"])
    assert use(world, "clerk", company.persons["hr_dependent"]) == company.numbers["hr_dependent"]
    with pytest.raises(AuthorizationDenied, match="person kind"):
        use(world, "clerk", company.persons["hr_employee"])
    assert visible(world, "clerk") == {"hr_dependent"}
    # Creating a person outside the scope is refused as well; inside it is not.
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref="N1", name="新"
        )
    with unit_of_work(world.sessions) as session:
        vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.DEPENDENT, external_ref="N2", name="新"
        )


def test_an_spi_file_scope_follows_the_affairs_a_number_was_acquired_for(
    world: World, company: Company
):
    # Scoped to the insurance ledger only: a person is in it when their number was
    # acquired for an affair of that file (health_pension_insurance).
    scope_clerk(world, spi_files=[company.insurance_ledger])
    assert visible(world, "clerk") == {"insured_hr_employee"}
    with pytest.raises(AuthorizationDenied, match="SPI file"):
        use(world, "clerk", company.persons["hr_employee"])
    # Once acquired for insurance too, the same person joins the insurance ledger.
    person = company.persons["hr_employee"]
    with unit_of_work(world.sessions) as session:
        record = session.get(vs.NumberRecord, person.id)
        assert record is not None
        session.add(
            vs.NumberRecordAffair(
                person_id=person.id, affair_id=get_affair(session, world.org.id, INSURANCE).id
            )
        )
    assert use(world, "clerk", person) == company.numbers["hr_employee"]
    assert "hr_employee" in visible(world, "clerk")


def test_lookup_and_export_stay_inside_the_scope(world: World, company: Company):
    scope_clerk(world, departments=[company.hr])
    with unit_of_work(world.sessions) as session:
        found = vs.lookup(
            session, world.envelope, world.ctx("clerk", SLIP), number=company.numbers["hr_employee"]
        )
    assert found is not None and found.external_ref == "hr_employee"
    # Outside the scope: answered as a number no one holds (issue #11), the denial audited.
    with unit_of_work(world.sessions) as session:
        beyond = vs.lookup(
            session,
            world.envelope,
            world.ctx("clerk", SLIP),
            number=company.numbers["sales_employee"],
        )
    assert beyond is None
    denial = last_entry(world)
    assert (denial.action, denial.person_id) == (
        "access:denied",
        company.persons["sales_employee"].id,
    )
    with unit_of_work(world.sessions) as session:
        mine = exporter.export_affair(
            session, world.envelope, world.ctx("clerk", SLIP), purpose="年末調整", passphrase="pw"
        )
        everyone = exporter.export_affair(
            session, world.envelope, world.ctx("manager", SLIP), purpose="年末調整", passphrase="pw"
        )
    assert (mine.person_count, everyone.person_count) == (2, 3)


def test_import_refuses_lines_outside_the_scope(world: World, company: Company, tmp_path: Path):
    scope_clerk(world, departments=[company.hr])
    path = tmp_path / "persons.csv"
    rows = [
        [ref, "employee", "試験", generate_my_number(random.Random(seed)), "my_number_card",
         "drivers_licence", "", department, "", "", ""]
        for ref, seed, department in (("I1", 90, "HR"), ("I2", 91, "SALES"))
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csvfile.COLUMNS)
        writer.writerows(rows)
    report = imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path, affair_codes=[SLIP]
    )
    assert (report.imported, report.rejected, report.outside_assignment) == (1, 1, 1)
    assert "outside your assignment" in str(report.first_errors[0])
    assert report.first_errors[0].line == 3
    with world.sessions() as session:
        denial = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access:denied")
        ).one()
    assert denial.details == {
        "permission": "number:acquire",
        "reason": "outside the assignment",
        "lines": 1,
    }


def test_import_never_confirms_the_number_of_a_person_outside_the_scope(
    world: World, company: Company, tmp_path: Path
):
    """Issue #11 (oracles): a line naming a stored person outside the clerk's scope gets
    the answer a different (unknown) number gets, whether or not the number is theirs
    (today the right number answered "already imported"); each refusal is audited."""
    scope_clerk(world, departments=[company.hr])
    theirs = company.numbers["sales_employee"]
    unknown = generate_my_number(random.Random(92))
    path = tmp_path / "probe.csv"
    rows = [
        [ref, "employee", "試験", number, "my_number_card", "drivers_licence", "", "HR", "",
         "", ""]
        for ref, number in (("sales_employee", theirs), ("sales_employee", unknown),
                            ("I9", theirs))
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csvfile.COLUMNS)
        writer.writerows(rows)
    report = imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path, affair_codes=[SLIP]
    )
    assert report.already_imported == 0 and report.imported == 0
    by_line = {e.line: (e.reason_ja, e.reason_en) for e in report.first_errors}
    assert sorted(by_line) == [2, 3, 4]
    assert by_line[2] == by_line[3]  # the right number answers as an unknown one does
    # A number held out of scope is refused as acquire refuses a duplicate, no more.
    assert by_line[4][1] == DuplicateNumber.message_en
    with world.sessions() as session:
        denials = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access:denied").order_by(AuditEntry.seq)
        ).all()
    sales = company.persons["sales_employee"].id
    assert [(d.person_id, d.details["line"]) for d in denials] == [(sales, 2), (sales, 3),
                                                                  (sales, 4)]  # fmt: skip


def test_assignment_scopes_are_checked_and_audited(world: World, company: Company):
    with unit_of_work(world.sessions) as session:
        other = orgs.create_department(
            session, world.ctx("admin", org=world.other_org), code="X", name="他社の部署"
        )
    with pytest.raises(NotFound), unit_of_work(world.sessions) as session:
        access.assign(
            session, world.ctx("admin"), user=world.users["clerk"],
            affair=get_affair(session, world.org.id, SLIP), departments=[other.id],
        )  # fmt: skip
    with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
        access.assign(
            session, world.ctx("admin"), user=world.users["clerk"],
            affair=get_affair(session, world.org.id, SLIP), person_kinds=["robot"],
        )  # fmt: skip
    with pytest.raises(NotFound), unit_of_work(world.sessions) as session:
        access.assign(
            session, world.ctx("admin"), user=world.users["outsider"],
            affair=get_affair(session, world.org.id, SLIP),
        )  # fmt: skip
    scope_clerk(world, departments=[company.hr], person_kinds=["employee"])
    entry = last_entry(world)
    assert entry.action == "assignment:update"
    assert entry.details == {
        "user_id": str(world.users["clerk"].id),
        "department_ids": [str(company.hr)],
        "person_kinds": ["employee"],
    }


def test_the_sql_filter_and_the_policy_agree_person_by_person(world: World, company: Company):
    """visible_persons (SQL) and decide (policy) must draw the same line."""
    cases = [
        {"departments": [company.hr]},
        {"person_kinds": ["employee"]},
        {"spi_files": [company.employee_ledger]},
        {"departments": [company.sales], "spi_files": [company.insurance_ledger]},
        {},
    ]
    for scope in cases:
        scope_clerk(world, **scope)
        with unit_of_work(world.sessions) as session:
            context = world.ctx("clerk")
            seen = set(
                session.scalars(select(Person.id).where(access.visible_persons(session, context)))
            )
            decided = {
                p.id
                for p in session.scalars(
                    select(Person).where(Person.organisation_id == world.org.id)
                )
                if access.decide(
                    session, context, Permission.PERSON_READ, access.person_resource(p)
                ).allowed
            }
        assert seen == decided, scope


# -- conditions: office hours and the handling area ------------------------------------


def set_conditions(world: World, **conditions: Any) -> None:
    with unit_of_work(world.sessions) as session:
        access.set_conditions(session, world.ctx("admin"), **conditions)


def test_office_hours_refuse_number_use_at_night(
    world: World, company: Company, monkeypatch: pytest.MonkeyPatch
):
    set_conditions(world, office_days=[1, 2, 3, 4, 5], office_start=time(9), office_end=time(18))
    entry = last_entry(world)
    assert entry.action == "access_conditions:update"
    assert entry.details is not None and entry.details["office_hours"] == ["09:00", "18:00"]
    person = company.persons["hr_employee"]
    monkeypatch.setattr("mnvault.access.policy.facts.utcnow", lambda: OFFICE_TIME)
    assert use(world, "clerk", person) == company.numbers["hr_employee"]
    monkeypatch.setattr("mnvault.access.policy.facts.utcnow", lambda: NIGHT_TIME)
    with pytest.raises(AuthorizationDenied) as caught:
        use(world, "clerk", person)
    assert caught.value.reason == "outside office hours"
    assert last_entry(world).details == {
        "permission": "number:read",
        "reason": "outside office hours",
        "engine": engine.evaluator().name,
    }
    # The audit trail stays readable at night (an incident does not wait for morning).
    assert access.decide(world.sessions(), world.ctx("auditor"), Permission.AUDIT_READ).allowed


def test_the_handling_area_admits_its_networks_only(world: World, company: Company):
    set_conditions(world, networks=["10.20.0.0/16", " 2001:db8::/48 "])
    person = company.persons["hr_employee"]
    assert use(world, "clerk", person, client_address="10.20.3.4") == company.numbers["hr_employee"]
    for address, reason in [
        ("192.0.2.1", "client outside the handling area"),
        (None, "client address unknown (handling area)"),
    ]:
        with pytest.raises(AuthorizationDenied) as caught:
            use(world, "clerk", person, client_address=address)
        assert caught.value.reason == reason
        assert last_entry(world).client_address == address
    # Taking the condition away restores access from anywhere.
    set_conditions(world)
    assert use(world, "clerk", person, client_address="192.0.2.1")


@pytest.mark.parametrize(
    "bad",
    [
        {"time_zone": "Mars/Olympus"},
        {"office_days": [0, 8]},
        {"office_start": time(9)},
        {"office_start": time(9), "office_end": time(9)},
        {"networks": ["10.0.0.0/33"]},
        {"networks": ['10.0.0.0/8") || true']},
    ],
)
def test_conditions_are_validated(world: World, evaluator: str, bad: dict[str, Any]):
    with pytest.raises(InvalidInput):
        set_conditions(world, **bad)


@pytest.mark.parametrize("who", ["clerk", "manager", "auditor"])
def test_only_an_admin_sets_conditions(world: World, evaluator: str, who: str):
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        access.set_conditions(session, world.ctx(who), networks=["0.0.0.0/0"])


# -- admin and auditor never get a number ---------------------------------------------


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_admin_and_auditor_reach_no_number_even_when_assigned(
    world: World, company: Company, who: str
):
    """Walk every permission through the service layer's decide() with the most generous
    facts (assigned to the affair, the person inside), and every service that returns a
    number: none answers an admin or an auditor with one."""
    with unit_of_work(world.sessions) as session:
        # Written to the table: no service assigns a number-blind account (issue #11).
        session.add(
            Assignment(
                user_id=world.users[who].id, organisation_id=world.org.id,
                affair_id=get_affair(session, world.org.id, SLIP).id,
            )
        )  # fmt: skip
    person = company.persons["hr_employee"]
    context = world.ctx(who, SLIP)
    with world.sessions() as session:
        allowed = {
            p
            for p in Permission
            if access.decide(session, context, p, access.person_resource(person)).allowed
        }
    assert allowed and not allowed & (RETURNS_NUMBER | NUMBER_PERMISSIONS)


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_no_service_gives_admin_or_auditor_a_number(
    world: World, company: Company, tmp_path: Path, who: str
):
    """Every service that takes a context (the generated list the tenant walk checks is
    complete), called as an admin or an auditor assigned to the affair: refused, or
    an answer in which no number appears."""
    with unit_of_work(world.sessions) as session:
        # Written to the table: no service assigns a number-blind account (issue #11).
        session.add(
            Assignment(
                user_id=world.users[who].id, organisation_id=world.org.id,
                affair_id=get_affair(session, world.org.id, SLIP).id,
            )
        )  # fmt: skip
    path = tmp_path / "x.csv"
    csvfile.write_example_csv(path, 2, seed=9)
    with path.open(encoding="utf-8") as handle:
        in_file = {row["my_number"] for row in csv.DictReader(handle)}
    numbers = {*company.numbers.values(), *in_file}
    context = world.ctx(who, SLIP)
    answered: list[str] = []
    for call in tenant_calls(world, company, path):
        try:
            result = attempt(world, call, context)
        # A refusal of any kind (a state the record is not in …) answers nothing.
        except (AuthorizationDenied, NotFound, InvalidInput, AccessError, MnvaultError):
            continue
        answered.append(call.name)
        text = _text_of(result)
        leaked = _stands_alone_as_a_number(text) or any(n in text for n in numbers)
        assert not leaked, f"{who}: {call.name} answered with a number"
    # The walk reached the services these roles do use, so it proved something.
    expected = {
        "admin": {"auth.services.reset_password", "access.services.member_by_login"},
        "auditor": {"audit.questions.answers.person_usage", "audit.reports.periodic.gather"},
    }
    assert expected[who] <= set(answered)


# Twelve digits on their own (not inside a hex digest, a token or an id): hashes and
# random tokens hold twelve-digit runs that pass the check digit now and then, and made
# this walk flaky with redact(), which masks every such run wherever it stands.
_ALONE = re.compile(r"(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])")
# A UUID's last group is twelve hex digits between a hyphen and the id's end: all digits
# about once in 280 ids, a valid check digit one time in ten (compliance.services.status
# names many ids; it failed the walk once). Ids are removed before looking.
_UUID = re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _stands_alone_as_a_number(text: str) -> bool:
    return any(is_valid_my_number(m) for m in _ALONE.findall(_UUID.sub("<id>", text)))


def test_an_id_whose_last_group_spells_a_number_is_not_a_number() -> None:
    """The walk's own check (above): ids the vault made are not numbers it leaked."""
    number = next(iter(generate_my_numbers(1, seed=18)))
    assert _stands_alone_as_a_number(f"answer {number}")
    assert not _stands_alone_as_a_number(f"id 0a1b2c3d-0000-4000-8000-{number}")


def _text_of(result: object) -> str:  # noqa: PLR0911 - one return per kind of answer
    """Everything a service handed back, as text: strings, bytes, containers, dataclass
    fields and the column values of database rows."""
    if isinstance(result, bytes):
        result = result.decode("latin-1")
    if isinstance(result, uuid.UUID):
        return "<uuid>"  # twelve hex digits may all be decimal and pass the check digit
    if result is None or isinstance(result, str | int | float | bool):
        return str(result)
    if isinstance(result, dict):
        return " ".join(_text_of(k) + " " + _text_of(v) for k, v in result.items())
    if isinstance(result, list | tuple | set | frozenset):
        return " ".join(_text_of(item) for item in result)
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return " ".join(_text_of(getattr(result, f.name)) for f in dataclasses.fields(result))
    state = sa_inspect(result, raiseerr=False)
    if state is not None and hasattr(state, "mapper"):
        return " ".join(_text_of(getattr(result, c.key)) for c in state.mapper.column_attrs)
    return repr(result)


# -- tenants ---------------------------------------------------------------------------

# Public service functions that take a context, and why a test below need not call them.
_NOT_A_TENANT_BOUNDARY = {
    "access.services.abilities": "a question: the permissions the actor holds in the "
    "context's organisation (none without a role there); it grants nothing itself",
    "vault.browse.hr_record": "the family and department of a summary summarise_person "
    "already authorized, read within the caller's reach",
    "vault.browse.today_of": "a value: today in the caller's organisation's zone",
    "vault.browse.disposed_on": "the disposal days of persons the caller's page already "
    "authorized (person_rows, summarise_person), within the caller's organisation",
    "access.services.decide": "a question, not an operation (used by the calls below)",
    "access.services.decide_many": "a question, not an operation",
    "access.services.authorize": "the check itself, exercised by every call below",
    "vault.services.authorize_within_reach": "authorize() on one person, exercised by "
    "summarise_person, find_person and lookup below",
    "access.services.organisation_resource": "builds a value",
    "access.services.new_person_resource": "builds a value",
    "access.services.create_user": "bootstrap (init, fixtures): the home organisation is "
    "given; add_member() is the admin's route and authorizes user:manage",
    "access.services.grant_role": "bootstrap; the admin routes authorize USER_MANAGE first",
    "access.services.user_by_reference": "a lookup by home organisation and login for "
    "member_by_login() and the trail's actor filter, which authorize first",
    "orgs.services.department_by_code": "a lookup inside the caller's organisation",
    "vault.purpose_change.addable": "a question, not an operation (what the person page "
    "offers); add_affair() authorizes itself",
    "orgs.services.create_organisation": "bootstrap (init, fixtures); the context is only "
    "the actor recorded; create_client_organisation() authorizes organisation:manage",
    "access.policy.facts.principal": "loads the facts authorize() decides on",
    "access.policy.facts.request_for": "loads the facts authorize() decides on",
    "access.policy.facts.requests_for": "loads the facts authorize() decides on",
    "access.policy.sql.persons_in_scope": "the filter visible_persons() returns, authorized",
    "attachments.services.store": "the mechanism; the owning package's service authorizes "
    "and audits before it stores (policies, incidents, places …, each in the walk)",
    "attachments.services.open": "the mechanism; the owning service authorizes and audits first",
    "attachments.services.get": "the mechanism; the owning service authorizes first",
    "attachments.services.listing": "the mechanism; the owning service authorizes first",
    "audit.services.record": "appends the entry of an operation that authorized itself",
    "audit.services.record_many": "appends the entries of an operation that authorized itself",
    "audit.services.new_entry": "builds the entry of an operation that authorized itself",
    "dashboard.panels.attention": "gathers what the registered panels answer; each provider "
    "authorizes what it reads",
    "dashboard.panels.sections": "gathers what the registered sections answer; each provider "
    "authorizes what it reads (export:approve, audit:read, user:manage …)",
    "dashboard.services.board": "the caller's own work; each other panel authorizes its own "
    "permission (export:approve, audit:read, user:manage)",
    "keys.services.run_rotation": "the rotation step of keys.rotate() and of a disposal "
    "batch's run(), which authorize key:rotate and disposal:run before calling it",
    "compliance.pack.build": "gather() (in the walk) authorizes and audits; build() renders "
    "what it gathered",
    "affairs.services.my_affairs": "the caller's own assignments in the organisation, nothing else",
    "partners.ending.withdraw_uncovered": "part of partners.end(), after it authorized "
    "partner:manage",
    "partners.places.record_location": "bootstrap (init records where the data is kept); "
    "set_location() is the admin's route and authorizes partner:manage",
    "access.separation.deny": "raises the refusal of a caller that checked",
    "access.separation.check_grant": "part of grant_role(), on the admin routes after "
    "they authorized user:manage",
    "access.separation.check_assignee": "part of assign(), after it authorized assignment:manage",
    "access.separation.is_approver": "a question about the caller's own roles",
    "access.separation.require_approver": "part of approve_api_token() and confirm_user(), "
    "after they authorized export:approve",
    "access.separation.first_manager": "a question, asked by confirm_user() before it authorizes",
    "disposal.confirmation.check": "part of batches.confirm(), after it authorized "
    "disposal:confirm; counts the caller's own organisation's managers",
    "vault.withdrawal.may_withdraw": "a question, not an operation (whether the person "
    "page offers the form); withdraw_affair() authorizes itself",
    "audit.archive.pruning.prune": "the mechanism; people prune through prune_as(), which "
    "authorizes audit:prune (test_audit_retention_actor.py)",
    "audit.archive.pruning.write_archive": "the mechanism; people archive through archive_as(), "
    "which authorizes audit:read (test_audit_retention_actor.py)",
    "audit.archive.pruning.prune_as": "the deployment's one trail (as verify_now), authorized in "
    "the actor's organisation: test_audit_retention_actor.py",
    "audit.archive.pruning.archive_as": "the deployment's one trail (as verify_now), authorized in "
    "the actor's organisation: test_audit_retention_actor.py",
    "disposal.confirmation.standing": "what the batch page shows the caller, after "
    "batches.members_of() authorized disposal:read; the caller's own organisation only",
    "vault.acquisition.resolve_affairs": "the affairs of the caller's organisation (or the "
    "catalogue's) for acquire() and import_persons(), after they authorized number:acquire",
    "vault.importer.check_import_rate": "counts the imports the caller started in the "
    "caller's organisation, and answers only that; import_persons() authorizes itself",
    "vault.provision_records.organisation_kind": "the kind of the caller's own organisation "
    "(which items of 番号法第19条 are open to it)",
    "vault.provision_records.add_provision": "writes the provision of provide() or of "
    "download_export(), after they authorized provision:create / export:create",
    "vault.outside_takeout.checked": "part of request_export(), which authorized "
    "export:create; authorizes provision:create itself",
    "vault.takeout_recipients.usable": "part of request_takeout() and remove_recipient(), "
    "after they authorized export:create / export:approve; the caller's organisation only",
    "vault.outside_takeout.record": "part of download_export(), after it authorized "
    "export:create and checked the requester",
    # The record packages (issues #15, #16, #17).
    "incidents.services.zone": "the time zone of the caller's own organisation",
    "incidents.services.local_day": "a moment as a day of the caller's own organisation",
    "incidents.services.audit_incident": "appends the entry of an operation on the incident "
    "that authorized itself (incidents.files: managed() / readable() first)",
    "incidents.services.attention": "decide() incident:read in the caller's organisation "
    "(empty without it, no refusal recorded), then incidents(), which authorizes itself",
    "inspections.services.zone": "the time zone of the caller's own organisation",
    "inspections.services.attention": "decide() inspection:read in the caller's organisation "
    "(empty without it), then that organisation's actions and schedules only",
    "training.services.zone": "the time zone of the caller's own organisation",
    "training.services.attention": "decide() training:read in the caller's organisation "
    "(empty without it), then that organisation's people only",
    "training.services.my_pledges": "the caller's own pledges in the caller's organisation",
    "training.services.acknowledge": "the caller's own pledge, signed in their own name; "
    "refused (UnknownMember) unless the caller holds a role in the organisation",
    "policies.services.is_responsible": "a question about the caller's own roles",
    "policies.services.attention": "empty unless the caller holds a responsible role "
    "(manager, chief or protection officer: those granted policy:draft) in the caller's "
    "organisation; then that organisation's documents only",
}
# Packages that answer HTTP or the command line: thin, they call the services below.
_EDGES = (".api", ".views", ".cli", ".app", ".migrations")


def _service_functions() -> set[str]:
    """Every public function of the package that takes a context: found, not listed, so
    a new service is in the walks below (or in _NOT_A_TENANT_BOUNDARY) or this fails."""
    found = set()
    for info in pkgutil.walk_packages(mnvault.__path__, "mnvault."):
        if any(edge in info.name for edge in _EDGES):
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if "context" in inspect.signature(fn).parameters:
                found.add(f"{module.__name__.removeprefix('mnvault.')}.{name}")
    return found


@dataclass
class Call:
    name: str
    run: Callable[[Session, Context], object]


def approved_export(world: World) -> uuid.UUID:
    """A clerk's export request of world.org, approved by its manager."""
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    with unit_of_work(world.sessions) as session:
        request = exporter.request_export(
            session, world.ctx("clerk", SLIP), purpose="年末調整", recipient=recipient
        )
        exporter.decide_export(session, world.ctx("manager"), request_id=request.id, approve=True)
        return request.id


def tenant_calls(world: World, company: Company, path: Path) -> list[Call]:
    """One call per service, each aimed at world.org's data (its persons, its number,
    its approved export)."""
    export_id = approved_export(world)
    with unit_of_work(world.sessions) as session:
        # Tokens belong to system users, whose affairs a manager sets (issue #11).
        system = access.add_system_user(
            session, world.ctx("admin"), login=f"sys{uuid.uuid4().hex[:8]}",
            display_name="給与システム", roles=[Role.CLERK],
        )  # fmt: skip
        access.assign(
            session, world.ctx("manager"), user=system,
            affair=get_affair(session, world.org.id, SLIP),
        )  # fmt: skip
        _, token = auth.create_api_token(
            session, world.ctx("admin"), user_id=system.id, name="payroll",
            affair_codes=[SLIP],
        )  # fmt: skip
        token_id = token.id
    with unit_of_work(world.sessions) as session:
        partner_id = contract_with(session, world.ctx("admin"), "kou-corp").id
        selecting_id = partners.register(
            session, world.ctx("admin"), name="選定中", affair_codes=[SLIP]
        ).id
        place_id = partner_places.add_place(
            session, world.ctx("admin"), kind="cloud", country="US", place="us-east-1",
            what="w", safeguards="s", regime_note="n", reviewed_on=date(2026, 1, 1),
        ).id  # fmt: skip
        spi_file_id = orgs.register_spi_file(
            session, world.ctx("admin"), name=f"walk-{uuid.uuid4().hex[:6]}", purpose="p",
            affair_codes=[SLIP],
        ).id  # fmt: skip
    person = company.persons["hr_employee"]
    number = company.numbers["hr_employee"]
    env = world.envelope
    recipient_key = str(pyrage.x25519.Identity.generate().to_public())
    with unit_of_work(world.sessions) as session:
        registered_id = takeout_recipients.add_recipient(
            session, world.ctx("manager"), name="税理士", kind="tax_accountant",
            public_key=recipient_key,
        ).id  # fmt: skip
    clerk = world.users["clerk"]
    batch_id, record_id = disposal_records(world, company)
    area_id, device_id, takeout_id, paper_id, disposed_id = places_records(world)
    rec = record_packages(world)
    manager_id = world.users["manager"].id
    finding = cast(Any, SimpleNamespace(kind="spike", actor=None, seqs=(1,), day=None, count=1))
    broken = cast(
        Any,
        SimpleNamespace(
            problem="gap", message_ja="欠落", message_en="gap", first_seq=1, checkpoint=None
        ),
    )
    with unit_of_work(world.sessions) as session:
        document_id = vs.store_document(
            session, world.envelope, world.ctx("manager", SLIP), person_id=person.id,
            check="number", data=PDF,
        ).id  # fmt: skip
    # Rotations rewrite the keyring file: the walk rotates a copy, never the session's.
    walk_keyring = path.with_name("walk-keyring.json")
    shutil.copy(keyring_of(world).path, walk_keyring)
    ring = LocalKeyring.open(walk_keyring, PASSPHRASE)
    # Stand-in servers: sealing must not seal the keyring the walk goes on using, and a
    # rotation rotates the walk's copy.
    stand_in = cast(Vault, SimpleNamespace(keyring=SimpleNamespace(seal=lambda: None)))
    rotating = cast(
        Vault,
        SimpleNamespace(
            keyring=ring, sessions=world.sessions, transaction=lambda: unit_of_work(world.sessions)
        ),
    )
    return [
        Call("vault.services.create_person", lambda s, c: vs.create_person(
            s, c, kind=PersonKind.EMPLOYEE, external_ref="X1", name="侵入")),
        Call("vault.services.find_person", lambda s, c: vs.find_person(s, c, "hr_employee")),
        Call("vault.services.summarise_person",
             lambda s, c: vs.summarise_person(s, c, person.id)),
        Call("vault.services.acquire", lambda s, c: vs.acquire(
            s, env, c, person_id=person.id, number=number, verification=verification(world),
            affair_codes=[SLIP])),
        Call("vault.services.use", lambda s, c: vs.use(s, env, c, person_id=person.id)),
        Call("vault.services.lookup", lambda s, c: vs.lookup(s, env, c, number=number)),
        Call("vault.services.correct", lambda s, c: vs.correct(
            s, env, c, person_id=person.id, number=number, reason="r",
            verification=verification(world))),
        Call("vault.services.store_document", lambda s, c: vs.store_document(
            s, env, c, person_id=person.id, check="identity", data=b"%PDF-1.7")),
        Call("vault.services.open_document", lambda s, c: vs.open_document(
            s, env, c, person_id=person.id, document_id=document_id)),
        Call("vault.services.provide", lambda s, c: vs.provide(
            s, c, person_ids=[person.id], recipient_kind=RecipientKind.TAX_OFFICE,
            recipient_name="税務署", legal_basis="番号法第19条第2号", method="e-Tax")),
        Call("vault.services.record_hire", lambda s, c: vs.record_hire(
            s, c, person_id=person.id, hired_on=date(2020, 4, 1))),
        Call("vault.services.end_relationship", lambda s, c: vs.end_relationship(
            s, c, person_id=person.id, ended_on=date(2026, 3, 31),
            cause=vs.RelationshipEnd.RETIREMENT)),
        Call("vault.services.resume_relationship", lambda s, c: vs.resume_relationship(
            s, c, person_id=person.id)),
        Call("vault.withdrawal.withdraw_affair", lambda s, c: withdrawal.withdraw_affair(
            s, c, person_id=person.id, affair_code=SLIP, reason="取得の誤り")),
        Call("vault.purpose_change.add_affair", lambda s, c: purpose_change.add_affair(
            s, c, person_id=person.id, affair_code="health_pension_insurance",
            notified_on=date(2026, 4, 1), method=purpose_change.NoticeMethod.INTRANET)),
        Call("affairs.services.define_affair", lambda s, c: define_affair(
            s, c, code="tenant_walk", kind=AffairKind.RELATED, name_ja="独自", name_en="own",
            legal_basis="番号法第9条第4項", person_kinds=["employee"])),
        Call("vault.exporter.export_affair", lambda s, c: exporter.export_affair(
            s, env, c, purpose="p", passphrase="pw")),
        Call("vault.exporter.request_export", lambda s, c: exporter.request_export(
            s, c, purpose="p", recipient="age1x")),
        Call("vault.exporter.request_takeout", lambda s, c: exporter.request_takeout(
            s, env, c, purpose="p", protection=Protection.EXCEL_PASSPHRASE,
            file_format=FileFormat.XLSX)),
        Call("vault.takeout_recipients.recipients", takeout_recipients.recipients),
        Call("vault.takeout_recipients.add_recipient",
             lambda s, c: takeout_recipients.add_recipient(
                 s, c, name="侵入", kind="other", public_key=recipient_key)),
        Call("vault.takeout_recipients.remove_recipient",
             lambda s, c: takeout_recipients.remove_recipient(s, c, registered_id)),
        Call("vault.exporter.decide_export", lambda s, c: exporter.decide_export(
            s, c, request_id=export_id, approve=True)),
        Call("vault.exporter.download_export", lambda s, c: exporter.download_export(
            s, env, c, request_id=export_id)),
        Call("vault.exporter.export_requests", lambda s, c: exporter.export_requests(
            s, c, waiting=True)),
        Call("vault.exporter.export_request", lambda s, c: exporter.export_request(
            s, c, export_id)),
        Call("vault.importer.import_persons", lambda s, c: imp.import_persons(
            world.sessions, env, c, path=path, affair_codes=[SLIP])),
        Call("orgs.services.create_department", lambda s, c: orgs.create_department(
            s, c, code="X", name="侵入")),
        Call("orgs.services.register_spi_file", lambda s, c: orgs.register_spi_file(
            s, c, name="X", purpose="p", affair_codes=[SLIP])),
        Call("orgs.services.spi_file_register", orgs.spi_file_register),
        Call("orgs.small_business.check", small_business.check),
        Call("orgs.standing.read", standing.read),
        Call("orgs.standing.attention", standing.attention),
        Call("orgs.standing.answer", lambda s, c: standing.answer(
            s, c, employees=10, answers=dict.fromkeys(small_business.Exclusion, False))),
        Call("orgs.linking.set_required", lambda s, c: linking.set_required(s, c, on=False)),
        Call("vault.link_check.confirm", lambda s, c: link_check.confirm(
            s, c, person_id=person.id)),
        Call("vault.link_check.attention", link_check.attention),
        Call("orgs.services.create_client_organisation", lambda s, c: (
            orgs.create_client_organisation(s, c, name="丙", kind=OrganisationKind.COMPANY))),
        Call("access.services.assign", lambda s, c: access.assign(
            s, c, user=clerk, affair=get_affair(s, world.org.id, SLIP))),
        Call("access.services.set_conditions", lambda s, c: access.set_conditions(
            s, c, networks=["0.0.0.0/0"])),
        Call("access.services.visible_persons", access.visible_persons),
        Call("access.services.member_by_login", lambda s, c: access.member_by_login(
            s, c, clerk.login)),
        Call("auth.services.reset_password", lambda s, c: auth.reset_password(
            s, c, user_id=clerk.id)),
        Call("auth.services.reset_totp", lambda s, c: auth.reset_totp(
            s, c, user_id=clerk.id, reason="r")),
        Call("auth.services.create_api_token", lambda s, c: auth.create_api_token(
            s, c, user_id=system.id, name="n", affair_codes=[SLIP])),
        Call("auth.services.approve_api_token", lambda s, c: auth.approve_api_token(
            s, c, token_id=token_id) and None),
        Call("auth.services.confirm_user", lambda s, c: auth.confirm_user(
            s, env, c, user_id=clerk.id, code="000000")),
        Call("access.services.add_system_user", lambda s, c: access.add_system_user(
            s, c, login=f"x{uuid.uuid4().hex[:8]}", display_name="侵入",
            roles=[Role.CLERK]) and None),
        Call("admin.listing.awaiting_approval", lambda s, c: admin_listing.awaiting_approval(
            s, c) and None),
        Call("auth.services.revoke_api_token", lambda s, c: auth.revoke_api_token(
            s, c, token_id=token_id)),
        # The administrator's screens (webadmin): results that are not data of a person
        # are dropped here; tests/test_admin_services.py checks what the lists show.
        Call("access.services.add_member", lambda s, c: access.add_member(
            s, c, login=f"x{uuid.uuid4().hex[:8]}", display_name="侵入",
            roles=[Role.CLERK]) and None),
        # Another organisation's user named CODE:LOGIN (an outsourcer's clerk). One who
        # exists nowhere: a grant that worked would change what the later calls of the
        # walk see (tests/test_logins_per_organisation.py has the grants that work).
        Call("access.outside.request_outside_member", lambda s, c: (
            outside.request_outside_member(
                s, c, reference=f"{world.org.code}:nobody", roles=[Role.AUDITOR]) and None)),
        Call("access.outside.incoming_requests", lambda s, c: outside.incoming_requests(
            s, c) and None),
        Call("access.outside.decide_request", lambda s, c: outside.decide_request(
            s, c, request_id=uuid.uuid4(), approve=True)),
        Call("access.outside.roles_elsewhere", outside.roles_elsewhere),
        Call("access.outside.revoke_elsewhere", lambda s, c: outside.revoke_elsewhere(
            s, c, user_id=clerk.id, organisation_id=world.other_org.id)),
        Call("access.services.organisation_code_of", lambda s, c: access.organisation_code_of(
            s, c) and None),
        Call("access.services.grant_member_role", lambda s, c: access.grant_member_role(
            s, c, user=clerk, role=Role.AUDITOR)),
        Call("access.services.revoke_role", lambda s, c: access.revoke_role(
            s, c, user=clerk, role=Role.CLERK)),
        Call("access.services.remove_assignment", lambda s, c: access.remove_assignment(
            s, c, assignment_id=s.scalars(select(Assignment.id).where(
                Assignment.user_id == clerk.id)).first() or uuid.uuid4())),
        Call("auth.services.unlock", lambda s, c: auth.unlock(s, c, user_id=clerk.id)),
        Call("admin.listing.users", lambda s, c: admin_listing.users(s, c) and None),
        Call("admin.listing.user", lambda s, c: admin_listing.user(s, c, clerk.id)),
        Call("admin.listing.member", lambda s, c: admin_listing.member(s, c, clerk.id)),
        Call("admin.listing.assignments", lambda s, c: admin_listing.assignments(s, c) and None),
        Call("admin.listing.tokens", lambda s, c: admin_listing.tokens(s, c) and None),
        Call("audit.questions.queries.uses_of_person", lambda s, c: audit_queries.uses_of_person(
            s, c, person.id)),
        Call("audit.questions.queries.person_of_reference", lambda s, c: (
            audit_queries.person_of_reference(s, c, person.external_ref))),
        Call("audit.questions.queries.impact_scope", lambda s, c: audit_queries.impact_scope(
            s, c, since=EPOCH, until=FAR, actor_id=clerk.id)),
        Call("audit.questions.queries.transfers", audit_queries.transfers),
        Call("audit.questions.answers.person_usage", lambda s, c: answers.person_usage(
            s, c, person.id)),
        Call("audit.questions.answers.impact", lambda s, c: answers.impact(
            s, c, since=EPOCH, until=FAR, actor_id=clerk.id)),
        Call("audit.questions.answers.activity", answers.activity),
        Call("audit.reports.periodic.gather", lambda s, c: periodic.gather(
            s, c, since=EPOCH, until=FAR)),
        # weboversight: the auditor's and the disposal screens' services.
        Call("audit.questions.browse.actions", audit_browse.actions),
        Call("audit.questions.browse.user_id", lambda s, c: audit_browse.user_id(
            s, c, clerk.login)),
        Call("audit.questions.browse.search", lambda s, c: audit_browse.search(
            s, c, audit_browse.Filters())),
        Call("audit.questions.browse.chain_status", lambda s, c: audit_browse.chain_status(
            s, c, 1)),
        Call("audit.verification.checks.verify_now", lambda s, c: checks.verify_now(
            s, c, engine=s.get_bind().engine, trusted_keys=[], witness_path=None)),
        Call("audit.verification.checks.last_verification", checks.last_verification),
        Call("audit.reports.stored.generate", lambda s, c: stored.generate(
            s, c, root=path.parent, since=EPOCH.date(), until=FAR.date())),
        Call("audit.reports.stored.latest", lambda s, c: stored.latest(s, c, root=path.parent)),
        Call("audit.reports.stored.html_of", lambda s, c: stored.html_of(
            s, c, root=path.parent, seq=1)),
        Call("audit.reports.stored.pdf_of", lambda s, c: stored.pdf_of(
            s, c, root=path.parent, seq=1)),
        Call("disposal.records.persons_by_reference", lambda s, c: records.persons_by_reference(
            s, c, [person.external_ref])),
        Call("vault.browse.awaiting_verification", browse.awaiting_verification),
        Call("vault.browse.search", lambda s, c: browse.search(s, c, browse.Filters())),
        Call("vault.browse.departments", browse.departments),
        Call("vault.browse.employee_choices", browse.employee_choices),
        Call("vault.browse.history", lambda s, c: browse.history(s, c, person.id)),
        Call("disposal.services.due_list", lambda s, c: retention.due_list(
            s, c, today=date(2100, 1, 1))),
        Call("disposal.services.reminders", lambda s, c: retention.reminders(
            s, c, today=date(2100, 1, 1))),
        Call("disposal.services.list_rules", retention.list_rules),
        Call("disposal.services.add_rule", lambda s, c: retention.add_rule(
            s, c, affair_code=SLIP, event=Event.RELATIONSHIP_END, start=Start.EVENT_DAY,
            years=9, source="社内規程", looser_reason="r")),
        Call("disposal.services.record_event", lambda s, c: retention.record_event(
            s, c, person_id=person.id, event=Event.LAST_FILING, occurred_on=date(2026, 1, 31))),
        Call("disposal.services.set_confirmation_required", lambda s, c: (
            retention.set_confirmation_required(s, c, required=True))),
        Call("disposal.batches.list_batches", batches.list_batches),
        Call("disposal.batches.members_of", lambda s, c: batches.members_of(
            s, c, batch_id=batch_id)),
        Call("disposal.batches.plan", lambda s, c: batches.plan(
            s, c, today=date(2026, 11, 1), reason="r", person_ids=[person.id],
            early_reason="r")),
        Call("disposal.batches.confirm", lambda s, c: batches.confirm(s, c, batch_id=batch_id)),
        Call("disposal.batches.cancel", lambda s, c: batches.cancel(s, c, batch_id=batch_id)),
        Call("disposal.contractor.list_records", contractor.list_records),
        Call("disposal.contractor.certificate", lambda s, c: contractor.certificate(
            s, env, c, record_id=record_id)),
        Call("disposal.contractor.record", lambda s, c: contractor.record(
            s, env, c, contractor_name="委託先", performed_on=date(2026, 11, 1),
            method="溶解", certificate=PDF, person_ids=[person.id], affair_codes=[SLIP])),
        Call("keys.services.status", lambda s, c: keys.status(s, ring, c)),
        # places (issue #16): areas, entry logs, devices, take-outs, disposals.
        Call("places.areas.list_areas", places_areas.list_areas),
        Call("places.areas.get_area", lambda s, c: places_areas.get_area(s, c, area_id)),
        Call("places.areas.save_area", lambda s, c: places_areas.save_area(
            s, c, area_id=area_id, name=f"区域{uuid.uuid4().hex[:6]}", kind="handling",
            location="本社")),
        Call("places.areas.network_links", lambda s, c: places_areas.network_links(
            s, c, s.get(Area, area_id))),
        Call("places.areas.mappings", places_areas.mappings),
        Call("places.areas.save_mapping", lambda s, c: places_areas.save_mapping(
            s, c, name="walk", spec={"time": "t", "user": "u", "direction": "d",
                                     "in": ["i"], "out": ["o"]})),
        Call("places.areas.import_entries", lambda s, c: places_areas.import_entries(
            s, c, area_id=area_id, filename="g.csv",
            data=f"time,user,door,direction\n2026-11-10 09:00,{uuid.uuid4().hex},A,in\n".encode())),
        Call("places.areas.imports_of", lambda s, c: places_areas.imports_of(s, c, area_id)),
        Call("places.areas.entries_of", lambda s, c: places_areas.entries_of(s, c, area_id)),
        Call("places.devices.list_devices", places_devices.list_devices),
        Call("places.devices.get_device", lambda s, c: places_devices.get_device(s, c, device_id)),
        Call("places.devices.save_device", lambda s, c: places_devices.save_device(
            s, c, device_id=device_id, kind="usb", label=f"USB-{uuid.uuid4().hex[:6]}",
            owner_login=world.users["clerk"].login, encryption="full_disk")),
        Call("places.devices.request_takeout", lambda s, c: places_devices.request_takeout(
            s, c, device_id=paper_id, purpose="提出", destination="税務署",
            safeguards=["sealed"])),
        Call("places.devices.decide_takeout", lambda s, c: places_devices.decide_takeout(
            s, c, takeout_id=takeout_id, approve=False)),
        Call("places.devices.return_takeout", lambda s, c: places_devices.return_takeout(
            s, c, takeout_id=takeout_id)),
        Call("places.devices.list_takeouts", places_devices.list_takeouts),
        Call("places.devices.dispose_device", lambda s, c: places_devices.dispose_device(
            s, env, c, device_id=paper_id, method="shredder", performed_on=date(2026, 11, 1),
            performed_by_login=world.users["manager"].login)),
        Call("places.devices.certificate", lambda s, c: places_devices.certificate(
            s, env, c, disposal_id=disposed_id)),
        Call("places.devices.disposals", places_devices.disposals),
        Call("places.services.cross_check", lambda s, c: places.cross_check(
            s, c, since=EPOCH.date(), until=date(2026, 12, 31))),
        Call("places.services.attention", places.attention),
        Call("places.services.export", lambda s, c: places.export(s, c, "xlsx")),
        # incidents (issue #17): the incident, its steps, drafts, files and containment.
        Call("incidents.services.open_incident", lambda s, c: incidents.open_incident(
            s, c, title="侵入", event="leak", aware_on=date(2026, 11, 2), unit="人事部")),
        Call("incidents.services.open_from", lambda s, c: incidents.open_from(
            s, c, "analysis_finding", "spike::#1", title="侵入", aware_on=date(2026, 11, 2),
            unit="人事部")),
        Call("incidents.services.open_from_finding", lambda s, c: incidents.open_from_finding(
            s, c, finding, aware_on=date(2026, 11, 2), unit="人事部")),
        Call("incidents.services.open_from_verification", lambda s, c: (
            incidents.open_from_verification(
                s, c, broken, aware_on=date(2026, 11, 2), unit="人事部"))),
        Call("incidents.services.managed", lambda s, c: incidents.managed(s, c, rec.incident)),
        Call("incidents.services.readable", lambda s, c: incidents.readable(s, c, rec.incident)),
        Call("incidents.services.incident", lambda s, c: incidents.incident(s, c, rec.incident)),
        Call("incidents.services.incidents", incidents.incidents),
        Call("incidents.services.members", lambda s, c: incidents.members(s, c) and None),
        Call("incidents.services.note_awareness", lambda s, c: incidents.note_awareness(
            s, c, rec.incident, unit="総務部", aware_on=date(2026, 11, 3))),
        Call("incidents.services.update_facts", lambda s, c: incidents.update_facts(
            s, c, rec.incident, summary="更新")),
        Call("incidents.services.update_step", lambda s, c: incidents.update_step(
            s, c, rec.incident, "2A", note="報告済み")),
        Call("incidents.services.set_scope_subject", lambda s, c: incidents.set_scope_subject(
            s, c, rec.incident, since=EPOCH, until=FAR, actor_id=clerk.id)),
        Call("incidents.services.refresh_scope", lambda s, c: incidents.refresh_scope(
            s, c, rec.incident)),
        Call("incidents.services.record_act", lambda s, c: incidents.record_act(
            s, c, rec.incident, "note", result="記録")),
        Call("incidents.services.draft", lambda s, c: incidents.draft(
            s, c, rec.incident, "preliminary")),
        Call("incidents.services.draft_list", lambda s, c: incidents.draft_list(
            s, c, rec.incident)),
        Call("incidents.services.export_draft", lambda s, c: incidents.export_draft(
            s, c, rec.incident, rec.incident_draft, "pdf")),
        Call("incidents.files.attach", lambda s, c: incident_files.attach(
            s, env, c, rec.incident, filename="報告.pdf", data=PDF)),
        Call("incidents.files.files", lambda s, c: incident_files.files(s, c, rec.incident)),
        Call("incidents.files.open_file", lambda s, c: incident_files.open_file(
            s, env, c, rec.incident, rec.incident_file)),
        Call("incidents.containment.contain_user", lambda s, c: containment.contain_user(
            s, c, rec.incident, containment.Act.END_SESSIONS, clerk.id)),
        Call("incidents.containment.seal_server", lambda s, c: containment.seal_server(
            stand_in, s, c, rec.incident)),
        Call("incidents.services.close", lambda s, c: incidents.close(s, c, rec.incident)),
        # policies (基本方針・取扱規程).
        Call("policies.services.overview", policies.overview),
        Call("policies.services.page", policies.page),
        Call("policies.services.version_id_of", lambda s, c: policies.version_id_of(
            s, c, Document.BASIC_POLICY, 1)),
        Call("policies.services.draft", lambda s, c: policies.draft(
            s, env, c, document=Document.HANDLING_RULES)),
        Call("policies.services.upload", lambda s, c: policies.upload(
            s, env, c, document=Document.BASIC_POLICY, filename="方針.pdf", data=PDF)),
        Call("policies.services.download", lambda s, c: policies.download(
            s, env, c, version_id=rec.policy_version, fmt="pdf")),
        Call("policies.services.approve", lambda s, c: policies.approve(
            s, c, version_id=rec.policy_version)),
        Call("policies.services.publish", lambda s, c: policies.publish(
            s, c, version_id=rec.policy_version, effective_from=date(2100, 1, 1))),
        # inspections (issue #15): inspections, their items, files and corrective actions.
        Call("inspections.services.members", lambda s, c: inspections.members(s, c) and None),
        Call("inspections.services.member_id", lambda s, c: inspections.member_id(
            s, c, clerk.login)),
        Call("inspections.services.checklist_for", inspections.checklist_for),
        Call("inspections.services.schedules", inspections.schedules),
        Call("inspections.services.set_schedule", lambda s, c: inspections.set_schedule(
            s, c, kind=InspectionKind.SELF, interval_days=90, starts_on=date(2026, 4, 1))),
        Call("inspections.services.start", lambda s, c: inspections.start(
            s, c, kind=InspectionKind.SELF, title="点検")),
        Call("inspections.services.listing", inspections.listing),
        Call("inspections.services.detail", lambda s, c: inspections.detail(
            s, c, rec.inspection)),
        Call("inspections.services.actions", inspections.actions),
        Call("inspections.services.registers", inspections.registers),
        Call("inspections.services.record_item", lambda s, c: inspections.record_item(
            s, c, item_id=rec.item, result=ItemResult.OK)),
        Call("inspections.services.attach_report", lambda s, c: inspections.attach_report(
            s, c, inspection_id=rec.inspection, report_seq=1)),
        Call("inspections.services.attach_file", lambda s, c: inspections.attach_file(
            s, env, c, inspection_id=rec.inspection, filename="点検.pdf", data=PDF)),
        Call("inspections.services.files", lambda s, c: inspections.files(
            s, c, owner=inspections.OWNER_INSPECTION, owner_id=rec.inspection)),
        Call("inspections.services.open_file", lambda s, c: inspections.open_file(
            s, env, c, rec.inspection_file)),
        Call("inspections.services.add_action", lambda s, c: inspections.add_action(
            s, c, item_id=rec.finding, title="是正", owner_id=manager_id,
            due_on=date(2026, 12, 31))),
        Call("inspections.services.start_action", lambda s, c: inspections.start_action(
            s, c, action_id=rec.action)),
        Call("inspections.services.close_action", lambda s, c: inspections.close_action(
            s, c, action_id=rec.action, note="対応済み")),
        Call("inspections.services.rest_ok", lambda s, c: inspections.rest_ok(
            s, c, inspection_id=rec.inspection)),
        Call("inspections.services.complete", lambda s, c: inspections.complete(
            s, c, inspection_id=rec.inspection)),
        Call("inspections.services.report_to_chief", lambda s, c: inspections.report_to_chief(
            s, c, inspection_id=rec.inspection, chief_id=manager_id)),
        # training and pledges (issue #15): plans, sessions, attendance, supervision.
        Call("training.services.members", lambda s, c: training.members(s, c) and None),
        Call("training.services.member_id", lambda s, c: training.member_id(
            s, c, clerk.login)),
        Call("training.services.settings", training.settings),
        Call("training.services.set_settings", lambda s, c: training.set_settings(
            s, c, require_pledge=False, training_interval_days=365)),
        Call("training.services.create_plan", lambda s, c: training.create_plan(
            s, c, title="研修計画", fiscal_year=2026)),
        Call("training.services.add_session", lambda s, c: training.add_session(
            s, c, plan_id=rec.plan, held_on=date(2026, 11, 1), topic="研修")),
        Call("training.services.set_attendance", lambda s, c: training.set_attendance(
            s, c, session_id=rec.training_session, user_ids=[clerk.id])),
        Call("training.services.import_attendance", lambda s, c: training.import_attendance(
            s, c, session_id=rec.training_session, data=f"login\n{clerk.login}\n".encode())),
        Call("training.services.sessions", training.sessions),
        Call("training.services.plans", training.plans),
        Call("training.services.not_attended", training.not_attended),
        Call("training.services.record_pledge", lambda s, c: training.record_pledge(
            s, c, user_id=clerk.id, kind=training.PledgeKind.PLEDGE,
            signed_on=date(2026, 11, 1))),
        Call("training.services.pledges", training.pledges),
        Call("training.services.without_pledge", training.without_pledge),
        Call("training.services.attach_material", lambda s, c: training.attach_material(
            s, env, c, session_id=rec.training_session, filename="資料.pdf", data=PDF)),
        Call("training.services.files", lambda s, c: training.files(
            s, c, owner=training.OWNER_SESSION, owner_id=rec.training_session)),
        Call("training.services.open_file", lambda s, c: training.open_file(
            s, env, c, rec.training_file)),
        Call("training.services.clerk_record", lambda s, c: training.clerk_record(
            s, c, clerk.id)),
        Call("training.services.review", lambda s, c: training.review(
            s, c, user_id=clerk.id, note="確認")),
        Call("training.services.registers", training.registers),
        Call("compliance.services.status", compliance.status),
        Call("compliance.services.due", compliance.due),
        Call("compliance.services.record_evidence", lambda s, c: compliance.record_evidence(
            s, c, measure_id="J-2A", title="基本方針")),
        Call("compliance.services.set_setting", lambda s, c: compliance.set_setting(
            s, c, measure_id="J-2A", interval_days=365, owner_role=None)),
        # Unrendered: the PDF's text is tested for numbers in test_compliance_pack.py.
        Call("compliance.pack.gather", lambda s, c: compliance_pack.gather(
            s, c, engine=s.get_bind().engine, public_key=ring.public_signing_key(),
            witness_path=None)),
        Call("disposal.batches.run", lambda s, c: batches.run(
            world.sessions, ring, c, batch_id=batch_id)),
        Call("keys.services.rotate", lambda s, c: keys.rotate(world.sessions, ring, c)),
        # Issue #16: outsourcees, places abroad, the SPI file register.
        Call("partners.services.get", lambda s, c: partners.get(s, c, partner_id)),
        Call("partners.services.listing", partners.listing),
        Call("partners.services.affair_choices", partners.affair_choices),
        Call("partners.services.children", lambda s, c: partners.children(s, c, partner_id)),
        Call("partners.services.attention", partners.attention),
        Call("partners.services.supervisions", lambda s, c: partners.supervisions(
            s, c, partner_id)),
        Call("partners.services.register", lambda s, c: partners.register(
            s, c, name="委託先", affair_codes=[SLIP])),
        Call("partners.services.record_selection", lambda s, c: partners.record_selection(
            s, c, selecting_id, checked=[])),
        Call("partners.services.record_contract", lambda s, c: partners.record_contract(
            s, c, selecting_id, clauses=[], start=date(2026, 1, 1))),
        Call("partners.services.record_supervision", lambda s, c: partners.record_supervision(
            s, c, partner_id, kind="report", performed_on=date(2026, 1, 1), summary="報告")),
        Call("partners.services.request_subcontract", lambda s, c: partners.request_subcontract(
            s, c, partner_id, name="再委託先", affair_codes=[SLIP])),
        Call("partners.services.decide_subcontract", lambda s, c: partners.decide_subcontract(
            s, c, partner_id, approve=True)),
        Call("partners.services.end", lambda s, c: partners.end(s, c, partner_id, reason="r")),
        Call("partners.services.record_return", lambda s, c: partners.record_return(
            s, c, partner_id, how="returned")),
        Call("partners.services.open_file", lambda s, c: partners.open_file(
            s, env, c, uuid.uuid4())),
        Call("partners.places.add_place", lambda s, c: partner_places.add_place(
            s, c, kind="cloud", country="US", place="p", what="w", safeguards="s",
            regime_note="n", reviewed_on=date(2026, 1, 1))),
        Call("partners.places.end_place", lambda s, c: partner_places.end_place(s, c, place_id)),
        Call("partners.places.places", partner_places.places),
        Call("partners.places.set_location", lambda s, c: partner_places.set_location(
            s, c, country="JP", place="p")),
        Call("partners.places.location", partner_places.location),
        Call("partners.places.foreign_outsourcees_unrecorded",
             partner_places.foreign_outsourcees_unrecorded),
        Call("partners.spi_register.register", spi_register.register),
        Call("partners.spi_register.choices", spi_register.choices),
        Call("partners.spi_register.describe", lambda s, c: spi_register.describe(
            s, c, spi_file_id, kind="paper", form=None, items=[], person_range=None,
            collection_method=None, responsible_user_id=None, department_id=None)),
        Call("incidents.containment.rotate_keys", lambda s, c: containment.rotate_keys(
            rotating, c, rec.incident)),
        # A stand-in server: sealing it must not seal the keyring the walk goes on using.
        Call("deployment.sealing.seal_as", lambda s, c: sealing.seal_as(
            cast(Vault, SimpleNamespace(keyring=SimpleNamespace(seal=lambda: None))), s, c)),
    ]  # fmt: skip


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def places_records(world: World) -> tuple[uuid.UUID, ...]:
    """world.org's area, a device with a take-out awaiting its decision, a paper file, and a
    disposed medium with its contractor's certificate (issue #16)."""
    manager, clerk = world.ctx("manager"), world.ctx("clerk")
    tag = uuid.uuid4().hex[:6]
    with unit_of_work(world.sessions) as session:
        area = places_areas.save_area(
            session, manager, name=f"給与課{tag}", kind="handling", location="本社3階"
        )
        owner = world.users["clerk"].login
        device = places_devices.save_device(
            session, manager, kind="usb", label=f"USB{tag}", owner_login=owner,
            encryption="full_disk",
        )  # fmt: skip
        paper = places_devices.save_device(
            session, manager, kind="paper_file", label=f"綴{tag}", owner_login=owner,
            encryption="not_applicable",
        )  # fmt: skip
        gone = places_devices.save_device(
            session, manager, kind="pc", label=f"PC{tag}", owner_login=owner,
            encryption="full_disk",
        )  # fmt: skip
        takeout = places_devices.request_takeout(
            session, clerk, device_id=device.id, purpose="提出", destination="税務署",
            safeguards=["encrypted"],
        )  # fmt: skip
        disposed = places_devices.dispose_device(
            session, world.envelope, manager, device_id=gone.id, method="contractor",
            contractor_name="委託先", certificate=PDF, performed_on=date(2026, 11, 1),
            performed_by_login=world.users["manager"].login,
        )  # fmt: skip
        return area.id, device.id, takeout.id, paper.id, disposed.id


@dataclass
class Records:
    """world.org's records of the record packages (issues #15, #17), made by its manager."""

    incident: uuid.UUID
    incident_draft: uuid.UUID
    incident_file: uuid.UUID
    policy_version: uuid.UUID
    inspection: uuid.UUID
    item: uuid.UUID  # still pending
    finding: uuid.UUID  # recorded as a finding, with its corrective action
    action: uuid.UUID
    inspection_file: uuid.UUID
    plan: uuid.UUID
    training_session: uuid.UUID
    training_file: uuid.UUID


def record_packages(world: World) -> Records:
    manager, env = world.ctx("manager"), world.envelope
    with unit_of_work(world.sessions) as session:
        incident = incidents.open_incident(
            session, manager, title="給与明細の誤送付", event="leak",
            aware_on=date(2026, 11, 2), unit="人事部",
        )  # fmt: skip
        incident_draft = incidents.draft(session, manager, incident, "preliminary").id
        # The auditor's refresh_scope() traces the clerk's entries in the walk.
        incidents.set_scope_subject(
            session, manager, incident, since=EPOCH, until=FAR, actor_id=world.users["clerk"].id
        )
        incident_file = incident_files.attach(
            session, env, manager, incident, filename="報告.pdf", data=PDF
        ).id
        policy_version = policies.draft(session, env, manager, document=Document.BASIC_POLICY).id
        inspection = inspections.start(
            session, manager, kind=InspectionKind.SELF, title="定期点検"
        ).id
        first, second = session.scalars(
            select(InspectionItem.id)
            .where(InspectionItem.inspection_id == inspection)
            .order_by(InspectionItem.position)
        ).all()[:2]
        inspections.record_item(
            session, manager, item_id=first, result=ItemResult.FINDING, note="様式の不備"
        )
        action = inspections.add_action(
            session, manager, item_id=first, title="様式の改訂",
            owner_id=world.users["manager"].id, due_on=date(2026, 12, 31),
        ).id  # fmt: skip
        inspection_file = inspections.attach_file(
            session, env, manager, inspection_id=inspection, filename="点検.pdf", data=PDF
        ).id
        plan = training.create_plan(session, manager, title="研修計画", fiscal_year=2026).id
        held = training.add_session(
            session, manager, plan_id=plan, held_on=date(2026, 11, 1), topic="適正な取扱い"
        ).id
        training_file = training.attach_material(
            session, env, manager, session_id=held, filename="資料.pdf", data=PDF
        ).id
        return Records(
            incident, incident_draft, incident_file, policy_version, inspection, second,
            first, action, inspection_file, plan, held, training_file,
        )  # fmt: skip


def disposal_records(world: World, company: Company) -> tuple[uuid.UUID, uuid.UUID]:
    """A disposal batch planned by world.org's manager and a contractor's disposal record."""
    sales = company.persons["sales_employee"].id
    manager = world.ctx("manager")
    with unit_of_work(world.sessions) as session:
        batch = batches.plan(
            session,
            manager,
            today=date(2026, 11, 1),
            reason="退職",
            person_ids=[sales],
            early_reason="試験",
        )
        record = contractor.record(
            session,
            world.envelope,
            manager,
            contractor_name="委託先",
            performed_on=date(2026, 11, 1),
            method="溶解",
            certificate=PDF,
            person_ids=[sales],
            affair_codes=[SLIP],
        )
        return batch.id, record.id


def test_every_service_is_in_the_tenant_walk(world: World, company: Company, tmp_path: Path):
    covered = {call.name for call in tenant_calls(world, company, tmp_path)}
    assert _service_functions() - set(_NOT_A_TENANT_BOUNDARY) == covered


_OWN_TRANSACTIONS = {
    "vault.importer.import_persons",
    "disposal.batches.run",
    "keys.services.rotate",
    "incidents.containment.rotate_keys",
}


def attempt(world: World, call: Call, context: Context) -> object:
    if call.name in _OWN_TRANSACTIONS:
        return call.run(None, context)  # type: ignore[arg-type] - runs its own transactions
    with unit_of_work(world.sessions) as session:
        return call.run(session, context)


def test_no_one_acts_in_an_organisation_where_they_hold_no_role(
    world: World, company: Company, tmp_path: Path
):
    """The other organisation's clerk, naming this organisation, is denied by every
    service, and each denial is audited."""
    path = tmp_path / "x.csv"
    csvfile.write_example_csv(path, 1, seed=7)
    intruder = world.ctx("outsider", SLIP, org=world.org)
    for call in tenant_calls(world, company, path):
        before = last_entry(world).seq
        try:
            attempt(world, call, intruder)
        except AuthorizationDenied as denied:
            reason = denied.reason
        else:
            pytest.fail(f"{call.name} did not refuse")
        # Every call asks the role first, download_export included (vault/exporter.py).
        assert reason == "no role in this organisation", call.name
        entry = last_entry(world)
        assert entry.seq == before + 1, call.name  # exactly one entry: the denial
        assert (entry.action, entry.actor_id) == ("access:denied", world.users["outsider"].id)


def test_a_user_of_two_organisations_reaches_each_only_from_inside_it(
    world: World, company: Company, tmp_path: Path
):
    """The admin holds a role in both organisations, the outsider is a clerk of the
    other one: acting in the other organisation, neither reaches this one's data."""
    path = tmp_path / "x.csv"
    csvfile.write_example_csv(path, 1, seed=8)
    acting_elsewhere = {
        "outsider": world.ctx("outsider", SLIP, org=world.other_org),
        "admin": world.ctx("admin", SLIP, org=world.other_org),
    }
    reached: list[str] = []
    for who, context in acting_elsewhere.items():
        for call in tenant_calls(world, company, path):
            with unit_of_work(world.sessions) as s:
                try:
                    result = call.run(s, context)
                except (AuthorizationDenied, NotFound, InvalidInput, NotCovered, MnvaultError):
                    # refused, or this organisation's data is "not found" there, or (issue
                    # #16) its users are no outsourcee's to be given roles there
                    continue
                if _touches_this_organisation(s, world, result):
                    reached.append(f"{who}: {call.name}")
    assert reached == []


def _touches_this_organisation(  # noqa: PLR0911 - one return per kind of answer
    session: Session, world: World, result: object
) -> bool:
    """Whether anything in a service's answer is world.org's: its persons, its rows, a
    number (any string may be one: the other organisation holds none to give)."""
    if result is None or isinstance(result, bool | int | float | bytes | date | uuid.UUID):
        return False
    if isinstance(result, Person):
        return result.organisation_id == world.org.id
    if isinstance(result, exporter.ExportResult):
        return result.person_count != 0
    if isinstance(result, imp.ImportReport):
        return False  # an import into one's own organisation
    if isinstance(result, str):
        return True
    if isinstance(result, list | tuple | set | frozenset):
        return any(_touches_this_organisation(session, world, item) for item in result)
    organisation = getattr(result, "organisation_id", None)
    if organisation is not None:
        return organisation == world.org.id
    person_id = getattr(result, "person_id", None)
    if isinstance(person_id, uuid.UUID):
        person = session.get(Person, person_id)
        return person is not None and person.organisation_id == world.org.id
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        values = [getattr(result, f.name) for f in dataclasses.fields(result)]
        return any(
            _touches_this_organisation(session, world, v)
            for v in values
            # labels and codes in a dataclass (and tuples of them) are not numbers
            if not isinstance(v, str)
            and not (isinstance(v, tuple) and all(isinstance(x, str) for x in v))
        )
    if isinstance(result, ColumnElement):
        # A WHERE clause: run it.
        rows = session.scalars(select(Person.organisation_id).where(result)).all()
        return world.org.id in rows
    return False
