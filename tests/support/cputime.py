"""``-p tests.support.cputime``: CPU seconds per test file and the costliest tests.

On a shared machine wall time measures the neighbours; CPU time (this process and the
subprocesses it waited for, and the CLI tests' ``mnvault`` runs, forked by
tests/support/zygote.py) measures the test. With
pytest-xdist each worker measures its own tests and the figures travel to the controller
with the test reports. ``MNVAULT_TEST_CPU_LOG=path`` also appends one line per test as
it finishes ("seconds<TAB>nodeid"), so a run stopped early still says where time went.
"""

from __future__ import annotations

import os
import resource
from collections import defaultdict
from collections.abc import Generator

import pytest

from tests.support import zygote


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The CLI tests' commands are the children of their fork server, which reaps them.
    forked = zygote.Zygote.children_cpu
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + forked


_started: dict[str, float] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logstart(nodeid: str) -> None:
    _started[nodeid] = _cpu()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, object, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "teardown":
        # Carried to the xdist controller with the report.
        spent = _cpu() - _started.pop(item.nodeid, _cpu())
        report.user_properties.append(("cpu_seconds", spent))


_collected: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == "cpu_seconds" and report.when == "teardown":
            _collected[report.nodeid] = float(value)  # type: ignore[arg-type]
            if log := os.environ.get("MNVAULT_TEST_CPU_LOG"):
                with open(log, "a", encoding="utf-8") as out:
                    out.write(f"{float(value):.2f}\t{report.nodeid}\n")  # type: ignore[arg-type]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _collected:
        return
    files: dict[str, float] = defaultdict(float)
    for nodeid, seconds in _collected.items():
        files[nodeid.split("::")[0]] += seconds
    write = terminalreporter.write_line
    terminalreporter.section("CPU seconds per test file (self + waited-for children)")
    for name, seconds in sorted(files.items(), key=lambda kv: -kv[1]):
        write(f"{seconds:9.1f}  {name}")
    write(f"{sum(files.values()):9.1f}  total ({len(_collected)} tests)")
    terminalreporter.section("costliest tests (CPU seconds)")
    for nodeid, seconds in sorted(_collected.items(), key=lambda kv: -kv[1])[:30]:
        write(f"{seconds:9.1f}  {nodeid}")
