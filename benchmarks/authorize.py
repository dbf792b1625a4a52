"""Authorization decisions: Cedar (cedarpy) against the plain evaluator, same run.

    uv run python benchmarks/authorize.py [--rounds R] [--per-round N]

Times ``evaluate(request)`` end to end for each evaluator (for Cedar that includes
building the entities and context JSON and, on a denial, the plain explanation of
the reason), on a mix of requests the services make: a clerk reading a number
inside a department-scoped assignment under office hours and a handling area, a
clerk reading a person through the second of three assignments, an admin's
organisation-wide read, and two denials (unassigned affair, outside office hours).
Facts are built once, without a database: this measures the decision, not the
queries that load its facts. The evaluators alternate in short rounds so that noise
on a shared machine falls on both. DESIGN.md §11 budget: p50 under 100 µs.
Prints one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import gc
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from _common import emit, log, machine
from mnvault.access.policy.cedar import CedarEvaluator
from mnvault.access.policy.engine import DEFAULT
from mnvault.access.policy.model import Conditions, PersonFacts, Request, Resource, Scope
from mnvault.access.policy.plain import PlainEvaluator

BUDGET_P50_US = 100.0
CASES = (
    "clerk number:read, scoped, conditions",
    "clerk person:read via 2nd assignment",
    "admin person:read",
    "deny: affair not assigned",
    "deny: outside office hours",
)


def _requests() -> list[Request]:
    org, actor = str(uuid.uuid4()), str(uuid.uuid4())
    hr = str(uuid.uuid4())
    ledger = str(uuid.uuid4())
    person = PersonFacts(str(uuid.uuid4()), "employee", hr, frozenset({ledger}))
    assignments = (
        Scope("withholding_slip", departments=frozenset({hr})),
        Scope("health_pension_insurance", person_kinds=frozenset({"customer"})),
        Scope("dependent_deduction_declaration", spi_files=frozenset({ledger})),
    )
    conditions = Conditions(
        office_days=frozenset({1, 2, 3, 4, 5}),
        office_start=9 * 60,
        office_end=18 * 60,
        networks=("10.0.0.0/8", "192.168.10.0/24"),
    )
    tuesday_10 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    tuesday_20 = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 20:00 in Tokyo

    def request(
        action: str, roles: set[str], *, affair: str | None = None, **kw: object
    ) -> Request:
        base: dict[str, object] = {
            "actor": actor,
            "organisation": org,
            "roles": frozenset(roles),
            "assignments": assignments,
            "action": action,
            "resource": Resource(org, person),
            "affair": affair,
            "at": tuesday_10,
            "client_address": "10.1.2.3",
            "conditions": conditions,
        }
        base.update(kw)
        return Request(**base)  # type: ignore[arg-type]

    return [
        request("number:read", {"clerk"}, affair="withholding_slip"),
        request("person:read", {"clerk"}, assignments=(assignments[1], assignments[2])),
        request("person:read", {"admin"}, resource=Resource(org), conditions=None),
        request("number:read", {"clerk"}, affair="resident_tax"),
        request("number:read", {"clerk"}, affair="withholding_slip", at=tuesday_20),
    ]


def _time(evaluate: Callable[[Request], object], requests: list[Request], n: int) -> list[int]:
    out: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(n):
        for request in requests:
            start = clock()
            evaluate(request)
            out.append(clock() - start)
    return out


def _summary(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": round(ordered[len(ordered) // 2] / 1000, 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99)] / 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=50)
    args = parser.parse_args()
    requests = _requests()
    plain, cedar = PlainEvaluator(), CedarEvaluator()
    for request in requests:  # both must agree before their speed means anything
        if plain.evaluate(request) != cedar.evaluate(request):
            raise SystemExit(f"evaluators disagree on {request.action}")
    _time(plain.evaluate, requests, 50)
    _time(cedar.evaluate, requests, 50)  # warm: parse, caches
    samples: dict[str, list[int]] = {"plain": [], "cedar": []}
    gc.disable()
    try:
        for i in range(args.rounds):
            samples["plain"] += _time(plain.evaluate, requests, args.per_round)
            samples["cedar"] += _time(cedar.evaluate, requests, args.per_round)
            log(f"round {i + 1}/{args.rounds}")
    finally:
        gc.enable()
    result_plain, result_cedar = _summary(samples["plain"]), _summary(samples["cedar"])
    # Per case: samples are stored request by request within each repetition.
    cedar_cases = {
        name: _summary(samples["cedar"][i :: len(requests)])["p50_us"]
        for i, name in enumerate(CASES)
    }
    within = result_cedar["p50_us"] < BUDGET_P50_US
    emit(
        {
            "benchmark": "authorize",
            "decisions_each": len(samples["cedar"]),
            "mix": list(CASES),
            "baseline_plain": result_plain,
            "cedar": result_cedar,
            "cedar_p50_us_by_case": cedar_cases,
            "cedar_over_plain_p50": round(result_cedar["p50_us"] / result_plain["p50_us"], 1),
            "budget_p50_us": BUDGET_P50_US,
            "cedar_within_budget": within,
            "engine": DEFAULT,
            **machine(),
        }
    )


if __name__ == "__main__":
    main()
