"""Impact scope over a large trail: which persons and affairs an account, a client address
or an API token touched in a window (DESIGN.md §11: under 1 s over 10,000,000 entries).

    uv run python benchmarks/impact_scope.py --n 10000000 [--db PATH]

Builds a SQLite trail of N synthetic entries spread over a year: organisations, accounts
of very different activity (a Zipf spread: one busy import account, many occasional
clerks), each account working from a few client addresses, a million persons, ten
affairs, sign-ins without a person, and ``token:use`` entries for API tokens. Rows go
in with one raw executemany and the indexes are built afterwards, the schema being
the migrations' own. The entries are not chained (their hashes are placeholders): this
trail is for the questions, not for ``verify``. ``ANALYZE`` runs at the end; the
questions' plans are the same without its statistics (checked with EXPLAIN QUERY PLAN).
``--db PATH`` keeps the trail for the next run (built only when the file is missing).

Then times ``mnvault.audit.questions.queries.impact_scope``, the service call (authorization and
its own audit entry included), for the busiest account, a typical one, the busiest
address and a token, over the last 30 days; and, as the baseline in the same run, the
account question's persons query with the indexes forbidden (``NOT INDEXED``), and a
plain ``COUNT(*)`` over the window. Prints one JSON line on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import emit, log, machine
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role
from mnvault.affairs.services import sync_catalogue
from mnvault.audit.merkle import Frontier
from mnvault.audit.questions import queries
from mnvault.db.engine import make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade
from mnvault.orgs.models import Organisation, OrganisationKind

TARGET_SECONDS = 1.0
BATCH = 50_000
ORGANISATIONS = 20
ACCOUNTS = 2_000
PERSONS = 1_000_000
ADDRESSES = 5_000
TOKENS = 200
AFFAIRS = (
    "withholding_slip",
    "dependent_deduction_declaration",
    "health_pension_insurance",
    "employment_insurance",
    "resident_tax",
    "payment_record",
    "real_estate_usage_fee",
    "securities",
    "insurance_payment",
    "pension",
)
PERSON_ACTIONS = ("number:read", "person:read", "number:acquire", "number:lookup", "export:create")
YEAR = timedelta(days=365)
WINDOW = timedelta(days=30)
END = datetime(2026, 11, 1, tzinfo=UTC)


class Population:
    """Who does what, fixed by the seed: the spreads the synthetic entries follow."""

    def __init__(self, seed: int, main_org: uuid.UUID) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.orgs = [main_org] + [
            uuid.UUID(int=rng.getrandbits(128)) for _ in range(ORGANISATIONS - 1)
        ]
        self.accounts = [uuid.UUID(int=rng.getrandbits(128)).bytes for _ in range(ACCOUNTS)]
        # Zipf: the busiest account does about an eighth of all the work.
        self.weights = [1 / rank for rank in range(1, ACCOUNTS + 1)]
        self.org_of = {a: self.orgs[i % ORGANISATIONS].bytes for i, a in enumerate(self.accounts)}
        addresses = [f"10.{i // 65536}.{i // 256 % 256}.{i % 256}" for i in range(ADDRESSES)]
        # Each account works from one address mostly and two others now and then.
        self.addresses_of = {a: rng.sample(addresses, 3) for a in self.accounts}
        self.persons = [uuid.UUID(int=rng.getrandbits(128)).bytes for _ in range(PERSONS)]
        self.tokens = [
            (uuid.UUID(int=rng.getrandbits(128)), rng.choice(self.accounts)) for _ in range(TOKENS)
        ]


def rows(population: Population, n: int, first_seq: int) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of raw rows in audit_entries column order, times rising through the year."""
    rng = population.rng
    start = END - YEAR
    step = YEAR.total_seconds() / n
    placeholder = bytes(32)
    token_details = {t: f'{{"token_id": "{t}"}}' for t, _ in population.tokens}
    for low in range(0, n, BATCH):
        size = min(BATCH, n - low)
        actors = rng.choices(population.accounts, population.weights, k=size)
        persons = rng.choices(population.persons, k=size)
        kinds = rng.choices(range(100), k=size)
        picks = rng.choices((0, 0, 0, 0, 0, 0, 0, 0, 1, 2), k=size)
        affairs = rng.choices(AFFAIRS, k=size)
        actions = rng.choices(PERSON_ACTIONS, (60, 25, 10, 4, 1), k=size)
        batch: list[tuple[Any, ...]] = []
        append = batch.append
        minute_text, minute = "", -1
        for i in range(size):
            offset = (low + i) * step
            whole = int(offset)
            if whole // 60 != minute:
                minute = whole // 60
                minute_text = (start + timedelta(seconds=minute * 60)).strftime("%Y-%m-%d %H:%M:")
            at = f"{minute_text}{whole % 60:02d}.{int((offset - whole) * 1e6):06d}"
            actor = actors[i]
            kind = kinds[i]
            address = population.addresses_of[actor][picks[i]]
            if kind < 2:  # an API token used (the account it acts for, from its address)
                token, owner = population.tokens[persons[i][0] % TOKENS]
                actor, address = owner, population.addresses_of[owner][0]
                values = ("token:use", None, None, token_details[token])
            elif kind < 10:  # signing in: no person, no affair
                values = ("auth:login", None, None, None)
            else:
                values = (actions[i], affairs[i], persons[i], None)
            action, affair, person, details = values
            append(
                (
                    first_seq + low + i,
                    at,
                    actor,
                    population.org_of[actor],
                    action,
                    "ok",
                    affair,
                    person,
                    None,
                    None,
                    address,
                    details,
                    placeholder,
                    placeholder,
                )
            )
        yield batch


