"""Disposal of due persons, KEK rotation included, against a plain DELETE of the same rows.

    uv run python benchmarks/dispose.py --n N [--remaining R]

Seeds a SQLite deployment with N retired persons whose numbers are due and R persons
still employed (real wrapped data keys: the rotation must unwrap and re-wrap them), then
copies the database file. On the copy, the baseline: one transaction of plain ``DELETE``
of the same rows (verification_documents, number_record_affairs, number_records, data_keys
of the due persons), with the same indexes and the PRAGMAs the run's deleting transaction
uses. On the original, the real thing: plan the batch (the due list), confirm it, run it
(delete, one audit entry per person, the disposal record) and rotate the KEK (re-wrap the
R remaining keys and re-index their numbers under the new blind-index key, destroy the
old versions). Prints one JSON line on stdout (wall and CPU
seconds of both: on a shared machine the CPU ratio is the steadier one); progress on
stderr. Target (DESIGN.md §11): 1,000,000 due persons in under 30 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from _common import emit, log, machine, peak_rss_mb, rate
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair
from mnvault.config import load_settings
from mnvault.crypto import Envelope, ScryptParams
from mnvault.db.base import new_id, utcnow
from mnvault.db.bulk import Adapt, insert_rows
from mnvault.db.engine import BULK_CACHE_KIB, unit_of_work
from mnvault.deployment.services import initialise, open_vault
from mnvault.disposal import batches
from mnvault.numbers import generate_my_numbers
from mnvault.orgs.models import OrganisationKind
from mnvault.vault.models import DataKey, NumberRecord, NumberRecordAffair, Person
from mnvault.vault.services import MY_NUMBER_FIELD

PASSPHRASE = "bench"
AFFAIR = "withholding_slip"
TODAY = date(2026, 11, 26)
RETIRED = date(2024, 3, 31)
CHUNK = 50_000
TARGET_SECONDS_1M = 30


def seed(work: Path, n: int, remaining: int) -> tuple[Path, Context]:
    settings = load_settings(
        work / "data", env={"MNVAULT_KEYRING_PATH": str(work / "keys" / "keyring.json")}
    )
    init = initialise(
        settings,
        organisation_name="ベンチマーク株式会社",
        organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE,
        scrypt=ScryptParams.fast_for_tests(),
    )
    vault = open_vault(settings, PASSPHRASE)
    try:
        with unit_of_work(vault.sessions) as session:
            admin = session.scalars(select(User).where(User.login == "admin")).one()
            admin_ctx = Context(actor_id=admin.id, organisation_id=init.organisation_id)
            manager = access.create_user(
                session,
                admin_ctx,
                home_organisation_id=init.organisation_id,
                login="manager",
                display_name="責任者",
                password="x" * 20,
            )
            access.grant_role(
                session, admin_ctx, user=manager, organisation_id=init.organisation_id,
                role=Role.MANAGER,
            )  # fmt: skip
            # A second manager confirms: the planner may not (disposal/confirmation.py).
            checker = access.create_user(
                session, admin_ctx, home_organisation_id=init.organisation_id,
                login="checker", display_name="確認者", password="x" * 20,
            )  # fmt: skip
            access.grant_role(
                session, admin_ctx, user=checker, organisation_id=init.organisation_id,
                role=Role.MANAGER,
            )  # fmt: skip
            affair_id = get_affair(session, init.organisation_id, AFFAIR).id
            context = Context(actor_id=manager.id, organisation_id=init.organisation_id)
        _bulk(vault.sessions, vault.envelope, context, affair_id, n=n, remaining=remaining)
    finally:
        vault.close()
    return settings.data_dir, context


def _bulk(
    sessions: sessionmaker[Session],
    envelope: Envelope,
    context: Context,
    affair_id: uuid.UUID,
    *,
    n: int,
    remaining: int,
) -> None:
    org = context.organisation_id
    started = time.perf_counter()
    total = n + remaining
    numbers = generate_my_numbers(remaining, seed=11)
    for offset in range(0, total, CHUNK):
        count = min(CHUNK, total - offset)
        with unit_of_work(sessions) as session:
            tables = {t: t.__table__ for t in (Person, DataKey, NumberRecord, NumberRecordAffair)}
            adapt = Adapt(session, tables[Person])  # type: ignore[arg-type]
            as_uuid, as_date = adapt.uuid(), adapt.date()
            now = adapt.constant("created_at", utcnow())
            persons, keys, records, links = [], [], [], []
            for i in range(offset, offset + count):
                pid = new_id()
                due = i < n
                if due:  # never opened again: random bytes of the real shapes
                    version, blob = 1, os.urandom(60)
                    ciphertext, index = os.urandom(40), os.urandom(32)
                else:  # kept: the rotation opens them to re-index (a real sealed number)
                    dek, wrapped = envelope.new_data_key(org.hex, pid.hex)
                    version, blob = wrapped.kek_version, wrapped.blob
                    number = next(numbers)
                    ciphertext = envelope.seal_field(
                        dek, org.hex, pid.hex, MY_NUMBER_FIELD, number.encode("ascii")
                    )
                    index = envelope.blind_index(org.hex, number)
                persons.append(
                    (as_uuid(pid), as_uuid(org), "employee", f"E{i:08d}", "試験 太郎", "living",
                     as_date(RETIRED if due else None), now)
                )  # fmt: skip
                keys.append((as_uuid(pid), version, blob))
                records.append(
                    (as_uuid(pid), as_uuid(org), ciphertext, index, "my_number_card",
                     "my_number_card", as_uuid(context.actor_id), now, as_uuid(context.actor_id),
                     now)
                )  # fmt: skip
                links.append((as_uuid(pid), as_uuid(affair_id)))
            insert_rows(
                session,
                tables[Person],
                (
                    "id",
                    "organisation_id",
                    "kind",
                    "external_ref",
                    "name",
                    "life_status",
                    "relationship_end",
                    "created_at",
                ),
                persons,
            )  # type: ignore[arg-type]
            insert_rows(session, tables[DataKey], ("person_id", "kek_version", "wrapped_key"), keys)  # type: ignore[arg-type]
            insert_rows(
                session,
                tables[NumberRecord],
                (
                    "person_id",
                    "organisation_id",
                    "ciphertext",
                    "blind_index",
                    "number_check_document",
                    "identity_check_document",
                    "verified_by",
                    "verified_at",
                    "acquired_by",
                    "acquired_at",
                ),
                records,
            )  # type: ignore[arg-type]
            insert_rows(session, tables[NumberRecordAffair], ("person_id", "affair_id"), links)  # type: ignore[arg-type]
        log(f"seeded {offset + count:,} / {total:,} ({time.perf_counter() - started:.1f} s)")


def plain_delete(database: Path) -> tuple[float, float]:
    """The baseline: the same rows deleted with plain SQL, one transaction, with the
    PRAGMAs of the disposal run's own deleting transaction (mnvault.db.engine: the
    engine's, then bulk_sessions' foreign_keys and page cache). Wall and CPU seconds."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=OFF")  # as bulk_sessions sets it
    connection.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    due = "SELECT id FROM persons WHERE relationship_end IS NOT NULL"
    started, cpu = time.perf_counter(), time.process_time()
    connection.execute("BEGIN")
    tables = ("verification_documents", "number_record_affairs", "number_records", "data_keys")
    for table in tables:
        connection.execute(f"DELETE FROM {table} WHERE person_id IN ({due})")  # noqa: S608
    connection.execute("COMMIT")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    return seconds, cpu


