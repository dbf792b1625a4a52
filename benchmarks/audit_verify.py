"""Verifying the audit trail: entries per second on all cores, against sha256sum.

    uv run python benchmarks/audit_verify.py --n N

Builds a SQLite trail of N entries the way a bulk import writes them (record_many in
batches of 5,000, a signed checkpoint every 1,000 entries, a witness file), then times
``verify_database`` on every core and on one, and, as the baseline in the same run,
``sha256sum`` over the database file (the same bytes, read and hashed once by C code).
Prints one JSON line on stdout; progress on stderr. Target (DESIGN.md §11): at least
1,000,000 entries/s on all cores.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from _common import emit, log, machine, rate
from mnvault.access.context import Context
from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.verify import verify_database, witness_keys
from mnvault.crypto import LocalKeyring, ScryptParams
from mnvault.db.engine import SYNCHRONOUS, make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade

BATCH = 5000
TARGET = 1_000_000


def build(work: Path, n: int) -> tuple[Path, Path]:
    database, witness_path = work / "trail.sqlite3", work / "witness.jsonl"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    factory = make_session_factory(engine)
    keyring = LocalKeyring.create(work / "keyring.json", "bench", ScryptParams.fast_for_tests())
    checkpoints.attach(factory, Checkpointer(keyring, witness_path, every_entries=1000))
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip")
    details = {"affairs": ["withholding_slip"], "via": "import"}
    for start in range(0, n, BATCH):
        with unit_of_work(factory) as session:
            session.connection().info[SYNCHRONOUS] = "NORMAL"  # as the import does
            people = [uuid.uuid4() for _ in range(min(BATCH, n - start))]
            audit.record_many(session, context, AuditAction.NUMBER_ACQUIRE, people, details=details)
    with unit_of_work(factory) as session:
        checkpoints.checkpoint_now(session)
    engine.dispose()
    return database, witness_path


def timed_verify(database: Path, witness_path: Path, processes: int | None) -> tuple[float, int]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        started = time.perf_counter()
        report = verify_database(
            engine, witness_keys(witness_path), witness_path, processes=processes
        )
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    if not report.ok:
        raise SystemExit(f"the benchmark trail does not verify: {report.first}")
    return seconds, report.entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mnvault-bench-") as tmp:
        work = Path(tmp)
        log(f"building a trail of {args.n} entries")
        database, witness_path = build(work, args.n)
        log("sha256sum baseline")
        sha256sum = shutil.which("sha256sum")
        started = time.perf_counter()
        if sha256sum:
            subprocess.run([sha256sum, str(database)], check=True, capture_output=True)
        baseline = time.perf_counter() - started
        log("verify on all cores")
        all_cores, entries = timed_verify(database, witness_path, None)
        log("verify on one core")
        one_core, _ = timed_verify(database, witness_path, 1)
        size = database.stat().st_size
    per_s = rate(entries, all_cores)
    emit(
        {
            "benchmark": "audit_verify",
            "entries": entries,
            "seconds": round(all_cores, 3),
            "entries_per_s": per_s,
            "entries_per_s_one_core": rate(entries, one_core),
            "baseline": {
                "tool": "sha256sum" if sha256sum else None,
                "bytes": size,
                "seconds": round(baseline, 3),
                "entries_per_s": rate(entries, baseline),
            },
            "slower_than_baseline": round(all_cores / baseline, 1) if baseline else None,
            "target_entries_per_s": TARGET,
            "meets_target": per_s >= TARGET,
            **machine(),
        }
    )


if __name__ == "__main__":
    main()