def build(path: Path, n: int) -> dict[str, Any]:
    """Create the trail at ``path``; returns what the questions need (ids, who to ask)."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        sync_catalogue(session)
        org = Organisation(name="ベンチマーク株式会社", kind=OrganisationKind.COMPANY.value)
        session.add(org)
        session.flush()
        auditor = access.create_user(
            session,
            None,
            home_organisation_id=org.id,
            login="auditor",
            display_name="監査",
            password="correct horse battery",
        )
        access.grant_role(session, None, user=auditor, organisation_id=org.id, role=Role.AUDITOR)
        org_id, auditor_id = org.id, auditor.id
    engine.dispose()

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    (first_seq,) = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM audit_entries").fetchone()
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_entries'"
        " AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:  # built once at the end: far faster than kept up row by row
        db.execute(f'DROP INDEX "{name}"')
    population = Population(4, org_id)
    started = time.perf_counter()
    marks = ", ".join("?" * 14)
    for number, batch in enumerate(rows(population, n, first_seq)):
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO audit_entries VALUES ({marks})", batch)  # noqa: S608
        db.execute("COMMIT")
        if number % 20 == 0:
            log(f"  {(number + 1) * BATCH:>10,} rows, {time.perf_counter() - started:.0f} s")
    for name, sql in indexes:
        log(f"  index {name}")
        db.execute(sql)
    last_seq = first_seq + n - 1
    # The head as appends expect it (the placeholder hash, a frontier of the right shape),
    # so the questions can record that they were asked.
    nodes = [bytes(32)] * last_seq.bit_count()
    db.execute(
        "UPDATE audit_head SET seq = ?, entry_hash = ?, frontier = ?",
        (last_seq, bytes(32), Frontier(last_seq, nodes).to_bytes()),
    )
    db.execute("ANALYZE")
    db.close()
    return {"org": org_id, "auditor": auditor_id}


def who_to_ask(path: Path, org: uuid.UUID, since: datetime) -> dict[str, Any]:
    """The busiest and a typical account, the busiest address and busiest token of the org."""
    db = sqlite3.connect(path)
    at = since.strftime("%Y-%m-%d %H:%M:%S.%f")
    actors = Counter(
        dict(
            db.execute(
                "SELECT actor_id, count(*) FROM audit_entries WHERE organisation_id = ? "
                "AND occurred_at >= ? GROUP BY actor_id",
                (org.bytes, at),
            ).fetchall()
        )
    )
    addresses = Counter(
        dict(
            db.execute(
                "SELECT client_address, count(*) FROM audit_entries WHERE organisation_id = ? "
                "AND occurred_at >= ? GROUP BY client_address",
                (org.bytes, at),
            ).fetchall()
        )
    )
    tokens = Counter(
        dict(
            db.execute(
                "SELECT json_extract(details, '$.token_id'), count(*) FROM audit_entries "
                "WHERE action = 'token:use' AND organisation_id = ? AND occurred_at >= ? "
                "GROUP BY 1",
                (org.bytes, at),
            ).fetchall()
        )
    )
    db.close()
    ranked = actors.most_common()
    return {
        "busiest_account": uuid.UUID(bytes=ranked[0][0]),
        "typical_account": uuid.UUID(bytes=ranked[len(ranked) // 2][0]),
        "busiest_address": addresses.most_common(1)[0][0],
        # A small run may have no token used in the organisation's window.
        "busiest_token": uuid.UUID(tokens.most_common(1)[0][0]) if tokens else None,
        "entries": {
            "busiest_account": ranked[0][1],
            "typical_account": ranked[len(ranked) // 2][1],
            "busiest_address": addresses.most_common(1)[0][1],
            "busiest_token_uses": tokens.most_common(1)[0][1] if tokens else 0,
        },
    }


def timed(call: Callable[[], Any], repeat: int = 3) -> tuple[dict[str, float], Any]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return {"first": round(seconds[0], 3), "median": round(statistics.median(seconds), 3)}, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="keep the trail here (reused when present)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mnvault-bench-") as tmp:
        path = args.db or Path(tmp) / "trail.sqlite3"
        ids_file = path.with_suffix(".ids")
        if not path.exists():
            log(f"building a trail of {args.n:,} entries")
            started = time.perf_counter()
            ids = build(path, args.n)
            ids_file.write_text(f"{ids['org']}\n{ids['auditor']}\n")
            log(f"built in {time.perf_counter() - started:.0f} s")
        org_text, auditor_text = ids_file.read_text().split()
        org, auditor = uuid.UUID(org_text), uuid.UUID(auditor_text)
        since, until = END - WINDOW, END
        asked = who_to_ask(path, org, since)
        engine = make_engine(f"sqlite:///{path}")
        factory = make_session_factory(engine)
        context = Context(actor_id=auditor, organisation_id=org)

        def scope(**principal: Any) -> Callable[[], queries.ImpactScope]:
            def call() -> queries.ImpactScope:
                with unit_of_work(factory) as session:
                    return queries.impact_scope(
                        session, context, since=since, until=until, **principal
                    )

            return call

        results: dict[str, Any] = {}
        for label, principal in (
            ("busiest_account", {"actor_id": asked["busiest_account"]}),
            ("typical_account", {"actor_id": asked["typical_account"]}),
            ("busiest_address", {"client_address": asked["busiest_address"]}),
            ("busiest_token", {"token_id": asked["busiest_token"]}),
        ):
            if None in principal.values():
                continue
            log(f"impact scope: {label}")
            seconds, found = timed(scope(**principal))
            results[label] = {
                **seconds,
                "entries": found.entries,
                "persons": len(found.persons),
                "affairs": len(found.affairs),
            }
        engine.dispose()
        db = sqlite3.connect(path)
        window = (since.strftime("%Y-%m-%d %H:%M:%S.%f"), until.strftime("%Y-%m-%d %H:%M:%S.%f"))
        log("baselines")
        unindexed, _ = timed(
            lambda: db.execute(
                "SELECT DISTINCT person_id FROM audit_entries NOT INDEXED WHERE "
                "organisation_id = ? AND actor_id = ? AND occurred_at >= ? AND occurred_at < ?",
                (org.bytes, asked["busiest_account"].bytes, *window),
            ).fetchall(),
            repeat=1,
        )
        count, _ = timed(
            lambda: db.execute(
                "SELECT count(*) FROM audit_entries WHERE occurred_at >= ? AND occurred_at < ?",
                window,
            ).fetchone(),
            repeat=1,
        )
        (total,) = db.execute("SELECT max(seq) FROM audit_entries").fetchone()
        db.close()
        size = os.path.getsize(path)
    slowest = max(result["median"] for result in results.values())
    emit(
        {
            "benchmark": "impact_scope",
            "entries": total,
            "database_bytes": size,
            "window_days": WINDOW.days,
            "seconds": results,
            "baseline": {
                "same_persons_query_not_indexed_s": unindexed["first"],
                "count_over_window_s": count["first"],
            },
            "target_s": TARGET_SECONDS,
            "meets_target": slowest < TARGET_SECONDS,
            **machine(),
        }
    )


if __name__ == "__main__":
    main()