def real_dispose(data_dir: Path, work: Path, context: Context, n: int) -> dict[str, Any]:
    settings = load_settings(
        data_dir, env={"MNVAULT_KEYRING_PATH": str(work / "keys" / "keyring.json")}
    )
    vault = open_vault(settings, PASSPHRASE)
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        with unit_of_work(vault.sessions) as session:
            batch = batches.plan(session, context, today=TODAY, reason="benchmark")
            checker = session.scalars(select(User).where(User.login == "checker")).one()
            batches.confirm(session, replace(context, actor_id=checker.id), batch_id=batch.id)
        planned = time.perf_counter()
        batches.run(vault.sessions, vault.keyring, context, batch_id=batch.id, rotate=False)
        deleted = time.perf_counter()
        done = batches.run(vault.sessions, vault.keyring, context, batch_id=batch.id)
        finished = time.perf_counter()
        cpu = time.process_time() - cpu
    finally:
        vault.close()
    if done.disposed_count != n or done.rotation_completed_at is None:
        raise SystemExit(f"disposed {done.disposed_count} of {n}")
    return {
        "seconds": round(finished - started, 2),
        "cpu_seconds": round(cpu, 2),
        "plan_and_confirm_seconds": round(planned - started, 2),
        "delete_and_record_seconds": round(deleted - planned, 2),
        "rotation_seconds": round(finished - deleted, 2),
        "kek_versions_destroyed": done.kek_versions_destroyed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="due persons")
    parser.add_argument("--remaining", type=int, default=None, help="persons kept (default n/10)")
    parser.add_argument("--keep", type=Path, default=None, help="work directory to keep")
    args = parser.parse_args()
    remaining = args.n // 10 if args.remaining is None else args.remaining
    work = args.keep or Path(tempfile.mkdtemp(prefix="mnvault-bench-dispose-"))
    try:
        data_dir, context = seed(work, args.n, remaining)
        database = data_dir / "db" / "mnvault.sqlite3"
        copy = work / "baseline.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{database}{suffix}").exists():
                shutil.copy(f"{database}{suffix}", f"{copy}{suffix}")
        log("baseline: plain DELETE ...")
        baseline, baseline_cpu = plain_delete(copy)
        log(f"baseline {baseline:.2f} s; disposal ...")
        real = real_dispose(data_dir, work, context, args.n)
        log(f"disposal {real['seconds']} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    seconds = real["seconds"]
    emit(
        {
            "benchmark": "dispose",
            "n": args.n,
            "remaining": remaining,
            **real,
            "persons_per_s": rate(args.n, seconds),
            "baseline": {
                "name": "plain DELETE of the same rows",
                "seconds": round(baseline, 2),
                "cpu_seconds": round(baseline_cpu, 2),
            },
            "ratio_vs_plain_delete": round(seconds / baseline, 2) if baseline else None,
            # The machine is shared: CPU seconds compare better than wall seconds.
            "cpu_ratio_vs_plain_delete": (
                round(real["cpu_seconds"] / baseline_cpu, 2) if baseline_cpu else None
            ),
            "projected_seconds_for_1m": round(seconds * 1_000_000 / args.n, 1),
            "target_seconds_for_1m": TARGET_SECONDS_1M,
            "peak_rss_mb": peak_rss_mb(),
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
