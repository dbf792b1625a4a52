"""One acquisition rule set (issue #12): ``acquire`` for one person and the bulk import
refuse the same bad input with the same reason, and accept the same good input."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mnvault.db.engine import unit_of_work
from mnvault.vault import acquisition as rules
from mnvault.vault import csvfile
from mnvault.vault import importer as imp
from mnvault.vault import services as vs
from mnvault.vault.errors import VaultError
from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument, PersonKind
from tests.api_support import Api, api, bearer
from tests.conftest import World, synthetic_numbers

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

SLIP, DEPENDENTS = "withholding_slip", "dependent_deduction_declaration"
NUMBERS = synthetic_numbers(4, seed=41)
HELD = NUMBERS[3]  # acquired for another person before each case


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@dataclass(frozen=True)
class Case:
    name: str
    number: str = NUMBERS[0]
    kind: str = "employee"
    person_name: str = "山田 太郎"
    affairs: tuple[str, ...] = (SLIP,)


CASES = [
    Case("wrong check digit", number=_wrong_check_digit(NUMBERS[0])),
    Case("wrong length", number="12345"),
    Case("not digits", number="12345678901A"),
    Case("affair not applicable to the kind", kind="customer"),
    Case("number held for another person", number=HELD),
    Case("control character in the name", person_name="山田\x1b太郎"),
]
GOOD = [
    Case("an affair named twice", affairs=(SLIP, SLIP)),
    Case("two affairs", affairs=(SLIP, DEPENDENTS)),
    Case("full-width digits", number=NUMBERS[1].translate(str.maketrans("0123456789",
                                                                         "０１２３４５６７８９"))),
]  # fmt: skip


@pytest.fixture
def held(world: World) -> None:
    with unit_of_work(world.sessions) as session:
        person = vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref="HOLDER",
            name="保有 者",
        )  # fmt: skip
        _acquire(session, world, person.id, HELD, (SLIP,))


def _acquire(session, world: World, person_id, number: str, affairs) -> None:  # type: ignore[no-untyped-def]
    vs.acquire(
        session, world.envelope, world.ctx("clerk"), person_id=person_id, number=number,
        verification=vs.IdentityVerification(
            NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.DRIVERS_LICENCE,
            world.users["clerk"].id, datetime(2026, 4, 1, tzinfo=UTC),
        ),
        affair_codes=list(affairs),
    )  # fmt: skip


class _Undo(Exception):
    """Raised after a successful acquire so that its transaction rolls back: the import
    then meets the same database."""


def by_acquire(world: World, case: Case) -> tuple[str, str] | None:
    try:
        with unit_of_work(world.sessions) as session:
            person = vs.create_person(
                session, world.ctx("clerk"), kind=PersonKind(case.kind), external_ref="P1",
                name=case.person_name,
            )  # fmt: skip
            _acquire(session, world, person.id, case.number, case.affairs)
            raise _Undo
    except _Undo:
        return None
    except VaultError as refused:
        return rules.reasons(refused)


def by_import(world: World, case: Case, tmp_path: Path) -> tuple[str, str] | None:
    path = tmp_path / "one.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csvfile.COLUMNS)
        writer.writerow([
            "P1", case.kind, case.person_name, case.number, "my_number_card", "drivers_licence",
            "", "", "", "", "",
        ])  # fmt: skip
    report = imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path,
        affair_codes=list(case.affairs),
    )  # fmt: skip
    if report.first_errors:
        (error,) = report.first_errors
        return error.reason_ja, error.reason_en
    assert report.imported == 1
    return None


@pytest.mark.parametrize("case", CASES + GOOD, ids=lambda c: c.name)
def test_acquire_and_import_give_the_same_answer(
    world: World, held: None, tmp_path: Path, case: Case
):
    """Issue #12 "One acquisition rule set": the same input, the same reason (or both
    accept it), whichever path acquires. Today an affair named twice fails the import
    with an IntegrityError, and the reasons are worded apart."""
    by_one = by_acquire(world, case)
    by_file = by_import(world, case, tmp_path)
    assert by_one == by_file
    assert (by_one is None) == (case in GOOD)


@pytest.mark.parametrize("field", ["name", "external_ref"])
def test_nul_is_refused_when_a_person_is_created(world: World, field: str):
    """Issue #11: a NUL byte is refused on every path, here the one that creates a person
    (the API's and the screens'), with a reason, on PostgreSQL too (where it was a
    database error)."""
    values = {"external_ref": "N1", "name": "山田 太郎"}
    values[field] = values[field][:1] + "\x00" + values[field][1:]
    with pytest.raises(VaultError) as refused, unit_of_work(world.sessions) as session:
        vs.create_person(session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, **values)
    assert "NUL" in str(refused.value)


def test_the_api_refuses_nul_in_a_person(api: Api):
    """Issue #11: NUL bytes are refused by the API too (its schema already refused them
    before the service does: a guard, not a regression test)."""
    clerk = api.full_session("clerk")
    answer = api.client.post(
        "/api/v1/persons", headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "N1", "name": "山田\u0000太郎"},
    )  # fmt: skip
    assert answer.status_code == 422, answer.text
    listed = api.client.get("/api/v1/persons", headers=bearer(clerk)).json()
    assert listed["total"] == 0
