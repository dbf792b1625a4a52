"""Verifying the audit trail: entries per second on all cores, against sha256sum.

    uv run python benchmarks/audit_verify.py --n N [--database-url postgresql://...]

Builds a SQLite trail (or, with --database-url, a PostgreSQL one in a schema of its own,
dropped afterwards) of N entries the way a bulk import writes them (record_many in
batches of 5,000, a signed checkpoint every 1,000 entries, a witness file), then times
``verify_database`` on every core and with ``processes=1`` (the sequential pass, the one
that locates a break), and, as the baselines in the same run,
``sha256sum`` over the entries' canonical encodings written one after another to a file
(the bytes verification hashes, hashed once by C code) and over the database file.
The CPU time of the all-cores run (this process and its workers) is reported too: on a
machine shared with other work it says what the cores would do alone. It is split into
this process's (serial: checkpoints, witness, joining the chunks) and the workers'
(parallel), which gives what a machine with more idle cores would do. On SQLite the cost
of each step of a worker's pass is measured on one chunk, in microseconds an entry. On
PostgreSQL the CPU time is the client's only: the server's own work is not in it.
Prints one JSON line on stdout; progress on stderr. Target (DESIGN.md §11): at least
1,000,000 entries/s on all cores.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from _common import emit, log, machine, rate
from mnvault.access.context import Context
from mnvault.audit import chain, checkpoints, trail
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.verification import chunkcheck, parallel, sqlite_encoding
from mnvault.audit.verification.verify import verify_database
from mnvault.crypto import LocalKeyring, ScryptParams
from mnvault.db.engine import SYNCHRONOUS, make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade

BATCH = 5000
TARGET = 1_000_000
SCHEMA = "audit_verify_bench"
PROJECTED_CORES = (1, 2, 4, 8, 16)


@contextmanager
def engine_for(work: Path, url: str | None) -> Iterator[Callable[[], Engine]]:
    """A factory of engines on the benchmark's database: a SQLite file in ``work``, or a
    schema of its own in the PostgreSQL database ``url``, dropped at the end."""
    if url is None:
        yield lambda: make_engine(f"sqlite:///{work / 'trail.sqlite3'}")
        return
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    options = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    try:
        yield lambda: make_engine(url, **options)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def build(work: Path, n: int, new_engine: Callable[[], Engine]) -> Path:
    witness_path = work / "witness.jsonl"
    engine = new_engine()
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
    return witness_path


def write_encodings(new_engine: Callable[[], Engine], out: Path) -> int:
    """The canonical encoding of every entry, as verification hashes it, one after another."""
    engine = new_engine()
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


def cpu_seconds() -> tuple[float, float]:
    """(this process's CPU seconds, its finished children's)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed_verify(
    new_engine: Callable[[], Engine], witness_path: Path, processes: int | None
) -> tuple[float, float, float, int]:
    """(wall seconds, this process's CPU seconds, the workers', entries)."""
    # The vault's own key, as `audit verify` trusts the pinned one (never the witness's).
    key = LocalKeyring.open(witness_path.parent / "keyring.json", "bench").public_signing_key()
    engine = new_engine()
    try:
        started, (own, children) = time.perf_counter(), cpu_seconds()
        report = verify_database(engine, [key], witness_path, processes=processes)
        seconds = time.perf_counter() - started
        own_after, children_after = cpu_seconds()
    finally:
        engine.dispose()
    if not report.ok:
        raise SystemExit(f"the benchmark trail does not verify: {report.first}")
    return seconds, own_after - own, children_after - children, report.entries


