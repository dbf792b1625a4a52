"""Bulk import of persons: the real encrypted path against plaintext and pgcrypto.

    uv run python benchmarks/import_persons.py --n N [--batch-size B] [--pg-url URL]

Every phase runs in a fresh interpreter (``--phase``), so the peak RSS reported for the
import is the import's own. The driver itself stays small (a child starts with its parent's
ru_maxrss on Linux), which is why even writing the CSV is a phase: it imports the importer,
and importing mnvault.access.services runs one argon2 hash (64 MiB).
Prints one JSON line on stdout; progress on stderr.

Rows per person: the real import writes persons, data_keys, number_records,
number_record_affairs and audit_entries (5 rows). The plaintext baseline writes persons,
numbers (the number in clear, unique per organisation), number_affairs and audit (4 rows;
no data key), with the same column types, keys and indexes, the same duplicate lookups per
batch, the same batch size and a commit per batch, into SQLite with the same PRAGMAs.
The pgcrypto baseline times only ``INSERT ... SELECT pgp_sym_encrypt`` into a temporary
table (CSV parsing excluded). Every ``rows_per_s`` counts CSV rows, that is persons.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import pstats
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
)

from _common import (
    children_peak_rss_mb,
    emit,
    log,
    machine,
    peak_rss_mb,
    rate,
    reset_peak_rss,
    run_phase,
)
from mnvault import numbers
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.config import load_settings
from mnvault.crypto import ScryptParams
from mnvault.db.base import GUID, UTCDateTime, new_id, utcnow
from mnvault.db.bulk import insert_rows
from mnvault.db.engine import SYNCHRONOUS, make_engine, unit_of_work
from mnvault.orgs.models import OrganisationKind

AFFAIR = "withholding_slip"
PASSPHRASE = "bench"
DEFAULT_PG_URL = "postgresql://mnvault:mnvault@127.0.0.1/mnvault_test"
TARGETS = {
    "seconds_for_1m": 30,
    "min_ratio_vs_pgcrypto": 7,
    "max_ratio_vs_plaintext": 2.5,
    "max_peak_rss_mb": 300,
}


# -- phase: setup (argon2 hashing here must not count towards the import's memory) -------


def setup(args: argparse.Namespace) -> dict[str, Any]:
    from mnvault.access import services as access  # noqa: PLC0415 - see module docstring
    from mnvault.affairs.services import get_affair  # noqa: PLC0415
    from mnvault.deployment.services import initialise, open_vault  # noqa: PLC0415

    settings = load_settings(args.work / "data", env={})
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
            admin_context = Context(actor_id=admin.id, organisation_id=init.organisation_id)
            clerk = access.create_user(
                session,
                admin_context,
                home_organisation_id=init.organisation_id,
                login="clerk",
                display_name="事務取扱担当者",
                password=access.generate_password(),
            )
            access.grant_role(
                session,
                admin_context,
                user=clerk,
                organisation_id=init.organisation_id,
                role=Role.CLERK,
            )
            affair = get_affair(session, init.organisation_id, AFFAIR)
            access.assign(session, admin_context, user=clerk, affair=affair)
    finally:
        vault.close()
    return {}


def _memory(seconds: float, before: float, reset: bool) -> dict[str, Any]:
    """Call right after the timed part: peak RSS of the whole phase process and, where
    the peak could be reset before it (Linux), of the timed part alone."""
    during = peak_rss_mb() if reset else None
    return {
        "seconds": seconds,
        "peak_rss_mb": max(before, during or peak_rss_mb()),
        "peak_rss_before_import_mb": before,
        "peak_rss_during_import_mb": during,
    }


# -- phase: the real import ---------------------------------------------------------------


def real_import(args: argparse.Namespace) -> dict[str, Any]:
    from mnvault.deployment.services import (  # noqa: PLC0415
        only_organisation_of,
        open_vault,
    )
    from mnvault.vault.importer import import_persons  # noqa: PLC0415

    vault = open_vault(load_settings(args.work / "data", env={}), PASSPHRASE)
    with vault.sessions() as session:
        clerk = session.scalars(select(User).where(User.login == "clerk")).one()
        organisation_id = only_organisation_of(session, clerk)
    assert organisation_id is not None  # noqa: S101 - setup made exactly one
    context = Context(actor_id=clerk.id, organisation_id=organisation_id)
    before = peak_rss_mb()
    reset = reset_peak_rss()
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = import_persons(
        vault.sessions,
        vault.envelope,
        context,
        path=args.work / "persons.csv",
        affair_codes=[AFFAIR],
        batch_size=args.batch_size,
    )
    if profiler:
        profiler.disable()
    result = _memory(time.perf_counter() - started, before, reset)
    # The reader process the import forks (it seals while this one writes) has its own.
    result["peak_rss_reader_mb"] = children_peak_rss_mb()
    vault.close()
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
        log(out.getvalue())
    if report.imported != args.n or not report.committed:
        raise SystemExit(f"import stored {report.imported} of {args.n}: {report.first_errors}")
    return result


# -- phase: plaintext baseline on SQLite ----------------------------------------------------

plain = MetaData()
plain_orgs = Table("organisations", plain, Column("id", GUID, primary_key=True))
plain_users = Table("users", plain, Column("id", GUID, primary_key=True))
plain_affairs = Table("affairs", plain, Column("id", GUID, primary_key=True))
plain_persons = Table(
    "persons",
    plain,
    Column("id", GUID, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("external_ref", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("department_id", GUID),
    Column("related_person_id", ForeignKey("persons.id")),
    Column("life_status", String(16), nullable=False),
    Column("relationship_start", Date),
    Column("relationship_end", Date),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("organisation_id", "external_ref"),
    sqlite_with_rowid=False,
)
plain_numbers = Table(
    "numbers",
    plain,
    Column("person_id", ForeignKey("persons.id"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("number", String(12), nullable=False),
    Column("number_check_document", String(32), nullable=False),
    Column("identity_check_document", String(32), nullable=False),
    Column("verified_by", ForeignKey("users.id"), nullable=False),
    Column("verified_at", UTCDateTime, nullable=False),
    Column("acquired_by", ForeignKey("users.id"), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    UniqueConstraint("organisation_id", "number"),
    sqlite_with_rowid=False,
)
plain_links = Table(
    "number_affairs",
    plain,
    Column("person_id", ForeignKey("numbers.person_id", ondelete="CASCADE"), primary_key=True),
    Column("affair_id", ForeignKey("affairs.id"), primary_key=True),
    sqlite_with_rowid=False,
)
plain_audit = Table(
    "audit",
    plain,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("actor_id", GUID),
    Column("organisation_id", GUID),
    Column("action", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("affair_code", String(64)),
    Column("person_id", GUID, index=True),
    Column("spi_file_id", GUID),
    Column("request_id", String(64)),
    Column("client_address", String(64)),
    Column("details", JSON),
    # The indexes of audit_entries (mnvault.audit.models).
    Index(
        "ix_audit_actor_scope",
        "actor_id",
        "occurred_at",
        "organisation_id",
        "person_id",
        "affair_code",
    ),
    Index(
        "ix_audit_address_scope",
        "client_address",
        "occurred_at",
        "organisation_id",
        "person_id",
        "affair_code",
    ),
    Index("ix_audit_org_action_time", "organisation_id", "action", "occurred_at"),
)


def _plain_batch(
    conn: Connection, batch: list[list[str]], pos: dict[str, int], ids: dict[str, Any]
) -> None:
    org, actor, affair, now = ids["org"], ids["actor"], ids["affair"], utcnow()
    refs = [f[pos["external_ref"]].strip() for f in batch]
    parsed = [numbers.parse_my_number(f[pos["my_number"]]) for f in batch]
    # The same duplicate checks the real import makes, on the plaintext columns.
    known = conn.execute(
        select(plain_persons.c.external_ref).where(
            plain_persons.c.organisation_id == org, plain_persons.c.external_ref.in_(refs)
        )
    ).all()
    held = conn.execute(
        select(plain_numbers.c.number).where(
            plain_numbers.c.organisation_id == org, plain_numbers.c.number.in_(parsed)
        )
    ).all()
    if known or held:
        raise SystemExit("plaintext baseline: unexpected duplicates")
    # Rows as tuples through the same bulk path as the real import (mnvault.db.bulk).
    now_s = str(now.replace(tzinfo=None))
    org_s, actor_s, affair_s = org.bytes, actor.bytes, affair.bytes
    details = json.dumps({"affairs": [AFFAIR], "via": "import"})
    persons, records, links, audit = [], [], [], []
    for fields, ref, number in zip(batch, refs, parsed, strict=True):
        pid = new_id().bytes
        start = fields[pos["relationship_start"]].strip()
        persons.append(
            (
                pid,
                org_s,
                fields[pos["kind"]].strip(),
                ref,
                fields[pos["name"]].strip(),
                None,
                None,
                "living",
                date.fromisoformat(start).isoformat() if start else None,
                None,
                now_s,
            )
        )
        records.append(
            (
                pid,
                org_s,
                number,
                fields[pos["number_check_document"]].strip(),
                fields[pos["identity_check_document"]].strip(),
                actor_s,
                now_s,
                actor_s,
                now_s,
            )
        )
        links.append((pid, affair_s))
        audit.append(
            (
                now_s,
                actor_s,
                org_s,
                "number:acquire",
                "ok",
                AFFAIR,
                pid,
                None,
                ids["request"],
                None,
                details,
            )
        )
    insert_rows(conn, plain_persons, [c.name for c in plain_persons.c], persons)
    insert_rows(conn, plain_numbers, [c.name for c in plain_numbers.c], records)
    insert_rows(conn, plain_links, [c.name for c in plain_links.c], links)
    insert_rows(conn, plain_audit, [c.name for c in plain_audit.c][1:], audit)
    conn.commit()


def plaintext(args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{args.work / 'plaintext.sqlite3'}")
    plain.create_all(engine)
    ids = {"org": new_id(), "actor": new_id(), "affair": new_id(), "request": new_id().hex}
    with engine.begin() as conn:
        conn.execute(insert(plain_orgs), {"id": ids["org"]})
        conn.execute(insert(plain_users), {"id": ids["actor"]})
        conn.execute(insert(plain_affairs), {"id": ids["affair"]})
    before = peak_rss_mb()
    reset = reset_peak_rss()
    started = time.perf_counter()
    path = args.work / "persons.csv"
    with engine.connect() as conn, path.open(encoding="utf-8-sig", newline="") as handle:
        conn.info[SYNCHRONOUS] = "NORMAL"  # the same per-batch durability as the import
        reader = csv.reader(handle, strict=True)
        pos = {name.strip(): i for i, name in enumerate(next(reader))}
        batch: list[list[str]] = []
        for fields in reader:
            batch.append(fields)
            if len(batch) >= args.batch_size:
                _plain_batch(conn, batch, pos, ids)
                batch = []
        if batch:
            _plain_batch(conn, batch, pos, ids)
    result = _memory(time.perf_counter() - started, before, reset)
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(plain_numbers))
    engine.dispose()
    if stored != args.n:
        raise SystemExit(f"plaintext baseline stored {stored} of {args.n}")
    return result


# -- phase: pgcrypto baseline ------------------------------------------------------------------


def pgcrypto(args: argparse.Namespace) -> dict[str, Any]:
    import psycopg  # noqa: PLC0415 - only this phase needs it

    with (args.work / "persons.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        column = next(reader).index("my_number")
        parsed = [numbers.parse_my_number(fields[column]) for fields in reader]
    parsed = parsed[: args.pgcrypto_sample]
    try:
        conn = psycopg.connect(args.pg_url, connect_timeout=5)
    except psycopg.Error as exc:
        # The reason, not the URL: the URL may carry a password.
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return {"skipped": f"PostgreSQL unreachable: {type(exc).__name__}: {detail}"}
    with conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        # A temporary table is unlogged and private: pgcrypto's best case.
        conn.execute("CREATE TEMP TABLE bench_pgcrypto (ciphertext bytea NOT NULL)")
        conn.commit()
        started = time.perf_counter()
        for i in range(0, len(parsed), args.batch_size):
            conn.execute(
                "INSERT INTO bench_pgcrypto (ciphertext) "
                "SELECT pgp_sym_encrypt(n, %s) FROM unnest(%s::text[]) AS t(n)",
                ("bench-key", parsed[i : i + args.batch_size]),
            )
            conn.commit()
        seconds = time.perf_counter() - started
        stored = conn.execute("SELECT count(*) FROM bench_pgcrypto").fetchone()
    if stored is None or stored[0] != len(parsed):
        raise SystemExit(f"pgcrypto baseline stored {stored} of {len(parsed)}")
    return {"seconds": seconds, "rows": len(parsed)}


def write_csv(args: argparse.Namespace) -> dict[str, Any]:
    from mnvault.vault.csvfile import write_example_csv  # noqa: PLC0415

    write_example_csv(args.work / "persons.csv", args.n)
    return {}


PHASES = {
    "csv": write_csv,
    "setup": setup,
    "import": real_import,
    "plaintext": plaintext,
    "pgcrypto": pgcrypto,
}


# -- driver ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--pgcrypto-sample",
        type=int,
        default=100_000,
        help="encrypt this many of the numbers with pgcrypto (its rate is flat in n: one "
        "key derivation per row), so a 1,000,000-person run does not wait minutes for it",
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the import's top N cProfile lines (cumulative, then own time) on stderr; "
        "the profiler slows the import, so its timing is then not comparable",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        emit(PHASES[args.phase](args))
        return

    n = args.n
    with tempfile.TemporaryDirectory(prefix="mnvault-bench-") as tmp:
        work = Path(tmp)
        child = [
            *("--n", str(n), "--batch-size", str(args.batch_size), "--pg-url", args.pg_url),
            *("--work", str(work), "--profile", str(args.profile)),
            *("--pgcrypto-sample", str(args.pgcrypto_sample)),
        ]
        log(f"writing {n} synthetic persons to {work / 'persons.csv'}")
        run_phase(__file__, "csv", child)
        log("initialising a deployment with a clerk assigned to withholding_slip")
        run_phase(__file__, "setup", child)
        log("real import (encrypted)")
        real = run_phase(__file__, "import", child)
        log("plaintext baseline (SQLite)")
        base = run_phase(__file__, "plaintext", child)
        log("pgcrypto baseline (PostgreSQL)")
        pg = run_phase(__file__, "pgcrypto", child)

    persons_per_s = rate(n, real["seconds"])
    pg_result = None if "skipped" in pg else {"seconds": round(pg["seconds"], 3)}
    if pg_result:
        pg_result["rows"] = pg["rows"]
        pg_result["rows_per_s"] = rate(pg["rows"], pg["seconds"])
    result: dict[str, Any] = {
        "benchmark": "import_persons",
        "n": n,
        "batch_size": args.batch_size,
        "seconds": round(real["seconds"], 3),
        "persons_per_s": persons_per_s,
        "peak_rss_mb": real["peak_rss_mb"],
        "peak_rss_before_import_mb": real["peak_rss_before_import_mb"],
        "peak_rss_during_import_mb": real["peak_rss_during_import_mb"],
        "peak_rss_reader_mb": real.get("peak_rss_reader_mb"),
        "baseline_plaintext": {
            "seconds": round(base["seconds"], 3),
            "rows_per_s": rate(n, base["seconds"]),
            "peak_rss_mb": base["peak_rss_mb"],
            "peak_rss_before_import_mb": base["peak_rss_before_import_mb"],
            "peak_rss_during_import_mb": base["peak_rss_during_import_mb"],
        },
        "baseline_pgcrypto": pg_result,
        "ratio_vs_plaintext": round(real["seconds"] / base["seconds"], 2),
        "ratio_vs_pgcrypto": round(persons_per_s / pg_result["rows_per_s"], 2)
        if pg_result
        else None,
        "targets": TARGETS,
        **machine(),
    }
    if pg_result is None:
        result["pgcrypto_skipped"] = pg["skipped"]
    emit(result)


if __name__ == "__main__":
    main()
