"""One interface, two evaluators; which one decides.

Cedar is the engine (DESIGN.md §3: formally verified, forbid overrides permit, an
organisation's conditions are policy text, not code) as long as it stays within the
decision budget of DESIGN.md §11 (p50 < 100 µs), which benchmarks/authorize.py
measures against the plain evaluator in the same run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol

from mnvault.access.policy.cedar import CedarEvaluator
from mnvault.access.policy.model import Decision, Request
from mnvault.access.policy.plain import PlainEvaluator


class Evaluator(Protocol):
    name: str

    def evaluate(self, request: Request) -> Decision: ...


EVALUATORS: dict[str, type[Evaluator]] = {"cedar": CedarEvaluator, "plain": PlainEvaluator}
DEFAULT = "cedar"

_current: Evaluator = EVALUATORS[DEFAULT]()

# Decisions already made, keyed by everything an evaluator reads. Why: a clerk repeats
# the same question (this number, for this affair) and Cedar's answer costs more than
# the rest of a number read's authorization (benchmarks/http_read.py). This remembers
# answers, never facts: each request still loads the actor's roles and assignments,
# the person and the conditions from the database, and any change to them is a new key,
# so a revoked role or assignment is refused at once. The policy text is fixed for the
# process's lifetime (cedar.base_policies), so an answer cannot go stale either.
_MEMO_SIZE = 4096
_memo: OrderedDict[tuple[object, ...], Decision] = OrderedDict()
_memo_lock = threading.Lock()


def evaluator() -> Evaluator:
    return _current


def use(name: str) -> Evaluator:
    """Switch the process to another evaluator (tests, benchmarks); returns the old one."""
    global _current  # noqa: PLW0603 - one evaluator per process, switched deliberately
    previous = _current
    _current = EVALUATORS[name]()
    _forget()
    return previous


def restore(previous: Evaluator) -> None:
    global _current  # noqa: PLW0603
    _current = previous
    _forget()


def _forget() -> None:
    with _memo_lock:
        _memo.clear()


def _key(request: Request) -> tuple[object, ...] | None:
    """Every field an evaluator reads; None where the answer depends on the clock (an
    organisation's office hours and networks: those requests are always evaluated)."""
    if request.conditions is not None:
        return None
    return (
        request.actor,
        request.organisation,
        request.roles,
        request.assignments,
        request.action,
        request.resource,
        request.affair,
        request.client_address,
    )


def decide(request: Request) -> Decision:
    key = _key(request)
    if key is None:
        return _current.evaluate(request)
    with _memo_lock:
        known = _memo.get(key)
        if known is not None:
            _memo.move_to_end(key)
            return known
    decision = _current.evaluate(request)
    with _memo_lock:
        _memo[key] = decision
        if len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return decision
