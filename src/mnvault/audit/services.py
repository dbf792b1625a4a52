"""Writing audit entries. Always inside the caller's transaction: if the entry cannot
be written (or the chain head cannot be locked and advanced) the flush raises and the
whole operation rolls back (fail closed).

Every append locks the chain head (mnvault.audit.head), numbers and hashes its entries
after it (mnvault.audit.chain), writes a signed checkpoint when one is due
(mnvault.audit.checkpoints) and moves the head, all in the caller's transaction.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.audit import chain, checkpoints, head, packed
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.errors import AuditUnavailable
from mnvault.audit.merkle import Frontier
from mnvault.audit.models import AuditEntry
from mnvault.context import record_refusals_with
from mnvault.db.base import utcnow
from mnvault.db.bulk import Adapt, insert_rows
from mnvault.errors import Refusal


def _plain(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    # Hash what the database will give back: JSON turns tuples into lists and keys into
    # strings, so the chain is computed over the JSON round trip, not the caller's dict.
    return json.loads(json.dumps(dict(details))) if details else None


def _append(session: Session, entry: AuditEntry) -> AuditEntry:
    append_all(session, [entry])
    return entry


def append_all(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` in this order, consecutively, under one lock of the head.

    The entries are added to the session (callers may go on using them as rows of it);
    the group commit uses :func:`insert_all`, which writes the same rows without the ORM.
    """
    if not entries:
        return
    current = _chain(session, entries)
    session.add_all(entries)
    session.flush()
    _finish(session, current, entries)


def insert_all(session: Session, entries: Sequence[AuditEntry]) -> None:
    """:func:`append_all` as one Core insert, leaving ``entries`` outside the session.

    For the group commit (mnvault.audit.group), which hands over the entries of many
    requests at once and never uses them as ORM rows afterwards: the ORM's flush of a
    batch cost more than the requests' own reads.
    """
    if not entries:
        return
    current = _chain(session, entries)
    session.execute(
        _INSERT, [{name: getattr(entry, name) for name in _ENTRY_COLUMNS} for entry in entries]
    )
    _finish(session, current, entries)


_INSERT = insert(cast(Table, AuditEntry.__table__))
_ENTRY_COLUMNS = tuple(column.key for column in AuditEntry.__table__.columns)


def _chain(session: Session, entries: Sequence[AuditEntry]) -> head.Head:
    """Lock the head; number and hash ``entries`` after it."""
    current = head.lock(session)
    link(current, entries)
    return current


def entry_values(entry: AuditEntry) -> dict[str, Any]:
    """An entry's columns, for a Core insert."""
    return {name: getattr(entry, name) for name in _ENTRY_COLUMNS}


def link(current: head.Head, entries: Sequence[AuditEntry]) -> None:
    """Number and hash ``entries`` after ``current`` (whose lock the caller holds)."""
    for entry in entries:
        entry.seq = current.seq + 1
        entry.prev_hash = current.entry_hash
        entry.entry_hash = chain.entry_hash(**{name: getattr(entry, name) for name in chain.FIELDS})
        current.seq = entry.seq
        current.entry_hash = entry.entry_hash
        current.frontier.append(entry.entry_hash)


def _finish(session: Session, current: head.Head, entries: Sequence[AuditEntry]) -> None:
    checkpoints.write_if_due(session, current, max(entry.occurred_at for entry in entries))
    head.store(session, current)


def new_entry(
    context: Context | None,
    action: AuditAction,
    *,
    outcome: Outcome = Outcome.OK,
    person_id: uuid.UUID | None = None,
    affair_code: str | None = None,
    spi_file_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An entry not yet appended (see :func:`record`, which appends it at once); explicit
    ids and addresses win over the context's (sign-ins and token checks happen before
    there is a context)."""
    return AuditEntry(
        occurred_at=utcnow(),
        actor_id=actor_id or (context.actor_id if context else None),
        organisation_id=organisation_id or (context.organisation_id if context else None),
        action=str(action),
        outcome=str(outcome),
        affair_code=affair_code or (context.affair_code if context else None),
        person_id=person_id,
        spi_file_id=spi_file_id,
        request_id=request_id or (context.request_id if context else None),
        client_address=client_address or (context.client_address if context else None),
        details=_plain(details),
    )


def record(
    session: Session,
    context: Context | None,
    action: AuditAction,
    *,
    outcome: Outcome = Outcome.OK,
    person_id: uuid.UUID | None = None,
    affair_code: str | None = None,
    spi_file_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry (built as :func:`new_entry` builds it) in the caller's transaction."""
    built = new_entry(
        context, action, outcome=outcome, person_id=person_id, affair_code=affair_code,
        spi_file_id=spi_file_id, organisation_id=organisation_id, actor_id=actor_id,
        request_id=request_id, client_address=client_address, details=details,
    )  # fmt: skip
    return _append(session, built)


