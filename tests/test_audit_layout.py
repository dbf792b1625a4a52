"""The audit package's layout (issue #12, "The audit package split"): the ledger that writes
and keeps the trail stays top-level in ``mnvault.audit``; the auditors' tools live in
sub-packages (verification, archive, questions, reports). Two import-linter contracts hold
the line (domains import only the ledger; the ledger imports none of the tools); these tests
keep the contracts' lists whole as packages and ledger modules are added."""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

import mnvault
import mnvault.audit

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("verification", "archive", "questions", "reports")
# The auditors' faces: screens, JSON routes and dashboard sections over every tool, so not
# the ledger.
AUDIT_FACES = {"api", "views", "dashboard"}
DOMAIN_CONTRACT = "Domain packages import only the audit ledger, not the auditors' tools"
LEDGER_CONTRACT = "The audit ledger imports none of the auditors' tools"


def _contract(name: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == name)


@pytest.mark.parametrize(
    "module",
    [
        "mnvault.audit.verification.verify",
        "mnvault.audit.verification.parallel",
        "mnvault.audit.verification.checks",
        "mnvault.audit.archive.archive",
        "mnvault.audit.archive.pruning",
        "mnvault.audit.questions.answers",
        "mnvault.audit.questions.queries",
        "mnvault.audit.reports.periodic",
        "mnvault.audit.reports.report",
        # The ledger's paths that every record package uses stay where they were.
        "mnvault.audit.services",
        "mnvault.audit.actions",
        "mnvault.audit.models",
    ],
)
def test_the_tools_live_in_sub_packages_and_the_ledger_stays_top_level(module: str) -> None:
    importlib.import_module(module)


def test_the_audit_top_level_holds_only_the_ledger_and_its_faces() -> None:
    top = {m.name for m in pkgutil.iter_modules(mnvault.audit.__path__)}
    packages = {m.name for m in pkgutil.iter_modules(mnvault.audit.__path__) if m.ispkg}
    assert packages == set(TOOLS)
    ledger = {f"mnvault.audit.{name}" for name in top - packages - AUDIT_FACES}
    contract = _contract(LEDGER_CONTRACT)
    assert set(contract["source_modules"]) == ledger, "list every ledger module in the contract"
    assert set(contract["forbidden_modules"]) == {f"mnvault.audit.{t}" for t in TOOLS}


def test_every_record_package_is_held_to_the_ledger() -> None:
    """A package with tables of its own (a ``models.py``, as db/registry.py finds them) is a
    record package: it writes the trail through the ledger and uses no auditor's tool."""
    records = {
        f"mnvault.{p.name}"
        for p in pkgutil.iter_modules(mnvault.__path__)
        if p.ispkg and p.name != "audit" and (ROOT / "src/mnvault" / p.name / "models.py").exists()
    }
    contract = _contract(DOMAIN_CONTRACT)
    missing = records - set(contract["source_modules"])
    assert not missing, f"add {sorted(missing)} to the contract {DOMAIN_CONTRACT!r}"
    assert set(contract["forbidden_modules"]) == {f"mnvault.audit.{t}" for t in TOOLS}
