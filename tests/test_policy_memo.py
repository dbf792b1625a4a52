"""Remembered decisions (mnvault.access.policy.engine.decide): an answer is reused only
for the very same facts, so a changed role, assignment or person is decided afresh, and
a question that depends on the clock (an organisation's office hours or networks) is
never remembered.

Sources: DESIGN.md §3 invariant 2 (authorize every call, deny by default); 事業者編
別添1 2F a アクセス制御 / seed 図表2-1 (3)① (who no longer does an affair no longer
reaches its numbers); 2E a 取扱区域 / seed 図表2-2 (5)① (the handling area).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mnvault.access.policy import engine
from mnvault.access.policy.model import Conditions, Decision, PersonFacts, Request, Resource, Scope

ORG = str(uuid.UUID(int=1))
SLIP = "withholding_slip"
PERSON = PersonFacts(str(uuid.UUID(int=100)), "employee", None, None)
ALLOWED_READ = Request(
    actor=str(uuid.UUID(int=3)), organisation=ORG, roles=frozenset({"clerk"}),
    assignments=(Scope(SLIP, None, None, None),), action="number:read",
    resource=Resource(ORG, PERSON), affair=SLIP,
    at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC), client_address="10.0.0.5",
)  # fmt: skip
# Office hours 09:00-18:00 Tokyo on weekdays, from the office network only.
OFFICE = Conditions(
    time_zone="Asia/Tokyo", office_days=frozenset(range(5)), office_start=9 * 60,
    office_end=18 * 60, networks=("10.0.0.0/8",),
)  # fmt: skip


class Counting:
    """How many evaluations the evaluator made (answers from memory are not counted)."""

    calls = 0


@pytest.fixture(params=["cedar", "plain"])
def counted(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The named evaluator decides; Counting.calls counts the evaluations it makes."""
    previous = engine.use(request.param)
    real = engine.evaluator()

    class Wrapped:
        name = real.name

        def evaluate(self, asked: Request) -> Decision:
            Counting.calls += 1
            return real.evaluate(asked)

    monkeypatch.setattr(engine, "_current", Wrapped())
    Counting.calls = 0
    yield
    engine.restore(previous)


# (what changes between the first question and the second, expected second answer)
CHANGES = [
    ("nothing", lambda r: r, True),
    ("the assignment ended", lambda r: replace(r, assignments=()), False),
    ("the role was revoked", lambda r: replace(r, roles=frozenset()), False),
    ("the role became auditor", lambda r: replace(r, roles=frozenset({"auditor"})), False),
    ("another affair", lambda r: replace(r, affair="health_pension_insurance"), False),
    (
        "the person moved to another organisation",
        lambda r: replace(r, resource=Resource(str(uuid.UUID(int=2)), PERSON)),
        False,
    ),
    ("the actor acts in another organisation", lambda r: replace(r, organisation="x"), False),
]


@pytest.mark.parametrize(("change", "alter", "allowed"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_remembered_answer_holds_only_for_the_same_facts(
    counted: None, change: str, alter: object, allowed: bool
) -> None:
    assert engine.decide(ALLOWED_READ).allowed
    second = alter(ALLOWED_READ)  # type: ignore[operator]
    assert engine.decide(second).allowed is allowed, change
    # The unchanged question is answered from memory; any change is evaluated.
    assert Counting.calls == (1 if change == "nothing" else 2)


def test_a_question_that_depends_on_the_clock_is_always_evaluated(counted: None) -> None:
    in_hours = replace(ALLOWED_READ, conditions=OFFICE)
    assert engine.decide(in_hours).allowed
    after_hours = replace(in_hours, at=in_hours.at + timedelta(hours=10))  # 20:00 Tokyo
    assert not engine.decide(after_hours).allowed
    outside = replace(in_hours, client_address="192.0.2.7")  # outside the handling area
    assert not engine.decide(outside).allowed
    assert engine.decide(in_hours).allowed
    assert Counting.calls == 4


def test_switching_evaluators_forgets_the_answers() -> None:
    assert engine.decide(ALLOWED_READ).allowed
    previous = engine.use("plain")
    try:
        assert not engine._memo  # what the switch must clear
    finally:
        engine.restore(previous)
    assert not engine._memo
