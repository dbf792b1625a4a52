"""Reading the trail back as canonical text, from the database or an exported file.

Verification must not trust the database's types: it reads the driver's raw values
(``exec_driver_sql``, no SQLAlchemy type processing), turns each into the canonical text
of mnvault.audit.chain, and never raises on a value someone wrote behind the
application's back: a value that cannot be read canonically is kept as it is, so its
hash does not match and verification names the entry.

The export format (JSON lines) holds the same canonical texts, so an exported trail
verifies offline with nothing but the signing public key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from sqlalchemy import Connection, Engine

from mnvault.audit import chain
from mnvault.audit.pruned import PrunedBase, read_base
from mnvault.audit.statement import Checkpoint
from mnvault.db.engine import READ_ONLY

TRAIL_FORMAT = "mnvault-audit-trail-v1"


class TrailEntry(NamedTuple):
    """One entry as canonical texts (ids in hex, time in UTC ISO, details as sorted JSON)."""

    seq: int
    occurred_at: str
    actor_id: str | None
    organisation_id: str | None
    action: str
    outcome: str
    affair_code: str | None
    person_id: str | None
    spi_file_id: str | None
    request_id: str | None
    client_address: str | None
    details: str | None
    prev_hash: bytes
    entry_hash: bytes

    def texts(self) -> tuple[Any, ...]:
        return self[1:12]

    def computed_hash(self, seq: int | None = None) -> bytes:
        """The hash this entry's fields give at ``seq`` (its own by default)."""
        return chain.sha256(
            chain.encode_texts(self.seq if seq is None else seq, self.texts(), self.prev_hash)
        )


@dataclass(frozen=True, slots=True)
class HeadState:
    seq: int
    entry_hash: bytes
    frontier: bytes
    checkpoint_id: int


# -- raw driver values to canonical text ------------------------------------------------