def hold_head(session: Session) -> int:
    """Lock the chain head for the rest of this transaction and return its seq.

    A watermark for "what changed since": whatever another transaction commits after
    this one is appended after it, with a higher seq (PostgreSQL: its append waits on
    the lock; SQLite: there is one writer at a time anyway)."""
    return head.lock(session).seq


# Column order of the bulk insert: the hashed fields, then the hash itself.
AUDIT_COLUMNS = (*chain.FIELDS, "entry_hash")


def record_many(
    session: Session,
    context: Context,
    action: AuditAction,
    person_ids: Iterable[uuid.UUID | bytes],
    *,
    details: Mapping[str, Any] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """One entry per person for bulk work (imports, exports, disposals), appended as a
    whole: the chain :func:`record` would build entry by entry, under one lock of the head.

    Person ids may be UUIDs or their 16 bytes. The entries differ only in seq and
    person, so the chain is computed in one loop over pre-encoded constant fields, and
    inserted in chunks of BULK_CHUNK rows (SQLite: one statement per chunk,
    mnvault.audit.packed). The head moves only after the last chunk is in, in the
    caller's transaction: if any insert fails, the caller's work rolls back with it.

    ``meanwhile``: the caller's own database work, run in this thread after the head is
    locked, while another thread builds and chains the entries and extends the Merkle
    frontier (pure Python, no session; the database drivers let go of the GIL while a
    statement runs, so the two overlap). The builder stays at most BULK_AHEAD chunks
    ahead, so memory stays bounded.
    """
    table = AuditEntry.__table__
    adapt = Adapt(session, table)  # type: ignore[arg-type]
    as_uuid = adapt.uuid()
    now: datetime = utcnow()
    plain = _plain(details)
    action_text, outcome_text = str(action), str(Outcome.OK)
    stored = {
        "occurred_at": adapt.constant("occurred_at", now),
        "actor_id": as_uuid(context.actor_id),
        "organisation_id": as_uuid(context.organisation_id),
        "action": action_text,
        "outcome": outcome_text,
        "affair_code": context.affair_code,
        "spi_file_id": None,
        "request_id": context.request_id,
        "client_address": context.client_address,
        "details": adapt.constant("details", plain),
    }
    hash_one = chain.bulk_hasher(
        occurred_at=now,
        actor_id=context.actor_id,
        organisation_id=context.organisation_id,
        action=action_text,
        outcome=outcome_text,
        affair_code=context.affair_code,
        spi_file_id=None,
        request_id=context.request_id,
        client_address=context.client_address,
        details=plain,
    )
    write, prepare = _chunk_writer(session, stored, as_uuid)
    current = head.lock(session)
    frontier = current.frontier

    def chunks() -> Iterator[_Chunk]:
        seq, prev = current.seq, current.entry_hash
        ids: list[bytes] = []
        hashes = [prev]
        for person_id in person_ids:
            raw = person_id.bytes if isinstance(person_id, uuid.UUID) else bytes(person_id)
            seq += 1
            prev = hash_one(seq, raw, prev)
            ids.append(raw)
            hashes.append(prev)
            if len(ids) == BULK_CHUNK:
                yield finish_chunk(seq, ids, hashes)
                ids, hashes = [], [prev]
        if ids:
            yield finish_chunk(seq, ids, hashes)

    def finish_chunk(last: int, ids: list[bytes], hashes: list[bytes]) -> _Chunk:
        # Here, in the builder: the frontier's two hashes per entry overlap the inserts.
        frontier.extend(hashes[1:])
        payload = prepare(last - len(ids) + 1, ids, hashes)
        return _Chunk(payload, last, hashes[-1], list(frontier.nodes))

    source = chunks() if meanwhile is None else _built_ahead(chunks(), meanwhile)
    appended = False
    signing = True
    for chunk in source:
        write(chunk.payload)
        current.seq, current.entry_hash = chunk.seq, chunk.entry_hash
        appended = True
        if signing:
            # Every so many entries, as appends of single entries are: a gap longer
            # than the cadence is what `audit verify` reports as missing checkpoints.
            view = head.Head(
                chunk.seq, chunk.entry_hash, Frontier(chunk.seq, chunk.nodes),
                current.checkpoint_id, current.checkpoint_seq, current.checkpoint_at,
            )  # fmt: skip
            signing = checkpoints.write_at_chunk(session, view, now)
            current.checkpoint_id, current.checkpoint_seq = view.checkpoint_id, view.checkpoint_seq
            current.checkpoint_at = view.checkpoint_at
    if not appended:
        return
    checkpoints.write_if_due(session, current, now)
    head.store(session, current)


def _chunk_writer(
    session: Session, stored: dict[str, Any], as_uuid: Callable[[bytes], Any]
) -> tuple[Callable[[Any], None], Callable[[int, list[bytes], list[bytes]], Any]]:
    """How a chunk is written on this database: ``prepare`` runs in the builder thread,
    ``write`` in the caller's (it alone touches the session)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        return (lambda payload: packed.insert(driver, stored, payload)), packed.pack  # type: ignore[arg-type]
    head_values = tuple(stored[name] for name in AUDIT_COLUMNS[1:7])
    tail_values = tuple(stored[name] for name in AUDIT_COLUMNS[8:12])

    def prepare(first: int, ids: list[bytes], hashes: list[bytes]) -> list[tuple[Any, ...]]:
        return [
            (first + i, *head_values, as_uuid(raw), *tail_values, hashes[i], hashes[i + 1])
            for i, raw in enumerate(ids)
        ]

    def write(rows: list[tuple[Any, ...]]) -> None:
        insert_rows(session, AuditEntry.__table__, AUDIT_COLUMNS, rows)  # type: ignore[arg-type]

    return write, prepare


BULK_CHUNK = 20_000
BULK_AHEAD = 25


@dataclass(frozen=True, slots=True)
class _Chunk:
    payload: Any  # what the writer inserts (rows, or SQLite's packed values)
    seq: int  # the chunk's last entry
    entry_hash: bytes
    nodes: list[bytes]  # the Merkle frontier after it (the builder may be chunks ahead)


_DONE = object()


def _built_ahead(chunks: Iterator[_Chunk], meanwhile: Callable[[], object]) -> Iterator[_Chunk]:
    """Run ``meanwhile`` here while a thread builds ``chunks``; then hand them over."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=BULK_AHEAD)
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def build() -> None:
        try:
            for item in chunks:
                if not put(item):
                    return
        except BaseException as exc:  # handed over to the caller's thread
            failure.append(exc)
        put(_DONE)

    worker = threading.Thread(target=build, name="audit-chain", daemon=True)
    worker.start()
    try:
        meanwhile()
        while (item := buffer.get()) is not _DONE:
            yield item  # type: ignore[misc]
        if failure:
            raise failure[0]
    finally:
        stop.set()
        worker.join()


def denial_entry(denied: AuthorizationDenied) -> AuditEntry:
    """The entry that records a refused attempt (not yet appended)."""
    return AuditEntry(
        occurred_at=utcnow(),
        actor_id=denied.actor_id,
        organisation_id=denied.organisation_id,
        action=str(AuditAction.ACCESS_DENIED),
        outcome=str(Outcome.DENIED),
        affair_code=denied.affair_code,
        person_id=denied.person_id,
        request_id=denied.request_id,
        client_address=denied.client_address,
        details=_plain(
            {"permission": denied.permission, "reason": denied.reason, **denied.details}
        ),
    )


def record_denial(session: Session, denied: AuthorizationDenied) -> None:
    _append(session, denial_entry(denied))


def _record_refusal(session: Session, refused: Refusal) -> None:
    if not isinstance(refused, AuthorizationDenied):
        # A refusal that does not say what its entry must hold cannot be audited.
        raise AuditUnavailable() from refused
    record_denial(session, refused)


# The kernel's audited transaction (mnvault.context) records refusals with this.
record_refusals_with(_record_refusal)
