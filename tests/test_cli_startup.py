"""`mnvault` loads a command group only when it is named (issue #12, "Fast, stable tests":
`mnvault number check` in well under 0.5 s of CPU). What is loaded is checked, not how
long it took: the number checker needs none of the database, services, web or audit."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "fastapi", "mnvault.db", "mnvault.audit", "mnvault.vault")

PROBE = """
import json, sys
from mnvault.cli.main import run
sys.argv = ["mnvault", *sys.argv[1:]]
try:
    run()
except SystemExit as done:
    code = done.code
heavy = sorted({m.split(".")[0] if not m.startswith("mnvault.") else ".".join(m.split(".")[:2])
                for m in sys.modules if m.startswith(HEAVY)})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _loaded(*args: str) -> dict[str, object]:
    probe = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip
    return dict(json.loads(done.stderr.strip().splitlines()[-1]))


def test_number_check_loads_no_database_service_or_audit_module() -> None:
    loaded = _loaded("number", "check", "123456789018")
    assert loaded == {"code": 0, "heavy": []}


def test_a_command_group_is_still_there_when_named() -> None:
    # `person --help` loads the person commands (and what they need), nothing else is asked.
    loaded = _loaded("person", "--help")
    assert loaded["code"] == 0
    assert "sqlalchemy" in loaded["heavy"]  # type: ignore[operator]


def test_help_lists_every_command_group() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mnvault.cli.main", "--help"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in ("init", "serve", "audit", "dispose", "number", "export", "import", "keys",
                 "org", "person", "user"):  # fmt: skip
        assert f" {name} " in done.stdout, name
