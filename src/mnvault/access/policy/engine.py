"""One interface, two evaluators; which one decides.

Cedar is the engine (DESIGN.md §3: formally verified, forbid overrides permit, an
organisation's conditions are policy text, not code) as long as it stays within the
decision budget of DESIGN.md §11 (p50 < 100 µs), which benchmarks/authorize.py
measures against the plain evaluator in the same run.
"""

from __future__ import annotations

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


def evaluator() -> Evaluator:
    return _current


def use(name: str) -> Evaluator:
    """Switch the process to another evaluator (tests, benchmarks); returns the old one."""
    global _current  # noqa: PLW0603 - one evaluator per process, switched deliberately
    previous = _current
    _current = EVALUATORS[name]()
    return previous


def restore(previous: Evaluator) -> None:
    global _current  # noqa: PLW0603
    _current = previous


def decide(request: Request) -> Decision:
    return _current.evaluate(request)