def _per_entry_us(run: Callable[[], Any], entries: int, repeats: int = 3) -> tuple[float, Any]:
    """The least CPU time of ``repeats`` runs, in microseconds an entry (least: the
    machine is shared, and other work only ever adds)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.process_time()
        result = run()
        best = min(best, time.process_time() - started)
    return round(best / entries * 1e6, 3), result


def steps_us(database: Path, count: int) -> dict[str, float]:
    """A worker's pass over one full chunk, step by step, on one core: microseconds an
    entry to read it (SQLite), to build its encodings, to hash them (the chain) and to
    hash its Merkle subtree; and the bare cost of one hashlib call on a short message,
    of which the pass makes three an entry (entry, leaf and node hashes)."""
    size = min(parallel.CHUNK, count)
    low = (count // size // 2) * size  # a chunk from the middle of the trail
    high = low + size
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        cursor = db.cursor()
        cursor.execute(f"PRAGMA mmap_size = {parallel.MMAP_BYTES}")
        runs_us, _ = _per_entry_us(lambda: sqlite_encoding._runs(cursor, low, high), size)
        read_us, columns = _per_entry_us(
            lambda: sqlite_encoding.read_range(cursor, low, high), size
        )
    finally:
        db.close()
    if columns is None:
        return {}
    encode_us, messages = _per_entry_us(
        lambda: list(sqlite_encoding.encode_range(low, high, columns)), size
    )
    chain_us, computed = _per_entry_us(lambda: chunkcheck.digests(messages), size)
    merkle_us, _ = _per_entry_us(lambda: chunkcheck.levels(computed), size)
    short = [bytes(33)] * size
    call_us, _ = _per_entry_us(lambda: chunkcheck.digests(short), size)
    big = b"".join(messages)
    bulk_us, _ = _per_entry_us(lambda: hashlib.sha256(big).digest(), size)
    return {
        "read_sqlite": read_us,
        "read_sqlite_runs_query": runs_us,
        "encode": encode_us,
        "hash_chain": chain_us,
        "hash_merkle": merkle_us,
        "total": round(read_us + encode_us + chain_us + merkle_us, 3),
        "one_hashlib_call_33_bytes": call_us,
        "hashlib_one_pass_over_the_encodings": bulk_us,
    }


def projected(entries: int, serial_cpu: float, parallel_cpu: float) -> dict[str, float]:
    """Entries a second on k idle cores: the serial part, then the parallel part split
    evenly (an upper bound, as the chunks never split perfectly evenly)."""
    return {str(k): rate(entries, serial_cpu + parallel_cpu / k) for k in PROJECTED_CORES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mnvault-bench-") as tmp:
        work = Path(tmp)
        with engine_for(work, args.database_url) as new_engine:
            log(f"building a trail of {args.n} entries")
            witness_path = build(work, args.n, new_engine)
            log("canonical encodings for the baseline")
            encodings = work / "encodings.bin"
            encoded_bytes = write_encodings(new_engine, encodings)
            log("sha256sum baseline")
            baseline = sha256sum_seconds(encodings)
            encodings.unlink()
            database = work / "trail.sqlite3"
            sqlite = args.database_url is None
            file_baseline = sha256sum_seconds(database) if sqlite else None
            log("verify on all cores")
            all_cores, own_cpu, workers_cpu, entries = timed_verify(new_engine, witness_path, None)
            log("verify on one core")
            one_core, _, _, _ = timed_verify(new_engine, witness_path, 1)
            log("steps of a worker's pass")
            steps = steps_us(database, entries) if sqlite else {}
            size = database.stat().st_size if sqlite else None
            load = os.getloadavg()[0]
    per_s = rate(entries, all_cores)
    cores = os.cpu_count() or 1
    cpu = own_cpu + workers_cpu
    emit(
        {
            "benchmark": "audit_verify",
            "database": "sqlite" if sqlite else "postgresql",
            "entries": entries,
            "seconds": round(all_cores, 3),
            "entries_per_s": per_s,
            "entries_per_s_one_core": rate(entries, one_core),
            "cpu_seconds": round(cpu, 3),
            "cpu_seconds_serial": round(own_cpu, 3),
            "cpu_seconds_workers": round(workers_cpu, 3),
            "entries_per_cpu_s": rate(entries, cpu),
            "us_per_entry_cpu": round(cpu / entries * 1e6, 3) if entries else None,
            # What the cores would do without other work on the machine: every core busy
            # at the CPU time measured (an upper bound; the pass is not perfectly even).
            "entries_per_s_if_cores_idle": rate(entries * cores, cpu),
            "entries_per_s_projected_by_idle_cores": projected(entries, own_cpu, workers_cpu),
            "worker_steps_us_per_entry": steps,
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