def _time(value: object) -> str:
    if isinstance(value, datetime):
        return chain.timestamp_text(value)
    if isinstance(value, str):
        # SQLite's form, "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: rewritten without parsing,
        # because this runs once per entry of a trail of millions.
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}+00:00"
        try:
            return chain.timestamp_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _ident(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@lru_cache(maxsize=4096)
def _details_from_json(raw: str) -> str | None:
    # Cached: bulk entries (a whole import) share one details text.
    try:
        return chain.canonical_details(json.loads(raw))
    except ValueError:
        return raw


def _details(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _details_from_json(value)
    try:
        return chain.canonical_details(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def _hash(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8")


# The canonical text of columns 1..11 (occurred_at .. details) from the driver's value.
CONVERTERS: tuple[Callable[[Any], str | None], ...] = (
    _time,
    _ident,
    _ident,
    _text,
    _text,
    _text,
    _ident,
    _ident,
    _text,
    _text,
    _details,
)


def canonical_entry(row: Sequence[Any]) -> TrailEntry:
    """An entry from the driver's values, in :data:`ENTRY_COLUMNS` order."""
    return TrailEntry(
        int(row[0]),
        _time(row[1]),
        _ident(row[2]),
        _ident(row[3]),
        str(row[4]),
        str(row[5]),
        _text(row[6]),
        _ident(row[7]),
        _ident(row[8]),
        _text(row[9]),
        _text(row[10]),
        _details(row[11]),
        _hash(row[12]),
        _hash(row[13]),
    )


# -- the database -------------------------------------------------------------------------

ENTRY_COLUMNS = (*chain.FIELDS, "entry_hash")
ENTRIES_SQL = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM audit_entries"  # noqa: S608 - our names
_CHECKPOINTS_SQL = (
    "SELECT id, tree_size, root, head_hash, created_at, key_id, signature "
    "FROM audit_checkpoints ORDER BY id"
)
_HEAD_SQL = "SELECT seq, entry_hash, frontier, checkpoint_id FROM audit_head WHERE id = 1"


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one state of the trail (entries, checkpoints and
    head from the same moment), without blocking the application's appends."""
    with engine.connect() as connection:
        options: dict[str, Any] = {READ_ONLY: True}
        if connection.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        connection.execution_options(**options)
        with connection.begin():
            yield connection


def read_entries(
    connection: Connection, *, after: int = 0, until: int | None = None, batch: int = 20_000
) -> Iterator[TrailEntry]:
    """Entries in seq order (``after`` < seq <= ``until``), streamed in batches."""
    sql = f"{ENTRIES_SQL} WHERE seq > {int(after)}"
    if until is not None:
        sql += f" AND seq <= {int(until)}"
    # Per statement: Connection.execution_options() would change the caller's connection.
    result = connection.exec_driver_sql(
        sql + " ORDER BY seq", execution_options={"stream_results": True, "yield_per": batch}
    )
    try:
        while rows := result.fetchmany(batch):
            yield from map(canonical_entry, rows)
    finally:
        result.close()


def seq_range(connection: Connection) -> tuple[int, int | None, int | None]:
    """(how many entries, the lowest seq, the highest seq)."""
    count, lowest, highest = connection.exec_driver_sql(
        "SELECT count(*), min(seq), max(seq) FROM audit_entries"
    ).one()
    return int(count), lowest, highest


def parse_time(text: str) -> datetime:
    """An entry's canonical time; a value tampered beyond reading gives the epoch (its
    hash check reports the entry)."""
    return _created_at(text)


def read_times(connection: Connection, *, after: int = 0) -> Iterator[tuple[int, datetime]]:
    """(seq, time) of the entries after ``after``, in seq order: what the cadence needs."""
    result = connection.exec_driver_sql(
        f"SELECT seq, occurred_at FROM audit_entries WHERE seq > {int(after)} ORDER BY seq",  # noqa: S608
        execution_options={"stream_results": True, "yield_per": 20_000},
    )
    try:
        while rows := result.fetchmany(20_000):
            for seq, occurred_at in rows:
                yield int(seq), _created_at(occurred_at)
    finally:
        result.close()


def read_checkpoints(connection: Connection) -> list[Checkpoint]:
    return [
        Checkpoint(
            id=int(row[0]),
            tree_size=int(row[1]),
            root=_hash(row[2]),
            head_hash=_hash(row[3]),
            created_at=_created_at(row[4]),
            key_id=str(row[5]),
            signature=_hash(row[6]),
        )
        for row in connection.exec_driver_sql(_CHECKPOINTS_SQL)
    ]


def _created_at(value: object) -> datetime:
    text = _time(value)
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # tampered beyond reading: the signature check will fail on it
        return datetime.fromtimestamp(0).astimezone()


def read_head(connection: Connection) -> HeadState | None:
    row = connection.exec_driver_sql(_HEAD_SQL).first()
    if row is None:
        return None
    return HeadState(int(row[0]), _hash(row[1]), _hash(row[2]), int(row[3]))


# -- the export file ------------------------------------------------------------------------


def export(connection: Connection, out: TextIO) -> int:
    """Write the trail (entries, checkpoints, head) as JSON lines; returns the entries."""
    out.write(json.dumps({"format": TRAIL_FORMAT}) + "\n")
    base = read_base(connection)
    if base is not None:
        out.write(json.dumps({"base": base.to_json()}) + "\n")
    count = write_entries(read_entries(connection), out)
    write_checkpoints(read_checkpoints(connection), out)
    head = read_head(connection)
    if head is not None:
        out.write(
            json.dumps(
                {
                    "head": {
                        "seq": head.seq,
                        "entry_hash": head.entry_hash.hex(),
                        "frontier": head.frontier.hex(),
                        "checkpoint_id": head.checkpoint_id,
                    }
                }
            )
            + "\n"
        )
    return count


def write_entries(entries: Iterable[TrailEntry], out: TextIO) -> int:
    count = 0
    for entry in entries:
        record = entry._asdict()
        record["prev_hash"], record["entry_hash"] = entry.prev_hash.hex(), entry.entry_hash.hex()
        out.write(json.dumps({"entry": record}, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_checkpoints(checkpoints: Iterable[Checkpoint], out: TextIO) -> None:
    for checkpoint in checkpoints:
        data = checkpoint.to_json(b"")
        del data["public_key"]  # trust comes from the key the verifier is given, not the file
        out.write(json.dumps({"checkpoint": data}) + "\n")


@dataclass
class ExportedTrail:
    entries: list[TrailEntry]
    checkpoints: list[Checkpoint]
    head: HeadState | None
    base: PrunedBase | None = None
    header: dict[str, Any] | None = None

    def base_record(self) -> TrailEntry | None:
        """The entry recording the prune this trail starts after, if it holds it."""
        if self.base is None:
            return None
        return next((e for e in self.entries if e.seq == self.base.record_seq), None)


def load_export(path: Path, fmt: str = TRAIL_FORMAT) -> ExportedTrail:
    """Read an exported trail (or an archive, ``fmt``); raises ValueError when the file
    is not one."""
    trail = ExportedTrail([], [], None)
    with path.open("r", encoding="utf-8") as handle:
        first = json.loads(handle.readline() or "{}")
        if first.get("format") != fmt:
            raise ValueError("not an exported mnvault audit trail")
        trail.header = first
        for line in handle:
            record = json.loads(line)
            if "entry" in record:
                e = record["entry"]
                values = [e[name] for name in TrailEntry._fields]
                values[-2], values[-1] = bytes.fromhex(values[-2]), bytes.fromhex(values[-1])
                trail.entries.append(TrailEntry(*values))
            elif "checkpoint" in record:
                data = {**record["checkpoint"], "public_key": ""}
                trail.checkpoints.append(Checkpoint.from_json(data)[0])
            elif "base" in record:
                trail.base = PrunedBase.from_json(record["base"])
            elif "head" in record:
                h = record["head"]
                trail.head = HeadState(
                    int(h["seq"]),
                    bytes.fromhex(h["entry_hash"]),
                    bytes.fromhex(h["frontier"]),
                    int(h["checkpoint_id"]),
                )
    trail.entries.sort(key=lambda entry: entry.seq)
    return trail
