"""`mnvault import persons` with the files people have, and killed (issue #11, "Imports
that real files do not break")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import synthetic_numbers
from tests.test_cli_flow import Deployment, deployment  # noqa: F401 - the fixture
from tests.test_import_real_files import excel_csv, excel_rows

SLIP = "withholding_slip"


def test_cp932_file_imports_and_a_wrong_encoding_is_a_line_error(
    deployment: Deployment,  # noqa: F811
    tmp_path: Path,
):
    """Issue #11: Japanese Excel's "CSV" (cp932, CRLF) imports as it is; read as UTF-8 on
    purpose, its non-ASCII lines are line-numbered errors, never exit 70 (today: exit 70
    after the batches before the first kanji were committed)."""
    numbers = synthetic_numbers(60, seed=51)
    sjis = excel_csv(tmp_path / "sjis.csv", excel_rows(numbers[:30], ascii_until=25), "cp932")
    code, out = deployment.clerk(
        "import", "persons", str(sjis), "--affair", SLIP, "--batch-size", "10",
        "--encoding", "utf-8",
    )  # fmt: skip
    assert code == 1, out
    assert "line 27:" in out and "UTF-8 cannot decode" in out and "Traceback" not in out
    assert "25 件取込み" in out
    again = excel_csv(
        tmp_path / "sjis2.csv", excel_rows(numbers[30:], ascii_until=25, first=30), "cp932"
    )
    code, out = deployment.clerk(
        "import", "persons", str(again), "--affair", SLIP, "--batch-size", "10"
    )
    assert code == 0, out
    assert "cp932 (Shift_JIS)" in out and "30 件取込み" in out
    code, out = deployment.clerk("import", "persons", str(again), "--affair", SLIP,
                                 "--encoding", "latin-1")  # fmt: skip
    assert code == 1 and "auto, utf-8, cp932" in out


# A parent that starts a reader over an endless generator, takes one item, says the
# reader's pid and then waits to be killed, as an import does mid-file.
_PARENT = """
import sys, time
from mnvault.forked import ForkedIterator

def endless():
    n = 0
    while True:
        n += 1
        yield b"x" * 65536

with ForkedIterator(endless, name="mnvault-import-reader") as items:
    next(items)
    import multiprocessing
    (reader,) = multiprocessing.active_children()
    print(reader.pid, flush=True)
    time.sleep(3600)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in {"Z", "X"}  # a zombie has ended: only its exit status is left


def test_a_killed_import_leaves_no_reader_process():
    """Issue #11: kill -9 of an import (the CLI reads in a forked reader process) takes
    the reader with it; today the reader waits forever on a pipe nobody reads."""
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    reader = 0
    try:
        assert parent.stdout is not None
        reader = int(parent.stdout.readline())  # the state waited for: the reader runs
        assert _running(reader)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 120  # ends a broken run only; nothing is timed
        while _running(reader):
            assert time.monotonic() < deadline, "the reader outlived its parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if reader and _running(reader):
            os.kill(reader, signal.SIGKILL)
