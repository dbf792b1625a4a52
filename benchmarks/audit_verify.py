"""Verifying the audit trail: entries per second on all cores, against sha256sum.

    uv run python benchmarks/audit_verify.py --n N

Builds a SQLite trail of N entries the way a bulk import writes them (record_many in
batches of 5,000, a signed checkpoint every 1,000 entries, a witness file), then times
``verify_database`` on every core and on one, and, as the baselines in the same run,
``sha256sum`` over the entries' canonical encodings written one after another to a file
(the bytes verification hashes, hashed once by C code) and over the database file.
The CPU time of the all-cores run (this process and its workers) is reported too: on a
machine shared with other work it says what the cores would do alone.
Prints one JSON line on stdout; progress on stderr. Target (DESIGN.md §11): at least
1,000,000 entries/s on all cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from _common import emit, log, machine, rate
from mnvault.access.context import Context
from mnvault.audit import chain, checkpoints, trail
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


def write_encodings(database: Path, out: Path) -> int:
    """The canonical encoding of every entry, as verification hashes it, one after another."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        with trail.snapshot(engine) as connection, out.open("wb") as handle:
            for entry in trail.read_entries(connection):
                handle.write(chain.encode_texts(entry.seq, entry.texts(), entry.prev_hash))
    finally:
        engine.dispose()
    return out.stat().st_size


def sha256sum_seconds(path: Path) -> float | None:
    tool = shutil.which("sha256sum")
    if tool is None:
        return None
    started = time.perf_counter()
    subprocess.run([tool, str(path)], check=True, capture_output=True)
    return time.perf_counter() - started


def cpu_seconds() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_verify(
    database: Path, witness_path: Path, processes: int | None
) -> tuple[float, float, int]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        report = verify_database(
            engine, witness_keys(witness_path), witness_path, processes=processes
        )
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        engine.dispose()
    if not report.ok:
        raise SystemExit(f"the benchmark trail does not verify: {report.first}")
    return seconds, cpu, report.entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mnvault-bench-") as tmp:
        work = Path(tmp)
        log(f"building a trail of {args.n} entries")
        database, witness_path = build(work, args.n)
        log("canonical encodings for the baseline")
        encodings = work / "encodings.bin"
        encoded_bytes = write_encodings(database, encodings)
        log("sha256sum baselines")
        baseline = sha256sum_seconds(encodings)
        file_baseline = sha256sum_seconds(database)
        encodings.unlink()
        log("verify on all cores")
        all_cores, cpu, entries = timed_verify(database, witness_path, None)
        log("verify on one core")
        one_core, _, _ = timed_verify(database, witness_path, 1)
        size = database.stat().st_size
        load = os.getloadavg()[0]
    per_s = rate(entries, all_cores)
    cores = os.cpu_count() or 1
    emit(
        {
            "benchmark": "audit_verify",
            "entries": entries,
            "seconds": round(all_cores, 3),
            "entries_per_s": per_s,
            "entries_per_s_one_core": rate(entries, one_core),
            "cpu_seconds": round(cpu, 3),
            "entries_per_cpu_s": rate(entries, cpu),
            # What the cores would do without other work on the machine: every core busy
            # at the CPU time measured (an upper bound; the pass is not perfectly even).
            "entries_per_s_if_cores_idle": rate(entries * cores, cpu),
            "load_average_1m": round(load, 2),
            "baseline": {
                "tool": "sha256sum" if baseline is not None else None,
                "canonical_encoding_bytes": encoded_bytes,
                "seconds": round(baseline, 3) if baseline else None,
                "entries_per_s": rate(entries, baseline) if baseline else None,
                "database_file_bytes": size,
                "database_file_seconds": round(file_baseline, 3) if file_baseline else None,
            },
            "slower_than_baseline": round(all_cores / baseline, 1) if baseline else None,
            "target_entries_per_s": TARGET,
            "meets_target": per_s >= TARGET,
            **machine(),
        }
    )


if __name__ == "__main__":
    main()
